// The SQLite service store's SQL: every ServiceStore method as statements on one connection
// (sqliteConnection.ts), with the rules both drivers share (rules.ts). Opened by sqlite.ts.
import type { DatabaseSync } from "node:sqlite";
import { StoreError } from "../../core/errors/store.js";
import { SqliteConnection } from "./sqliteConnection.js";
import { sqliteStoreError } from "./sqliteErrors.js";
import { SCHEMA } from "./sqliteSchema.js";
import { BATCH_COLUMNS, ENTRY_COLUMNS, type Row, rowMappers } from "./rows.js";
import * as rules from "./rules.js";
import type { Hex } from "../../core/hex.js";
import type { ReceiptAnchor } from "../../formats/receipt.js";
import type { OutboxTransaction, PendingStats, SealBuilder, ServiceBatch } from "../../ledger/anchoring/types.js";
import type { AddEntryResult, BatchStatus, NewEntry, ServiceStore, StoredEntry, StoredToken } from "./serviceStore.js";

export class SqliteServiceStore extends SqliteConnection implements ServiceStore {
  readonly kind = "sqlite";
  readonly description: string;
  private closed = false;

  constructor(path: string, db: DatabaseSync) {
    super(path, db);
    this.description = `sqlite:${path}`;
  }

  /** Creates the schema or checks its version: a newer schema, or a database that is not a service store, is refused. */
  migrate(readOnly: boolean): void {
    const check = (): number | null => {
      const tables = (this.db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as Row[]).map((r) =>
        String(r.name),
      );
      if (tables.length === 0) return null;
      const row = tables.includes("meta")
        ? (this.db.prepare("SELECT value FROM meta WHERE key = ?").get(rules.SERVICE_SCHEMA_VERSION_KEY) as Row | undefined)
        : undefined;
      return rules.checkSchemaVersion(row?.value, this.path);
    };
    try {
      if (check() === rules.SERVICE_SCHEMA_VERSION) return;
      if (readOnly) throw new StoreError("STORE_UNAVAILABLE", `the service store ${this.path} has no current schema and is opened read-only`);
      this.write("creating the schema", () => {
        if (check() === rules.SERVICE_SCHEMA_VERSION) return;
        this.db.exec(SCHEMA);
        this.statement("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(
          rules.SERVICE_SCHEMA_VERSION_KEY,
          String(rules.SERVICE_SCHEMA_VERSION),
        );
      });
    } catch (error) {
      throw sqliteStoreError(error, "checking the schema", this.path);
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
    rules.checkMetaKey(key);
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
        rules.lower(input.tokenHash),
        createdAt,
      ) as Row;
      return { id: Number(row.id), orgId: input.orgId, name: input.name, createdAt };
    });
  }

  async findToken(tokenHash: Hex): Promise<StoredToken | null> {
    return this.read("finding a token", () => {
      const row = this.statement("SELECT id, org_id, name, created_at FROM tokens WHERE token_hash = ? AND revoked_at IS NULL").get(rules.lower(tokenHash)) as
        | Row
        | undefined;
      return row === undefined ? null : toToken(row);
    });
  }

  async revokeToken(id: number): Promise<boolean> {
    const now = new Date().toISOString();
    return this.writeInTurn(
      "revoking a token",
      () => Number(this.statement("UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL").run(now, id).changes) === 1,
    );
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
      const started = await thread.ready.then(
        () => thread.alive,
        () => false,
      );
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
        const entryHash = rules.lower(entry.entryHash);
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
        rules.lower(entryHash),
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
    rules.checkPositive(maxLeaves, "maxLeaves");
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
      const assigned = Number(
        this.statement("UPDATE entries SET batch_id = ? WHERE org_id = ? AND batch_id IS NULL AND id <= ?").run(batchId, orgId, last.id as number).changes,
      );
      rules.checkSealed(orgId, pending.length, assigned);
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
      if (row === undefined) throw rules.notFound("batch", id);
      return row.tree as Uint8Array;
    });
  }

  async unconfirmedBatches(): Promise<ServiceBatch[]> {
    return this.read("listing unconfirmed batches", () =>
      (this.statement(`SELECT ${BATCH_COLUMNS} FROM batches WHERE status <> 'confirmed' ORDER BY id`).all() as Row[]).map(toBatch),
    );
  }

  async listBatches(afterId: number, limit: number): Promise<ServiceBatch[]> {
    return this.read("listing batches", () =>
      (this.statement(`SELECT ${BATCH_COLUMNS} FROM batches WHERE id > ? ORDER BY id LIMIT ?`).all(afterId, limit) as Row[]).map(toBatch),
    );
  }

  async receivedTimesOf(batchId: number): Promise<string[]> {
    return this.read(`reading the entries of batch ${batchId}`, () =>
      (this.statement("SELECT received_at FROM entries WHERE batch_id = ? ORDER BY id").all(batchId) as Row[]).map((r) => String(r.received_at)),
    );
  }

  async addTransaction(tx: Omit<OutboxTransaction, "id" | "createdAt" | "status">, now: Date): Promise<OutboxTransaction> {
    const createdAt = now.toISOString();
    return this.writeInTurn(`recording a transaction of batch ${tx.batchId}`, () => {
      if (this.batch(tx.batchId) === null) throw rules.notFound("batch", tx.batchId);
      const row = this.statement(
        "INSERT INTO transactions (batch_id, chain_id, from_address, nonce, hash, raw, max_fee_per_gas, max_priority_fee_per_gas, created_at, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending') RETURNING *",
      ).get(tx.batchId, tx.chainId, tx.from, tx.nonce, tx.hash, tx.raw, tx.maxFeePerGas, tx.maxPriorityFeePerGas, createdAt) as Row;
      return toTransaction(row);
    });
  }

  async transactionsOf(batchId: number): Promise<OutboxTransaction[]> {
    return this.read("listing transactions", () =>
      (this.statement("SELECT * FROM transactions WHERE batch_id = ? ORDER BY id").all(batchId) as Row[]).map(toTransaction),
    );
  }

  async pendingTransactions(): Promise<OutboxTransaction[]> {
    return this.read("listing pending transactions", () =>
      (this.statement("SELECT * FROM transactions WHERE status = 'pending' ORDER BY id").all() as Row[]).map(toTransaction),
    );
  }

  async setTransactionStatus(id: number, status: OutboxTransaction["status"]): Promise<void> {
    await this.writeInTurn(`setting the status of transaction ${id}`, () => {
      if (Number(this.statement("UPDATE transactions SET status = ? WHERE id = ?").run(status, id).changes) !== 1) throw rules.notFound("transaction", id);
    });
  }

  async markAnchored(batchId: number, anchor: ReceiptAnchor): Promise<void> {
    await this.writeInTurn(`marking batch ${batchId} anchored`, () => {
      if (!rules.batchTransition(batchId, this.batchStatus(batchId), "anchored")) return;
      this.statement(
        "UPDATE batches SET status = 'anchored', chain_id = ?, registry = ?, anchor_org_id = ?, sequence = ?, tx_hash = ?, block_number = ?, block_hash = ?, block_timestamp = ? WHERE id = ?",
      ).run(anchor.chainId, anchor.registry, anchor.orgId, anchor.sequence, anchor.txHash, anchor.blockNumber, anchor.blockHash, anchor.timestamp, batchId);
    });
  }

  async markConfirmed(batchId: number, now: Date): Promise<void> {
    await this.writeInTurn(`marking batch ${batchId} confirmed`, () => {
      if (rules.batchTransition(batchId, this.batchStatus(batchId), "confirmed"))
        this.statement("UPDATE batches SET status = 'confirmed', confirmed_at = ? WHERE id = ?").run(now.toISOString(), batchId);
    });
  }

  async markReorged(batchId: number): Promise<void> {
    await this.writeInTurn(`marking batch ${batchId} reorged`, () => {
      if (!rules.batchTransition(batchId, this.batchStatus(batchId), "reorged")) return;
      this.statement(
        "UPDATE batches SET status = 'sealed', chain_id = NULL, registry = NULL, anchor_org_id = NULL, sequence = NULL, tx_hash = NULL, block_number = NULL, block_hash = NULL, block_timestamp = NULL, confirmed_at = NULL WHERE id = ?",
      ).run(batchId);
    });
  }

  private batchStatus(batchId: number): BatchStatus {
    const row = this.statement("SELECT status FROM batches WHERE id = ?").get(batchId) as Row | undefined;
    if (row === undefined) throw rules.notFound("batch", batchId);
    return row.status as BatchStatus;
  }

  async acquireLease(name: string, holder: string, ttlMs: number, now: Date): Promise<boolean> {
    rules.checkPositive(ttlMs, "ttlMs");
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

const { toToken, toEntry, toBatch, toTransaction } = rowMappers(String);
