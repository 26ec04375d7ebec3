import type { InputError } from "../../core/errors/input.js";
import type { Hex } from "../../core/hex.js";
import { distinct, type Spec, s } from "../../core/spec/spec.js";
import { timestamp } from "../../core/validate.js";
import { entryId, kebabCase, policyId, type WithDate, parsePredicate } from "./fields.js";

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
export type CreateDeploymentPredicateParameters = WithDate<DeploymentPredicate, "deployedAt">;

/**
 * Errors of {@link parseDeploymentPredicate} and {@link createDeploymentPredicate}.
 *
 * @example
 * import { InputError, type ParseDeploymentPredicateErrorType } from "provenance-ledger";
 * try { parseDeploymentPredicate(json) } catch (e) { if (e instanceof InputError) console.error(e.path); }
 */
export type ParseDeploymentPredicateErrorType = InputError;

/** The deployment predicate's spec: parser, `schemas/predicates/deployment-v1.schema.json` and the docs table. */
export const deploymentSpec = s.object({
  environment: kebabCase("production").describe("e.g. `production`, `staging`"),
  target: s.object({ name: s.name(256).describe("the target's name"), uri: s.optional(s.uri().describe("the target's address")) }),
  deployedAt: s.timestamp().describe("time of the deployment"),
  deployer: s.object({ name: s.name(256).describe("a person or a service"), role: s.optional(kebabCase("release-manager").describe("their role")) }),
  approvalPolicy: s.object({
    id: policyId().describe("the policy id the approvals name"),
    threshold: s.integer(1, MAX_APPROVAL_THRESHOLD).describe("distinct approver keys needed"),
    role: kebabCase("release-manager").describe("the on-chain role each approver key must hold"),
  }),
  approvals: s.optional(
    s
      .array(entryId(), 1, 1000)
      .describe("entry ids of the approvals relied on")
      .refine(...distinct<Hex>()),
  ),
}) satisfies Spec<DeploymentPredicate>;

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
  return parsePredicate(deploymentSpec, value, path);
}
