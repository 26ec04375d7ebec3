import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { invalid } from "../../core/errors/input.js";
import { HashingError } from "../../core/errors/hashing.js";
import { fileSystemError, throwIfAborted } from "./fileSystemError.js";
import { type FileRange, hashFileRange } from "./hashFileRange.js";
import { type FileIdentity, assertUnchanged, openListedFile, rangeReadProblem } from "./openListedFile.js";

/**
 * Hashing many files (or shards of files) at once. The calling thread lists, opens and checks
 * every file and closes it; `WORKER_SOURCE` only reads a byte range of an already opened file
 * descriptor and hashes it. So everything that decides what is hashed and whether the result
 * can be trusted (O_NOFOLLOW, identity, size and mtime checks, error codes) stays in
 * `openListedFile` and here, shared with the single-thread path.
 */

/** Bytes per `read(2)` in a worker: 256 KiB stays in a core's L2 cache between the copy and the hash. */
export const WORKER_CHUNK_SIZE = 256 * 1024;
/** A worker reports progress after at least this many bytes. */
const PROGRESS_BYTES = 1024 * 1024;
/** Below this many bytes in total, the default is to hash on the calling thread: starting workers costs more. */
export const PARALLEL_MIN_BYTES = 64 * 1024 * 1024;

/** One range of one listed file to hash. */
export type HashJob = FileRange & {
  /** The filesystem path to open. */
  path: string;
  /** The file as listed (see `listModelFiles`). */
  expected: FileIdentity;
};

export type HashFileRangesParameters = {
  /** Threads hashing at once (already checked with `checkWorkers`); 1 hashes on the calling thread, in job order. */
  workers: number;
  /** Called when job `index` starts, before its file is opened. */
  onStart?: ((index: number) => void) | undefined;
  /** Called as job `index` hashes: after each chunk on the calling thread, about every MiB from a worker. */
  onBytes?: ((index: number, bytes: number) => void) | undefined;
  signal?: AbortSignal | undefined;
};

/**
 * The `workers` parameter of the hashing functions, checked: a positive integer, or undefined
 * for the default.
 */
export function checkWorkers(workers: number | undefined): number | undefined {
  if (workers === undefined) return undefined;
  if (!Number.isSafeInteger(workers) || workers < 1) invalid("INVALID_ARGUMENT", `workers must be a positive integer, got ${String(workers)}`, "workers");
  return workers;
}

/**
 * How many threads hash `totalBytes` in `jobCount` jobs: the `workers` asked for, or by default
 * one per core (`os.availableParallelism()`), except for models under `PARALLEL_MIN_BYTES`
 * (hashed on the calling thread); never more than there are jobs.
 */
export function resolveWorkers(workers: number | undefined, totalBytes: number, jobCount: number): number {
  const wanted = workers ?? (totalBytes < PARALLEL_MIN_BYTES ? 1 : availableParallelism());
  return Math.max(1, Math.min(wanted, jobCount));
}

/**
 * SHA-256 of every job's range, in job order. With one worker, the jobs run one after the
 * other on the calling thread (`hashFileRange`). With more, that many worker threads each hash
 * one job at a time, longest jobs first; the pool is started for this call and terminated
 * before it returns or throws. The first failure stops the other jobs at their next chunk and
 * is thrown as the same `HashingError` (code and path) the calling thread would have thrown.
 */
export async function hashFileRanges(jobs: readonly HashJob[], parameters: HashFileRangesParameters): Promise<string[]> {
  const { onStart, onBytes, signal } = parameters;
  const workers = Math.min(parameters.workers, jobs.length);
  const digests: string[] = new Array<string>(jobs.length).fill("");
  if (workers <= 1) {
    for (const [index, job] of jobs.entries()) {
      throwIfAborted(signal, job.path);
      onStart?.(index);
      digests[index] = await hashFileRange(job.path, job.expected, job, { onBytes: onBytes && ((bytes) => onBytes(index, bytes)), signal });
    }
    return digests;
  }

  // Longest first (stable): a big file started last would leave the other cores idle at the end.
  const order = jobs.map((_, index) => index).sort((a, b) => length(jobs[b]) - length(jobs[a]) || a - b);
  const stop = new Int32Array(new SharedArrayBuffer(4));
  const pool = Array.from({ length: workers }, () => new HashWorker(stop));
  const stopAll = () => Atomics.store(stop, 0, 1);
  signal?.addEventListener("abort", stopAll, { once: true });
  let failure: { error: unknown } | undefined;
  let next = 0;

  const runLane = async (worker: HashWorker) => {
    while (failure === undefined && next < order.length) {
      const index = order[next++] as number;
      const job = jobs[index] as HashJob;
      try {
        throwIfAborted(signal, job.path);
        onStart?.(index);
        digests[index] = await hashOnWorker(worker, job, signal, onBytes && ((bytes) => onBytes(index, bytes)));
      } catch (error) {
        if (error !== STOPPED) failure ??= { error };
        stopAll();
      }
    }
  };
  try {
    await Promise.all(pool.map(runLane));
  } finally {
    signal?.removeEventListener("abort", stopAll);
    await Promise.all(pool.map((worker) => worker.terminate()));
  }
  if (failure !== undefined) throw failure.error;
  return digests;
}

function length(job: HashJob | undefined): number {
  return job ? job.end - job.start : 0;
}

/** Thrown by a job a worker gave up on because another job failed (not an error of its own). */
const STOPPED = Symbol("stopped");

async function hashOnWorker(
  worker: HashWorker,
  job: HashJob,
  signal: AbortSignal | undefined,
  onBytes: ((bytes: number) => void) | undefined,
): Promise<string> {
  const { path, expected, start, end } = job;
  const opened = await openListedFile(path, expected);
  try {
    // The worker reads through the descriptor opened (and checked) here; it is closed only once
    // the worker has answered or died, so it is never closed under a read.
    const reply = await worker.hash({ fd: opened.handle.fd, start, end, limit: end === expected.size ? end + 1 : end }, onBytes);
    if (reply.type === "stopped") {
      throwIfAborted(signal, path);
      throw STOPPED;
    }
    if (reply.type === "error") throw fileSystemError(Object.assign(new Error(reply.message), reply.code === undefined ? {} : { code: reply.code }), path);
    const problem = rangeReadProblem(path, expected.size, end, reply.position);
    if (problem) throw problem;
    await assertUnchanged(opened, path);
    return reply.sha256;
  } catch (cause) {
    throw cause === STOPPED ? cause : fileSystemError(cause, path);
  } finally {
    await opened.handle.close();
  }
}

type WorkerJob = { fd: number; start: number; end: number; limit: number };
type WorkerReply = { type: "done"; position: number; sha256: string } | { type: "stopped" } | { type: "error"; code: string | undefined; message: string };
type WorkerMessage = WorkerReply | { type: "progress"; bytes: number };

/**
 * Plain JavaScript run by each worker (eval, with no loader and none of the parent's execArgv:
 * it runs the same from src/ and dist/, under tsx or not, as CommonJS or ESM). Reads `[start, limit)` of `fd` with `readSync` into one reused buffer and hashes
 * `[start, end)`; stops at the end of file, or past `end` (a file that grew: the caller refuses
 * it from `position`), or when the shared stop flag is set.
 */
const WORKER_SOURCE = `
"use strict";
const { parentPort, workerData } = process.getBuiltinModule("node:worker_threads");
const { readSync } = process.getBuiltinModule("node:fs");
const { createHash } = process.getBuiltinModule("node:crypto");
const { stop, chunkSize, progressBytes } = workerData;
const buffer = Buffer.allocUnsafe(chunkSize);
parentPort.on("message", ({ fd, start, end, limit }) => {
  try {
    const hash = createHash("sha256");
    let position = start;
    let unreported = 0;
    for (;;) {
      if (Atomics.load(stop, 0) !== 0) return parentPort.postMessage({ type: "stopped" });
      const want = Math.min(chunkSize, limit - position);
      if (want <= 0) break;
      const bytesRead = readSync(fd, buffer, 0, want, position);
      if (bytesRead === 0) break;
      position += bytesRead;
      if (position > end) break;
      hash.update(buffer.subarray(0, bytesRead));
      unreported += bytesRead;
      if (unreported >= progressBytes) {
        parentPort.postMessage({ type: "progress", bytes: unreported });
        unreported = 0;
      }
    }
    if (unreported > 0) parentPort.postMessage({ type: "progress", bytes: unreported });
    parentPort.postMessage({ type: "done", position, sha256: hash.digest("hex") });
  } catch (error) {
    parentPort.postMessage({ type: "error", code: typeof error?.code === "string" ? error.code : undefined, message: String(error?.message ?? error) });
  }
});
`;

/** One worker thread, hashing one job at a time. */
class HashWorker {
  readonly #worker: Worker;
  #pending: { resolve: (reply: WorkerReply) => void; reject: (error: unknown) => void; onBytes: ((bytes: number) => void) | undefined } | undefined;
  #dead: Error | undefined;

  constructor(stop: Int32Array) {
    this.#worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [], workerData: { stop, chunkSize: WORKER_CHUNK_SIZE, progressBytes: PROGRESS_BYTES } });
    this.#worker.on("message", (message: WorkerMessage) => {
      if (message.type === "progress") return this.#pending?.onBytes?.(message.bytes);
      const pending = this.#pending;
      this.#pending = undefined;
      pending?.resolve(message);
    });
    const die = (error: Error) => {
      this.#dead ??= error;
      const pending = this.#pending;
      this.#pending = undefined;
      pending?.reject(this.#dead);
    };
    this.#worker.on("error", die);
    this.#worker.on("exit", (code) => die(new Error(`hashing worker exited (exit code ${code})`)));
  }

  hash(job: WorkerJob, onBytes: ((bytes: number) => void) | undefined): Promise<WorkerReply> {
    if (this.#dead) return Promise.reject(this.#dead);
    return new Promise((resolve, reject) => {
      this.#pending = { resolve, reject, onBytes };
      this.#worker.postMessage(job);
    });
  }

  async terminate(): Promise<void> {
    this.#dead ??= new HashingError("ABORTED", "hashing worker terminated");
    await this.#worker.terminate();
  }
}
