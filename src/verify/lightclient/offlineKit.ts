// The offline verifier kit: a record of the JSON-RPC answers a light verification needed (sealed
// headers from the pinned checkpoint to the head, eth_getProof answers, receipts for the
// receipts-trie proofs). Offline verification is light verification over a transport that answers
// only from the record. Nothing in the kit is trusted: every answer goes through the same checks as
// a live node's (seals against the pinned validator set, proofs against verified roots), so the kit
// adds no trust, and a question it cannot answer is refused (`offline-kit`), never sent anywhere.
import { LightClientError } from "../../core/errors/lightClient.js";
import type { Eip1193Request } from "../../chain/transport.js";
import { OFFLINE_KIT_FORMAT, type OfflineKit, READ_METHODS, type RecordedAnswer, offlineKitQuestion as keyOf, sortedJson } from "../../formats/offlineKit.js";

export { MAX_OFFLINE_KIT_ANSWERS, OFFLINE_KIT_FORMAT, type OfflineKit, type RecordedAnswer, parseOfflineKit } from "../../formats/offlineKit.js";

export type RecordingRequest = Eip1193Request & {
  /** The kit of every answer recorded so far, in the order first asked. */
  kit(): OfflineKit;
};

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

/** `value` with every object and array in it frozen, in place (by a loop, not recursion: no depth is too deep). */
function deepFreeze<T>(value: T): T {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const v = pending.pop();
    if (typeof v === "object" && v !== null && !Object.isFrozen(v)) {
      Object.freeze(v);
      for (const child of Object.values(v)) pending.push(child);
    }
  }
  return value;
}

/**
 * A `request` that answers only from `kit`: the same question (method and parameters, compared as
 * JSON with sorted keys) gets the recorded answer; any other is refused with `offline-kit`. It has no
 * network code at all. An answer is handed out as the kit holds it, deeply frozen (in place, the
 * first time it is asked): no question can change what the next one is told, and nothing is copied
 * (a light verification asks many questions twice).
 *
 * @example
 * import { parseOfflineKit, replayRequest } from "provenance-ledger/lightclient";
 * const request = replayRequest(parseOfflineKit(bundle.offlineKit));
 */
export function replayRequest(kit: OfflineKit): Eip1193Request {
  const answers = new Map(kit.answers.map((a) => [keyOf(a.method, a.params), a.result]));
  const frozen = new Set<string>();
  return async ({ method, params = [] }) => {
    const key = keyOf(method, params);
    if (!answers.has(key))
      throw new LightClientError(
        "offline-kit",
        `the kit has no answer to ${method}(${sortedJson(params).slice(1, -1).slice(0, 200)}): verify online, or rebuild the bundle with --embed-proofs`,
        { field: "offlineKit.answers" },
      );
    const answer = answers.get(key);
    if (!frozen.has(key)) {
      deepFreeze(answer);
      frozen.add(key);
    }
    return answer;
  };
}
