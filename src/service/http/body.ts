// Reading requests: a strictly parsed JSON body within the size limit, and idempotency keys.
import type { IncomingMessage } from "node:http";
import { parseJsonBytes } from "../../core/parseJson.js";
import { HttpError } from "./httpError.js";

/** Reads and strictly parses a JSON request body (UTF-8, no duplicate keys, no lone surrogates). */
export async function readJson(request: IncomingMessage, limit: number): Promise<unknown> {
  const type = request.headers["content-type"];
  const [media, ...params] = (type ?? "").split(";").map((s) => s.trim().toLowerCase());
  const charset = params
    .find((p) => p.startsWith("charset="))
    ?.slice(8)
    .replace(/"/g, "");
  if (media !== "application/json" || (charset !== undefined && charset !== "utf-8"))
    throw new HttpError(
      415,
      "UNSUPPORTED_MEDIA_TYPE",
      `expected Content-Type: application/json (UTF-8), got ${type === undefined ? "none" : JSON.stringify(type)}`,
      { path: "Content-Type" },
    );
  return parseJsonBytes(await readBody(request, limit), "request body");
}

/**
 * The request body, at most `limit` bytes. Beyond it: 413. A moderately oversized body is read to
 * its end and discarded, so the client sees the answer (not a reset) and the connection stays
 * usable; a huge one is cut off and the connection closed.
 */
function readBody(request: IncomingMessage, limit: number): Promise<Uint8Array> {
  const drainCap = Math.max(4 * limit, 4 * 1024 * 1024);
  const tooLarge = (close: boolean) =>
    new HttpError(413, "BODY_TOO_LARGE", `the request body is larger than ${limit} bytes, this service's limit (--max-body)`, { close, extra: { limit } });
  return new Promise((resolve, reject) => {
    const declared = request.headers["content-length"] === undefined ? undefined : Number(request.headers["content-length"]);
    if (declared !== undefined && declared > drainCap) {
      request.pause();
      reject(tooLarge(true));
      return;
    }
    const chunks: Buffer[] = [];
    let total = 0;
    const onData = (chunk: Buffer): void => {
      total += chunk.length;
      if (total <= limit) chunks.push(chunk);
      else if (total > drainCap) {
        request.off("data", onData);
        request.pause();
        reject(tooLarge(true));
      } else chunks.length = 0;
    };
    request.on("data", onData);
    request.once("end", () => (total > limit ? reject(tooLarge(false)) : resolve(Buffer.concat(chunks))));
    // The client went away mid-body: its fault, not ours (and nobody is left to read the answer).
    request.once("error", (cause) =>
      reject(new HttpError(400, "INVALID_ARGUMENT", "the request body was not received completely (the connection closed)", { cause })),
    );
  });
}

/** The `Idempotency-Key` header, checked; undefined without one. */
export function idempotencyKeyHeader(request: IncomingMessage): string | undefined {
  const value = request.headers["idempotency-key"];
  if (value === undefined) return undefined;
  if (Array.isArray(value)) throw new HttpError(400, "INVALID_IDEMPOTENCY_KEY", "send one Idempotency-Key header", { path: "Idempotency-Key" });
  return checkIdempotencyKey(value, "Idempotency-Key");
}

/** An idempotency key: 1 to 200 printable ASCII characters. */
export function checkIdempotencyKey(value: unknown, path: string): string {
  if (typeof value !== "string" || !/^[\x20-\x7e]{1,200}$/.test(value))
    throw new HttpError(400, "INVALID_IDEMPOTENCY_KEY", "an idempotency key is 1 to 200 printable ASCII characters", { path });
  return value;
}
