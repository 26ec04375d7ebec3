import { BaseError, type BaseErrorParameters } from "./base.js";

export type InputErrorCode =
  | "INVALID_HEX"
  | "INVALID_JSON"
  | "INVALID_RECORD"
  | "INVALID_RECEIPT"
  | "UNSUPPORTED_FORMAT"
  | "INVALID_ARGUMENT";

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
