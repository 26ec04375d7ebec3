import { PREDICATE_NAMES } from "../formats/predicates/index.js";
import { parseJson } from "../core/parseJson.js";
import { parseSpec, type Spec, s } from "../core/spec/spec.js";
import { UINT32_MAX } from "../core/validate.js";

/** The `format` of a v1 verification policy. Loaders refuse any other. */
export const VERIFICATION_POLICY_FORMAT = "provenance-verification-policy-v1";

/**
 * What a verifier demands of a model's evidence beyond valid signatures and anchors (format
 * `provenance-verification-policy-v1`, schema `schemas/verification-policy-v1.schema.json`,
 * docs/bundle.md#verification-policy). The verifier pins it (`--policy file.json`); it never comes
 * from the bundle. Without one, {@link DEFAULT_VERIFICATION_POLICY} applies.
 */
export type VerificationPolicy = {
  readonly format: typeof VERIFICATION_POLICY_FORMAT;
  /**
   * Attestations the model itself must have: each item is a list of predicate short names
   * (`provenance attest` names), any one of which satisfies it. A missing one fails check
   * `required-attestation`.
   */
  readonly require: readonly (readonly string[])[];
  /** Organisations whose anchors count at all; omitted: any registered organisation. */
  readonly organisations?: readonly number[];
  /** A deployment counts only when one of its signers' keys holds one of these on-chain roles (check `deployment-signer`). */
  readonly deployment: { readonly roles: readonly string[] };
  /** Approvals: at least `minimum` distinct approvers, and the role a deployment's approval policy names must be one of `roles`. */
  readonly approvals?: { readonly minimum?: number; readonly roles?: readonly string[] };
  /** Organisations whose on-chain revocations count, besides the one that registered each artifact. */
  readonly revocation?: { readonly organisations: readonly number[] };
};

/**
 * The policy when the verifier pins none: the model must have a model manifest and a training
 * run or model update (what links it to its datasets and parents), and a deployment counts only
 * when signed by a key with role `deployer` or `ml-pipeline`. Revocations count from the
 * organisation that registered each artifact only.
 *
 * @example
 * import { DEFAULT_VERIFICATION_POLICY } from "provenance-ledger";
 * console.log(DEFAULT_VERIFICATION_POLICY.require); // [["model-manifest"], ["training-run", "model-update"]]
 */
export const DEFAULT_VERIFICATION_POLICY: VerificationPolicy = {
  format: VERIFICATION_POLICY_FORMAT,
  require: [["model-manifest"], ["training-run", "model-update"]],
  deployment: { roles: ["deployer", "ml-pipeline"] },
};

const CODE = "INVALID_POLICY";

const predicateName = s
  .string({ max: 64, docType: "type name" })
  .refine(
    (name, fail) =>
      Object.hasOwn(PREDICATE_NAMES, name) || fail("", `unknown predicate name ${JSON.stringify(name)}; one of ${Object.keys(PREDICATE_NAMES).join(", ")}`),
    { schema: { enum: Object.keys(PREDICATE_NAMES) } },
  );
const roles = s.array(
  s.string({ max: 64, pattern: /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/, hint: "a lower-case kebab-case role name such as deployer", docType: "role" }),
  1,
  64,
);
const orgIds = s
  .array(s.integer(1, UINT32_MAX), 0, 1000)
  .refine((ids, fail) => new Set(ids).size !== ids.length && fail("", "lists an organisation twice"), { schema: { uniqueItems: true } });

/** The verification policy's spec: parser, `schemas/verification-policy-v1.schema.json` and the docs table (docs/bundle.md). */
export const verificationPolicySpec = s.object({
  format: s.format("policy", VERIFICATION_POLICY_FORMAT),
  require: s
    .array(s.array(predicateName, 1, 16), 0, 32)
    .describe(
      "attestations the model itself must have; each item lists `provenance attest` type names, any one of which satisfies it. Missing: `required-attestation`. Items naming `training-run` or `model-update` apply to every ancestor model as well",
    ),
  organisations: s.optional(
    orgIds.describe(
      "only anchors by these organisations count (`organisation`); combined with `--org` (both must accept); omitted: any registered organisation",
    ),
  ),
  deployment: s.object({ roles: roles.describe("a deployment counts only when signed by a key registered with one of these roles (`deployment-signer`)") }),
  approvals: s.optional(
    s.object({
      minimum: s.optional(s.integer(1, 100).describe("at least this many distinct approvers, whatever the deployment's own policy asks (`approval-quorum`)")),
      roles: s.optional(roles.describe("the approver roles a deployment's approval policy may name (`approval-quorum`)")),
    }),
  ),
  revocation: s.optional(
    s.object({
      organisations: orgIds.describe(
        "organisations whose on-chain revocations count besides the one that registered each artifact (e.g. a regulator's, or a dataset supplier's)",
      ),
    }),
  ),
}) satisfies Spec<VerificationPolicy>;

/**
 * Parses a verification policy from JSON text (strict parser: duplicate keys refused) or a
 * value. Unknown fields, unknown predicate names, bad roles or organisation ids are
 * `InputError("INVALID_POLICY")` naming the field; another format is `UNSUPPORTED_FORMAT`.
 *
 * @example
 * import { parseVerificationPolicy } from "provenance-ledger";
 * const policy = parseVerificationPolicy(await readFile("policy.json", "utf8"));
 */
export function parseVerificationPolicy(input: unknown): VerificationPolicy {
  return parseSpec(verificationPolicySpec, typeof input === "string" ? parseJson(input, "policy") : input, "policy", CODE);
}
