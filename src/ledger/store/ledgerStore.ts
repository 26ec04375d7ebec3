import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import type { DatabaseSync, StatementSync } from "node:sqlite";
import { loadSqlite } from "./loadSqlite.js";
import { StoreError } from "../../core/errors/store.js";
import type { Hex } from "../../core/hex.js";
import type { ReceiptAnchor } from "../../formats/receipt.js";
import { type LedgerEntry, attestationEntry, entryJson, entrySubjects } from "../../formats/entry.js";
import { parseRecord } from "../../formats/record.js";
import type { PublicKeyInfo } from "../../formats/attestation/publicKeys.js";
import type { LedgerBatchStatus } from "./batchStatus.js";
import { anchorOfRow, batchOfRow } from "./batchRow.js";

/** Schema version this code reads and writes. Older stores are migrated, newer ones refused. */
export const STORE_SCHEMA_VERSION = 2;

/** A stored entry (a record or an attestation) and, once sealed, its batch. */
export type StoredLedgerEntry = {
  readonly id: number;
  /** The entry hash: SHA-256 of the record's or the envelope's canonical JSON. */
  readonly recordHash: Hex;
  readonly leaf: Hex;
  /** The SHA-256 bound in the leaf (the record's subject, or the statement's first subject). */
  readonly subjectSha256: string;
  readonly entry: LedgerEntry;
  readonly batchId: number | null;
  readonly createdAt: string;
};

/** @deprecated An entry is a record or an attestation: use `StoredLedgerEntry`. Removed in the next minor release. */
export type StoredRecord = StoredLedgerEntry;

/** @deprecated The ledger store's subset of the one vocabulary: use `LedgerBatchStatus` (or `BatchStatus` for every status) of ./batchStatus.js. */
export type BatchStatus = LedgerBatchStatus;

/** Where a batch was anchored, once it is: exactly what a receipt states. */
export type BatchAnchorInfo = ReceiptAnchor;

export type StoredBatch = {
  readonly id: number;
  readonly root: Hex;
  readonly leafCount: number;
  readonly metadataHash: Hex;
  readonly metadata: string;
  readonly status: LedgerBatchStatus;
  readonly sealedAt: string;
  /** Set while `status` is `submitted`: the signed transaction, so a restart can rebroadcast it. */
  readonly pendingTx: { readonly hash: Hex; readonly raw: Hex; readonly chainId: number; readonly registry: Hex; readonly orgId: number } | null;
  readonly anchor: BatchAnchorInfo | null;
};

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS batches (
  id INTEGER PRIMARY KEY,
  root TEXT NOT NULL UNIQUE,
  leaf_count INTEGER NOT NULL,
  metadata TEXT NOT NULL,
  metadata_hash TEXT NOT NULL,
  tree BLOB NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('sealed', 'submitted', 'anchored')),
  sealed_at TEXT NOT NULL,
  pending_tx_hash TEXT, pending_tx_raw TEXT, pending_chain_id INTEGER, pending_registry TEXT, pending_org_id INTEGER,
  chain_id INTEGER, registry TEXT, org_id INTEGER, sequence INTEGER,
  tx_hash TEXT, block_number INTEGER, block_hash TEXT, timestamp INTEGER
);
CREATE TABLE IF NOT EXISTS records (
  id INTEGER PRIMARY KEY,
  record_hash TEXT NOT NULL UNIQUE,
  leaf TEXT NOT NULL UNIQUE,
  subject_sha256 TEXT NOT NULL,
  record TEXT NOT NULL,
  created_at TEXT NOT NULL,
  batch_id INTEGER REFERENCES batches (id)
);
CREATE INDEX IF NOT EXISTS records_subject ON records (subject_sha256);
CREATE TABLE IF NOT EXISTS public_keys (keyid TEXT PRIMARY KEY, algorithm TEXT NOT NULL, public_key TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS subjects (
  sha256 TEXT NOT NULL,
  record_id INTEGER NOT NULL REFERENCES records (id),
  PRIMARY KEY (sha256, record_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS records_pending ON records (batch_id) WHERE batch_id IS NULL;
`;

type Row = Record<string, unknown>;

/**
 * The local ledger: pending records, sealed batches (with their whole Merkle tree, so any
 * proof can be produced later) and anchors, in one SQLite file. Every write is a transaction
 * committed with `synchronous=FULL` in WAL mode, so what a call returned survives a crash or
 * `kill -9` at any point.
 *
 * @example
 * import { LedgerStore } from "provenance-ledger";
 * const store = LedgerStore.open(".provenance");
 */
export class LedgerStore {
  readonly path: string;
  private readonly db: DatabaseSync;
  private readonly statements = new Map<string, StatementSync>();

  private constructor(path: string, db: DatabaseSync) {
    this.path = path;
    this.db = db;
  }

  /** Opens (creating if needed) `ledger.db` in `directory`. */
  static open(directory: string): LedgerStore {
    const dir = resolve(directory);
    const path = join(dir, "ledger.db");
    let db: DatabaseSync;
    try {
      mkdirSync(dir, { recursive: true });
      db = new (loadSqlite().DatabaseSync)(path);
      db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;");
    } catch (cause) {
      throw new StoreError("STORE_UNAVAILABLE", `cannot open the ledger store at ${path}`, { details: (cause as Error).message, cause });
    }
    const store = new LedgerStore(path, db);
    store.migrate();
    return store;
  }

  close(): void {
    this.db.close();
  }

  private migrate(): void {
    this.transaction(() => {
      this.db.exec(SCHEMA);
      const version = this.getMeta("schema_version");
      if (version !== null && Number(version) > STORE_SCHEMA_VERSION)
        throw new StoreError(
          "STORE_VERSION",
          `the ledger store ${this.path} has schema version ${version}; this version of provenance reads up to ${STORE_SCHEMA_VERSION}`,
        );
      const columns = (this.db.prepare("PRAGMA table_info(records)").all() as Row[]).map((c) => c.name);
      if (!columns.includes("kind")) {
        // v1 → v2: entries can be attestations; every subject of an entry is indexed.
        this.db.exec("ALTER TABLE records ADD COLUMN kind TEXT NOT NULL DEFAULT 'record' CHECK (kind IN ('record', 'attestation'))");
        this.db.exec("INSERT OR IGNORE INTO subjects (sha256, record_id) SELECT subject_sha256, id FROM records");
      }
      this.setMeta("schema_version", String(STORE_SCHEMA_VERSION));
    });
  }

  private statement(sql: string): StatementSync {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  /** Runs `body` in one IMMEDIATE transaction: all of it is committed, or none. */
  transaction<T>(body: () => T): T {
    this.db.exec("BEGIN IMMEDIATE");
    try {
      const result = body();
      this.db.exec("COMMIT");
      return result;
    } catch (error) {
      this.db.exec("ROLLBACK");
      throw error;
    }
  }

  getMeta(key: string): string | null {
    const row = this.statement("SELECT value FROM meta WHERE key = ?").get(key) as Row | undefined;
    return row ? String(row.value) : null;
  }

  setMeta(key: string, value: string): void {
    this.statement("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(key, value);
  }

  /**
   * Adds a record unless the same record (same hash) is already stored; a duplicate is never
   * stored or anchored twice. Durable when this returns.
   */
  addRecord(input: { entry: LedgerEntry; recordHash: Hex; leaf: Hex; subjectSha256: string; now?: Date }): { stored: StoredRecord; created: boolean } {
    return this.transaction(() => {
      const existing = this.findRecordByHash(input.recordHash);
      if (existing) return { stored: existing, created: false };
      const createdAt = input.entry.kind === "record" ? input.entry.record.createdAt : (input.now ?? new Date()).toISOString();
      const id = this.statement("INSERT INTO records (record_hash, leaf, subject_sha256, record, created_at, kind) VALUES (?, ?, ?, ?, ?, ?)").run(
        input.recordHash,
        input.leaf,
        input.subjectSha256,
        JSON.stringify(entryJson(input.entry)),
        createdAt,
        input.entry.kind,
      ).lastInsertRowid;
      for (const sha256 of new Set(entrySubjects(input.entry))) this.statement("INSERT INTO subjects (sha256, record_id) VALUES (?, ?)").run(sha256, id);
      return { stored: this.findRecordByHash(input.recordHash)!, created: true };
    });
  }

  /** Remembers the public key of a signer (ed25519 and P-256 keys travel in bundles). */
  putPublicKey(key: PublicKeyInfo): void {
    this.statement("INSERT INTO public_keys (keyid, algorithm, public_key) VALUES (?, ?, ?) ON CONFLICT (keyid) DO NOTHING").run(
      key.keyid,
      key.algorithm,
      key.publicKey,
    );
  }

  getPublicKey(keyid: string): PublicKeyInfo | null {
    const row = this.statement("SELECT * FROM public_keys WHERE keyid = ?").get(keyid) as Row | undefined;
    return row ? { keyid: String(row.keyid), algorithm: row.algorithm as PublicKeyInfo["algorithm"], publicKey: String(row.public_key) } : null;
  }

  /** Every entry with `sha256` among its subjects (any subject, not only the leaf's), oldest first. */
  findEntriesAbout(sha256: string): StoredRecord[] {
    return (
      this.statement("SELECT records.* FROM subjects JOIN records ON records.id = subjects.record_id WHERE subjects.sha256 = ? ORDER BY records.id").all(
        sha256.toLowerCase(),
      ) as Row[]
    ).map(toRecord);
  }

  findRecordByHash(recordHash: Hex): StoredRecord | null {
    const row = this.statement("SELECT * FROM records WHERE record_hash = ?").get(recordHash.toLowerCase()) as Row | undefined;
    return row ? toRecord(row) : null;
  }

  /** Records whose subject has this SHA-256, newest first. */
  findRecordsBySubject(sha256: string): StoredRecord[] {
    return (this.statement("SELECT * FROM records WHERE subject_sha256 = ? ORDER BY id DESC").all(sha256.toLowerCase()) as Row[]).map(toRecord);
  }

  /** Id and leaf of every pending record, oldest first: all that sealing needs. */
  pendingLeaves(limit: number): { id: number; leaf: Hex }[] {
    return (this.statement("SELECT id, leaf FROM records WHERE batch_id IS NULL ORDER BY id LIMIT ?").all(limit) as Row[]).map((r) => ({
      id: Number(r.id),
      leaf: r.leaf as Hex,
    }));
  }

  pendingRecords(): StoredRecord[] {
    return (this.statement("SELECT * FROM records WHERE batch_id IS NULL ORDER BY id").all() as Row[]).map(toRecord);
  }

  recordsInBatch(batchId: number): StoredRecord[] {
    return (this.statement("SELECT * FROM records WHERE batch_id = ? ORDER BY id").all(batchId) as Row[]).map(toRecord);
  }

  countPending(): number {
    return Number((this.statement("SELECT count(*) AS n FROM records WHERE batch_id IS NULL").get() as Row).n);
  }

  /**
   * Seals the pending records with ids up to `lastRecordId` into a new batch in one transaction:
   * inserts the batch with its tree and assigns the records to it. Refuses if their number is
   * not `leafCount` (another writer sealed or added some meanwhile).
   */
  insertBatch(input: {
    lastRecordId: number;
    root: Hex;
    leafCount: number;
    metadata: string;
    metadataHash: Hex;
    tree: Uint8Array;
    sealedAt: string;
  }): StoredBatch {
    return this.transaction(() => {
      const result = this.statement(
        "INSERT INTO batches (root, leaf_count, metadata, metadata_hash, tree, status, sealed_at) VALUES (?, ?, ?, ?, ?, 'sealed', ?)",
      ).run(input.root, input.leafCount, input.metadata, input.metadataHash, input.tree, input.sealedAt);
      const batchId = Number(result.lastInsertRowid);
      const assigned = Number(this.statement("UPDATE records SET batch_id = ? WHERE batch_id IS NULL AND id <= ?").run(batchId, input.lastRecordId).changes);
      if (assigned !== input.leafCount)
        throw new StoreError(
          "STORE_CONFLICT",
          `expected to seal ${input.leafCount} pending records but found ${assigned}; another writer changed the store, sealing aborted`,
        );
      return this.getBatch(batchId)!;
    });
  }

  getBatch(id: number): StoredBatch | null {
    const row = this.statement("SELECT * FROM batches WHERE id = ?").get(id) as Row | undefined;
    return row ? toBatch(row) : null;
  }

  /** The batch's whole Merkle tree, as sealed. */
  getBatchTree(id: number): Uint8Array {
    const row = this.statement("SELECT tree FROM batches WHERE id = ?").get(id) as Row | undefined;
    if (!row) throw new StoreError("NOT_FOUND", `no batch ${id}`);
    return row.tree as Uint8Array;
  }

  batchesNotAnchored(): StoredBatch[] {
    return (this.statement("SELECT * FROM batches WHERE status <> 'anchored' ORDER BY id").all() as Row[]).map(toBatch);
  }

  listBatches(): StoredBatch[] {
    return (this.statement("SELECT * FROM batches ORDER BY id").all() as Row[]).map(toBatch);
  }

  /** Persists the signed anchoring transaction before it is broadcast. */
  markSubmitted(batchId: number, tx: { hash: Hex; raw: Hex; chainId: number; registry: Hex; orgId: number }): void {
    this.statement(
      "UPDATE batches SET status = 'submitted', pending_tx_hash = ?, pending_tx_raw = ?, pending_chain_id = ?, pending_registry = ?, pending_org_id = ? WHERE id = ? AND status <> 'anchored'",
    ).run(tx.hash, tx.raw, tx.chainId, tx.registry, tx.orgId, batchId);
  }

  markAnchored(batchId: number, a: BatchAnchorInfo): void {
    this.statement(
      "UPDATE batches SET status = 'anchored', chain_id = ?, registry = ?, org_id = ?, sequence = ?, tx_hash = ?, block_number = ?, block_hash = ?, timestamp = ?, pending_tx_raw = NULL WHERE id = ?",
    ).run(a.chainId, a.registry, a.orgId, a.sequence, a.txHash, a.blockNumber, a.blockHash, a.timestamp, batchId);
  }

  stats(): { records: number; pending: number; batches: number; anchored: number } {
    const r = this.statement(
      "SELECT (SELECT count(*) FROM records) AS records, (SELECT count(*) FROM records WHERE batch_id IS NULL) AS pending, (SELECT count(*) FROM batches) AS batches, (SELECT count(*) FROM batches WHERE status = 'anchored') AS anchored",
    ).get() as Row;
    return { records: Number(r.records), pending: Number(r.pending), batches: Number(r.batches), anchored: Number(r.anchored) };
  }
}

function toRecord(row: Row): StoredRecord {
  return {
    id: Number(row.id),
    recordHash: row.record_hash as Hex,
    leaf: row.leaf as Hex,
    subjectSha256: String(row.subject_sha256),
    entry:
      row.kind === "attestation" ? attestationEntry(JSON.parse(String(row.record))) : { kind: "record", record: parseRecord(JSON.parse(String(row.record))) },
    batchId: row.batch_id === null ? null : Number(row.batch_id),
    createdAt: String(row.created_at),
  };
}

function toBatch(row: Row): StoredBatch {
  return {
    ...batchOfRow(row),
    status: row.status as LedgerBatchStatus,
    sealedAt: String(row.sealed_at),
    pendingTx:
      row.pending_tx_hash === null
        ? null
        : {
            hash: row.pending_tx_hash as Hex,
            raw: (row.pending_tx_raw ?? "0x") as Hex,
            chainId: Number(row.pending_chain_id),
            registry: row.pending_registry as Hex,
            orgId: Number(row.pending_org_id),
          },
    anchor: row.status !== "anchored" ? null : anchorOfRow(row, { orgId: "org_id", timestamp: "timestamp" }),
  };
}
