import type { InputError } from "../../core/errors/input.js";
import { type Spec, s } from "../../core/spec/spec.js";
import { timestamp } from "../../core/validate.js";
import { kebabCase, keyid, policyId, type WithDate, parsePredicate } from "./fields.js";

/**
 * The `predicateType` of an approval. The statement's subject is the model decided on; the
 * envelope is signed by the approver's own key, and a verifier checks that `approver.keyid` is
 * among the keys that signed it.
 *
 * @example
 * import { APPROVAL_PREDICATE_TYPE } from "provenance-ledger";
 * if (statement.predicateType === APPROVAL_PREDICATE_TYPE) parseApprovalPredicate(statement.predicate);
 */
export const APPROVAL_PREDICATE_TYPE = "https://provenance-ledger.dev/approval/v1";

/**
 * The decisions an approver can record.
 *
 * @example
 * import { APPROVAL_DECISIONS } from "provenance-ledger";
 * APPROVAL_DECISIONS.includes("rejected"); // true
 */
export const APPROVAL_DECISIONS = ["approved", "rejected"] as const;

/**
 * An approval predicate: one approver's decision on one model (the subject) under one policy.
 * M-of-N approval is N of these, from N distinct registered keys (docs/attestations.md).
 *
 * @example
 * import { parseApprovalPredicate, type ApprovalPredicate } from "provenance-ledger";
 * const approval: ApprovalPredicate = parseApprovalPredicate(statement.predicate);
 */
export type ApprovalPredicate = {
  /** The decision. */
  readonly decision: (typeof APPROVAL_DECISIONS)[number];
  /** The policy the decision is made under; a deployment counts approvals for the same `id`. */
  readonly policy: {
    /** The policy's id, e.g. `eu-ai-act/high-risk-release`: letters, digits and `._:/@+-`. */
    readonly id: string;
    /** The policy's version, e.g. `2026-09`. */
    readonly version?: string;
  };
  /** Who decided. */
  readonly approver: {
    /** DSSE keyid of the approver's signing key: `0x` + 40 hex (secp256k1) or `sha256:` + 64 hex, lower case. */
    readonly keyid: string;
    /** The approver's name, e.g. `Dr. Ana Ruiz`. */
    readonly name: string;
    /** The role the key is registered with on chain, kebab-case, e.g. `approver`. */
    readonly role: string;
  };
  /** RFC 3339 UTC time of the decision (approval or rejection). */
  readonly approvedAt: string;
  /** The approver's reasoning. */
  readonly comment?: string;
  /** Conditions of an approval ("monitor drift weekly"); only with `approved`. */
  readonly conditions?: readonly string[];
};

/**
 * Parameters of {@link createApprovalPredicate}: the predicate's fields, with the time as a `Date`.
 *
 * @example
 * import type { CreateApprovalPredicateParameters } from "provenance-ledger";
 * const policy: CreateApprovalPredicateParameters["policy"] = { id: "release", version: "3" };
 */
export type CreateApprovalPredicateParameters = WithDate<ApprovalPredicate, "approvedAt">;

/**
 * Errors of {@link parseApprovalPredicate} and {@link createApprovalPredicate}.
 *
 * @example
 * import { InputError, type ParseApprovalPredicateErrorType } from "provenance-ledger";
 * try { parseApprovalPredicate(json) } catch (e) { if (e instanceof InputError) console.error(e.path); }
 */
export type ParseApprovalPredicateErrorType = InputError;

/** The approval predicate's spec: parser, `schemas/predicates/approval-v1.schema.json` and the docs table. */
export const approvalSpec = s
  .object({
    decision: s.literal(...APPROVAL_DECISIONS).describe("the decision"),
    policy: s.object({
      id: policyId().describe("the policy's id"),
      version: s.optional(s.string({ max: 128 }).describe("the policy's version, e.g. `2026-09`")),
    }),
    approver: s.object({
      keyid: keyid().describe("DSSE keyid of the approver's signing key"),
      name: s.name(256).describe("the approver's name"),
      role: kebabCase("approver").describe("the role the key is registered with on chain"),
    }),
    approvedAt: s.timestamp().describe("time of the decision, approval or rejection"),
    comment: s.optional(s.string().describe("the approver's reasoning")),
    conditions: s.optional(s.array(s.string({ max: 1024 }), 1, 100).describe("conditions of an approval; a rejection has none")),
  })
  .refine((p, fail) => p.decision === "rejected" && p.conditions !== undefined && fail(".conditions", "a rejection has no conditions (say why in comment)"), {
    schema: { if: { properties: { decision: { const: "rejected" } } }, then: { properties: { conditions: false } } },
  }) satisfies Spec<ApprovalPredicate>;

/**
 * Builds an approval predicate from typed parameters and validates it with
 * {@link parseApprovalPredicate}, so nothing invalid can be created.
 *
 * @example
 * import { createApprovalPredicate } from "provenance-ledger";
 * const predicate = createApprovalPredicate({
 *   decision: "approved",
 *   policy: { id: "eu-ai-act/high-risk-release", version: "2026-09" },
 *   approver: { keyid: "0x8ba1f109551bd432803012645ac136ddd64dba72", name: "Dr. Ana Ruiz", role: "approver" },
 *   approvedAt: new Date("2026-11-23T15:00:00Z"),
 *   conditions: ["monitor false-positive rate weekly"],
 * });
 */
export function createApprovalPredicate(parameters: CreateApprovalPredicateParameters): ApprovalPredicate {
  return parseApprovalPredicate({ ...parameters, approvedAt: timestamp(parameters.approvedAt) });
}

/**
 * Validates untrusted JSON as an approval predicate and returns a fresh copy holding only the
 * checked fields. Errors are `InputError` `INVALID_PREDICATE` naming the field
 * (`predicate.approver.keyid`). Beyond types and formats it enforces: unknown fields are refused;
 * `approver.keyid` is a DSSE keyid in its canonical lower-case form (`0x` + 40 hex or `sha256:` +
 * 64 hex); policy id and role are tokens (so they compare exactly with a deployment's); a
 * rejection carries no `conditions`. That the keyid signed the envelope is the verifier's check.
 *
 * @example
 * import { parseJson, parseApprovalPredicate } from "provenance-ledger";
 * const approval = parseApprovalPredicate(parseJson(text));
 * console.log(approval.decision, approval.policy.id, approval.approver.keyid);
 */
export function parseApprovalPredicate(value: unknown, path = "predicate"): ApprovalPredicate {
  return parsePredicate(approvalSpec, value, path);
}
