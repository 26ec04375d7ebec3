import type { JsonValue } from "../../core/canonicalJson.js";
import type { InputError } from "../../core/errors/input.js";
import { type Spec, s } from "../../core/spec/spec.js";
import { entryId, type WithDate, parsePredicate } from "./fields.js";
import type { Hex } from "../../core/hex.js";
import { timestamp } from "../../core/validate.js";

/**
 * The `predicateType` of a model update. The statement's subject is the new model; its parents
 * are lineage edges.
 *
 * @example
 * import { MODEL_UPDATE_PREDICATE_TYPE } from "provenance-ledger";
 * if (statement.predicateType === MODEL_UPDATE_PREDICATE_TYPE) parseModelUpdatePredicate(statement.predicate);
 */
export const MODEL_UPDATE_PREDICATE_TYPE = "https://provenance-ledger.dev/model-update/v1";

/**
 * How a model was derived from its parent(s). Only `merge` has more than one parent.
 *
 * @example
 * import { MODEL_UPDATE_KINDS } from "provenance-ledger";
 * MODEL_UPDATE_KINDS.includes("quantisation"); // true
 */
export const MODEL_UPDATE_KINDS = ["fine-tune", "quantisation", "pruning", "distillation", "merge", "conversion", "patch"] as const;

/**
 * The most parents a merge may name.
 *
 * @example
 * import { MAX_MODEL_UPDATE_PARENTS } from "provenance-ledger";
 * predicate.parents.length <= MAX_MODEL_UPDATE_PARENTS; // always, once parsed
 */
export const MAX_MODEL_UPDATE_PARENTS = 100;

/**
 * One of {@link MODEL_UPDATE_KINDS}.
 *
 * @example
 * import type { ModelUpdateKind } from "provenance-ledger";
 * const kind: ModelUpdateKind = "fine-tune";
 */
export type ModelUpdateKind = (typeof MODEL_UPDATE_KINDS)[number];

/**
 * A model the new one was derived from.
 *
 * @example
 * import type { ModelUpdateParent } from "provenance-ledger";
 * const parent: ModelUpdateParent = { name: "acme/claims-triage@1.3.0", digest: { sha256: "3a7b…" } };
 */
export type ModelUpdateParent = {
  /** The parent's name (and version), e.g. `acme/claims-triage@1.3.0`. */
  readonly name: string;
  /** in-toto DigestSet of the parent; `sha256` is required (it is a lineage edge). */
  readonly digest: { readonly sha256: string; readonly [algorithm: string]: string };
};

/**
 * A model-update predicate: how the new model (the subject) was derived from its parent(s).
 *
 * @example
 * import { parseModelUpdatePredicate, type ModelUpdatePredicate } from "provenance-ledger";
 * const update: ModelUpdatePredicate = parseModelUpdatePredicate(statement.predicate);
 */
export type ModelUpdatePredicate = {
  /** How the model was derived. */
  readonly kind: ModelUpdateKind;
  /** The parent model: exactly one, except for a `merge` (2 to {@link MAX_MODEL_UPDATE_PARENTS}); distinct digests. */
  readonly parents: readonly ModelUpdateParent[];
  /** What changed and why, in words. */
  readonly description?: string;
  /** Parameters of the derivation as a JSON object, e.g. `{ "bits": 4, "method": "gptq" }`. */
  readonly parameters?: { readonly [key: string]: JsonValue };
  /** RFC 3339 UTC time of the update. */
  readonly updatedAt: string;
  /** Entry id (`0x` + 64 lower-case hex) of the training-run attestation behind a fine-tune or distillation. */
  readonly trainingRun?: Hex;
};

/**
 * A lineage edge into the updated model: the same shape as `TrainingRunInput`.
 *
 * @example
 * import type { ModelUpdateInput } from "provenance-ledger";
 * const edge: ModelUpdateInput = { sha256: "3a7b…", name: "acme/claims-triage@1.3.0", role: "parent-model" };
 */
export type ModelUpdateInput = {
  /** SHA-256 of the parent (64 lower-case hex digits). */
  readonly sha256: string;
  /** The parent's name. */
  readonly name: string | undefined;
  /** Always `parent-model`. */
  readonly role: "parent-model";
};

/**
 * Parameters of {@link createModelUpdatePredicate}: the predicate's fields, with the time as a `Date`.
 *
 * @example
 * import type { CreateModelUpdatePredicateParameters } from "provenance-ledger";
 * const kind: CreateModelUpdatePredicateParameters["kind"] = "quantisation";
 */
export type CreateModelUpdatePredicateParameters = WithDate<ModelUpdatePredicate, "updatedAt">;

/**
 * Errors of {@link parseModelUpdatePredicate} and {@link createModelUpdatePredicate}.
 *
 * @example
 * import { InputError, type ParseModelUpdatePredicateErrorType } from "provenance-ledger";
 * try { parseModelUpdatePredicate(json) } catch (e) { if (e instanceof InputError) console.error(e.path); }
 */
export type ParseModelUpdatePredicateErrorType = InputError;

/** The model-update predicate's spec: parser, `schemas/predicates/model-update-v1.schema.json` and the docs table. */
export const modelUpdateSpec = s
  .object({
    kind: s.literal(...MODEL_UPDATE_KINDS).describe("how the model was derived"),
    parents: s.array(s.object({ name: s.name(256), digest: s.sha256DigestSet() }), 1, MAX_MODEL_UPDATE_PARENTS).describe("the parent model(s)"),
    description: s.optional(s.string().describe("what changed and why")),
    parameters: s.optional(s.json().describe('e.g. `{ "bits": 4, "method": "gptq" }`')),
    updatedAt: s.timestamp().describe("time of the update"),
    trainingRun: s.optional(entryId().describe("the training-run attestation behind a fine-tune or distillation")),
  })
  .refine(
    (p, fail) => {
      const [min, max] = p.kind === "merge" ? [2, MAX_MODEL_UPDATE_PARENTS] : [1, 1];
      if (p.parents.length < min || p.parents.length > max) fail(".parents", `must have ${min} to ${max} elements, got ${p.parents.length}`);
      const seen = new Map<string, number>();
      p.parents.forEach((parent, i) => {
        const first = seen.get(parent.digest.sha256);
        if (first !== undefined) fail(`.parents[${i}].digest.sha256`, `the same model is already listed as parents[${first}]`);
        seen.set(parent.digest.sha256, i);
      });
    },
    {
      schema: {
        if: { properties: { kind: { const: "merge" } } },
        then: { properties: { parents: { type: "array", minItems: 2 } } },
        else: { properties: { parents: { type: "array", maxItems: 1 } } },
      },
      doc: "One parent, 2 or more for a merge; parent digests are distinct by sha256 (checked by the parser).",
    },
  ) satisfies Spec<ModelUpdatePredicate>;

/**
 * Builds a model-update predicate from typed parameters and validates it with
 * {@link parseModelUpdatePredicate}, so nothing invalid can be created.
 *
 * @example
 * import { createModelUpdatePredicate } from "provenance-ledger";
 * const predicate = createModelUpdatePredicate({
 *   kind: "quantisation",
 *   parents: [{ name: "acme/claims-triage@1.3.0", digest: { sha256: "3a7b…" } }],
 *   parameters: { bits: 4, method: "gptq", groupSize: 128 },
 *   updatedAt: new Date("2026-11-23T11:00:00Z"),
 * });
 */
export function createModelUpdatePredicate(parameters: CreateModelUpdatePredicateParameters): ModelUpdatePredicate {
  return parseModelUpdatePredicate({ ...parameters, updatedAt: timestamp(parameters.updatedAt) });
}

/**
 * Validates untrusted JSON as a model-update predicate and returns a fresh copy holding only the
 * checked fields. Errors are `InputError` `INVALID_PREDICATE` naming the field
 * (`predicate.parents[1].digest.sha256`). Beyond types and formats it enforces: unknown fields
 * are refused; one parent, or 2 to {@link MAX_MODEL_UPDATE_PARENTS} for a `merge`, each with
 * `digest.sha256`, none listed twice; `parameters` is JSON that canonical JSON can represent;
 * `trainingRun` is a lower-case entry id.
 *
 * @example
 * import { parseJson, parseModelUpdatePredicate } from "provenance-ledger";
 * const update = parseModelUpdatePredicate(parseJson(text));
 * console.log(update.kind, update.parents.map((p) => p.name));
 */
export function parseModelUpdatePredicate(value: unknown, path = "predicate"): ModelUpdatePredicate {
  return parsePredicate(modelUpdateSpec, value, path);
}

/**
 * The lineage edges of a model update: its parents, in order.
 *
 * @example
 * import { modelUpdateParents } from "provenance-ledger";
 * for (const parent of modelUpdateParents(predicate)) console.log(parent.sha256, parent.name);
 */
export function modelUpdateParents(predicate: ModelUpdatePredicate): ModelUpdateInput[] {
  return predicate.parents.map((parent) => ({ sha256: parent.digest.sha256, name: parent.name, role: "parent-model" }));
}
