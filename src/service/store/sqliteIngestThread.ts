// The SQLite store's ingest thread: commits `addEntries` on a second connection in a worker, so
// the service's event loop goes on parsing requests while SQLite writes and fsyncs.
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import { StoreError, type StoreErrorCode } from "../../core/errors/store.js";
import type { AddEntryResult, NewEntry, ServiceStore } from "./serviceStore.js";
import { type SqliteServiceStoreOptions, openSqliteServiceStore } from "./sqlite.js";

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
export class IngestThread {
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

// This module is also the ingest thread's entry point (last: everything above is defined by then).
if (!isMainThread && (workerData as Record<string, unknown> | null)?.[INGEST_THREAD] !== undefined)
  void runIngestThread((workerData as Record<string, IngestThreadInit>)[INGEST_THREAD]!);
