import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { envelopeHash } from "../../src/formats/attestation/dsse.js";
import { proveKeyPossession } from "../../src/formats/attestation/keyPossession.js";
import {
  type KeyAlgorithm,
  type KeyFile,
  type PublicKeyInfo,
  generateKeyFile,
  onChainKeyId,
  onChainRole,
  publicKeyInfo,
  signerFromKeyFile,
} from "../../src/local/keys/keys.js";
import { EVALUATION_PREDICATE_TYPE, createEvaluationPredicate } from "../../src/formats/predicates/evaluation.js";
import { MODEL_MANIFEST_PREDICATE_TYPE, type ModelManifestPredicate } from "../../src/formats/predicates/modelManifest.js";
import { signStatement } from "../../src/formats/attestation/signStatement.js";
import { STATEMENT_TYPE } from "../../src/formats/attestation/statement.js";
import { type EvidenceBundle, parseBundle, serializeBundle } from "../../src/formats/bundle.js";
import { buildBundle } from "../../src/ledger/buildBundle.js";
import { type VerifyBundleParameters, verifyBundle } from "../../src/verify/verifyBundle.js";
import { deployRegistry, registerOrganisation, registerSigningKey, reinstateSubject, revokeSigningKey, revokeSubject } from "../../src/chain/registry.js";
import { verdictLines } from "../../src/cli/attestCommands.js";
import type { ChainReader, ChainWriter } from "../../src/chain/types.js";
import { connectReader, connectWriter } from "../../src/chain/connect.js";
import { DEV_PRIVATE_KEY, type EmbeddedChain, startEmbeddedChain } from "../../src/chain/embeddedChain.js";
import { InputError } from "../../src/core/errors/input.js";
import { type VerificationCheck, VerificationError } from "../../src/core/errors/verification.js";
import type { Hex } from "../../src/core/hex.js";
import { addAttestation, anchorBatches, buildReceipt, sealBatch } from "../../src/ledger/ledger.js";
import type { Artifact, PipelineContext } from "../../src/ledger/pipeline/modelPipeline.js";
import { approveModel, collectDataset, recordDeployment, recordEvaluation, recordTraining, revokeModel } from "../../src/ledger/pipeline/modelPipeline.js";
import type { Receipt } from "../../src/formats/receipt.js";
import { publishRevocation } from "../../src/ledger/pipeline/publishRevocation.js";
import { LedgerStore } from "../../src/ledger/store/ledgerStore.js";
import { parseVerificationPolicy } from "../../src/verify/verificationPolicy.js";
import { verifyAttestation, type VerifyAttestationParameters } from "../../src/verify/verifyAttestation.js";
import { verifyReceipt } from "../../src/verify/verifyReceipt.js";
import { type TreeFiles, writeTree } from "../helpers/fileTree.js";
import { bundleSchemaValidators } from "../helpers/bundleSchemas.js";
import { rpcCall } from "../helpers/localNode.js";

// Signed attestations against a real chain (Hardhat EDR over JSON-RPC): keys registered on chain,
// envelopes anchored by the ledger, receipts and evidence bundles checked by a third party.

const CHAIN_ID = 31337;
const POLICY = { id: "release-2of2", threshold: 2, role: "approver" } as const;

let chain: EmbeddedChain;
let admin: ChainWriter;
let reader: ChainReader;
let registry: Hex;
let org1: number;
let org2: number;
const stores: LedgerStore[] = [];

const sha = () => randomBytes(32).toString("hex");

const rpc = (method: string, params: unknown[] = []): Promise<unknown> => rpcCall(chain.rpcUrl, method, params);

async function openStore(label: string): Promise<LedgerStore> {
  const store = LedgerStore.open(await mkdtemp(join(tmpdir(), `provenance-att-${label}-`)));
  stores.push(store);
  return store;
}

/** Registers `key` for `orgId` with its proof of possession (signed here: the test holds every key). */
async function possessionOf(key: KeyFile, role: string, orgId = org1) {
  return proveKeyPossession(signerFromKeyFile(key), { chainId: chain.chainId, registry, orgId, role: onChainRole(role) });
}

async function register(key: KeyFile, role: string, orgId = org1): Promise<number> {
  const { receipt } = await registerSigningKey(admin, registry, { orgId, role: onChainRole(role), possession: await possessionOf(key, role, orgId) });
  return Number(receipt.blockNumber);
}

async function revoke(key: PublicKeyInfo, orgId = org1): Promise<number> {
  const { receipt } = await revokeSigningKey(admin, registry, { orgId, keyId: onChainKeyId(key.keyid) });
  return Number(receipt.blockNumber);
}

/** A signed evaluation statement about a fresh subject, stored as pending; returns its entry hash. */
async function attestWith(store: LedgerStore, key: KeyFile, name: string): Promise<{ entry: Hex; subject: string }> {
  const subject = sha();
  const predicate = createEvaluationPredicate({
    dataset: { name: "holdout", digest: { sha256: sha() } },
    metrics: [{ name: "auc", value: 0.9 }],
    evaluatedAt: new Date(),
  });
  const envelope = await signStatement(
    { _type: STATEMENT_TYPE, subject: [{ name, digest: { sha256: subject } }], predicateType: EVALUATION_PREDICATE_TYPE, predicate },
    [signerFromKeyFile(key)],
  );
  return { entry: addAttestation(store, envelope).stored.recordHash, subject };
}

async function anchor(store: LedgerStore, orgId = org1): Promise<number> {
  sealBatch(store);
  const [batch] = await anchorBatches(store, admin, { registry, orgId });
  return batch!.anchor!.blockNumber;
}

/** The keys of a model pipeline: its own, the data steward's and two approvers'. */
type PipelineKeys = { readonly pipeline: KeyFile; readonly steward: KeyFile; readonly alice: KeyFile; readonly bob: KeyFile };

/** A store `label` whose pipeline signs with `keys.pipeline`, and every pipeline key registered in org 1 under its role. */
/** verifyBundle's parameters for `bundle`, pinned to this file's chain and registry. */
function pins(bundle: EvidenceBundle, overrides: Partial<VerifyBundleParameters> = {}): VerifyBundleParameters {
  return { bundle, chain: reader, chainId: CHAIN_ID, registry, ...overrides };
}

/** A new key of its algorithm for each name. */
function freshKeys<const Names extends string>(algorithms: Record<Names, KeyAlgorithm>): Record<Names, KeyFile> {
  return Object.fromEntries(Object.entries<KeyAlgorithm>(algorithms).map(([name, algorithm]) => [name, generateKeyFile(algorithm)])) as Record<Names, KeyFile>;
}

/** `model` approved once by each of `approvals` (key, approver's name, comment; role approver, under POLICY), then deployed to production at `target`, the deployment claiming POLICY. */
async function releaseUnderPolicy(
  context: PipelineContext,
  model: Artifact,
  target: string,
  approvals: readonly (readonly [key: KeyFile, name: string, comment?: string])[],
): Promise<void> {
  for (const [key, approverName, comment] of approvals)
    await approveModel(context, model, { key, approverName, role: "approver", policyId: POLICY.id, ...(comment === undefined ? {} : { comment }) });
  await recordDeployment(context, model, { environment: "production", target: { name: target }, deployer: { name: "release-bot" }, approvalPolicy: POLICY });
}

async function openPipeline(label: string, keys: PipelineKeys): Promise<{ store: LedgerStore; context: PipelineContext }> {
  const store = await openStore(label);
  await register(keys.pipeline, "ml-pipeline");
  await register(keys.steward, "data-steward");
  await register(keys.alice, "approver");
  await register(keys.bob, "approver");
  return { store, context: { store, key: keys.pipeline } };
}

/** Records a training run `name` of a fresh model folder under `work`, one second long. */
async function trainModel(
  context: PipelineContext,
  work: string,
  name: string,
  run: { datasets: Artifact[]; baseModel?: Artifact | undefined; hyperparameters: Record<string, number> },
) {
  const started = new Date();
  return recordTraining(context, {
    modelPath: await writeTree(join(work, name), { "config.json": JSON.stringify({ name }), "weights/model.bin": randomBytes(4096) }),
    name,
    datasets: run.datasets,
    ...(run.baseModel ? { baseModel: run.baseModel } : {}),
    hyperparameters: run.hyperparameters,
    builder: { id: "https://ci.example/trainer" },
    startedOn: started,
    finishedOn: new Date(started.getTime() + 1000),
  });
}

/** Waits until the node's mempool holds one more transaction of `account` than `nonce`. */
async function inMempool(account: Hex, nonce: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Number(await rpc("eth_getTransactionCount", [account, "pending"])) <= nonce) {
    if (Date.now() > deadline) throw new Error("the transaction never reached the mempool");
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Runs `actions` one after the other into the mempool with automining off, then mines them in one block. */
async function inOneBlock(actions: (() => Promise<unknown>)[]): Promise<unknown[]> {
  await rpc("evm_setAutomine", [false]);
  try {
    const running: Promise<unknown>[] = [];
    for (const action of actions) {
      const nonce = Number(await rpc("eth_getTransactionCount", [admin.account, "pending"]));
      const run = action();
      run.catch(() => undefined); // awaited below
      running.push(run);
      await inMempool(admin.account, nonce);
    }
    await rpc("evm_mine");
    return await Promise.all(running);
  } finally {
    await rpc("evm_setAutomine", [true]);
  }
}

async function expectCheck(check: VerificationCheck, run: Promise<unknown>): Promise<VerificationError> {
  const error = await run.then(
    () => assert.fail(`expected check "${check}" to fail, but it verified`),
    (e: unknown) => e,
  );
  assert.ok(error instanceof VerificationError, `expected a VerificationError, got ${error instanceof Error ? error.stack : String(error)}`);
  assert.equal(error.check, check, error.message);
  return error;
}

before(async () => {
  chain = await startEmbeddedChain();
  admin = await connectWriter(chain.rpcUrl, DEV_PRIVATE_KEY, 20_000);
  reader = connectReader(chain.rpcUrl, 20_000);
  registry = (await deployRegistry(admin)).registry;
  org1 = (await registerOrganisation(admin, registry, { name: "Org One" })).orgId;
  org2 = (await registerOrganisation(admin, registry, { name: "Org Two" })).orgId;
});

after(async () => {
  for (const store of stores) store.close();
  await chain?.close();
});

describe("verifyAttestation against the registry's signing keys", () => {
  const keys = freshKeys({
    secp256k1: "secp256k1",
    ed25519: "ed25519",
    p256: "p256",
    stranger: "ed25519",
    otherOrg: "p256",
    late: "ed25519",
    revokedBefore: "ed25519",
    revokedAfter: "p256",
    revokedSameBlock: "ed25519",
    registeredSameBlock: "p256",
  });
  const roles = { secp256k1: "ml-engineer", ed25519: "approver", p256: "data-steward" } as const;
  const publicKeys = Object.values(keys).map(publicKeyInfo);
  const entries = {} as Record<keyof typeof keys, { entry: Hex; subject: string }>;
  const receipts = {} as Record<keyof typeof keys, Receipt>;
  let anchorBlock: number;
  let sameBlock: number;

  const params = (receipt: Receipt, overrides: Partial<VerifyAttestationParameters> = {}): VerifyAttestationParameters => ({
    receipt,
    chain: reader,
    chainId: CHAIN_ID,
    registry,
    publicKeys,
    ...overrides,
  });

  before(async () => {
    for (const algorithm of ["secp256k1", "ed25519", "p256"] as const) await register(keys[algorithm], roles[algorithm]);
    await register(keys.otherOrg, "approver", org2);
    await register(keys.revokedBefore, "approver");
    await register(keys.revokedAfter, "approver");
    await register(keys.revokedSameBlock, "approver");
    await revoke(keys.revokedBefore);

    // Batch 1: one envelope per key, anchored by organisation 1.
    const store = await openStore("keys");
    for (const name of ["secp256k1", "ed25519", "p256", "stranger", "otherOrg", "late", "revokedBefore", "revokedAfter"] as const)
      entries[name] = await attestWith(store, keys[name], `model-${name}`);
    anchorBlock = await anchor(store);
    await register(keys.late, "approver");
    await revoke(keys.revokedAfter);
    for (const name of Object.keys(entries) as (keyof typeof keys)[]) receipts[name] = buildReceipt(store, entries[name].entry);

    // Batch 2: anchored in the very block that revokes one key and registers another.
    const same = await openStore("same-block");
    for (const name of ["revokedSameBlock", "registeredSameBlock"] as const) entries[name] = await attestWith(same, keys[name], `model-${name}`);
    sealBatch(same);
    const sameBlockPossession = await possessionOf(keys.registeredSameBlock, "approver");
    const [, , anchored] = (await inOneBlock([
      () => revokeSigningKey(admin, registry, { orgId: org1, keyId: onChainKeyId(keys.revokedSameBlock.keyid) }),
      () => registerSigningKey(admin, registry, { orgId: org1, role: onChainRole("approver"), possession: sameBlockPossession }),
      () => anchorBatches(same, admin, { registry, orgId: org1 }),
    ])) as [unknown, unknown, { anchor: { blockNumber: number } }[]];
    sameBlock = anchored[0]!.anchor.blockNumber;
    for (const name of ["revokedSameBlock", "registeredSameBlock"] as const) receipts[name] = buildReceipt(same, entries[name].entry);
  });

  for (const algorithm of ["secp256k1", "ed25519", "p256"] as const) {
    it(`default: a ${algorithm} signer's envelope verifies, with the role the organisation registered`, async () => {
      const result = await verifyAttestation(params(receipts[algorithm], { artifactSha256: entries[algorithm].subject, acceptedOrgIds: [org1] }));
      assert.equal(result.signers.length, 1);
      assert.equal(result.signers[0]!.keyid, keys[algorithm].keyid);
      assert.equal(result.signers[0]!.algorithm, algorithm);
      assert.equal(result.signers[0]!.role, onChainRole(roles[algorithm]));
      assert.ok(result.signers[0]!.registeredAt < result.blockNumber, "registered before the anchor");
      assert.equal(result.blockNumber, anchorBlock);
      assert.equal(result.organisation.name, "Org One");
      assert.equal(result.entryHash, entries[algorithm].entry);
      assert.equal(result.statement.subject[0]!.digest.sha256, entries[algorithm].subject);
      assert.deepEqual(result.checks.slice(-3), ["envelope", "signature", "signing-key"]);
      assert.ok(result.checks.includes("artifact-digest") && result.checks.includes("anchor-root"));
    });
  }

  it("error: signing-key when the key is not registered", async () => {
    const e = await expectCheck("signing-key", verifyAttestation(params(receipts.stranger)));
    assert.match(e.message, new RegExp(`not registered to organisation ${org1} that anchored the envelope`));
  });

  it("error: signing-key when the key belongs to the other organisation", async () => {
    const e = await expectCheck("signing-key", verifyAttestation(params(receipts.otherOrg)));
    assert.match(e.message, new RegExp(`key ${keys.otherOrg.keyid} is not registered to organisation ${org1} that anchored the envelope`));
  });

  for (const algorithm of ["ed25519", "p256"] as const) {
    it(`error: attack — signing-key when another organisation squatted a ${algorithm} key id with a replayed proof of possession; the rightful organisation's envelopes still verify`, async () => {
      const victim = generateKeyFile(algorithm);
      const keys = [publicKeyInfo(victim)];
      // Organisation 2 learned the key and the victim's proof for organisation 1, registers it as its own, and
      // anchors an envelope the victim signed (say, copied from a bundle the victim published).
      const genuine = await possessionOf(victim, "approver", org1);
      await registerSigningKey(admin, registry, { orgId: org2, role: onChainRole("approver"), possession: genuine });
      const squatted = await openStore(`squat-${algorithm}`);
      const copied = await attestWith(squatted, victim, "model-squatted");
      await anchor(squatted, org2);
      const e = await expectCheck("signing-key", verifyAttestation(params(buildReceipt(squatted, copied.entry), { publicKeys: keys })));
      assert.match(
        e.message,
        new RegExp(`registration for organisation ${org2} has no valid proof of possession: the proof is not ${victim.keyid}'s signature`),
      );

      // The squat neither blocks nor replaces the rightful registration.
      await registerSigningKey(admin, registry, { orgId: org1, role: onChainRole("approver"), possession: genuine });
      const own = await openStore(`own-${algorithm}`);
      const signed = await attestWith(own, victim, "model-own");
      await anchor(own, org1);
      const result = await verifyAttestation(params(buildReceipt(own, signed.entry), { publicKeys: keys }));
      assert.equal(result.organisation.id, org1);
      assert.equal(result.signers[0]!.keyid, victim.keyid);
    });
  }

  it("error: attack — signing-key when the proof of possession binds another role than the one registered (an admin raising a key's role)", async () => {
    const key = generateKeyFile("p256");
    const forEngineer = await possessionOf(key, "ml-engineer", org1);
    // The registry cannot check a P-256 proof: the registration as "approver" goes through, and verifiers refuse it.
    await registerSigningKey(admin, registry, { orgId: org1, role: onChainRole("approver"), possession: forEngineer });
    const store = await openStore("role-raise");
    const signed = await attestWith(store, key, "model-role");
    await anchor(store, org1);
    const e = await expectCheck("signing-key", verifyAttestation(params(buildReceipt(store, signed.entry), { publicKeys: [publicKeyInfo(key)] })));
    assert.match(e.message, /has no valid proof of possession/);
  });

  it("error: signing-key when the key was registered after the anchor block", async () => {
    const e = await expectCheck("signing-key", verifyAttestation(params(receipts.late)));
    assert.match(e.message, new RegExp(`after the envelope was anchored at block ${anchorBlock}`));
  });

  it("error: signing-key when the key was revoked before the anchor block", async () => {
    const e = await expectCheck("signing-key", verifyAttestation(params(receipts.revokedBefore)));
    assert.match(e.message, /was revoked at block \d+, at or before the anchor block/);
  });

  it("error: signing-key when the key was revoked in the anchor block itself", async () => {
    assert.equal(receipts.revokedSameBlock.anchor.blockNumber, sameBlock);
    const e = await expectCheck("signing-key", verifyAttestation(params(receipts.revokedSameBlock)));
    assert.match(e.message, new RegExp(`revoked at block ${sameBlock}, at or before the anchor block ${sameBlock}`));
  });

  it("behavior: a key revoked after the anchor block still verifies the envelopes anchored before", async () => {
    const result = await verifyAttestation(params(receipts.revokedAfter));
    assert.equal(result.signers[0]!.keyid, keys.revokedAfter.keyid);
  });

  it("behavior: a key registered in the anchor block itself counts (registeredAt <= anchor block)", async () => {
    const result = await verifyAttestation(params(receipts.registeredSameBlock));
    assert.equal(result.signers[0]!.registeredAt, sameBlock);
    assert.equal(result.blockNumber, sameBlock);
  });

  for (const algorithm of ["secp256k1", "ed25519", "p256"] as const) {
    it(`error: signature when a ${algorithm} signature was swapped in from another envelope of the same key, before the anchor is looked at`, async () => {
      const victim = receipts[algorithm];
      const donor = await signStatement(
        {
          _type: STATEMENT_TYPE,
          subject: [{ name: "other", digest: { sha256: sha() } }],
          predicateType: EVALUATION_PREDICATE_TYPE,
          predicate: createEvaluationPredicate({
            dataset: { name: "d", digest: { sha256: sha() } },
            metrics: [{ name: "auc", value: 0.5 }],
            evaluatedAt: new Date(),
          }),
        },
        [signerFromKeyFile(keys[algorithm])],
      );
      assert.equal(donor.signatures[0]!.keyid, victim.envelope!.signatures[0]!.keyid);
      const altered = { ...victim, envelope: { ...victim.envelope!, signatures: donor.signatures } } as Receipt;
      const e = await expectCheck("signature", verifyAttestation(params(altered)));
      assert.ok(e.message.includes(`signature 0 by ${keys[algorithm].keyid} does not verify over the envelope's PAE`), e.message);
      // The leaf commits to the signatures too: the anchor checks alone catch it as well, as a leaf mismatch.
      await expectCheck("record-leaf", verifyReceipt(params(altered)));
    });
  }

  it("error: signature when another key's keyid and signature were swapped in", async () => {
    const altered = { ...receipts.secp256k1, envelope: { ...receipts.secp256k1.envelope!, signatures: receipts.revokedAfter.envelope!.signatures } } as Receipt;
    const e = await expectCheck("signature", verifyAttestation(params(altered)));
    assert.ok(e.message.includes(keys.revokedAfter.keyid), e.message);
  });

  it("error: signing-key (offline) when an ed25519 signer's public key was not provided", async () => {
    const e = await expectCheck("signing-key", verifyAttestation(params(receipts.ed25519, { publicKeys: [] })));
    assert.match(e.message, /public key was not provided/);
  });

  it("error: artifact-digest when the artifact is not the statement's subject", async () => {
    const e = await expectCheck("artifact-digest", verifyAttestation(params(receipts.p256, { artifactSha256: sha() })));
    assert.match(e.message, /does not match the attestation's subject/);
  });

  it("error: envelope when the receipt is for a plain record", async () => {
    const record = {
      format: "provenance-record-v1",
      type: "model-registered",
      subject: { name: "m", version: "1", digest: { sha256: sha() } },
      createdAt: "2026-11-24T00:00:00Z",
    };
    const { envelope: _envelope, ...rest } = receipts.p256;
    await expectCheck("envelope", verifyAttestation(params({ ...rest, record } as Receipt)));
  });
});

describe("evidence bundles of a model pipeline (verifyBundle)", () => {
  const keys = freshKeys({ pipeline: "secp256k1", steward: "p256", alice: "ed25519", bob: "p256", mallory: "ed25519" });
  let store: LedgerStore;
  let context: PipelineContext;
  let work: string;
  let datasets: { base: Artifact & { entry: Hex }; tune: Artifact & { entry: Hex } };
  let base: Artifact & { entries: Record<string, Hex> };
  let tune: Artifact & { entries: Record<string, Hex> };
  let duplicated: Artifact;
  let wrongRole: Artifact;
  let bundleText: string;

  const bundleOf = (model: Artifact): EvidenceBundle => parseBundle(serializeBundle(buildBundle(store, model.sha256)));

  const files = (name: string, content: TreeFiles): Promise<string> => writeTree(join(work, name), content);

  async function dataset(name: string, key: KeyFile) {
    return collectDataset(context, {
      path: await files(name, { "part-0.csv": randomBytes(2048).toString("hex") }),
      key,
      name,
      source: { uri: `s3://lake/${name}/`, collectedFrom: "ledger" },
      licence: { spdxId: "CC-BY-4.0" },
      personalData: false,
      accessEvents: [{ actor: "etl", action: "collected", at: new Date(), purpose: "training" }],
    });
  }

  const train = (name: string, data: Artifact, baseModel?: Artifact) =>
    trainModel(context, work, name, { datasets: [data], baseModel, hyperparameters: { learningRate: 0.001, epochs: 2 } });

  before(async () => {
    work = await mkdtemp(join(tmpdir(), "provenance-pipeline-"));
    ({ store, context } = await openPipeline("pipeline", keys));
    await register(keys.mallory, "ml-engineer");

    datasets = { base: await dataset("corpus-2025", keys.steward), tune: await dataset("corpus-eu-2026", keys.steward) };
    base = await train("acme/base", datasets.base);
    tune = await train("acme/tuned", datasets.tune, base);
    await recordEvaluation(context, tune, {
      dataset: { name: "holdout", digest: { sha256: datasets.tune.sha256 } },
      metrics: [{ name: "auc", value: 0.93, threshold: { operator: ">=", value: 0.9 } }],
    });
    await releaseUnderPolicy(context, tune, "scoring", [
      [keys.alice, "Alice"],
      [keys.bob, "Bob"],
    ]);

    // Two more models whose deployments claim the same 2-of-2 policy without meeting it.
    duplicated = { name: "acme/duplicated", sha256: sha() };
    await releaseUnderPolicy(context, duplicated, "dup", [
      [keys.alice, "Alice", "first"],
      [keys.alice, "Alice", "again"],
    ]);
    wrongRole = { name: "acme/wrong-role", sha256: sha() };
    await releaseUnderPolicy(context, wrongRole, "wrong", [
      [keys.alice, "Alice"],
      [keys.mallory, "Mallory"],
    ]);

    await anchor(store);
    bundleText = serializeBundle(buildBundle(store, tune.sha256));
  });

  it("default: the fine-tune's bundle, serialised and parsed back, verifies with its whole lineage", async () => {
    const result = await verifyBundle(pins(parseBundle(bundleText), { artifactSha256: tune.sha256, acceptedOrgIds: [org1], requireApprovals: 2 }));
    assert.equal(result.verdict, "verified");
    assert.deepEqual(result.artifact, { checked: "digest-only", sha256: tune.sha256 });
    assert.deepEqual(result.model, { name: "acme/tuned", sha256: tune.sha256 });
    // Every stage of both models and both datasets, and nothing about the other models in the store.
    const bundle = parseBundle(bundleText);
    assert.equal(result.attestations.length, bundle.receipts.length);
    const about = (a: Artifact) =>
      result.attestations
        .filter((x) => x.statement.subject.some((s) => s.digest.sha256 === a.sha256))
        .map((x) => x.statement.predicateType.replace(/^https:\/\/[^/]+\//, ""));
    assert.equal(about(tune).length + about(base).length + about(datasets.tune).length + about(datasets.base).length, result.attestations.length);
    for (const stage of ["model-manifest/v2", "provenance/v1", "environment/v1", "model-update/v1", "evaluation/v1", "deployment/v1"])
      assert.ok(about(tune).includes(stage), `${stage} in ${about(tune)}`);
    assert.equal(about(tune).filter((t) => t === "approval/v1").length, 2);
    for (const stage of ["model-manifest/v2", "provenance/v1", "environment/v1"]) assert.ok(about(base).includes(stage), `${stage} in ${about(base)}`);
    assert.deepEqual([...about(datasets.tune), ...about(datasets.base)], ["dataset/v1", "dataset/v1"]);
    const edges = result.graph.edges.map((e) => `${e.from.slice(0, 8)} -${e.relation}/${e.kind}-> ${e.to.slice(0, 8)}`).sort();
    const s = (a: Artifact) => a.sha256.slice(0, 8);
    assert.deepEqual(
      edges,
      [
        `${s(datasets.base)} -dataset/training-run-> ${s(base)}`,
        `${s(datasets.tune)} -dataset/training-run-> ${s(tune)}`,
        `${s(base)} -base-model/training-run-> ${s(tune)}`,
        `${s(base)} -parent-model/fine-tune-> ${s(tune)}`,
      ].sort(),
    );
    assert.equal(result.deployments.length, 1);
    assert.deepEqual([...result.deployments[0]!.quorum.approvers].sort(), [keys.alice.keyid, keys.bob.keyid].sort());
    assert.deepEqual(result.revocation.derivedFromRevoked, []);
    const signers = new Set(result.attestations.flatMap((a) => a.signers.map((x) => x.keyid)));
    assert.deepEqual([...signers].sort(), [keys.pipeline.keyid, keys.steward.keyid, keys.alice.keyid, keys.bob.keyid].sort());
  });

  it("behavior: the bundle carries the public keys of the ed25519 and P-256 signers only", () => {
    const bundle = parseBundle(bundleText);
    assert.deepEqual(bundle.keys.map((k) => k.keyid).sort(), [keys.steward.keyid, keys.alice.keyid, keys.bob.keyid].sort());
    assert.equal(bundle.chain.registry, registry.toLowerCase());
    assert.equal(bundle.chain.chainId, CHAIN_ID);
  });

  it("behavior: the pipeline's bundle validates against schemas/bundle-v1.schema.json", () => {
    const validate = bundleSchemaValidators().validateBundle;
    assert.equal(validate(JSON.parse(bundleText)), true, JSON.stringify(validate.errors, null, 2));
  });

  it("behavior: with files, the kind the verifier hashed is checked against the signed model-manifest (artifact.checked files)", async () => {
    const bundle = parseBundle(bundleText);
    const kind = (await verifyBundle(pins(bundle, { acceptedOrgIds: [org1] }))).attestations.find(
      (a) => a.statement.predicateType === MODEL_MANIFEST_PREDICATE_TYPE && a.statement.subject.some((s) => s.digest.sha256 === tune.sha256),
    );
    const signed = (kind!.statement.predicate as ModelManifestPredicate).artifact!.kind;
    const result = await verifyBundle(pins(bundle, { artifact: { checked: "files", kind: signed, sha256: tune.sha256 } }));
    assert.deepEqual(result.artifact, { checked: "files", kind: signed, sha256: tune.sha256 });
    const other = signed === "file" ? "directory" : "file";
    const e = await expectCheck("artifact-kind", verifyBundle(pins(bundle, { artifact: { checked: "files", kind: other, sha256: tune.sha256 } })));
    assert.match(e.message, new RegExp(`is about a ${signed} .*but the artifact is a ${other}`));
  });

  it("error: artifact-digest when the model files are not the bundle's model", async () => {
    await expectCheck("artifact-digest", verifyBundle(pins(parseBundle(bundleText), { artifactSha256: base.sha256 })));
  });

  it("error: approval-quorum when one approver approved twice, naming the duplicate", async () => {
    const e = await expectCheck("approval-quorum", verifyBundle(pins(bundleOf(duplicated))));
    assert.match(e.message, /needs 2 distinct approvers with role "approver"; 1 approved/);
    assert.ok(e.message.includes(`key ${keys.alice.keyid} approved more than once and counts once`), e.message);
  });

  it("error: approval-quorum when an approver's key is registered with another role", async () => {
    const e = await expectCheck("approval-quorum", verifyBundle(pins(bundleOf(wrongRole))));
    assert.ok(e.message.includes(`key ${keys.mallory.keyid} is not registered with role "approver"`), e.message);
  });

  it("error: approval-quorum when an approval comes from another organisation's approver", async () => {
    // Org 2's approver signs (and org 2 anchors) an approval of org 1's model: a key outside the organisation.
    const eve = generateKeyFile("ed25519");
    await register(eve, "approver", org2);
    const model = { name: "acme/cross-org", sha256: sha() };
    const own = await openStore("cross-org-1");
    const foreign = await openStore("cross-org-2");
    await approveModel({ store: own, key: keys.pipeline }, model, { key: keys.alice, approverName: "Alice", role: "approver", policyId: POLICY.id });
    await recordDeployment({ store: own, key: keys.pipeline }, model, {
      environment: "production",
      target: { name: "cross" },
      deployer: { name: "release-bot" },
      approvalPolicy: POLICY,
    });
    const approval = await approveModel({ store: foreign, key: eve }, model, { key: eve, approverName: "Eve", role: "approver", policyId: POLICY.id });
    await anchor(foreign, org2); // before the deployment, so that only the organisation can rule it out
    await anchor(own);
    const bundle = buildBundle(own, model.sha256);
    const mixed = parseBundle(
      serializeBundle({ ...bundle, keys: [...bundle.keys, publicKeyInfo(eve)], receipts: [...bundle.receipts, buildReceipt(foreign, approval)] }),
    );
    // docs/attestations.md: "an approval signed by a key outside the organisation does not count and is reported".
    const e = await expectCheck("approval-quorum", verifyBundle(pins(mixed)));
    assert.match(e.message, /1 approved/);
    assert.ok(e.message.includes(eve.keyid), `names the outside key: ${e.message}`);
  });

  it("error: approval-quorum when the verifier demands more approvers than the policy", async () => {
    const e = await expectCheck("approval-quorum", verifyBundle(pins(parseBundle(bundleText), { requireApprovals: 3 })));
    assert.match(e.message, /needs 3 distinct approvers/);
  });

  it("error: lineage names the broken link when the dataset's attestation is missing", async () => {
    const bundle = parseBundle(bundleText);
    const without = { ...bundle, receipts: bundle.receipts.filter((r) => envelopeHash(r.envelope!) !== datasets.tune.entry) };
    assert.equal(without.receipts.length, bundle.receipts.length - 1);
    const e = await expectCheck("lineage", verifyBundle(pins(without)));
    assert.match(e.message, /broken link: corpus-eu-2026 \[[0-9a-f]{12}\], the dataset of acme\/tuned/);
  });

  it("error: proof-root naming the entry when a receipt's proof was edited in the bundle", async () => {
    const json = JSON.parse(bundleText);
    const n = 4;
    const proof: string[] = json.receipts[n].proof;
    assert.ok(proof.length > 0);
    proof[0] = `${proof[0]!.slice(0, -1)}${proof[0]!.endsWith("0") ? "1" : "0"}`;
    const e = await expectCheck("proof-root", verifyBundle(pins(parseBundle(JSON.stringify(json)))));
    assert.match(e.message, new RegExp(`^broken link at entry ${n} \\(https://`));
  });

  it("error: registry when the verifier pinned another registry", async () => {
    const other = (await deployRegistry(admin)).registry;
    const e = await expectCheck("registry", verifyBundle(pins(parseBundle(bundleText), { registry: other })));
    assert.match(e.message, /broken link at entry 0/);
  });

  it("error: the strict parser refuses a duplicate key and an unknown format", () => {
    const duplicate = bundleText.replace('"format": "provenance-bundle-v1",', '"format": "provenance-bundle-v1",\n  "format": "provenance-bundle-v1",');
    assert.notEqual(duplicate, bundleText);
    assert.throws(
      () => parseBundle(duplicate),
      (e: unknown) => e instanceof InputError && e.code === "DUPLICATE_KEY",
    );
    const unknown = bundleText.replace('"format": "provenance-bundle-v1"', '"format": "provenance-bundle-v3"');
    assert.throws(
      () => parseBundle(unknown),
      (e: unknown) => e instanceof InputError && e.code === "UNSUPPORTED_FORMAT" && e.path === "bundle.format",
    );
  });

  it("behavior: revoking the base model makes the fine-tune derived-from-revoked and the base revoked", async () => {
    const revocation = await revokeModel(context, base, { reason: "data-licence", description: "corpus-2025 may not be used for training" });
    await anchor(store);
    const tuned = await verifyBundle(pins(bundleOf(tune)));
    assert.equal(tuned.verdict, "derived-from-revoked");
    assert.deepEqual(tuned.revocation.derivedFromRevoked, [base.sha256]);
    const revoked = await verifyBundle(pins(bundleOf(base)));
    assert.equal(revoked.verdict, "revoked");
    assert.equal(revoked.revocation.revokedBy, revocation);
    // The bundle made before the revocation still says what it said.
    assert.equal((await verifyBundle(pins(parseBundle(bundleText)))).verdict, "verified");
  });
});

// Issue 9: nothing unsigned in a verdict, nothing hidden by omission, the verifier's policy.
describe("verdicts that hold up: signed names, signed references, the policy, revocation from the chain (verifyBundle)", () => {
  const keys = freshKeys({ pipeline: "secp256k1", steward: "p256", alice: "ed25519", bob: "p256" });
  let store: LedgerStore;
  let context: PipelineContext;
  let work: string;
  let data: { base: Artifact & { entry: Hex }; tune: Artifact & { entry: Hex }; tuneAgain: Artifact & { entry: Hex } };
  let base: Artifact & { entry: Hex; entries: Record<string, Hex> };
  let tune: Artifact & { entry: Hex; entries: Record<string, Hex> };
  let tuneBundle: string;
  let baseBundle: string;

  const without = (text: string, ...entries: Hex[]): EvidenceBundle => {
    const bundle = parseBundle(text);
    const kept = bundle.receipts.filter((r) => !entries.includes(envelopeHash(r.envelope!)));
    assert.equal(kept.length, bundle.receipts.length - entries.length, "each entry was in the bundle");
    return { ...bundle, receipts: kept };
  };
  const policy = (p: object) =>
    parseVerificationPolicy({
      format: "provenance-verification-policy-v1",
      require: [["model-manifest"], ["training-run", "model-update"]],
      deployment: { roles: ["ml-pipeline"] },
      ...p,
    });

  const files = (name: string, content: TreeFiles): Promise<string> => writeTree(join(work, name), content);
  const dataset = async (path: string, name: string, at = new Date()) =>
    collectDataset(context, {
      path,
      key: keys.steward,
      name,
      source: { uri: `s3://lake/${name}/` },
      licence: { spdxId: "CC-BY-4.0" },
      personalData: false,
      accessEvents: [{ actor: "etl", action: "collected", at }],
    });
  const train = (name: string, datasets: (Artifact & { entry: Hex })[], baseModel?: Artifact & { entry: Hex }) =>
    trainModel(context, work, name, { datasets, baseModel, hyperparameters: { learningRate: 0.001 } });

  before(async () => {
    work = await mkdtemp(join(tmpdir(), "provenance-verdict-"));
    ({ store, context } = await openPipeline("verdict", keys));
    const tuneData = await files("tune-data", { "part-0.csv": randomBytes(2048).toString("hex") });
    data = {
      base: await dataset(await files("base-data", { "part-0.csv": randomBytes(2048).toString("hex") }), "v/base-data"),
      tune: await dataset(tuneData, "v/tune-data", new Date("2026-11-01T00:00:00Z")),
      // The same files attested a second time: the dataset stays attested when the first entry is left out.
      tuneAgain: await dataset(tuneData, "v/tune-data", new Date("2026-11-02T00:00:00Z")),
    };
    base = await train("v/base", [data.base]);
    tune = await train("v/tuned", [data.tune], base);
    await releaseUnderPolicy(context, tune, "scoring", [
      [keys.alice, "Alice"],
      [keys.bob, "Bob"],
    ]);
    await anchor(store);
    tuneBundle = serializeBundle(buildBundle(store, tune.sha256));
    baseBundle = serializeBundle(buildBundle(store, base.sha256));
  });

  it("default: the model is named by its signed manifest, registered where the chain says, by the organisation the chain names", async () => {
    // The relayer renames the model and reorders the entries: neither reaches the verdict.
    const forged = parseBundle(tuneBundle);
    const relayed = { ...forged, subject: { ...forged.subject, name: "FORGED-NAME acme/trusted-model" }, receipts: [...forged.receipts].reverse() };
    const result = await verifyBundle(pins(relayed, { artifactSha256: tune.sha256 }));
    assert.equal(result.verdict, "verified");
    assert.deepEqual(result.model, { name: "v/tuned", sha256: tune.sha256 });
    assert.equal(result.registration.entryHash, tune.entries["model-manifest"]);
    assert.equal(result.registration.predicateType, MODEL_MANIFEST_PREDICATE_TYPE);
    assert.deepEqual(result.registration.organisation, { id: org1, name: "Org One" });
    const manifest = result.attestations.find((a) => a.entryHash === tune.entries["model-manifest"])!;
    assert.equal(result.registration.blockNumber, manifest.blockNumber);
    assert.equal(result.registration.txHash, manifest.txHash);
    assert.ok(!JSON.stringify(result).includes("FORGED-NAME"), "the bundle's subject.name is nowhere in the result");
    const lines = verdictLines(result).join("\n");
    assert.ok(!lines.includes("FORGED-NAME"), lines);
    assert.match(lines, new RegExp(`^VERIFIED \\(digest only: no file was read\\): v/tuned \\(sha256 ${tune.sha256}\\)`));
    assert.match(
      lines,
      new RegExp(
        `registered at block ${manifest.blockNumber} \\(\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2} UTC\\) by organisation ${org1} "Org One" \\(name as registered on chain\\) in transaction ${manifest.txHash}`,
      ),
    );
    assert.match(
      lines,
      /revocation: neither the model nor its 3 ancestor\(s\) revoked as of block \d+ \(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC\), read from the chain for organisation\(s\) 1/,
    );
    // The same names whatever the order of the bundle.
    const inOrder = await verifyBundle(pins(parseBundle(tuneBundle)));
    assert.deepEqual(
      [...inOrder.graph.nodes.values()].map((n) => n.names),
      [...result.graph.nodes.values()].map((n) => n.names),
    );
  });

  it("behavior: the verdict states the block, and its time, as of which revocation was read", async () => {
    const head = await reader.getBlockNumber();
    const result = await verifyBundle(pins(parseBundle(tuneBundle)));
    assert.ok(result.revocation.checkedAt.blockNumber >= Number(head));
    const block = await reader.getBlock(BigInt(result.revocation.checkedAt.blockNumber));
    assert.equal(result.revocation.checkedAt.timestamp, Number(block!.timestamp));
    assert.deepEqual(result.revocation.checked.map((c) => c.sha256).sort(), [tune.sha256, base.sha256, data.base.sha256, data.tune.sha256].sort());
    for (const c of result.revocation.checked) assert.deepEqual(c.organisations, [org1]);
  });

  it("error: lineage-reference when the training run the model update names is left out", async () => {
    const e = await expectCheck("lineage-reference", verifyBundle(pins(without(tuneBundle, tune.entries["training-run"]!))));
    assert.ok(
      e.message.includes(
        `model-update ${tune.entries["model-update"]} names its training-run entry ${tune.entries["training-run"]}, which is not in the bundle`,
      ),
      e.message,
    );
  });

  it("error: lineage-reference when the dataset entry a v2 training run names is left out, though another attestation of that dataset is there", async () => {
    const e = await expectCheck("lineage-reference", verifyBundle(pins(without(tuneBundle, data.tune.entry))));
    assert.ok(e.message.includes(`names the dataset v/tune-data's entry ${data.tune.entry}, which is not in the bundle`), e.message);
  });

  it("error: lineage-reference when the base model's manifest a v2 training run names is left out", async () => {
    await expectCheck("lineage-reference", verifyBundle(pins(without(tuneBundle, base.entries["model-manifest"]!))));
  });

  it("error: required-attestation when the base model's only training run is left out (default policy)", async () => {
    const e = await expectCheck("required-attestation", verifyBundle(pins(without(baseBundle, base.entries["training-run"]!))));
    assert.match(e.message, /requires an attestation of type training-run or model-update about the model/);
  });

  it("error: required-attestation when the model manifest is left out (default policy)", async () => {
    const e = await expectCheck("required-attestation", verifyBundle(pins(without(tuneBundle, tune.entries["model-manifest"]!))));
    assert.match(e.message, /requires an attestation of type model-manifest about the model/);
  });

  it("error: required-attestation when the pinned policy requires an evaluation the model lacks", async () => {
    const e = await expectCheck(
      "required-attestation",
      verifyBundle(pins(parseBundle(tuneBundle), { policy: policy({ require: [["model-manifest"], ["evaluation"]] }) })),
    );
    assert.match(e.message, /requires an attestation of type evaluation about the model/);
    // An empty list requires nothing beyond the lineage's own checks.
    assert.equal((await verifyBundle(pins(without(baseBundle, base.entries["training-run"]!), { policy: policy({ require: [] }) }))).verdict, "verified");
  });

  it("error: deployment-signer when the deployment is signed by a key whose role the policy does not name", async () => {
    const e = await expectCheck("deployment-signer", verifyBundle(pins(parseBundle(tuneBundle), { policy: policy({ deployment: { roles: ["deployer"] } }) })));
    assert.ok(e.message.includes(keys.pipeline.keyid), e.message);
    assert.match(e.message, /\(deployer\)$/);
  });

  it("error: approval-quorum when the policy does not accept the approvers' role, or wants more approvers", async () => {
    const e = await expectCheck("approval-quorum", verifyBundle(pins(parseBundle(tuneBundle), { policy: policy({ approvals: { roles: ["risk-officer"] } }) })));
    assert.match(e.message, /relies on approvals by role "approver", which the verifier's policy does not accept/);
    await expectCheck("approval-quorum", verifyBundle(pins(parseBundle(tuneBundle), { policy: policy({ approvals: { minimum: 3 } }) })));
    assert.equal(
      (await verifyBundle(pins(parseBundle(tuneBundle), { policy: policy({ approvals: { minimum: 2, roles: ["approver"] } }) }))).verdict,
      "verified",
    );
  });

  it("error: organisation when the policy accepts another organisation only", async () => {
    await expectCheck("organisation", verifyBundle(pins(parseBundle(tuneBundle), { policy: policy({ organisations: [org2] }) })));
  });

  it("behavior: a revocation by another organisation is ignored unless the policy accepts it; lifted, it no longer counts", async () => {
    const { receipt } = await revokeSubject(admin, registry, org2, `0x${tune.sha256}`, `0x${"00".repeat(32)}`);
    const ignored = await verifyBundle(pins(parseBundle(tuneBundle)));
    assert.equal(ignored.verdict, "verified");
    assert.deepEqual(ignored.revocation.findings, []);
    const accepted = await verifyBundle(pins(parseBundle(tuneBundle), { policy: policy({ revocation: { organisations: [org2] } }) }));
    assert.equal(accepted.verdict, "revoked");
    assert.deepEqual(accepted.revocation.findings, [
      { sha256: tune.sha256, orgId: org2, source: "chain", blockNumber: Number(receipt.blockNumber), entryHash: null },
    ]);
    assert.match(
      verdictLines(accepted)[0]!,
      new RegExp(`^NOT VERIFIED: v/tuned \\(sha256 ${tune.sha256}\\) is REVOKED by organisation ${org2} at block ${receipt.blockNumber}`),
    );
    await reinstateSubject(admin, registry, org2, `0x${tune.sha256}`, `0x${"00".repeat(32)}`);
    assert.equal((await verifyBundle(pins(parseBundle(tuneBundle), { policy: policy({ revocation: { organisations: [org2] } }) }))).verdict, "verified");
  });

  it("behavior: a revocation left out of the bundle still counts: the chain says the dataset is revoked", async () => {
    const revocation = await revokeModel(context, data.base, { reason: "data-licence", description: "v/base-data may not be used for training" });
    const published = await publishRevocation(store, admin, { registry, orgId: org1, entryHash: revocation });
    assert.deepEqual(published.subjects, [data.base.sha256]);
    // Bundles made before the revocation, and one made after with the revocation left out.
    const after = without(serializeBundle(buildBundle(store, tune.sha256)), revocation);
    for (const bundle of [parseBundle(tuneBundle), after]) {
      const result = await verifyBundle(pins(bundle));
      assert.equal(result.verdict, "derived-from-revoked");
      assert.deepEqual(result.revocation.derivedFromRevoked, [data.base.sha256]);
      assert.deepEqual(result.revocation.findings, [
        { sha256: data.base.sha256, orgId: org1, source: "chain", blockNumber: Number(published.receipts[0]!.blockNumber), entryHash: revocation },
      ]);
    }
    const own = await verifyBundle(pins(without(serializeBundle(buildBundle(store, data.base.sha256)), revocation), { policy: policy({ require: [] }) }));
    assert.equal(own.verdict, "revoked");
    assert.equal(own.revocation.revokedBy, revocation);
  });

  it("behavior: reinstated on chain, a signed revocation still in the bundle no longer counts", async () => {
    const revocation = await revokeModel(context, base, { reason: "other", description: "withdrawn by mistake" });
    await anchor(store);
    // Signed and anchored but not set on chain: it counts (what verifiers did before on-chain revocation).
    assert.equal((await verifyBundle(pins(parseBundle(serializeBundle(buildBundle(store, base.sha256)))))).verdict, "revoked");
    await revokeSubject(admin, registry, org1, `0x${base.sha256}`, revocation);
    await reinstateSubject(admin, registry, org1, `0x${base.sha256}`, revocation);
    const result = await verifyBundle(pins(parseBundle(serializeBundle(buildBundle(store, base.sha256)))));
    assert.ok(
      result.attestations.some((a) => a.entryHash === revocation),
      "the revocation is in the bundle",
    );
    assert.equal(result.revocation.revoked, false);
  });
});
