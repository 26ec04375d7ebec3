import { MerkleError } from "../core/errors/merkle.js";
import { bytesEqual, compareBytes } from "../core/bytes.js";
import { type Hex, hexToBytes, parseHexBytes, toHex } from "../core/hex.js";
import { scratchKeccak } from "./keccak.js";
import type { MerkleTree } from "./tree.js";

/** The serialisation format of `toBytes()`: magic "PLMT", then this version, in the header. */
export const TREE_FORMAT_VERSION = 1;
/** Bytes before the nodes in `toBytes()`. */
export const TREE_HEADER_BYTES = 32;
/** The most leaves one tree holds (2^25: 2 GiB of nodes; a proof is then 25 hashes). */
export const MAX_LEAF_COUNT = 2 ** 25;
const MAGIC = [0x50, 0x4c, 0x4d, 0x54]; // "PLMT"

/**
 * Writes the header of `toBytes()` at the start of `bytes`: bytes 0–3 "PLMT", byte 4 the format
 * version, bytes 8–11 the leaf count (uint32, big-endian), every other byte zero.
 */
export function writeTreeHeader(bytes: Uint8Array, leafCount: number): void {
  bytes.fill(0, 0, TREE_HEADER_BYTES);
  bytes.set(MAGIC, 0);
  bytes[4] = TREE_FORMAT_VERSION;
  new DataView(bytes.buffer, bytes.byteOffset, TREE_HEADER_BYTES).setUint32(8, leafCount);
}

/** Reads the header written by `writeTreeHeader`; returns the leaf count or why it is not one. */
export function readTreeHeader(bytes: Uint8Array): number | string {
  if (bytes.length < TREE_HEADER_BYTES) return `${bytes.length} bytes is shorter than the header`;
  if (MAGIC.some((byte, i) => bytes[i] !== byte)) return "wrong magic (expected PLMT)";
  if (bytes[4] !== TREE_FORMAT_VERSION) return `unsupported format version ${bytes[4]} (this library reads version ${TREE_FORMAT_VERSION})`;
  for (let i = 5; i < TREE_HEADER_BYTES; i++) if ((i < 8 || i >= 12) && bytes[i] !== 0) return `reserved header byte ${i} is not zero`;
  return new DataView(bytes.buffer, bytes.byteOffset, TREE_HEADER_BYTES).getUint32(8);
}

/**
 * The MerkleTree over `2·leafCount − 1` nodes in OpenZeppelin's array layout, already known to
 * be well-formed (length, sorted unique leaves). `blob` is header + nodes when there is one.
 */
export class ArrayMerkleTree implements MerkleTree {
  readonly root: Hex;
  readonly leafCount: number;
  readonly nodes: Uint8Array;
  #blob: Uint8Array | undefined;

  constructor(nodes: Uint8Array, leafCount: number, blob?: Uint8Array) {
    this.nodes = nodes;
    this.leafCount = leafCount;
    this.#blob = blob;
    this.root = this.#nodeHex(0);
  }

  leafAt(index: number): Hex {
    const offset = this.#leafOffset(index);
    return this.#nodeHex(offset / 32);
  }

  indexOf(leaf: Hex): number {
    const target = hexToBytes(parseHexBytes(leaf, "leaf"));
    // Sorted index i lives at node 2n−2−i: in node order the leaves are descending.
    let low = 0;
    let high = this.leafCount - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const offset = (2 * this.leafCount - 2 - middle) * 32;
      const order = compareBytes(this.nodes.subarray(offset, offset + 32), target);
      if (order === 0) return middle;
      if (order < 0) low = middle + 1;
      else high = middle - 1;
    }
    return -1;
  }

  getProof(leaf: Hex | number): Hex[] {
    let index: number;
    if (typeof leaf === "number") index = leaf;
    else {
      index = this.indexOf(leaf);
      if (index < 0) {
        const hex = leaf.toLowerCase() as Hex;
        throw new MerkleError("LEAF_NOT_FOUND", `leaf ${hex} is not in the tree`, { leaf: hex });
      }
    }
    let node = this.#leafOffset(index) / 32;
    const { wasm, bytes } = scratchKeccak(32 + 64 * 32);
    bytes.set(this.nodes.subarray(node * 32, node * 32 + 32), 0);
    const proof: Hex[] = [];
    while (node > 0) {
      const sibling = node % 2 === 1 ? node + 1 : node - 1;
      bytes.set(this.nodes.subarray(sibling * 32, sibling * 32 + 32), 32 + proof.length * 32);
      proof.push(this.#nodeHex(sibling));
      node = (node - 1) >>> 1;
    }
    // Like OpenZeppelin's getProof, never hand out a proof that does not lead to the root
    // (a loaded blob is only checked for sortedness unless verifyNodes was asked for).
    wasm.processProof(0, 32, proof.length);
    if (!bytesEqual(this.nodes.subarray(0, 32), bytes.subarray(0, 32)))
      throw new MerkleError("INVALID_TREE_BYTES", "the tree's nodes are inconsistent: a proof does not lead to the root", {
        details: `leaf ${this.leafAt(index)} (sorted index ${index})`,
      });
    return proof;
  }

  toBytes(): Uint8Array {
    if (!this.#blob) {
      const blob = new Uint8Array(TREE_HEADER_BYTES + this.nodes.byteLength);
      writeTreeHeader(blob, this.leafCount);
      blob.set(this.nodes, TREE_HEADER_BYTES);
      this.#blob = blob;
    }
    return this.#blob;
  }

  /** Node `node` as 0x hex. */
  #nodeHex(node: number): Hex {
    return toHex(this.nodes.subarray(node * 32, node * 32 + 32));
  }

  /** Byte offset in `nodes` of the leaf with sorted index `index`. */
  #leafOffset(index: number): number {
    if (!Number.isSafeInteger(index) || index < 0 || index >= this.leafCount)
      throw new MerkleError("INDEX_OUT_OF_RANGE", `leaf index ${index} is not in [0, ${this.leafCount})`);
    return (2 * this.leafCount - 2 - index) * 32;
  }
}
