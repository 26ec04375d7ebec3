import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { cp, mkdir, mkdtemp, readFile, readdir, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { DATASET_PREDICATE_TYPE, createDatasetPredicate } from "../../src/formats/predicates/dataset.js";
import { createDeploymentPredicate } from "../../src/formats/predicates/deployment.js";
import { createEvaluationPredicate } from "../../src/formats/predicates/evaluation.js";
import { createRevocationPredicate } from "../../src/formats/predicates/revocation.js";
import { createTrainingRunPredicate } from "../../src/formats/predicates/trainingRun.js";
import { parseEnvelope } from "../../src/formats/attestation/dsse.js";
import { attestationEntry, entryHash } from "../../src/formats/entry.js";
import { type HardhatNode, startHardhatNode } from "../helpers/localNode.js";
import { type TreeFiles, writeTree } from "../helpers/fileTree.js";

// The attestation commands of the built CLI (`npm run build`) against `hardhat node` on loopback:
// an organisation signs every stage of a fine-tune with keys it registered on chain, anchors them,
// and hands a bundle to a third party who verifies it from an empty directory with only the
// bundle, the model files, an RPC URL and the registry address.

const root = fileURLToPath(new URL("../..", import.meta.url));
const CLI = join(root, "bin", "provenance.js");
const NODE = process.execPath;
const KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"; // Hardhat account #0
const POLICY = "release-2of2";

let node: HardhatNode | undefined;
let rpc: string;
let work: string;
let registry: string;
const paths = { data: "", base: "", tuned: "" };
const digests = { data: "", base: "", tuned: "" };
let bundleFile: string;

type Run = { code: number; stdout: string; stderr: string };

/** Runs the CLI in `cwd` with exactly `env` (plus PATH and HOME): nothing leaks from this process's environment. */
function run(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<Run> {
  const cwd = options.cwd ?? work;
  return new Promise((resolve) => {
    execFile(NODE, [CLI, ...args], { cwd, env: { PATH: process.env.PATH!, HOME: cwd, ...options.env }, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** The organisation's own runs: its store, its node, its Ethereum key. */
const org = (args: string[]) => run(args, { env: { PROVENANCE_DATA_DIR: join(work, ".provenance"), PROVENANCE_RPC_URL: rpc, PROVENANCE_PRIVATE_KEY: KEY } });

async function ok(args: string[]): Promise<Run> {
  const r = await org(args);
  assert.equal(r.code, 0, `provenance ${args.join(" ")} exited ${r.code}\n${r.stderr}${r.stdout}`);
  return r;
}

const json = async (args: string[]): Promise<any> => JSON.parse((await ok([...args, "--json"])).stdout);

const files = (name: string, content: TreeFiles): Promise<string> => writeTree(join(work, name), content);

const writeJson = async (name: string, value: unknown) => {
  const file = join(work, name);
  await writeFile(file, `${JSON.stringify(value, null, 2)}\n`);
  return file;
};

/** An empty directory with no store, no .env and no settings: where a third party verifies. */
const emptyDir = () => mkdtemp(join(tmpdir(), "provenance-verifier-"));

/** A verifier's empty directory holding b.json: the model's bundle as a relayer renamed it (its unsigned subject.name set to `name`). */
async function relayedRenamed(name: string): Promise<string> {
  const verifier = await emptyDir();
  const bundle = JSON.parse(await readFile(bundleFile, "utf8"));
  bundle.subject.name = name;
  await writeFile(join(verifier, "b.json"), JSON.stringify(bundle));
  return verifier;
}

before(async () => {
  work = await mkdtemp(join(tmpdir(), "provenance-cli-attest-"));
  node = await startHardhatNode();
  rpc = node.rpcUrl;
  paths.data = await files("corpus", { "part-0.csv": randomBytes(4096).toString("hex"), "part-1.csv": randomBytes(4096).toString("hex") });
  paths.base = await files("base-model", { "config.json": '{"layers": 4}', "weights/model.bin": randomBytes(50_000) });
  paths.tuned = await files("tuned-model", { "config.json": '{"layers": 4, "tuned": true}', "weights/model.bin": randomBytes(50_000) });
});

after(async () => {
  await node?.stop();
});

describe("provenance attestation commands against hardhat node", () => {
  it("default: keys, attestations of every stage, approvals, anchor, lineage and bundle", async () => {
    await ok(["init"]);
    registry = (await json(["deploy"])).registry;
    assert.match(registry, /^0x[0-9a-f]{40}$/);
    assert.equal((await json(["org", "add", "CLI Attest Org"])).orgId, 1);

    // Keys: file mode 0600, a .pub.json beside it, never overwritten.
    const generated = await json(["key", "generate", "--algorithm", "ed25519", "-o", "k.json"]);
    assert.match(generated.keyid, /^sha256:[0-9a-f]{64}$/);
    assert.equal((await stat(join(work, "k.json"))).mode & 0o777, 0o600);
    const pub = JSON.parse(await readFile(join(work, "k.pub.json"), "utf8"));
    assert.deepEqual(Object.keys(pub).sort(), ["algorithm", "format", "keyid", "publicKey"]);
    assert.equal(pub.keyid, generated.keyid);
    const before = await readFile(join(work, "k.json"), "utf8");
    const again = await org(["key", "generate", "--algorithm", "ed25519", "-o", "k.json"]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /k\.json exists; refusing to overwrite a key/);
    assert.equal(await readFile(join(work, "k.json"), "utf8"), before, "the key is untouched");
    await ok(["key", "generate", "--algorithm", "p256", "-o", "k2.json"]);

    // A public key alone is refused by name: registration needs the key holder's proof of possession.
    const bare = await org(["key", "register", "k.pub.json", "--role", "approver"]);
    assert.equal(bare.code, 2);
    assert.match(bare.stderr, /holds a public key only: registration needs the key's proof of possession/);
    // The key holder proves (bound to this chain, registry, organisation and role); the admin registers the proof.
    const proved = await json(["key", "prove", "k.json", "--role", "approver"]);
    assert.equal(proved.orgId, 1);
    const pop = JSON.parse(await readFile(join(work, "k.pop.json"), "utf8"));
    assert.deepEqual(Object.keys(pop).sort(), ["algorithm", "chainId", "format", "keyid", "orgId", "proof", "publicKey", "registry", "role"]);
    assert.equal(pop.format, "provenance-key-possession-v1");
    assert.ok(!JSON.stringify(pop).includes("PRIVATE"), "no secret in the proof file");
    const wrongRole = await org(["key", "register", "k.pop.json", "--role", "ml-engineer"]);
    assert.equal(wrongRole.code, 2);
    assert.match(wrongRole.stderr, /the proof binds role "approver", not --role "ml-engineer"/);
    await writeFile(join(work, "k.other-org.pop.json"), JSON.stringify({ ...pop, orgId: 2 }));
    const otherOrg = await org(["key", "register", "k.other-org.pop.json"]);
    assert.equal(otherOrg.code, 2);
    assert.match(otherOrg.stderr, /proves possession for organisation 2 .*not for organisation 1/);
    const flipped = `${pop.proof.slice(0, -2)}${pop.proof.endsWith("00") ? "01" : "00"}`;
    await writeFile(join(work, "k.forged.pop.json"), JSON.stringify({ ...pop, proof: flipped }));
    const forged = await org(["key", "register", "k.forged.pop.json"]);
    assert.equal(forged.code, 2);
    assert.match(forged.stderr, /does not hold for organisation 1/);
    const registered = await json(["key", "register", "k.pop.json"]);
    assert.equal(registered.orgId, 1);
    assert.equal(registered.role, "approver");
    // An admin who holds the private key registers it directly (the proof is made in-process).
    await ok(["key", "register", "k2.json", "--role", "approver"]);
    const shown = await json(["key", "show", "k.pub.json"]);
    assert.equal(shown.registered, true);
    assert.equal(shown.orgId, 1);
    assert.equal(shown.revokedAt, 0);
    assert.match((await ok(["key", "show", "k2.pub.json"])).stdout, /organisation 1, registered at block \d+, active/);

    // Stages: dataset, base model, training run of the fine-tune (base model + dataset), manifest, approvals, deployment.
    const datasetPredicate = await writeJson(
      "dataset.json",
      createDatasetPredicate({
        name: "corpus",
        source: { uri: "s3://lake/corpus/" },
        content: { kind: "directory", files: 2, size: 16384 },
        licence: { spdxId: "CC-BY-4.0" },
        personalData: false,
        accessEvents: [{ actor: "etl", action: "collected", at: new Date() }],
      }),
    );
    const dataset = await json(["attest", "dataset", "--subject", paths.data, "--name", "corpus", "--predicate", datasetPredicate, "--key", "k.json"]);
    digests.data = dataset.subject[0].digest.sha256;
    digests.base = (await json(["attest", "model-manifest", "--subject", paths.base, "--name", "acme/base", "--key", "k.json"])).subject[0].digest.sha256;
    const started = new Date();
    // The base model's own training run: the default policy requires one of every model in the
    // lineage (left out, the base's datasets and their revocations would drop out of the verdict).
    const baseTraining = await writeJson(
      "base-training.json",
      createTrainingRunPredicate({
        hyperparameters: { learningRate: 0.001, epochs: 1 },
        dependencies: [{ name: "corpus", digest: { sha256: digests.data }, role: "dataset" }],
        builder: { id: "https://ci.example/trainer" },
        startedOn: started,
        finishedOn: new Date(started.getTime() + 1000),
      }),
    );
    await ok(["attest", "training-run", "--subject", paths.base, "--name", "acme/base", "--predicate", baseTraining, "--key", "k.json"]);
    const training = await writeJson(
      "training.json",
      createTrainingRunPredicate({
        hyperparameters: { learningRate: 0.0001, epochs: 3 },
        dependencies: [
          { name: "acme/base", digest: { sha256: digests.base }, role: "base-model" },
          { name: "corpus", digest: { sha256: digests.data }, role: "dataset" },
        ],
        builder: { id: "https://ci.example/trainer" },
        startedOn: started,
        finishedOn: new Date(started.getTime() + 1000),
      }),
    );
    digests.tuned = (
      await json(["attest", "training-run", "--subject", paths.tuned, "--name", "acme/tuned", "--predicate", training, "--key", "k.json"])
    ).subject[0].digest.sha256;
    await ok(["attest", "model-manifest", "--subject", paths.tuned, "--name", "acme/tuned", "--key", "k.json"]);
    for (const key of ["k.json", "k2.json"]) {
      const approved = await json(["approve", paths.tuned, "--policy", POLICY, "--role", "approver", "--key", key]);
      assert.equal(approved.decision, "approved");
    }
    // A deployment counts only when signed by a key with a role the verifier's policy names (default: deployer, ml-pipeline).
    await ok(["key", "generate", "--algorithm", "secp256k1", "-o", "deployer.json"]);
    await ok(["key", "register", "deployer.json", "--role", "deployer"]);
    const deployment = await writeJson(
      "deployment.json",
      createDeploymentPredicate({
        environment: "production",
        target: { name: "scoring" },
        deployer: { name: "release-bot" },
        approvalPolicy: { id: POLICY, threshold: 2, role: "approver" },
        deployedAt: new Date(),
      }),
    );
    await ok(["attest", "deployment", "--subject", paths.tuned, "--name", "acme/tuned", "--predicate", deployment, "--key", "deployer.json"]);
    const anchored = await json(["anchor"]);
    assert.equal(anchored.anchored[0].leafCount, 8); // dataset, base manifest and training run, tuned training run and manifest, 2 approvals, deployment

    await ok(["lineage", paths.tuned, "--format", "mermaid", "-o", "g.mmd"]);
    const mermaid = await readFile(join(work, "g.mmd"), "utf8");
    assert.match(mermaid, /^flowchart BT/);
    for (const name of ["acme/base", "acme/tuned", "corpus"]) assert.ok(mermaid.includes(name), `${name} in ${mermaid}`);
    const lineageRun = await ok(["lineage", paths.tuned, "--format", "dot"]);
    const dot = lineageRun.stdout;
    assert.match(dot, /^digraph lineage \{[\s\S]*\}\n$/, "stdout is the graph alone (pipeable into dot -Tsvg)");
    assert.match(lineageRun.stderr, /as recorded in the local store/, "the note goes to stderr");
    assert.ok(dot.includes(digests.base.slice(0, 12)), dot);

    bundleFile = join(work, "b.json");
    const bundled = await json(["bundle", paths.tuned, "-o", bundleFile]);
    assert.equal(bundled.entries, 8);
    assert.equal(bundled.keys, 2);
    assert.equal(bundled.verifies, true, "bundle verified what it wrote against the store's node and registry");
    assert.deepEqual(bundled.problems, []);
  });

  it("behavior: bundle says (stderr, and verifies: false in --json) when the bundle it wrote cannot verify: an ancestor never attested", async () => {
    const orphan = await files("orphan-model", { "model.bin": randomBytes(2000) });
    const unattested = "ab".repeat(32);
    const started = new Date();
    const orphanRun = await writeJson(
      "orphan-run.json",
      createTrainingRunPredicate({
        hyperparameters: { epochs: 1 },
        dependencies: [{ name: "never-attested-corpus", digest: { sha256: unattested }, role: "dataset" }],
        builder: { id: "https://ci.example/trainer" },
        startedOn: started,
        finishedOn: started,
      }),
    );
    const attested = await json([
      "attest",
      "training-run",
      "--subject",
      orphan,
      "--name",
      "acme/orphan",
      "--predicate",
      orphanRun,
      "--key",
      "k2.json",
      "-o",
      "orphan.envelope.json",
    ]);
    // -o: the signed envelope, as `provenance serve` takes it.
    assert.equal(entryHash(attestationEntry(parseEnvelope(JSON.parse(await readFile(join(work, "orphan.envelope.json"), "utf8"))))), attested.entryHash);
    const approval = await json(["approve", orphan, "--policy", POLICY, "--role", "approver", "--key", "k2.json", "-o", "orphan.approval.json"]);
    assert.equal(entryHash(attestationEntry(parseEnvelope(JSON.parse(await readFile(join(work, "orphan.approval.json"), "utf8"))))), approval.entryHash);
    await ok(["anchor"]);
    const file = join(work, "orphan.bundle.json");
    const text = await ok(["bundle", orphan, "-o", file]);
    assert.match(
      text.stderr,
      /warning: this bundle will not verify: never-attested-corpus \[abababababab\], the dataset of acme\/orphan .* has no attestation/,
    );
    const j = await json(["bundle", orphan, "-o", file]);
    assert.equal(j.verifies, false);
    assert.equal(j.problems.length, 1);
    const third = await run(["verify-bundle", file, "--rpc", rpc, "--registry", registry, "--artifact", orphan], { cwd: await emptyDir() });
    assert.equal(third.code, 1, "and indeed it does not verify");
  });

  it("behavior: receipt <model digest> with several entries lists them and asks for --type or an entry id", async () => {
    let r = await org(["receipt", digests.tuned]);
    assert.equal(r.code, 2, r.stdout);
    assert.match(r.stderr, /5 entries are about [0-9a-f]{64}: pass --type <type> or one entry id/);
    for (const type of ["training-run", "model-manifest", "approval", "deployment"])
      assert.ok(r.stderr.includes(`  ${type}  `), `${type} listed:\n${r.stderr}`);
    assert.equal(r.stdout, "", "no receipt was picked");
    r = await org(["receipt", digests.tuned, "--type", "approval"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /2 entries are about/);
    const file = join(work, "deployment.receipt.json");
    const written = await json(["receipt", digests.tuned, "--type", "deployment", "-o", file]);
    assert.equal(JSON.parse(await readFile(file, "utf8")).envelope !== undefined, true);
    assert.equal((await json(["receipt", written.recordId, "-o", file])).recordId, written.recordId, "an entry id names one entry");
    r = await org(["receipt", digests.tuned, "--type", "revocation"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /none of the 5 entries about [0-9a-f]{64} has type "revocation"/);
  });

  it("behavior: a third party verifies the bundle from an empty directory, with no store, .env or settings", async () => {
    const verifier = await emptyDir();
    await cp(bundleFile, join(verifier, "b.json"));
    const r = await run(["verify-bundle", "b.json", "--rpc", rpc, "--registry", registry, "--artifact", paths.tuned], { cwd: verifier });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^VERIFIED: acme\/tuned \(sha256 [0-9a-f]{64}\)/);
    assert.match(r.stdout, /8 signed attestation\(s\), every signature, signing key and anchor checked/);
    assert.match(r.stdout, /deployment to production: policy release-2of2 met, 2 of 2 required distinct approvers/);
    assert.match(
      r.stdout,
      /model files: this verifier hashed the directory \(model hashing v2\): sha256 [0-9a-f]{64} matches, kind directory matches what was signed/,
    );
    assert.match(r.stdout, /Lineage:\n/);
    for (const name of ["acme/base", "corpus"]) assert.ok(r.stdout.includes(name), `${name} in the lineage:\n${r.stdout}`);
    assert.deepEqual(await readdir(verifier), ["b.json"], "the verifier wrote nothing (no store, no files)");

    const j = await run(["verify-bundle", "b.json", "--rpc", rpc, "--registry", registry, "--chain-id", "31337", "--artifact", paths.tuned, "--json"], {
      cwd: verifier,
    });
    assert.equal(j.code, 0, j.stderr);
    const result = JSON.parse(j.stdout);
    assert.equal(result.verdict, "verified");
    assert.deepEqual(result.artifact, { checked: "files", kind: "directory", sha256: digests.tuned });
    assert.equal(result.model.sha256, digests.tuned);
    assert.deepEqual(result.lineage.ancestors.sort(), [digests.base, digests.data].sort());
    assert.deepEqual(
      result.lineage.edges.map((e: { from: string; relation: string }) => `${e.relation}:${e.from}`).sort(),
      [`base-model:${digests.base}`, `dataset:${digests.data}`, `dataset:${digests.data}`].sort(),
    );
  });

  it("behavior: the verdict names the model from signed statements, never from the bundle's unsigned subject.name; it prints its pins", async () => {
    const verifier = await relayedRenamed("acme/ATTACKER-CHOSEN\u001b[32m");
    const r = await run(["verify-bundle", "b.json", "--rpc", rpc, "--registry", registry, "--artifact", paths.tuned], { cwd: verifier });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^VERIFIED: acme\/tuned \(sha256 [0-9a-f]{64}\)/);
    assert.ok(!r.stdout.includes("ATTACKER"), r.stdout);
    assert.match(r.stdout, new RegExp(`trusted the RPC node at ${rpc}/? \\(--rpc\\): its answers were not checked further`));
    assert.match(
      r.stdout,
      new RegExp(
        `pins: registry ${registry} \\(--registry\\); chain 31337 \\(not pinned: as reported by the node\\); any organisation \\(not pinned: any organisation\\)`,
      ),
    );
    const j = JSON.parse(
      (await run(["verify-bundle", "b.json", "--rpc", rpc, "--registry", registry, "--artifact", paths.tuned, "--json"], { cwd: verifier })).stdout,
    );
    assert.equal(j.model.name, "acme/tuned");
    assert.equal(j.trusted.registry.source.name, "--registry");
  });

  it("error: exit 1 artifact-digest when a model file was modified", async () => {
    const verifier = await emptyDir();
    const copy = join(verifier, "model");
    await cp(paths.tuned, copy, { recursive: true });
    await writeFile(join(copy, "config.json"), '{"layers": 4, "tuned": false}');
    const r = await run(["verify-bundle", bundleFile, "--rpc", rpc, "--registry", registry, "--artifact", copy], { cwd: verifier });
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stderr, /NOT VERIFIED: check "artifact-digest" failed/);
    assert.doesNotMatch(r.stdout, /VERIFIED/);
    const j = await run(["verify-bundle", bundleFile, "--rpc", rpc, "--registry", registry, "--artifact", copy, "--json"], { cwd: verifier });
    assert.equal(j.code, 1);
    assert.equal(JSON.parse(j.stdout).error.code, "artifact-digest");
  });

  it("behavior: verify --lineage from the organisation's directory names the store its evidence came from", async () => {
    const r = await ok(["verify", "--lineage", paths.tuned, "--registry", registry]);
    assert.match(r.stdout, /^VERIFIED: acme\/tuned/);
    assert.ok(r.stdout.includes(`\n  evidence: the ledger store at ${join(work, ".provenance")} (its entries only; pins never come from it)\n`), r.stdout);
  });

  it("error: a relative PROVENANCE_TRUST or PROVENANCE_POLICY in the verifier's environment is a usage error (it would be read from the folder verified in)", async () => {
    const verifier = await emptyDir();
    for (const name of ["PROVENANCE_TRUST", "PROVENANCE_POLICY"]) {
      await writeFile(join(verifier, "planted.json"), "{}");
      const r = await run(["verify-bundle", bundleFile, "--artifact", paths.tuned, "--rpc", rpc, "--registry", registry], {
        cwd: verifier,
        env: { [name]: "planted.json" },
      });
      assert.equal(r.code, 2, r.stdout);
      assert.match(
        r.stderr,
        new RegExp(`^error: ${name} must be an absolute path, not "planted\\.json": a relative one would be read from the folder you run in`),
      );
    }
  });

  it("behavior: verify-bundle --artifact-digest exits 3 and its first line says no file was read; JSON artifact.checked digest-only", async () => {
    const verifier = await emptyDir();
    const r = await run(["verify-bundle", bundleFile, "--artifact-digest", `sha256:${digests.tuned}`, "--rpc", rpc, "--registry", registry], { cwd: verifier });
    assert.equal(r.code, 3, r.stderr);
    assert.equal(r.stdout.split("\n")[0], `VERIFIED (digest only: no file was read): acme/tuned (sha256 ${digests.tuned})`);
    assert.match(r.stdout, /model files: NOT READ/);
    const j = await run(["verify-bundle", bundleFile, "--artifact-digest", `sha256:${digests.tuned}`, "--rpc", rpc, "--registry", registry, "--json"], {
      cwd: verifier,
    });
    assert.equal(j.code, 3);
    assert.deepEqual(JSON.parse(j.stdout).artifact, { checked: "digest-only", sha256: digests.tuned });
    const lineage = await org(["verify", "--lineage", "--artifact-digest", `sha256:${digests.tuned}`, "--registry", registry]);
    assert.equal(lineage.code, 3, lineage.stderr);
    assert.match(lineage.stdout, /^VERIFIED \(digest only: no file was read\): acme\/tuned/);
  });

  it("error: verify-bundle and verify --lineage exit 2 naming both flags without --artifact or --artifact-digest", async () => {
    const r = await run(["verify-bundle", bundleFile, "--rpc", rpc, "--registry", registry], { cwd: await emptyDir() });
    assert.equal(r.code, 2, r.stdout);
    assert.match(r.stderr, /missing --artifact <model path> .* or --artifact-digest sha256:<64 hex>/);
    assert.doesNotMatch(r.stdout, /VERIFIED/);
    const lineage = await org(["verify", "--lineage", "--registry", registry]);
    assert.equal(lineage.code, 2);
    assert.match(lineage.stderr, /missing <model path> .* or --artifact-digest/);
    const both = await org(["verify", "--lineage", paths.tuned, "--artifact-digest", `sha256:${digests.tuned}`, "--registry", registry]);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /not both/);
  });

  it("error: verify-bundle --artifact <a file named by the model's digest> hashes the file, never reads its name as the digest (exit 1 artifact-digest)", async () => {
    const verifier = await emptyDir();
    for (const name of [digests.tuned, `sha256:${digests.tuned}`, digests.tuned.toUpperCase()]) {
      await writeFile(join(verifier, name), "bytes of a cache blob, not the model");
      const r = await run(["verify-bundle", bundleFile, "--artifact", name, "--rpc", rpc, "--registry", registry], { cwd: verifier });
      assert.equal(r.code, 1, `${name}: ${r.stdout}`);
      assert.match(r.stderr, /NOT VERIFIED: check "artifact-digest" failed: the model file hashes to/, name);
      assert.doesNotMatch(r.stdout, /VERIFIED/);
    }
    // A digest-named path that does not exist is a missing path (exit 2), not a digest.
    const missing = await run(["verify-bundle", bundleFile, "--artifact", `sha256:${digests.base}`, "--rpc", rpc, "--registry", registry], { cwd: verifier });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no such file or directory/);
  });

  it("behavior: verify <receipt> of an attestation checks its signatures and signing keys", async () => {
    // Two receipts of envelopes signed with k.json (ed25519), taken from the bundle; its public key comes with --key.
    const keyid = JSON.parse(await readFile(join(work, "k.pub.json"), "utf8")).keyid;
    const receipts = (JSON.parse(await readFile(bundleFile, "utf8")).receipts as { envelope: { signatures: { keyid: string }[] } }[]).filter(
      (r) => r.envelope.signatures[0]!.keyid === keyid,
    );
    assert.ok(receipts.length >= 2);
    const [genuine, donor] = [await writeJson("genuine.receipt.json", receipts[0]), receipts[1]!];
    const verifier = await emptyDir();
    // The model each receipt is about, by its statement's subject: verify is given its files.
    const pathOf: Record<string, string> = { [digests.data]: paths.data, [digests.base]: paths.base, [digests.tuned]: paths.tuned };
    const subject = JSON.parse(Buffer.from((receipts[0] as unknown as { envelope: { payload: string } }).envelope.payload, "base64").toString("utf8"))
      .subject[0].digest.sha256 as string;
    const verify = (file: string, extra: string[] = []) =>
      run(["verify", file, "--artifact", pathOf[subject]!, "--rpc", rpc, "--registry", registry, "--chain-id", "31337", ...extra], { cwd: verifier });

    let r = await verify(genuine, ["--key", join(work, "k.pub.json")]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^VERIFIED: /);
    assert.match(r.stdout, /checks passed: .*signature, signing-key/);
    assert.ok(r.stdout.includes(keyid), `names the signer ${keyid}:\n${r.stdout}`);

    // Without the ed25519 public key the signature cannot be checked: never VERIFIED.
    r = await verify(genuine);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stderr, /NOT VERIFIED: check "signing-key" failed: .*public key was not provided/);

    // The signature of another envelope by the same key (the anchor checks alone would say "record-leaf").
    const tampered = await writeJson("tampered.receipt.json", {
      ...receipts[0],
      envelope: { ...receipts[0]!.envelope, signatures: donor.envelope.signatures },
    });
    r = await verify(tampered, ["--key", join(work, "k.pub.json")]);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stderr, /NOT VERIFIED: check "signature" failed/);
  });

  it("error: verify <receipt> of an envelope signed by a key the organisation never registered exits 1 signing-key", async () => {
    await ok(["key", "generate", "--algorithm", "secp256k1", "-o", "stranger.json"]);
    const stray = await files("stray-model", { "model.bin": randomBytes(1000) });
    const attested = await json(["attest", "model-manifest", "--subject", stray, "--key", "stranger.json"]);
    await ok(["anchor"]);
    const file = join(work, "stray.receipt.json");
    await ok(["receipt", attested.entryHash, "-o", file]);
    const r = await run(["verify", file, "--artifact", stray, "--rpc", rpc, "--registry", registry, "--chain-id", "31337"], { cwd: await emptyDir() });
    assert.equal(r.code, 1, `printed: ${r.stdout}`);
    assert.match(r.stderr, /NOT VERIFIED: check "signing-key" failed: key 0x[0-9a-f]{40} is not registered/);
  });

  it("behavior: key revoke; envelopes anchored before the revocation still verify", async () => {
    const revoked = await json(["key", "revoke", "k.pub.json"]);
    assert.equal(revoked.orgId, 1);
    const shown = await ok(["key", "show", "k.pub.json"]);
    assert.match(shown.stdout, new RegExp(`REVOKED at block ${revoked.blockNumber}`));
    const again = await org(["key", "revoke", "k.pub.json"]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /SigningKeyAlreadyRevoked/);
    const r = await run(["verify-bundle", bundleFile, "--artifact", paths.tuned, "--rpc", rpc, "--registry", registry], { cwd: await emptyDir() });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^VERIFIED/);
  });

  it("error: exit 2 for an unknown attestation type and for a predicate with a duplicate key", async () => {
    let r = await org(["attest", "unknown-type", "--subject", paths.tuned, "--key", "k2.json"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /usage: provenance attest <model-manifest\|/);
    const duplicate = join(work, "duplicate.json");
    const text = await readFile(join(work, "dataset.json"), "utf8");
    await writeFile(duplicate, text.replace('"name": "corpus",', '"name": "corpus",\n  "name": "other",'));
    r = await org(["attest", "dataset", "--subject", paths.data, "--predicate", duplicate, "--key", "k2.json"]);
    assert.equal(r.code, 2, r.stdout);
    assert.match(r.stderr, /\$\.name: duplicate key/);
    r = await org(["attest", "dataset", "--subject", paths.data, "--predicate", duplicate, "--key", "k2.json", "--json"]);
    assert.equal(r.code, 2);
    assert.equal(JSON.parse(r.stdout).error.code, "DUPLICATE_KEY");
  });

  it("behavior: lineage, bundle and approve take --model-digest; a digest-looking positional is a path", async () => {
    const lineage = await json(["lineage", "--model-digest", `sha256:${digests.tuned}`]);
    assert.equal(lineage.model, digests.tuned);
    const out = join(work, "by-digest.bundle.json");
    assert.equal((await json(["bundle", "--model-digest", `sha256:${digests.tuned}`, "-o", out])).model.digest.sha256, digests.tuned);
    for (const args of [
      ["lineage", `sha256:${digests.tuned}`],
      ["lineage", digests.tuned],
      ["bundle", `sha256:${digests.tuned}`, "-o", join(work, "x.json")],
    ]) {
      const r = await org(args);
      assert.equal(r.code, 2, args.join(" "));
      assert.match(r.stderr, /no such file or directory/, args.join(" "));
    }
    const both = await org(["lineage", paths.tuned, "--model-digest", `sha256:${digests.tuned}`]);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /not both/);
    const approved = await json(["approve", "--model-digest", `sha256:${digests.tuned}`, "--policy", "p", "--role", "approver", "--key", "k2.json"]);
    assert.equal(approved.model.digest.sha256, digests.tuned);
    const neither = await org(["approve", "--policy", "p", "--role", "approver", "--key", "k2.json"]);
    assert.equal(neither.code, 2);
    assert.match(neither.stderr, /usage: provenance approve \(<model path> \| --model-digest sha256:<hex>\)/);
  });

  it("behavior: attest --subject <a file named like a digest> hashes the file; --subject-digest names a digest explicitly", async () => {
    const blob = join(work, "blobs", digests.base);
    await mkdir(join(work, "blobs"), { recursive: true });
    await writeFile(blob, "weights in a content-addressed cache");
    const attested = await json([
      "attest",
      "evaluation",
      "--subject",
      blob,
      "--predicate",
      await writeJson(
        "eval.json",
        createEvaluationPredicate({
          dataset: { name: "d", digest: { sha256: digests.data } },
          metrics: [{ name: "auc", value: 0.9 }],
          evaluatedAt: new Date(),
        }),
      ),
      "--key",
      "k2.json",
    ]);
    assert.equal(attested.subject[0].digest.sha256, createHash("sha256").update("weights in a content-addressed cache").digest("hex"));
    assert.notEqual(attested.subject[0].digest.sha256, digests.base);
    const byDigest = await json([
      "attest",
      "evaluation",
      "--subject-digest",
      `sha256:${digests.base}`,
      "--predicate",
      join(work, "eval.json"),
      "--key",
      "k2.json",
    ]);
    assert.deepEqual(byDigest.subject, [{ name: `sha256:${digests.base}`, digest: { sha256: digests.base } }]);
    const missing = await org(["attest", "evaluation", "--subject", `sha256:${digests.base}`, "--predicate", join(work, "eval.json"), "--key", "k2.json"]);
    assert.equal(missing.code, 2, missing.stdout);
    assert.match(missing.stderr, /no such file or directory: sha256:/);
    const malformed = await org(["attest", "evaluation", "--subject-digest", digests.base, "--predicate", join(work, "eval.json"), "--key", "k2.json"]);
    assert.equal(malformed.code, 2);
    assert.match(malformed.stderr, /--subject-digest must be sha256: followed by 64 lower-case hex digits/);
  });

  it("error: attest model-manifest takes exactly one --subject path (its predicate signs that model's kind)", async () => {
    for (const extra of [
      ["--subject", paths.base, "--subject", paths.tuned],
      ["--subject-digest", `sha256:${digests.base}`],
    ]) {
      const r = await org(["attest", "model-manifest", ...extra, "--key", "k2.json"]);
      assert.equal(r.code, 2, r.stdout);
      assert.match(r.stderr, /exactly one --subject <model path>/);
    }
  });

  it("behavior: verify-bundle names the model from signed data, never the bundle's subject.name, and says where, when and by whom it was registered", async () => {
    const verifier = await relayedRenamed("FORGED-NAME acme/trusted");
    const r = await run(["verify-bundle", "b.json", "--rpc", rpc, "--registry", registry, "--artifact", paths.tuned], { cwd: verifier });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!r.stdout.includes("FORGED-NAME"), r.stdout);
    assert.match(
      r.stdout,
      /^VERIFIED: acme\/tuned \(sha256 [0-9a-f]{64}\)\n  the name is the one the signed (training-run|model-manifest) entry 0x[0-9a-f]{64} gives the model\n/,
    );
    assert.match(
      r.stdout,
      /\n  registered at block \d+ \(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC\) by organisation 1 "CLI Attest Org" \(name as registered on chain\) in transaction 0x[0-9a-f]{64}\n/,
    );
    assert.match(
      r.stdout,
      /\n  revocation: neither the model nor its 2 ancestor\(s\) revoked as of block \d+ \(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC\), read from the chain for organisation\(s\) 1\n/,
    );
    assert.match(r.stdout, /\n  policy: the default policy \(docs\/bundle\.md#verification-policy\)\n/);
    const j = JSON.parse(
      (await run(["verify-bundle", "b.json", "--rpc", rpc, "--registry", registry, "--artifact", paths.tuned, "--json"], { cwd: verifier })).stdout,
    );
    assert.deepEqual(j.model, { name: "acme/tuned", sha256: digests.tuned });
    assert.equal(j.registration.organisation.name, "CLI Attest Org");
    assert.ok(!JSON.stringify(j).includes("FORGED-NAME"));
    assert.equal(typeof j.revocation.checkedAt.blockNumber, "number");
  });

  it("error: exit 1 required-attestation under a pinned --policy that requires an evaluation; exit 2 for a policy the parser refuses", async () => {
    const verifier = await emptyDir();
    const policy = { format: "provenance-verification-policy-v1", require: [["model-manifest"], ["evaluation"]], deployment: { roles: ["deployer"] } };
    await writeFile(join(verifier, "policy.json"), JSON.stringify(policy));
    let r = await run(["verify-bundle", bundleFile, "--rpc", rpc, "--registry", registry, "--artifact", paths.tuned, "--policy", "policy.json"], {
      cwd: verifier,
    });
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stderr, /NOT VERIFIED: check "required-attestation" failed: the policy requires an attestation of type evaluation about the model/);
    await writeFile(join(verifier, "policy.json"), JSON.stringify({ ...policy, require: [["model-manifest"]] }));
    r = await run(["verify-bundle", bundleFile, "--rpc", rpc, "--registry", registry, "--artifact", paths.tuned, "--policy", "policy.json"], { cwd: verifier });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\n  policy: policy\.json \(sha256 [0-9a-f]{64}; --policy\)\n/);
    await writeFile(join(verifier, "policy.json"), JSON.stringify({ ...policy, trustBundle: true }));
    r = await run(["verify-bundle", bundleFile, "--rpc", rpc, "--registry", registry, "--artifact", paths.tuned, "--policy", "policy.json", "--json"], {
      cwd: verifier,
    });
    assert.equal(r.code, 2, r.stdout);
    assert.equal(JSON.parse(r.stdout).error.code, "INVALID_POLICY");
  });

  it("behavior: attest revocation anchors it and sets it on chain; the bundle made before now verifies as derived from a revoked model", async () => {
    const predicate = await writeJson(
      "revocation.json",
      createRevocationPredicate({ reason: "data-licence", description: "corpus may not be used for training", revokedAt: new Date() }),
    );
    const revoked = await json(["attest", "revocation", "--subject", paths.data, "--name", "corpus", "--predicate", predicate, "--key", "deployer.json"]);
    assert.equal(revoked.revokedOnChain.length, 1);
    assert.ok(revoked.anchoredAt > 0);
    const r = await run(["verify-bundle", bundleFile, "--rpc", rpc, "--registry", registry, "--artifact", paths.tuned], { cwd: await emptyDir() });
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stdout,
      new RegExp(
        `^NOT VERIFIED: acme/tuned \\(sha256 ${digests.tuned}\\) is DERIVED FROM A REVOKED MODEL \\(corpus, revoked by organisation 1 at block ${revoked.revokedOnChain[0].blockNumber}\\)`,
      ),
    );
    assert.match(r.stdout, /corpus .*\[REVOKED\]/);

    // One receipt is no way around it: verify of the corpus's own dataset attestation is NOT VERIFIED too (exit 1),
    // and the revocation's own receipt verifies (it is the evidence of the revocation), saying what it records.
    const receipts = JSON.parse(await readFile(bundleFile, "utf8")).receipts as { envelope: { payload: string } }[];
    const payloadOf = (x: { envelope: { payload: string } }) => JSON.parse(Buffer.from(x.envelope.payload, "base64").toString("utf8"));
    const datasetReceipt = await writeJson(
      "dataset.receipt.json",
      receipts.find((x) => payloadOf(x).predicateType === DATASET_PREDICATE_TYPE),
    );
    const verifier = await emptyDir();
    const verify = (file: string, extra: string[] = []) =>
      run(
        ["verify", file, "--artifact", paths.data, "--rpc", rpc, "--registry", registry, "--chain-id", "31337", "--key", join(work, "k.pub.json"), ...extra],
        {
          cwd: verifier,
        },
      );
    const block = revoked.revokedOnChain[0].blockNumber;
    let v = await verify(datasetReceipt);
    assert.equal(v.code, 1, v.stdout + v.stderr);
    assert.match(
      v.stdout,
      new RegExp(
        `^NOT VERIFIED: ${DATASET_PREDICATE_TYPE.replace(/[./]/g, "\\$&")} about corpus \\(sha256 ${digests.data}\\) is REVOKED by organisation 1 at block ${block} \\(revocation 0x[0-9a-f]{64}\\)\n`,
      ),
    );
    assert.match(
      v.stdout,
      new RegExp(`\n  revocation: revoked by organisation 1 at block ${block} .*, as of block \\d+ \\(.*\\), read from the chain for organisation 1\n`),
    );
    v = await verify(datasetReceipt, ["--json"]);
    assert.equal(v.code, 1, v.stderr);
    const j = JSON.parse(v.stdout);
    assert.deepEqual([j.verified, j.verdict, j.revocation.revoked, j.revocation.findings[0].blockNumber], [false, "revoked", true, block]);

    const revocationReceipt = join(work, "revocation.receipt.json");
    await ok(["receipt", revoked.entryHash, "-o", revocationReceipt]);
    v = await verify(revocationReceipt);
    assert.equal(v.code, 0, v.stdout + v.stderr);
    assert.match(v.stdout, /^VERIFIED: /);
    assert.match(
      v.stdout,
      new RegExp(
        `\n  revocation: the subject this revocation is about is revoked by organisation 1 at block ${block}.*\\(this entry records that revocation\\)\n`,
      ),
    );
  });

  it("behavior: verify <receipt> applies the verifier's policy to the anchoring organisation; --require-approvals and --format are usage errors there", async () => {
    const verifier = await emptyDir();
    // A receipt about the fine-tune (the corpus is revoked by now).
    const subjectOf = (x: { envelope: { payload: string } }) =>
      JSON.parse(Buffer.from(x.envelope.payload, "base64").toString("utf8")).subject[0].digest.sha256 as string;
    const receipt = (JSON.parse(await readFile(bundleFile, "utf8")).receipts as { envelope: { payload: string } }[]).find(
      (x) => subjectOf(x) === digests.tuned,
    )!;
    await writeFile(join(verifier, "r.json"), JSON.stringify(receipt));
    const subject = subjectOf(receipt);
    const pins = ["--artifact-digest", `sha256:${subject}`, "--rpc", rpc, "--registry", registry, "--chain-id", "31337", "--key", join(work, "k.pub.json")];
    const policy = { format: "provenance-verification-policy-v1", require: [["model-manifest"]], organisations: [2], deployment: { roles: ["deployer"] } };
    await writeFile(join(verifier, "p.json"), JSON.stringify(policy));
    let r = await run(["verify", "r.json", ...pins, "--policy", "p.json"], { cwd: verifier });
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stderr, /NOT VERIFIED: check "organisation" failed/);
    await writeFile(join(verifier, "p.json"), JSON.stringify({ ...policy, organisations: [1, 2] }));
    r = await run(["verify", "r.json", ...pins, "--policy", "p.json"], { cwd: verifier });
    assert.equal(r.code, 3, r.stderr);
    assert.match(
      r.stdout,
      /\n  policy: p\.json \(sha256 [0-9a-f]{64}; --policy\) \(for one receipt: the organisations whose anchors and revocations count\)\n/,
    );
    r = await run(["verify", "r.json", ...pins, "--policy", "missing.json"], { cwd: verifier });
    assert.equal(r.code, 2, r.stdout);
    for (const flag of [
      ["--require-approvals", "3"],
      ["--format", "dot"],
    ]) {
      r = await run(["verify", "r.json", ...pins, ...flag], { cwd: verifier });
      assert.equal(r.code, 2, r.stdout);
      assert.match(r.stderr, new RegExp(`${flag[0]} applies to verify --lineage and verify-bundle, not to one receipt`));
    }
  });
});
