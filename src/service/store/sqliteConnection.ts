// One SQLite connection of the service store: prepared statements, IMMEDIATE write transactions,
// and the turns this process's writes take with its ingest thread. The SQL is the store's (sqlite.ts).
import type { DatabaseSync, StatementSync } from "node:sqlite";
import { sqliteStoreError } from "./sqliteErrors.js";
import type { IngestThread } from "./sqliteIngestThread.js";

export class SqliteConnection {
  protected readonly path: string;
  protected readonly db: DatabaseSync;
  private readonly statements = new Map<string, StatementSync>();
  protected ingest: IngestThread | null = null;
  /** With an ingest thread: this process's writes (its commits and this connection's), one at a time, in order. */
  private turns: Promise<unknown> = Promise.resolve();

  constructor(path: string, db: DatabaseSync) {
    this.path = path;
    this.db = db;
  }

  protected statement(sql: string): StatementSync {
    let s = this.statements.get(sql);
    if (s === undefined) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  /** Runs `body` as one IMMEDIATE transaction: committed (and fsynced) when this returns, rolled back if it throws. */
  protected write<T>(operation: string, body: () => T): T {
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
  protected writeInTurn<T>(operation: string, body: () => T): Promise<T> {
    if (this.ingest === null) {
      try {
        return Promise.resolve(this.write(operation, body));
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return this.inTurn(() => this.write(operation, body));
  }

  protected inTurn<T>(run: () => T | Promise<T>): Promise<T> {
    const result = this.turns.then(run);
    this.turns = result.catch(() => undefined);
    return result;
  }

  protected read<T>(operation: string, body: () => T): T {
    try {
      return body();
    } catch (error) {
      throw sqliteStoreError(error, operation, this.path);
    }
  }
}
