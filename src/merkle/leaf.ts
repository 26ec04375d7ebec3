import { encodeAbiParameters, keccak256 } from "viem";
import type { Hex } from "../hex.js";

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
  return keccak256(keccak256(encodeAbiParameters([{ type: "bytes32" }, { type: "bytes32" }], [subjectDigest, recordHash])));
}

/** The leaf encoding for @openzeppelin/merkle-tree's StandardMerkleTree. */
export const LEAF_ENCODING = ["bytes32", "bytes32"] as const;
