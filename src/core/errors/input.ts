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
  | "INVALID_POLICY"
  // Files the CLI reads by name (src/cli/readJsonFile.ts): a symlink, FIFO, device or directory;
  // larger than the limit of its kind; not UTF-8
  | "NOT_A_REGULAR_FILE"
  | "FILE_TOO_LARGE"
  | "INVALID_UTF8";

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

/**
 * The one place a refusal of input is built and thrown: an InputError with `code`, naming the field
 * at fault by `path` when there is one (the message then starts with it), with its `cause`.
 * Formats reach it through their specs (src/core/spec/) and the validate.ts checks; the CLI through
 * its argument helpers (src/cli/usage.ts).
 *
 * @example
 * invalid("INVALID_RECORD", "unknown field", "record.extra"); // throws "record.extra: unknown field"
 */
export function invalid(code: InputErrorCode, message: string, path?: string, cause?: unknown): never {
  throw new InputError(code, message, { ...(path === undefined ? {} : { path }), ...(cause === undefined ? {} : { cause }) });
}

/**
 * Refuses a document whose `format` is not one this version reads (UNSUPPORTED_FORMAT at `path`):
 * `unknown <what> format "<format>"; this version reads <reads>`, `reads` being the accepted names as
 * the caller words them (`"provenance-receipt-v1"`).
 */
export function unsupportedFormat(what: string, format: unknown, reads: string, path: string): never {
  return invalid("UNSUPPORTED_FORMAT", `unknown ${what} format ${JSON.stringify(format)}; this version reads ${reads}`, path);
}

/**
 * Throws `error` again naming the field by `path` (and with `code`): a parser's error, whose path
 * starts at its own root (`$.x`, `receipt.format`), told from the enclosing document (`envelope.payload.x`).
 */
export function rebase(error: InputError, path: string, code: InputErrorCode = error.code): never {
  return invalid(code, error.path === undefined ? error.shortMessage : error.shortMessage.slice(error.path.length + 2), path, error);
}
