import { onChainRole } from "../formats/attestation/publicKeys.js";
import { APPROVAL_PREDICATE_TYPE, type ApprovalPredicate } from "../formats/predicates/approval.js";
import { DATASET_PREDICATE_TYPE } from "../formats/predicates/dataset.js";
import { DEPLOYMENT_PREDICATE_TYPE, type DeploymentPredicate } from "../formats/predicates/deployment.js";
import { PREDICATE_NAMES } from "../formats/predicates/index.js";
import { MODEL_MANIFEST_PREDICATE_TYPE } from "../formats/predicates/modelManifest.js";
import { MODEL_UPDATE_PREDICATE_TYPE, type ModelUpdatePredicate } from "../formats/predicates/modelUpdate.js";
import { REVOCATION_PREDICATE_TYPE } from "../formats/predicates/revocation.js";
import { TRAINING_RUN_PREDICATE_TYPE, type TrainingRunPredicate, trainingRunEntryReferences } from "../formats/predicates/trainingRun.js";
import type { ChainReader } from "../chain/types.js";
import { type LedgerEntry, describeEntry } from "../formats/entry.js";
import { VerificationError } from "../core/errors/verification.js";
import { type Hex, hexEquals } from "../core/hex.js";
import { type ApprovalQuorum, type SignedAttestation, checkApprovalQuorum } from "./lineage/approvalQuorum.js";
import { type LineageGraph, ancestorsOf, buildLineageGraph, displayName } from "./lineage/lineageGraph.js";
import { receiptEntry } from "../formats/receipt.js";
import { type VerifiedAttestation, verifyAttestation } from "./verifyAttestation.js";
import { type ArtifactCheck, type ArtifactEvidence, checkKindClaims, evidenceOf } from "./artifact.js";
import { type ChainCheckMemo, verifyReceiptOfEntry } from "./verifyReceipt.js";
import { type FreshnessParameters, type RevocationFinding, type RevocationHead, chainRevocation, revocationHead } from "./revocation.js";
import { DEFAULT_VERIFICATION_POLICY, type VerificationPolicy } from "./verificationPolicy.js";
import type { EvidenceBundle } from "../formats/bundle.js";

export type VerifyBundleParameters = FreshnessParameters & {
  readonly bundle: EvidenceBundle;
  readonly chain: ChainReader;
  /** Pinned by the verifier, never taken from the bundle. */
  readonly chainId: number;
  /** Pinned by the verifier, never taken from the bundle. */
  readonly registry: Hex;
  /**
   * The model's files as the verifier hashed them (`artifactFromModelDigest(await hashModel(path))`:
   * digest and kind checked) or a digest it holds (`artifactFromDigest("sha256:…")`: digest only).
   * Omit to skip that check (`artifact.checked: "none"`).
   */
  readonly artifact?: ArtifactEvidence | undefined;
  /** Older form of `artifact: { checked: "digest-only", sha256 }`. */
  readonly artifactSha256?: string | undefined;
  readonly acceptedOrgIds?: readonly number[] | undefined;
  readonly confirmations?: number | undefined;
  /** Demand at least this many distinct approvers, whatever the deployment's policy says. */
  readonly requireApprovals?: number | undefined;
  /** Pinned by the verifier (`--policy`); {@link DEFAULT_VERIFICATION_POLICY} when omitted. */
  readonly policy?: VerificationPolicy | undefined;
};

/**
 * `verified`: every entry verified and nothing in the model's lineage is revoked. `revoked`: the
 * model itself was revoked. `derived-from-revoked`: an ancestor was. Evidence that does not verify
 * throws instead: there is no verdict on broken evidence.
 */
export type BundleVerdict = "verified" | "revoked" | "derived-from-revoked";

/**
 * The signed, anchored entry that registered the model (or an artifact): its earliest anchored
 * model manifest (dataset attestation for a dataset), else training run or model update, else
 * any attestation about it. Every field comes from the verified envelope or from the chain.
 */
export type Registration = Pick<VerifiedAttestation, "entryHash" | "organisation" | "blockNumber" | "timestamp" | "txHash"> & {
  /** The name the registering statement's signed subject gives the artifact. */
  readonly name: string;
  readonly predicateType: string;
};

/** The model's revocation status and its lineage's, read from the chain as of `checkedAt`. */
export type BundleRevocation = {
  readonly revoked: boolean;
  /** The revocation attestation of the model, when revoked and known. */
  readonly revokedBy: Hex | null;
  /** Revoked ancestors the model derives from. */
  readonly derivedFromRevoked: readonly string[];
  /** The head block when the chain was read; the state read is at this block or later. */
  readonly checkedAt: RevocationHead;
  /** Every artifact checked (the model and every ancestor) and the organisations whose revocations count for it. */
  readonly checked: readonly { readonly sha256: string; readonly organisations: readonly number[] }[];
  readonly findings: readonly RevocationFinding[];
};

/**
 * What a bundle's verification established. Nothing here comes from the bundle's unsigned fields
 * (its `subject.name`, `chain`, `createdAt`): names come from signed statements, organisation
 * names from the chain.
 */
export type VerifiedBundle = {
  readonly verdict: BundleVerdict;
  /** The model: its SHA-256 and the name its registration's signed statement gives it. */
  readonly model: { readonly name: string; readonly sha256: string };
  readonly registration: Registration;
  /** What the model was checked against: files the verifier hashed (`files`), a supplied digest (`digest-only`), or nothing (`none`). */
  readonly artifact: ArtifactCheck;
  readonly attestations: readonly VerifiedAttestation[];
  readonly graph: LineageGraph;
  readonly revocation: BundleRevocation;
  readonly deployments: readonly { readonly entryHash: Hex; readonly environment: string; readonly quorum: ApprovalQuorum }[];
  /** The policy the verification applied. */
  readonly policy: VerificationPolicy;
};

const IDENTITY_TYPES = [MODEL_MANIFEST_PREDICATE_TYPE, DATASET_PREDICATE_TYPE];
const DERIVATION_TYPES = [TRAINING_RUN_PREDICATE_TYPE, MODEL_UPDATE_PREDICATE_TYPE];
const SHORT_NAMES = new Map(Object.entries(PREDICATE_NAMES).map(([name, type]) => [type, name]));

/**
 * Verifies an evidence bundle against a node: each entry in turn (anchor, signatures, signing keys
 * on chain); the first that fails is reported as the broken link, naming the entry. Then the
 * lineage: no cycle, the model has an attestation, every ancestor (base model, dataset, parent) has
 * a verified attestation, every entry a signed attestation names by hash is there
 * (`lineage-reference`); every deployment of the model is signed by a key with a role the policy
 * names (`deployment-signer`) and meets its M-of-N approval policy (`approval-quorum`); the model
 * has every attestation the policy requires, and every ancestor model the policy's training-run or
 * model-update requirement (`required-attestation`). Last, the revocation status
 * of the model and every ancestor is read from the chain, whatever the bundle holds, for the
 * organisation that registered each and those the policy accepts.
 *
 * Only the bundle's receipts, keys and model digest are used; its unsigned `subject.name` never is.
 *
 * @example
 * import { parseBundle, verifyBundle } from "provenance-ledger";
 * const result = await verifyBundle({ bundle: parseBundle(text), chain, chainId: 31337, registry });
 * console.log(result.verdict, result.model.name, result.registration.blockNumber);
 */
export async function verifyBundle(parameters: VerifyBundleParameters): Promise<VerifiedBundle> {
  // The bundle's unsigned fields stop here: only the digest asked about, the receipts and the keys go on.
  const { receipts, keys } = parameters.bundle;
  const model = parameters.bundle.subject.digest.sha256;
  const policy = parameters.policy ?? DEFAULT_VERIFICATION_POLICY;
  const evidence = evidenceOf(parameters);
  if (evidence !== undefined && !hexEquals(evidence.sha256, model))
    throw new VerificationError(
      "artifact-digest",
      `${evidence.checked === "files" ? `the model ${evidence.kind} hashes to` : "the supplied digest is"} ${evidence.sha256}, but the bundle is about sha256 ${model}`,
    );
  const acceptedOrgIds = intersect(parameters.acceptedOrgIds, policy.organisations);

  const attestations: VerifiedAttestation[] = [];
  // Each receipt's entry as its verification parsed it (not parsed again for the kind claims).
  const entries: LedgerEntry[] = [];
  // One chain reader for every entry: a signing key's registration is checked once (verifyAttestation).
  const possessionChecks = new Map<string, Promise<string | null>>();
  // And each batch's anchor and each key's registration once: a bundle's entries come in a few batches, signed by a few keys.
  const chainChecks: ChainCheckMemo = new Map();
  for (const [i, receipt] of receipts.entries()) {
    const common = {
      chain: parameters.chain,
      chainId: parameters.chainId,
      registry: parameters.registry,
      acceptedOrgIds,
      confirmations: parameters.confirmations,
      receipt,
    };
    try {
      if (receipt.envelope !== undefined) {
        const attestation = await verifyAttestation({ ...common, publicKeys: keys, possessionChecks, chainChecks });
        attestations.push(attestation);
        entries.push(attestation.entry);
      } else entries.push((await verifyReceiptOfEntry(common, receiptEntry(receipt), undefined, chainChecks)).entry);
    } catch (error) {
      if (error instanceof VerificationError)
        throw new VerificationError(error.check, `broken link at entry ${i} (${describeEntry(receiptEntry(receipt))}): ${error.shortMessage}`, {
          cause: error,
        });
      throw error;
    }
  }
  // Anchor order, not bundle order: among the entries in the bundle, the relayer must not choose which
  // signed name is shown first (it can still leave an earlier manifest out: docs/bundle.md).
  attestations.sort((a, b) => a.blockNumber - b.blockNumber || a.sequence - b.sequence || (a.entryHash < b.entryHash ? -1 : 1));

  // The kind the verifier hashed must be the kind every entry about the model signed.
  checkKindClaims(entries, model, evidence);
  const artifact: ArtifactCheck =
    evidence === undefined
      ? { checked: "none" }
      : evidence.checked === "files"
        ? { checked: "files", kind: evidence.kind, sha256: evidence.sha256 }
        : { checked: "digest-only", sha256: evidence.sha256 };

  const lineage = attestations.map((a) => ({ entryHash: a.entryHash, statement: a.statement, blockNumber: a.blockNumber }));
  const graph = buildLineageGraph(lineage);
  if (!graph.nodes.get(model)?.attestedBy.length) throw new VerificationError("lineage", `no attestation in the bundle is about the model (sha256 ${model})`);
  const ancestors = ancestorsOf(graph, model);
  for (const ancestor of ancestors) {
    if (graph.nodes.get(ancestor)?.attestedBy.length) continue;
    const edge = graph.edges.find((e) => e.from === ancestor)!;
    throw new VerificationError(
      "lineage",
      `broken link: ${displayName(graph, ancestor)}, the ${edge.relation} of ${displayName(graph, edge.to)} (entry ${edge.via}), has no verified attestation in the bundle`,
    );
  }
  checkEntryReferences(attestations);

  const signed: SignedAttestation[] = attestations.map((a) => ({
    entryHash: a.entryHash,
    statement: a.statement,
    blockNumber: a.blockNumber,
    signers: a.signers,
    orgId: a.organisation.id,
  }));
  const requireApprovals = maxDefined(parameters.requireApprovals, policy.approvals?.minimum);
  const deploymentRoles = policy.deployment.roles.map((r) => onChainRole(r));
  const deployments = attestations
    .filter((a) => a.statement.predicateType === DEPLOYMENT_PREDICATE_TYPE && about(a, model))
    .map((a) => {
      if (!a.signers.some((s) => deploymentRoles.some((r) => hexEquals(r, s.role))))
        throw new VerificationError(
          "deployment-signer",
          `deployment ${a.entryHash} is signed by ${a.signers.map((s) => s.keyid).join(", ")}, none registered with a role the policy accepts for deployments (${policy.deployment.roles.join(", ")})`,
        );
      const p = a.statement.predicate as DeploymentPredicate;
      if (policy.approvals?.roles && !policy.approvals.roles.includes(p.approvalPolicy.role))
        throw new VerificationError(
          "approval-quorum",
          `deployment ${a.entryHash} relies on approvals by role "${p.approvalPolicy.role}", which the verifier's policy does not accept (accepted: ${policy.approvals.roles.join(", ")})`,
        );
      const quorum = checkApprovalQuorum({
        attestations: signed,
        model,
        policy: p.approvalPolicy,
        requireApprovals,
        notAfterBlock: a.blockNumber,
        orgId: a.organisation.id,
      });
      return { entryHash: a.entryHash, environment: p.environment, quorum };
    });
  if (requireApprovals !== undefined && deployments.length === 0)
    throw new VerificationError(
      "approval-quorum",
      `${requireApprovals} approvals were required, but the bundle has no deployment of the model to check them against`,
    );

  const present = new Set(attestations.filter((a) => about(a, model)).map((a) => SHORT_NAMES.get(a.statement.predicateType)));
  for (const requirement of policy.require)
    if (!requirement.some((name) => present.has(name)))
      throw new VerificationError(
        "required-attestation",
        `the policy requires an attestation of type ${requirement.join(" or ")} about the model (sha256 ${model}); the bundle has none (it has: ${[...present].join(", ") || "none"})`,
      );

  // Omission of an ancestor's derivation: a base or parent model's own training run (or model
  // update) is what links it to its datasets and parents, and nothing the model signed names it.
  // Left out, those inputs would drop out of the lineage, and their revocations with them. So every
  // ancestor model must meet the policy's derivation requirements (the items naming training-run
  // or model-update) as the model itself does (found by npm run fuzz: a bundle without the base
  // model's training run verified with the base's dataset unchecked for revocation).
  const derivation = policy.require.filter((requirement) => requirement.includes("training-run") || requirement.includes("model-update"));
  const ancestorModels = new Set(graph.edges.filter((e) => e.relation !== "dataset" && ancestors.includes(e.from)).map((e) => e.from));
  for (const ancestor of ancestorModels) {
    const has = new Set(graph.nodes.get(ancestor)!.attestedBy.map((a) => SHORT_NAMES.get(a.predicateType)));
    for (const requirement of derivation)
      if (!requirement.some((name) => has.has(name)))
        throw new VerificationError(
          "required-attestation",
          `the policy requires an attestation of type ${requirement.join(" or ")} about every model in the lineage (what links it to its own inputs); ${displayName(graph, ancestor)}, an ancestor of the model, has none in the bundle (it has: ${[...has].join(", ") || "none"})`,
        );
  }

  // A fine-tune or distillation was trained on something: when its model update names no training
  // run (`trainingRun` is optional in the predicate), the training run must still be in the bundle,
  // or a relayer could leave it out and its datasets, and their revocations, with it.
  for (const sha256 of [model, ...ancestorModels]) {
    const unnamed = attestations.find(
      (a) =>
        a.statement.predicateType === MODEL_UPDATE_PREDICATE_TYPE &&
        about(a, sha256) &&
        TRAINED_KINDS.includes((a.statement.predicate as ModelUpdatePredicate).kind) &&
        (a.statement.predicate as ModelUpdatePredicate).trainingRun === undefined,
    );
    if (unnamed && !attestations.some((a) => a.statement.predicateType === TRAINING_RUN_PREDICATE_TYPE && about(a, sha256)))
      throw new VerificationError(
        "required-attestation",
        `${displayName(graph, sha256)}'s model update ${unnamed.entryHash} (${(unnamed.statement.predicate as ModelUpdatePredicate).kind}) names no training run, and the bundle has none about it: what it was trained on, and whether that was revoked, could not be checked`,
      );
  }

  const registration = registrationOf(attestations, model)!;
  const revocation = await readRevocations(parameters, policy, attestations, [model, ...ancestors], model);
  const verdict: BundleVerdict = revocation.revoked ? "revoked" : revocation.derivedFromRevoked.length ? "derived-from-revoked" : "verified";
  return {
    verdict,
    model: { name: registration.name, sha256: model },
    registration,
    artifact,
    attestations,
    graph,
    revocation,
    deployments,
    policy,
  };
}

/** Model-update kinds that train the model on data: their training run is part of the lineage. */
const TRAINED_KINDS: readonly string[] = ["fine-tune", "distillation"];

function about(a: VerifiedAttestation, sha256: string): boolean {
  return a.statement.subject.some((s) => s.digest.sha256 === sha256);
}

/**
 * The entry that registered `sha256`: the earliest anchored identity attestation (model manifest,
 * dataset) in the bundle, else derivation (training run, model update), else any attestation about it.
 * `attestations` are in anchor order.
 */
export function registrationOf(attestations: readonly VerifiedAttestation[], sha256: string): Registration | null {
  const aboutIt = attestations.filter((a) => about(a, sha256));
  const chosen =
    aboutIt.find((a) => IDENTITY_TYPES.includes(a.statement.predicateType)) ??
    aboutIt.find((a) => DERIVATION_TYPES.includes(a.statement.predicateType)) ??
    aboutIt[0];
  if (!chosen) return null;
  return {
    name: chosen.statement.subject.find((s) => s.digest.sha256 === sha256)!.name,
    entryHash: chosen.entryHash,
    predicateType: chosen.statement.predicateType,
    organisation: chosen.organisation,
    blockNumber: chosen.blockNumber,
    timestamp: chosen.timestamp,
    txHash: chosen.txHash,
  };
}

/**
 * Every entry a verified attestation names by hash must be a verified attestation in the bundle,
 * about the right artifact: a model update's `trainingRun` (a training run of the same model), a
 * deployment's `approvals` (approvals of the deployed model under the deployment's policy id), a
 * v2 training run's `annotations.entry` on each base model and dataset (an attestation about that
 * input). Dropping such an entry breaks a signed reference.
 */
function checkEntryReferences(attestations: readonly VerifiedAttestation[]): void {
  const byHash = new Map(attestations.map((a) => [a.entryHash.toLowerCase(), a]));
  const missing = (from: VerifiedAttestation, what: string, ref: Hex, why: string): never => {
    throw new VerificationError(
      "lineage-reference",
      `${SHORT_NAMES.get(from.statement.predicateType) ?? from.statement.predicateType} ${from.entryHash} names ${what} entry ${ref}, ${why}`,
    );
  };
  for (const a of attestations) {
    if (a.statement.predicateType === MODEL_UPDATE_PREDICATE_TYPE) {
      const ref = (a.statement.predicate as ModelUpdatePredicate).trainingRun;
      if (ref === undefined) continue;
      const target = byHash.get(ref.toLowerCase());
      if (!target) missing(a, "its training-run", ref, "which is not in the bundle: the evidence was left out");
      if (target!.statement.predicateType !== TRAINING_RUN_PREDICATE_TYPE || !a.statement.subject.every((s) => about(target!, s.digest.sha256)))
        missing(a, "its training-run", ref, "which is not a training run of the same model");
    }
    if (a.statement.predicateType === DEPLOYMENT_PREDICATE_TYPE) {
      const p = a.statement.predicate as DeploymentPredicate;
      for (const ref of p.approvals ?? []) {
        const target = byHash.get(ref.toLowerCase());
        if (!target) missing(a, "an approval", ref, "which is not in the bundle: the evidence was left out");
        if (target!.statement.predicateType !== APPROVAL_PREDICATE_TYPE || !a.statement.subject.every((s) => about(target!, s.digest.sha256)))
          missing(a, "an approval", ref, "which is not an approval of the deployed model");
        const policyId = (target!.statement.predicate as ApprovalPredicate).policy.id;
        if (policyId !== p.approvalPolicy.id)
          missing(a, "an approval", ref, `which is under policy "${policyId}", not the deployment's "${p.approvalPolicy.id}"`);
      }
    }
    if (a.statement.predicateType === TRAINING_RUN_PREDICATE_TYPE) {
      for (const input of trainingRunEntryReferences(a.statement.predicate as TrainingRunPredicate)) {
        const target = byHash.get(input.entry.toLowerCase());
        if (!target) missing(a, `the ${input.role} ${input.name ?? input.sha256}'s`, input.entry, "which is not in the bundle: the evidence was left out");
        if (!about(target!, input.sha256))
          missing(a, `the ${input.role} ${input.name ?? input.sha256}'s`, input.entry, `which is not about that ${input.role} (sha256 ${input.sha256})`);
      }
    }
  }
}

/**
 * The revocation status of the model and each ancestor, read from the chain for every
 * organisation that registered it (anchored a manifest, dataset, training-run or model-update
 * attestation about it; any attestation if none) and every organisation the policy accepts: so a
 * revocation left out of the bundle still counts, and one by an unrelated organisation does not.
 * A signed revocation in the bundle counts too, by the same organisations, unless the chain
 * changed that organisation's state for the artifact after it was anchored (reinstated).
 */
async function readRevocations(
  parameters: VerifyBundleParameters,
  policy: VerificationPolicy,
  attestations: readonly VerifiedAttestation[],
  artifacts: readonly string[],
  model: string,
): Promise<BundleRevocation> {
  const checkedAt = await revocationHead(parameters.chain, parameters);
  const findings: RevocationFinding[] = [];
  const checked: { sha256: string; organisations: number[] }[] = [];
  for (const sha256 of artifacts) {
    const aboutIt = attestations.filter((a) => about(a, sha256));
    const registering = aboutIt.filter((a) => IDENTITY_TYPES.includes(a.statement.predicateType) || DERIVATION_TYPES.includes(a.statement.predicateType));
    const organisations = [
      ...new Set([...(registering.length ? registering : aboutIt).map((a) => a.organisation.id), ...(policy.revocation?.organisations ?? [])]),
    ].sort((x, y) => x - y);
    checked.push({ sha256, organisations });
    for (const orgId of organisations) {
      const { finding, changedAt } = await chainRevocation(parameters.chain, parameters.registry, orgId, sha256);
      if (finding) {
        findings.push(finding);
        continue;
      }
      for (const a of aboutIt)
        if (a.statement.predicateType === REVOCATION_PREDICATE_TYPE && a.organisation.id === orgId && BigInt(a.blockNumber) >= changedAt)
          findings.push({ sha256, orgId, source: "attestation", blockNumber: a.blockNumber, entryHash: a.entryHash });
    }
  }
  const own = findings.filter((f) => f.sha256 === model);
  return {
    revoked: own.length > 0,
    revokedBy: own.find((f) => f.entryHash !== null)?.entryHash ?? null,
    derivedFromRevoked: artifacts.filter((a) => a !== model && findings.some((f) => f.sha256 === a)),
    checkedAt,
    checked,
    findings,
  };
}

function intersect(a: readonly number[] | undefined, b: readonly number[] | undefined): readonly number[] | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a.filter((x) => b.includes(x));
}

function maxDefined(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.max(a, b);
}
