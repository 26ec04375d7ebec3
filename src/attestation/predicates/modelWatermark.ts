import { InputError } from "../../errors/input.js";
import { expectArray, expectInteger, expectNumber, expectObject, expectOneOf, expectSha256, expectString, expectUri } from "../../validate.js";

/**
 * The `predicateType` of a model watermark. The statement's subject is the marked model (kind
 * `weights`) or the model whose deployment marks its generated text (kind `text`).
 *
 * @example
 * import { MODEL_WATERMARK_PREDICATE_TYPE } from "provenance-ledger";
 * if (statement.predicateType === MODEL_WATERMARK_PREDICATE_TYPE) parseModelWatermarkPredicate(statement.predicate);
 */
export const MODEL_WATERMARK_PREDICATE_TYPE = "https://provenance-ledger.dev/model-watermark/v1";

/** The schemes this version records (docs/watermark.md). */
export const WATERMARK_SCHEMES = { weights: "provenance-ledger/weights-ss-v1", text: "provenance-ledger/text-greenlist-v1" } as const;

/** What a weights watermark's 64-bit payload is: SHA-256(label ‖ unmarked sha256 ‖ key commitment)[0..8]. */
export const WEIGHTS_PAYLOAD_DERIVATION = "provenance-ledger/watermark/payload/v1";

/**
 * A model-watermark predicate: the scheme and its parameters, a commitment to the secret key
 * (never the key), and for weights the tensors covered, the unmarked and marked models' digests
 * and the payload; for text the deployment whose outputs carry it.
 *
 * @example
 * import { parseModelWatermarkPredicate, type ModelWatermarkPredicate } from "provenance-ledger";
 * const mark: ModelWatermarkPredicate = parseModelWatermarkPredicate(statement.predicate);
 */
export type ModelWatermarkPredicate =
  | {
      readonly kind: "weights";
      readonly scheme: (typeof WATERMARK_SCHEMES)["weights"];
      /** `sha256:` + 64 hex: keyCommitment() of the secret key. */
      readonly keyCommitment: string;
      readonly parameters: {
        /** α: each carrying weight moves by α·|w|. */
        readonly strength: number;
        /** Mean distance between carrying elements (1: every element). */
        readonly spacing: number;
        /** z at or above which the mark counts as detected. */
        readonly threshold: number;
      };
      /** The tensors covered (float, ≥ 2 dimensions, ≥ 4096 elements), with their carrying element counts. */
      readonly tensors: readonly { readonly name: string; readonly dtype: "F32" | "F16" | "BF16"; readonly shape: readonly number[]; readonly positions: number }[];
      /** The model before marking (what the payload is bound to). */
      readonly unmarkedModel: { readonly sha256: string };
      /** 16 hex digits: 64 bits. */
      readonly payload: string;
      /** How the payload was derived: {@link WEIGHTS_PAYLOAD_DERIVATION}. */
      readonly payloadDerivation: typeof WEIGHTS_PAYLOAD_DERIVATION;
    }
  | {
      readonly kind: "text";
      readonly scheme: (typeof WATERMARK_SCHEMES)["text"];
      readonly keyCommitment: string;
      readonly parameters: { readonly gamma: number; readonly delta: number; readonly threshold: number };
      /** The deployment whose generated text carries the mark. */
      readonly deployment: { readonly name: string; readonly uri?: string };
      /** Vocabulary size of the tokenizer the token ids refer to. */
      readonly vocabularySize: number;
    };

export type ParseModelWatermarkPredicateErrorType = InputError;

const CODE = "INVALID_PREDICATE";
const COMMITMENT = /^sha256:[0-9a-f]{64}$/;
const PAYLOAD = /^[0-9a-f]{16}$/;

/**
 * Builds a model-watermark predicate and validates it with {@link parseModelWatermarkPredicate}.
 *
 * @example
 * import { createModelWatermarkPredicate } from "provenance-ledger";
 * const predicate = createModelWatermarkPredicate({ kind: "text", scheme: "provenance-ledger/text-greenlist-v1", keyCommitment: "sha256:…",
 *   parameters: { gamma: 0.25, delta: 2, threshold: 4 }, deployment: { name: "chat-eu" }, vocabularySize: 32000 });
 */
export function createModelWatermarkPredicate(parameters: ModelWatermarkPredicate): ModelWatermarkPredicate {
  return parseModelWatermarkPredicate(structuredClone(parameters));
}

/**
 * Validates untrusted JSON as a model-watermark predicate and returns a fresh copy. Errors are
 * `InputError` `INVALID_PREDICATE` naming the field. Beyond types: the scheme matches the kind;
 * the commitment is `sha256:` + 64 lower-case hex; strength in (0, 0.5], spacing 1–64, thresholds
 * in [1, 40]; γ in (0, 1), δ in (0, 20]; tensor names distinct; shapes of ≥ 2 positive
 * dimensions; the payload 16 lower-case hex digits with its derivation named.
 *
 * @example
 * import { parseJson, parseModelWatermarkPredicate } from "provenance-ledger";
 * const mark = parseModelWatermarkPredicate(parseJson(text));
 */
export function parseModelWatermarkPredicate(value: unknown, path = "predicate"): ModelWatermarkPredicate {
  const kindOf = expectObject(value, path, CODE).kind;
  const kind = expectOneOf(kindOf, `${path}.kind`, CODE, ["weights", "text"]);
  const commitment = (o: Record<string, unknown>) => expectString(o.keyCommitment, `${path}.keyCommitment`, CODE, { min: 71, max: 71, pattern: COMMITMENT, hint: "sha256: + 64 lower-case hex digits" });
  const range = (v: unknown, p: string, min: number, max: number, minOpen: boolean) => {
    const n = expectNumber(v, p, CODE);
    if (minOpen ? !(n > min && n <= max) : !(n >= min && n <= max)) throw new InputError(CODE, `must be in ${minOpen ? "(" : "["}${min}, ${max}], got ${n}`, { path: p });
    return n;
  };
  if (kind === "weights") {
    const o = expectObject(value, path, CODE, { required: ["kind", "scheme", "keyCommitment", "parameters", "tensors", "unmarkedModel", "payload", "payloadDerivation"] });
    const scheme = expectOneOf(o.scheme, `${path}.scheme`, CODE, [WATERMARK_SCHEMES.weights]);
    const keyCommitment = commitment(o);
    const p = expectObject(o.parameters, `${path}.parameters`, CODE, { required: ["strength", "spacing", "threshold"] });
    const parameters = {
      strength: range(p.strength, `${path}.parameters.strength`, 0, 0.5, true),
      spacing: expectInteger(p.spacing, `${path}.parameters.spacing`, CODE, 1, 64),
      threshold: range(p.threshold, `${path}.parameters.threshold`, 1, 40, false),
    };
    const seen = new Map<string, number>();
    const tensors = expectArray(o.tensors, `${path}.tensors`, CODE, 1, 100_000).map((item, i) => {
      const tp = `${path}.tensors[${i}]`;
      const t = expectObject(item, tp, CODE, { required: ["name", "dtype", "shape", "positions"] });
      const name = expectString(t.name, `${tp}.name`, CODE, { max: 1024 });
      const first = seen.get(name);
      if (first !== undefined) throw new InputError(CODE, `is already listed as tensors[${first}]`, { path: `${tp}.name` });
      seen.set(name, i);
      const dtype = expectOneOf(t.dtype, `${tp}.dtype`, CODE, ["F32", "F16", "BF16"]);
      const shape = expectArray(t.shape, `${tp}.shape`, CODE, 2, 16).map((d, k) => expectInteger(d, `${tp}.shape[${k}]`, CODE, 1));
      const positions = expectInteger(t.positions, `${tp}.positions`, CODE, 0);
      return { name, dtype, shape, positions };
    });
    const u = expectObject(o.unmarkedModel, `${path}.unmarkedModel`, CODE, { required: ["sha256"] });
    const unmarkedModel = { sha256: expectSha256(u.sha256, `${path}.unmarkedModel.sha256`, CODE) };
    const payload = expectString(o.payload, `${path}.payload`, CODE, { min: 16, max: 16, pattern: PAYLOAD, hint: "16 lower-case hex digits (64 bits)" });
    const payloadDerivation = expectOneOf(o.payloadDerivation, `${path}.payloadDerivation`, CODE, [WEIGHTS_PAYLOAD_DERIVATION]);
    return { kind, scheme, keyCommitment, parameters, tensors, unmarkedModel, payload, payloadDerivation };
  }
  const o = expectObject(value, path, CODE, { required: ["kind", "scheme", "keyCommitment", "parameters", "deployment", "vocabularySize"] });
  const scheme = expectOneOf(o.scheme, `${path}.scheme`, CODE, [WATERMARK_SCHEMES.text]);
  const keyCommitment = commitment(o);
  const p = expectObject(o.parameters, `${path}.parameters`, CODE, { required: ["gamma", "delta", "threshold"] });
  const gamma = expectNumber(p.gamma, `${path}.parameters.gamma`, CODE);
  if (!(gamma > 0 && gamma < 1)) throw new InputError(CODE, `must be between 0 and 1 (exclusive), got ${gamma}`, { path: `${path}.parameters.gamma` });
  const parameters = { gamma, delta: range(p.delta, `${path}.parameters.delta`, 0, 20, true), threshold: range(p.threshold, `${path}.parameters.threshold`, 1, 40, false) };
  const d = expectObject(o.deployment, `${path}.deployment`, CODE, { required: ["name"], allowed: ["uri"] });
  const deployment = { name: expectString(d.name, `${path}.deployment.name`, CODE, { max: 256 }), ...(d.uri === undefined ? {} : { uri: expectUri(d.uri, `${path}.deployment.uri`, CODE) }) };
  const vocabularySize = expectInteger(o.vocabularySize, `${path}.vocabularySize`, CODE, 2, 2 ** 31 - 1);
  return { kind, scheme, keyCommitment, parameters, deployment, vocabularySize };
}
