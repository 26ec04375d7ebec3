import { BaseError, type BaseErrorParameters } from "./base.js";
import { InputError, type InputErrorCode, invalid } from "./input.js";

/**
 * The checks of the light client (`src/verify/lightclient/`), each named in the error that refuses data:
 * - `rlp`: bytes that are not canonical RLP, or not the expected shape.
 * - `header`: a block header field missing, mistyped or of the wrong size.
 * - `extra-data`: a QBFT extraData that does not decode (vanity, validators, vote, round, seals).
 * - `mix-hash`, `difficulty`: QBFT's constant fields.
 * - `block-number`, `parent-hash`: a header that does not follow the last verified one.
 * - `block-hash`: a header whose computed hash is not the hash it was presented with.
 * - `timestamp`: a header older than its parent.
 * - `validators`: the set listed in a header is not the set in force (block-header mode), or is not
 *   empty (contract mode).
 * - `vote`: a vote in a contract-mode header.
 * - `coinbase`: the proposer is not a validator.
 * - `commit-seal`: a seal that does not recover, recovers to a non-validator, or repeats a validator.
 * - `seal-quorum`: fewer distinct validators than ceil(2n/3) sealed the header.
 * - `validator-proof`: the validator contract's storage proof does not prove the set.
 * - `trust-file`, `checkpoint`: a pinned starting point that does not parse or does not apply.
 * - `account-proof`, `storage-proof`, `receipt-proof`: a Merkle-Patricia proof that does not prove
 *   the value against the verified root.
 * - `registry-code`: the pinned registry address does not hold ProvenanceRegistry's code, so its
 *   storage cannot be read with the registry's layout (light mode).
 * - `unprovable`: a question the light reader cannot answer from proofs (a call of another function
 *   or contract, logs over a range of blocks): refused rather than answered unproven.
 * - `quorum-unavailable`: quorum mode got fewer answers than it needs (endpoints down or erring).
 * - `quorum-disagreement`: quorum mode's endpoints answered, but no single answer reached k.
 * - `offline-kit`: an offline kit that does not parse, or has no recorded answer to a question the
 *   verification asked (offline verification never falls back to a network).
 */
export type LightClientCheck =
  | "rlp"
  | "header"
  | "extra-data"
  | "mix-hash"
  | "difficulty"
  | "block-number"
  | "parent-hash"
  | "block-hash"
  | "timestamp"
  | "validators"
  | "vote"
  | "coinbase"
  | "commit-seal"
  | "seal-quorum"
  | "validator-proof"
  | "trust-file"
  | "checkpoint"
  | "account-proof"
  | "storage-proof"
  | "receipt-proof"
  | "registry-code"
  | "unprovable"
  | "quorum-unavailable"
  | "quorum-disagreement"
  | "offline-kit";

/**
 * Data from an RPC node (headers, proofs, receipts) or a pinned file that the light client refused.
 * `check` names the check; `field` names the offending field (e.g. `extraData.seals[2]`), and the
 * message starts with it.
 *
 * @example
 * import { LightClientError } from "provenance-ledger";
 * try { verifyQbftHeader(header, validators) } catch (e) {
 *   if (e instanceof LightClientError) console.error(e.check, e.field, e.shortMessage);
 * }
 */
export class LightClientError extends BaseError<LightClientCheck> {
  override name = "LightClientError";
  readonly field: string | undefined;
  get check(): LightClientCheck {
    return this.code;
  }
  constructor(check: LightClientCheck, shortMessage: string, parameters: BaseErrorParameters & { field?: string | undefined } = {}) {
    super(check, parameters.field ? `${parameters.field}: ${shortMessage}` : shortMessage, parameters);
    this.field = parameters.field;
  }
}

/**
 * Runs `parse` (a spec's parser, src/core/spec/), telling its refusal, an InputError naming a field,
 * as a LightClientError with `check` at the same field: a pinned file or a kit is refused as the
 * light client refuses any data.
 */
export function refusedAs<T>(check: LightClientCheck, parse: () => T): T {
  try {
    return parse();
  } catch (cause) {
    if (!(cause instanceof InputError)) throw cause;
    const message = cause.path === undefined ? cause.shortMessage : cause.shortMessage.slice(cause.path.length + 2);
    throw new LightClientError(check, message, { ...(cause.path === undefined ? {} : { field: cause.path }), cause });
  }
}

/**
 * Throws `error`, a pinned file's refusal, again as an InputError with `code` at the same field
 * (`path` when it names none), the field said once: the inverse of {@link refusedAs}, for a reader
 * that tells a pinned file's errors as its own (the CLI's `--qbft-trust`, a trust file's `qbft`).
 */
export function refusedAsInput(error: LightClientError, code: InputErrorCode, path?: string): never {
  const message = error.field ? error.shortMessage.slice(error.field.length + 2) : error.shortMessage;
  return invalid(code, message, error.field ?? path, error);
}
