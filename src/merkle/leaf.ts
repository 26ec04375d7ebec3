import { bytesToHexDigits, hexDigitsToBytes } from "../core/bytes.js";
import { type Hex, parseHexBytes } from "../core/hex.js";
import { scratchKeccak } from "./keccak.js";

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
  // abi.encode(bytes32, bytes32) is the two values back to back; both hashes in WebAssembly
  // (assembly/keccak.ts `recordLeaves`, as hashPair and proofs: WebAssembly runs in every runtime
  // the verifier targets), about 3x faster per leaf than @noble/hashes, which matters when the
  // service builds leaves for every entry it takes in. test/merkle/merkle-keccak.test.ts checks
  // it against viem and @noble/hashes, test/chain/registry.test.ts against Solidity.
  const subject = parseHexBytes(subjectDigest, "subjectDigest");
  const record = parseHexBytes(recordHash, "recordHash");
  const { wasm, bytes } = scratchKeccak(64);
  bytes.set(hexDigitsToBytes(subject.slice(2)), 0);
  bytes.set(hexDigitsToBytes(record.slice(2)), 32);
  wasm.recordLeaves(0, 1, 0);
  return `0x${bytesToHexDigits(bytes.subarray(0, 32))}`;
}

/** The leaf encoding for @openzeppelin/merkle-tree's StandardMerkleTree. */
export const LEAF_ENCODING = ["bytes32", "bytes32"] as const;
