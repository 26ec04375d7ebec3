import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { proveKeyPossession } from "../../src/formats/attestation/keyPossession.js";
import { type KeyFile, generateKeyFile, keyFileFromEthereumKey, onChainRole, signerFromKeyFile } from "../../src/local/keys/keys.js";
import { parseBundle, serializeBundle } from "../../src/formats/bundle.js";
import { buildBundle } from "../../src/ledger/buildBundle.js";
import { verifyBundle } from "../../src/verify/verifyBundle.js";
import { deployRegistry, registerOrganisation, registerSigningKey } from "../../src/chain/registry.js";
import { connectReader, connectWriter } from "../../src/chain/connect.js";
import { DEV_PRIVATE_KEY, type EmbeddedChain, startEmbeddedChain } from "../../src/chain/embeddedChain.js";
import type { Hex } from "../../src/core/hex.js";
import { LedgerStore } from "../../src/ledger/store/ledgerStore.js";

const run = promisify(execFile);
const PIPELINE = fileURLToPath(new URL("../../examples/pipeline.mjs", import.meta.url));

// The example script a training job calls, run stage by stage as separate processes against a
// real chain, then the resulting bundle verified as a third party would.
describe("examples/pipeline.mjs", () => {
  let chain: EmbeddedChain;
  let work: string;
  let env: NodeJS.ProcessEnv;
  let registry: Hex;
  let bundleText: string;
  let datasetSha256: string;

  before(async () => {
    chain = await startEmbeddedChain();
    work = await mkdtemp(join(tmpdir(), "provenance-example-"));
    const writer = await connectWriter(chain.rpcUrl, DEV_PRIVATE_KEY, 30_000);
    registry = (await deployRegistry(writer)).registry;
    const { orgId } = await registerOrganisation(writer, registry, { name: "Example Lab" });
    const pipeline = keyFileFromEthereumKey(DEV_PRIVATE_KEY);
    const approvers = [generateKeyFile("ed25519"), generateKeyFile("p256")];
    const possession = (key: KeyFile, role: string) =>
      proveKeyPossession(signerFromKeyFile(key), { chainId: chain.chainId, registry, orgId, role: onChainRole(role) });
    await registerSigningKey(writer, registry, { orgId, role: onChainRole("ml-pipeline"), possession: await possession(pipeline, "ml-pipeline") });
    for (const [i, key] of approvers.entries()) {
      await registerSigningKey(writer, registry, { orgId, role: onChainRole("approver"), possession: await possession(key, "approver") });
      await writeFile(join(work, `approver-${i}.json`), JSON.stringify(key));
    }
    await writeFile(join(work, "pipeline-key.json"), JSON.stringify(pipeline));
    env = {
      PATH: process.env.PATH,
      HOME: work,
      PROVENANCE_DATA_DIR: join(work, ".provenance"),
      PROVENANCE_SIGNING_KEY: join(work, "pipeline-key.json"),
      PROVENANCE_RPC_URL: chain.rpcUrl,
      PROVENANCE_REGISTRY: registry,
      PROVENANCE_ORG: String(orgId),
      PROVENANCE_PRIVATE_KEY: DEV_PRIVATE_KEY,
    };
  });
  after(async () => void (await chain?.close()));

  async function stage(name: string, params?: unknown, key?: string): Promise<Record<string, unknown>> {
    const args = [PIPELINE, name];
    if (params !== undefined) {
      const file = join(work, `${name}-${Math.random().toString(16).slice(2)}.json`);
      await writeFile(file, JSON.stringify(params));
      args.push("--params", file);
    }
    if (key) args.push("--key", key);
    // Run in the work folder: neither the caller's folder (its .env, its .provenance) nor the checkout.
    const { stdout } = await run(process.execPath, args, { cwd: work, env, timeout: 60_000 });
    return JSON.parse(stdout.trim().split("\n").at(-1)!);
  }

  it("default: each stage stores a signed attestation; anchored, the model's bundle verifies with its lineage", async () => {
    await mkdir(join(work, "data"));
    await writeFile(join(work, "data", "train.csv"), "amount,label\n1,0\n2,1\n");
    await mkdir(join(work, "model"));
    await writeFile(join(work, "model", "weights.bin"), Buffer.alloc(4096, 7));
    await writeFile(join(work, "model", "config.json"), '{"layers":2}');

    const dataset = await stage("dataset", {
      path: join(work, "data"),
      name: "transactions",
      source: { uri: "s3://lake/transactions/" },
      licence: { spdxId: "CC-BY-4.0" },
      personalData: false,
      accessEvents: [{ actor: "etl", action: "collected", at: "2026-11-01T00:00:00Z" }],
    });
    datasetSha256 = String(dataset.sha256);
    const model = await stage("train", {
      modelPath: join(work, "model"),
      name: "example/model",
      datasets: [{ name: dataset.name, sha256: dataset.sha256, entry: dataset.entry }],
      hyperparameters: { learningRate: 0.01, epochs: 2 },
      builder: { id: "https://ci.example/runner" },
      startedOn: "2026-11-02T00:00:00Z",
      finishedOn: "2026-11-02T01:00:00Z",
    });
    const artifact = { name: model.name, sha256: model.sha256 };
    await stage("evaluate", {
      model: artifact,
      dataset: { name: "holdout", digest: { sha256: dataset.sha256 } },
      metrics: [{ name: "accuracy", value: 0.97, threshold: { operator: ">=", value: 0.9 } }],
    });
    for (const i of [0, 1])
      await stage("approve", { model: artifact, approverName: `approver ${i}`, role: "approver", policyId: "release-v1" }, join(work, `approver-${i}.json`));
    await stage("deploy", {
      model: artifact,
      environment: "production",
      target: { name: "scoring" },
      deployer: { name: "release-bot" },
      approvalPolicy: { id: "release-v1", threshold: 2, role: "approver" },
    });
    const anchored = await stage("anchor");
    assert.equal((anchored.anchored as unknown[]).length, 1);

    const store = LedgerStore.open(join(work, ".provenance"));
    try {
      const bundle = buildBundle(store, String(model.sha256));
      const result = await verifyBundle({ bundle, chain: connectReader(chain.rpcUrl, 10_000), chainId: chain.chainId, registry, requireApprovals: 2 });
      assert.equal(result.verdict, "verified");
      assert.deepEqual(
        result.graph.edges.map((e) => [e.from, e.relation, e.to]),
        [[dataset.sha256, "dataset", model.sha256]],
      );
      assert.equal(result.deployments[0]?.quorum.approvers.length, 2);
      assert.equal(result.model.name, "example/model");
      assert.equal(result.registration.organisation.name, "Example Lab");
      bundleText = serializeBundle(bundle);
    } finally {
      store.close();
    }
  });

  it("behavior: the revoke stage attests, anchors and sets the revocation on chain; a bundle made before it is now derived-from-revoked", async () => {
    const revoked = await stage("revoke", {
      model: { name: "transactions", sha256: datasetSha256 },
      reason: "data-licence",
      description: "the licence does not cover training",
    });
    assert.match(String(revoked.entry), /^0x[0-9a-f]{64}$/);
    assert.equal((revoked.revokedOnChain as unknown[]).length, 1);
    const result = await verifyBundle({ bundle: parseBundle(bundleText), chain: connectReader(chain.rpcUrl, 10_000), chainId: chain.chainId, registry });
    assert.equal(result.verdict, "derived-from-revoked");
    assert.deepEqual(
      result.revocation.findings.map((f) => [f.sha256, f.source, f.entryHash]),
      [[datasetSha256, "chain", revoked.entry]],
    );
  });
});
