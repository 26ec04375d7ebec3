// The PostgreSQL service store's SQL: every ServiceStore method as queries on a pool, with the
// rules both drivers share (rules.ts). Opened by postgres.ts.
import type pg from "pg";
import { addEntriesIn } from "./postgresAddEntries.js";
import { postgresStoreError } from "./postgresErrors.js";
import { SCHEMA } from "./postgresSchema.js";
import { BATCH_COLUMNS, ENTRY_COLUMNS, type Row, rowMappers } from "./rows.js";
import * as rules from "./rules.js";
import type { Hex } from "../../core/hex.js";
import type { ReceiptAnchor } from "../../formats/receipt.js";
import type { OutboxTransaction, PendingStats, SealBuilder, ServiceBatch } from "../../ledger/anchoring/types.js";
import type { AddEntryResult, BatchStatus, NewEntry, ServiceStore, StoredEntry, StoredToken } from "./serviceStore.js";

export class PostgresServiceStore implements ServiceStore {
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
      // pg_class is read under the statement's snapshot. Not to_regclass: its name lookup may answer
      // from this connection's catalog cache, which can still say "no such table" after another
      // instance's schema transaction committed (seen: meta absent, entries present, in ~1 of 70 races).
      const tables = await client.query(
        `SELECT bool_or(relname = 'meta') AS meta, bool_or(relname = 'entries') AS entries FROM pg_catalog.pg_class
          WHERE relname IN ('meta', 'entries') AND relkind IN ('r', 'p') AND relnamespace = (SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = current_schema())`,
      );
      const { meta, entries } = tables.rows[0] as { meta: boolean | null; entries: boolean | null };
      if (!meta && !entries) return null;
      const row = meta
        ? ((await client.query("SELECT value FROM meta WHERE key = $1", [rules.SERVICE_SCHEMA_VERSION_KEY])).rows[0] as Row | undefined)
        : undefined;
      return rules.checkSchemaVersion(row?.value, this.description);
    };
    // Read first, without a lock: a current schema needs no write (and a read-only database opens).
    const client = await this.pool.connect();
    let broken: Error | undefined;
    const onError = (error: Error): void => {
      broken = error;
    };
    client.on("error", onError);
    try {
      if ((await version(client)) === rules.SERVICE_SCHEMA_VERSION) return;
    } finally {
      client.removeListener("error", onError);
      client.release(broken);
    }
    await this.transaction("creating the schema", async (c) => {
      await c.query("SELECT pg_advisory_xact_lock(hashtextextended('provenance-service-schema', 0))");
      if ((await version(c)) === rules.SERVICE_SCHEMA_VERSION) return;
      await c.query(SCHEMA);
      await c.query("INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value", [
        rules.SERVICE_SCHEMA_VERSION_KEY,
        String(rules.SERVICE_SCHEMA_VERSION),
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
    rules.checkMetaKey(key);
    await this.transaction("writing meta", (c) =>
      c.query("INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value", [key, value]),
    );
  }

  async createToken(input: { orgId: number; name: string; tokenHash: Hex }): Promise<StoredToken> {
    const createdAt = new Date();
    return this.transaction("creating a token", async (c) => {
      const row = (
        await c.query("INSERT INTO tokens (org_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id", [
          input.orgId,
          input.name,
          rules.lower(input.tokenHash),
          createdAt,
        ])
      ).rows[0] as Row;
      return { id: Number(row.id), orgId: input.orgId, name: input.name, createdAt: createdAt.toISOString() };
    });
  }

  async findToken(tokenHash: Hex): Promise<StoredToken | null> {
    const [row] = await this.query("finding a token", "SELECT id, org_id, name, created_at FROM tokens WHERE token_hash = $1 AND revoked_at IS NULL", [
      rules.lower(tokenHash),
    ]);
    return row === undefined ? null : toToken(row);
  }

  async revokeToken(id: number): Promise<boolean> {
    return this.transaction(
      "revoking a token",
      async (c) => (await c.query("UPDATE tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL", [id])).rowCount === 1,
    );
  }

  async listTokens(orgId?: number): Promise<StoredToken[]> {
    const rows =
      orgId === undefined
        ? await this.query("listing tokens", "SELECT id, org_id, name, created_at FROM tokens WHERE revoked_at IS NULL ORDER BY id")
        : await this.query("listing tokens", "SELECT id, org_id, name, created_at FROM tokens WHERE org_id = $1 AND revoked_at IS NULL ORDER BY id", [orgId]);
    return rows.map(toToken);
  }

  /** Stores entries in one transaction: see addEntriesIn (postgresAddEntries.ts). */
  async addEntries(entries: readonly NewEntry[]): Promise<AddEntryResult[]> {
    if (entries.length === 0) return [];
    const receivedAt = new Date();
    return this.transaction(`storing ${entries.length} entries`, (c) => addEntriesIn(c, entries, receivedAt));
  }

  async getEntry(orgId: number, entryHash: Hex): Promise<StoredEntry | null> {
    const [row] = await this.query(
      "reading an entry",
      `SELECT ${ENTRY_COLUMNS} FROM entries e LEFT JOIN batches b ON b.id = e.batch_id WHERE e.org_id = $1 AND e.entry_hash = $2`,
      [orgId, rules.lower(entryHash)],
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
    return rows.map((r) => ({
      orgId: Number(r.org_id),
      pending: Number(r.pending),
      oldestReceivedAt: r.oldest === null ? null : (r.oldest as Date).toISOString(),
    }));
  }

  async sealBatch(orgId: number, maxLeaves: number, build: SealBuilder, now: Date): Promise<ServiceBatch | null> {
    rules.checkPositive(maxLeaves, "maxLeaves");
    return this.transaction(`sealing a batch for organisation ${orgId}`, async (c) => {
      // One sealer per organisation across every instance; the count check below is the last line of defence.
      await c.query("SELECT pg_advisory_xact_lock(hashtextextended('provenance-seal:' || $1::text, 0))", [orgId]);
      const pending = (
        await c.query({
          name: "service-pending-leaves",
          text: "SELECT id, leaf FROM entries WHERE org_id = $1 AND batch_id IS NULL ORDER BY id LIMIT $2",
          values: [orgId, maxLeaves],
        })
      ).rows as Row[];
      if (pending.length === 0) return null;
      const built = build(pending.map((r) => r.leaf as Hex));
      const batch = (
        await c.query(
          `INSERT INTO batches (org_id, root, leaf_count, metadata, metadata_hash, tree, status, sealed_at) VALUES ($1, $2, $3, $4, $5, $6, 'sealed', $7) RETURNING ${BATCH_COLUMNS}`,
          [
            orgId,
            built.root,
            pending.length,
            built.metadata,
            built.metadataHash,
            Buffer.from(built.tree.buffer, built.tree.byteOffset, built.tree.byteLength),
            now,
          ],
        )
      ).rows[0] as Row;
      const assigned = await c.query("UPDATE entries SET batch_id = $1 WHERE id = ANY($2::bigint[]) AND batch_id IS NULL", [
        batch.id,
        pending.map((r) => r.id),
      ]);
      rules.checkSealed(orgId, pending.length, assigned.rowCount ?? 0);
      return toBatch(batch);
    });
  }

  async getBatch(id: number): Promise<ServiceBatch | null> {
    const [row] = await this.query("reading a batch", `SELECT ${BATCH_COLUMNS} FROM batches WHERE id = $1`, [id]);
    return row === undefined ? null : toBatch(row);
  }

  async getBatchTree(id: number): Promise<Uint8Array> {
    const [row] = await this.query("reading a batch tree", "SELECT tree FROM batches WHERE id = $1", [id]);
    if (row === undefined) throw rules.notFound("batch", id);
    return new Uint8Array(row.tree as Buffer); // a plain, aligned copy rather than a view into pg's buffer
  }

  async unconfirmedBatches(): Promise<ServiceBatch[]> {
    return (await this.query("listing unconfirmed batches", `SELECT ${BATCH_COLUMNS} FROM batches WHERE status <> 'confirmed' ORDER BY id`)).map(toBatch);
  }

  async listBatches(afterId: number, limit: number): Promise<ServiceBatch[]> {
    return (await this.query("listing batches", `SELECT ${BATCH_COLUMNS} FROM batches WHERE id > $1 ORDER BY id LIMIT $2`, [afterId, limit])).map(toBatch);
  }

  async receivedTimesOf(batchId: number): Promise<string[]> {
    return (await this.query(`reading the entries of batch ${batchId}`, "SELECT received_at FROM entries WHERE batch_id = $1 ORDER BY id", [batchId])).map(
      (r) => iso(r.received_at),
    );
  }

  async addTransaction(tx: Omit<OutboxTransaction, "id" | "createdAt" | "status">, now: Date): Promise<OutboxTransaction> {
    return this.transaction(`recording a transaction of batch ${tx.batchId}`, async (c) => {
      if ((await c.query("SELECT 1 FROM batches WHERE id = $1", [tx.batchId])).rowCount === 0) throw rules.notFound("batch", tx.batchId);
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
      if ((await c.query("UPDATE transactions SET status = $1 WHERE id = $2", [status, id])).rowCount !== 1) throw rules.notFound("transaction", id);
    });
  }

  async markAnchored(batchId: number, anchor: ReceiptAnchor): Promise<void> {
    await this.transaction(`marking batch ${batchId} anchored`, async (c) => {
      if (!rules.batchTransition(batchId, await batchStatus(c, batchId), "anchored")) return;
      await c.query(
        "UPDATE batches SET status = 'anchored', chain_id = $2, registry = $3, anchor_org_id = $4, sequence = $5, tx_hash = $6, block_number = $7, block_hash = $8, block_timestamp = $9 WHERE id = $1",
        [batchId, anchor.chainId, anchor.registry, anchor.orgId, anchor.sequence, anchor.txHash, anchor.blockNumber, anchor.blockHash, anchor.timestamp],
      );
    });
  }

  async markConfirmed(batchId: number, now: Date): Promise<void> {
    await this.transaction(`marking batch ${batchId} confirmed`, async (c) => {
      if (rules.batchTransition(batchId, await batchStatus(c, batchId), "confirmed"))
        await c.query("UPDATE batches SET status = 'confirmed', confirmed_at = $2 WHERE id = $1", [batchId, now]);
    });
  }

  async markReorged(batchId: number): Promise<void> {
    await this.transaction(`marking batch ${batchId} reorged`, async (c) => {
      if (!rules.batchTransition(batchId, await batchStatus(c, batchId), "reorged")) return;
      await c.query(
        "UPDATE batches SET status = 'sealed', chain_id = NULL, registry = NULL, anchor_org_id = NULL, sequence = NULL, tx_hash = NULL, block_number = NULL, block_hash = NULL, block_timestamp = NULL, confirmed_at = NULL WHERE id = $1",
        [batchId],
      );
    });
  }

  async acquireLease(name: string, holder: string, ttlMs: number, now: Date): Promise<boolean> {
    rules.checkPositive(ttlMs, "ttlMs");
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
  if (row === undefined) throw rules.notFound("batch", batchId);
  return row.status as BatchStatus;
}

const iso = (value: unknown): string => (value as Date).toISOString();
const { toToken, toEntry, toBatch, toTransaction } = rowMappers(iso);
