import { sha256Hex } from "../core/bytes.js";
import { canonicalJson } from "../core/canonicalJson.js";
import type { Hex } from "../core/hex.js";
import { buildMerkleTree } from "../merkle/buildMerkleTree.js";
import type { MerkleTree } from "../merkle/tree.js";

/** The software that sealed a batch, recorded in its metadata. */
export const SOFTWARE = "provenance-ledger/0.1.0";

/** The `format` of the metadata every batch commits to (docs/formats.md). */
export const BATCH_METADATA_FORMAT = "provenance-batch-metadata-v1";

/** A sealed batch's tree and the metadata anchored with its root. */
export type BuiltBatch = { readonly tree: MerkleTree; readonly metadata: string; readonly metadataHash: Hex };

/**
 * Builds a batch from its leaves: the Merkle tree and the metadata document (canonical JSON)
 * whose SHA-256 is anchored with the root. The one rule shared by `sealBatch` (the local ledger)
 * and the anchoring service, so both commit to the same metadata.
 *
 * @example
 * import { buildBatch } from "provenance-ledger";
 * const { tree, metadataHash } = buildBatch(leaves, new Date());
 */
export function buildBatch(leaves: readonly Hex[], sealedAt: Date): BuiltBatch {
  const tree = buildMerkleTree(leaves);
  const metadata = canonicalJson({
    format: BATCH_METADATA_FORMAT,
    root: tree.root,
    leafCount: tree.leafCount,
    sealedAt: sealedAt.toISOString(),
    software: SOFTWARE,
  });
  return { tree, metadata, metadataHash: `0x${sha256Hex(metadata)}` };
}
