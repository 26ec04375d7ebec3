import type { Hex } from "../core/hex.js";

export { buildMerkleTree } from "./buildMerkleTree.js";
export { loadMerkleTree } from "./loadMerkleTree.js";
export { MAX_LEAF_COUNT, TREE_FORMAT_VERSION, TREE_HEADER_BYTES } from "./arrayMerkleTree.js";

/**
 * A Merkle tree over 32-byte leaves, shaped and hashed exactly like OpenZeppelin's
 * `StandardMerkleTree` (@openzeppelin/merkle-tree, `sortLeaves: true`): leaves sorted by byte
 * order, nodes in one array where node i has children 2i+1 and 2i+2 and sorted leaf i is node
 * `2·leafCount − 2 − i`, every inner node `keccak256(min(l, r) ++ max(l, r))`.
 * Made by `buildMerkleTree`, or read back from bytes by `loadMerkleTree`.
 *
 * @example
 * import { buildMerkleTree, verifyMerkleProof } from "provenance-ledger";
 * const tree = buildMerkleTree(leaves);
 * const proof = tree.getProof(leaves[0]);
 * verifyMerkleProof(tree.root, leaves[0], proof); // true
 * await writeFile("batch-42.tree", tree.toBytes());
 */
export type MerkleTree = {
  /** The root, as anchored on chain. */
  readonly root: Hex;
  /** How many leaves the tree holds. */
  readonly leafCount: number;
  /**
   * All `2·leafCount − 1` nodes, 32 bytes each, in the order of OpenZeppelin's `tree` array
   * (node 0 is the root). `loadMerkleTree` reads it back. Do not modify it: proofs are checked
   * against `root` when produced, so a modified tree throws rather than proving something false.
   */
  readonly nodes: Uint8Array;
  /** The leaf with sorted index `index`. Throws INDEX_OUT_OF_RANGE. */
  leafAt(index: number): Hex;
  /** The sorted index of `leaf` (binary search), or -1 if it is not in the tree. */
  indexOf(leaf: Hex): number;
  /**
   * The proof of a leaf, given as the leaf or its sorted index: the sibling hashes from the leaf
   * up, as OpenZeppelin's `getProof` returns them and `MerkleProof.verify` takes them.
   * Throws LEAF_NOT_FOUND or INDEX_OUT_OF_RANGE.
   */
  getProof(leaf: Hex | number): Hex[];
  /**
   * The tree as one self-describing blob for `loadMerkleTree`: a 32-byte header (magic "PLMT",
   * format version `TREE_FORMAT_VERSION`, leaf count) followed by `nodes`. Do not modify it.
   */
  toBytes(): Uint8Array;
};
