import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { DatabaseSync, StatementSync } from "node:sqlite";
import { loadSqlite } from "../store/loadSqlite.js";
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import { InputError } from "../errors/input.js";
import { StoreError, type StoreErrorCode } from "../errors/store.js";
import { type Row, rowMappers } from "./serviceRows.js";
import type { Hex } from "../hex.js";
import type { ReceiptAnchor } from "../receipt.js";
import type {
  AddEntryResult,
  BatchStatus,
  EntryStatus,
  NewEntry,
  OutboxTransaction,
  PendingStats,
  SealBuilder,
  ServiceBatch,
  ServiceStore,
  StoredEntry,
  StoredToken,
} from "./serviceStore.js";

/** Schema version of the SQLite service store this code reads and writes; newer stores are refused. */
export const SQLITE_SERVICE_SCHEMA_VERSION = 1;

/** The meta key holding the schema version (reserved: `setMeta` refuses it). */
export const SERVICE_SCHEMA_VERSION_KEY = "service_schema_version";

export type SqliteServiceStoreOptions = {
  /** How long a write waits for another process's write lock before failing `STORE_UNAVAILABLE` (default 5000 ms). */
  readonly busyTimeoutMs?: number | undefined;
  /**
   * A quota: the database file may not grow beyond this many bytes (`PRAGMA max_page_count`);
   * a write that would needs more fails `STORE_UNAVAILABLE` exactly as on a full disk.
   */
  readonly maxSizeBytes?: number | undefined;
  /** Opens the file read-only (inspection, or a copy being checked); every write fails `STORE_UNAVAILABLE`. */
  readonly readOnly?: boolean | undefined;
  /**
   * Commits `addEntries` on a second connection in a worker thread (the service's ingest path):
   * the caller's event loop goes on parsing requests while SQLite writes and fsyncs. Same
   * transactions, same durability; this process's other writes take turns with it (first come,
   * first served), so they never wait on SQLite's lock. Ignored with `readOnly`.
   */
  readonly ingestThread?: boolean | undefined;
};

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tokens (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  org_id INTEGER NOT NULL,
  name TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL,
  revoked_at TEXT
);
CREATE INDEX IF NOT EXISTS tokens_org ON tokens (org_id, id);
CREATE TABLE IF NOT EXISTS batches (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  org_id INTEGER NOT NULL,
  root TEXT NOT NULL,
  leaf_count INTEGER NOT NULL CHECK (leaf_count > 0),
  metadata TEXT NOT NULL,
  metadata_hash TEXT NOT NULL,
  tree BLOB NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('sealed', 'anchored', 'confirmed')),
  sealed_at TEXT NOT NULL,
  chain_id INTEGER, registry TEXT, anchor_org_id INTEGER, sequence INTEGER,
  tx_hash TEXT, block_number INTEGER, block_hash TEXT, block_timestamp INTEGER,
  confirmed_at TEXT,
  CHECK ((status = 'sealed') = (tx_hash IS NULL)),
  CHECK ((status = 'confirmed') = (confirmed_at IS NOT NULL))
);
CREATE INDEX IF NOT EXISTS batches_unconfirmed ON batches (id) WHERE status <> 'confirmed';
CREATE TABLE IF NOT EXISTS entries (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  org_id INTEGER NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('record', 'attestation')),
  entry_hash TEXT NOT NULL,
  leaf TEXT NOT NULL,
  subject_sha256 TEXT NOT NULL,
  body TEXT NOT NULL,
  idempotency_key TEXT,
  received_at TEXT NOT NULL,
  batch_id INTEGER REFERENCES batches (id),
  UNIQUE (org_id, entry_hash),
  UNIQUE (org_id, idempotency_key)
);
CREATE INDEX IF NOT EXISTS entries_pending ON entries (org_id, id) WHERE batch_id IS NULL;
CREATE INDEX IF NOT EXISTS entries_batch ON entries (batch_id, id) WHERE batch_id IS NOT NULL;
CREATE TABLE IF NOT EXISTS idempotency_keys (
  org_id INTEGER NOT NULL,
  key TEXT NOT NULL,
  entry_hash TEXT NOT NULL,
  PRIMARY KEY (org_id, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS transactions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  batch_id INTEGER NOT NULL REFERENCES batches (id),
  chain_id INTEGER NOT NULL,
  from_address TEXT NOT NULL,
  nonce INTEGER NOT NULL,
  hash TEXT NOT NULL,
  raw TEXT NOT NULL,
  max_fee_per_gas TEXT NOT NULL,
  max_priority_fee_per_gas TEXT NOT NULL,
  created_at TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'mined', 'replaced', 'dropped')),
  UNIQUE (chain_id, hash)
);
CREATE INDEX IF NOT EXISTS transactions_batch ON transactions (batch_id, id);
CREATE INDEX IF NOT EXISTS transactions_pending ON transactions (id) WHERE status = 'pending';
CREATE TABLE IF NOT EXISTS leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL, expires_at_ms INTEGER NOT NULL);
`;

const ENTRY_COLUMNS =
  "e.id, e.org_id, e.kind, e.entry_hash, e.leaf, e.subject_sha256, e.body, e.idempotency_key, e.received_at, e.batch_id, b.status AS batch_status";
/** Every column but the tree, which only getBatchTree reads. */
const BATCH_COLUMNS =
  "id, org_id, root, leaf_count, metadata, metadata_hash, status, sealed_at, chain_id, registry, anchor_org_id, sequence, tx_hash, block_number, block_hash, block_timestamp, confirmed_at";


/** Primary SQLite result codes that mean "the store cannot be used right now", and what to tell the operator. */
const UNAVAILABLE_CODES: ReadonlyMap<number, string> = new Map([
  [3, "SQLITE_PERM: access permission denied"],
  [5, "SQLITE_BUSY: the database is locked by another connection (busy timeout expired)"],
  [6, "SQLITE_LOCKED: a table is locked"],
  [7, "SQLITE_NOMEM: out of memory"],
  [8, "SQLITE_READONLY: the database is read-only"],
  [10, "SQLITE_IOERR: disk I/O error"],
  [11, "SQLITE_CORRUPT: the database file is corrupt"],
  [13, "SQLITE_FULL: the database or disk is full"],
  [14, "SQLITE_CANTOPEN: cannot open the database file"],
  [26, "SQLITE_NOTADB: the file is not a database"],
]);

/**
 * Maps an error thrown by node:sqlite to the store's errors: unavailability (full, read-only,
 * I/O, locked, …) to `STORE_UNAVAILABLE`, constraint violations to `STORE_CONFLICT`. Errors that
 * are not SQLite's (a caller's `SealBuilder`, a `StoreError`) pass through unchanged.
 *
 * @example
 * import { sqliteStoreError } from "./service/sqliteServiceStore.js";
 * try { db.exec("BEGIN IMMEDIATE"); } catch (e) { throw sqliteStoreError(e, "storing entries", path); } // SQLITE_BUSY → STORE_UNAVAILABLE
 */
export function sqliteStoreError(error: unknown, operation: string, path: string): unknown {
  if (error instanceof StoreError || error instanceof InputError) return error;
  const errcode = (error as { errcode?: unknown } | null)?.errcode;
  if (typeof errcode !== "number") return error;
  const primary = errcode & 0xff;
  const message = (error as Error).message;
  const cause = UNAVAILABLE_CODES.get(primary);
  if (cause !== undefined)
    return new StoreError("STORE_UNAVAILABLE", `the service store sqlite:${path} is unavailable (${cause}) while ${operation}`, { details: message, cause: error });
  if (primary === 19) return new StoreError("STORE_CONFLICT", `constraint violation while ${operation} in sqlite:${path}`, { details: message, cause: error });
  return error;
}

/**
 * Opens (creating if needed) the anchoring service's SQLite store: one file, one writer at a time
 * (`BEGIN IMMEDIATE`), WAL with `synchronous=FULL`, so a write that resolved survives a crash or
 * `kill -9`. Several processes may open the same file: writes serialise on SQLite's lock, and
 * sealing never puts an entry in two batches. Refuses a file of a newer schema version, or a
 * database that is not a service store.
 *
 * @example
 * import { openSqliteServiceStore } from "./service/sqliteServiceStore.js";
 * const store = await openSqliteServiceStore("/var/lib/provenance/service.db");
 * const [result] = await store.addEntries([entry]);
 */
export async function openSqliteServiceStore(path: string, options: SqliteServiceStoreOptions = {}): Promise<ServiceStore> {
  const file = resolve(path);
  const readOnly = options.readOnly === true;
  let db: DatabaseSync;
  try {
    if (!readOnly) mkdirSync(dirname(file), { recursive: true });
  } catch (cause) {
    throw new StoreError("STORE_UNAVAILABLE", `cannot create the directory of the service store sqlite:${file}`, { details: (cause as Error).message, cause });
  }
  try {
    db = new (loadSqlite().DatabaseSync)(file, { readOnly });
    db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.trunc(options.busyTimeoutMs ?? 5000))}`);
    if (!readOnly) db.exec("PRAGMA journal_mode = WAL");
    db.exec("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA cache_size = -65536");
  } catch (cause) {
    throw sqliteStoreError(cause, "opening it", file);
  }
  const store = new SqliteServiceStore(file, db);
  try {
    store.migrate(readOnly);
    if (options.maxSizeBytes !== undefined) {
      const pageSize = Number((db.prepare("PRAGMA page_size").get() as Row).page_size);
      db.exec(`PRAGMA max_page_count = ${Math.max(1, Math.floor(options.maxSizeBytes / pageSize))}`);
    }
    if (options.ingestThread && !readOnly) store.useIngestThread(IngestThread.start(file, { ...options, ingestThread: false }));
  } catch (error) {
    db.close();
    throw error;
  }
  return store;
}

/** workerData key of the ingest thread (this module is its entry point). */
const INGEST_THREAD = "provenance-sqlite-ingest-thread";

type IngestThreadInit = { readonly path: string; readonly options: SqliteServiceStoreOptions };
type IngestRequest = { readonly id: number; readonly entries: readonly NewEntry[] } | { readonly id: number; readonly close: true };
/** A failure sent across threads: a StoreError's code and messages, or another error's message. */
type ThreadError = { readonly code?: StoreErrorCode; readonly message: string; readonly details?: string | undefined };
type IngestReply = { readonly id: number; readonly results?: AddEntryResult[]; readonly error?: ThreadError };

function threadError(error: unknown): ThreadError {
  if (error instanceof StoreError) return { code: error.code, message: error.shortMessage, details: error.details };
  return { message: error instanceof Error ? error.message : String(error) };
}

function fromThreadError(error: ThreadError): Error {
  return error.code === undefined ? new Error(error.message) : new StoreError(error.code, error.message, { details: error.details });
}

/**
 * The worker thread that commits `addEntries` on its own connection. One request at a time: the
 * store sends the next only after the previous answered, and never while it writes itself.
 */
class IngestThread {
  private readonly waiting = new Map<number, { resolve(results: AddEntryResult[]): void; reject(error: unknown): void }>();
  private nextId = 1;
  private stopped: Error | null = null;
  private closing = false;
  private readonly exited: Promise<void>;
  private readonly worker: Worker;
  /** Resolves once the thread's connection is open (its first message, id 0); rejects if it could not open it. */
  readonly ready: Promise<void>;

  private constructor(worker: Worker) {
    this.worker = worker;
    const fail = (error: Error): void => {
      this.stopped ??= error;
      for (const w of this.waiting.values()) w.reject(error);
      this.waiting.clear();
    };
    worker.on("message", (reply: IngestReply) => {
      const w = this.waiting.get(reply.id);
      if (!w) return;
      this.waiting.delete(reply.id);
      if (this.waiting.size === 0 && !this.closing) worker.unref();
      if (reply.error) w.reject(fromThreadError(reply.error));
      else w.resolve(reply.results!);
    });
    worker.on("error", (error) => fail(new StoreError("STORE_UNAVAILABLE", `the SQLite ingest thread failed: ${error.message}`, { cause: error })));
    this.exited = new Promise((resolve) => worker.once("exit", () => resolve()));
    void this.exited.then(() => fail(new StoreError("STORE_UNAVAILABLE", "the SQLite ingest thread has stopped")));
    this.ready = this.answer(0).then(() => undefined);
    this.ready.catch(() => {}); // awaited by the first addEntries, which then commits here instead
  }

  /** Starts the thread without waiting for it (tens of milliseconds: a service listens meanwhile). */
  static start(path: string, options: SqliteServiceStoreOptions): IngestThread {
    const init: IngestThreadInit = { path, options };
    return new IngestThread(startWorker({ [INGEST_THREAD]: init }));
  }

  /** Whether it takes requests (false once closed, or if it crashed). */
  get alive(): boolean {
    return this.stopped === null;
  }

  addEntries(entries: readonly NewEntry[]): Promise<AddEntryResult[]> {
    const id = this.nextId++;
    const answered = this.answer(id);
    if (this.alive) this.worker.postMessage({ id, entries } satisfies IngestRequest);
    return answered;
  }

  /** The answer to request `id`; the thread is referenced (keeps the process alive) while one is awaited. */
  private answer(id: number): Promise<AddEntryResult[]> {
    if (this.stopped) return Promise.reject(this.stopped);
    this.worker.ref();
    return new Promise((resolve, reject) => this.waiting.set(id, { resolve, reject }));
  }

  async close(): Promise<void> {
    if (this.stopped) return;
    this.stopped = new StoreError("STORE_UNAVAILABLE", "the store is closed");
    this.closing = true;
    this.worker.ref(); // until it has closed its connection and exited
    this.worker.postMessage({ id: -1, close: true } satisfies IngestRequest);
    await this.exited;
  }
}

/**
 * Starts a worker on this module. From the TypeScript sources (tests, tsx) it first gets a loader,
 * since a worker does not inherit the parent's: Node strips the types, and a resolve hook maps the
 * sources' `.js` specifiers to their `.ts` files. SQLite's ExperimentalWarning is not repeated
 * (the parent loaded node:sqlite first, and had its own); other warnings are printed.
 */
function startWorker(data: Record<string, unknown>): Worker {
  const self = import.meta.url;
  const typescript = self.endsWith(".ts");
  const hook = `export async function resolve(specifier, context, next) {
    try { return await next(specifier, context); }
    catch (error) { if (error?.code !== "ERR_MODULE_NOT_FOUND" || !specifier.endsWith(".js")) throw error; return next(specifier.slice(0, -3) + ".ts", context); }
  }`;
  const source = [
    `process.removeAllListeners("warning");`,
    `process.on("warning", (w) => { if (!(w.name === "ExperimentalWarning" && /SQLite/.test(w.message))) process.stderr.write(w.name + ": " + w.message + "\\n"); });`,
    typescript ? `process.getBuiltinModule("node:module").register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hook)}`)});` : "",
    `import(${JSON.stringify(self)});`,
  ].join("\n");
  // From the sources, none of the parent's flags (--import tsx, --input-type): the loader above does it.
  return new Worker(source, { eval: true, workerData: data, ...(typescript ? { execArgv: [] } : {}) });
}

/** The ingest thread's side: opens its connection, says so (id 0), then commits each request in turn. */
async function runIngestThread(init: IngestThreadInit): Promise<void> {
  const port = parentPort!;
  let store: ServiceStore;
  try {
    store = await openSqliteServiceStore(init.path, init.options);
  } catch (error) {
    port.postMessage({ id: 0, error: threadError(error) } satisfies IngestReply);
    return;
  }
  port.postMessage({ id: 0, results: [] } satisfies IngestReply);
  port.on("message", (message: IngestRequest) => {
    if ("close" in message) {
      void store.close().finally(() => port.close());
      return;
    }
    store.addEntries(message.entries).then(
      (results) => port.postMessage({ id: message.id, results } satisfies IngestReply),
      (error: unknown) => port.postMessage({ id: message.id, error: threadError(error) } satisfies IngestReply),
    );
  });
}

class SqliteServiceStore implements ServiceStore {
  readonly kind = "sqlite";
  readonly description: string;
  private readonly path: string;
  private readonly db: DatabaseSync;
  private readonly statements = new Map<string, StatementSync>();
  private closed = false;
  private ingest: IngestThread | null = null;
  /** With an ingest thread: this process's writes (its commits and this connection's), one at a time, in order. */
  private turns: Promise<unknown> = Promise.resolve();

  constructor(path: string, db: DatabaseSync) {
    this.path = path;
    this.db = db;
    this.description = `sqlite:${path}`;
  }

  /** Creates the schema or checks its version: a newer schema, or a database that is not a service store, is refused. */
  migrate(readOnly: boolean): void {
    const check = (): number | null => {
      const tables = (this.db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as Row[]).map((r) => String(r.name));
      if (tables.length === 0) return null;
      const row = tables.includes("meta") ? (this.db.prepare("SELECT value FROM meta WHERE key = ?").get(SERVICE_SCHEMA_VERSION_KEY) as Row | undefined) : undefined;
      if (row === undefined)
        throw new StoreError("STORE_VERSION", `${this.path} is not a provenance service store (it has tables but no ${SERVICE_SCHEMA_VERSION_KEY})`);
      const version = Number(row.value);
      if (!Number.isSafeInteger(version) || version > SQLITE_SERVICE_SCHEMA_VERSION)
        throw new StoreError(
          "STORE_VERSION",
          `the service store ${this.path} has schema version ${String(row.value)}; this version of provenance reads up to ${SQLITE_SERVICE_SCHEMA_VERSION}`,
        );
      return version;
    };
    try {
      if (check() === SQLITE_SERVICE_SCHEMA_VERSION) return;
      if (readOnly) throw new StoreError("STORE_UNAVAILABLE", `the service store ${this.path} has no current schema and is opened read-only`);
      this.write("creating the schema", () => {
        if (check() === SQLITE_SERVICE_SCHEMA_VERSION) return;
        this.db.exec(SCHEMA);
        this.statement("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(
          SERVICE_SCHEMA_VERSION_KEY,
          String(SQLITE_SERVICE_SCHEMA_VERSION),
        );
      });
    } catch (error) {
      throw sqliteStoreError(error, "checking the schema", this.path);
    }
  }

  private statement(sql: string): StatementSync {
    let s = this.statements.get(sql);
    if (s === undefined) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  /** Runs `body` as one IMMEDIATE transaction: committed (and fsynced) when this returns, rolled back if it throws. */
  private write<T>(operation: string, body: () => T): T {
    try {
      if (this.db.isTransaction) this.db.exec("ROLLBACK"); // left open by a failed ROLLBACK: never build on it
      this.db.exec("BEGIN IMMEDIATE");
    } catch (error) {
      throw sqliteStoreError(error, operation, this.path);
    }
    try {
      const result = body();
      this.db.exec("COMMIT");
      return result;
    } catch (error) {
      try {
        if (this.db.isTransaction) this.db.exec("ROLLBACK");
      } catch {
        // SQLite already rolled back (FULL, IOERR and BUSY may do so) or the next write will retry.
      }
      throw sqliteStoreError(error, operation, this.path);
    }
  }

  useIngestThread(thread: IngestThread): void {
    this.ingest = thread;
  }

  /**
   * `write`, taking its turn with the ingest thread's commits when there is one: a write here
   * starts only once the thread's commit in progress is done, and the thread's next waits for
   * it, so neither connection ever waits on the other's lock (which would block the event loop).
   */
  private writeInTurn<T>(operation: string, body: () => T): Promise<T> {
    if (this.ingest === null) {
      try {
        return Promise.resolve(this.write(operation, body));
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return this.inTurn(() => this.write(operation, body));
  }

  private inTurn<T>(run: () => T | Promise<T>): Promise<T> {
    const result = this.turns.then(run);
    this.turns = result.catch(() => undefined);
    return result;
  }

  private read<T>(operation: string, body: () => T): T {
    try {
      return body();
    } catch (error) {
      throw sqliteStoreError(error, operation, this.path);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ingest) {
      const thread = this.ingest;
      await this.inTurn(() => thread.close());
      this.ingest = null;
    }
    this.db.close();
  }

  async getMeta(key: string): Promise<string | null> {
    return this.read("reading meta", () => {
      const row = this.statement("SELECT value FROM meta WHERE key = ?").get(key) as Row | undefined;
      return row === undefined ? null : String(row.value);
    });
  }

  async setMeta(key: string, value: string): Promise<void> {
    if (key === SERVICE_SCHEMA_VERSION_KEY) throw new InputError("INVALID_ARGUMENT", `the meta key ${key} is reserved for the store's schema version`);
    await this.writeInTurn("writing meta", () => {
      this.statement("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(key, value);
    });
  }

  async createToken(input: { orgId: number; name: string; tokenHash: Hex }): Promise<StoredToken> {
    const createdAt = new Date().toISOString();
    return this.writeInTurn("creating a token", () => {
      const row = this.statement("INSERT INTO tokens (org_id, name, token_hash, created_at) VALUES (?, ?, ?, ?) RETURNING id").get(
        input.orgId,
        input.name,
        lower(input.tokenHash),
        createdAt,
      ) as Row;
      return { id: Number(row.id), orgId: input.orgId, name: input.name, createdAt };
    });
  }

  async findToken(tokenHash: Hex): Promise<StoredToken | null> {
    return this.read("finding a token", () => {
      const row = this.statement("SELECT id, org_id, name, created_at FROM tokens WHERE token_hash = ? AND revoked_at IS NULL").get(lower(tokenHash)) as Row | undefined;
      return row === undefined ? null : toToken(row);
    });
  }

  async revokeToken(id: number): Promise<boolean> {
    const now = new Date().toISOString();
    return this.writeInTurn("revoking a token", () => Number(this.statement("UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL").run(now, id).changes) === 1);
  }

  async listTokens(orgId?: number): Promise<StoredToken[]> {
    return this.read("listing tokens", () => {
      const rows =
        orgId === undefined
          ? this.statement("SELECT id, org_id, name, created_at FROM tokens WHERE revoked_at IS NULL ORDER BY id").all()
          : this.statement("SELECT id, org_id, name, created_at FROM tokens WHERE org_id = ? AND revoked_at IS NULL ORDER BY id").all(orgId);
      return (rows as Row[]).map(toToken);
    });
  }

  async addEntries(entries: readonly NewEntry[]): Promise<AddEntryResult[]> {
    if (entries.length === 0) return [];
    const thread = this.ingest;
    if (!thread?.alive) return this.addEntriesHere(entries);
    return this.inTurn(async () => {
      // A thread that could not open its connection (or crashed) leaves the commits to this one.
      const started = await thread.ready.then(() => thread.alive, () => false);
      return started ? thread.addEntries(entries) : this.addEntriesHere(entries);
    });
  }

  private addEntriesHere(entries: readonly NewEntry[]): AddEntryResult[] {
    const receivedAt = new Date().toISOString();
    return this.write(`storing ${entries.length} entries`, () => {
      const claimKey = this.statement("INSERT INTO idempotency_keys (org_id, key, entry_hash) VALUES (?, ?, ?) ON CONFLICT (org_id, key) DO NOTHING");
      const findKey = this.statement("SELECT entry_hash FROM idempotency_keys WHERE org_id = ? AND key = ?");
      const insertEntry = this.statement(
        "INSERT INTO entries (org_id, kind, entry_hash, leaf, subject_sha256, body, idempotency_key, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (org_id, entry_hash) DO NOTHING RETURNING id",
      );
      const findEntry = this.statement("SELECT id, received_at FROM entries WHERE org_id = ? AND entry_hash = ?");
      const results: AddEntryResult[] = [];
      for (const entry of entries) {
        const entryHash = lower(entry.entryHash);
        const key = entry.idempotencyKey ?? null;
        // Every key a client used is remembered with the entry it named, so a later reuse with another entry is a conflict.
        if (key !== null && Number(claimKey.run(entry.orgId, key, entryHash).changes) === 0) {
          const owner = (findKey.get(entry.orgId, key) as Row).entry_hash as Hex;
          if (owner !== entryHash) {
            results.push({ status: "conflict", existingEntryHash: owner });
            continue;
          }
        }
        const created = insertEntry.get(entry.orgId, entry.kind, entryHash, entry.leaf, entry.subjectSha256, entry.body, key, receivedAt) as Row | undefined;
        if (created !== undefined) results.push({ status: "created", id: Number(created.id), entryHash, receivedAt });
        else {
          const existing = findEntry.get(entry.orgId, entryHash) as Row;
          results.push({ status: "existing", id: Number(existing.id), entryHash, receivedAt: String(existing.received_at) });
        }
      }
      return results;
    });
  }

  async getEntry(orgId: number, entryHash: Hex): Promise<StoredEntry | null> {
    return this.read("reading an entry", () => {
      const row = this.statement(`SELECT ${ENTRY_COLUMNS} FROM entries e LEFT JOIN batches b ON b.id = e.batch_id WHERE e.org_id = ? AND e.entry_hash = ?`).get(
        orgId,
        lower(entryHash),
      ) as Row | undefined;
      return row === undefined ? null : toEntry(row);
    });
  }

  async getEntryByIdempotencyKey(orgId: number, idempotencyKey: string): Promise<StoredEntry | null> {
    return this.read("reading an entry", () => {
      const row = this.statement(
        `SELECT ${ENTRY_COLUMNS} FROM idempotency_keys k JOIN entries e ON e.org_id = k.org_id AND e.entry_hash = k.entry_hash LEFT JOIN batches b ON b.id = e.batch_id WHERE k.org_id = ? AND k.key = ?`,
      ).get(orgId, idempotencyKey) as Row | undefined;
      return row === undefined ? null : toEntry(row);
    });
  }

  async pendingStats(): Promise<PendingStats[]> {
    return this.read("counting pending entries", () =>
      // Counted from the partial index alone; the oldest is the first pending entry in id order (one
      // writer: ids follow reception). min(received_at) would read every pending row (12 ms at 30k).
      (
        this.statement(
          "SELECT org_id, count(*) AS pending, (SELECT received_at FROM entries f WHERE f.org_id = e.org_id AND f.batch_id IS NULL ORDER BY f.id LIMIT 1) AS oldest FROM entries e WHERE batch_id IS NULL GROUP BY org_id ORDER BY org_id",
        ).all() as Row[]
      ).map((r) => ({
        orgId: Number(r.org_id),
        pending: Number(r.pending),
        oldestReceivedAt: r.oldest === null ? null : String(r.oldest),
      })),
    );
  }

  async sealBatch(orgId: number, maxLeaves: number, build: SealBuilder, now: Date): Promise<ServiceBatch | null> {
    if (!Number.isSafeInteger(maxLeaves) || maxLeaves < 1) throw new InputError("INVALID_ARGUMENT", `maxLeaves must be a positive integer, got ${maxLeaves}`);
    const sealedAt = now.toISOString();
    return this.writeInTurn(`sealing a batch for organisation ${orgId}`, () => {
      const pending = this.statement("SELECT id, leaf FROM entries WHERE org_id = ? AND batch_id IS NULL ORDER BY id LIMIT ?").all(orgId, maxLeaves) as Row[];
      const last = pending.at(-1);
      if (last === undefined) return null;
      const built = build(pending.map((r) => r.leaf as Hex));
      const batchId = Number(
        (
          this.statement(
            "INSERT INTO batches (org_id, root, leaf_count, metadata, metadata_hash, tree, status, sealed_at) VALUES (?, ?, ?, ?, ?, ?, 'sealed', ?) RETURNING id",
          ).get(orgId, built.root, pending.length, built.metadata, built.metadataHash, built.tree, sealedAt) as Row
        ).id,
      );
      const assigned = Number(this.statement("UPDATE entries SET batch_id = ? WHERE org_id = ? AND batch_id IS NULL AND id <= ?").run(batchId, orgId, last.id as number).changes);
      if (assigned !== pending.length)
        throw new StoreError("STORE_CONFLICT", `expected to seal ${pending.length} pending entries of organisation ${orgId} but assigned ${assigned}; sealing aborted`);
      return this.batch(batchId)!;
    });
  }

  private batch(id: number): ServiceBatch | null {
    const row = this.statement(`SELECT ${BATCH_COLUMNS} FROM batches WHERE id = ?`).get(id) as Row | undefined;
    return row === undefined ? null : toBatch(row);
  }

  async getBatch(id: number): Promise<ServiceBatch | null> {
    return this.read("reading a batch", () => this.batch(id));
  }

  async getBatchTree(id: number): Promise<Uint8Array> {
    return this.read("reading a batch tree", () => {
      const row = this.statement("SELECT tree FROM batches WHERE id = ?").get(id) as Row | undefined;
      if (row === undefined) throw new StoreError("NOT_FOUND", `no batch ${id}`);
      return row.tree as Uint8Array;
    });
  }

  async unconfirmedBatches(): Promise<ServiceBatch[]> {
    return this.read("listing unconfirmed batches", () => (this.statement(`SELECT ${BATCH_COLUMNS} FROM batches WHERE status <> 'confirmed' ORDER BY id`).all() as Row[]).map(toBatch));
  }

  async listBatches(afterId: number, limit: number): Promise<ServiceBatch[]> {
    return this.read("listing batches", () => (this.statement(`SELECT ${BATCH_COLUMNS} FROM batches WHERE id > ? ORDER BY id LIMIT ?`).all(afterId, limit) as Row[]).map(toBatch));
  }

  async receivedTimesOf(batchId: number): Promise<string[]> {
    return this.read(`reading the entries of batch ${batchId}`, () => (this.statement("SELECT received_at FROM entries WHERE batch_id = ? ORDER BY id").all(batchId) as Row[]).map((r) => String(r.received_at)));
  }

  async addTransaction(tx: Omit<OutboxTransaction, "id" | "createdAt" | "status">, now: Date): Promise<OutboxTransaction> {
    const createdAt = now.toISOString();
    return this.writeInTurn(`recording a transaction of batch ${tx.batchId}`, () => {
      if (this.batch(tx.batchId) === null) throw new StoreError("NOT_FOUND", `no batch ${tx.batchId}`);
      const row = this.statement(
        "INSERT INTO transactions (batch_id, chain_id, from_address, nonce, hash, raw, max_fee_per_gas, max_priority_fee_per_gas, created_at, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending') RETURNING *",
      ).get(tx.batchId, tx.chainId, tx.from, tx.nonce, tx.hash, tx.raw, tx.maxFeePerGas, tx.maxPriorityFeePerGas, createdAt) as Row;
      return toTransaction(row);
    });
  }

  async transactionsOf(batchId: number): Promise<OutboxTransaction[]> {
    return this.read("listing transactions", () => (this.statement("SELECT * FROM transactions WHERE batch_id = ? ORDER BY id").all(batchId) as Row[]).map(toTransaction));
  }

  async pendingTransactions(): Promise<OutboxTransaction[]> {
    return this.read("listing pending transactions", () => (this.statement("SELECT * FROM transactions WHERE status = 'pending' ORDER BY id").all() as Row[]).map(toTransaction));
  }

  async setTransactionStatus(id: number, status: OutboxTransaction["status"]): Promise<void> {
    await this.writeInTurn(`setting the status of transaction ${id}`, () => {
      if (Number(this.statement("UPDATE transactions SET status = ? WHERE id = ?").run(status, id).changes) !== 1) throw new StoreError("NOT_FOUND", `no transaction ${id}`);
    });
  }

  async markAnchored(batchId: number, anchor: ReceiptAnchor): Promise<void> {
    await this.writeInTurn(`marking batch ${batchId} anchored`, () => {
      const status = this.batchStatus(batchId);
      if (status === "confirmed") throw new StoreError("STORE_CONFLICT", `batch ${batchId} is confirmed; mark it reorged before anchoring it again`);
      this.statement(
        "UPDATE batches SET status = 'anchored', chain_id = ?, registry = ?, anchor_org_id = ?, sequence = ?, tx_hash = ?, block_number = ?, block_hash = ?, block_timestamp = ? WHERE id = ?",
      ).run(anchor.chainId, anchor.registry, anchor.orgId, anchor.sequence, anchor.txHash, anchor.blockNumber, anchor.blockHash, anchor.timestamp, batchId);
    });
  }

  async markConfirmed(batchId: number, now: Date): Promise<void> {
    await this.writeInTurn(`marking batch ${batchId} confirmed`, () => {
      const status = this.batchStatus(batchId);
      if (status === "sealed") throw new StoreError("STORE_CONFLICT", `batch ${batchId} is not anchored; it cannot be confirmed`);
      if (status === "anchored") this.statement("UPDATE batches SET status = 'confirmed', confirmed_at = ? WHERE id = ?").run(now.toISOString(), batchId);
    });
  }

  async markReorged(batchId: number): Promise<void> {
    await this.writeInTurn(`marking batch ${batchId} reorged`, () => {
      if (this.batchStatus(batchId) === "sealed") return;
      this.statement(
        "UPDATE batches SET status = 'sealed', chain_id = NULL, registry = NULL, anchor_org_id = NULL, sequence = NULL, tx_hash = NULL, block_number = NULL, block_hash = NULL, block_timestamp = NULL, confirmed_at = NULL WHERE id = ?",
      ).run(batchId);
    });
  }

  private batchStatus(batchId: number): BatchStatus {
    const row = this.statement("SELECT status FROM batches WHERE id = ?").get(batchId) as Row | undefined;
    if (row === undefined) throw new StoreError("NOT_FOUND", `no batch ${batchId}`);
    return row.status as BatchStatus;
  }

  async acquireLease(name: string, holder: string, ttlMs: number, now: Date): Promise<boolean> {
    if (!Number.isSafeInteger(ttlMs) || ttlMs < 1) throw new InputError("INVALID_ARGUMENT", `ttlMs must be a positive integer, got ${ttlMs}`);
    const nowMs = now.getTime();
    return this.writeInTurn(`acquiring lease ${name}`, () => {
      const changes = this.statement(
        "INSERT INTO leases (name, holder, expires_at_ms) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at_ms = excluded.expires_at_ms WHERE leases.holder = excluded.holder OR leases.expires_at_ms <= ?",
      ).run(name, holder, nowMs + ttlMs, nowMs).changes;
      return Number(changes) === 1;
    });
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    await this.writeInTurn(`releasing lease ${name}`, () => {
      this.statement("DELETE FROM leases WHERE name = ? AND holder = ?").run(name, holder);
    });
  }

  async readLease(name: string): Promise<{ holder: string; expiresAt: Date } | null> {
    return this.read(`reading lease ${name}`, () => {
      const row = this.statement("SELECT holder, expires_at_ms FROM leases WHERE name = ?").get(name) as Row | undefined;
      return row === undefined ? null : { holder: row.holder as string, expiresAt: new Date(Number(row.expires_at_ms)) };
    });
  }
}

function lower(hex: Hex): Hex {
  return hex.toLowerCase() as Hex;
}

const { toToken, toEntry, toBatch, toTransaction } = rowMappers(String);

// This module is also the ingest thread's entry point (last: everything above is defined by then).
if (!isMainThread && (workerData as Record<string, unknown> | null)?.[INGEST_THREAD] !== undefined) void runIngestThread((workerData as Record<string, IngestThreadInit>)[INGEST_THREAD]!);
