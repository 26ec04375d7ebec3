// What the one anchoring engine (engine.ts) needs of its store and reports as it works: the
// service's store drivers (src/service/store/) and the CLI's ledger outbox (ledgerOutbox.ts)
// both provide it.
import type { ChainWriter } from "../../chain/types.js";
import type { Hex } from "../../core/hex.js";
import type { Logger } from "../../core/logger.js";
import type { ReceiptAnchor } from "../../formats/receipt.js";
import type { ServiceBatchStatus } from "../store/batchStatus.js";
import type { FeePolicy } from "./feePolicy.js";

/** An anchoring transaction in the outbox: persisted before it is broadcast. */
export type OutboxTransaction = {
  readonly id: number;
  readonly batchId: number;
  readonly chainId: number;
  readonly from: Hex;
  readonly nonce: number;
  readonly hash: Hex;
  readonly raw: Hex;
  /** Fees as decimal strings (wei): EIP-1559 max fee and priority fee, or the legacy gas price in maxFeePerGas. */
  readonly maxFeePerGas: string;
  readonly maxPriorityFeePerGas: string;
  /** RFC 3339. */
  readonly createdAt: string;
  /** `pending` until one transaction of the batch is mined; the others become `replaced`/`dropped`. */
  readonly status: "pending" | "mined" | "replaced" | "dropped";
};

/** A batch as the anchoring store keeps it. */
export type ServiceBatch = {
  readonly id: number;
  readonly orgId: number;
  readonly root: Hex;
  readonly leafCount: number;
  readonly metadata: string;
  readonly metadataHash: Hex;
  readonly status: ServiceBatchStatus;
  readonly sealedAt: string;
  /** Set from `anchored` on: where it was mined (re-set if a reorg moved it). */
  readonly anchor: ReceiptAnchor | null;
  /** RFC 3339, when it reached the confirmation depth. */
  readonly confirmedAt: string | null;
};

/** What sealing needs from the caller: the tree over the leaves, built outside the transaction's I/O. */
export type SealBuilder = (leaves: readonly Hex[]) => {
  readonly root: Hex;
  readonly tree: Uint8Array;
  readonly metadata: string;
  readonly metadataHash: Hex;
};

/** Pending entries of one organisation and the age of the oldest. */
export type PendingStats = { readonly orgId: number; readonly pending: number; readonly oldestReceivedAt: string | null };

/** What the engine needs of a store: the outbox, the batches and the pending counts. */
export interface AnchoringStore {
  /** Pending entries per organisation and the age of the oldest (scheduler, metrics). */
  pendingStats(): Promise<PendingStats[]>;
  /**
   * Seals up to `maxLeaves` of the organisation's oldest pending entries into a batch, in one
   * transaction: reads them, calls `build`, inserts the batch with its tree, assigns the entries.
   * An entry is in at most one batch, ever. Null when nothing is pending.
   */
  sealBatch(orgId: number, maxLeaves: number, build: SealBuilder, now: Date): Promise<ServiceBatch | null>;
  getBatch(id: number): Promise<ServiceBatch | null>;
  /** Batches not yet confirmed (sealed or anchored), oldest first: the anchorer's work list. */
  unconfirmedBatches(): Promise<ServiceBatch[]>;
  /** When each entry of the batch was acknowledged (RFC 3339), in entry order: accept-to-anchor delays. */
  receivedTimesOf(batchId: number): Promise<string[]>;
  /** Persists a signed transaction before it is broadcast. */
  addTransaction(tx: Omit<OutboxTransaction, "id" | "createdAt" | "status">, now: Date): Promise<OutboxTransaction>;
  transactionsOf(batchId: number): Promise<OutboxTransaction[]>;
  /** Pending transactions of all batches (restart reconciliation). */
  pendingTransactions(): Promise<OutboxTransaction[]>;
  setTransactionStatus(id: number, status: OutboxTransaction["status"]): Promise<void>;
  /** The batch was mined at `anchor` (by transaction `anchor.txHash`): status `anchored`. */
  markAnchored(batchId: number, anchor: ReceiptAnchor): Promise<void>;
  /** The anchoring block reached the confirmation depth: status `confirmed`; receipts may be issued. */
  markConfirmed(batchId: number, now: Date): Promise<void>;
  /** A reorg removed the anchoring block: back to `sealed` (same entries, same root), anchor cleared. */
  markReorged(batchId: number): Promise<void>;
}

/** What the anchorer reports as it works; the service turns these into metrics and logs. */
export interface AnchorerEvents {
  /** A JSON-RPC call failed (`operation`: getBlockNumber, sendRawTransaction, …); it will be retried with backoff. */
  onRpcError?(operation: string, error: unknown): void;
  /** A batch was sealed from pending entries. */
  onBatchSealed?(batch: { orgId: number; batchId: number; leafCount: number }): void;
  /** A batch's anchoring transaction was broadcast (`replacement`: a fee-bumped or re-signed one). */
  onTransactionSent?(tx: { batchId: number; hash: string; nonce: number; maxFeePerGas: string; replacement: boolean }): void;
  /** A batch was mined. `latencySeconds`: from its oldest entry's receipt by the service to the block's mining. */
  onBatchAnchored?(batch: { orgId: number; batchId: number; leafCount: number; blockNumber: number; gasUsed: bigint; latencySeconds: number }): void;
  /** A batch reached the confirmation depth; receipts for its entries are now issued. `delaysSeconds`: per entry, accepted → confirmed. */
  onBatchConfirmed?(batch: { orgId: number; batchId: number; leafCount: number; delaysSeconds: readonly number[] }): void;
  /** The block that held a batch's anchor left the canonical chain; the batch is pending again. */
  onReorg?(batch: { orgId: number; batchId: number; blockNumber: number }): void;
}

/** The settings the engine acts on (the service's AnchorerConfig carries them, and more). */
export type AnchoringSettings = {
  /** Signs from the anchoring account; the node it talks to is the one whose chain ID is checked. */
  readonly writer: ChainWriter;
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
  readonly logger: Logger;
};
