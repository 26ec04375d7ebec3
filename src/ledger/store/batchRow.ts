import type { Hex } from "../../core/hex.js";
import type { ReceiptAnchor } from "../../formats/receipt.js";

/** What every stored batch row holds, whichever store: its id, Merkle root, leaf count and metadata. */
export function batchOfRow(row: Readonly<Record<string, unknown>>): { id: number; root: Hex; leafCount: number; metadata: string; metadataHash: Hex } {
  return {
    id: Number(row.id),
    root: row.root as Hex,
    leafCount: Number(row.leaf_count),
    metadata: String(row.metadata),
    metadataHash: row.metadata_hash as Hex,
  };
}

/**
 * The anchor a stored batch row records, the one mapping both stores use (the ledger store and the
 * service's SQLite and PostgreSQL drivers). The columns chain_id, registry, sequence, tx_hash,
 * block_number and block_hash are common; each store names its organisation and block-time columns.
 */
export function anchorOfRow(row: Readonly<Record<string, unknown>>, columns: { readonly orgId: string; readonly timestamp: string }): ReceiptAnchor {
  return {
    chainId: Number(row.chain_id),
    registry: row.registry as Hex,
    orgId: Number(row[columns.orgId]),
    sequence: Number(row.sequence),
    txHash: row.tx_hash as Hex,
    blockNumber: Number(row.block_number),
    blockHash: row.block_hash as Hex,
    timestamp: Number(row[columns.timestamp]),
  };
}
