// Opening the SQLite service store: the file, its pragmas, its schema (created or checked), and
// the ingest thread. The SQL is in sqliteStore.ts; the rules both drivers share in rules.ts.
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { DatabaseSync } from "node:sqlite";
import { StoreError } from "../../core/errors/store.js";
import { loadSqlite } from "../../ledger/store/loadSqlite.js";
import type { Row } from "./rows.js";
import { SERVICE_SCHEMA_VERSION } from "./rules.js";
import type { ServiceStore } from "./serviceStore.js";
import { sqliteStoreError } from "./sqliteErrors.js";
import { IngestThread } from "./sqliteIngestThread.js";
import { SqliteServiceStore } from "./sqliteStore.js";

/** @deprecated Use `SERVICE_SCHEMA_VERSION` of ./rules.js (one version for both drivers); removed in the next minor release. */
export const SQLITE_SERVICE_SCHEMA_VERSION = SERVICE_SCHEMA_VERSION;
export { SERVICE_SCHEMA_VERSION_KEY } from "./rules.js";
export { sqliteStoreError } from "./sqliteErrors.js";

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

/**
 * Opens (creating if needed) the anchoring service's SQLite store: one file, one writer at a time
 * (`BEGIN IMMEDIATE`), WAL with `synchronous=FULL`, so a write that resolved survives a crash or
 * `kill -9`. Several processes may open the same file: writes serialise on SQLite's lock, and
 * sealing never puts an entry in two batches. Refuses a file of a newer schema version, or a
 * database that is not a service store.
 *
 * @example
 * import { openSqliteServiceStore } from "./service/store/sqlite.js";
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
