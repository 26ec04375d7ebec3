import { PREDICATE_NAMES } from "../formats/predicates/index.js";
import { invalid, unsupportedFormat } from "../core/errors/input.js";
import { parseJson } from "../core/parseJson.js";
import { expectArray, expectInteger, expectObject, expectString, UINT32_MAX } from "../core/validate.js";

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
const ROLE = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

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
  const value = typeof input === "string" ? parseJson(input, "policy") : input;
  const o = expectObject(value, "policy", CODE, { required: ["format", "require", "deployment"], allowed: ["organisations", "approvals", "revocation"] });
  if (o.format !== VERIFICATION_POLICY_FORMAT)
    unsupportedFormat("policy", o.format, `"${VERIFICATION_POLICY_FORMAT}"`, "policy.format");
  const require = expectArray(o.require, "policy.require", CODE, 0, 32).map((item, i) =>
    expectArray(item, `policy.require[${i}]`, CODE, 1, 16).map((name, j) => {
      const path = `policy.require[${i}][${j}]`;
      const short = expectString(name, path, CODE, { max: 64 });
      if (!Object.hasOwn(PREDICATE_NAMES, short)) invalid(CODE, `unknown predicate name ${JSON.stringify(short)}; one of ${Object.keys(PREDICATE_NAMES).join(", ")}`, path);
      return short;
    }),
  );
  const d = expectObject(o.deployment, "policy.deployment", CODE, { required: ["roles"], allowed: [] });
  const policy: VerificationPolicy = {
    format: VERIFICATION_POLICY_FORMAT,
    require,
    ...(o.organisations === undefined ? {} : { organisations: orgIds(o.organisations, "policy.organisations") }),
    deployment: { roles: roles(d.roles, "policy.deployment.roles", 1) },
  };
  let approvals: VerificationPolicy["approvals"];
  if (o.approvals !== undefined) {
    const a = expectObject(o.approvals, "policy.approvals", CODE, { allowed: ["minimum", "roles"] });
    approvals = {
      ...(a.minimum === undefined ? {} : { minimum: expectInteger(a.minimum, "policy.approvals.minimum", CODE, 1, 100) }),
      ...(a.roles === undefined ? {} : { roles: roles(a.roles, "policy.approvals.roles", 1) }),
    };
  }
  let revocation: VerificationPolicy["revocation"];
  if (o.revocation !== undefined) {
    const r = expectObject(o.revocation, "policy.revocation", CODE, { required: ["organisations"], allowed: [] });
    revocation = { organisations: orgIds(r.organisations, "policy.revocation.organisations") };
  }
  return { ...policy, ...(approvals ? { approvals } : {}), ...(revocation ? { revocation } : {}) };
}

function orgIds(value: unknown, path: string): number[] {
  const ids = expectArray(value, path, CODE, 0, 1000).map((id, i) => expectInteger(id, `${path}[${i}]`, CODE, 1, UINT32_MAX));
  if (new Set(ids).size !== ids.length) invalid(CODE, "lists an organisation twice", path);
  return ids;
}

function roles(value: unknown, path: string, min: number): string[] {
  return expectArray(value, path, CODE, min, 64).map((r, i) => expectString(r, `${path}[${i}]`, CODE, { max: 64, pattern: ROLE, hint: "a lower-case kebab-case role name such as deployer" }));
}
