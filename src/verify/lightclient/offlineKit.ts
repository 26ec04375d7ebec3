// The offline verifier kit: a record of the JSON-RPC answers a light verification needed (sealed
// headers from the pinned checkpoint to the head, eth_getProof answers, receipts for the
// receipts-trie proofs). Offline verification is light verification over a transport that answers
// only from the record. Nothing in the kit is trusted: every answer goes through the same checks as
// a live node's (seals against the pinned validator set, proofs against verified roots), so the kit
// adds no trust, and a question it cannot answer is refused (`offline-kit`), never sent anywhere.
import { LightClientError } from "../../core/errors/lightClient.js";
import { type Eip1193Request, READ_METHODS, sortedJson } from "../../chain/transport.js";

/** The `format` of a v1 offline kit. Loaders refuse any other. */
export const OFFLINE_KIT_FORMAT = "provenance-offline-kit-v1";

/** Most answers accepted in one kit. */
export const MAX_OFFLINE_KIT_ANSWERS = 200_000;

/** One recorded JSON-RPC exchange. */
export type RecordedAnswer = { readonly method: string; readonly params: readonly unknown[]; readonly result: unknown };

/** Format `provenance-offline-kit-v1` (schema `schemas/offline-kit-v1.schema.json`, docs/offline-kit.md). */
export type OfflineKit = { readonly format: typeof OFFLINE_KIT_FORMAT; readonly answers: readonly RecordedAnswer[] };

export type RecordingRequest = Eip1193Request & {
  /** The kit of every answer recorded so far, in the order first asked. */
  kit(): OfflineKit;
};

const keyOf = (method: string, params: readonly unknown[]): string => `${method} ${sortedJson(params)}`;

/**
 * Wraps `request` so every answer is recorded (only reading methods pass). Error answers are not
 * recorded: the verification that asked fails, and so does building the kit.
 *
 * @example
 * import { recordingRequest } from "provenance-ledger/lightclient";
 * const recording = recordingRequest(http(url)({}).request);
 * // … run a light verification over `recording` …
 * const kit = recording.kit();
 */
export function recordingRequest(request: Eip1193Request): RecordingRequest {
  const answers = new Map<string, RecordedAnswer>();
  const recording = async ({ method, params = [] }: { readonly method: string; readonly params?: readonly unknown[] | undefined }): Promise<unknown> => {
    if (!READ_METHODS.has(method)) throw new LightClientError("offline-kit", "a kit records only reading methods", { field: `offlineKit.${method}` });
    const result = (await request({ method, params })) ?? null;
    const key = keyOf(method, params);
    if (!answers.has(key)) answers.set(key, { method, params: structuredClone([...params]), result: structuredClone(result) });
    return result;
  };
  return Object.assign(recording, { kit: (): OfflineKit => ({ format: OFFLINE_KIT_FORMAT, answers: [...answers.values()] }) });
}

/**
 * A `request` that answers only from `kit`: the same question (method and parameters, compared as
 * JSON with sorted keys) gets the recorded answer; any other is refused with `offline-kit`. It has no
 * network code at all.
 *
 * @example
 * import { parseOfflineKit, replayRequest } from "provenance-ledger/lightclient";
 * const request = replayRequest(parseOfflineKit(bundle.offlineKit));
 */
export function replayRequest(kit: OfflineKit): Eip1193Request {
  const answers = new Map(kit.answers.map((a) => [keyOf(a.method, a.params), a.result]));
  return async ({ method, params = [] }) => {
    const key = keyOf(method, params);
    if (!answers.has(key)) throw new LightClientError("offline-kit", `the kit has no answer to ${method}(${sortedJson(params).slice(1, -1).slice(0, 200)}): verify online, or rebuild the bundle with --embed-proofs`, { field: "offlineKit.answers" });
    return structuredClone(answers.get(key));
  };
}

/** Parses a kit (a value from strictly parsed JSON). Refuses unknown formats, members and methods, and repeated questions. */
export function parseOfflineKit(value: unknown, field = "offlineKit"): OfflineKit {
  const fail = (message: string, at = field): never => {
    throw new LightClientError("offline-kit", message, { field: at });
  };
  if (typeof value !== "object" || value === null || Array.isArray(value)) return fail("must be an object");
  const o = value as Record<string, unknown>;
  for (const key of Object.keys(o)) if (key !== "format" && key !== "answers") fail("unknown member", `${field}.${key}`);
  if (o.format !== OFFLINE_KIT_FORMAT) fail(`unknown format ${JSON.stringify(o.format)?.slice(0, 80)}; this version reads "${OFFLINE_KIT_FORMAT}"`, `${field}.format`);
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
    const key = keyOf(e.method as string, e.params as unknown[]);
    if (seen.has(key)) fail("repeats an earlier question (a kit answers each once)", at);
    seen.add(key);
    return { method: e.method as string, params: e.params as unknown[], result: e.result };
  });
  return { format: OFFLINE_KIT_FORMAT, answers };
}
