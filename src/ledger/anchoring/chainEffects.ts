// The anchoring engine's writes to the chain and their bookkeeping: signing (persisted before it
// is broadcast), broadcasting, adopting an anchor found on chain, and recording a mined anchor.
// The engine (engine.ts) calls these when a decision of decide.ts says so.
import { parseTransaction } from "viem";
import { decodeBatchAnchored, encodeAnchor, findBatchAnchoredLog, readAnchor } from "../../chain/registry.js";
import { withRevertName } from "../../chain/revertName.js";
import type { TransactionFees, TransactionReceipt } from "../../chain/types.js";
import { describeCause } from "../../core/errors/base.js";
import { ChainError } from "../../core/errors/chain.js";
import type { Hex } from "../../core/hex.js";
import type { ReceiptAnchor } from "../../formats/receipt.js";
import { initialFees, storedFees } from "./feePolicy.js";
import type { OutboxTransaction, ServiceBatch } from "./types.js";
import type { AnchoringEngineParameters } from "./engine.js";

/** What the engine remembers between passes (memory only: losing it costs at most one early rebroadcast). */
export type AnchoringMemory = {
  /** Outbox id → when it was last broadcast (ms). */
  readonly lastSentAt: Map<number, number>;
  /** Outbox ids reported through onTransactionSent. */
  readonly announced: Set<number>;
  /** Batch id → the oldest receivedAt seen when sealing it. */
  readonly oldestAtSealing: Map<number, string>;
  /** A failed chain call's error → the operation's name (for onRpcError). */
  readonly failedOperation: WeakMap<object, string>;
  /** Set when a mined anchor was recorded. */
  newlyAnchored: boolean;
};

/**
 * @example
 * import { createChainEffects } from "./ledger/anchoring/chainEffects.js";
 * const { signAndSend } = createChainEffects(parameters, memory);
 */
export function createChainEffects(p: AnchoringEngineParameters, memory: AnchoringMemory) {
  const { store, writer, logger, events, now, registry } = p;
  const policy = p.fees;
  const { lastSentAt, announced, oldestAtSealing, failedOperation } = memory;

  /** Runs one chain call, remembering its name if it fails (for onRpcError). */
  async function rpc<T>(operation: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (typeof error === "object" && error !== null && !failedOperation.has(error)) failedOperation.set(error, operation);
      throw error;
    }
  }

  /**
   * Signs the batch's anchoring transaction at `nonce`, persists it, broadcasts it. A re-signed one
   * (`previous`: the batch's last transaction) keeps its gas limit: the call is the same, and a
   * new estimate could see the root anchored by the very transaction being replaced (nodes that
   * estimate on their pending state). Fees: `fees` (a bump), else the node's, capped.
   */
  async function signAndSend(
    batch: ServiceBatch,
    nonce: number,
    options: { previous?: OutboxTransaction | undefined; fees?: TransactionFees } = {},
  ): Promise<void> {
    if (!(await p.maySign())) return; // lost the lease during this pass: the holder anchors
    let fees = options.fees;
    if (!fees) {
      const initial = initialFees(await rpc("getFees", () => writer.getFees()), policy.maxFeePerGasCap);
      if (initial.capped)
        logger.warn("the network asks for more than the fee cap; signing at the cap", {
          batchId: batch.id,
          maxFeePerGasCap: policy.maxFeePerGasCap.toString(),
        });
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
    const tx = await store.addTransaction(
      { batchId: batch.id, chainId: p.chainId, from: writer.account, nonce, hash: signed.hash, raw: signed.raw, ...storedFees(fees) },
      now(),
    );
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
      logger.warn("the node refused an anchoring transaction", {
        batchId: tx.batchId,
        hash: tx.hash,
        nonce: tx.nonce,
        maxFeePerGas: tx.maxFeePerGas,
        error: describeCause(error),
      });
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
      chainId: p.chainId,
      registry,
      orgId: event.orgId,
      sequence: event.sequence,
      txHash: receipt.transactionHash,
      blockNumber: Number(receipt.blockNumber),
      blockHash: receipt.blockHash,
      timestamp: Number(block.timestamp),
    };
    await store.markAnchored(batch.id, anchor);
    memory.newlyAnchored = true;
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

  return { rpc, signAndSend, broadcast, adoptIfAnchored, recordAnchored, anchoredEvent };
}
