// Opening the PostgreSQL service store: the pool and its schema (created or checked under an
// advisory lock). The SQL is in postgresStore.ts; the rules both drivers share in rules.ts.
import pg from "pg";
import { SERVICE_SCHEMA_VERSION } from "./rules.js";
import type { ServiceStore } from "./serviceStore.js";
import { postgresStoreError } from "./postgresErrors.js";
import { PostgresServiceStore } from "./postgresStore.js";

export { postgresStoreError } from "./postgresErrors.js";

/** @deprecated Use `SERVICE_SCHEMA_VERSION` of ./rules.js (one version for both drivers); removed in the next minor release. */
export const POSTGRES_SERVICE_SCHEMA_VERSION = SERVICE_SCHEMA_VERSION;

export type PostgresServiceStoreOptions = {
  /** Connections in the pool (default 10). */
  readonly poolSize?: number | undefined;
  /** How long to wait for a connection before failing `STORE_UNAVAILABLE` (default 10,000 ms). */
  readonly connectionTimeoutMs?: number | undefined;
};

/**
 * Opens the anchoring service's PostgreSQL store (a pool of `poolSize` connections) and creates or
 * checks its schema under an advisory lock, so several instances starting together do not race.
 * Every write is one transaction with `synchronous_commit` on: committed and flushed when it
 * resolves. Several instances may share the database: sealing takes a per-organisation advisory
 * lock, leases are single-row conditional upserts. Refuses a database of a newer schema version.
 *
 * @example
 * import { openPostgresServiceStore } from "./service/store/postgres.js";
 * const store = await openPostgresServiceStore(process.env.DATABASE_URL!, { poolSize: 20 });
 * console.log(store.description); // postgres://db.internal:5432/provenance (never the password)
 */
export async function openPostgresServiceStore(connectionString: string, options: PostgresServiceStoreOptions = {}): Promise<ServiceStore> {
  const description = describe(connectionString);
  const pool = new pg.Pool({
    connectionString,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 10_000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    application_name: "provenance-service",
  });
  // An idle connection the server closed is reported here; the pool drops it and the next call reconnects.
  pool.on("error", () => {});
  const store = new PostgresServiceStore(description, pool);
  try {
    await store.migrate();
  } catch (error) {
    await pool.end().catch(() => {});
    throw postgresStoreError(error, "checking the schema", description);
  }
  return store;
}

/** `postgres://host:port/database`, without user, password or parameters. */
function describe(connectionString: string): string {
  try {
    const probe = new pg.Client({ connectionString }); // parses only; does not connect
    const host = probe.host.startsWith("/") ? encodeURIComponent(probe.host) : probe.host;
    return `postgres://${host}:${probe.port}/${probe.database ?? ""}`;
  } catch {
    return "postgres://(unparsable connection string)";
  }
}
