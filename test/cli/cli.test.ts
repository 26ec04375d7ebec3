import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { MerkleTree } from "merkletreejs";
import { keccak256 } from "viem";
import { canonicalJson } from "../../src/core/canonicalJson.js";
import { hashModel } from "../../src/local/hashing/hashModel.js";
import { MODEL_DIRECTORY_TAG } from "../../src/formats/model/modelManifest.js";
import { LEAF_ENCODING } from "../../src/merkle/leaf.js";
import { recordHash, subjectDigest } from "../../src/formats/record.js";
import { parseReceipt } from "../../src/formats/receipt.js";
import { type HardhatNode, startHardhatNode } from "../helpers/localNode.js";

// The CLI, as built by `npm run build`, against `hardhat node` on loopback: the multi-command setup of the README.
const root = fileURLToPath(new URL("../..", import.meta.url));
const CLI = join(root, "bin", "provenance.js");
const NODE = process.execPath;
const KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

let node: HardhatNode | undefined;
let rpc: string;
let work: string;
let registry: string;
let model: string;
let receiptFile: string;

type Run = { code: number; stdout: string; stderr: string };

function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      NODE,
      [CLI, ...args],
      { cwd: work, env: { PATH: process.env.PATH, HOME: work, PROVENANCE_DATA_DIR: join(work, ".provenance"), ...env }, timeout: 120_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

const signing = () => ({ PROVENANCE_RPC_URL: rpc, PROVENANCE_PRIVATE_KEY: KEY });
/**
 * `verify FILE`, pinned to this file's chain. verify is given the model's files by default (issue 9: --artifact or
 * --artifact-digest is required); `pins` puts another RPC or registry in (an unreachable node, the wrong contract).
 */
const verifyArgs = (file: string, extra: string[] = [], artifact = ["--artifact", model], pins: { rpc?: string; registry?: string } = {}) => [
  "verify",
  file,
  ...artifact,
  "--rpc",
  pins.rpc ?? rpc,
  "--registry",
  pins.registry ?? registry,
  "--chain-id",
  "31337",
  ...extra,
];

async function tampered(mutate: (r: any) => void): Promise<string> {
  const r = JSON.parse(await readFile(receiptFile, "utf8"));
  mutate(r);
  const file = join(work, `tampered-${randomBytes(4).toString("hex")}.json`);
  await writeFile(file, JSON.stringify(r));
  return file;
}

const flipHex = (hex: string) => `${hex.slice(0, -1)}${hex.endsWith("0") ? "1" : "0"}`;

before(async () => {
  work = await mkdtemp(join(tmpdir(), "provenance-cli-"));
  node = await startHardhatNode();
  rpc = node.rpcUrl;
  model = join(work, "model");
  await mkdir(join(model, "weights"), { recursive: true });
  await writeFile(join(model, "config.json"), '{"layers": 4}');
  await writeFile(join(model, "weights", "shard-0.bin"), randomBytes(100_000));
});

after(async () => {
  await node?.stop();
});

describe("provenance CLI against hardhat node", () => {
  it("default: init, deploy, org add, record, anchor, receipt, verify", async () => {
    assert.equal((await cli(["init"])).code, 0);
    const deployed = await cli(["deploy", "--json"], signing());
    assert.equal(deployed.code, 0, deployed.stderr);
    const d = JSON.parse(deployed.stdout);
    assert.equal(d.chainId, 31337);
    assert.match(d.registry, /^0x[0-9a-f]{40}$/);
    registry = d.registry;
    assert.ok(!deployed.stdout.includes(KEY.slice(2)) && !deployed.stderr.includes(KEY.slice(2)), "the private key is never printed");

    const org = await cli(["org", "add", "CLI Test Org", "--json"], signing());
    assert.equal(org.code, 0, org.stderr);
    assert.equal(JSON.parse(org.stdout).orgId, 1);

    const recorded = await cli(["record", model, "--name", "acme/model", "--version", "2.0.0", "--json"]);
    assert.equal(recorded.code, 0, recorded.stderr);
    const { sha256 } = JSON.parse(recorded.stdout);
    for (let i = 0; i < 4; i++) {
      const extra = join(work, `extra-${i}.bin`);
      await writeFile(extra, randomBytes(64));
      assert.equal((await cli(["record", extra])).code, 0);
    }
    const anchored = await cli(["anchor", "--json"], signing());
    assert.equal(anchored.code, 0, anchored.stderr);
    assert.equal(JSON.parse(anchored.stdout).anchored[0].leafCount, 5);

    receiptFile = join(work, "model.receipt.json");
    const written = await cli(["receipt", sha256, "-o", receiptFile, "--json"]);
    assert.equal(written.code, 0, written.stderr);
    assert.equal(JSON.parse(written.stdout).recordId, JSON.parse(recorded.stdout).recordId, "the receipt names the record by its id");

    const verified = await cli(verifyArgs(receiptFile, ["--org", "1"]));
    assert.equal(verified.code, 0, verified.stderr);
    assert.match(
      verified.stdout,
      /registered at block \d+ \(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\) by organisation 1 "CLI Test Org" in transaction 0x[0-9a-f]{64}/,
    );
  });

  it("behavior: the CLI's receipt verifies with merkletreejs, @openzeppelin/merkle-tree and MerkleProof.sol (verifyRecordBy)", async () => {
    const r = parseReceipt(await readFile(receiptFile, "utf8"));
    assert.equal(StandardMerkleTree.verify(r.root, [...LEAF_ENCODING], [subjectDigest(r.record!), recordHash(r.record!)], [...r.proof]), true);
    const hash = (data: Buffer) => Buffer.from(keccak256(data).slice(2), "hex");
    assert.equal(new MerkleTree([], hash, { sortPairs: true }).verify([...r.proof], r.leaf, r.root), true);
    const { createPublicClient, http } = await import("viem");
    const { provenanceRegistryAbi } = await import("../../src/chain/registryArtifact.js");
    const client = createPublicClient({ transport: http(rpc) });
    const ok = await client.readContract({
      address: registry as `0x${string}`,
      abi: provenanceRegistryAbi,
      functionName: "verifyRecordBy",
      args: [1, r.root, [...r.proof], subjectDigest(r.record!), recordHash(r.record!)],
    });
    assert.equal(ok, true);
  });

  it("behavior: `hash` prints a model's digest (directory or file) as `record` computes it, and records nothing", async () => {
    const before = JSON.parse((await cli(["status", "--json"])).stdout);
    const dir = await cli(["hash", model]);
    assert.equal(dir.code, 0, dir.stderr);
    const expected = parseReceipt(await readFile(receiptFile, "utf8")).record!.subject.digest.sha256;
    assert.equal(dir.stdout, `sha256:${expected}\n`, "stdout is the digest alone");
    assert.match(dir.stderr, /directory, 2 file\(s\), \d+ bytes, hashed as provenance-model-manifest-v2; nothing recorded/);
    const file = join(model, "config.json");
    const single = JSON.parse((await cli(["hash", file, "--json"])).stdout);
    assert.deepEqual(single, {
      path: file,
      digest: `sha256:${createHash("sha256").update('{"layers": 4}').digest("hex")}`,
      sha256: createHash("sha256").update('{"layers": 4}').digest("hex"),
      kind: "file",
      hashing: "sha256",
      size: 13,
      fileCount: 1,
    });
    assert.deepEqual(JSON.parse((await cli(["status", "--json"])).stdout), before, "nothing was recorded");
    const missing = await cli(["hash", join(work, "no-such-model")]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no-such-model/);
  });

  it("behavior: --version and -V before a command print the version; after record, --model-version (or --version) is the model's", async () => {
    const { version } = JSON.parse(await readFile(join(root, "package.json"), "utf8"));
    for (const args of [["--version"], ["-V"], ["--json", "--version"]]) {
      const run = await cli(args);
      assert.equal(run.code, 0, run.stderr);
      assert.ok(run.stdout.includes(version), run.stdout);
    }
    const file = join(work, "versioned.bin");
    await writeFile(file, randomBytes(32));
    assert.equal((await cli(["init"], { PROVENANCE_DATA_DIR: join(work, "versioned-store") })).code, 0);
    for (const flag of ["--model-version", "--version"]) {
      const run = await cli(["record", file, "--name", "acme/versioned", flag, "3.1.4", "--json"], { PROVENANCE_DATA_DIR: join(work, "versioned-store") });
      assert.equal(run.code, 0, run.stderr);
      assert.equal(JSON.parse(run.stdout).record.subject.version, "3.1.4");
    }
    const clash = await cli(["record", file, "--model-version", "1", "--version", "2"], { PROVENANCE_DATA_DIR: join(work, "versioned-store") });
    assert.equal(clash.code, 2);
    assert.match(clash.stderr, /disagree/);
  });

  it("error: exit 1 after a one-byte change to the artifact", async () => {
    const copy = join(work, "model-copy");
    await mkdir(join(copy, "weights"), { recursive: true });
    await writeFile(join(copy, "config.json"), '{"layers": 5}');
    await writeFile(join(copy, "weights", "shard-0.bin"), await readFile(join(model, "weights", "shard-0.bin")));
    const run = await cli(verifyArgs(receiptFile, [], ["--artifact", copy]));
    assert.equal(run.code, 1);
    assert.match(run.stderr, /NOT VERIFIED: check "artifact-digest" failed/);
  });

  it("error: exit 1 after a one-byte change to the leaf, any proof element, or the root", async () => {
    const cases: [string, (r: any) => void, string][] = [
      ["leaf", (r) => void (r.leaf = flipHex(r.leaf)), "record-leaf"],
      ["root", (r) => void (r.root = flipHex(r.root)), "proof-root"],
    ];
    const { proof } = JSON.parse(await readFile(receiptFile, "utf8"));
    for (let i = 0; i < proof.length; i++) cases.push([`proof[${i}]`, (r) => void (r.proof[i] = flipHex(r.proof[i])), "proof-root"]);
    for (const [what, mutate, check] of cases) {
      const run = await cli(verifyArgs(await tampered(mutate)));
      assert.equal(run.code, 1, `${what}: ${run.stdout}`);
      assert.match(run.stderr, new RegExp(`check "${check}" failed`), what);
    }
  });

  it("error: exit 1 when pinned to a different registry address", async () => {
    const run = await cli(verifyArgs(receiptFile, [], ["--artifact", model], { registry: "0x5FbDB2315678afecb367f032d93F642f64180aa4" }));
    assert.equal(run.code, 1);
    assert.match(run.stderr, /check "registry" failed/);
  });

  it("error: exit 1 when pinned to a different chain", async () => {
    const run = await cli(["verify", receiptFile, "--artifact", model, "--rpc", rpc, "--registry", registry, "--chain-id", "1"]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /check "chain-id" failed/);
  });

  it("error: exit 2 with a clear message for malformed input", async () => {
    const bad = join(work, "bad.json");
    await writeFile(bad, "{ not json");
    let run = await cli(verifyArgs(bad));
    assert.equal(run.code, 2);
    assert.match(run.stderr, /receipt is not valid JSON/);
    run = await cli(verifyArgs(await tampered((r) => void (r.format = "provenance-receipt-v9"))));
    assert.equal(run.code, 2);
    assert.match(run.stderr, /unknown receipt format "provenance-receipt-v9"/);
    run = await cli(verifyArgs(await tampered((r) => void (r.proof[0] = r.proof[0].slice(0, -1)))));
    assert.equal(run.code, 2);
    assert.match(run.stderr, /receipt\.proof\[0\]: hex string has an odd number of digits/);
    run = await cli(verifyArgs(receiptFile, [], ["--artifact", join(work, "missing-model")]));
    assert.equal(run.code, 2);
    assert.match(run.stderr, /missing-model/);
    run = await cli(["verify", receiptFile, "--rpc", rpc]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /missing --registry/);
    run = await cli(["record"]);
    assert.equal(run.code, 2);
    run = await cli(["receipt", "ab".repeat(32)]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /no record matches/);
    run = await cli(["frobnicate"]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /unknown command "frobnicate"/);
  });

  it("error: commands that read a store refuse a missing one in one line (exit 2) and create nothing", async () => {
    const empty = join(work, "no-store-here");
    for (const args of [["status"], ["anchor"], ["receipt", "ab".repeat(32)], ["token", "list", "--store", join(empty, "service.db")]]) {
      const run = await cli(args, { PROVENANCE_DATA_DIR: empty });
      assert.equal(run.code, 2, `${args.join(" ")}: ${run.stdout}`);
      assert.match(run.stderr, /^error: no (ledger|service) store (in|at) .*no-store-here/, args.join(" "));
      assert.doesNotMatch(run.stderr, /\n\s+at /, `no stack trace: ${run.stderr}`);
      await assert.rejects(readFile(join(empty, "ledger.db")), "no store was created");
      await assert.rejects(readFile(join(empty, "service.db")), "no service store was created");
    }
  });

  it("error: exit 1 naming the problem when the RPC is unreachable", async () => {
    const run = await cli(verifyArgs(receiptFile, ["--timeout", "2"], ["--artifact", model], { rpc: "http://127.0.0.1:1" }));
    assert.equal(run.code, 1);
    assert.match(run.stderr, /unreachable/);
  });

  it("behavior: the organisation's settings come from .env when no flag or variable is given", async () => {
    await writeFile(join(work, ".env"), `PROVENANCE_RPC_URL=${rpc}\nPROVENANCE_REGISTRY=${registry}\nPROVENANCE_CHAIN_ID=31337\n`);
    const run = await cli(["org", "show", "1", "--json"]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(JSON.parse(run.stdout).name, "CLI Test Org");
  });

  it("error: verify never reads pins from a .env in the working folder (issue 9, class 6): exit 2 naming the missing pin", async () => {
    // Until issue 9 this test expected verify to succeed from .env alone; a verifier's pins now come only from its own flags, environment or --trust file.
    await writeFile(join(work, ".env"), `PROVENANCE_RPC_URL=${rpc}\nPROVENANCE_REGISTRY=${registry}\nPROVENANCE_CHAIN_ID=31337\n`);
    const run = await cli(["verify", receiptFile, "--artifact", model, "--json"]);
    assert.equal(run.code, 2, run.stdout);
    assert.match(JSON.parse(run.stdout).error.message, /missing --rpc/);
  });

  it("behavior: files the verifier hashed: exit 0, plain VERIFIED, JSON artifact.checked files with the kind", async () => {
    const run = await cli(verifyArgs(receiptFile, ["--json"]));
    assert.equal(run.code, 0, run.stderr);
    const verdict = JSON.parse(run.stdout);
    assert.equal(verdict.artifact.checked, "files");
    assert.equal(verdict.artifact.kind, "directory");
    assert.ok(verdict.checks.includes("artifact-kind"));
    const text = await cli(verifyArgs(receiptFile));
    assert.match(text.stdout.split("\n")[0]!, /^VERIFIED: model-registered acme\/model@2\.0\.0/);
  });

  it("behavior: --artifact-digest: exit 3, the first line says no file was read, JSON artifact.checked digest-only", async () => {
    const { sha256 } = await hashModel(model);
    const run = await cli(verifyArgs(receiptFile, [], ["--artifact-digest", `sha256:${sha256}`]));
    assert.equal(run.code, 3, run.stderr);
    assert.equal(run.stdout.split("\n")[0], `VERIFIED (digest only: no file was read): model-registered acme/model@2.0.0 (sha256 ${sha256})`);
    assert.match(run.stdout, /model files: NOT READ/);
    const json = await cli(verifyArgs(receiptFile, ["--json"], ["--artifact-digest", `sha256:${sha256}`]));
    assert.equal(json.code, 3);
    assert.deepEqual(JSON.parse(json.stdout).artifact, { checked: "digest-only", sha256 });
  });

  it("error: exit 2 naming both flags when neither --artifact nor --artifact-digest is given, or both are", async () => {
    const run = await cli(verifyArgs(receiptFile, [], []));
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--artifact <model path>.*--artifact-digest sha256:<64 hex>/);
    const json = await cli(verifyArgs(receiptFile, ["--json"], []));
    assert.equal(json.code, 2);
    assert.equal(JSON.parse(json.stdout).verified, false);
    const both = await cli(verifyArgs(receiptFile, [], ["--artifact", model, "--artifact-digest", `sha256:${"ab".repeat(32)}`]));
    assert.equal(both.code, 2);
    assert.match(both.stderr, /--artifact or --artifact-digest, not both/);
  });

  it("error: exit 2 for a malformed --artifact-digest (no prefix, 0x, upper case, short)", async () => {
    const { sha256 } = await hashModel(model);
    for (const spec of [sha256, `0x${sha256}`, `sha256:${sha256.toUpperCase()}`, `sha256:${sha256.slice(1)}`, `sha512:${sha256}`]) {
      const run = await cli(verifyArgs(receiptFile, [], ["--artifact-digest", spec]));
      assert.equal(run.code, 2, spec);
      assert.match(run.stderr, /--artifact-digest must be sha256: followed by 64 lower-case hex digits/, spec);
    }
  });

  it("error: an --artifact named like the model's digest is hashed as a path (content-addressed blob names are not digests)", async () => {
    const { sha256 } = await hashModel(model);
    for (const name of [sha256, `sha256:${sha256}`]) {
      // Missing: a path that does not exist, not a digest.
      const missing = await cli(verifyArgs(receiptFile, [], ["--artifact", join(work, "blobs-missing", name)]));
      assert.equal(missing.code, 2, name);
      assert.match(missing.stderr, /no such file|not found|does not exist/i, name);
      // Present with other bytes: hashed, and refused by artifact-digest.
      await mkdir(join(work, "blobs"), { recursive: true });
      const blob = join(work, "blobs", name);
      await writeFile(blob, "a Hugging Face cache blob named by a digest");
      const run = await cli(verifyArgs(receiptFile, [], ["--artifact", blob]));
      assert.equal(run.code, 1, name);
      assert.match(run.stderr, /NOT VERIFIED: check "artifact-digest" failed: the file's SHA-256/, name);
    }
  });

  it("error: a file whose bytes are the model directory's v1 manifest does not verify as the directory (file-as-directory, v1 bytes)", async () => {
    const digest = await hashModel(model);
    const file = join(work, "manifest-v1.json");
    await writeFile(file, canonicalJson({ ...digest.manifest!, format: "provenance-model-manifest-v1" }));
    const run = await cli(verifyArgs(receiptFile, [], ["--artifact", file]));
    assert.equal(run.code, 1);
    assert.match(run.stderr, /check "artifact-digest" failed/);
  });

  it("error: exit 2 DIRECTORY_TAG_IN_FILE for a file holding the directory tag and the model's v2 manifest (file-as-directory, v2 bytes)", async () => {
    const digest = await hashModel(model);
    const file = join(work, "manifest-v2.tagged");
    await writeFile(file, `${MODEL_DIRECTORY_TAG}${canonicalJson(digest.manifest)}`);
    assert.equal(
      createHash("sha256")
        .update(await readFile(file))
        .digest("hex"),
      digest.sha256,
      "its SHA-256 is the directory's digest",
    );
    const run = await cli(verifyArgs(receiptFile, ["--json"], ["--artifact", file]));
    assert.equal(run.code, 2);
    assert.equal(JSON.parse(run.stdout).error.code, "DIRECTORY_TAG_IN_FILE");
  });

  it("behavior: anchor again is a no-op", async () => {
    const run = await cli(["anchor"], signing());
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Nothing to anchor/);
  });
});
