import type { LedgerEntry } from "../formats/entry.js";
import type { Hex } from "../core/hex.js";
import { loadMerkleTree } from "../merkle/loadMerkleTree.js";
import { RECEIPT_FORMAT, type Receipt, type ReceiptAnchor, entryField } from "../formats/receipt.js";

export type AssembleReceiptParameters = {
  readonly entry: LedgerEntry;
  readonly leaf: Hex;
  /** The anchored batch: its root, leaf count, metadata hash and where it was anchored. */
  readonly batch: { readonly root: Hex; readonly leafCount: number; readonly metadataHash: Hex; readonly anchor: ReceiptAnchor };
  /** The batch's stored tree (`MerkleTree.toBytes()`), read back with `loadMerkleTree`. */
  readonly tree: Uint8Array;
};

/**
 * The receipt of one entry of an anchored batch: the entry, its leaf, its proof from the stored
 * tree (which must have the batch's root), the root and where it was anchored. The one place
 * that shapes a `provenance-receipt-v1`, shared by the local ledger and the anchoring service.
 *
 * @example
 * import { assembleReceipt } from "./assembleReceipt.js";
 * const receipt = assembleReceipt({ entry, leaf, batch, tree: store.getBatchTree(batch.id) });
 */
export function assembleReceipt(parameters: AssembleReceiptParameters): Receipt {
  const { entry, leaf, batch } = parameters;
  const tree = loadMerkleTree(parameters.tree, { expectedRoot: batch.root });
  return {
    format: RECEIPT_FORMAT,
    ...entryField(entry),
    leaf,
    proof: tree.getProof(leaf),
    root: batch.root,
    batch: { leafCount: batch.leafCount, metadataHash: batch.metadataHash },
    anchor: batch.anchor,
  };
}
