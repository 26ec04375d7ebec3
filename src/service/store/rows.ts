// Row → value mapping shared by the SQLite and PostgreSQL service stores: the columns are the
// same; only how a timestamp comes back differs (TEXT in SQLite, a Date from pg).
import type { Hex } from "../../core/hex.js";
import { anchorOfRow, batchOfRow } from "../../ledger/store/batchRow.js";
import type { BatchStatus, EntryStatus, OutboxTransaction, ServiceBatch, StoredEntry, StoredToken } from "./serviceStore.js";

export type Row = Record<string, unknown>;

/** The columns `toEntry` reads: an entry joined with its batch (`b`) for its status. */
export const ENTRY_COLUMNS =
  "e.id, e.org_id, e.kind, e.entry_hash, e.leaf, e.subject_sha256, e.body, e.idempotency_key, e.received_at, e.batch_id, b.status AS batch_status";
/** The columns `toBatch` reads: every column but the tree, which only getBatchTree reads. */
export const BATCH_COLUMNS =
  "id, org_id, root, leaf_count, metadata, metadata_hash, status, sealed_at, chain_id, registry, anchor_org_id, sequence, tx_hash, block_number, block_hash, block_timestamp, confirmed_at";

export type RowMappers = {
  toToken(row: Row): StoredToken;
  toEntry(row: Row): StoredEntry;
  toBatch(row: Row): ServiceBatch;
  toTransaction(row: Row): OutboxTransaction;
};

/** The mappers for a driver whose timestamps `time` turns into RFC 3339 text. */
export function rowMappers(time: (value: unknown) => string): RowMappers {
  const iso = time;
  function entryStatus(batchStatus: unknown): EntryStatus {
    return batchStatus === null || batchStatus === undefined ? "pending" : (batchStatus as BatchStatus);
  }

  function toToken(row: Row): StoredToken {
    return { id: Number(row.id), orgId: Number(row.org_id), name: String(row.name), createdAt: iso(row.created_at) };
  }

  function toEntry(row: Row): StoredEntry {
    return {
      id: Number(row.id),
      orgId: Number(row.org_id),
      kind: row.kind as StoredEntry["kind"],
      entryHash: row.entry_hash as Hex,
      leaf: row.leaf as Hex,
      subjectSha256: String(row.subject_sha256),
      body: String(row.body),
      idempotencyKey: row.idempotency_key === null ? null : String(row.idempotency_key),
      receivedAt: iso(row.received_at),
      batchId: row.batch_id === null ? null : Number(row.batch_id),
      status: entryStatus(row.batch_status),
    };
  }

  function toBatch(row: Row): ServiceBatch {
    return {
      ...batchOfRow(row),
      orgId: Number(row.org_id),
      status: row.status as BatchStatus,
      sealedAt: iso(row.sealed_at),
      anchor: row.status === "sealed" ? null : anchorOfRow(row, { orgId: "anchor_org_id", timestamp: "block_timestamp" }),
      confirmedAt: row.confirmed_at === null ? null : iso(row.confirmed_at),
    };
  }

  function toTransaction(row: Row): OutboxTransaction {
    return {
      id: Number(row.id),
      batchId: Number(row.batch_id),
      chainId: Number(row.chain_id),
      from: row.from_address as Hex,
      nonce: Number(row.nonce),
      hash: row.hash as Hex,
      raw: row.raw as Hex,
      maxFeePerGas: String(row.max_fee_per_gas),
      maxPriorityFeePerGas: String(row.max_priority_fee_per_gas),
      createdAt: iso(row.created_at),
      status: row.status as OutboxTransaction["status"],
    };
  }
  return { toToken, toEntry, toBatch, toTransaction };
}
