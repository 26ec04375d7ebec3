import { BaseError } from "./base.js";
import { VerificationError } from "./verification.js";

/**
 * The one machine-readable shape of an error, shared by the CLI's `--json` output and the HTTP
 * API's error bodies (`{ "error": ErrorBody }`; docs/cli.md#errors, docs/service-api.md).
 */
export type ErrorBody = {
  /** Stable code: `INVALID_ARGUMENT`, `NOT_FOUND`…; for a verification failure, the check's name. */
  code: string;
  /** One line for people. */
  message: string;
  /** The input field or header at fault (`$.record.subject`, `trust.chainId`, `Authorization`). */
  path?: string;
  /** The verification check that failed (`artifact-digest`, `signature`…). */
  check?: string;
  /** More detail for people. */
  details?: string;
  /** What to do about it. */
  hints?: string[];
};

/**
 * The {@link ErrorBody} of a thrown value. `message` is the error's own short message
 * (an `InputError`'s message already starts with its `path`). A value that is not one of ours is
 * `INTERNAL` with its message: callers that must not reveal it (the HTTP API) map it first.
 *
 * @example
 * import { errorBody } from "../../errors/errors/errorBody.js";
 * errorBody(new InputError("INVALID_ARGUMENT", "must be a number", { path: "$.n" }));
 * // { code: "INVALID_ARGUMENT", message: "$.n: must be a number", path: "$.n" }
 */
export function errorBody(error: unknown): ErrorBody {
  if (!(error instanceof BaseError)) return { code: "INTERNAL", message: error instanceof Error ? error.message : String(error) };
  const path = (error as { path?: unknown }).path;
  return {
    code: error.code,
    message: error.shortMessage,
    ...(typeof path === "string" ? { path } : {}),
    ...(error instanceof VerificationError ? { check: error.check } : {}),
    ...(error.details ? { details: error.details } : {}),
    ...(error.metaMessages.length ? { hints: [...error.metaMessages] } : {}),
  };
}
