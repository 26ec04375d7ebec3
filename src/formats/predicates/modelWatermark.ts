import type { InputError } from "../../core/errors/input.js";
import { parseSpec, type Spec, s } from "../../core/spec/spec.js";

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
      readonly tensors: readonly {
        readonly name: string;
        readonly dtype: "F32" | "F16" | "BF16";
        readonly shape: readonly number[];
        readonly positions: number;
      }[];
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

const keyCommitment = s
  .string({ min: 71, max: 71, pattern: /^sha256:[0-9a-f]{64}$/, hint: "sha256: + 64 lower-case hex digits" })
  .describe("SHA-256 of the domain-separated key");
const threshold = s.number({ min: 1, max: 40 }).describe("z at or above which the mark counts as detected");

/** The model-watermark predicate's spec: parser, `schemas/predicates/model-watermark-v1.schema.json` and the docs table. */
export const modelWatermarkSpec = s.union("kind", {
  weights: s.object({
    kind: s.literal("weights").describe("what carries the mark"),
    scheme: s.literal(WATERMARK_SCHEMES.weights),
    keyCommitment,
    parameters: s.object({
      strength: s.number({ min: 0, max: 0.5, exclusiveMin: true }).describe("α: each carrying weight moves by α·|w|"),
      spacing: s.integer(1, 64).describe("mean distance between carrying elements"),
      threshold,
    }),
    tensors: s
      .array(
        s.object({ name: s.string({ max: 1024 }), dtype: s.literal("F32", "F16", "BF16"), shape: s.array(s.integer(1), 2, 16), positions: s.integer(0) }),
        1,
        100_000,
      )
      .describe("the tensors covered")
      .refine(
        (tensors, fail) => {
          const seen = new Map<string, number>();
          tensors.forEach((t, i) => {
            const first = seen.get(t.name);
            if (first !== undefined) fail(`[${i}].name`, `is already listed as tensors[${first}]`);
            seen.set(t.name, i);
          });
        },
        { doc: "Tensor names are distinct (checked by parseModelWatermarkPredicate)." },
      ),
    unmarkedModel: s.object({ sha256: s.sha256() }).describe("the model before marking"),
    payload: s.string({ min: 16, max: 16, pattern: /^[0-9a-f]{16}$/, hint: "16 lower-case hex digits (64 bits)" }).describe("the 64-bit payload"),
    payloadDerivation: s.literal(WEIGHTS_PAYLOAD_DERIVATION).describe("SHA-256(label ‖ 0x00 ‖ unmarked sha256 ‖ commitment)[0..8]"),
  }),
  text: s.object({
    kind: s.literal("text").describe("what carries the mark"),
    scheme: s.literal(WATERMARK_SCHEMES.text),
    keyCommitment,
    parameters: s.object({
      gamma: s.number({ min: 0, max: 1, exclusiveMin: true, exclusiveMax: true }).describe("share of the vocabulary on the green list"),
      delta: s.number({ min: 0, max: 20, exclusiveMin: true }).describe("logit bias of green tokens"),
      threshold,
    }),
    deployment: s.object({ name: s.string({ max: 256 }), uri: s.optional(s.uri()) }).describe("the deployment whose outputs carry the mark"),
    vocabularySize: s.integer(2, 2 ** 31 - 1).describe("the tokenizer's vocabulary"),
  }),
}) satisfies Spec<ModelWatermarkPredicate>;

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
  return parseSpec(modelWatermarkSpec, value, path, "INVALID_PREDICATE");
}
