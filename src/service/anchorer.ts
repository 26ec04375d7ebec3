// The anchoring service's anchorer: seals pending entries into Merkle batches and anchors each
// batch root in the ProvenanceRegistry, surviving crashes, RPC outages, dropped and stuck
// transactions, foreign use of its nonce and reorgs. Every decision is re-derived each pass from
// the store (durable) and the chain (authoritative); memory only holds timers and hints, so a
// process killed at any point resumes from where the store and the chain say it is.
// docs/service-anchoring.md describes the state machine and the fault handling.
import { parseTransaction } from "viem";
import { buildBatch } from "../batchMetadata.js";
import { decodeBatchAnchored, encodeAnchor, findBatchAnchoredLog, isAnchorer, readAnchor, withRevertName } from "../chain/registry.js";
import type { ChainWriter, TransactionFees, TransactionReceipt } from "../chain/types.js";
import { describeCause } from "../errors/base.js";
import { ChainError } from "../errors/chain.js";
import { InputError } from "../errors/input.js";
import type { Hex } from "../hex.js";
import { MAX_LEAF_COUNT } from "../merkle/tree.js";
import type { ReceiptAnchor } from "../receipt.js";
import { type CreateBackoffParameters, createBackoff } from "./backoff.js";
import { type FeePolicy, bumpedFees, initialFees, storedFees } from "./feePolicy.js";
import type { OutboxTransaction, SealBuilder, ServiceBatch, ServiceStore } from "./serviceStore.js";
import type { AnchorerEvents, Logger } from "./types.js";

export type { FeePolicy } from "./feePolicy.js";


export type AnchorerConfig = {
  readonly store: ServiceStore;
  /** Signs from the anchoring account; the node it talks to is the one whose chain ID is checked. */
  readonly writer: ChainWriter;
  readonly registry: Hex;
  /** The chain the service is configured for: a node serving another chain is refused. */
  readonly chainId: number;
  /** Organisations this anchorer seals and anchors for; its account must be an anchorer of each. */
  readonly orgIds: readonly number[];
  /** T: an organisation's pending entries are sealed once the oldest has waited this long. */
  readonly intervalMs: number;
  /** N: … or as soon as this many are pending. */
  readonly maxPending: number;
  /** Most entries in one batch (at most 2^25). */
  readonly maxLeaves: number;
  /** Blocks that must hold the anchor, its own block counted (≥ 1), before its receipts are issued. */
  readonly confirmations: number;
  readonly fees: FeePolicy;
  /** Only the holder of this lease (in the store) seals and anchors; other instances only ingest. */
  readonly leaseName: string;
  /** This instance's name in the lease (unique per instance, e.g. host:pid). */
  readonly leaseHolder: string;
  /**
   * Whether a lease holder is known to be gone (a process of this host that no longer runs, see
   * leaseHolder.ts): its lease is taken over at once instead of after its TTL. Default: never.
   */
  readonly isDeadHolder?: ((holder: string) => boolean) | undefined;
  /** Renewed every pass; make it several times the longest pass (RPC timeout × a few calls), e.g. 30 s. */
  readonly leaseTtlMs: number;
  /** How often the loop runs a whole pass (lease, sealing, receipts, confirmations, reorgs). Default min(250 ms, intervalMs). */
  readonly pollIntervalMs?: number | undefined;
  /**
   * While a batch of the lease holder awaits its block or its confirmations, how often it asks the
   * node for the head between passes; a new block starts a pass at once. Default min(50 ms, pollIntervalMs).
   */
  readonly headPollMs?: number | undefined;
  /** Backoff after a failed pass (default 250 ms doubling to 30 s, with jitter). */
  readonly retry?: CreateBackoffParameters | undefined;
  readonly logger: Logger;
  readonly events?: AnchorerEvents | undefined;
  /** Clock for timestamps, sealing age and rebroadcast timing (default: the system clock). */
  readonly now?: (() => Date) | undefined;
};

/** What the anchorer reports for `/readyz` and `/metrics` (`AnchorerStatus` of the HTTP layer). */
export type AnchorerState = {
  /** Started and not stopped (nor stopped by a fatal error). */
  readonly running: boolean;
  /** Holds the lease; undefined until the first pass asked. */
  readonly leader: boolean | undefined;
  /** Why the last pass failed, until one succeeds. */
  readonly problem: string | undefined;
};

export type Anchorer = {
  /**
   * Starts the loop. Resolves once the node's chain ID and the account's anchorer roles are
   * checked (RPC failures meanwhile are retried with backoff, and sealing goes on); rejects with
   * `ChainError` if the node serves another chain (`CHAIN_ID_MISMATCH`), the registry is not one
   * (`NOT_A_REGISTRY`) or the account may not anchor for a served organisation
   * (`CONTRACT_REVERTED`, `revertName` `ProvenanceRegistryUnauthorizedAnchorer`); the loop is then
   * stopped. Resolves as well if `stop()` comes first.
   */
  start(): Promise<void>;
  /** Lets the current pass finish, stops the loop and releases the lease. */
  stop(): Promise<void>;
  /** Runs one pass now (tests, tools): lease, sealing, then the chain, ignoring any backoff. Rejects with what failed. */
  tick(): Promise<void>;
  /** Entries were stored: when an organisation reaches N pending, the loop wakes to seal without waiting. */
  notifyIngested(orgId: number, count: number): void;
  status(): AnchorerState;
};

const RPC_FAILURES: ReadonlySet<string> = new Set(["RPC_UNREACHABLE", "RPC_TIMEOUT", "RPC_ERROR"]);

/**
 * Creates the anchorer of `provenance serve`. Each pass, as the lease holder:
 * 1. seals, per organisation, up to `maxLeaves` of its oldest pending entries when N are pending
 *    or the oldest has waited T (store only: goes on while the chain is unreachable);
 * 2. checks every anchored batch: its block replaced → back to sealed (`onReorg`), to be anchored
 *    again; deep enough → confirmed (`onBatchConfirmed`);
 * 3. drives the outbox: records mined transactions (`onBatchAnchored`), rebroadcasts lost ones,
 *    replaces stuck ones with higher fees up to the cap, re-signs when its nonce was taken, and
 *    signs the next batch's transaction (one in flight at a time), persisted before broadcast.
 *
 * @example
 * import { createAnchorer } from "./service/anchorer.js";
 * const anchorer = createAnchorer({ store, writer, registry, chainId: 1337, orgIds: [1], intervalMs: 10_000, maxPending: 1000,
 *   maxLeaves: 100_000, confirmations: 2, fees: { bumpPercent: 12, maxFeePerGasCap: 100_000_000_000n, rebroadcastAfterMs: 60_000 },
 *   leaseName: "anchorer", leaseHolder: `${hostname()}:${process.pid}`, leaseTtlMs: 30_000, logger });
 * await anchorer.start(); // throws ChainError("CHAIN_ID_MISMATCH") on the wrong chain
 */
export function createAnchorer(config: AnchorerConfig): Anchorer {
  checkConfig(config);
  const { store, writer, logger } = config;
  const events = config.events ?? {};
  const registry = config.registry.toLowerCase() as Hex;
  const served = new Set(config.orgIds);
  const now = config.now ?? (() => new Date());
  // A quarter of a second: a mined anchor is seen within 250 ms (a handful of cheap RPC calls per pass).
  const pollIntervalMs = config.pollIntervalMs ?? Math.min(250, config.intervalMs);
  // Receipts and confirmations only change with a new block: between passes, one cheap call.
  const headPollMs = config.headPollMs ?? Math.min(50, pollIntervalMs);
  const backoff = createBackoff(config.retry);
  const policy = config.fees;

  // Memory only: losing any of it costs at most one early rebroadcast or an approximate latency.
  const lastSentAt = new Map<number, number>(); // outbox id → when it was last broadcast
  const announced = new Set<number>(); // outbox ids reported through onTransactionSent
  const oldestAtSealing = new Map<number, string>(); // batch id → oldest receivedAt seen when sealing
  const pendingHint = new Map<number, number>(); // org → entries pending, as far as notifyIngested tells
  const failedOperation = new WeakMap<object, string>();
  const fatal = new WeakSet<object>();

  let chainChecked = false;
  let reconciled = false;
  let leader: boolean | undefined;
  let problem: string | undefined;
  let running = false;
  let stopping = false;
  let retryChainAt = 0; // Date.now() before which the loop leaves the chain alone (backoff)
  let loop: Promise<void> | null = null;
  let wake: (() => void) | null = null;
  let wakeRequested = false;
  let queue: Promise<unknown> = Promise.resolve();
  // Timing hints for the loop, set by each pass.
  let sealAt = Number.POSITIVE_INFINITY; // Date.now() at which an organisation's oldest pending entry reaches T
  let watching = false; // this instance anchors and a batch awaits its block or its confirmations
  let headSeen: bigint | undefined; // the head at the end of the last pass
  let started: { promise: Promise<void>; resolve: () => void; reject: (error: unknown) => void } | null = null;

  /** Runs one chain call, remembering its name if it fails (for onRpcError). */
  async function rpc<T>(operation: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (typeof error === "object" && error !== null && !failedOperation.has(error)) failedOperation.set(error, operation);
      throw error;
    }
  }

  /** One pass at a time, whether from the loop or from tick(). */
  function exclusive<T>(run: () => Promise<T>): Promise<T> {
    const result = queue.then(run);
    queue = result.catch(() => undefined);
    return result;
  }

  async function holdLease(): Promise<boolean> {
    let held = await config.store.acquireLease(config.leaseName, config.leaseHolder, config.leaseTtlMs, now());
    if (!held && config.isDeadHolder) {
      // Killed without releasing it (kill -9, a crash): take it over rather than wait out its TTL.
      // The release only removes that holder's lease, so a third instance that took it meanwhile keeps it.
      const lease = await config.store.readLease(config.leaseName);
      if (lease && lease.holder !== config.leaseHolder && config.isDeadHolder(lease.holder)) {
        await config.store.releaseLease(config.leaseName, lease.holder);
        held = await config.store.acquireLease(config.leaseName, config.leaseHolder, config.leaseTtlMs, now());
        if (held) logger.info("anchoring lease taken over from a process that is gone", { lease: config.leaseName, previousHolder: lease.holder, expiresAt: lease.expiresAt.toISOString() });
      }
    }
    if (held !== leader) logger.info(held ? "anchoring lease taken: this instance anchors" : "anchoring lease held elsewhere: this instance only ingests", { lease: config.leaseName, holder: config.leaseHolder });
    // Another holder may have sent, mined or replaced transactions meanwhile: look again before acting.
    if (!held) reconciled = false;
    leader = held;
    return held;
  }

  /** Set when this pass recorded a mined anchor. */
  let newlyAnchored = false;

  /** One pass. `force` ignores the backoff (tick). Returns whether the chain part ran. */
  async function pass(force: boolean): Promise<boolean> {
    const isLeader = await holdLease();
    watching = false;
    sealAt = Number.POSITIVE_INFINITY;
    if (isLeader) await sealDue();
    if (!force && Date.now() < retryChainAt) return false;
    if (!chainChecked) {
      await checkChain();
      chainChecked = true;
      started?.resolve();
    } else if (isLeader) await checkChainId(); // the node behind the URL may change
    if (!isLeader) return true;
    if (!reconciled) {
      await reconcile();
      reconciled = true;
    }
    // Confirmations and reorgs of what was anchored before, then the outbox, then confirmations
    // again: a batch mined since the last pass is recorded and, at depth 1, confirmed in this pass
    // instead of the next (one poll interval less between acceptance and receipt).
    let head = await rpc("getBlockNumber", () => writer.getBlockNumber());
    for (const batch of await servedBatches()) if (batch.status === "anchored") await checkAnchored(batch, head);
    newlyAnchored = false;
    // The batch that waited is on its way: what is due now is sealed to wait behind it.
    if (await driveOutbox()) await sealDue();
    if (newlyAnchored) {
      head = await rpc("getBlockNumber", () => writer.getBlockNumber());
      for (const batch of await servedBatches()) if (batch.status === "anchored") await checkAnchored(batch, head);
    }
    headSeen = head;
    watching = (await servedBatches()).length > 0;
    return true;
  }

  // ---- startup checks -------------------------------------------------------------------------

  /** The node's chain, the registry and the account's roles. An unreachable node is retried; a wrong chain, registry or account is fatal. */
  async function checkChain(): Promise<void> {
    await checkChainId();
    for (const orgId of config.orgIds) {
      const allowed = await rpc("isAnchorer", () => isAnchorer(writer, registry, orgId, writer.account)).catch((error: unknown) => {
        if (error instanceof ChainError && !RPC_FAILURES.has(error.code)) fatal.add(error); // NOT_A_REGISTRY, unknown organisation
        throw error;
      });
      if (!allowed)
        throw fatalError(
          new ChainError("CONTRACT_REVERTED", `account ${writer.account} is not an anchorer of organisation ${orgId} in registry ${registry}: the registry would refuse its anchors`, {
            revertName: "ProvenanceRegistryUnauthorizedAnchorer",
          }),
        );
    }
  }

  async function checkChainId(): Promise<void> {
    const actual = await rpc("getChainId", () => writer.getChainId());
    if (actual !== config.chainId)
      throw fatalError(new ChainError("CHAIN_ID_MISMATCH", `the RPC node serves chain ${actual}, but the service is configured for chain ${config.chainId}: refusing to anchor`));
  }

  function fatalError(error: ChainError): ChainError {
    fatal.add(error);
    return error;
  }

  /** After a (re)start or a change of lease holder: what happened to the transactions in flight? */
  async function reconcile(): Promise<void> {
    // The newest pending transaction of each batch: older ones of the same nonce were replaced by it.
    const newest = new Map<number, OutboxTransaction>();
    for (const tx of await store.pendingTransactions()) newest.set(tx.batchId, tx);
    for (const tx of newest.values()) {
      const batch = await store.getBatch(tx.batchId);
      if (!batch || !served.has(batch.orgId) || batch.status !== "sealed") continue;
      if (tx.chainId !== config.chainId) {
        logger.warn("outbox transaction of another chain ignored", { batchId: tx.batchId, hash: tx.hash, chainId: tx.chainId });
        continue;
      }
      if (await rpc("getTransactionReceipt", () => writer.getTransactionReceipt(tx.hash))) continue; // mined: recorded below
      if (await rpc("getTransaction", () => writer.getTransaction(tx.hash))) {
        lastSentAt.set(tx.id, now().getTime()); // in the node's pool: keep waiting
        continue;
      }
      logger.info("rebroadcasting a transaction the node does not know (persisted before a crash)", { batchId: tx.batchId, hash: tx.hash, nonce: tx.nonce });
      await broadcast(tx, false);
    }
  }

  // ---- sealing ----------------------------------------------------------------------------------

  /**
   * Seals every organisation that is due (N pending, or the oldest has waited T), except one that
   * already has a sealed batch waiting for its transaction: at most one batch per organisation
   * waits behind the one in flight, so when the chain is slower than T (or down) pending entries
   * grow the next batch instead of queueing as many small batches, each a transaction of its own.
   */
  async function sealDue(): Promise<void> {
    const stats = (await store.pendingStats()).filter((s) => served.has(s.orgId));
    for (const orgId of served) pendingHint.set(orgId, stats.find((s) => s.orgId === orgId)?.pending ?? 0);
    const due = stats.filter((s) => s.pending > 0);
    const waiting = due.length > 0 ? await orgsWithUnsentBatch() : new Set<number>();
    sealAt = Number.POSITIVE_INFINITY;
    for (const s of due) {
      if (waiting.has(s.orgId)) continue; // sealed once its waiting batch is sent (driveOutbox)
      const age = s.oldestReceivedAt === null ? 0 : now().getTime() - Date.parse(s.oldestReceivedAt);
      if (s.pending < config.maxPending && age < config.intervalMs) {
        sealAt = Math.min(sealAt, Date.now() + config.intervalMs - age); // the loop wakes for it
        continue;
      }
      const sealedAt = now();
      const batch = await store.sealBatch(s.orgId, config.maxLeaves, sealBuilder(sealedAt), sealedAt);
      if (!batch) continue;
      pendingHint.set(s.orgId, Math.max(0, s.pending - batch.leafCount));
      if (s.oldestReceivedAt !== null) oldestAtSealing.set(batch.id, s.oldestReceivedAt);
      logger.info("batch sealed", { orgId: s.orgId, batchId: batch.id, leafCount: batch.leafCount, root: batch.root });
      events.onBatchSealed?.({ orgId: s.orgId, batchId: batch.id, leafCount: batch.leafCount });
    }
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

  // ---- anchored batches: confirmations and reorgs ----------------------------------------------

  async function checkAnchored(batch: ServiceBatch, head: bigint): Promise<void> {
    const anchor = batch.anchor!;
    const block = await rpc("getBlock", () => writer.getBlock(BigInt(anchor.blockNumber)));
    if (!block || block.hash !== anchor.blockHash) {
      // The block that held the anchor left the canonical chain. The mined transaction becomes
      // pending again first (a crash here leaves the batch anchored and this check redoes it).
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
    if (head - BigInt(anchor.blockNumber) + 1n < BigInt(config.confirmations)) return;
    const confirmedAt = now();
    await store.markConfirmed(batch.id, confirmedAt);
    const times = await store.receivedTimesOf(batch.id);
    logger.info("batch confirmed", { batchId: batch.id, blockNumber: anchor.blockNumber, confirmations: Number(head) - anchor.blockNumber + 1 });
    events.onBatchConfirmed?.({
      orgId: batch.orgId,
      batchId: batch.id,
      leafCount: batch.leafCount,
      delaysSeconds: times.map((t) => Math.max(0, (confirmedAt.getTime() - Date.parse(t)) / 1000)),
    });
  }

  // ---- the outbox -------------------------------------------------------------------------------

  /** True if it sent the transaction of a batch that was waiting for one. */
  async function driveOutbox(): Promise<boolean> {
    const sealed = (await servedBatches()).filter((b) => b.status === "sealed");
    let inFlight = false;
    const fresh: ServiceBatch[] = [];
    for (const batch of sealed) {
      const txs = (await store.transactionsOf(batch.id)).filter((t) => t.status === "pending");
      if (txs.length === 0) fresh.push(batch);
      else if (await advance(batch, txs)) inFlight = true;
    }
    // One anchoring transaction in flight per account: nonces stay trivially ordered, a stuck
    // transaction is replaced rather than queued behind, and a batch can hold 2^25 entries.
    for (const batch of fresh) {
      if (inFlight) return false;
      if (await adoptIfAnchored(batch, [])) continue;
      await signAndSend(batch, await rpc("getTransactionCount", () => writer.getTransactionCount(writer.account, "pending")));
      return true;
    }
    return false;
  }

  /** A sealed batch with pending transactions: mined, lost, stuck or overtaken? True while one is still in flight. */
  async function advance(batch: ServiceBatch, txs: readonly OutboxTransaction[]): Promise<boolean> {
    let live = [...txs];
    // The account's mined nonce first, receipts after: a transaction of ours below it is in a block
    // that exists when its receipt is asked for. (Asked the other way round, a block made between
    // the two calls made our own mined transaction look like "nonce taken by another".)
    const latest = await rpc("getTransactionCount", () => writer.getTransactionCount(writer.account, "latest"));
    for (const tx of txs) {
      const receipt = await rpc("getTransactionReceipt", () => writer.getTransactionReceipt(tx.hash));
      if (!receipt) continue;
      if (receipt.status === "success" && anchoredEvent(receipt, batch.orgId, batch.root)) return !(await recordAnchored(batch, receipt, txs));
      // Mined but it anchored nothing (reverted: e.g. the root was anchored meanwhile by another of our transactions).
      logger.warn("anchoring transaction mined without anchoring", { batchId: batch.id, hash: tx.hash, status: receipt.status, blockNumber: Number(receipt.blockNumber) });
      await store.setTransactionStatus(tx.id, "dropped");
      live = live.filter((t) => t.id !== tx.id);
    }
    // Signed by a previous anchorer key (the key was rotated): its nonce means nothing for this
    // account. Not mined: sign anew; if it is mined later after all, ours reverts on the
    // already-anchored root and the batch adopts that anchor.
    const rotated = live.filter((t) => t.from.toLowerCase() !== writer.account.toLowerCase());
    if (rotated.length > 0) {
      for (const tx of rotated) await store.setTransactionStatus(tx.id, "dropped");
      live = live.filter((t) => !rotated.includes(t));
      logger.warn("pending transaction signed by another anchorer key; signing anew with this one", { batchId: batch.id, hashes: rotated.map((t) => t.hash) });
    }
    const spent = live.filter((t) => t.nonce < latest);
    if (spent.length > 0) {
      // Their nonces were used by transactions that are not ours (no receipt above): external use
      // of the account, or a replacement signed elsewhere. Anchored after all? Else sign anew.
      for (const tx of spent) await store.setTransactionStatus(tx.id, "dropped");
      live = live.filter((t) => t.nonce >= latest);
      logger.warn("nonce taken by another transaction; not anchored by ours", { batchId: batch.id, nonces: spent.map((t) => t.nonce), latestNonce: latest });
    }
    if (live.length === 0) {
      if (await adoptIfAnchored(batch, txs)) return false;
      await signAndSend(batch, await rpc("getTransactionCount", () => writer.getTransactionCount(writer.account, "pending")), { previous: txs.at(-1) });
      return true;
    }
    const current = live.at(-1)!;
    if (now().getTime() - (lastSentAt.get(current.id) ?? 0) < policy.rebroadcastAfterMs) return true;
    const pendingNonce = await rpc("getTransactionCount", () => writer.getTransactionCount(writer.account, "pending"));
    if (current.nonce > pendingNonce) {
      // A gap: a transaction below ours vanished, so ours can never be mined. Re-sign at the node's nonce.
      logger.warn("nonce gap: re-signing at the node's next nonce", { batchId: batch.id, nonce: current.nonce, pendingNonce });
      for (const tx of live) await store.setTransactionStatus(tx.id, "dropped");
      if (await adoptIfAnchored(batch, txs)) return false;
      await signAndSend(batch, pendingNonce, { previous: current });
      return true;
    }
    const known = await rpc("getTransaction", () => writer.getTransaction(current.hash));
    if (!known) {
      logger.info("rebroadcasting a transaction the node dropped", { batchId: batch.id, hash: current.hash, nonce: current.nonce });
      if (await broadcast(current, false)) return true;
      // Refused (e.g. its max fee is under the base fee now): replace it with higher fees.
    }
    await replace(batch, current, !known);
    return true;
  }

  /**
   * Re-signs the same nonce with higher fees, up to the cap. At the cap (or on a free-gas network)
   * there is nothing to raise: it rebroadcasts, unless `refused` says that was just tried.
   */
  async function replace(batch: ServiceBatch, current: OutboxTransaction, refused: boolean): Promise<void> {
    const previous = { maxFeePerGas: BigInt(current.maxFeePerGas), maxPriorityFeePerGas: BigInt(current.maxPriorityFeePerGas) };
    const fees = bumpedFees(previous, await rpc("getFees", () => writer.getFees()), policy);
    if (fees) {
      logger.info("replacing a stuck transaction with higher fees", { batchId: batch.id, nonce: current.nonce, previousMaxFeePerGas: current.maxFeePerGas, ...storedFees(fees) });
      await signAndSend(batch, current.nonce, { previous: current, fees });
      return;
    }
    if (previous.maxFeePerGas === 0n) logger.debug("free-gas network: nothing to bump, rebroadcasting", { batchId: batch.id, hash: current.hash });
    else
      logger.warn("transaction not mined and its fees are at the cap: rebroadcasting at the cap", {
        batchId: batch.id,
        hash: current.hash,
        nonce: current.nonce,
        maxFeePerGas: current.maxFeePerGas,
        maxFeePerGasCap: policy.maxFeePerGasCap.toString(),
      });
    if (!refused) await broadcast(current, false);
  }

  /**
   * Signs the batch's anchoring transaction at `nonce`, persists it, broadcasts it. A re-signed one
   * (`previous`: the batch's last transaction) keeps its gas limit: the call is the same, and a
   * new estimate could see the root anchored by the very transaction being replaced (nodes that
   * estimate on their pending state). Fees: `fees` (a bump), else the node's, capped.
   */
  async function signAndSend(batch: ServiceBatch, nonce: number, options: { previous?: OutboxTransaction | undefined; fees?: TransactionFees } = {}): Promise<void> {
    if (!(await holdLease())) return; // lost the lease during this pass: the holder anchors
    let fees = options.fees;
    if (!fees) {
      const initial = initialFees(await rpc("getFees", () => writer.getFees()), policy.maxFeePerGasCap);
      if (initial.capped) logger.warn("the network asks for more than the fee cap; signing at the cap", { batchId: batch.id, maxFeePerGasCap: policy.maxFeePerGasCap.toString() });
      fees = initial.fees;
    }
    const data = encodeAnchor({ orgId: batch.orgId, root: batch.root, leafCount: batch.leafCount, metadataHash: batch.metadataHash });
    let signed;
    try {
      const gas = options.previous ? parseTransaction(options.previous.raw).gas : undefined;
      signed = await rpc("signTransaction", () => writer.signTransaction({ to: registry, data, nonce, gas, ...fees }));
    } catch (cause) {
      const error = withRevertName(cause);
      // Estimation says the root is anchored already (our earlier transaction landed meanwhile).
      if (error instanceof ChainError && error.revertName === "ProvenanceRegistryRootAlreadyAnchored") {
        if (!(await adoptIfAnchored(batch, await store.transactionsOf(batch.id))))
          logger.info("the node says the root is anchored in its pending state; waiting for the block", { batchId: batch.id });
        return;
      }
      if (error !== cause && typeof error === "object" && error !== null) failedOperation.set(error, "signTransaction");
      throw error;
    }
    // Persisted before it is broadcast: a crash after this line leaves the exact bytes to rebroadcast.
    const tx = await store.addTransaction({ batchId: batch.id, chainId: config.chainId, from: writer.account, nonce, hash: signed.hash, raw: signed.raw, ...storedFees(fees) }, now());
    await broadcast(tx, options.previous !== undefined);
  }

  /** Broadcasts; false if the node refused the transaction (it answered with an error), which is left to the next pass. */
  async function broadcast(tx: OutboxTransaction, replacement: boolean): Promise<boolean> {
    lastSentAt.set(tx.id, now().getTime());
    try {
      await rpc("sendRawTransaction", () => writer.sendRawTransaction(tx.raw));
    } catch (error) {
      if (!(error instanceof ChainError) || error.code !== "RPC_ERROR") throw error; // unreachable, timeout: back off
      events.onRpcError?.("sendRawTransaction", error);
      logger.warn("the node refused an anchoring transaction", { batchId: tx.batchId, hash: tx.hash, nonce: tx.nonce, maxFeePerGas: tx.maxFeePerGas, error: describeCause(error) });
      return false;
    }
    if (!announced.has(tx.id)) {
      announced.add(tx.id);
      logger.info("anchoring transaction sent", { batchId: tx.batchId, hash: tx.hash, nonce: tx.nonce, maxFeePerGas: tx.maxFeePerGas, replacement });
      events.onTransactionSent?.({ batchId: tx.batchId, hash: tx.hash, nonce: tx.nonce, maxFeePerGas: tx.maxFeePerGas, replacement });
    }
    return true;
  }

  /** If the root is anchored on chain (a crash after broadcasting, another instance), records it. True if it was. */
  async function adoptIfAnchored(batch: ServiceBatch, txs: readonly OutboxTransaction[]): Promise<boolean> {
    // Our organisation's anchor only: another organisation's anchor of the same root is not ours to adopt, and no obstacle.
    const onChain = await rpc("readAnchor", () => readAnchor(writer, registry, batch.orgId, batch.root));
    if (!onChain) return false;
    const found = await rpc("getLogs", () => findBatchAnchoredLog(writer, registry, batch.orgId, batch.root, BigInt(onChain.blockNumber)));
    const receipt = found && (await rpc("getTransactionReceipt", () => writer.getTransactionReceipt(found.log.transactionHash)));
    // The node's log index or receipts lag its state: the next pass finds them.
    if (!receipt) return true;
    logger.info("root already anchored on chain: adopting it", { batchId: batch.id, hash: receipt.transactionHash, blockNumber: Number(receipt.blockNumber) });
    await recordAnchored(batch, receipt, txs);
    return true;
  }

  /** Records a mined anchor: outbox statuses first, then the batch (a crash between is redone by adoptIfAnchored). False if its block is already gone. */
  async function recordAnchored(batch: ServiceBatch, receipt: TransactionReceipt, txs: readonly OutboxTransaction[]): Promise<boolean> {
    const event = anchoredEvent(receipt, batch.orgId, batch.root)!;
    if (event.orgId !== batch.orgId)
      throw new ChainError("ANCHOR_CONFLICT", `root ${batch.root} of batch ${batch.id} was anchored by organisation ${event.orgId}, not ${batch.orgId}`);
    const block = await rpc("getBlock", () => writer.getBlock(receipt.blockNumber));
    if (!block || block.hash !== receipt.blockHash) return false; // reorg under way: look again next pass
    const mined = txs.find((t) => t.hash === receipt.transactionHash);
    for (const tx of txs) {
      if (tx.status !== "pending") continue;
      await store.setTransactionStatus(tx.id, tx === mined ? "mined" : mined && tx.nonce === mined.nonce ? "replaced" : "dropped");
    }
    const anchor: ReceiptAnchor = {
      chainId: config.chainId,
      registry,
      orgId: event.orgId,
      sequence: event.sequence,
      txHash: receipt.transactionHash,
      blockNumber: Number(receipt.blockNumber),
      blockHash: receipt.blockHash,
      timestamp: Number(block.timestamp),
    };
    await store.markAnchored(batch.id, anchor);
    newlyAnchored = true;
    const times = await store.receivedTimesOf(batch.id);
    // A loop, not Math.min(...): a batch can hold millions of entries.
    let oldest = times.length > 0 ? Number.POSITIVE_INFINITY : Date.parse(oldestAtSealing.get(batch.id) ?? batch.sealedAt);
    for (const t of times) oldest = Math.min(oldest, Date.parse(t));
    logger.info("batch anchored", { batchId: batch.id, orgId: batch.orgId, hash: anchor.txHash, blockNumber: anchor.blockNumber, sequence: anchor.sequence });
    events.onBatchAnchored?.({
      orgId: batch.orgId,
      batchId: batch.id,
      leafCount: batch.leafCount,
      blockNumber: anchor.blockNumber,
      gasUsed: receipt.gasUsed,
      latencySeconds: Math.max(0, anchor.timestamp - oldest / 1000),
    });
    return true;
  }

  function anchoredEvent(receipt: TransactionReceipt, orgId: number, root: Hex) {
    return receipt.logs.map((log) => decodeBatchAnchored(log, registry)).find((e) => e?.orgId === orgId && e.root === root.toLowerCase()) ?? null;
  }

  async function servedBatches(): Promise<ServiceBatch[]> {
    return (await store.unconfirmedBatches()).filter((b) => served.has(b.orgId));
  }

  // ---- the loop ---------------------------------------------------------------------------------

  /** Reports a failed pass; true if it is fatal (the anchorer must not go on). */
  function report(error: unknown): boolean {
    problem = describeCause(error);
    const isObject = typeof error === "object" && error !== null;
    const operation = isObject ? failedOperation.get(error) : undefined;
    const code = error instanceof ChainError ? error.code : (error as { code?: unknown } | undefined)?.code;
    if (isObject && fatal.has(error)) {
      logger.error("refusing to anchor", { code, error: problem });
      return true;
    }
    if (error instanceof ChainError && operation !== undefined && RPC_FAILURES.has(error.code)) {
      events.onRpcError?.(operation, error);
      logger.warn("RPC call failed; retrying with backoff", { operation, code, error: problem });
    } else logger.error("anchorer pass failed; retrying with backoff", { operation, code, error: problem });
    return false;
  }

  async function releaseLease(): Promise<void> {
    if (!leader) return;
    leader = undefined;
    await store.releaseLease(config.leaseName, config.leaseHolder).catch((error: unknown) => logger.warn("could not release the anchoring lease", { error: describeCause(error) }));
  }

  /** Between passes: has the lease holder's node produced a block since the last pass? */
  async function headMoved(): Promise<boolean> {
    return (await rpc("getBlockNumber", () => writer.getBlockNumber())) !== headSeen;
  }

  async function runLoop(): Promise<void> {
    let lastPass = Number.NEGATIVE_INFINITY;
    while (!stopping) {
      try {
        const at = Date.now();
        const due = wakeRequested || at - lastPass >= pollIntervalMs || at >= sealAt || (watching && at >= retryChainAt && (await headMoved()));
        wakeRequested = false;
        if (due) {
          lastPass = Date.now();
          if (await exclusive(() => pass(false))) {
            backoff.reset();
            problem = undefined;
          }
        }
      } catch (error) {
        if (report(error)) {
          running = false;
          started?.reject(error);
          await releaseLease();
          return;
        }
        retryChainAt = Date.now() + backoff.next();
        // What the failed pass did not get to recompute must not wake the loop before the backoff.
        sealAt = Number.POSITIVE_INFINITY;
        watching = false;
      }
      if (stopping) return;
      // The next pass: after the poll interval (during a backoff, once it is over: the store-only
      // part, sealing, goes on meanwhile), or when a pending entry reaches T. While a batch awaits
      // a block, the head is asked for every headPollMs and a new block starts a pass at once.
      const chainAt = Math.max(lastPass + pollIntervalMs, retryChainAt);
      const headAt = watching ? Math.max(Date.now() + headPollMs, retryChainAt) : Number.POSITIVE_INFINITY;
      const delay = wakeRequested ? 0 : Math.max(0, Math.min(chainAt, sealAt, headAt) - Date.now());
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = null;
    }
  }

  return {
    start() {
      if (started) return started.promise;
      let resolve!: () => void;
      let reject!: (error: unknown) => void;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      started = { promise, resolve, reject };
      stopping = false;
      running = true;
      loop = runLoop();
      return promise;
    },
    async stop() {
      stopping = true;
      wake?.();
      await loop;
      await queue;
      running = false;
      started?.resolve();
      started = null;
      loop = null;
      await releaseLease();
    },
    tick() {
      return exclusive(() => pass(true)).then(
        () => {
          problem = undefined;
        },
        (error: unknown) => {
          report(error);
          throw error;
        },
      );
    },
    notifyIngested(orgId, count) {
      if (!served.has(orgId) || count <= 0) return;
      if (sealAt === Number.POSITIVE_INFINITY) {
        // Nothing was pending at the last pass: these entries are due at T from now, and the
        // sleeping loop is told so (it sleeps until then unless something else comes first).
        sealAt = Date.now() + config.intervalMs;
        wake?.();
      }
      const pending = (pendingHint.get(orgId) ?? 0) + count;
      pendingHint.set(orgId, pending);
      if (pending < config.maxPending) return;
      wakeRequested = true; // a pass at once: now if the loop sleeps, else right after this one
      wake?.();
    },
    status: () => ({ running, leader, problem }),
  };
}

/** Builds a batch with the ledger's rule (`buildBatch`): the tree and the same metadata `sealBatch` anchors. */
/** The SealBuilder of the service: the same tree and batch metadata as `sealBatch` of src/ledger.ts. */
export function sealBuilder(sealedAt: Date): SealBuilder {
  return (leaves) => {
    const { tree, metadata, metadataHash } = buildBatch(leaves, sealedAt);
    return { root: tree.root, tree: tree.toBytes(), metadata, metadataHash };
  };
}

function checkConfig(config: AnchorerConfig): void {
  const positive = (value: number, name: string, min = 1, max = Number.MAX_SAFE_INTEGER): void => {
    if (!Number.isSafeInteger(value) || value < min || value > max)
      throw new InputError("INVALID_ARGUMENT", `${name} must be an integer from ${min} to ${max}, got ${value}`, { path: name });
  };
  if (config.orgIds.length === 0) throw new InputError("INVALID_ARGUMENT", "the anchorer serves no organisation", { path: "orgIds" });
  for (const orgId of config.orgIds) positive(orgId, "orgIds[]", 1, 2 ** 32 - 1);
  positive(config.intervalMs, "intervalMs");
  positive(config.maxPending, "maxPending");
  positive(config.maxLeaves, "maxLeaves", 1, MAX_LEAF_COUNT);
  positive(config.confirmations, "confirmations");
  positive(config.leaseTtlMs, "leaseTtlMs");
  positive(config.fees.rebroadcastAfterMs, "fees.rebroadcastAfterMs", 0);
  if (config.pollIntervalMs !== undefined) positive(config.pollIntervalMs, "pollIntervalMs");
  if (config.headPollMs !== undefined) positive(config.headPollMs, "headPollMs");
  if (!(config.fees.bumpPercent >= 10) || !Number.isFinite(config.fees.bumpPercent))
    throw new InputError("INVALID_ARGUMENT", `fees.bumpPercent must be at least 10 (nodes refuse smaller replacements), got ${config.fees.bumpPercent}`, { path: "fees.bumpPercent" });
  if (config.fees.maxFeePerGasCap < 0n) throw new InputError("INVALID_ARGUMENT", "fees.maxFeePerGasCap must not be negative", { path: "fees.maxFeePerGasCap" });
}
