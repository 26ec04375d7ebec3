// The anchoring service's storage: one interface, two implementations (SQLite for one instance,
// PostgreSQL for several instances sharing a database). Everything the service knows lives here;
// the process itself holds nothing that a kill -9 could lose. The same conformance suite
// (test/service/service-store.test.ts) runs against both implementations.
import type { Hex } from "../../core/hex.js";
import type { AnchoringStore, OutboxTransaction, PendingStats, SealBuilder, ServiceBatch } from "../../ledger/anchoring/types.js";
import type { EntryStatus, ServiceBatchStatus } from "../../ledger/store/batchStatus.js";

/** Entry kinds, as in src/formats/entry.ts. */
export type EntryKind = "record" | "attestation";

/** What every entry of the store is: already validated, hashed and given its leaf by the caller. */
export type EntryFields = {
  readonly orgId: number;
  readonly kind: EntryKind;
  /** SHA-256 of the entry's canonical JSON (0x + 64 hex): its id. */
  readonly entryHash: Hex;
  readonly leaf: Hex;
  readonly subjectSha256: string;
  /** The record or envelope JSON, exactly as it will appear in receipts. */
  readonly body: string;
};

/** An entry to store. */
export type NewEntry = EntryFields & {
  /** Client-chosen key (1–200 printable ASCII); the same key with another entry is a conflict. */
  readonly idempotencyKey?: string | undefined;
};

/**
 * The outcome of storing one entry. `created`: stored now. `existing`: the same entry was already
 * stored (by hash, or under the same idempotency key): nothing new, same id. `conflict`: the
 * idempotency key was used for another entry: nothing stored.
 */
export type AddEntryResult =
  | { readonly status: "created" | "existing"; readonly id: number; readonly entryHash: Hex; readonly receivedAt: string }
  | { readonly status: "conflict"; readonly existingEntryHash: Hex };

/**
 * Where an entry is on its way to a receipt (src/ledger/store/batchStatus.ts). `pending`: stored, not
 * sealed. `sealed`: in a batch whose transaction is not mined yet (or was reorged out).
 * `anchored`: mined, fewer confirmations than required. `confirmed`: receipts are issued.
 */
export type { EntryStatus } from "../../ledger/store/batchStatus.js";

export type StoredEntry = EntryFields & {
  readonly id: number;
  readonly idempotencyKey: string | null;
  /** RFC 3339, when the service acknowledged it. */
  readonly receivedAt: string;
  readonly batchId: number | null;
  readonly status: EntryStatus;
};

/** A service batch's status: the service's subset of the one batch-status vocabulary (src/ledger/store/batchStatus.ts). */
export type BatchStatus = ServiceBatchStatus;

// The anchoring engine's part of the store (src/ledger/anchoring/types.ts), named here too.
export type { AnchoringStore, OutboxTransaction, PendingStats, SealBuilder, ServiceBatch };

/** An API token as stored: only its SHA-256, never the token. */
export type StoredToken = { readonly id: number; readonly orgId: number; readonly name: string; readonly createdAt: string };

/**
 * Storage of the anchoring service. Every method is one transaction: when a write resolves it is
 * committed and durable (fsync), when it rejects nothing of it was written. Failures to reach or
 * write the store (disk full, read-only, connection lost) reject with
 * `StoreError("STORE_UNAVAILABLE")`, which the HTTP layer turns into 503.
 */
export interface ServiceStore extends AnchoringStore {
  readonly kind: "sqlite" | "postgres";
  /** A description without credentials, for logs (`sqlite:/var/lib/provenance/service.db`, `postgres://host:5432/db`). */
  readonly description: string;
  close(): Promise<void>;

  // Meta: pinned settings such as the chain ID the store was first used with.
  getMeta(key: string): Promise<string | null>;
  setMeta(key: string, value: string): Promise<void>;

  // API tokens (per organisation).
  createToken(input: { orgId: number; name: string; tokenHash: Hex }): Promise<StoredToken>;
  /** The live (not revoked) token with this hash, or null. */
  findToken(tokenHash: Hex): Promise<StoredToken | null>;
  revokeToken(id: number): Promise<boolean>;
  listTokens(orgId?: number): Promise<StoredToken[]>;

  /**
   * Stores entries in ONE transaction (group commit), in order. Per item: an entry already stored
   * for the same organisation (same hash) is `existing`; the same (org, idempotency key) with the
   * same hash is `existing`, with another hash `conflict`. Entry ids are never reused, even after a
   * rollback or a crash (they only grow).
   */
  addEntries(entries: readonly NewEntry[]): Promise<AddEntryResult[]>;
  /** An organisation's entry by hash (another organisation's entry is invisible: null). */
  getEntry(orgId: number, entryHash: Hex): Promise<StoredEntry | null>;
  getEntryByIdempotencyKey(orgId: number, idempotencyKey: string): Promise<StoredEntry | null>;

  // Batches (sealing, the outbox of anchoring transactions and confirmations: AnchoringStore).
  getBatchTree(id: number): Promise<Uint8Array>;
  /** Batches with id > `afterId`, oldest first, at most `limit` (paging through all of them: the restore check). */
  listBatches(afterId: number, limit: number): Promise<ServiceBatch[]>;

  // Leases: one anchorer at a time across instances.
  /** Takes or renews the lease `name` for `holder` until now + ttl; false if another holder has it. */
  acquireLease(name: string, holder: string, ttlMs: number, now: Date): Promise<boolean>;
  /** Only if `holder` holds it (a renewal of another's lease is never undone). */
  releaseLease(name: string, holder: string): Promise<void>;
  /** Who holds the lease `name` and until when, expired or not; null if nobody took it or it was released. */
  readLease(name: string): Promise<{ holder: string; expiresAt: Date } | null>;
}
