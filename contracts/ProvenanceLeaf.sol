// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/**
 * @title ProvenanceLeaf
 * @notice The leaf rule of provenance-ledger batches, shared with `src/merkle/leaf.ts` (a test proves they agree).
 * @dev `leaf = keccak256(bytes.concat(keccak256(abi.encode(subjectDigest, recordHash))))`.
 *
 * This is exactly the leaf of OpenZeppelin's `StandardMerkleTree` for the value `[subjectDigest, recordHash]`
 * with encoding `["bytes32", "bytes32"]`. The double hash makes a leaf (64-byte preimage hashed twice) impossible
 * to confuse with an inner node (two 32-byte children hashed once), which rules out second-preimage attacks on
 * {MerkleProof}.
 */
library ProvenanceLeaf {
    /**
     * @notice The Merkle leaf of the record `recordHash` about the subject (model artefact) `subjectDigest`.
     * @param subjectDigest Digest of the subject (e.g. the model manifest digest).
     * @param recordHash Hash of the canonical provenance record.
     * @return The double-hashed leaf.
     */
    function hash(bytes32 subjectDigest, bytes32 recordHash) internal pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(subjectDigest, recordHash))));
    }
}
