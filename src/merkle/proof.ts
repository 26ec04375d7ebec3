import { type InputError, invalid } from "../core/errors/input.js";
import { MerkleError } from "../core/errors/merkle.js";
import { hexDigitsToBytes } from "../core/bytes.js";
import { keccak256Bytes } from "../core/keccak.js";
import { type Hex, hexEquals, parseHexBytes, toHex, typeName } from "../core/hex.js";

/**
 * The longest proof accepted. A tree of 2^25 leaves (the most one holds) needs 25 elements;
 * anything much longer is an attack on the verifier's time, not a proof.
 */
export const MAX_PROOF_LENGTH = 64;

export type ProcessProofErrorType = InputError | MerkleError;

/**
 * The root that `proof` leads to from `leaf`: `leaf` hashed with each proof element in turn,
 * each pair in ascending byte order — OpenZeppelin `MerkleProof.processProof` and
 * @openzeppelin/merkle-tree's `processProof`. Pure; the proof is treated as hostile: it must be
 * an array of at most MAX_PROOF_LENGTH bytes32 hex strings (InputError naming `proof[i]`,
 * MerkleError PROOF_TOO_LONG).
 *
 * @example
 * import { processProof } from "provenance-ledger";
 * const root = processProof(receipt.leaf, receipt.proof);
 */
export function processProof(leaf: Hex, proof: readonly Hex[]): Hex {
  const start = parseHexBytes(leaf, "leaf");
  if (!Array.isArray(proof)) invalid("INVALID_ARGUMENT", `expected an array of bytes32 hex strings, got ${typeName(proof)}`, "proof");
  if (proof.length > MAX_PROOF_LENGTH)
    throw new MerkleError("PROOF_TOO_LONG", `a proof of ${proof.length} elements is longer than the ${MAX_PROOF_LENGTH} accepted`);
  const elements = proof.map((element: unknown, i) => parseHexBytes(element, `proof[${i}]`));
  // Commutative keccak256 (OpenZeppelin's Hashes.commutativeKeccak256) up the proof, with core's
  // keccak256: @noble/hashes wherever a verifier runs, WebAssembly once src/local/nodeKeccak.ts is loaded.
  let node = hexDigitsToBytes(start.slice(2));
  const pair = new Uint8Array(64);
  for (const element of elements) {
    const sibling = hexDigitsToBytes(element.slice(2));
    const [a, b] = compareBytes(node, sibling) <= 0 ? [node, sibling] : [sibling, node];
    pair.set(a, 0);
    pair.set(b, 32);
    node = keccak256Bytes(pair);
  }
  return toHex(node);
}

/**
 * Whether `proof` proves `leaf` under `root` (`MerkleProof.verify`, `StandardMerkleTree.verify`
 * for an already-hashed leaf). The root is compared in constant time. Returns false for a
 * well-formed proof that does not lead to `root`; throws like `processProof` for a malformed
 * one, and InputError for a malformed `root`.
 *
 * @example
 * import { verifyMerkleProof } from "provenance-ledger";
 * if (!verifyMerkleProof(anchoredRoot, leaf, proof)) throw new Error("not in the batch");
 */
export function verifyMerkleProof(root: Hex, leaf: Hex, proof: readonly Hex[]): boolean {
  const expected = parseHexBytes(root, "root");
  return hexEquals(processProof(leaf, proof), expected);
}

/** Byte order of two 32-byte values (as Solidity compares bytes32). */
function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < 32; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}
