// The anchoring engine's effect runner: it gathers the facts the decisions of decide.ts ask for,
// and performs the steps they return (store writes, signing, broadcasting). It holds no decision
// of its own beyond "do what the step says", so what the anchorer does in a given situation is
// read in decide.ts and tested there without a chain. Used by the service's anchorer
// (anchorer.ts) and by the CLI's `provenance anchor` (src/ledger/ledger.ts, through anchorStore.ts).
import { buildBatch } from "../../formats/batchMetadata.js";
import type { TransactionReceipt } from "../../chain/types.js";
import type { Hex } from "../../core/hex.js";
import { storedFees } from "./feePolicy.js";
import type { AnchorerEvents, AnchoringSettings, AnchoringStore, OutboxTransaction, SealBuilder, ServiceBatch } from "./types.js";
import { type AnchoringMemory, createChainEffects } from "./chainEffects.js";
import { type OutboxFacts, type ReceiptFact, decideAnchored, decideOutbox, decideReconcile, decideSealing } from "./decide.js";

export type { AnchoringStore } from "./types.js";

/** The anchorer's settings the engine acts on, with its store, clock and lease check. */
export type AnchoringEngineParameters = AnchoringSettings & {
  readonly store: AnchoringStore;
  /** Lower-case registry address. */
  readonly registry: Hex;
  readonly events: AnchorerEvents;
  readonly now: () => Date;
  /** Whether this process may still sign (the service's lease); checked right before signing. */
  readonly maySign: () => Promise<boolean>;
};

export type AnchoringEngine = ReturnType<typeof createAnchoringEngine>;

/**
 * The effects of one anchoring pass, run by the caller in order: `reconcile` after a (re)start,
 * `sealDue`, `checkAnchored` per anchored batch, `driveOutbox`. Memory holds only timers and
 * hints (when a transaction was last sent, which were announced): losing it costs at most one
 * early rebroadcast.
 *
 * @example
 * import { createAnchoringEngine } from "./ledger/anchoring/engine.js";
 * const engine = createAnchoringEngine({ store, writer, registry, chainId, orgIds: [1], intervalMs, maxPending, maxLeaves, confirmations: 2, fees, logger, events: {}, now: () => new Date(), maySign: async () => true });
 * await engine.driveOutbox();
 */
export function createAnchoringEngine(p: AnchoringEngineParameters) {
  const { store, writer, logger, events, now } = p;
  const served = new Set(p.orgIds);
  const policy = p.fees;
  const memory: AnchoringMemory = {
    lastSentAt: new Map(),
    announced: new Set(),
    oldestAtSealing: new Map(),
    failedOperation: new WeakMap(),
    newlyAnchored: false,
  };
  const { lastSentAt, oldestAtSealing } = memory;
  const { rpc, signAndSend, broadcast, adoptIfAnchored, recordAnchored, anchoredEvent } = createChainEffects(p, memory);

  async function servedBatches(): Promise<ServiceBatch[]> {
    return (await store.unconfirmedBatches()).filter((b) => served.has(b.orgId));
  }

  /** After a (re)start or a change of lease holder: what happened to the transactions in flight? */
  async function reconcile(): Promise<void> {
    // The newest pending transaction of each batch: older ones of the same nonce were replaced by it.
    const newest = new Map<number, OutboxTransaction>();
    for (const tx of await store.pendingTransactions()) newest.set(tx.batchId, tx);
    for (const tx of newest.values()) {
      const batch = await store.getBatch(tx.batchId);
      if (!batch || !served.has(batch.orgId) || batch.status !== "sealed") continue;
      if (tx.chainId !== p.chainId) {
        logger.warn("outbox transaction of another chain ignored", { batchId: tx.batchId, hash: tx.hash, chainId: tx.chainId });
        continue;
      }
      const facts: { mined?: boolean; inPool?: boolean } = {};
      for (;;) {
        const step = decideReconcile(facts);
        if (step.kind === "ask" && step.fact === "receipt")
          facts.mined = Boolean(await rpc("getTransactionReceipt", () => writer.getTransactionReceipt(tx.hash)));
        else if (step.kind === "ask") facts.inPool = Boolean(await rpc("getTransaction", () => writer.getTransaction(tx.hash)));
        else {
          if (step.kind === "inPool") lastSentAt.set(tx.id, now().getTime()); // keep waiting
          if (step.kind === "rebroadcast") {
            logger.info("rebroadcasting a transaction the node does not know (persisted before a crash)", {
              batchId: tx.batchId,
              hash: tx.hash,
              nonce: tx.nonce,
            });
            await broadcast(tx, false);
          }
          break; // mined: recorded by driveOutbox
        }
      }
    }
  }

  /** Seals every organisation that is due (decideSealing). Returns in how many ms the next one falls due (Infinity: none). */
  async function sealDue(pendingHint?: Map<number, number>): Promise<number> {
    const stats = (await store.pendingStats()).filter((s) => served.has(s.orgId));
    for (const orgId of served) pendingHint?.set(orgId, stats.find((s) => s.orgId === orgId)?.pending ?? 0);
    const waiting = stats.some((s) => s.pending > 0) ? await orgsWithUnsentBatch() : new Set<number>();
    const { seal, wakeInMs } = decideSealing(stats, waiting, now(), p);
    for (const s of seal) {
      const sealedAt = now();
      const batch = await store.sealBatch(s.orgId, p.maxLeaves, sealBuilder(sealedAt), sealedAt);
      if (!batch) continue;
      pendingHint?.set(s.orgId, Math.max(0, s.pending - batch.leafCount));
      if (s.oldestReceivedAt !== null) oldestAtSealing.set(batch.id, s.oldestReceivedAt);
      logger.info("batch sealed", { orgId: s.orgId, batchId: batch.id, leafCount: batch.leafCount, root: batch.root });
      events.onBatchSealed?.({ orgId: s.orgId, batchId: batch.id, leafCount: batch.leafCount });
    }
    return wakeInMs;
  }

  /** Organisations with a sealed batch that has no transaction in flight (not sent yet, or all of them dropped). */
  async function orgsWithUnsentBatch(): Promise<Set<number>> {
    const orgs = new Set<number>();
    for (const batch of await servedBatches()) {
      if (batch.status !== "sealed" || orgs.has(batch.orgId)) continue;
      if (!(await store.transactionsOf(batch.id)).some((t) => t.status === "pending")) orgs.add(batch.orgId);
    }
    return orgs;
  }

  /** Confirmations and reorgs of every anchored batch served, against `head`. */
  async function checkAnchoredBatches(head: bigint): Promise<void> {
    for (const batch of await servedBatches()) if (batch.status === "anchored") await checkAnchored(batch, head);
  }

  async function checkAnchored(batch: ServiceBatch, head: bigint): Promise<void> {
    const anchor = batch.anchor!;
    const block = await rpc("getBlock", () => writer.getBlock(BigInt(anchor.blockNumber)));
    const step = decideAnchored({ anchor, blockHashAtHeight: block?.hash ?? null, head, confirmations: p.confirmations });
    if (step.kind === "reorged") {
      // The mined transaction becomes pending again first (a crash here leaves the batch anchored and this check redoes it).
      for (const tx of await store.transactionsOf(batch.id)) {
        if (tx.hash !== anchor.txHash || tx.status !== "mined") continue;
        await store.setTransactionStatus(tx.id, "pending");
        lastSentAt.delete(tx.id); // due at once: rebroadcast the same bytes if the node lost it
      }
      await store.markReorged(batch.id);
      logger.warn("reorg: the block that anchored a batch left the chain; anchoring it again", {
        batchId: batch.id,
        blockNumber: anchor.blockNumber,
        blockHash: anchor.blockHash,
        nowAtHeight: block?.hash ?? null,
      });
      events.onReorg?.({ orgId: batch.orgId, batchId: batch.id, blockNumber: anchor.blockNumber });
      return;
    }
    if (step.kind === "wait") return;
    const confirmedAt = now();
    await store.markConfirmed(batch.id, confirmedAt);
    const times = await store.receivedTimesOf(batch.id);
    logger.info("batch confirmed", { batchId: batch.id, blockNumber: anchor.blockNumber, confirmations: step.confirmations });
    events.onBatchConfirmed?.({
      orgId: batch.orgId,
      batchId: batch.id,
      leafCount: batch.leafCount,
      delaysSeconds: times.map((t) => Math.max(0, (confirmedAt.getTime() - Date.parse(t)) / 1000)),
    });
  }

  /** Drives every sealed batch's transactions; true if it sent the transaction of a batch that was waiting for one. */
  async function driveOutbox(): Promise<boolean> {
    const sealed = (await servedBatches()).filter((b) => b.status === "sealed");
    let inFlight = false;
    const fresh: ServiceBatch[] = [];
    for (const batch of sealed) {
      const txs = (await store.transactionsOf(batch.id)).filter((t) => t.status === "pending");
      if (txs.length === 0) fresh.push(batch);
      else if ((await advance(batch, txs)).inFlight) inFlight = true;
    }
    // One anchoring transaction in flight per account: nonces stay trivially ordered, a stuck
    // transaction is replaced rather than queued behind, and a batch can hold 2^25 entries.
    for (const batch of fresh) {
      if (inFlight) return false;
      const outcome = await advance(batch, []);
      if (outcome.sent) return true;
    }
    return false;
  }

  /** Runs decideOutbox for one sealed batch until it says wait (or sent, or recorded). */
  async function advance(batch: ServiceBatch, txs: readonly OutboxTransaction[]): Promise<{ inFlight: boolean; sent: boolean }> {
    const receipts = new Map<Hex, TransactionReceipt | null>();
    const receiptFacts = new Map<Hex, ReceiptFact | null>();
    const dropped = new Set<number>();
    // When each was last sent, as of the start: a rebroadcast during this decision does not make it "just sent".
    const at = now().getTime();
    const sentAt = new Map<number, number>(txs.map((t) => [t.id, lastSentAt.get(t.id) ?? 0] as const));
    let facts: OutboxFacts = {
      account: writer.account,
      transactions: txs,
      dropped,
      receipts: receiptFacts,
      sinceSentMs: (tx) => at - (sentAt.get(tx.id) ?? 0),
    };
    for (;;) {
      const step = decideOutbox(facts, policy);
      switch (step.kind) {
        case "ask":
          if (step.fact === "latestNonce")
            facts = { ...facts, latestNonce: await rpc("getTransactionCount", () => writer.getTransactionCount(writer.account, "latest")) };
          else if (step.fact === "pendingNonce")
            facts = { ...facts, pendingNonce: await rpc("getTransactionCount", () => writer.getTransactionCount(writer.account, "pending")) };
          else if (step.fact === "inPool") facts = { ...facts, inPool: Boolean(await rpc("getTransaction", () => writer.getTransaction(step.hash))) };
          else if (step.fact === "networkFees") facts = { ...facts, networkFees: await rpc("getFees", () => writer.getFees()) };
          else {
            const receipt = (await rpc("getTransactionReceipt", () => writer.getTransactionReceipt(step.hash))) ?? null;
            receipts.set(step.hash, receipt);
            receiptFacts.set(step.hash, receipt && { status: receipt.status, anchorsBatch: anchoredEvent(receipt, batch.orgId, batch.root) !== null });
          }
          break;
        case "adopt":
          facts = { ...facts, anchoredOnChain: await adoptIfAnchored(batch, txs) };
          break;
        case "drop":
          for (const tx of step.transactions) {
            await store.setTransactionStatus(tx.id, "dropped");
            dropped.add(tx.id);
          }
          logDrop(batch, step.transactions, step.reason, facts, receipts);
          break;
        case "recordMined":
          return { inFlight: !(await recordAnchored(batch, receipts.get(step.hash)!, txs)), sent: false };
        case "sign":
          await signAndSend(batch, step.nonce, { previous: step.previous });
          return { inFlight: true, sent: true };
        case "replace":
          logger.info("replacing a stuck transaction with higher fees", {
            batchId: batch.id,
            nonce: step.previous.nonce,
            previousMaxFeePerGas: step.previous.maxFeePerGas,
            ...storedFees(step.fees),
          });
          await signAndSend(batch, step.previous.nonce, { previous: step.previous, fees: step.fees });
          return { inFlight: true, sent: true };
        case "rebroadcast": {
          const tx = step.transaction;
          if (step.why === "lost") logger.info("rebroadcasting a transaction the node dropped", { batchId: batch.id, hash: tx.hash, nonce: tx.nonce });
          else logAtCap(batch, tx, step.why);
          facts = { ...facts, rebroadcast: { why: step.why, refused: !(await broadcast(tx, false)) } };
          break;
        }
        case "wait":
          if (step.unsent) logAtCap(batch, step.unsent.transaction, step.unsent.why);
          return { inFlight: step.inFlight, sent: false };
      }
    }
  }

  function logAtCap(batch: ServiceBatch, tx: OutboxTransaction, why: "atCap" | "freeGas"): void {
    if (why === "freeGas") logger.debug("free-gas network: nothing to bump, rebroadcasting", { batchId: batch.id, hash: tx.hash });
    else
      logger.warn("transaction not mined and its fees are at the cap: rebroadcasting at the cap", {
        batchId: batch.id,
        hash: tx.hash,
        nonce: tx.nonce,
        maxFeePerGas: tx.maxFeePerGas,
        maxFeePerGasCap: policy.maxFeePerGasCap.toString(),
      });
  }

  function logDrop(
    batch: ServiceBatch,
    txs: readonly OutboxTransaction[],
    reason: string,
    facts: OutboxFacts,
    receipts: Map<Hex, TransactionReceipt | null>,
  ): void {
    if (reason === "minedWithoutAnchor") {
      const receipt = receipts.get(txs[0]!.hash)!;
      logger.warn("anchoring transaction mined without anchoring", {
        batchId: batch.id,
        hash: txs[0]!.hash,
        status: receipt.status,
        blockNumber: Number(receipt.blockNumber),
      });
    } else if (reason === "otherKey")
      logger.warn("pending transaction signed by another anchorer key; signing anew with this one", { batchId: batch.id, hashes: txs.map((t) => t.hash) });
    else if (reason === "nonceTaken")
      logger.warn("nonce taken by another transaction; not anchored by ours", {
        batchId: batch.id,
        nonces: txs.map((t) => t.nonce),
        latestNonce: facts.latestNonce,
      });
    else logger.warn("nonce gap: re-signing at the node's next nonce", { batchId: batch.id, nonce: txs.at(-1)!.nonce, pendingNonce: facts.pendingNonce });
  }

  return {
    rpc,
    failedOperation: memory.failedOperation,
    servedBatches,
    reconcile,
    sealDue,
    checkAnchoredBatches,
    driveOutbox,
    /** True once since the last call if a mined anchor was recorded. */
    takeNewlyAnchored(): boolean {
      const was = memory.newlyAnchored;
      memory.newlyAnchored = false;
      return was;
    },
  };
}

/** The SealBuilder of the service: the same tree and batch metadata as `sealBatch` of src/ledger/ledger.ts. */
export function sealBuilder(sealedAt: Date): SealBuilder {
  return (leaves) => {
    const { tree, metadata, metadataHash } = buildBatch(leaves, sealedAt);
    return { root: tree.root, tree: tree.toBytes(), metadata, metadataHash };
  };
}
