import { bytesEqual, compareBytes } from "../core/bytes.js";
import { type InputError, invalid } from "../core/errors/input.js";
import { MerkleError } from "../core/errors/merkle.js";
import { type Hex, hexEquals, parseHexBytes, toHex, typeName } from "../core/hex.js";
import { ArrayMerkleTree, MAX_LEAF_COUNT, readTreeHeader, TREE_HEADER_BYTES } from "./arrayMerkleTree.js";
import { treeKeccak } from "./keccak.js";
import { BARRIER_OFFSET, BLOB_OFFSET, checkThreads, hashTreeNodes } from "./hashTreeNodes.js";
import type { MerkleTree } from "./tree.js";

export type LoadMerkleTreeParameters = {
  /** The root the tree must have, e.g. the one anchored on chain (ROOT_MISMATCH otherwise). */
  expectedRoot?: Hex | undefined;
  /**
   * Also recompute every inner node and compare (as long as a build). Without it, loading checks
   * the format, the length and that the leaves are sorted and unique — O(n), no hashing — and
   * every proof is checked against the root as it is produced, so a corrupted blob can make a
   * `getProof` throw but never yield a false proof.
   */
  verifyNodes?: boolean | undefined;
  /** Threads for `verifyNodes` (as in `buildMerkleTree`). */
  threads?: number | undefined;
};

export type LoadMerkleTreeReturnType = MerkleTree;

export type LoadMerkleTreeErrorType = MerkleError | InputError;

/**
 * Reads back a tree without rebuilding it, from `tree.nodes` (`2n − 1` nodes of 32 bytes) or
 * from `tree.toBytes()` (a 32-byte header, then the nodes; told apart by length: an odd number
 * of 32-byte words is bare nodes). A store can keep a million-leaf batch as one blob and serve
 * proofs from it. Refuses with INVALID_TREE_BYTES an unknown format version, a wrong length,
 * unsorted or duplicate leaves, and with `verifyNodes` any inner node that is not the hash of
 * its children. The tree reads `bytes` in place: do not modify them afterwards.
 *
 * @example
 * import { loadMerkleTree } from "provenance-ledger";
 * const tree = loadMerkleTree(await readFile("batch-42.tree"), { expectedRoot: anchoredRoot });
 * const proof = tree.getProof(leaf);
 */
export function loadMerkleTree(bytes: Uint8Array, parameters: LoadMerkleTreeParameters = {}): LoadMerkleTreeReturnType {
  if (!(bytes instanceof Uint8Array)) invalid("INVALID_ARGUMENT", `expected the bytes of a Merkle tree, got ${typeName(bytes)}`, "bytes");
  const notATree = (why: string) => new MerkleError("INVALID_TREE_BYTES", `not a serialised Merkle tree: ${why}`);
  if (bytes.length === 0 || bytes.length % 32 !== 0) throw notATree(`${bytes.length} bytes is not a whole number of 32-byte nodes`);
  let nodes = bytes;
  let blob: Uint8Array | undefined;
  let leafCount = (bytes.length / 32 + 1) / 2;
  const header = readTreeHeader(bytes);
  // A blob cut short by an odd number of nodes has the length of bare nodes: its header (28 fixed
  // bytes no keccak root matches by chance) tells it apart, so it is refused, not read as a tree of
  // other leaves (whose leaf order would pass now and then).
  if ((bytes.length / 32) % 2 === 1 && typeof header === "number")
    throw notATree(`${bytes.length} bytes after a tree header, expected ${TREE_HEADER_BYTES + (2 * header - 1) * 32} for its ${header} leaves`);
  if ((bytes.length / 32) % 2 === 0) {
    if (typeof header === "string") throw notATree(header);
    leafCount = header;
    blob = bytes;
    nodes = bytes.subarray(TREE_HEADER_BYTES);
    if (nodes.length !== (2 * leafCount - 1) * 32)
      throw notATree(`${bytes.length} bytes, expected ${TREE_HEADER_BYTES + (2 * leafCount - 1) * 32} for ${leafCount} leaves`);
  }
  if (leafCount < 1) throw notATree("zero leaves");
  if (leafCount > MAX_LEAF_COUNT) throw notATree(`${leafCount} leaves is more than ${MAX_LEAF_COUNT}`);
  const expectedRoot = parameters.expectedRoot === undefined ? undefined : parseHexBytes(parameters.expectedRoot, "expectedRoot");
  const threads = checkThreads(parameters.threads);

  checkLeavesSorted(nodes, leafCount);
  if (parameters.verifyNodes) checkInnerNodes(nodes, leafCount, threads);
  const tree = new ArrayMerkleTree(nodes, leafCount, blob);
  if (expectedRoot !== undefined && !hexEquals(tree.root, expectedRoot))
    throw new MerkleError("ROOT_MISMATCH", "the tree's root is not the expected root", {
      metaMessages: [`expected: ${expectedRoot}`, `tree:     ${tree.root}`],
    });
  return tree;
}

/** The leaves (the last leafCount nodes) must be strictly descending in node order. */
function checkLeavesSorted(nodes: Uint8Array, leafCount: number): void {
  const view = new DataView(nodes.buffer, nodes.byteOffset, nodes.byteLength);
  const last = 2 * leafCount - 2;
  for (let node = leafCount - 1; node < last; node++) {
    const a = node * 32;
    const b = a + 32;
    const x = view.getUint32(a);
    const y = view.getUint32(b);
    if (x > y) continue;
    if (x < y || compareBytes(nodes.subarray(a, a + 32), nodes.subarray(b, b + 32)) <= 0)
      throw new MerkleError("INVALID_TREE_BYTES", "not a serialised Merkle tree: its leaves are not sorted and unique", {
        details: `sorted leaves ${last - node} and ${last - node + 1}: ${toHex(nodes.subarray(b, b + 32))}, ${toHex(nodes.subarray(a, a + 32))}`,
      });
  }
}

/** Recomputes every inner node from the leaves and compares with the stored ones. */
function checkInnerNodes(nodes: Uint8Array, leafCount: number, threads: number): void {
  const target = treeKeccak(BLOB_OFFSET + nodes.byteLength);
  const copy = new Uint8Array(target.memory.buffer, BLOB_OFFSET, nodes.byteLength);
  const firstLeaf = (leafCount - 1) * 32;
  copy.set(nodes.subarray(firstLeaf), firstLeaf);
  hashTreeNodes({ target, tree: BLOB_OFFSET, leafCount, barrier: BARRIER_OFFSET, threads });
  if (bytesEqual(nodes.subarray(0, firstLeaf), copy.subarray(0, firstLeaf))) return;
  let node = 0;
  while (bytesEqual(nodes.subarray(node * 32, node * 32 + 32), copy.subarray(node * 32, node * 32 + 32))) node++;
  throw new MerkleError("INVALID_TREE_BYTES", `not a consistent Merkle tree: node ${node} is not the hash of its children`);
}
