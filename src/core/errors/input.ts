import { BaseError, type BaseErrorParameters } from "./base.js";

export type InputErrorCode =
  | "INVALID_HEX"
  | "INVALID_JSON"
  | "INVALID_RECORD"
  | "INVALID_RECEIPT"
  | "UNSUPPORTED_FORMAT"
  | "INVALID_ARGUMENT"
  // Strict JSON (refused before canonicalisation)
  | "DUPLICATE_KEY"
  | "LONE_SURROGATE"
  | "NUMBER_OUT_OF_RANGE"
  // Attestations (DSSE envelopes, in-toto statements, predicates)
  | "INVALID_ENVELOPE"
  | "INVALID_BASE64"
  | "WRONG_PAYLOAD_TYPE"
  | "INVALID_STATEMENT"
  | "UNKNOWN_PREDICATE"
  | "INVALID_PREDICATE"
  | "INVALID_KEY"
  // Encrypted key files: wrong passphrase or altered file (AES-GCM authentication failed)
  | "KEY_DECRYPTION_FAILED"
  // SBOMs, environment, bundles
  | "INVALID_SBOM"
  | "INVALID_BUNDLE"
  // Verification policies (a verifier's pinned policy file)
  | "INVALID_POLICY";

/**
 * Bad input: malformed hex, JSON, record or receipt, or an unknown format version.
 * `path` names the offending field (e.g. `proof[3]`), when there is one.
 */
export class InputError extends BaseError<InputErrorCode> {
  override name = "InputError";
  readonly path: string | undefined;
  constructor(code: InputErrorCode, shortMessage: string, parameters: BaseErrorParameters & { path?: string } = {}) {
    super(code, parameters.path ? `${parameters.path}: ${shortMessage}` : shortMessage, parameters);
    this.path = parameters.path;
  }
}
