// Genuine evidence on a real chain, for the adversarial corpus and the verifier fuzz: an
// organisation with registered keys runs a base model and its fine-tune through the pipeline
// (dataset, training, evaluation, two approvals, deployment), anchors everything, and hands out
// receipts (plain records and attestations), the fine-tune's evidence bundle and its files.
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { proveKeyPossession } from "../../src/formats/attestation/keyPossession.js";
import {
  type KeyFile,
  generateKeyFile,
  keyFileFromEthereumKey,
  onChainRole,
  publicKeyInfo,
  type PublicKeyInfo,
  signerFromKeyFile,
} from "../../src/local/keys/keys.js";
import { serializeBundle } from "../../src/formats/bundle.js";
import { buildBundle } from "../../src/ledger/buildBundle.js";
import { deployRegistry, registerOrganisation, registerSigningKey } from "../../src/chain/registry.js";
import type { ChainReader, ChainWriter } from "../../src/chain/types.js";
import { connectReader, connectWriter } from "../../src/chain/connect.js";
import { DEV_PRIVATE_KEY, type EmbeddedChain, startEmbeddedChain } from "../../src/chain/embeddedChain.js";
import { hashModel } from "../../src/local/hashing/hashModel.js";
import type { Hex } from "../../src/core/hex.js";
import { addRecord, anchorBatches, buildReceipt, sealBatch } from "../../src/ledger/ledger.js";
import type { Artifact, PipelineContext } from "../../src/ledger/pipeline/modelPipeline.js";
import { approveModel, collectDataset, recordDeployment, recordEvaluation, recordTraining } from "../../src/ledger/pipeline/modelPipeline.js";
import { createRecord } from "../../src/formats/record.js";
import { LedgerStore } from "../../src/ledger/store/ledgerStore.js";

export const POLICY = { id: "release-v1", threshold: 2, role: "approver" } as const;

export type GenuineEvidence = {
  readonly chain: EmbeddedChain;
  readonly reader: ChainReader;
  readonly writer: ChainWriter;
  readonly registry: Hex;
  readonly orgId: number;
  /** A second organisation, registered by the same registry admin: the insider attacker. */
  readonly otherOrgId: number;
  readonly store: LedgerStore;
  readonly work: string;
  readonly keys: { readonly pipeline: KeyFile; readonly alice: KeyFile; readonly bob: KeyFile };
  readonly publicKeys: readonly PublicKeyInfo[];
  /** The fine-tuned model (a directory) and the plain-record model (a file). */
  readonly model: Artifact & { readonly path: string };
  readonly fileModel: Artifact & { readonly path: string };
  /** Receipt JSON texts: plain records, then attestations. */
  readonly recordReceipts: readonly string[];
  readonly attestationReceipts: readonly string[];
  /** The fine-tune's evidence bundle, as JSON text. */
  readonly bundle: string;
  close(): Promise<void>;
};

/**
 * `front`: serve the chain through a JSON-RPC front (e.g. the QBFT test node) and run the whole
 * pipeline through it, so receipts name the block hashes the front serves; resolves to its URL.
 */
export async function createGenuineEvidence(options: { front?: (rpcUrl: string) => Promise<string> } = {}): Promise<GenuineEvidence> {
  const work = await mkdtemp(join(tmpdir(), "provenance-genuine-"));
  const chain = await startEmbeddedChain();
  const store = LedgerStore.open(join(work, ".provenance"));
  const url = options.front ? await options.front(chain.rpcUrl) : chain.rpcUrl;
  const writer = await connectWriter(url, DEV_PRIVATE_KEY, 30_000);
  const reader = connectReader(url, 30_000);
  const { registry } = await deployRegistry(writer);
  const { orgId } = await registerOrganisation(writer, registry, { name: "Genuine AI Lab" });
  const { orgId: otherOrgId } = await registerOrganisation(writer, registry, { name: "Other Lab" });

  const keys = { pipeline: keyFileFromEthereumKey(DEV_PRIVATE_KEY), alice: generateKeyFile("ed25519"), bob: generateKeyFile("p256") };
  for (const [key, role] of [
    [keys.pipeline, "ml-pipeline"],
    [keys.alice, POLICY.role],
    [keys.bob, POLICY.role],
  ] as const)
    await registerSigningKey(writer, registry, {
      orgId,
      role: onChainRole(role),
      possession: await proveKeyPossession(signerFromKeyFile(key), { chainId: chain.chainId, registry, orgId, role: onChainRole(role) }),
    });

  const context: PipelineContext = { store, key: keys.pipeline };
  const base = await pipeline(context, keys, work, "genuine/base");
  const model = await pipeline(context, keys, work, "genuine/fine-tune", base);

  const fileModelPath = join(work, "single-file-model.bin");
  await writeFile(fileModelPath, randomBytes(4096));
  const fileModel = { name: "genuine/file-model", sha256: (await hashModel(fileModelPath)).sha256, path: fileModelPath };
  addRecord(
    store,
    createRecord({
      subject: {
        name: fileModel.name,
        version: "1.0.0",
        digest: { sha256: fileModel.sha256 },
        artifact: { kind: "file", hashing: "sha256", size: 4096, files: 1 },
      },
    }),
  );
  for (let i = 0; i < 3; i++)
    addRecord(
      store,
      createRecord({
        subject: {
          name: `genuine/other-${i}`,
          version: "1.0.0",
          digest: { sha256: randomBytes(32).toString("hex") },
          artifact: { kind: "file", hashing: "sha256", size: 1, files: 1 },
        },
      }),
    );

  const batch = sealBatch(store)!;
  await anchorBatches(store, writer, { registry, orgId, confirmations: 1 });

  const all = store.recordsInBatch(batch.id);
  const receiptOf = (id: string) => `${JSON.stringify(buildReceipt(store, id), null, 2)}\n`;
  return {
    chain,
    reader,
    writer,
    registry,
    orgId,
    otherOrgId,
    store,
    work,
    keys,
    publicKeys: [publicKeyInfo(keys.alice), publicKeyInfo(keys.bob)],
    model,
    fileModel,
    recordReceipts: all.filter((r) => r.entry.kind === "record").map((r) => receiptOf(r.recordHash)),
    attestationReceipts: all.filter((r) => r.entry.kind !== "record").map((r) => receiptOf(r.recordHash)),
    bundle: serializeBundle(buildBundle(store, model.sha256)),
    async close() {
      store.close();
      await chain.close();
    },
  };
}

async function pipeline(
  context: PipelineContext,
  keys: GenuineEvidence["keys"],
  work: string,
  name: string,
  base?: Artifact,
): Promise<Artifact & { path: string }> {
  const tag = base ? "tuned" : "base";
  const dataDir = join(work, `data-${tag}`);
  await mkdir(dataDir, { recursive: true });
  await writeFile(join(dataDir, "part-0.csv"), randomBytes(2048).toString("hex"));
  const now = new Date();
  const dataset = await collectDataset(context, {
    path: dataDir,
    name: `dataset-${tag}`,
    source: { uri: `s3://lake/${tag}/`, collectedFrom: "ledger" },
    licence: { spdxId: "CC-BY-4.0" },
    personalData: false,
    accessEvents: [{ actor: "etl", action: "collected", at: now, purpose: "training" }],
  });
  const modelPath = join(work, name.replace("/", "-"));
  await mkdir(modelPath, { recursive: true });
  await writeFile(join(modelPath, "config.json"), JSON.stringify({ tag }));
  await writeFile(join(modelPath, "model.safetensors"), randomBytes(8192));
  const model = await recordTraining(context, {
    modelPath,
    name,
    datasets: [dataset],
    ...(base ? { baseModel: base } : {}),
    hyperparameters: { epochs: 1 },
    codeCommit: "4f2a9c1d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39",
    codeUri: "git+https://git.example/genuine",
    builder: { id: "https://ci.example/runner" },
    startedOn: now,
    finishedOn: new Date(now.getTime() + 1000),
  });
  await recordEvaluation(context, model, {
    dataset: { name: `${dataset.name}-holdout`, digest: { sha256: dataset.sha256 } },
    metrics: [{ name: "auc", value: 0.93, threshold: { operator: ">=", value: 0.9 } }],
  });
  await approveModel(context, model, { key: keys.alice, approverName: "Alice", role: POLICY.role, policyId: POLICY.id });
  await approveModel(context, model, { key: keys.bob, approverName: "Bob", role: POLICY.role, policyId: POLICY.id });
  await recordDeployment(context, model, {
    environment: "production",
    target: { name: `scoring-${tag}` },
    deployer: { name: "release-bot", role: "ml-pipeline" },
    approvalPolicy: POLICY,
  });
  return { ...model, path: modelPath };
}
