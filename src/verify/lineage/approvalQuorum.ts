import { APPROVAL_PREDICATE_TYPE, type ApprovalPredicate } from "../../formats/predicates/approval.js";
import type { DeploymentApprovalPolicy } from "../../formats/predicates/deployment.js";
import { onChainRole } from "../../formats/attestation/publicKeys.js";
import { VerificationError } from "../../core/errors/verification.js";
import { type Hex, hexEquals } from "../../core/hex.js";
import { compareTimestamps } from "../../core/validate.js";
import type { LineageAttestation } from "./lineageGraph.js";

/** An attestation whose signers were verified on chain (see `verifyAttestation`). */
export type SignedAttestation = LineageAttestation & {
  readonly signers: readonly { readonly keyid: string; readonly role: Hex }[];
  /** The organisation that anchored it (its signers' keys are registered to it). */
  readonly orgId: number;
};

/** The approval policy a deployment names (its predicate's `approvalPolicy`): id, threshold N and the approvers' role. */
export type ApprovalPolicy = DeploymentApprovalPolicy;

export type ApprovalQuorum = {
  readonly policy: ApprovalPolicy;
  /** N actually required: the policy's, or more if the verifier demanded it. */
  readonly required: number;
  /** Distinct approving keys that counted. */
  readonly approvers: readonly string[];
  /** Keys that approved more than once: counted once. */
  readonly duplicates: readonly string[];
  /** Keys that rejected. */
  readonly rejections: readonly string[];
  /** Approvals that did not count, and why. */
  readonly ignored: readonly { readonly entryHash: Hex; readonly reason: string }[];
};

/**
 * M-of-N: counts the distinct keys that approved `model` under `policy` and throws
 * `approval-quorum` unless there are at least `max(policy.threshold, requireApprovals)`. An
 * approval counts only if it was anchored by the deploying organisation, is about the model, for the same policy id, decided `approved`, signed
 * by the approver key it names, that key registered with the policy's role, and anchored no later
 * than `notAfterBlock` (the deployment's anchor). The same key counts once however many times it
 * signed, and only if its last decision (by anchor block, then signed time) is `approved`: a
 * rejection after an approval cancels it.
 */
export function checkApprovalQuorum(parameters: {
  readonly attestations: readonly SignedAttestation[];
  readonly model: string;
  readonly policy: ApprovalPolicy;
  readonly requireApprovals?: number | undefined;
  readonly notAfterBlock?: number | undefined;
  /** The deployment's organisation: only its approvers count. */
  readonly orgId: number;
}): ApprovalQuorum {
  const { policy, model } = parameters;
  const role = onChainRole(policy.role);
  const duplicates = new Set<string>();
  const rejections = new Set<string>();
  const ignored: { entryHash: Hex; reason: string }[] = [];
  // Each key's decisions, to keep only its last: a rejection after an approval cancels it.
  const decisions = new Map<string, { approved: boolean; block: number; at: string; entryHash: Hex }[]>();
  for (const a of parameters.attestations) {
    if (a.statement.predicateType !== APPROVAL_PREDICATE_TYPE || !a.statement.subject.some((s) => s.digest.sha256 === model)) continue;
    const p = a.statement.predicate as ApprovalPredicate;
    const skip = (reason: string) => void ignored.push({ entryHash: a.entryHash, reason });
    if (a.orgId !== parameters.orgId) {
      skip(`signed by ${a.signers.map((x) => x.keyid).join(", ")} of organisation ${a.orgId}, not of organisation ${parameters.orgId} that deployed the model`);
      continue;
    }
    if (p.policy.id !== policy.id) {
      skip(`policy ${p.policy.id}, not ${policy.id}`);
      continue;
    }
    const signer = a.signers.find((s) => s.keyid === p.approver.keyid);
    if (!signer) {
      skip(`names approver key ${p.approver.keyid} but is not signed by it`);
      continue;
    }
    if (!hexEquals(signer.role, role)) {
      skip(`key ${signer.keyid} is not registered with role "${policy.role}"`);
      continue;
    }
    if (parameters.notAfterBlock !== undefined && a.blockNumber !== undefined && a.blockNumber > parameters.notAfterBlock) {
      skip(`anchored at block ${a.blockNumber}, after the deployment (block ${parameters.notAfterBlock})`);
      continue;
    }
    const list = decisions.get(signer.keyid) ?? [];
    if (p.decision === "approved" && list.some((d) => d.approved)) duplicates.add(signer.keyid);
    list.push({ approved: p.decision === "approved", block: a.blockNumber ?? 0, at: p.approvedAt, entryHash: a.entryHash });
    decisions.set(signer.keyid, list);
  }
  const counted = new Set<string>();
  for (const [keyid, list] of decisions) {
    // Last decision wins: by anchor block, then the signed time; on a full tie the rejection wins.
    const last = [...list].sort((x, y) => x.block - y.block || compareTimestamps(x.at, y.at) || Number(y.approved) - Number(x.approved)).at(-1)!;
    if (last.approved) counted.add(keyid);
    else {
      rejections.add(keyid);
      for (const d of list)
        if (d.approved) ignored.push({ entryHash: d.entryHash, reason: `cancelled by the later rejection ${last.entryHash} of the same key ${keyid}` });
    }
  }
  const required = Math.max(policy.threshold, parameters.requireApprovals ?? 0);
  const result = { policy, required, approvers: [...counted], duplicates: [...duplicates], rejections: [...rejections], ignored };
  if (counted.size < required) {
    const notes = [
      ...[...duplicates].map((k) => `key ${k} approved more than once and counts once`),
      ...[...rejections].map((k) => `key ${k} rejected`),
      ...ignored.map((i) => `approval ${i.entryHash} does not count: ${i.reason}`),
    ];
    throw new VerificationError(
      "approval-quorum",
      `policy ${policy.id} needs ${required} distinct approvers with role "${policy.role}"; ${counted.size} approved${notes.length ? ` (${notes.join("; ")})` : ""}`,
    );
  }
  return result;
}
