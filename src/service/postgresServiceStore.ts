import pg from "pg";
import { InputError } from "../errors/input.js";
import { StoreError } from "../errors/store.js";
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

/** Schema version of the PostgreSQL service store this code reads and writes; newer databases are refused. */
export const POSTGRES_SERVICE_SCHEMA_VERSION = 1;

/** The meta key holding the schema version (reserved: `setMeta` refuses it). Same key as the SQLite store. */
const SCHEMA_VERSION_KEY = "service_schema_version";

export type PostgresServiceStoreOptions = {
  /** Connections in the pool (default 10). */
  readonly poolSize?: number | undefined;
  /** How long to wait for a connection before failing `STORE_UNAVAILABLE` (default 10,000 ms). */
  readonly connectionTimeoutMs?: number | undefined;
};

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE IF NOT EXISTS tokens (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id bigint NOT NULL,
  name text NOT NULL,
  token_hash text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL,
  revoked_at timestamptz
);
CREATE INDEX IF NOT EXISTS tokens_org ON tokens (org_id, id);
CREATE TABLE IF NOT EXISTS batches (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id bigint NOT NULL,
  root text NOT NULL,
  leaf_count integer NOT NULL CHECK (leaf_count > 0),
  metadata text NOT NULL,
  metadata_hash text NOT NULL,
  tree bytea NOT NULL,
  status text NOT NULL CHECK (status IN ('sealed', 'anchored', 'confirmed')),
  sealed_at timestamptz NOT NULL,
  chain_id bigint, registry text, anchor_org_id bigint, sequence bigint,
  tx_hash text, block_number bigint, block_hash text, block_timestamp bigint,
  confirmed_at timestamptz,
  CHECK ((status = 'sealed') = (tx_hash IS NULL)),
  CHECK ((status = 'confirmed') = (confirmed_at IS NOT NULL))
);
CREATE INDEX IF NOT EXISTS batches_unconfirmed ON batches (id) WHERE status <> 'confirmed';
CREATE SEQUENCE IF NOT EXISTS entries_id_seq;
CREATE TABLE IF NOT EXISTS entries (
  id bigint PRIMARY KEY DEFAULT nextval('entries_id_seq'),
  org_id bigint NOT NULL,
  kind text NOT NULL CHECK (kind IN ('record', 'attestation')),
  entry_hash text NOT NULL,
  leaf text NOT NULL,
  subject_sha256 text NOT NULL,
  body text NOT NULL,
  idempotency_key text,
  received_at timestamptz NOT NULL,
  batch_id bigint REFERENCES batches (id),
  UNIQUE (org_id, entry_hash),
  UNIQUE (org_id, idempotency_key)
);
ALTER SEQUENCE entries_id_seq OWNED BY entries.id;
CREATE INDEX IF NOT EXISTS entries_pending ON entries (org_id, id) WHERE batch_id IS NULL;
CREATE INDEX IF NOT EXISTS entries_batch ON entries (batch_id, id) WHERE batch_id IS NOT NULL;
CREATE TABLE IF NOT EXISTS idempotency_keys (
  org_id bigint NOT NULL,
  key text NOT NULL,
  entry_hash text NOT NULL,
  PRIMARY KEY (org_id, key)
);
CREATE TABLE IF NOT EXISTS transactions (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  batch_id bigint NOT NULL REFERENCES batches (id),
  chain_id bigint NOT NULL,
  from_address text NOT NULL,
  nonce bigint NOT NULL,
  hash text NOT NULL,
  raw text NOT NULL,
  max_fee_per_gas text NOT NULL,
  max_priority_fee_per_gas text NOT NULL,
  created_at timestamptz NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'mined', 'replaced', 'dropped')),
  UNIQUE (chain_id, hash)
);
CREATE INDEX IF NOT EXISTS transactions_batch ON transactions (batch_id, id);
CREATE INDEX IF NOT EXISTS transactions_pending ON transactions (id) WHERE status = 'pending';
CREATE TABLE IF NOT EXISTS leases (name text PRIMARY KEY, holder text NOT NULL, expires_at timestamptz NOT NULL);
`;

const ENTRY_COLUMNS =
  "e.id, e.org_id, e.kind, e.entry_hash, e.leaf, e.subject_sha256, e.body, e.idempotency_key, e.received_at, e.batch_id, b.status AS batch_status";
const BATCH_COLUMNS =
  "id, org_id, root, leaf_count, metadata, metadata_hash, status, sealed_at, chain_id, registry, anchor_org_id, sequence, tx_hash, block_number, block_hash, block_timestamp, confirmed_at";


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
const UNAVAILABLE_SOCKET_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "ECONNABORTED"]);
const UNAVAILABLE_CLIENT_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|connection error and is not queryable|Connection ended|Cannot use a pool after calling end|Client was closed/i;

/**
 * Maps an error of `pg` to the store's errors: lost or refused connections, a read-only database
 * (25006), disk full (53100), shutdowns (57P01…) and other unavailability to `STORE_UNAVAILABLE`,
 * integrity violations (class 23) to `STORE_CONFLICT`. Other errors (a caller's `SealBuilder`, a
 * `StoreError`) pass through unchanged.
 *
 * @example
 * import { postgresStoreError } from "./service/postgresServiceStore.js";
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
    if (code.startsWith("23")) return new StoreError("STORE_CONFLICT", `constraint violation (${code}) while ${operation} in ${description}`, { details: message, cause: error });
    return error;
  }
  if (typeof code === "string" && UNAVAILABLE_SOCKET_CODES.has(code)) return unavailable(code);
  if (error instanceof Error && UNAVAILABLE_CLIENT_MESSAGES.test(message)) return unavailable("connection lost");
  return error;
}

/**
 * Opens the anchoring service's PostgreSQL store (a pool of `poolSize` connections) and creates or
 * checks its schema under an advisory lock, so several instances starting together do not race.
 * Every write is one transaction with `synchronous_commit` on: committed and flushed when it
 * resolves. Several instances may share the database: sealing takes a per-organisation advisory
 * lock, leases are single-row conditional upserts. Refuses a database of a newer schema version.
 *
 * @example
 * import { openPostgresServiceStore } from "./service/postgresServiceStore.js";
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

class PostgresServiceStore implements ServiceStore {
  readonly kind = "postgres";
  readonly description: string;
  private readonly pool: pg.Pool;
  private closed = false;

  constructor(description: string, pool: pg.Pool) {
    this.description = description;
    this.pool = pool;
  }

  /** Creates the schema or checks its version, serialised across instances by an advisory lock. */
  async migrate(): Promise<void> {
    const version = async (client: pg.PoolClient): Promise<number | null> => {
      const tables = await client.query("SELECT to_regclass('meta') IS NOT NULL AS meta, to_regclass('entries') IS NOT NULL AS entries");
      const { meta, entries } = tables.rows[0] as { meta: boolean; entries: boolean };
      if (!meta && !entries) return null;
      const row = meta ? ((await client.query("SELECT value FROM meta WHERE key = $1", [SCHEMA_VERSION_KEY])).rows[0] as Row | undefined) : undefined;
      if (row === undefined) throw new StoreError("STORE_VERSION", `${this.description} is not a provenance service store (it has tables but no ${SCHEMA_VERSION_KEY})`);
      const value = Number(row.value);
      if (!Number.isSafeInteger(value) || value > POSTGRES_SERVICE_SCHEMA_VERSION)
        throw new StoreError(
          "STORE_VERSION",
          `the service store ${this.description} has schema version ${String(row.value)}; this version of provenance reads up to ${POSTGRES_SERVICE_SCHEMA_VERSION}`,
        );
      return value;
    };
    // Read first, without a lock: a current schema needs no write (and a read-only database opens).
    const client = await this.pool.connect();
    let broken: Error | undefined;
    const onError = (error: Error): void => {
      broken = error;
    };
    client.on("error", onError);
    try {
      if ((await version(client)) === POSTGRES_SERVICE_SCHEMA_VERSION) return;
    } finally {
      client.removeListener("error", onError);
      client.release(broken);
    }
    await this.transaction("creating the schema", async (c) => {
      await c.query("SELECT pg_advisory_xact_lock(hashtextextended('provenance-service-schema', 0))");
      if ((await version(c)) === POSTGRES_SERVICE_SCHEMA_VERSION) return;
      await c.query(SCHEMA);
      await c.query("INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value", [
        SCHEMA_VERSION_KEY,
        String(POSTGRES_SERVICE_SCHEMA_VERSION),
      ]);
    });
  }

  /**
   * Runs `body` in one transaction on one connection: committed when this resolves, rolled back if
   * it throws. Serialisation failures and deadlocks are retried a few times.
   */
  private async transaction<T>(operation: string, body: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      let client: pg.PoolClient;
      try {
        client = await this.pool.connect();
      } catch (error) {
        throw postgresStoreError(error, operation, this.description);
      }
      let broken: Error | undefined;
      // A checked-out client whose connection dies emits "error"; unheard, that would crash the process.
      const onError = (error: Error): void => {
        broken = error;
      };
      client.on("error", onError);
      try {
        // Durability is not negotiable: a database or role default of synchronous_commit=off is overridden.
        await client.query("BEGIN; SELECT set_config('synchronous_commit', 'on', true) WHERE current_setting('synchronous_commit') = 'off'");
        const result = await body(client);
        await client.query("COMMIT");
        return result;
      } catch (error) {
        try {
          await client.query("ROLLBACK");
        } catch (rollbackError) {
          broken = rollbackError as Error; // the connection is gone: the pool must not hand it out again
        }
        const code = (error as { code?: unknown } | null)?.code;
        const retryable = code === "40001" || code === "40P01";
        if (retryable && attempt < 5 && broken === undefined) continue;
        throw postgresStoreError(error, operation, this.description);
      } finally {
        client.removeListener("error", onError);
        client.release(broken);
      }
    }
  }

  private async query(operation: string, text: string, values: unknown[] = []): Promise<Row[]> {
    try {
      return (await this.pool.query(text, values)).rows as Row[];
    } catch (error) {
      throw postgresStoreError(error, operation, this.description);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  async getMeta(key: string): Promise<string | null> {
    const [row] = await this.query("reading meta", "SELECT value FROM meta WHERE key = $1", [key]);
    return row === undefined ? null : String(row.value);
  }

  async setMeta(key: string, value: string): Promise<void> {
    if (key === SCHEMA_VERSION_KEY) throw new InputError("INVALID_ARGUMENT", `the meta key ${key} is reserved for the store's schema version`);
    await this.transaction("writing meta", (c) =>
      c.query("INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value", [key, value]),
    );
  }

  async createToken(input: { orgId: number; name: string; tokenHash: Hex }): Promise<StoredToken> {
    const createdAt = new Date();
    return this.transaction("creating a token", async (c) => {
      const row = (await c.query("INSERT INTO tokens (org_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id", [input.orgId, input.name, lower(input.tokenHash), createdAt]))
        .rows[0] as Row;
      return { id: Number(row.id), orgId: input.orgId, name: input.name, createdAt: createdAt.toISOString() };
    });
  }

  async findToken(tokenHash: Hex): Promise<StoredToken | null> {
    const [row] = await this.query("finding a token", "SELECT id, org_id, name, created_at FROM tokens WHERE token_hash = $1 AND revoked_at IS NULL", [lower(tokenHash)]);
    return row === undefined ? null : toToken(row);
  }

  async revokeToken(id: number): Promise<boolean> {
    return this.transaction("revoking a token", async (c) => (await c.query("UPDATE tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL", [id])).rowCount === 1);
  }

  async listTokens(orgId?: number): Promise<StoredToken[]> {
    const rows =
      orgId === undefined
        ? await this.query("listing tokens", "SELECT id, org_id, name, created_at FROM tokens WHERE revoked_at IS NULL ORDER BY id")
        : await this.query("listing tokens", "SELECT id, org_id, name, created_at FROM tokens WHERE org_id = $1 AND revoked_at IS NULL ORDER BY id", [orgId]);
    return rows.map(toToken);
  }

  /**
   * One transaction, a handful of round trips whatever the number of entries: look up every hash
   * and key at once, decide each entry in order in memory, claim the new keys, insert the new
   * entries. Rows are written sorted, so concurrent calls take their locks in one order (no
   * deadlock); ids are drawn from the sequence in the order of the array. A key or hash that a
   * concurrent call committed between our lookup and our insert is found by ON CONFLICT DO NOTHING
   * (which waits for that call to finish) and the entries concerned are decided again.
   */
  async addEntries(entries: readonly NewEntry[]): Promise<AddEntryResult[]> {
    if (entries.length === 0) return [];
    const receivedAt = new Date();
    const receivedAtText = receivedAt.toISOString();
    const hashes = entries.map((e) => lower(e.entryHash));
    const keyed = entries.flatMap((e) => (e.idempotencyKey === undefined ? [] : [e]));
    return this.transaction(`storing ${entries.length} entries`, async (c) => {
      /** What the database holds: `org:hash` → entry, `org:key` → the hash it names. */
      const stored = new Map<string, { id: number; receivedAt: string; created: boolean }>();
      const owners = new Map<string, Hex>();
      const remember = (rows: Row[]) => {
        for (const row of rows)
          if (row.t === "e") stored.set(`${String(row.org_id)}:${String(row.a)}`, { id: Number(row.b), receivedAt: iso(row.received_at), created: false });
          else owners.set(`${String(row.org_id)}:${String(row.a)}`, row.b as Hex);
      };
      const lookUp = async (list: readonly { orgId: number; entryHash: Hex }[], keys: readonly { orgId: number; key: string }[]) =>
        remember(
          (
            await c.query({
              name: "service-look-up",
              text: `SELECT 'e' AS t, e.org_id, e.entry_hash AS a, e.id::text AS b, e.received_at FROM entries e
                  JOIN unnest($1::bigint[], $2::text[]) AS w (org_id, entry_hash) ON e.org_id = w.org_id AND e.entry_hash = w.entry_hash
                UNION ALL
                SELECT 'k', k.org_id, k.key, k.entry_hash, NULL FROM idempotency_keys k
                  JOIN unnest($3::bigint[], $4::text[]) AS w (org_id, key) ON k.org_id = w.org_id AND k.key = w.key`,
              values: [list.map((e) => e.orgId), list.map((e) => e.entryHash), keys.map((k) => k.orgId), keys.map((k) => k.key)],
            })
          ).rows as Row[],
        );
      await lookUp(
        entries.map((e, i) => ({ orgId: e.orgId, entryHash: hashes[i]! })),
        keyed.map((e) => ({ orgId: e.orgId, key: e.idempotencyKey! })),
      );

      // Keys first: each round claims the keys nobody held; a key a concurrent call claimed meanwhile is now known, decide again.
      type Decision = { conflict: Hex } | { at: string };
      let decisions: Decision[] = [];
      let newEntries: number[] = [];
      for (let round = 0; ; round++) {
        const claims = new Map<string, Hex>();
        decisions = [];
        newEntries = [];
        const planned = new Set<string>();
        for (const [i, entry] of entries.entries()) {
          const entryHash = hashes[i]!;
          const at = `${entry.orgId}:${entryHash}`;
          if (entry.idempotencyKey !== undefined) {
            const keyAt = `${entry.orgId}:${entry.idempotencyKey}`;
            const owner = owners.get(keyAt) ?? claims.get(keyAt);
            if (owner !== undefined && owner !== entryHash) {
              decisions.push({ conflict: owner });
              continue;
            }
            if (owner === undefined) claims.set(keyAt, entryHash);
          }
          if (!stored.has(at) && !planned.has(at)) {
            planned.add(at);
            newEntries.push(i);
          }
          decisions.push({ at });
        }
        if (claims.size === 0) break;
        const rows = [...claims].map(([keyAt, entryHash]) => {
          const colon = keyAt.indexOf(":");
          return { orgId: Number(keyAt.slice(0, colon)), key: keyAt.slice(colon + 1), entryHash };
        });
        rows.sort((a, b) => a.orgId - b.orgId || compare(a.key, b.key));
        const claimed = await c.query({
          name: "service-claim-keys",
          text: `INSERT INTO idempotency_keys (org_id, key, entry_hash)
              SELECT org_id, key, entry_hash FROM unnest($1::bigint[], $2::text[], $3::text[]) WITH ORDINALITY AS w (org_id, key, entry_hash, n) ORDER BY n
              ON CONFLICT DO NOTHING RETURNING org_id, key`,
          values: [rows.map((r) => r.orgId), rows.map((r) => r.key), rows.map((r) => r.entryHash)],
        });
        for (const row of claimed.rows as Row[]) owners.set(`${String(row.org_id)}:${String(row.key)}`, claims.get(`${String(row.org_id)}:${String(row.key)}`)!);
        if (claimed.rowCount === rows.length) continue; // every claim is now an owner: the next round decides without claims
        if (round >= 10) throw new StoreError("STORE_CONFLICT", "concurrent writers kept claiming the same idempotency keys; nothing was stored");
        const lost = rows.filter((r) => !owners.has(`${r.orgId}:${r.key}`));
        await lookUp([], lost);
      }

      if (newEntries.length > 0) {
        const inserted = await c.query({
          name: "service-insert-entries",
          text: `WITH w AS (
                SELECT nextval('entries_id_seq') AS id, u.* FROM (
                  SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) WITH ORDINALITY
                    AS u (org_id, kind, entry_hash, leaf, subject_sha256, body, idempotency_key, n)
                  ORDER BY n) u)
              INSERT INTO entries (id, org_id, kind, entry_hash, leaf, subject_sha256, body, idempotency_key, received_at)
              SELECT id, org_id, kind, entry_hash, leaf, subject_sha256, body, idempotency_key, $8 FROM w ORDER BY org_id, entry_hash COLLATE "C"
              ON CONFLICT DO NOTHING RETURNING id, org_id, entry_hash`,
          values: [
            newEntries.map((i) => entries[i]!.orgId),
            newEntries.map((i) => entries[i]!.kind),
            newEntries.map((i) => hashes[i]!),
            newEntries.map((i) => entries[i]!.leaf),
            newEntries.map((i) => entries[i]!.subjectSha256),
            newEntries.map((i) => entries[i]!.body),
            newEntries.map((i) => entries[i]!.idempotencyKey ?? null),
            receivedAt,
          ],
        });
        for (const row of inserted.rows as Row[]) stored.set(`${String(row.org_id)}:${String(row.entry_hash)}`, { id: Number(row.id), receivedAt: receivedAtText, created: true });
        // Entries a concurrent call stored first (it committed while we waited): existing.
        if (inserted.rowCount !== newEntries.length)
          await lookUp(
            newEntries.filter((i) => !stored.has(`${entries[i]!.orgId}:${hashes[i]!}`)).map((i) => ({ orgId: entries[i]!.orgId, entryHash: hashes[i]! })),
            [],
          );
      }

      const reported = new Set<string>();
      return decisions.map((d, i): AddEntryResult => {
        if ("conflict" in d) return { status: "conflict", existingEntryHash: d.conflict };
        const found = stored.get(d.at);
        if (found === undefined) throw new StoreError("STORE_CONFLICT", `entry ${hashes[i]!} was neither stored nor found; nothing was stored`);
        // The first mention of an entry this call created is `created`; any other is `existing`.
        const created = found.created && !reported.has(d.at);
        reported.add(d.at);
        return { status: created ? "created" : "existing", id: found.id, entryHash: hashes[i]!, receivedAt: found.receivedAt };
      });
    });
  }

  async getEntry(orgId: number, entryHash: Hex): Promise<StoredEntry | null> {
    const [row] = await this.query(
      "reading an entry",
      `SELECT ${ENTRY_COLUMNS} FROM entries e LEFT JOIN batches b ON b.id = e.batch_id WHERE e.org_id = $1 AND e.entry_hash = $2`,
      [orgId, lower(entryHash)],
    );
    return row === undefined ? null : toEntry(row);
  }

  async getEntryByIdempotencyKey(orgId: number, idempotencyKey: string): Promise<StoredEntry | null> {
    const [row] = await this.query(
      "reading an entry",
      `SELECT ${ENTRY_COLUMNS} FROM idempotency_keys k JOIN entries e ON e.org_id = k.org_id AND e.entry_hash = k.entry_hash LEFT JOIN batches b ON b.id = e.batch_id WHERE k.org_id = $1 AND k.key = $2`,
      [orgId, idempotencyKey],
    );
    return row === undefined ? null : toEntry(row);
  }

  async pendingStats(): Promise<PendingStats[]> {
    const rows = await this.query(
      "counting pending entries",
      "SELECT org_id, count(*) AS pending, min(received_at) AS oldest FROM entries WHERE batch_id IS NULL GROUP BY org_id ORDER BY org_id",
    );
    return rows.map((r) => ({ orgId: Number(r.org_id), pending: Number(r.pending), oldestReceivedAt: r.oldest === null ? null : (r.oldest as Date).toISOString() }));
  }

  async sealBatch(orgId: number, maxLeaves: number, build: SealBuilder, now: Date): Promise<ServiceBatch | null> {
    if (!Number.isSafeInteger(maxLeaves) || maxLeaves < 1) throw new InputError("INVALID_ARGUMENT", `maxLeaves must be a positive integer, got ${maxLeaves}`);
    return this.transaction(`sealing a batch for organisation ${orgId}`, async (c) => {
      // One sealer per organisation across every instance; the count check below is the last line of defence.
      await c.query("SELECT pg_advisory_xact_lock(hashtextextended('provenance-seal:' || $1::text, 0))", [orgId]);
      const pending = (await c.query({ name: "service-pending-leaves", text: "SELECT id, leaf FROM entries WHERE org_id = $1 AND batch_id IS NULL ORDER BY id LIMIT $2", values: [orgId, maxLeaves] }))
        .rows as Row[];
      if (pending.length === 0) return null;
      const built = build(pending.map((r) => r.leaf as Hex));
      const batch = (
        await c.query(
          `INSERT INTO batches (org_id, root, leaf_count, metadata, metadata_hash, tree, status, sealed_at) VALUES ($1, $2, $3, $4, $5, $6, 'sealed', $7) RETURNING ${BATCH_COLUMNS}`,
          [orgId, built.root, pending.length, built.metadata, built.metadataHash, Buffer.from(built.tree.buffer, built.tree.byteOffset, built.tree.byteLength), now],
        )
      ).rows[0] as Row;
      const assigned = await c.query("UPDATE entries SET batch_id = $1 WHERE id = ANY($2::bigint[]) AND batch_id IS NULL", [batch.id, pending.map((r) => r.id)]);
      if (assigned.rowCount !== pending.length)
        throw new StoreError("STORE_CONFLICT", `expected to seal ${pending.length} pending entries of organisation ${orgId} but assigned ${assigned.rowCount}; sealing aborted`);
      return toBatch(batch);
    });
  }

  async getBatch(id: number): Promise<ServiceBatch | null> {
    const [row] = await this.query("reading a batch", `SELECT ${BATCH_COLUMNS} FROM batches WHERE id = $1`, [id]);
    return row === undefined ? null : toBatch(row);
  }

  async getBatchTree(id: number): Promise<Uint8Array> {
    const [row] = await this.query("reading a batch tree", "SELECT tree FROM batches WHERE id = $1", [id]);
    if (row === undefined) throw new StoreError("NOT_FOUND", `no batch ${id}`);
    return new Uint8Array(row.tree as Buffer); // a plain, aligned copy rather than a view into pg's buffer
  }

  async unconfirmedBatches(): Promise<ServiceBatch[]> {
    return (await this.query("listing unconfirmed batches", `SELECT ${BATCH_COLUMNS} FROM batches WHERE status <> 'confirmed' ORDER BY id`)).map(toBatch);
  }

  async listBatches(afterId: number, limit: number): Promise<ServiceBatch[]> {
    return (await this.query("listing batches", `SELECT ${BATCH_COLUMNS} FROM batches WHERE id > $1 ORDER BY id LIMIT $2`, [afterId, limit])).map(toBatch);
  }

  async receivedTimesOf(batchId: number): Promise<string[]> {
    return (await this.query(`reading the entries of batch ${batchId}`, "SELECT received_at FROM entries WHERE batch_id = $1 ORDER BY id", [batchId])).map((r) => iso(r.received_at));
  }

  async addTransaction(tx: Omit<OutboxTransaction, "id" | "createdAt" | "status">, now: Date): Promise<OutboxTransaction> {
    return this.transaction(`recording a transaction of batch ${tx.batchId}`, async (c) => {
      if ((await c.query("SELECT 1 FROM batches WHERE id = $1", [tx.batchId])).rowCount === 0) throw new StoreError("NOT_FOUND", `no batch ${tx.batchId}`);
      const row = (
        await c.query(
          "INSERT INTO transactions (batch_id, chain_id, from_address, nonce, hash, raw, max_fee_per_gas, max_priority_fee_per_gas, created_at, status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending') RETURNING *",
          [tx.batchId, tx.chainId, tx.from, tx.nonce, tx.hash, tx.raw, tx.maxFeePerGas, tx.maxPriorityFeePerGas, now],
        )
      ).rows[0] as Row;
      return toTransaction(row);
    });
  }

  async transactionsOf(batchId: number): Promise<OutboxTransaction[]> {
    return (await this.query("listing transactions", "SELECT * FROM transactions WHERE batch_id = $1 ORDER BY id", [batchId])).map(toTransaction);
  }

  async pendingTransactions(): Promise<OutboxTransaction[]> {
    return (await this.query("listing pending transactions", "SELECT * FROM transactions WHERE status = 'pending' ORDER BY id")).map(toTransaction);
  }

  async setTransactionStatus(id: number, status: OutboxTransaction["status"]): Promise<void> {
    await this.transaction(`setting the status of transaction ${id}`, async (c) => {
      if ((await c.query("UPDATE transactions SET status = $1 WHERE id = $2", [status, id])).rowCount !== 1) throw new StoreError("NOT_FOUND", `no transaction ${id}`);
    });
  }

  async markAnchored(batchId: number, anchor: ReceiptAnchor): Promise<void> {
    await this.transaction(`marking batch ${batchId} anchored`, async (c) => {
      if ((await batchStatus(c, batchId)) === "confirmed") throw new StoreError("STORE_CONFLICT", `batch ${batchId} is confirmed; mark it reorged before anchoring it again`);
      await c.query(
        "UPDATE batches SET status = 'anchored', chain_id = $2, registry = $3, anchor_org_id = $4, sequence = $5, tx_hash = $6, block_number = $7, block_hash = $8, block_timestamp = $9 WHERE id = $1",
        [batchId, anchor.chainId, anchor.registry, anchor.orgId, anchor.sequence, anchor.txHash, anchor.blockNumber, anchor.blockHash, anchor.timestamp],
      );
    });
  }

  async markConfirmed(batchId: number, now: Date): Promise<void> {
    await this.transaction(`marking batch ${batchId} confirmed`, async (c) => {
      const status = await batchStatus(c, batchId);
      if (status === "sealed") throw new StoreError("STORE_CONFLICT", `batch ${batchId} is not anchored; it cannot be confirmed`);
      if (status === "anchored") await c.query("UPDATE batches SET status = 'confirmed', confirmed_at = $2 WHERE id = $1", [batchId, now]);
    });
  }

  async markReorged(batchId: number): Promise<void> {
    await this.transaction(`marking batch ${batchId} reorged`, async (c) => {
      if ((await batchStatus(c, batchId)) === "sealed") return;
      await c.query(
        "UPDATE batches SET status = 'sealed', chain_id = NULL, registry = NULL, anchor_org_id = NULL, sequence = NULL, tx_hash = NULL, block_number = NULL, block_hash = NULL, block_timestamp = NULL, confirmed_at = NULL WHERE id = $1",
        [batchId],
      );
    });
  }

  async acquireLease(name: string, holder: string, ttlMs: number, now: Date): Promise<boolean> {
    if (!Number.isSafeInteger(ttlMs) || ttlMs < 1) throw new InputError("INVALID_ARGUMENT", `ttlMs must be a positive integer, got ${ttlMs}`);
    return this.transaction(`acquiring lease ${name}`, async (c) => {
      const result = await c.query(
        "INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at WHERE leases.holder = EXCLUDED.holder OR leases.expires_at <= $4",
        [name, holder, new Date(now.getTime() + ttlMs), now],
      );
      return result.rowCount === 1;
    });
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    await this.transaction(`releasing lease ${name}`, (c) => c.query("DELETE FROM leases WHERE name = $1 AND holder = $2", [name, holder]));
  }

  async readLease(name: string): Promise<{ holder: string; expiresAt: Date } | null> {
    const [row] = await this.query(`reading lease ${name}`, "SELECT holder, expires_at FROM leases WHERE name = $1", [name]);
    return row === undefined ? null : { holder: row.holder as string, expiresAt: row.expires_at as Date };
  }
}

/** The batch's status, its row locked until the transaction ends; NOT_FOUND if there is none. */
async function batchStatus(c: pg.PoolClient, batchId: number): Promise<BatchStatus> {
  const row = (await c.query("SELECT status FROM batches WHERE id = $1 FOR UPDATE", [batchId])).rows[0] as Row | undefined;
  if (row === undefined) throw new StoreError("NOT_FOUND", `no batch ${batchId}`);
  return row.status as BatchStatus;
}

function lower(hex: Hex): Hex {
  return hex.toLowerCase() as Hex;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const iso = (value: unknown): string => (value as Date).toISOString();
const { toToken, toEntry, toBatch, toTransaction } = rowMappers(iso);

