// What a relayer can leave out of a bundle, and what an organisation's signed references hold it to:
// a deployment's named approvals, and a fine-tune's training run when its model update names none.
// Genuine evidence on a real embedded chain, signed by the organisation's own keys.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { reinstateSubject, revokeSubject } from "../../src/chain/registry.js";
import type { Hex } from "../../src/core/hex.js";
import { VerificationError } from "../../src/core/errors/verification.js";
import { type EvidenceBundle, parseBundle, serializeBundle } from "../../src/formats/bundle.js";
import { entryHash } from "../../src/formats/entry.js";
import { receiptEntry } from "../../src/formats/receipt.js";
import { APPROVAL_PREDICATE_TYPE } from "../../src/formats/predicates/approval.js";
import { MODEL_UPDATE_PREDICATE_TYPE, createModelUpdatePredicate } from "../../src/formats/predicates/modelUpdate.js";
import { TRAINING_RUN_PREDICATE_TYPE } from "../../src/formats/predicates/trainingRun.js";
import { buildBundle } from "../../src/ledger/buildBundle.js";
import { anchorBatches, sealBatch } from "../../src/ledger/ledger.js";
import { approveModel, attestModel, collectDataset, recordDeployment, recordTraining } from "../../src/ledger/pipeline/modelPipeline.js";
import { verifyBundle } from "../../src/verify/verifyBundle.js";
import { type GenuineEvidence, POLICY, createGenuineEvidence } from "../helpers/genuineEvidence.js";

const ZERO32 = `0x${"00".repeat(32)}` as const;
/** Deployments the first test anchors with broken references: later tests leave them out of the fine-tune's bundle. */
const broken: Hex[] = [];
let e: GenuineEvidence;
before(async () => {
  e = await createGenuineEvidence();
});
after(async () => e?.close());

const context = () => ({ store: e.store, key: e.keys.pipeline });
async function anchorAndBundle(sha256: string): Promise<EvidenceBundle> {
  sealBatch(e.store);
  await anchorBatches(e.store, e.writer, { registry: e.registry, orgId: e.orgId, confirmations: 1 });
  return parseBundle(serializeBundle(buildBundle(e.store, sha256)));
}
const verify = (bundle: EvidenceBundle, sha256: string) =>
  verifyBundle({ bundle, chain: e.reader, chainId: e.chain.chainId, registry: e.registry, artifactSha256: sha256, acceptedOrgIds: [e.orgId] });
const statementOf = (receipt: EvidenceBundle["receipts"][number]) =>
  JSON.parse(Buffer.from(receipt.envelope!.payload, "base64").toString("utf8")) as { predicateType: string; subject: { digest: { sha256: string } }[] };
const hashOf = (receipt: EvidenceBundle["receipts"][number]): Hex => entryHash(receiptEntry(receipt));
/** The bundle without the entries `hashes` (what a relayer leaves out). */
const without = (bundle: EvidenceBundle, ...hashes: Hex[]): EvidenceBundle => ({
  ...bundle,
  receipts: bundle.receipts.filter((r) => !hashes.includes(hashOf(r))),
});
const refused = (check: string, message: RegExp) => (error: unknown) =>
  error instanceof VerificationError && error.check === check && message.test(error.shortMessage);

describe("signed references a relayer cannot break", () => {
  it("error: lineage-reference when a deployment names an approval that is not in the bundle, or one under another policy; named genuine approvals verify", async () => {
    const model = e.model;
    const missing = `0x${randomBytes(32).toString("hex")}` as Hex;
    const other = await approveModel(context(), model, { key: e.keys.alice, approverName: "Alice", role: POLICY.role, policyId: "another-policy" });
    const deploy = (environment: string, approvals: Hex[]) =>
      recordDeployment(context(), model, {
        environment,
        target: { name: `scoring-${environment}` },
        deployer: { name: "release-bot", role: "ml-pipeline" },
        approvalPolicy: POLICY,
        approvals,
      });
    const staging = await deploy("staging", [missing]);
    broken.push(staging);
    let bundle = await anchorAndBundle(model.sha256);
    await assert.rejects(
      verify(bundle, model.sha256),
      refused("lineage-reference", new RegExp(`^deployment ${staging} names an approval entry ${missing}, which is not in the bundle`)),
    );
    // Without that deployment, the rest verifies: only the broken reference fails.
    assert.equal((await verify(without(bundle, staging), model.sha256)).verdict, "verified");

    const canary = await deploy("canary", [other]);
    broken.push(canary);
    bundle = await anchorAndBundle(model.sha256);
    await assert.rejects(
      verify(without(bundle, staging), model.sha256),
      refused(
        "lineage-reference",
        new RegExp(`^deployment ${canary} names an approval entry ${other}, which is under policy "another-policy", not the deployment's "${POLICY.id}"`),
      ),
    );

    // The fine-tune's own two approvals under the deployment's policy (the bundle also holds the base model's).
    const approvals = bundle.receipts
      .filter((r) => r.envelope && statementOf(r).predicateType === APPROVAL_PREDICATE_TYPE && statementOf(r).subject[0]!.digest.sha256 === model.sha256)
      .map(hashOf)
      .filter((h) => h !== other);
    assert.equal(approvals.length, 2);
    const production = await deploy("production-eu", approvals);
    bundle = await anchorAndBundle(model.sha256);
    const kept = without(bundle, staging, canary);
    const result = await verify(kept, model.sha256);
    assert.equal(result.verdict, "verified");
    assert.ok(result.deployments.some((d) => d.environment === "production-eu"));
    // Dropping one of the approvals it names is refused, though the quorum of the others might still be met.
    await assert.rejects(
      verify(without(kept, approvals[0]!), model.sha256),
      refused("lineage-reference", new RegExp(`^deployment ${production} names an approval entry ${approvals[0]}, which is not in the bundle`)),
    );
  });

  it("error: required-attestation when a fine-tune's model update names no training run and the relayer left the run out (its revoked dataset would vanish)", async () => {
    const dataDir = join(e.work, "data-unnamed");
    await mkdir(dataDir, { recursive: true });
    await writeFile(join(dataDir, "p.csv"), randomBytes(512).toString("hex"));
    const dataset = await collectDataset(context(), {
      path: dataDir,
      name: "dataset-unnamed",
      source: { uri: "s3://lake/unnamed/", collectedFrom: "ledger" },
      licence: { spdxId: "CC-BY-4.0" },
      personalData: false,
      accessEvents: [{ actor: "etl", action: "collected", at: new Date(), purpose: "training" }],
    });
    const modelPath = await mkdtemp(join(e.work, "unnamed-model-"));
    await writeFile(join(modelPath, "model.safetensors"), randomBytes(4096));
    const model = await recordTraining(context(), {
      modelPath,
      name: "genuine/unnamed",
      datasets: [dataset],
      hyperparameters: { epochs: 1 },
      builder: { id: "https://ci.example/runner" },
      startedOn: new Date(),
      finishedOn: new Date(),
    });
    // The fine-tune link, signed separately without `trainingRun` (optional in the predicate).
    const update = await attestModel(
      context(),
      model,
      MODEL_UPDATE_PREDICATE_TYPE,
      createModelUpdatePredicate({ kind: "fine-tune", parents: [{ name: "genuine/fine-tune", digest: { sha256: e.model.sha256 } }], updatedAt: new Date() }),
    );
    const full = without(await anchorAndBundle(model.sha256), ...broken);
    await revokeSubject(e.writer, e.registry, e.orgId, `0x${dataset.sha256}`, ZERO32);
    try {
      assert.equal((await verify(full, model.sha256)).verdict, "derived-from-revoked");
      const trimmed = {
        ...full,
        receipts: full.receipts.filter(
          (r) => !(r.envelope && statementOf(r).predicateType === TRAINING_RUN_PREDICATE_TYPE && statementOf(r).subject[0]!.digest.sha256 === model.sha256),
        ),
      };
      assert.equal(trimmed.receipts.length, full.receipts.length - 1);
      await assert.rejects(
        verify(trimmed, model.sha256),
        refused(
          "required-attestation",
          new RegExp(`^genuine/unnamed( \\[[0-9a-f]+\\])?'s model update ${update} \\(fine-tune\\) names no training run, and the bundle has none about it`),
        ),
      );
    } finally {
      await reinstateSubject(e.writer, e.registry, e.orgId, `0x${dataset.sha256}`, ZERO32);
    }
  });
});
