import { BaseError, type BaseErrorParameters } from "./base.js";

export type MerkleErrorCode =
  /** A tree needs at least one leaf. */
  | "EMPTY_TREE"
  /** The same leaf appears twice; `leaf` names it. A record must never be anchored twice. */
  | "DUPLICATE_LEAF"
  /** More leaves than one tree can hold (see MAX_LEAF_COUNT). */
  | "TOO_MANY_LEAVES"
  /** The leaf asked for is not in the tree. */
  | "LEAF_NOT_FOUND"
  /** A leaf index outside [0, leafCount). */
  | "INDEX_OUT_OF_RANGE"
  /** A proof longer than MAX_PROOF_LENGTH elements. */
  | "PROOF_TOO_LONG"
  /** A serialised tree that is truncated, unsorted, inconsistent or of an unknown format. */
  | "INVALID_TREE_BYTES"
  /** A loaded tree whose root is not the one expected. */
  | "ROOT_MISMATCH";

export type MerkleErrorParameters = BaseErrorParameters & {
  /** The leaf concerned, when there is one. */
  leaf?: `0x${string}` | undefined;
};

/**
 * A Merkle tree could not be built, read or proved from.
 *
 * @example
 * import { buildMerkleTree, MerkleError } from "provenance-ledger";
 * try {
 *   buildMerkleTree([leaf, leaf]);
 * } catch (e) {
 *   if (e instanceof MerkleError && e.code === "DUPLICATE_LEAF") console.error("twice:", e.leaf);
 * }
 */
export class MerkleError extends BaseError<MerkleErrorCode> {
  override name = "MerkleError";
  readonly leaf: `0x${string}` | undefined;
  constructor(code: MerkleErrorCode, shortMessage: string, parameters: MerkleErrorParameters = {}) {
    super(code, shortMessage, parameters);
    this.leaf = parameters.leaf;
  }
}
