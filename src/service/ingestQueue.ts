import { StoreError } from "../core/errors/store.js";
import type { AddEntryResult, NewEntry, ServiceStore } from "./store/serviceStore.js";

export type CreateIngestQueueParameters = {
  readonly store: Pick<ServiceStore, "addEntries">;
  /** Longest a request waits for others to share its commit (default 2 ms). */
  readonly maxDelayMs?: number | undefined;
  /** Entries per commit before it is started without waiting (default 500). A larger request is committed alone, whole. */
  readonly maxEntries?: number | undefined;
  /** Called after each commit (logs, metrics). */
  readonly onCommit?:
    | ((commit: { readonly requests: number; readonly entries: number; readonly milliseconds: number; readonly error?: unknown }) => void)
    | undefined;
};

/**
 * Group commit: concurrent requests share one `store.addEntries` transaction (one fsync) instead
 * of paying one each. A request's promise resolves only after the transaction that holds its
 * entries committed, and rejects (nothing acknowledged) if it failed.
 */
export type IngestQueue = {
  /** Stores `entries` (one request's, atomically: never split across commits); their results, in order. */
  add(entries: readonly NewEntry[]): Promise<AddEntryResult[]>;
  /** Refuses new entries, then resolves once every queued entry is committed or refused. */
  close(): Promise<void>;
  /** Entries queued or being committed. */
  readonly depth: number;
};

type Waiting = { readonly entries: readonly NewEntry[]; resolve(results: AddEntryResult[]): void; reject(error: unknown): void };

/**
 * Creates the ingest queue. Commits run one at a time, in arrival order: while one commits, the
 * next requests gather and go together as soon as it is done.
 *
 * @example
 * import { createIngestQueue } from "./service/ingestQueue.js";
 * const ingest = createIngestQueue({ store });
 * const [result] = await ingest.add([newEntry]); // durable once resolved
 */
export function createIngestQueue(parameters: CreateIngestQueueParameters): IngestQueue {
  const maxDelayMs = parameters.maxDelayMs ?? 2;
  const maxEntries = parameters.maxEntries ?? 500;
  const queue: Waiting[] = [];
  let queued = 0;
  let inFlight = 0;
  let timer: NodeJS.Timeout | undefined;
  let committing: Promise<void> | null = null;
  let closed = false;

  const schedule = (): void => {
    if (committing || queue.length === 0) return;
    if (queued >= maxEntries) {
      if (timer) clearTimeout(timer);
      timer = undefined;
      committing = commit();
    } else if (!timer)
      timer = setTimeout(() => {
        timer = undefined;
        if (!committing) committing = commit();
      }, maxDelayMs);
  };

  const commit = async (): Promise<void> => {
    const group: Waiting[] = [];
    let count = 0;
    while (queue.length > 0 && (group.length === 0 || count + queue[0]!.entries.length <= maxEntries)) {
      const next = queue.shift()!;
      group.push(next);
      count += next.entries.length;
    }
    queued -= count;
    inFlight = count;
    const started = performance.now();
    try {
      const results = await parameters.store.addEntries(group.flatMap((w) => w.entries));
      if (results.length !== count) throw new StoreError("STORE_UNAVAILABLE", `the store answered ${results.length} results for ${count} entries`);
      parameters.onCommit?.({ requests: group.length, entries: count, milliseconds: performance.now() - started });
      let offset = 0;
      for (const w of group) {
        w.resolve(results.slice(offset, offset + w.entries.length));
        offset += w.entries.length;
      }
    } catch (error) {
      parameters.onCommit?.({ requests: group.length, entries: count, milliseconds: performance.now() - started, error });
      for (const w of group) w.reject(error);
    } finally {
      inFlight = 0;
      committing = null;
      // Whatever arrived during the commit has waited long enough: go now.
      if (queue.length > 0) committing = commit();
    }
  };

  return {
    add(entries) {
      if (closed) return Promise.reject(new StoreError("STORE_UNAVAILABLE", "the service is shutting down and accepts no more entries"));
      if (entries.length === 0) return Promise.resolve([]);
      return new Promise<AddEntryResult[]>((resolve, reject) => {
        queue.push({ entries, resolve, reject });
        queued += entries.length;
        schedule();
      });
    },
    async close() {
      closed = true;
      if (timer) {
        clearTimeout(timer);
        timer = undefined;
        if (!committing && queue.length > 0) committing = commit();
      }
      while (committing) await committing;
    },
    get depth() {
      return queued + inFlight;
    },
  };
}
