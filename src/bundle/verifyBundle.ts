import { DEPLOYMENT_PREDICATE_TYPE, type DeploymentPredicate } from "../attestation/predicates/deployment.js";
import type { ChainReader } from "../chain/types.js";
import { describeEntry } from "../entry.js";
import { BaseError } from "../errors/base.js";
import { VerificationError } from "../errors/verification.js";
import { type Hex, hexEquals } from "../hex.js";
import { type ApprovalQuorum, type SignedAttestation, checkApprovalQuorum } from "../lineage/approvalQuorum.js";
import { type LineageGraph, type RevocationStatus, ancestorsOf, buildLineageGraph, displayName, revocationStatus } from "../lineage/lineageGraph.js";
import { receiptEntry } from "../receipt.js";
import { type VerifiedAttestation, verifyAttestation } from "../verify/verifyAttestation.js";
import { type ArtifactCheck, type ArtifactEvidence, checkKindClaims, evidenceOf } from "../verify/artifact.js";
import { verifyReceipt } from "../verify/verifyReceipt.js";
import type { EvidenceBundle } from "./bundle.js";

export type VerifyBundleParameters = {
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
};

/**
 * `verified`: every entry verified and nothing in the model's lineage is revoked. `revoked`: the
 * model itself was revoked. `derived-from-revoked`: an ancestor was. Evidence that does not verify
 * throws instead: there is no verdict on broken evidence.
 */
export type BundleVerdict = "verified" | "revoked" | "derived-from-revoked";

export type VerifiedBundle = {
  readonly verdict: BundleVerdict;
  readonly model: { readonly name: string; readonly sha256: string };
  /** What the model was checked against: files the verifier hashed (`files`), a supplied digest (`digest-only`), or nothing (`none`). */
  readonly artifact: ArtifactCheck;
  readonly attestations: readonly VerifiedAttestation[];
  readonly graph: LineageGraph;
  readonly revocation: RevocationStatus;
  readonly deployments: readonly { readonly entryHash: Hex; readonly environment: string; readonly quorum: ApprovalQuorum }[];
};

/**
 * Verifies an evidence bundle against a node: each entry in turn (anchor, signatures, signing keys
 * on chain); the first that fails is reported as the broken link, naming the entry. Then the
 * lineage: no cycle, the model has an attestation, every ancestor (base model, dataset, parent) has
 * a verified attestation; every deployment of the model meets its M-of-N approval policy; and the
 * revocation status of the model and its ancestors gives the verdict.
 *
 * @example
 * import { parseBundle, verifyBundle } from "provenance-ledger";
 * const result = await verifyBundle({ bundle: parseBundle(text), chain, chainId: 31337, registry });
 * console.log(result.verdict);
 */
export async function verifyBundle(parameters: VerifyBundleParameters): Promise<VerifiedBundle> {
  const { bundle } = parameters;
  const model = bundle.subject.digest.sha256;
  const evidence = evidenceOf(parameters);
  if (evidence !== undefined && !hexEquals(evidence.sha256, model))
    throw new VerificationError(
      "artifact-digest",
      `${evidence.checked === "files" ? `the model ${evidence.kind} hashes to` : "the supplied digest is"} ${evidence.sha256}, but the bundle is about ${bundle.subject.name} (${model})`,
    );

  const attestations: VerifiedAttestation[] = [];
  for (const [i, receipt] of bundle.receipts.entries()) {
    const common = { ...parameters, receipt, artifact: undefined, artifactSha256: undefined };
    try {
      if (receipt.envelope !== undefined) attestations.push(await verifyAttestation({ ...common, publicKeys: bundle.keys }));
      else await verifyReceipt(common);
    } catch (error) {
      if (error instanceof VerificationError)
        throw new VerificationError(error.check, `broken link at entry ${i} (${describeEntry(receiptEntry(receipt))}): ${error.shortMessage}`, { cause: error });
      if (error instanceof BaseError) throw error;
      throw error;
    }
  }

  // The kind the verifier hashed must be the kind every entry about the model signed.
  checkKindClaims(bundle.receipts.map(receiptEntry), model, evidence);
  const artifact: ArtifactCheck =
    evidence === undefined ? { checked: "none" } : evidence.checked === "files" ? { checked: "files", kind: evidence.kind, sha256: evidence.sha256 } : { checked: "digest-only", sha256: evidence.sha256 };

  const lineage = attestations.map((a) => ({ entryHash: a.entryHash, statement: a.statement, blockNumber: a.blockNumber }));
  const graph = buildLineageGraph(lineage);
  if (!graph.nodes.get(model)?.attestedBy.length) throw new VerificationError("lineage", `no attestation in the bundle is about the model ${bundle.subject.name} (${model})`);
  for (const ancestor of ancestorsOf(graph, model)) {
    if (graph.nodes.get(ancestor)?.attestedBy.length) continue;
    const edge = graph.edges.find((e) => e.from === ancestor)!;
    throw new VerificationError(
      "lineage",
      `broken link: ${displayName(graph, ancestor)}, the ${edge.relation} of ${displayName(graph, edge.to)} (entry ${edge.via}), has no verified attestation in the bundle`,
    );
  }

  const signed: SignedAttestation[] = attestations.map((a) => ({ entryHash: a.entryHash, statement: a.statement, blockNumber: a.blockNumber, signers: a.signers, orgId: a.organisation.id }));
  const deployments = attestations
    .filter((a) => a.statement.predicateType === DEPLOYMENT_PREDICATE_TYPE && a.statement.subject.some((s) => s.digest.sha256 === model))
    .map((a) => {
      const p = a.statement.predicate as DeploymentPredicate;
      const quorum = checkApprovalQuorum({ attestations: signed, model, policy: p.approvalPolicy, requireApprovals: parameters.requireApprovals, notAfterBlock: a.blockNumber, orgId: a.organisation.id });
      return { entryHash: a.entryHash, environment: p.environment, quorum };
    });
  if (parameters.requireApprovals !== undefined && deployments.length === 0)
    throw new VerificationError("approval-quorum", `${parameters.requireApprovals} approvals were required, but the bundle has no deployment of the model to check them against`);

  const revocation = revocationStatus(graph, lineage, model);
  const verdict: BundleVerdict = revocation.revoked ? "revoked" : revocation.derivedFromRevoked.length ? "derived-from-revoked" : "verified";
  return { verdict, model: { name: bundle.subject.name, sha256: model }, artifact, attestations, graph, revocation, deployments };
}
