// How node:sqlite's failures become the store's errors.
import { InputError } from "../../core/errors/input.js";
import { StoreError } from "../../core/errors/store.js";

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
 * import { sqliteStoreError } from "./service/store/sqlite.js";
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
    return new StoreError("STORE_UNAVAILABLE", `the service store sqlite:${path} is unavailable (${cause}) while ${operation}`, {
      details: message,
      cause: error,
    });
  if (primary === 19) return new StoreError("STORE_CONFLICT", `constraint violation while ${operation} in sqlite:${path}`, { details: message, cause: error });
  return error;
}
