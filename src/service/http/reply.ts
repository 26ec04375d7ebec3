// Writing answers: a handler's reply, and every error as one JSON shape. The whole error
// format of the API is `errorBody`; `writeError` is the one place an error reaches the wire.
import type { ServerResponse } from "node:http";
import { BaseError } from "../../core/errors/base.js";
import { ChainError } from "../../core/errors/chain.js";
import { InputError } from "../../core/errors/input.js";
import { StoreError } from "../../core/errors/store.js";
import { type ErrorBody, errorBody as sharedErrorBody } from "../../core/errors/errorBody.js";
import { HttpError } from "./httpError.js";

/** What a route handler answers. */
export type Reply = { readonly status: number; readonly body: unknown; readonly contentType?: string; readonly headers?: Record<string, string> };

/** Maps any thrown error to the HTTP error it is answered with (input 400, store 503/404/409, chain 503, else 500). */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof InputError) return new HttpError(400, error.code, error.shortMessage, { path: error.path ?? "$", cause: error });
  if (error instanceof StoreError) {
    if (error.code === "STORE_UNAVAILABLE" || error.code === "STORE_VERSION")
      return new HttpError(503, error.code, `the store cannot take or serve requests now; nothing was acknowledged: ${error.shortMessage}`, {
        cause: error,
        headers: { "retry-after": "1" },
      });
    if (error.code === "NOT_FOUND") return new HttpError(404, "NOT_FOUND", error.shortMessage, { cause: error });
    return new HttpError(409, error.code, error.shortMessage, { cause: error });
  }
  if (error instanceof ChainError) return new HttpError(503, "CHAIN_UNAVAILABLE", `the chain did not answer: ${error.shortMessage}`, { cause: error });
  if (error instanceof BaseError) return new HttpError(500, "INTERNAL", `${error.code}: ${error.shortMessage}`, { cause: error });
  return new HttpError(500, "INTERNAL", "internal error (logged with this request's x-request-id)", { cause: error });
}

/** The body of an error answer: `{ "error": { "code", "message", "path"? } }` plus the error's `extra` fields. */
export function errorBody(e: HttpError): { error: ErrorBody } & Record<string, unknown> {
  // The CLI's --json errors have the same shape (src/core/errors/errorBody.ts).
  return { error: sharedErrorBody(e), ...e.extra };
}

/** Writes an error answer for `error`; `close` closes the connection after it. */
export function writeError(response: ServerResponse, error: unknown, close: boolean): void {
  const e = toHttpError(error);
  send(response, { status: e.status, body: errorBody(e), headers: { ...e.headers } }, close || e.close);
}

/** Writes a reply: JSON unless it says otherwise, never cached. */
export function send(response: ServerResponse, reply: Reply, close: boolean): void {
  const text = typeof reply.body === "string" ? reply.body : `${JSON.stringify(reply.body)}\n`;
  response.writeHead(reply.status, {
    "content-type": reply.contentType ?? "application/json",
    "content-length": Buffer.byteLength(text),
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    ...reply.headers,
    ...(close ? { connection: "close" } : {}),
  });
  response.end(text);
}
