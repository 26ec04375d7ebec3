// How pg's failures become the store's errors.
import { InputError } from "../../core/errors/input.js";
import { StoreError } from "../../core/errors/store.js";

/** SQLSTATEs (and classes) that mean "the store cannot be used right now". */
const UNAVAILABLE_STATES: ReadonlyMap<string, string> = new Map([
  ["25006", "read_only_sql_transaction: the database is read-only"],
  ["53100", "disk_full"],
  ["53200", "out_of_memory"],
  ["53300", "too_many_connections"],
  ["57014", "query_canceled"],
  ["57P01", "admin_shutdown: the server terminated the connection"],
  ["57P02", "crash_shutdown"],
  ["57P03", "cannot_connect_now: the server is starting or shutting down"],
  ["58030", "io_error"],
  ["3D000", "invalid_catalog_name: the database does not exist"],
  ["40001", "serialization_failure (after retries)"],
  ["40P01", "deadlock_detected (after retries)"],
]);
const UNAVAILABLE_CLASSES: ReadonlyMap<string, string> = new Map([
  ["08", "connection exception"],
  ["28", "authentication failed"],
  ["53", "insufficient resources"],
  ["57", "operator intervention"],
  ["58", "system error"],
]);
const UNAVAILABLE_SOCKET_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ECONNABORTED",
]);
const UNAVAILABLE_CLIENT_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|connection error and is not queryable|Connection ended|Cannot use a pool after calling end|Client was closed/i;

/**
 * Maps an error of `pg` to the store's errors: lost or refused connections, a read-only database
 * (25006), disk full (53100), shutdowns (57P01…) and other unavailability to `STORE_UNAVAILABLE`,
 * integrity violations (class 23) to `STORE_CONFLICT`. Other errors (a caller's `SealBuilder`, a
 * `StoreError`) pass through unchanged.
 *
 * @example
 * import { postgresStoreError } from "./service/store/postgres.js";
 * postgresStoreError(Object.assign(new Error("could not extend file"), { code: "53100" }), "storing entries", "postgres://db:5432/x"); // StoreError STORE_UNAVAILABLE
 */
export function postgresStoreError(error: unknown, operation: string, description: string): unknown {
  if (error instanceof StoreError || error instanceof InputError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  const unavailable = (cause: string) =>
    new StoreError("STORE_UNAVAILABLE", `the service store ${description} is unavailable (${cause}) while ${operation}`, { details: message, cause: error });
  if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) {
    const named = UNAVAILABLE_STATES.get(code) ?? UNAVAILABLE_CLASSES.get(code.slice(0, 2));
    if (named !== undefined) return unavailable(`${code} ${named}`);
    if (code.startsWith("23"))
      return new StoreError("STORE_CONFLICT", `constraint violation (${code}) while ${operation} in ${description}`, { details: message, cause: error });
    return error;
  }
  if (typeof code === "string" && UNAVAILABLE_SOCKET_CODES.has(code)) return unavailable(code);
  if (error instanceof Error && UNAVAILABLE_CLIENT_MESSAGES.test(message)) return unavailable("connection lost");
  return error;
}
