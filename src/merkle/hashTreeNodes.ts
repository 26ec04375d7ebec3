import { invalid } from "../core/errors/input.js";
import type { KeccakMemory } from "./keccak.js";

// How a tree's inner nodes are hashed. Here, platform-neutral, on the calling thread; a Node.js
// process hashes big trees on worker threads instead (src/local/merkleThreads.ts installs that
// hasher when imported, as the package root, the service and the CLI do). Either way, the same
// nodes: each is a function of its children only.

/** Where, in the tree memory, the barrier word and the tree's blob (header + nodes) go. */
export const BARRIER_OFFSET = 0;
export const BLOB_OFFSET = 64;

/** Default thread count, the calling thread included: the available cores (the runtime's count), at most 4. */
export const DEFAULT_THREADS = Math.max(1, Math.min((globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1, 4));

export type HashTreeParameters = {
  /** The memory holding the tree (see `treeKeccak`). */
  target: KeccakMemory;
  /** Byte offset of node 0; the leaves must already be in place. */
  tree: number;
  leafCount: number;
  /** Byte offset of a 32-bit word used as the barrier (zeroed here). */
  barrier: number;
  /** Threads to use, the calling thread included. */
  threads: number;
};

/** Computes every inner node of the tree in `target` (same contract as {@link hashTreeNodes}). */
export type TreeNodesHasher = (parameters: HashTreeParameters) => void;

let parallelHasher: TreeNodesHasher | undefined;

/** Installs (or, with `undefined`, removes) the hasher used when more than one thread is asked for. */
export function installParallelTreeHasher(hasher: TreeNodesHasher | undefined): void {
  parallelHasher = hasher;
}

/** Computes every inner node of the tree in `target`: on up to `threads` threads if a parallel hasher is installed. */
export function hashTreeNodes(parameters: HashTreeParameters): void {
  if (parallelHasher !== undefined && parameters.threads > 1) parallelHasher(parameters);
  else parameters.target.wasm.hashTree(parameters.tree, parameters.leafCount, 0, 1, parameters.barrier, 0);
}

/** The `threads` parameter, checked (default DEFAULT_THREADS). */
export function checkThreads(threads: number | undefined): number {
  if (threads === undefined) return DEFAULT_THREADS;
  if (!Number.isSafeInteger(threads) || threads < 1) invalid("INVALID_ARGUMENT", `threads must be a positive integer, got ${String(threads)}`, "threads");
  return threads;
}
