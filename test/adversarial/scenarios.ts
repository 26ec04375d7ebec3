// The adversarial corpus, part two: attacks that are not an edit of one document. Scenario cases
// act on the chain or call a verifier with what an attacker controls (a squatted key, a root
// anchored first by another organisation, a revocation by a stranger, a rejection after an
// approval, a verifier policy the deployment does not satisfy). CLI cases run `provenance verify`
// or `verify-bundle` in this process (the CLI's main(), both output forms) with what a file
// supplier controls: the names and kinds of the files handed over, a `.env` in the folder, a
// trust file, hostile text in every printed field. Each names the refusal, like corpus.ts.
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { proveKeyPossession } from "../../src/formats/attestation/keyPossession.js";
import { generateKeyFile, onChainRole, publicKeyInfo, signerFromKeyFile } from "../../src/local/keys/keys.js";
import { EVALUATION_PREDICATE_TYPE, createEvaluationPredicate } from "../../src/formats/predicates/evaluation.js";
import { signStatement } from "../../src/formats/attestation/signStatement.js";
import { STATEMENT_TYPE } from "../../src/formats/attestation/statement.js";
import { parseBundle, serializeBundle } from "../../src/formats/bundle.js";
import { buildBundle } from "../../src/ledger/buildBundle.js";
import { verifyBundle } from "../../src/verify/verifyBundle.js";
import { encodeAnchor, readAnchor, registerSigningKey, reinstateSubject, revokeSubject } from "../../src/chain/registry.js";
import { withRevertName } from "../../src/chain/revertName.js";
import { sendAndWait } from "../../src/chain/transactions.js";
import { connectWriter } from "../../src/chain/connect.js";
import { canonicalJsonBytes } from "../../src/core/canonicalJson.js";
import { hashModel } from "../../src/local/hashing/hashModel.js";
import { MODEL_MANIFEST_FORMAT_V1 } from "../../src/formats/model/modelManifest.js";
import type { Hex } from "../../src/core/hex.js";
import { addAttestation, anchorBatches, buildReceipt, sealBatch } from "../../src/ledger/ledger.js";
import { approveModel, recordDeployment } from "../../src/ledger/pipeline/modelPipeline.js";
import { parseReceipt, serializeReceipt } from "../../src/formats/receipt.js";
import { LedgerStore } from "../../src/ledger/store/ledgerStore.js";
import { TRUST_FORMAT } from "../../src/verify/trustFile.js";
import { verifyAttestation } from "../../src/verify/verifyAttestation.js";
import { VERIFICATION_POLICY_FORMAT, type VerificationPolicy } from "../../src/verify/verificationPolicy.js";
import { verifyReceipt } from "../../src/verify/verifyReceipt.js";
import type { GenuineEvidence } from "../helpers/genuineEvidence.js";
import type { Refusal } from "./corpus.js";

// A funded Hardhat account that holds no role in the registry: the stranger.
const STRANGER_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d" as const;
const ZERO32: Hex = `0x${"00".repeat(32)}`;

/** A refusal a scenario can also give: the registry reverting, or the verdict not carrying the attacker's claim. */
export type ScenarioRefusal = Refusal | { readonly revert: string } | { readonly ignored: string };

export type ScenarioCase = {
  readonly name: string;
  readonly target: "scenario";
  /**
   * Mounts the attack and verifies as a third party would. Throws the refusal; or, for
   * `ignored`, returns the verdict's claims (the runner asserts the attacker's is not among them).
   */
  readonly run: (evidence: GenuineEvidence) => Promise<readonly string[] | void>;
  readonly refusal: ScenarioRefusal;
};

/** The files a CLI case starts from: what a supplier hands a verifier, written to disk. */
export type CliFiles = {
  readonly dir: string;
  /** The plain record receipt of the single-file model, and that file. */
  readonly receipt: string;
  readonly fileModel: string;
  /** The fine-tune's bundle and its model directory. */
  readonly bundle: string;
  readonly modelDir: string;
  /** A folder for the verifier to run in: nothing of the supplier's in it. */
  readonly verifierDir: string;
  /** The common pins: --rpc and --registry. */
  readonly pins: readonly string[];
};

export type CliCase = {
  readonly name: string;
  readonly target: "cli";
  /** The command line after `provenance` (the runner adds --json for the JSON form). */
  readonly args: (files: CliFiles, evidence: GenuineEvidence) => Promise<string[]> | string[];
  /** The working folder to run in (default: files.verifierDir). */
  readonly cwd?: (files: CliFiles) => Promise<string> | string;
  /** 1: NOT VERIFIED (a check); 2: bad input; 0 only with `ignored` (the attacker's text is not in the verdict). */
  readonly exit: 0 | 1 | 2;
  readonly refusal: Refusal | { readonly ignored: string };
};

export async function writeCliFiles(evidence: GenuineEvidence): Promise<CliFiles> {
  const dir = await mkdtemp(join(evidence.work, "cli-corpus-"));
  const verifierDir = join(dir, "verifier");
  await mkdir(verifierDir);
  const receipt = join(dir, "file-model.receipt.json");
  await writeFile(receipt, evidence.recordReceipts.find((r) => r.includes(evidence.fileModel.sha256))!);
  const bundle = join(dir, "fine-tune.bundle.json");
  await writeFile(bundle, evidence.bundle);
  return {
    dir,
    receipt,
    fileModel: evidence.fileModel.path,
    bundle,
    modelDir: evidence.model.path,
    verifierDir,
    pins: ["--rpc", evidence.chain.rpcUrl, "--registry", evidence.registry],
  };
}

const policy = (overrides: Partial<VerificationPolicy>): VerificationPolicy => ({
  format: VERIFICATION_POLICY_FORMAT,
  require: [["model-manifest"], ["training-run", "model-update"]],
  deployment: { roles: ["deployer", "ml-pipeline"] },
  ...overrides,
});
const pinsOf = (e: GenuineEvidence) => ({ chain: e.reader, chainId: e.chain.chainId, registry: e.registry });
const bundleOf = (e: GenuineEvidence) => parseBundle(e.bundle);
const fileReceipt = (e: GenuineEvidence) => parseReceipt(e.recordReceipts.find((r) => r.includes(e.fileModel.sha256))!);
/** Runs `run` while organisation `orgId` has `sha256` revoked on chain, and reinstates it afterwards whatever happens. */
async function whileRevoked<T>(e: GenuineEvidence, orgId: number, sha256: string, run: () => Promise<T>): Promise<T> {
  await revokeSubject(e.writer, e.registry, orgId, `0x${sha256}`, ZERO32);
  try {
    return await run();
  } finally {
    await reinstateSubject(e.writer, e.registry, orgId, `0x${sha256}`, ZERO32);
  }
}
const verdictClaims = (r: Awaited<ReturnType<typeof verifyBundle>>): string[] => [
  `verdict ${r.verdict}`,
  `named ${r.model.name}`,
  ...r.revocation.findings.map((f) => `revoked ${f.sha256} by ${f.orgId}`),
];

/** Sends `anchor(orgId, root, leafCount, metadataHash)` as `writer`: an anchorer acting on its own. */
async function anchorAs(writer: GenuineEvidence["writer"], registry: Hex, parameters: { orgId: number; root: Hex; leafCount: number; metadataHash: Hex }) {
  return sendAndWait(writer, { to: registry, data: encodeAnchor(parameters) }, {}, withRevertName);
}

/** A scenario case: its name, the refusal, and the attack mounted and verified. */
const scenario = (name: string, refusal: ScenarioRefusal, run: ScenarioCase["run"]): ScenarioCase => ({ name, target: "scenario", refusal, run });

export const SCENARIOS: readonly ScenarioCase[] = [
  // Class 7: keys. Another organisation cannot squat a signing key id.
  scenario(
    "keys/squatted secp256k1 key id: another organisation registers the pipeline's address with the proof made for the rightful one",
    { revert: "ProvenanceRegistryInvalidPossessionProof" },
    async (e) => {
      const proof = await proveKeyPossession(signerFromKeyFile(e.keys.pipeline), {
        chainId: e.chain.chainId,
        registry: e.registry,
        orgId: e.orgId,
        role: onChainRole("ml-pipeline"),
      });
      await registerSigningKey(e.writer, e.registry, { orgId: e.otherOrgId, role: onChainRole("ml-pipeline"), possession: proof });
    },
  ),
  scenario("keys/squatted secp256k1 key id with a forged proof (random bytes)", { revert: "ProvenanceRegistryInvalidPossessionProof" }, async (e) => {
    const proof = await proveKeyPossession(signerFromKeyFile(e.keys.pipeline), {
      chainId: e.chain.chainId,
      registry: e.registry,
      orgId: e.otherOrgId,
      role: onChainRole("ml-pipeline"),
    });
    const forged = { ...proof, proof: `0x${randomBytes(65).toString("hex")}` as Hex };
    await registerSigningKey(e.writer, e.registry, { orgId: e.otherOrgId, role: onChainRole("ml-pipeline"), possession: forged });
  }),
  ...(["ed25519", "p256"] as const).map((algorithm) =>
    scenario(
      `keys/squatted ${algorithm} key id: another organisation registers it with a replayed proof and anchors the victim's envelope as its own`,
      { check: "signing-key" },
      async (e) => {
        const victim = generateKeyFile(algorithm);
        const genuine = await proveKeyPossession(signerFromKeyFile(victim), {
          chainId: e.chain.chainId,
          registry: e.registry,
          orgId: e.orgId,
          role: onChainRole("approver"),
        });
        await registerSigningKey(e.writer, e.registry, { orgId: e.otherOrgId, role: onChainRole("approver"), possession: genuine });
        const store = LedgerStore.open(await mkdtemp(join(e.work, `squat-${algorithm}-`)));
        try {
          const predicate = createEvaluationPredicate({
            dataset: { name: "holdout", digest: { sha256: randomBytes(32).toString("hex") } },
            metrics: [{ name: "auc", value: 0.9 }],
            evaluatedAt: new Date(),
          });
          const envelope = await signStatement(
            {
              _type: STATEMENT_TYPE,
              subject: [{ name: "victim/model", digest: { sha256: randomBytes(32).toString("hex") } }],
              predicateType: EVALUATION_PREDICATE_TYPE,
              predicate,
            },
            [signerFromKeyFile(victim)],
          );
          const { stored } = addAttestation(store, envelope);
          sealBatch(store);
          await anchorBatches(store, e.writer, { registry: e.registry, orgId: e.otherOrgId });
          await verifyAttestation({ ...pinsOf(e), receipt: buildReceipt(store, stored.recordHash), publicKeys: [publicKeyInfo(victim)] });
        } finally {
          store.close();
        }
      },
    ),
  ),
  // Class 7: roots. A root anchored first by another organisation neither blocks nor stands in.
  scenario(
    "roots/the genuine root pre-anchored by another organisation: its receipt is refused by a verifier pinning the rightful organisation",
    { check: "organisation" },
    async (e) => {
      const genuine = fileReceipt(e);
      const tx = await anchorAs(e.writer, e.registry, {
        orgId: e.otherOrgId,
        root: genuine.root,
        leafCount: genuine.batch.leafCount,
        metadataHash: genuine.batch.metadataHash,
      });
      // The rightful anchor still verifies (the squat did not block it) ...
      await verifyReceipt({ ...pinsOf(e), receipt: genuine, artifactSha256: e.fileModel.sha256, acceptedOrgIds: [e.orgId] });
      const squat = (await readAnchor(e.reader, e.registry, e.otherOrgId, genuine.root))!;
      const claimed = parseReceipt(
        JSON.stringify({
          ...JSON.parse(serializeReceipt(genuine)),
          anchor: {
            ...genuine.anchor,
            orgId: e.otherOrgId,
            sequence: squat.sequence,
            blockNumber: squat.blockNumber,
            blockHash: tx.blockHash,
            txHash: tx.transactionHash,
            timestamp: squat.timestamp,
          },
        }),
      );
      // Unpinned, the verdict names the organisation the chain names: the squatter, never the rightful one.
      const unpinned = await verifyReceipt({ ...pinsOf(e), receipt: claimed, artifactSha256: e.fileModel.sha256 });
      if (unpinned.organisation.id !== e.otherOrgId) throw new Error("the squatter's receipt named another organisation");
      // ... and the squatter's receipt is refused once the verifier pins whom it trusts.
      await verifyReceipt({ ...pinsOf(e), receipt: claimed, artifactSha256: e.fileModel.sha256, acceptedOrgIds: [e.orgId] });
    },
  ),
  scenario(
    "roots/a stranger without the anchorer role anchors a root for the organisation",
    { revert: "ProvenanceRegistryUnauthorizedAnchorer" },
    async (e) => {
      const stranger = await connectWriter(e.chain.rpcUrl, STRANGER_KEY, 20_000);
      await anchorAs(stranger, e.registry, { orgId: e.orgId, root: `0x${randomBytes(32).toString("hex")}`, leafCount: 1, metadataHash: ZERO32 });
    },
  ),
  // Class 7 and 4: revocations.
  scenario("revocation/a stranger revokes the organisation's model on chain", { revert: "ProvenanceRegistryUnauthorizedOrganisationAdmin" }, async (e) => {
    const stranger = await connectWriter(e.chain.rpcUrl, STRANGER_KEY, 20_000);
    await revokeSubject(stranger, e.registry, e.orgId, `0x${e.model.sha256}`, ZERO32);
  }),
  scenario(
    "revocation/another organisation revokes the model on chain: not counted unless the verifier's policy accepts it",
    { ignored: "verdict revoked" },
    async (e) => {
      return whileRevoked(e, e.otherOrgId, e.model.sha256, async () => {
        const r = await verifyBundle({ ...pinsOf(e), bundle: bundleOf(e), artifactSha256: e.model.sha256 });
        if (r.verdict !== "verified") throw new Error(`a stranger's revocation changed the verdict to ${r.verdict}`);
        return verdictClaims(r);
      });
    },
  ),
  scenario(
    "revocation/the model revoked on chain, the revocation left out of the bundle: the verdict is not VERIFIED",
    { ignored: "verdict verified" },
    async (e) => {
      return whileRevoked(e, e.orgId, e.model.sha256, async () =>
        verdictClaims(await verifyBundle({ ...pinsOf(e), bundle: bundleOf(e), artifactSha256: e.model.sha256 })),
      );
    },
  ),
  scenario(
    "revocation/the base model's dataset revoked on chain, left out of the bundle: the fine-tune is not VERIFIED",
    { ignored: "verdict verified" },
    async (e) => {
      const dataset = JSON.parse(e.bundle)
        .receipts.map((r: { envelope?: { payload: string } }) => r.envelope && JSON.parse(Buffer.from(r.envelope.payload, "base64").toString("utf8")))
        .find(
          (s: { predicateType?: string; subject: { name: string }[] } | undefined) =>
            s?.predicateType?.includes("dataset") && s.subject[0]!.name === "dataset-base",
        );
      const digest = dataset.subject[0].digest.sha256 as string;
      return whileRevoked(e, e.orgId, digest, async () =>
        verdictClaims(await verifyBundle({ ...pinsOf(e), bundle: bundleOf(e), artifactSha256: e.model.sha256 })),
      );
    },
  ),
  // Class 3: the bundle's own subject.name is unsigned.
  scenario(
    "unsigned/the bundle's subject.name renamed by the relayer: the verdict names the model from its signed manifest",
    { ignored: "named FORGED acme/trusted-model" },
    async (e) => {
      const b = bundleOf(e);
      return verdictClaims(
        await verifyBundle({ ...pinsOf(e), bundle: { ...b, subject: { ...b.subject, name: "FORGED acme/trusted-model" } }, artifactSha256: e.model.sha256 }),
      );
    },
  ),
  // Class 4 and 7: the verifier's policy.
  scenario(
    "policy/deployment signed by a key whose role (ml-pipeline) the pinned policy does not name",
    { check: "deployment-signer" },
    async (e) =>
      void (await verifyBundle({ ...pinsOf(e), bundle: bundleOf(e), artifactSha256: e.model.sha256, policy: policy({ deployment: { roles: ["deployer"] } }) })),
  ),
  scenario(
    "policy/approvals by a role the pinned policy does not accept",
    { check: "approval-quorum" },
    async (e) =>
      void (await verifyBundle({
        ...pinsOf(e),
        bundle: bundleOf(e),
        artifactSha256: e.model.sha256,
        policy: policy({ approvals: { roles: ["risk-officer"] } }),
      })),
  ),
  scenario(
    "policy/fewer approvers than the pinned policy's minimum",
    { check: "approval-quorum" },
    async (e) =>
      void (await verifyBundle({ ...pinsOf(e), bundle: bundleOf(e), artifactSha256: e.model.sha256, policy: policy({ approvals: { minimum: 3 } }) })),
  ),
  scenario(
    "policy/a required watermark attestation the model lacks",
    { check: "required-attestation" },
    async (e) =>
      void (await verifyBundle({
        ...pinsOf(e),
        bundle: bundleOf(e),
        artifactSha256: e.model.sha256,
        policy: policy({ require: [["model-manifest"], ["model-watermark"]] }),
      })),
  ),
  scenario(
    "policy/anchored by an organisation the pinned policy does not accept",
    { check: "organisation" },
    async (e) =>
      void (await verifyBundle({ ...pinsOf(e), bundle: bundleOf(e), artifactSha256: e.model.sha256, policy: policy({ organisations: [e.otherOrgId] }) })),
  ),
  // Class 2: kind confusion, at the SDK (what the CLI cases below reach from files).
  scenario(
    "kind/a directory presented with the file model's digest (files evidence of the wrong kind)",
    { check: "artifact-kind" },
    async (e) =>
      void (await verifyReceipt({ ...pinsOf(e), receipt: fileReceipt(e), artifact: { checked: "files", kind: "directory", sha256: e.fileModel.sha256 } })),
  ),
  scenario(
    "kind/a file presented with the model directory's digest (files evidence of the wrong kind)",
    { check: "artifact-kind" },
    async (e) => void (await verifyBundle({ ...pinsOf(e), bundle: bundleOf(e), artifact: { checked: "files", kind: "file", sha256: e.model.sha256 } })),
  ),
  scenario(
    "kind/the directory's model hashing v1 digest matches a v2-signed model (a v1-era file of its manifest)",
    { check: "artifact-digest" },
    async (e) => {
      const digest = await hashModel(e.model.path);
      const v1Bytes = canonicalJsonBytes({ ...digest.manifest!, format: MODEL_MANIFEST_FORMAT_V1 });
      const fileSha = (await import("node:crypto")).createHash("sha256").update(v1Bytes).digest("hex");
      await verifyBundle({ ...pinsOf(e), bundle: bundleOf(e), artifact: { checked: "files", kind: "file", sha256: fileSha } });
    },
  ),
  // Class 7: approvals. Last: it adds to the genuine store.
  scenario("approvals/a rejection by the same approver after the approval cancels it for a later deployment", { check: "approval-quorum" }, async (e) => {
    const context = { store: e.store, key: e.keys.pipeline };
    await approveModel(context, e.model, {
      key: e.keys.bob,
      approverName: "Bob",
      role: "approver",
      policyId: "release-v1",
      decision: "rejected",
      comment: "changed my mind",
    });
    sealBatch(e.store);
    await anchorBatches(e.store, e.writer, { registry: e.registry, orgId: e.orgId, confirmations: 1 });
    // A deployment after the rejection: Bob's earlier approval no longer counts towards it (one approver left of two).
    await recordDeployment(context, e.model, {
      environment: "production",
      target: { name: "scoring-again" },
      deployer: { name: "release-bot", role: "ml-pipeline" },
      approvalPolicy: { id: "release-v1", threshold: 2, role: "approver" },
    });
    sealBatch(e.store);
    await anchorBatches(e.store, e.writer, { registry: e.registry, orgId: e.orgId, confirmations: 1 });
    await verifyBundle({ ...pinsOf(e), bundle: parseBundle(serializeBundle(buildBundle(e.store, e.model.sha256))), artifactSha256: e.model.sha256 });
  }),
];

// Hostile text a supplier puts in a printed field (the full list is test/cli/cli-output.test.ts's HOSTILE).
const HOSTILE = [
  ["ANSI colour", "\x1b[32mVERIFIED\x1b[0m"],
  ["carriage return", "revoked\rVERIFIED: good-model"],
  ["newline", "acme\nVERIFIED: acme/other"],
  ["bidi override", "acme\u202egnp.exe"],
  ["OSC 8 hyperlink", "\x1b]8;;https://evil.example/\x07click"],
  ["C1 CSI", "\u009b31mred"],
] as const;

const writeJson = async (files: CliFiles, name: string, value: unknown): Promise<string> => {
  const path = join(files.dir, name);
  await writeFile(path, typeof value === "string" ? value : JSON.stringify(value, null, 2));
  return path;
};
const receiptJson = async (files: CliFiles) => JSON.parse(await readFile(files.receipt, "utf8"));
const bundleJson = async (files: CliFiles) => JSON.parse(await readFile(files.bundle, "utf8"));
const trustFile = (e: GenuineEvidence, overrides: Record<string, unknown> = {}) => ({
  format: TRUST_FORMAT,
  chainId: e.chain.chainId,
  registry: e.registry,
  organisations: [e.orgId],
  rpc: e.chain.rpcUrl,
  ...overrides,
});
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64");

/** A CLI case: its name, the exit code and refusal, the command line, and the folder to run in (default: files.verifierDir). */
const cli = (name: string, exit: CliCase["exit"], refusal: CliCase["refusal"], args: CliCase["args"], cwd?: CliCase["cwd"]): CliCase => ({
  name,
  target: "cli",
  exit,
  refusal,
  args,
  ...(cwd ? { cwd } : {}),
});

export const CLI_CASES: readonly CliCase[] = [
  // Class 1: the artifact argument is always read as a path.
  cli(
    "artifact/a file named like the model's digest but holding other bytes, passed as --artifact (hashed as a path)",
    1,
    { check: "artifact-digest" },
    async (f, e) => {
      const named = join(f.dir, e.fileModel.sha256);
      await writeFile(named, "not the model");
      return ["verify", f.receipt, "--artifact", named, ...f.pins];
    },
  ),
  cli("artifact/the digest spec sha256:<hex> given as --artifact is a path that does not exist, not a digest", 2, { code: "PATH_NOT_FOUND" }, (f, e) => [
    "verify",
    f.receipt,
    "--artifact",
    `sha256:${e.fileModel.sha256}`,
    ...f.pins,
  ]),
  cli("artifact/a file named like the bundle model's digest passed to verify-bundle", 1, { check: "artifact-digest" }, async (f, e) => {
    const named = join(f.dir, `sha256-${e.model.sha256}`);
    await writeFile(named, "not the model");
    return ["verify-bundle", f.bundle, "--artifact", named, ...f.pins];
  }),
  cli("artifact/neither --artifact nor --artifact-digest: no bare VERIFIED about unread files", 2, { code: "INVALID_ARGUMENT" }, (f) => [
    "verify",
    f.receipt,
    ...f.pins,
  ]),
  cli("artifact/both --artifact and --artifact-digest", 2, { code: "INVALID_ARGUMENT" }, (f, e) => [
    "verify",
    f.receipt,
    "--artifact",
    f.fileModel,
    "--artifact-digest",
    `sha256:${e.fileModel.sha256}`,
    ...f.pins,
  ]),
  cli("artifact/--artifact-digest in upper case or without sha256:", 2, { code: "INVALID_ARGUMENT" }, (f, e) => [
    "verify",
    f.receipt,
    "--artifact-digest",
    e.fileModel.sha256.toUpperCase(),
    ...f.pins,
  ]),
  // Class 2: a file never verifies as a directory, nor the reverse.
  cli("kind/a file whose bytes are the model directory's canonical manifest (v2), as --artifact of the bundle", 1, { check: "artifact-digest" }, async (f) => {
    const digest = await hashModel(f.modelDir);
    const file = join(f.dir, "manifest-v2.json");
    await writeFile(file, canonicalJsonBytes(digest.manifest!));
    return ["verify-bundle", f.bundle, "--artifact", file, ...f.pins];
  }),
  cli(
    "kind/a file whose bytes are the model directory's manifest under model hashing v1, as --artifact of the bundle",
    1,
    { check: "artifact-digest" },
    async (f) => {
      const digest = await hashModel(f.modelDir);
      const file = join(f.dir, "manifest-v1.json");
      await writeFile(file, canonicalJsonBytes({ ...digest.manifest!, format: MODEL_MANIFEST_FORMAT_V1 }));
      return ["verify-bundle", f.bundle, "--artifact", file, ...f.pins];
    },
  ),
  cli("kind/a directory holding the single-file model, as --artifact of the file's receipt", 1, { check: "artifact-digest" }, async (f) => {
    const dir = join(f.dir, "as-directory");
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "single-file-model.bin"), await readFile(f.fileModel));
    return ["verify", f.receipt, "--artifact", dir, ...f.pins];
  }),
  cli("kind/the model directory given to the single-file model's receipt", 1, { check: "artifact-digest" }, (f) => [
    "verify",
    f.receipt,
    "--artifact",
    f.modelDir,
    ...f.pins,
  ]),
  // Class 2: the frozen model hashing v1 receipt is refused by name.
  cli(
    "hashing/a model hashing v1 receipt (the frozen 0.1.0 vector) is refused with hashing-version, naming the version",
    1,
    { check: "hashing-version" },
    async (f) => {
      const vector = JSON.parse(await readFile(new URL("../vectors/receipt-v1.json", import.meta.url), "utf8"));
      return ["verify", await writeJson(f, "v1.receipt.json", vector.receipt), "--artifact", f.fileModel, ...f.pins];
    },
  ),
  // Class 6: pins never come from a .env in the verifier's folder.
  ...(["verify", "verify-bundle"] as const).map((command) =>
    cli(
      `dotenv/a .env in the working folder sets registry, chain, organisation and RPC for ${command}: not read (missing --registry)`,
      2,
      { code: "INVALID_ARGUMENT" },
      (f) => [command, command === "verify" ? f.receipt : f.bundle, "--artifact", command === "verify" ? f.fileModel : f.modelDir, "--rpc", f.pins[1]!],
      async (f) => {
        const folder = await mkdtemp(join(f.dir, "dotenv-"));
        await writeFile(
          join(folder, ".env"),
          `PROVENANCE_REGISTRY=0x${"66".repeat(20)}\nPROVENANCE_RPC_URL=${""}http://127.0.0.1:9\nPROVENANCE_CHAIN_ID=1\nPROVENANCE_ORG=2\n`,
        );
        return folder;
      },
    ),
  ),
  cli(
    "dotenv/a .env in the working folder names an attacker's trust file (PROVENANCE_TRUST): not read",
    2,
    { code: "INVALID_ARGUMENT" },
    (f) => ["verify", f.receipt, "--artifact", f.fileModel, "--rpc", f.pins[1]!],
    async (f) => {
      const folder = await mkdtemp(join(f.dir, "dotenv-trust-"));
      await writeFile(
        join(folder, "evil.trust.json"),
        JSON.stringify({ format: TRUST_FORMAT, chainId: 31337, registry: `0x${"66".repeat(20)}`, organisations: [2] }),
      );
      await writeFile(join(folder, ".env"), "PROVENANCE_TRUST=evil.trust.json\n");
      return folder;
    },
  ),
  cli(
    "dotenv/a .env in the working folder pins another organisation: the verifier's own --org still decides",
    1,
    { check: "organisation" },
    (f, e) => ["verify", f.receipt, "--artifact", f.fileModel, ...f.pins, "--org", String(e.otherOrgId)],
    async (f) => {
      const folder = await mkdtemp(join(f.dir, "dotenv-org-"));
      await writeFile(join(folder, ".env"), "PROVENANCE_ORG=1\n");
      return folder;
    },
  ),
  // Trust-file mistakes.
  ...(
    [
      ["of another version", { format: "provenance-trust-v0" }, 2, { code: "UNSUPPORTED_FORMAT" }],
      ["with an unknown field (validators)", { validators: [] }, 2, { code: "INVALID_ARGUMENT" }],
      ["with organisation 0", { organisations: [0] }, 2, { code: "INVALID_ARGUMENT" }],
      ["listing an organisation twice", { organisations: [1, 1] }, 2, { code: "INVALID_ARGUMENT" }],
      ["with a registry that is not an address", { registry: "0x1234" }, 2, { code: "INVALID_HEX" }],
      ["with chain ID 0", { chainId: 0 }, 2, { code: "INVALID_ARGUMENT" }],
      ["with an rpc that is not http(s)", { rpc: "file:///etc/passwd" }, 2, { code: "INVALID_ARGUMENT" }],
      ["pinning another chain", { chainId: 1 }, 1, { check: "chain-id" }],
      ["pinning another registry", { registry: `0x${"66".repeat(20)}` }, 1, { check: "registry" }],
      ["accepting only another organisation", "other", 1, { check: "organisation" }],
    ] as const
  ).map(([what, overrides, exit, refusal]) =>
    cli(`trust/a trust file ${what}`, exit, refusal, async (f, e) => {
      const trust = await writeJson(
        f,
        `trust-${what.replace(/\W+/g, "-")}.json`,
        trustFile(e, overrides === "other" ? { organisations: [e.otherOrgId] } : overrides),
      );
      return ["verify", f.receipt, "--artifact", f.fileModel, "--trust", trust];
    }),
  ),
  cli("trust/a trust file with a duplicate key (registry given twice)", 2, { code: "DUPLICATE_KEY" }, async (f, e) => {
    const text = JSON.stringify(trustFile(e)).replace('"registry":', `"registry":"0x${"66".repeat(20)}","registry":`);
    return ["verify", f.receipt, "--artifact", f.fileModel, "--trust", await writeJson(f, "dup.trust.json", text)];
  }),
  cli("trust/a trust file that does not exist", 2, { code: "INVALID_ARGUMENT" }, (f) => [
    "verify",
    f.receipt,
    "--artifact",
    f.fileModel,
    "--trust",
    join(f.dir, "missing.trust.json"),
  ]),
  // Class 5: hostile terminal text in every printed field; the runner also asserts both outputs are terminal-safe.
  ...HOSTILE.flatMap(([what, text]): CliCase[] => [
    cli(`terminal/${what} in a receipt's format`, 2, { code: "UNSUPPORTED_FORMAT" }, async (f) => [
      "verify",
      await writeJson(f, `format-${what.replace(/\W+/g, "-")}.json`, { ...(await receiptJson(f)), format: text }),
      "--artifact",
      f.fileModel,
      ...f.pins,
    ]),
    cli(`terminal/${what} in an anchored record's name (tampered: the leaf no longer matches)`, 1, { check: "record-leaf" }, async (f) => {
      const r = await receiptJson(f);
      return [
        "verify",
        await writeJson(f, `name-${what.replace(/\W+/g, "-")}.json`, { ...r, record: { ...r.record, subject: { ...r.record.subject, name: text } } }),
        "--artifact",
        f.fileModel,
        ...f.pins,
      ];
    }),
    cli(`terminal/${what} in a bundle receipt's envelope keyid`, 2, { code: "INVALID_ENVELOPE" }, async (f) => {
      const b = await bundleJson(f);
      b.receipts = b.receipts.map((r: { envelope?: { signatures: { keyid: string }[] } }) =>
        r.envelope ? { ...r, envelope: { ...r.envelope, signatures: r.envelope.signatures.map((s) => ({ ...s, keyid: text })) } } : r,
      );
      return ["verify-bundle", await writeJson(f, `keyid-${what.replace(/\W+/g, "-")}.json`, b), "--artifact", f.modelDir, ...f.pins];
    }),
    cli(`terminal/${what} in a statement subject name signed by a registered key`, 2, { code: "INVALID_STATEMENT" }, async (f, e) => {
      const b = await bundleJson(f);
      const r = b.receipts.find((x: { envelope?: unknown }) => x.envelope);
      const statement = JSON.parse(Buffer.from(r.envelope.payload, "base64").toString("utf8"));
      statement.subject[0].name = text;
      // The attacker holds a registered key and signs the hostile name: the parser refuses it before any signature is checked.
      const message = (await import("../../src/formats/attestation/dsse.js")).preAuthEncoding(r.envelope.payloadType, Buffer.from(JSON.stringify(statement)));
      const sig = Buffer.from(await signerFromKeyFile(e.keys.pipeline).sign(message)).toString("base64");
      r.envelope = { ...r.envelope, payload: Buffer.from(JSON.stringify(statement)).toString("base64"), signatures: [{ keyid: e.keys.pipeline.keyid, sig }] };
      return ["verify-bundle", await writeJson(f, `subject-${what.replace(/\W+/g, "-")}.json`, b), "--artifact", f.modelDir, ...f.pins];
    }),
    cli(
      `unsigned/${what} in the bundle's unsigned subject name: never printed, the verdict names the model from signed data`,
      0,
      { ignored: "FORGED" },
      async (f) => {
        const b = await bundleJson(f);
        return [
          "verify-bundle",
          await writeJson(f, `bundle-name-${what.replace(/\W+/g, "-")}.json`, { ...b, subject: { ...b.subject, name: `FORGED${text}` } }),
          "--artifact",
          f.modelDir,
          ...f.pins,
        ];
      },
    ),
    cli(`terminal/${what} in the name of the file handed over as the receipt (missing file)`, 2, { code: "INVALID_ARGUMENT" }, (f) => [
      "verify",
      join(f.dir, `r${text.replace(/\//g, "_")}.json`),
      "--artifact",
      f.fileModel,
      ...f.pins,
    ]),
  ]),
];

export { b64 };
