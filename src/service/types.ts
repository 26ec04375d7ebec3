// Small contracts between the parts of the anchoring service (HTTP layer, anchorer, metrics, logs).

/** Structured logging: one JSON object per line; fields never carry secrets (the logger redacts URLs and keys). */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
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
