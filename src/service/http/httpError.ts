import { BaseError, type BaseErrorParameters } from "../../core/errors/base.js";
import type { InputErrorCode } from "../../core/errors/input.js";
import type { StoreErrorCode } from "../../core/errors/store.js";

export type HttpErrorCode =
  | "NOT_FOUND"
  | "METHOD_NOT_ALLOWED"
  | "UNAUTHENTICATED"
  | "INVALID_TOKEN"
  | "FORBIDDEN"
  | "UNSUPPORTED_MEDIA_TYPE"
  | "BODY_TOO_LARGE"
  | "INVALID_IDEMPOTENCY_KEY"
  | "IDEMPOTENCY_KEY_REUSED"
  | "NOT_CONFIRMED"
  | "SHUTTING_DOWN"
  | "CHAIN_UNAVAILABLE"
  | "STORE_INCONSISTENT"
  | "INTERNAL";

/**
 * An HTTP answer other than success, with the status it maps to (input and store errors keep
 * their codes: `DUPLICATE_KEY`, `STORE_UNAVAILABLE`). The API writes it as
 * `{ "error": { "code", "message", "path"?, "details"?, "hints"? } }` (plus `extra` fields at the
 * top level): the CLI's `--json` error shape too (src/core/errors/errorBody.ts).
 */
export class HttpError extends BaseError<HttpErrorCode | InputErrorCode | StoreErrorCode> {
  override name = "HttpError";
  readonly status: number;
  /** The request field or header at fault (`$.record.subject`, `Idempotency-Key`). */
  readonly path: string | undefined;
  /** Extra response headers (`Allow`, `WWW-Authenticate`, `Retry-After`). */
  readonly headers: Readonly<Record<string, string>>;
  /** Fields added beside `error` in the response body (e.g. the entry's `status`). */
  readonly extra: Readonly<Record<string, unknown>>;
  /** Close the connection after answering (an unread oversized body). */
  readonly close: boolean;
  constructor(
    status: number,
    code: HttpErrorCode | InputErrorCode | StoreErrorCode,
    shortMessage: string,
    parameters: BaseErrorParameters & { path?: string; headers?: Record<string, string>; extra?: Record<string, unknown>; close?: boolean } = {},
  ) {
    super(code, shortMessage, parameters);
    this.status = status;
    this.path = parameters.path;
    this.headers = parameters.headers ?? {};
    this.extra = parameters.extra ?? {};
    this.close = parameters.close ?? false;
  }
}
