import { keccak_256 } from "@noble/hashes/sha3.js";
import { bytesToHexDigits, hexDigitsToBytes } from "../core/bytes.js";
import { type Hex, parseHexBytes } from "../core/hex.js";

/**
 * The leaf rule, shared with `contracts/ProvenanceLeaf.sol` (a test proves they agree):
 *
 *     leaf = keccak256(bytes.concat(keccak256(abi.encode(bytes32 subjectDigest, bytes32 recordHash))))
 *
 * It is exactly OpenZeppelin StandardMerkleTree's leaf for the value
 * `[subjectDigest, recordHash]` with encoding `["bytes32", "bytes32"]`: double-hashed, so a
 * leaf can never be confused with an inner node (second-preimage safe).
 *
 * @example
 * import { recordLeaf } from "provenance-ledger";
 * const leaf = recordLeaf(subjectDigest, recordHash);
 */
export function recordLeaf(subjectDigest: Hex, recordHash: Hex): Hex {
  // abi.encode(bytes32, bytes32) is the two values back to back. One leaf at a time with
  // @noble/hashes (platform-neutral: this is on the verification path); whole batches of leaves
  // go through WebAssembly (assembly/keccak.ts `recordLeaves`). test/merkle/merkle-keccak.test.ts checks
  // both against viem, test/chain/registry.test.ts against Solidity.
  const subject = parseHexBytes(subjectDigest, "subjectDigest");
  const record = parseHexBytes(recordHash, "recordHash");
  const bytes = new Uint8Array(64);
  bytes.set(hexDigitsToBytes(subject.slice(2)), 0);
  bytes.set(hexDigitsToBytes(record.slice(2)), 32);
  return `0x${bytesToHexDigits(keccak_256(keccak_256(bytes)))}`;
}

/** The leaf encoding for @openzeppelin/merkle-tree's StandardMerkleTree. */
export const LEAF_ENCODING = ["bytes32", "bytes32"] as const;
