import type { InputError } from "../../core/errors/input.js";
import { type Spec, s } from "../../core/spec/spec.js";
import { timestamp } from "../../core/validate.js";
import { type WithDate, parsePredicate } from "./fields.js";

/**
 * The `predicateType` of a revocation. The statement's subject is the revoked model; every model
 * derived from it is reported as derived from a revoked model.
 *
 * @example
 * import { REVOCATION_PREDICATE_TYPE } from "provenance-ledger";
 * if (statement.predicateType === REVOCATION_PREDICATE_TYPE) parseRevocationPredicate(statement.predicate);
 */
export const REVOCATION_PREDICATE_TYPE = "https://provenance-ledger.dev/revocation/v1";

/**
 * Why a model is revoked.
 *
 * @example
 * import { REVOCATION_REASONS } from "provenance-ledger";
 * REVOCATION_REASONS.includes("data-poisoning"); // true
 */
export const REVOCATION_REASONS = ["security-vulnerability", "data-licence", "data-poisoning", "performance", "policy", "superseded", "other"] as const;

/**
 * One of {@link REVOCATION_REASONS}.
 *
 * @example
 * import type { RevocationReason } from "provenance-ledger";
 * const reason: RevocationReason = "data-licence";
 */
export type RevocationReason = (typeof REVOCATION_REASONS)[number];

/**
 * A revocation predicate: the model (the subject) must no longer be used, why, since when, and
 * what replaces it.
 *
 * @example
 * import { parseRevocationPredicate, type RevocationPredicate } from "provenance-ledger";
 * const revocation: RevocationPredicate = parseRevocationPredicate(statement.predicate);
 */
export type RevocationPredicate = {
  /** Why the model is revoked. */
  readonly reason: RevocationReason;
  /** What happened, in words (an advisory id, the licence problem, the failing metric). */
  readonly description: string;
  /** RFC 3339 UTC time from which the model is revoked. */
  readonly revokedAt: string;
  /** The model to use instead; required when `reason` is `superseded`. */
  readonly supersededBy?: {
    /** The replacement's name (and version). */
    readonly name: string;
    /** in-toto DigestSet of the replacement; `sha256` is required. */
    readonly digest: { readonly sha256: string; readonly [algorithm: string]: string };
  };
};

/**
 * Parameters of {@link createRevocationPredicate}: the predicate's fields, with the time as a `Date`.
 *
 * @example
 * import type { CreateRevocationPredicateParameters } from "provenance-ledger";
 * const reason: CreateRevocationPredicateParameters["reason"] = "security-vulnerability";
 */
export type CreateRevocationPredicateParameters = WithDate<RevocationPredicate, "revokedAt">;

/**
 * Errors of {@link parseRevocationPredicate} and {@link createRevocationPredicate}.
 *
 * @example
 * import { InputError, type ParseRevocationPredicateErrorType } from "provenance-ledger";
 * try { parseRevocationPredicate(json) } catch (e) { if (e instanceof InputError) console.error(e.path); }
 */
export type ParseRevocationPredicateErrorType = InputError;

/** The revocation predicate's spec: parser, `schemas/predicates/revocation-v1.schema.json` and the docs table. */
export const revocationSpec = s
  .object({
    reason: s.literal(...REVOCATION_REASONS).describe("why the model is revoked"),
    description: s.string().describe("what happened, in words"),
    revokedAt: s.timestamp().describe("time from which the model is revoked"),
    supersededBy: s.optional(s.object({ name: s.name(256), digest: s.sha256DigestSet() }).describe("the model to use instead; required with `superseded`")),
  })
  .refine(
    (p, fail) =>
      p.reason === "superseded" &&
      p.supersededBy === undefined &&
      fail(".supersededBy", 'required field is missing: a "superseded" revocation names its replacement'),
    { schema: { if: { properties: { reason: { const: "superseded" } } }, then: { required: ["supersededBy"], properties: { supersededBy: true } } } },
  ) satisfies Spec<RevocationPredicate>;

/**
 * Builds a revocation predicate from typed parameters and validates it with
 * {@link parseRevocationPredicate}, so nothing invalid can be created.
 *
 * @example
 * import { createRevocationPredicate } from "provenance-ledger";
 * const predicate = createRevocationPredicate({
 *   reason: "data-licence",
 *   description: "Training set included forum posts whose licence forbids commercial use.",
 *   revokedAt: new Date("2026-12-01T00:00:00Z"),
 * });
 */
export function createRevocationPredicate(parameters: CreateRevocationPredicateParameters): RevocationPredicate {
  return parseRevocationPredicate({ ...parameters, revokedAt: timestamp(parameters.revokedAt) });
}

/**
 * Validates untrusted JSON as a revocation predicate and returns a fresh copy holding only the
 * checked fields. Errors are `InputError` `INVALID_PREDICATE` naming the field
 * (`predicate.supersededBy.digest.sha256`). Beyond types and formats it enforces: unknown fields
 * are refused; a `superseded` revocation names its replacement, by SHA-256.
 *
 * @example
 * import { parseJson, parseRevocationPredicate } from "provenance-ledger";
 * const revocation = parseRevocationPredicate(parseJson(text));
 * console.log(`revoked since ${revocation.revokedAt}: ${revocation.reason}`);
 */
export function parseRevocationPredicate(value: unknown, path = "predicate"): RevocationPredicate {
  return parsePredicate(revocationSpec, value, path);
}
