// Walking a QBFT chain forward from a pinned point: each header must follow the last verified one
// (number and parent hash), carry the seals of the set in force, and move the set on as Besu does.
// Pure: the headers and proofs come from anywhere (an RPC node, a bundle); nothing is trusted but
// the starting point.
import { LightClientError } from "../../core/errors/lightClient.js";
import { bytesToHex, type Hex } from "./bytes.js";
import type { BlockHeader } from "./header.js";
import { verifyQbftHeader } from "./qbft.js";
import type { QbftTrust } from "./trustFile.js";
import { tallyAfterBlock, verifyValidatorContractProof } from "./validatorSet.js";

/** One header to walk through, with what its validator mode needs. */
export type QbftWalkStep = {
  readonly header: BlockHeader;
  /** Contract mode: the `eth_getProof` answer at this block for the validator contract's set slots. */
  readonly validatorProof?: unknown;
  /** The hash a node reported for this block, if any: refused unless it is the computed one. */
  readonly reportedHash?: Hex | undefined;
};

/** What proofs use of a trusted block: where it is, and its roots. */
export type TrustedBlockRoots = Pick<BlockHeader, "number" | "timestamp" | "stateRoot" | "receiptsRoot"> & { readonly hash: Hex };

/** A block whose header the walk verified: its roots can be used for proofs. */
export type VerifiedBlock = TrustedBlockRoots & {
  readonly sealers: readonly Hex[];
  /** The set whose seals this block carries. */
  readonly validators: readonly Hex[];
};

/**
 * Verifies `steps` in order from `trust` (a trust file or a checkpoint) and returns the checkpoint
 * after the last one, with the verified blocks. The first failure throws a `LightClientError` naming
 * the step (`headers[i]…`).
 *
 * @example
 * import { parseQbftTrust, walkQbftHeaders, headerFromRpc } from "provenance-ledger/lightclient";
 * const { checkpoint, blocks } = walkQbftHeaders(parseQbftTrust(json), rpcBlocks.map((b) => ({ header: headerFromRpc(b), reportedHash: b.hash })));
 */
export function walkQbftHeaders(trust: QbftTrust, steps: readonly QbftWalkStep[]): { checkpoint: QbftTrust; blocks: VerifiedBlock[] } {
  let state = trust;
  const blocks: VerifiedBlock[] = [];
  steps.forEach((step, i) => {
    const field = `headers[${i}]`;
    const { header } = step;
    const expectedNumber = BigInt(state.block.number) + 1n;
    if (header.number !== expectedNumber)
      throw new LightClientError("block-number", `is ${header.number}, expected ${expectedNumber} (the block after the last verified one)`, {
        field: `${field}.number`,
      });
    const parentHash = bytesToHex(header.parentHash);
    if (parentHash !== state.block.hash)
      throw new LightClientError("parent-hash", `is ${parentHash}, but the verified block ${state.block.number} is ${state.block.hash}`, {
        field: `${field}.parentHash`,
      });
    // Besu requires at least the block period between blocks; not going back in time is the part every chain shares.
    if (state.block.timestamp !== undefined && header.timestamp < BigInt(state.block.timestamp))
      throw new LightClientError("timestamp", `${header.timestamp} is before the parent's ${state.block.timestamp}`, { field: `${field}.timestamp` });
    const selection = state.validatorSelection;
    const verified = verifyQbftHeader(header, { validators: state.validators, mode: selection.mode }, field);
    if (step.reportedHash !== undefined && step.reportedHash.toLowerCase() !== verified.hash)
      throw new LightClientError("block-hash", `the node reports ${step.reportedHash}, the header hashes to ${verified.hash}`, { field: `${field}.hash` });

    let next: Pick<QbftTrust, "validators" | "votes">;
    if (selection.mode === "header") {
      next = tallyAfterBlock(state, {
        number: header.number,
        proposer: bytesToHex(header.coinbase),
        vote: verified.extra.vote,
        epochLength: BigInt(selection.epochLength),
      });
    } else {
      if (step.validatorProof === undefined)
        throw new LightClientError("validator-proof", "contract mode needs the validator contract's storage proof at every block", {
          field: `${field}.validatorProof`,
        });
      next = {
        validators: verifyValidatorContractProof(
          header.stateRoot,
          selection.contract,
          selection.validatorsSlot,
          step.validatorProof,
          `${field}.validatorProof`,
        ),
        votes: [],
      };
    }
    blocks.push({
      number: header.number,
      hash: verified.hash,
      timestamp: header.timestamp,
      stateRoot: header.stateRoot,
      receiptsRoot: header.receiptsRoot,
      sealers: verified.sealers,
      validators: state.validators,
    });
    state = {
      ...state,
      block: { number: Number(header.number), hash: verified.hash, timestamp: Number(header.timestamp) },
      validators: next.validators,
      votes: next.votes,
    };
  });
  return { checkpoint: state, blocks };
}
