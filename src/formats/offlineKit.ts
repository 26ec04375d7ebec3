// Format `provenance-offline-kit-v1`: the JSON-RPC answers a light verification needed, recorded
// (src/verify/lightclient/offlineKit.ts records and replays them). A document like any other here:
// parsed strictly, nothing in it trusted (every answer is checked as a live node's would be).
import { invalid } from "../core/errors/input.js";
import { refusedAs } from "../core/errors/lightClient.js";
import { distinct, parseSpec, type Spec, s } from "../core/spec/spec.js";

/** Methods that read the chain. The combinators refuse anything else (they never sign or send). */
export const READ_METHOD_NAMES = [
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
] as const;
/** {@link READ_METHOD_NAMES} as a set. */
export const READ_METHODS: ReadonlySet<string> = new Set(READ_METHOD_NAMES);

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

// The spec (src/core/spec/): parser, schemas/offline-kit-v1.schema.json and the docs/offline-kit.md
// table are all read from it. The engine refuses with InputError; parseOfflineKit tells that as
// LightClientError (check offline-kit) at the same field, as the light client's other refusals.
const CODE = "INVALID_BUNDLE";

// Any JSON value, as received: a question's parameters and the node's answer are checked by the
// light client when replayed (as a live node's would be), not here.
const asReceived = <T>(schema: Record<string, unknown>, docType: string, check: (value: unknown) => boolean, message: string) =>
  s.custom<T>((value, path, code) => (check(value) ? (value as T) : invalid(code, message, path)), schema, docType);

const answerSpec = s.object({
  method: asReceived<string>(
    { enum: [...READ_METHOD_NAMES] },
    "a reading method",
    (m) => typeof m === "string" && READ_METHODS.has(m),
    "is not a reading JSON-RPC method",
  ).describe("A JSON-RPC method that reads the chain."),
  params: asReceived<readonly unknown[]>({ type: "array" }, "array", Array.isArray, "must be an array").describe("The request's params, as sent."),
  result: asReceived<unknown>({}, "any JSON", () => true, "").describe("The node's JSON-RPC result, as received (null when it had none)."),
});

// A kit answers each question once: a second answer to it is refused, naming it ("is already listed as answers[i]").
const [oneAnswerEach] = distinct<RecordedAnswer>((a) => offlineKitQuestion(a.method, a.params));

/** Version 1's spec. */
export const offlineKitSpec = s.object({
  format: s
    .custom<typeof OFFLINE_KIT_FORMAT>(
      (value, path, code) =>
        value === OFFLINE_KIT_FORMAT
          ? OFFLINE_KIT_FORMAT
          : invalid(code, `unknown format ${JSON.stringify(value)?.slice(0, 80)}; this version reads "${OFFLINE_KIT_FORMAT}"`, path),
      { const: OFFLINE_KIT_FORMAT },
      `\`"${OFFLINE_KIT_FORMAT}"\``,
      { versionTag: true },
    )
    .describe("this format; loaders refuse any other"),
  answers: s
    .array(answerSpec, 0, MAX_OFFLINE_KIT_ANSWERS)
    .refine(oneAnswerEach, { doc: "a question (method and params) is asked once (checked by the parser)" })
    .describe("The recorded answers, one per question, in the order first asked"),
}) satisfies Spec<OfflineKit>;

/** Parses a kit (a value from strictly parsed JSON). Refuses unknown formats, members and methods, and repeated questions. */
export function parseOfflineKit(value: unknown, field = "offlineKit"): OfflineKit {
  return refusedAs("offline-kit", () => parseSpec(offlineKitSpec, value, field, CODE));
}
