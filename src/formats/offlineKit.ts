// Format `provenance-offline-kit-v1`: the JSON-RPC answers a light verification needed, recorded
// (src/verify/lightclient/offlineKit.ts records and replays them). A document like any other here:
// parsed strictly, nothing in it trusted (every answer is checked as a live node's would be).
import { LightClientError } from "../core/errors/lightClient.js";

/** Methods that read the chain. The combinators refuse anything else (they never sign or send). */
export const READ_METHODS: ReadonlySet<string> = new Set([
  "eth_chainId",
  "net_version",
  "eth_blockNumber",
  "eth_getBlockByNumber",
  "eth_getBlockByHash",
  "eth_getTransactionByHash",
  "eth_getTransactionReceipt",
  "eth_getBlockReceipts",
  "eth_call",
  "eth_getLogs",
  "eth_getProof",
  "eth_getStorageAt",
  "eth_getCode",
  "eth_getBalance",
  "eth_getTransactionCount",
]);

/**
 * A JSON value as text with object keys sorted (arrays keep their order): two answers that differ
 * only in key order or whitespace are the same answer. Keys of answers, never hashed or signed.
 */
export function sortedJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => sortedJson(v ?? null)).join(",")}]`;
  if (typeof value === "object" && value !== null)
    return `{${Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${sortedJson((value as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  if (typeof value === "bigint") return JSON.stringify(`0x${value.toString(16)}`);
  return JSON.stringify(value ?? null);
}

/** The `format` of a v1 offline kit. Loaders refuse any other. */
export const OFFLINE_KIT_FORMAT = "provenance-offline-kit-v1";

/** Most answers accepted in one kit. */
export const MAX_OFFLINE_KIT_ANSWERS = 200_000;

/** One recorded JSON-RPC exchange. */
export type RecordedAnswer = { readonly method: string; readonly params: readonly unknown[]; readonly result: unknown };

/** Format `provenance-offline-kit-v1` (schema `schemas/offline-kit-v1.schema.json`, docs/offline-kit.md). */
export type OfflineKit = { readonly format: typeof OFFLINE_KIT_FORMAT; readonly answers: readonly RecordedAnswer[] };

/** The key of one question: method and parameters, as JSON with sorted keys. */
export const offlineKitQuestion = (method: string, params: readonly unknown[]): string => `${method} ${sortedJson(params)}`;

/** Parses a kit (a value from strictly parsed JSON). Refuses unknown formats, members and methods, and repeated questions. */
export function parseOfflineKit(value: unknown, field = "offlineKit"): OfflineKit {
  const fail = (message: string, at = field): never => {
    throw new LightClientError("offline-kit", message, { field: at });
  };
  if (typeof value !== "object" || value === null || Array.isArray(value)) return fail("must be an object");
  const o = value as Record<string, unknown>;
  for (const key of Object.keys(o)) if (key !== "format" && key !== "answers") fail("unknown member", `${field}.${key}`);
  if (o.format !== OFFLINE_KIT_FORMAT)
    fail(`unknown format ${JSON.stringify(o.format)?.slice(0, 80)}; this version reads "${OFFLINE_KIT_FORMAT}"`, `${field}.format`);
  if (!Array.isArray(o.answers)) return fail("must be an array", `${field}.answers`);
  if (o.answers.length > MAX_OFFLINE_KIT_ANSWERS) fail(`has ${o.answers.length} answers, at most ${MAX_OFFLINE_KIT_ANSWERS} are read`, `${field}.answers`);
  const seen = new Set<string>();
  const answers = o.answers.map((a: unknown, i): RecordedAnswer => {
    const at = `${field}.answers[${i}]`;
    if (typeof a !== "object" || a === null || Array.isArray(a)) return fail("must be an object", at);
    const e = a as Record<string, unknown>;
    for (const key of Object.keys(e)) if (key !== "method" && key !== "params" && key !== "result") fail("unknown member", `${at}.${key}`);
    if (typeof e.method !== "string" || !READ_METHODS.has(e.method)) fail("is not a reading JSON-RPC method", `${at}.method`);
    if (!Array.isArray(e.params)) fail("must be an array", `${at}.params`);
    if (!("result" in e)) fail("is missing", `${at}.result`);
    const key = offlineKitQuestion(e.method as string, e.params as unknown[]);
    if (seen.has(key)) fail("repeats an earlier question (a kit answers each once)", at);
    seen.add(key);
    return { method: e.method as string, params: e.params as unknown[], result: e.result };
  });
  return { format: OFFLINE_KIT_FORMAT, answers };
}
