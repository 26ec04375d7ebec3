import { type InputError, invalid } from "../core/errors/input.js";
import { MerkleError } from "../core/errors/merkle.js";
import type { Hex } from "../core/hex.js";
import { ArrayMerkleTree, MAX_LEAF_COUNT, TREE_HEADER_BYTES, writeTreeHeader } from "./arrayMerkleTree.js";
import { treeKeccak } from "./keccak.js";
import { packHexLeaves, sortLeaves } from "./sortLeaves.js";
import { BARRIER_OFFSET, BLOB_OFFSET, checkThreads, hashTreeNodes } from "./hashTreeNodes.js";
import type { MerkleTree } from "./tree.js";

export type BuildMerkleTreeParameters = {
  /**
   * Threads to hash with, the calling thread included (default: the available cores, at most 4).
   * Trees under 65,536 leaves are always hashed on the calling thread.
   */
  threads?: number | undefined;
};

export type BuildMerkleTreeReturnType = MerkleTree;

export type BuildMerkleTreeErrorType = MerkleError | InputError;

/**
 * Builds the Merkle tree of a batch: the same root and proofs as
 * `StandardMerkleTree.of(values, ["bytes32", "bytes32"])` of @openzeppelin/merkle-tree for the
 * leaves `recordLeaf` makes of those values (see docs/merkle.md). Leaves are bytes32 hex strings
 * or one buffer of packed 32-byte leaves (faster for big batches), in any order.
 * Refuses an empty batch (EMPTY_TREE) and a leaf given twice (DUPLICATE_LEAF, naming it):
 * callers de-duplicate first; a record must never be anchored twice.
 *
 * Hashing runs in WebAssembly, on several threads for big trees; the call is synchronous.
 *
 * @example
 * import { buildMerkleTree, recordLeaf } from "provenance-ledger";
 * const tree = buildMerkleTree(records.map((r) => recordLeaf(r.subjectDigest, r.recordHash)));
 * console.log(tree.root, tree.leafCount);
 */
export function buildMerkleTree(leaves: readonly Hex[] | Uint8Array, parameters: BuildMerkleTreeParameters = {}): BuildMerkleTreeReturnType {
  let packed: Uint8Array;
  if (leaves instanceof Uint8Array) {
    if (leaves.length % 32 !== 0) invalid("INVALID_ARGUMENT", `packed leaves must be a multiple of 32 bytes, got ${leaves.length}`, "leaves");
    packed = leaves.byteOffset % 4 === 0 ? leaves : leaves.slice();
  } else packed = packHexLeaves(leaves);
  const leafCount = packed.length / 32;
  if (leafCount === 0) throw new MerkleError("EMPTY_TREE", "a Merkle tree needs at least one leaf");
  if (leafCount > MAX_LEAF_COUNT) throw new MerkleError("TOO_MANY_LEAVES", `${leafCount} leaves is more than one tree holds (${MAX_LEAF_COUNT})`);
  const threads = checkThreads(parameters.threads);

  const order = sortLeaves(packed);

  const nodeBytes = (2 * leafCount - 1) * 32;
  const tree = BLOB_OFFSET + TREE_HEADER_BYTES;
  const target = treeKeccak(tree + nodeBytes);
  // Sorted leaf i goes to node 2n−2−i, copied as 32-bit words (unrolled: no per-leaf allocation).
  const from = new Int32Array(packed.buffer, packed.byteOffset, leafCount * 8);
  const to = new Int32Array(target.memory.buffer, tree, nodeBytes / 4);
  for (let i = 0, d = nodeBytes / 4 - 8; i < leafCount; i++, d -= 8) {
    const s = (order[i] as number) * 8;
    to[d] = from[s] as number;
    to[d + 1] = from[s + 1] as number;
    to[d + 2] = from[s + 2] as number;
    to[d + 3] = from[s + 3] as number;
    to[d + 4] = from[s + 4] as number;
    to[d + 5] = from[s + 5] as number;
    to[d + 6] = from[s + 6] as number;
    to[d + 7] = from[s + 7] as number;
  }
  hashTreeNodes({ target, tree, leafCount, barrier: BARRIER_OFFSET, threads });

  // Copied out into an ordinary ArrayBuffer: the wasm memory is shared and reused.
  const blob = new Uint8Array(TREE_HEADER_BYTES + nodeBytes);
  writeTreeHeader(blob, leafCount);
  blob.set(new Uint8Array(target.memory.buffer, tree, nodeBytes), TREE_HEADER_BYTES);
  return new ArrayMerkleTree(blob.subarray(TREE_HEADER_BYTES), leafCount, blob);
}
