// The CLI's ledger store seen as the anchoring engine's store, so `provenance anchor`
// (anchorBatches of src/ledger/ledger.ts) runs the service's engine: fee bumps, rebroadcasts, nonce
// gaps, reorgs before the confirmation depth. The ledger store keeps one persisted transaction
// per batch (the newest: what a restart rebroadcasts) and records a batch only once it is
// confirmed; what the engine needs beyond that (older transactions of this run, a mined anchor
// still short of its confirmations) lives in memory for the run. A run killed meanwhile loses
// nothing the chain does not tell the next run: the persisted transaction, or the anchor itself.
import { parseTransaction, recoverTransactionAddress } from "viem";
import type { Hex } from "../../core/hex.js";
import type { ReceiptAnchor } from "../../formats/receipt.js";
import type { LedgerStore, StoredBatch } from "../store/ledgerStore.js";
import { notFound } from "../../core/errors/store.js";
import type { OutboxTransaction, ServiceBatch } from "./types.js";
import type { AnchoringStore } from "./engine.js";

export type LedgerOutboxParameters = {
  readonly chainId: number;
  /** Lower-case registry address. */
  readonly registry: Hex;
  /** The organisation every batch of this run is anchored for (ledger batches carry none of their own). */
  readonly orgId: number;
};

/**
 * The engine's store over a ledger store, for one anchoring run of the batches not anchored yet.
 *
 * @example
 * import { createAnchoringEngine } from "./ledger/anchoring/engine.js";
 * import { ledgerOutbox } from "./ledger/anchoring/ledgerOutbox.js";
 * const engine = createAnchoringEngine({ ...settings, store: await ledgerOutbox(store, { chainId, registry, orgId }) });
 */
export async function ledgerOutbox(store: LedgerStore, p: LedgerOutboxParameters): Promise<AnchoringStore> {
  const transactions = new Map<number, OutboxTransaction[]>(); // batch id → its transactions, oldest first
  const mined = new Map<number, ReceiptAnchor>(); // batch id → its anchor, until confirmed
  let nextId = 1;
  // The transaction a previous run persisted (signed for this chain, registry and organisation): the newest of its batch.
  for (const batch of store.batchesNotAnchored()) {
    const tx = batch.pendingTx;
    if (!tx || tx.raw === "0x" || tx.chainId !== p.chainId || tx.registry.toLowerCase() !== p.registry || tx.orgId !== p.orgId) continue;
    const restored = await restore(batch.id, tx.hash, tx.raw, nextId, p.chainId);
    if (!restored) continue;
    transactions.set(batch.id, [restored]);
    nextId++;
  }

  const toService = (batch: StoredBatch): ServiceBatch => ({
    id: batch.id,
    orgId: p.orgId,
    root: batch.root,
    leafCount: batch.leafCount,
    metadata: batch.metadata,
    metadataHash: batch.metadataHash,
    status: batch.status === "anchored" ? "confirmed" : mined.has(batch.id) ? "anchored" : "sealed",
    sealedAt: batch.sealedAt,
    anchor: batch.anchor ?? mined.get(batch.id) ?? null,
    confirmedAt: null,
  });
  const batchOf = (id: number): StoredBatch => {
    const batch = store.getBatch(id);
    if (!batch) throw notFound("batch", id);
    return batch;
  };
  const findTransaction = (id: number): { list: OutboxTransaction[]; index: number } => {
    for (const list of transactions.values()) {
      const index = list.findIndex((t) => t.id === id);
      if (index >= 0) return { list, index };
    }
    throw notFound("transaction", id);
  };

  return {
    async getBatch(id) {
      const batch = store.getBatch(id);
      return batch ? toService(batch) : null;
    },
    async unconfirmedBatches() {
      return store.batchesNotAnchored().map(toService);
    },
    async transactionsOf(batchId) {
      return [...(transactions.get(batchId) ?? [])];
    },
    async pendingTransactions() {
      return [...transactions.values()].flat().filter((t) => t.status === "pending");
    },
    async addTransaction(tx, now) {
      // Persisted before it is broadcast, as the newest transaction of the batch.
      store.markSubmitted(tx.batchId, { hash: tx.hash, raw: tx.raw, chainId: tx.chainId, registry: p.registry, orgId: p.orgId });
      const added: OutboxTransaction = { ...tx, id: nextId++, createdAt: now.toISOString(), status: "pending" };
      transactions.set(tx.batchId, [...(transactions.get(tx.batchId) ?? []), added]);
      return added;
    },
    async setTransactionStatus(id, status) {
      const { list, index } = findTransaction(id);
      list[index] = { ...list[index]!, status };
    },
    async markAnchored(batchId, anchor) {
      batchOf(batchId);
      mined.set(batchId, anchor);
    },
    async markConfirmed(batchId) {
      const anchor = mined.get(batchId) ?? batchOf(batchId).anchor;
      if (!anchor) throw notFound("batch", batchId);
      store.markAnchored(batchId, anchor);
      mined.delete(batchId);
    },
    async markReorged(batchId) {
      mined.delete(batchId);
    },
    async receivedTimesOf() {
      return [];
    },
    // `provenance anchor` seals before it anchors (sealBatch): the engine has nothing to seal.
    async pendingStats() {
      return [];
    },
    async sealBatch() {
      return null;
    },
  };
}

/** A persisted signed transaction as an outbox transaction: its nonce and fees from its bytes, its sender from its signature. Null if the bytes do not decode. */
async function restore(batchId: number, hash: Hex, raw: Hex, id: number, chainId: number): Promise<OutboxTransaction | null> {
  try {
    const tx = parseTransaction(raw);
    const from = await recoverTransactionAddress({ serializedTransaction: raw as Parameters<typeof recoverTransactionAddress>[0]["serializedTransaction"] });
    const maxFeePerGas = tx.maxFeePerGas ?? tx.gasPrice ?? 0n;
    const maxPriorityFeePerGas = tx.maxPriorityFeePerGas ?? tx.gasPrice ?? 0n;
    return {
      id,
      batchId,
      chainId,
      from: from.toLowerCase() as Hex,
      nonce: tx.nonce ?? 0,
      hash,
      raw,
      maxFeePerGas: maxFeePerGas.toString(),
      maxPriorityFeePerGas: maxPriorityFeePerGas.toString(),
      createdAt: new Date(0).toISOString(),
      status: "pending",
    };
  } catch {
    return null; // undecodable: the engine looks on chain, then signs anew
  }
}
