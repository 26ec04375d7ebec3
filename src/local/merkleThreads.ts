import { MessageChannel, type MessagePort, Worker } from "node:worker_threads";
import { type HashTreeParameters, installParallelTreeHasher } from "../merkle/hashTreeNodes.js";
import { keccakModule, retireTreeKeccak } from "../merkle/keccak.js";

/**
 * Hashing a big tree on several threads. Every thread runs `hashTree` of assembly/keccak.ts
 * on the same shared memory: each level of the tree is split into equal ranges, with a barrier
 * (a wasm atomic counter) between levels; small top levels are finished by the calling thread.
 * The calling thread takes part (thread 0) and blocks until the tree is done, so
 * `buildMerkleTree` stays synchronous. Workers are started once, on first use, and `unref`ed.
 *
 * Importing this module installs the hasher for merkle/'s `buildMerkleTree` and `loadMerkleTree`
 * (platform-neutral, single-threaded without it); it re-exports both, so importing them from here
 * says that they run threaded.
 */

/** Trees with fewer leaves are hashed on the calling thread only (workers would not pay). */
export const PARALLEL_MIN_LEAVES = 65_536;
/** Levels with fewer slots than this are hashed by the calling thread alone. */
const PARALLEL_MIN_LEVEL = 8_192;

/** How long a first build waits for workers to start before going it alone. */
const STARTUP_WAIT_MS = 250;

// Control words (Int32Array over a SharedArrayBuffer): started workers, job generation.
const READY = 0;
const GENERATION = 1;

/** Plain JavaScript, run by each worker (eval: works the same from src/ and from dist/). */
const WORKER_SOURCE = `
const { workerData, receiveMessageOnPort } = process.getBuiltinModule("node:worker_threads");
const { module, port, control } = workerData;
Atomics.add(control, ${READY}, 1);
Atomics.notify(control, ${READY});
for (;;) {
  const generation = Atomics.load(control, ${GENERATION});
  const entry = receiveMessageOnPort(port);
  if (entry === undefined) { Atomics.wait(control, ${GENERATION}, generation); continue; }
  const job = entry.message;
  if (job === null) break;
  const wasm = new WebAssembly.Instance(module, { env: { memory: job.memory } }).exports;
  wasm.hashTree(job.tree, job.leafCount, job.thread, job.threads, job.barrier, job.parallelMin);
}
`;

type Pool = { workers: Worker[]; ports: MessagePort[]; control: Int32Array; broken: boolean };
let pool: Pool | undefined;

function startPool(size: number): Pool {
  const control = new Int32Array(new SharedArrayBuffer(8));
  const started: Pool = { workers: [], ports: [], control, broken: false };
  for (let i = 0; i < size; i++) {
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      execArgv: [], // the parent's flags (--input-type=module, --import tsx) would break an eval worker
      workerData: { module: keccakModule(), port: port2, control },
      transferList: [port2],
    });
    worker.unref();
    // A worker that fails or exits makes the pool unusable; the next build starts a new one.
    const retire = () => {
      started.broken = true;
      if (pool === started) pool = undefined;
    };
    worker.on("error", retire);
    worker.on("exit", retire);
    started.workers.push(worker);
    started.ports.push(port1);
  }
  return started;
}

function stopPool(stopped: Pool): void {
  stopped.broken = true;
  if (pool === stopped) pool = undefined;
  for (const worker of stopped.workers) void worker.terminate();
}

/** Workers ready to take a job (waiting briefly for a pool that is still starting). */
function readyPool(workers: number): Pool | undefined {
  if (pool && (pool.broken || pool.workers.length < workers)) stopPool(pool);
  pool ??= startPool(workers);
  const deadline = Date.now() + STARTUP_WAIT_MS;
  for (;;) {
    const ready = Atomics.load(pool.control, READY);
    if (ready >= pool.workers.length) return pool;
    const left = deadline - Date.now();
    if (left <= 0) return undefined;
    Atomics.wait(pool.control, READY, ready, left);
  }
}

/** Computes every inner node of the tree in `target`, on up to `threads` threads. */
export function hashTreeNodesThreaded({ target, tree, leafCount, barrier, threads }: HashTreeParameters): void {
  const { memory, wasm } = target;
  const workers = leafCount >= PARALLEL_MIN_LEAVES ? Math.max(0, Math.floor(threads) - 1) : 0;
  const ready = workers > 0 ? readyPool(workers) : undefined;
  if (!ready) {
    wasm.hashTree(tree, leafCount, 0, 1, barrier, 0);
    return;
  }
  new Int32Array(memory.buffer, barrier, 1)[0] = 0;
  const total = workers + 1;
  for (let i = 0; i < workers; i++) {
    ready.ports[i]?.postMessage({ memory, tree, leafCount, thread: i + 1, threads: total, barrier, parallelMin: PARALLEL_MIN_LEVEL });
  }
  Atomics.add(ready.control, GENERATION, 1);
  Atomics.notify(ready.control, GENERATION);
  if (wasm.hashTree(tree, leafCount, 0, total, barrier, PARALLEL_MIN_LEVEL) !== 0) {
    // A worker never reached a barrier: retire the pool and its memory (a late worker could
    // still write there), and redo the tree here. Every node is a function of its children only.
    stopPool(ready);
    retireTreeKeccak();
    wasm.hashTree(tree, leafCount, 0, 1, barrier, 0);
  }
}

installParallelTreeHasher(hashTreeNodesThreaded);

export { buildMerkleTree } from "../merkle/buildMerkleTree.js";
export { loadMerkleTree } from "../merkle/loadMerkleTree.js";
