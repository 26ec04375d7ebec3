import { InputError } from "../../errors/input.js";
import type { Hex } from "../../hex.js";
import { timestamp, expectArray, expectInteger, expectName, expectObject, expectString, expectTimestamp, expectUri } from "../../validate.js";

/**
 * The `predicateType` of a deployment. The statement's subject is the deployed model.
 *
 * @example
 * import { DEPLOYMENT_PREDICATE_TYPE } from "provenance-ledger";
 * if (statement.predicateType === DEPLOYMENT_PREDICATE_TYPE) parseDeploymentPredicate(statement.predicate);
 */
export const DEPLOYMENT_PREDICATE_TYPE = "https://provenance-ledger.dev/deployment/v1";

/**
 * The highest approval threshold a policy may demand.
 *
 * @example
 * import { MAX_APPROVAL_THRESHOLD } from "provenance-ledger";
 * predicate.approvalPolicy.threshold <= MAX_APPROVAL_THRESHOLD; // always, once parsed
 */
export const MAX_APPROVAL_THRESHOLD = 100;

/**
 * The approval rule a deployment claims to satisfy: `threshold` distinct registered keys of the
 * organisation, each with `role`, signed an `approved` approval for this model under policy `id`.
 *
 * @example
 * import type { DeploymentApprovalPolicy } from "provenance-ledger";
 * const twoOf: DeploymentApprovalPolicy = { id: "eu-ai-act/high-risk-release", threshold: 2, role: "approver" };
 */
export type DeploymentApprovalPolicy = {
  /** The policy id the approvals name (`approval.policy.id`). */
  readonly id: string;
  /** How many distinct approver keys are needed, 1 to {@link MAX_APPROVAL_THRESHOLD}. */
  readonly threshold: number;
  /** The on-chain role each approver key must hold, kebab-case, e.g. `approver`. */
  readonly role: string;
};

/**
 * A deployment predicate: which model (the subject) went where, when, by whom, under which
 * approval policy, relying on which approvals.
 *
 * @example
 * import { parseDeploymentPredicate, type DeploymentPredicate } from "provenance-ledger";
 * const deployment: DeploymentPredicate = parseDeploymentPredicate(statement.predicate);
 */
export type DeploymentPredicate = {
  /** The environment, kebab-case, e.g. `production`, `staging`, `eu-west-production`. */
  readonly environment: string;
  /** Where the model runs. */
  readonly target: {
    /** The target's name, e.g. `claims-triage-api`. */
    readonly name: string;
    /** The target's address, e.g. `https://claims.acme.example/api` or `k8s://prod-eu/claims/triage`. */
    readonly uri?: string;
  };
  /** RFC 3339 UTC time of the deployment. */
  readonly deployedAt: string;
  /** Who deployed. */
  readonly deployer: {
    /** A person or a service, e.g. `release-bot`. */
    readonly name: string;
    /** Their role, kebab-case, e.g. `release-manager`. */
    readonly role?: string;
  };
  /** The approval rule this deployment claims to satisfy. */
  readonly approvalPolicy: DeploymentApprovalPolicy;
  /** Entry ids (`0x` + 64 lower-case hex: SHA-256 of the envelope's canonical JSON) of the approvals relied on; distinct. */
  readonly approvals?: readonly Hex[];
};

/**
 * Parameters of {@link createDeploymentPredicate}: the predicate's fields, with the time as a `Date`.
 *
 * @example
 * import type { CreateDeploymentPredicateParameters } from "provenance-ledger";
 * const target: CreateDeploymentPredicateParameters["target"] = { name: "claims-triage-api" };
 */
export type CreateDeploymentPredicateParameters = Omit<DeploymentPredicate, "deployedAt"> & {
  /** `deployedAt`. */
  readonly deployedAt: Date;
};

/**
 * Errors of {@link parseDeploymentPredicate} and {@link createDeploymentPredicate}.
 *
 * @example
 * import { InputError, type ParseDeploymentPredicateErrorType } from "provenance-ledger";
 * try { parseDeploymentPredicate(json) } catch (e) { if (e instanceof InputError) console.error(e.path); }
 */
export type ParseDeploymentPredicateErrorType = InputError;

const CODE = "INVALID_PREDICATE";
const KEBAB = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
const KEBAB_HINT = "lower-case kebab-case, e.g. release-manager";
const POLICY_ID = /^[A-Za-z0-9][A-Za-z0-9._:/@+-]*$/;
const ENTRY_ID = /^0x[0-9a-f]{64}$/;

/**
 * Builds a deployment predicate from typed parameters and validates it with
 * {@link parseDeploymentPredicate}, so nothing invalid can be created.
 *
 * @example
 * import { createDeploymentPredicate } from "provenance-ledger";
 * const predicate = createDeploymentPredicate({
 *   environment: "production",
 *   target: { name: "claims-triage-api", uri: "https://claims.acme.example/api" },
 *   deployedAt: new Date("2026-11-24T09:00:00Z"),
 *   deployer: { name: "release-bot", role: "release-manager" },
 *   approvalPolicy: { id: "eu-ai-act/high-risk-release", threshold: 2, role: "approver" },
 * });
 */
export function createDeploymentPredicate(parameters: CreateDeploymentPredicateParameters): DeploymentPredicate {
  return parseDeploymentPredicate({ ...parameters, deployedAt: timestamp(parameters.deployedAt) });
}

/**
 * Validates untrusted JSON as a deployment predicate and returns a fresh copy holding only the
 * checked fields. Errors are `InputError` `INVALID_PREDICATE` naming the field
 * (`predicate.approvalPolicy.threshold`). Beyond types and formats it enforces: unknown fields
 * are refused; environment and roles are kebab-case and the policy id a token (they are compared
 * exactly); `threshold` is an integer from 1 to {@link MAX_APPROVAL_THRESHOLD}; `approvals` are
 * distinct lower-case entry ids. Whether the approvals meet the policy is the verifier's check
 * (docs/attestations.md, "Approvals, M-of-N"), so that a deployment that lacks them is still
 * recorded, and reported.
 *
 * @example
 * import { parseJson, parseDeploymentPredicate } from "provenance-ledger";
 * const deployment = parseDeploymentPredicate(parseJson(text));
 * console.log(`${deployment.environment}: needs ${deployment.approvalPolicy.threshold} approvals`);
 */
export function parseDeploymentPredicate(value: unknown, path = "predicate"): DeploymentPredicate {
  const o = expectObject(value, path, CODE, { required: ["environment", "target", "deployedAt", "deployer", "approvalPolicy"], allowed: ["approvals"] });
  const environment = expectString(o.environment, `${path}.environment`, CODE, { max: 64, pattern: KEBAB, hint: "lower-case kebab-case, e.g. production" });
  const t = expectObject(o.target, `${path}.target`, CODE, { required: ["name"], allowed: ["uri"] });
  const target = {
    name: expectName(t.name, `${path}.target.name`, CODE, { max: 256 }),
    ...(t.uri === undefined ? {} : { uri: expectUri(t.uri, `${path}.target.uri`, CODE) }),
  };
  const deployedAt = expectTimestamp(o.deployedAt, `${path}.deployedAt`, CODE);
  const d = expectObject(o.deployer, `${path}.deployer`, CODE, { required: ["name"], allowed: ["role"] });
  const deployer = {
    name: expectName(d.name, `${path}.deployer.name`, CODE, { max: 256 }),
    ...(d.role === undefined ? {} : { role: expectString(d.role, `${path}.deployer.role`, CODE, { max: 64, pattern: KEBAB, hint: KEBAB_HINT }) }),
  };
  const p = expectObject(o.approvalPolicy, `${path}.approvalPolicy`, CODE, { required: ["id", "threshold", "role"], allowed: [] });
  const approvalPolicy = {
    id: expectString(p.id, `${path}.approvalPolicy.id`, CODE, { max: 128, pattern: POLICY_ID, hint: "a policy id: letters, digits and ._:/@+- (no spaces)" }),
    threshold: expectInteger(p.threshold, `${path}.approvalPolicy.threshold`, CODE, 1, MAX_APPROVAL_THRESHOLD),
    role: expectString(p.role, `${path}.approvalPolicy.role`, CODE, { max: 64, pattern: KEBAB, hint: KEBAB_HINT }),
  };
  let approvals: Hex[] | undefined;
  if (o.approvals !== undefined) {
    const seen = new Map<string, number>();
    approvals = expectArray(o.approvals, `${path}.approvals`, CODE, 1, 1000).map((item, i) => {
      const id = expectString(item, `${path}.approvals[${i}]`, CODE, { min: 66, max: 66, pattern: ENTRY_ID, hint: "an entry id: 0x + 64 lower-case hex digits" }) as Hex;
      const first = seen.get(id);
      if (first !== undefined) throw new InputError(CODE, `is already listed as approvals[${first}]`, { path: `${path}.approvals[${i}]` });
      seen.set(id, i);
      return id;
    });
  }
  return { environment, target, deployedAt, deployer, approvalPolicy, ...(approvals === undefined ? {} : { approvals }) };
}

