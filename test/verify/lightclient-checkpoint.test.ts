// `--save-checkpoint` (issue 12): a light verification saves the checkpoint after its verified head
// (provenance-qbft-trust-v1), and a later one resumes from it with `--checkpoint`, walking only the
// headers since. A checkpoint is a pin the verifier keeps: edited, it is refused by a named check
// whenever the node is honest (its headers no longer link to it or carry the seals it names).
import assert from "node:assert/strict";
import { lstat, mkdir, mkdtemp, readFile, readdir, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { main } from "../../src/cli/main.js";
import { LightClientError } from "../../src/core/errors/lightClient.js";
import { checkCheckpoint } from "../../src/verify/lightclient/lightReader.js";
import type { JsonRpcTransport } from "../../src/chain/trustMode.js";
import { parseBundle, serializeBundle } from "../../src/formats/bundle.js";
import { type QbftTrust, parseQbftTrust, serializeQbftTrust } from "../../src/verify/lightclient/trustFile.js";
import { embedOfflineKit } from "../../src/verify/offlineBundle.js";
import type { GenuineEvidence } from "../helpers/genuineEvidence.js";
import { createQbftEvidence } from "../helpers/qbftEvidence.js";
import { testValidators } from "../helpers/qbftSealer.js";
import type { QbftTestNode } from "../helpers/qbftTestNode.js";

let evidence: GenuineEvidence;
let node: QbftTestNode;
let upstream: JsonRpcTransport;
let nodeUrl: string;
let trust: QbftTrust;
let dir: string;
let bundleFile: string;
let trustFile: string;

type Run = { code: number; stdout: string; stderr: string; json: any };
async function cli(...argv: string[]): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const code = await main([...argv, "--json"], { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
  return { code, stdout, stderr, json: JSON.parse(stdout) };
}
/** The CLI's text verdict (stdout and stderr together). */
async function cliText(...argv: string[]): Promise<{ code: number; text: string }> {
  let text = "";
  const code = await main(argv, { stdout: (t) => void (text += t), stderr: (t) => void (text += t) });
  return { code, text };
}
/** verify-bundle against the QBFT front, before any trust flag (rpc mode). */
const onlineArgs = () => ["verify-bundle", bundleFile, "--artifact", evidence.model.path, "--rpc", nodeUrl, "--registry", evidence.registry];
const verifyBundleArgs = () => [...onlineArgs(), "--qbft-trust", trustFile];
const mine = async (blocks: number) => {
  for (let i = 0; i < blocks; i++) await upstream({ method: "evm_mine", params: [] });
};

before(async () => {
  ({ evidence, node, nodeUrl, upstream, trust } = await createQbftEvidence({ joinByVote: false }));
  dir = await mkdtemp(join(tmpdir(), "light-checkpoint-"));
  bundleFile = join(dir, "bundle.json");
  trustFile = join(dir, "validators.json");
  await writeFile(bundleFile, evidence.bundle);
  await writeFile(trustFile, serializeQbftTrust(trust));
});
after(async () => {
  await node?.close();
  await evidence?.close();
});

/** The genuine bundle with its offline kit recorded from the genesis pin, written to `name` in the work folder. */
async function offlineBundleFile(name: string): Promise<string> {
  const { bundle } = await embedOfflineKit({
    bundle: parseBundle(evidence.bundle),
    transport: ({ method, params }) => node.request(method, params ?? []),
    trust,
  });
  const file = join(dir, name);
  await writeFile(file, serializeBundle(bundle));
  return file;
}

describe("light mode: saving and resuming a checkpoint", () => {
  it("default: verify-bundle --save-checkpoint writes the checkpoint after the verified head; --checkpoint resumes there and walks only the headers since", async () => {
    const file = join(dir, "checkpoint.json");
    const first = await cli(...verifyBundleArgs(), "--save-checkpoint", file);
    assert.equal(first.code, 0, first.stdout);
    assert.equal(first.json.trusted.savedCheckpoint, file);
    const head = first.json.trusted.chain.head;
    assert.equal(first.json.trusted.chain.checkpoint.number, 0);
    assert.equal(first.json.trusted.chain.headersVerified, head.number, "from the genesis pin: every header");
    const saved = parseQbftTrust(JSON.parse(await readFile(file, "utf8")));
    assert.deepEqual(saved.block, { number: head.number, hash: head.hash, timestamp: head.timestamp });
    assert.deepEqual(saved.validators, trust.validators);
    assert.equal(saved.chainId, trust.chainId);
    assert.equal(saved.registry, trust.registry);

    await mine(3);
    // Resumed and saved to the same file: the checkpoint moves forward.
    const second = await cli(...verifyBundleArgs(), "--checkpoint", file, "--save-checkpoint", file);
    assert.equal(second.code, 0, second.stdout);
    assert.equal(second.json.verdict, "verified");
    assert.equal(second.json.trusted.chain.checkpoint.number, head.number);
    assert.equal(second.json.trusted.chain.headersVerified, 3, "only the headers since the checkpoint");
    assert.equal(second.json.trusted.checkpoint.path, file);
    assert.equal(parseQbftTrust(JSON.parse(await readFile(file, "utf8"))).block.number, head.number + 3);

    // The text verdict says where it was saved and that it is a pin.
    let text = "";
    const code = await main([...verifyBundleArgs(), "--checkpoint", file, "--save-checkpoint", file], {
      stdout: (t) => void (text += t),
      stderr: (t) => void (text += t),
    });
    assert.equal(code, 0, text);
    assert.match(
      text,
      /checkpoint saved to .*checkpoint\.json: block \d+ \(0x[0-9a-f]{64}\); resume with --checkpoint \(keep it as you keep the validator trust file: it is a pin\)/,
    );
  });

  it("default: verify (one receipt) saves a checkpoint too", async () => {
    const receiptFile = join(dir, "record.receipt.json");
    await writeFile(receiptFile, evidence.recordReceipts[0]!);
    const file = join(dir, "receipt-checkpoint.json");
    const run = await cli(
      "verify",
      receiptFile,
      "--artifact-digest",
      `sha256:${JSON.parse(evidence.recordReceipts[0]!).record.subject.digest.sha256}`,
      "--rpc",
      nodeUrl,
      "--registry",
      evidence.registry,
      "--qbft-trust",
      trustFile,
      "--save-checkpoint",
      file,
    );
    assert.equal(run.code, 3, run.stdout);
    assert.equal(parseQbftTrust(JSON.parse(await readFile(file, "utf8"))).block.number, run.json.trusted.chain.head.number);
  });

  it("behavior: verify-bundle --offline saves the checkpoint at the kit's head, and offline verification resumes from it", async () => {
    const offlineFile = await offlineBundleFile("offline.bundle.json");
    const file = join(dir, "offline-checkpoint.json");
    const offline = ["verify-bundle", offlineFile, "--artifact", evidence.model.path, "--offline", "--registry", evidence.registry, "--qbft-trust", trustFile];
    const first = await cli(...offline, "--save-checkpoint", file);
    assert.equal(first.code, 0, first.stdout);
    const saved = parseQbftTrust(JSON.parse(await readFile(file, "utf8")));
    assert.equal(saved.block.number, first.json.trusted.asOf.blockNumber);
    const resumed = await cli(...offline, "--checkpoint", file);
    assert.equal(resumed.code, 0, resumed.stdout);
    assert.equal(resumed.json.trusted.chain.headersVerified, 0);
    assert.equal(resumed.json.verdict, "verified");
  });

  it("behavior: a verdict from a --checkpoint names it as the starting pin (file, block, hash, validators), says the trust file's set was not used, and when no header was walked that no seal was checked", async () => {
    const file = join(dir, "named-checkpoint.json");
    assert.equal((await cli(...verifyBundleArgs(), "--save-checkpoint", file)).code, 0);
    const saved = parseQbftTrust(JSON.parse(await readFile(file, "utf8")));
    const at = `block ${saved.block.number} \\(${saved.block.hash}\\)`;
    const set = `4 validator\\(s\\) \\(${saved.validators.join(", ")}\\)`;

    // Resumed at the head: nothing walked, the head is the checkpoint block.
    const resumed = await cliText(...verifyBundleArgs(), "--checkpoint", file);
    assert.equal(resumed.code, 0, resumed.text);
    assert.match(
      resumed.text,
      /trust mode: light \(default: a QBFT validator trust is given\): trusted the saved checkpoint \(a pin: its block hash and validator set\), not the node/,
    );
    assert.match(
      resumed.text,
      new RegExp(`checkpoint: ${at} with ${set} in force after it, from ${file} \\(--checkpoint\\): the starting pin, trusted as it is`),
    );
    assert.match(
      resumed.text,
      /validator trust: QBFT trust file .*validators\.json \(--qbft-trust\): only its chain, registry and block-header selection were used \(checked against the checkpoint\); its 4 validator\(s\) .* from block 0 \(0x[0-9a-f]{64}\) were not: the walk started at the checkpoint/,
    );
    assert.match(resumed.text, new RegExp(`head: ${at.replace("\\)", ", .*\\)")}: no header seal was checked: the head is the checkpoint block itself`));
    assert.doesNotMatch(resumed.text, /validators: 4 pinned|verified by walking/);
    const json = await cli(...verifyBundleArgs(), "--checkpoint", file);
    assert.deepEqual(json.json.trusted.checkpoint, {
      path: file,
      block: { number: saved.block.number, hash: saved.block.hash },
      validators: saved.validators,
      note: "the starting pin, trusted as it is (its block hash and validator set were not re-derived from the trust file); no header seal was checked: the head is the checkpoint block itself",
    });
    assert.deepEqual(json.json.trusted.chain.checkpoint, {
      number: saved.block.number,
      hash: saved.block.hash,
      validators: saved.validators,
      from: "checkpoint",
    });

    // Headers since: walked from the checkpoint, sealed by the set in force.
    await mine(2);
    const walked = await cliText(...verifyBundleArgs(), "--checkpoint", file);
    assert.equal(walked.code, 0, walked.text);
    assert.match(
      walked.text,
      new RegExp(`verified by walking 2 header\\(s\\) from checkpoint block ${saved.block.number}, each sealed by a quorum of the set in force`),
    );
    assert.match((await cli(...verifyBundleArgs(), "--checkpoint", file)).json.trusted.checkpoint.note, /re-derived from the trust file\)$/);

    // Without a checkpoint the walk starts at the trust file's pinned block, and the JSON says so.
    const plain = await cli(...verifyBundleArgs());
    assert.equal(plain.json.trusted.checkpoint, undefined);
    assert.deepEqual(plain.json.trusted.chain.checkpoint, { number: 0, hash: trust.block.hash, validators: trust.validators, from: "trust-file" });
  });

  it("behavior: offline, a checkpoint naming a validator set found nowhere on the chain is a pin the verdict names as what was trusted (review 1 F2: the text named the trust file's validators)", async () => {
    const offlineFile = await offlineBundleFile("pin.bundle.json");
    const offline = ["verify-bundle", offlineFile, "--artifact", evidence.model.path, "--offline", "--registry", evidence.registry, "--qbft-trust", trustFile];
    const head = (await cli(...offline)).json.trusted.chain.head;
    // The kit's head with its real hash, and one validator that never sealed anything.
    const foreign = `0x${"00".repeat(19)}aa`;
    const file = join(dir, "foreign-set-checkpoint.json");
    await writeFile(file, serializeQbftTrust({ ...trust, block: { number: head.number, hash: head.hash }, validators: [foreign as `0x${string}`] }));
    const run = await cliText(...offline, "--checkpoint", file);
    assert.equal(run.code, 0, run.text);
    assert.match(run.text, /trust mode: light, offline: trusted the saved checkpoint \(a pin: its block hash and validator set\), not the bundle/);
    assert.match(
      run.text,
      new RegExp(
        `checkpoint: block ${head.number} \\(${head.hash}\\) with 1 validator\\(s\\) \\(${foreign}\\) in force after it, from ${file} \\(--checkpoint\\)`,
      ),
    );
    assert.match(run.text, /its 4 validator\(s\) .* from block 0 .* were not: the walk started at the checkpoint/);
    assert.match(
      run.text,
      /head: block \d+ \(0x[0-9a-f]{64}\): no header seal was checked: the head is the checkpoint block itself, trusted by the hash the checkpoint pins/,
    );
    assert.doesNotMatch(run.text, /validators: 4 pinned|verified by walking/);
  });

  it("error: a checkpoint at the trust file's own block must be the trust file's state there: another hash, validator set or pending votes is refused by name (checkpoint); the same state is accepted", async () => {
    const attacker = testValidators(4, "attacker")
      .map((v) => v.address)
      .sort();
    const refusedAt = (edited: QbftTrust, field: string, message: RegExp) =>
      assert.throws(
        () => checkCheckpoint(trust, edited),
        (e: unknown) => e instanceof LightClientError && e.check === "checkpoint" && e.field === field && message.test(e.message),
      );
    refusedAt(
      { ...trust, block: { ...trust.block, hash: `0x${"11".repeat(32)}` } },
      "checkpoint.block.hash",
      /is at the pinned block 0, so it must be the trust file's state there: it names hash 0x1111/,
    );
    refusedAt(
      { ...trust, validators: attacker },
      "checkpoint.validators",
      /is at the pinned block 0, so it must be the trust file's state there: it names 4 validator\(s\)/,
    );
    refusedAt({ ...trust, validators: trust.validators.slice(1) }, "checkpoint.validators", /it names 3 validator\(s\)/);
    refusedAt(
      { ...trust, votes: [{ recipient: attacker[0]!, add: [trust.validators[0]!], drop: [] }] },
      "checkpoint.votes",
      /its pending votes are not the trust file's/,
    );
    checkCheckpoint(trust, { ...trust, block: { number: trust.block.number, hash: trust.block.hash } });
    // Before the pinned block: refused as before.
    const later = { ...trust, block: { number: 5, hash: trust.block.hash } };
    assert.throws(
      () => checkCheckpoint(later, trust),
      (e: unknown) => e instanceof LightClientError && e.field === "checkpoint.block.number",
    );

    // Through the CLI: refused before any header is fetched (the node is honest, but it need not be).
    const file = join(dir, "same-height.json");
    await writeFile(file, serializeQbftTrust({ ...trust, validators: attacker }));
    const run = await cli(...verifyBundleArgs(), "--checkpoint", file);
    assert.equal(run.code, 1, run.stdout);
    assert.equal(run.json.error.code, "checkpoint");
    assert.match(run.json.error.message, /checkpoint\.validators: is at the pinned block 0, so it must be the trust file's state there/);
    const same = join(dir, "same-state.json");
    await writeFile(same, serializeQbftTrust(trust));
    const accepted = await cliText(...verifyBundleArgs(), "--checkpoint", same);
    assert.equal(accepted.code, 0, accepted.text);
    assert.match(
      accepted.text,
      /validator trust: QBFT trust file .*: block 0 \(0x[0-9a-f]{64}\), the checkpoint's own block, with the same hash and 4 validator\(s\) .* \(checked\)/,
    );
  });

  it("error: an edited checkpoint is refused by a named check (validators, block hash, chain, registry, format)", async () => {
    const file = join(dir, "edited-source.json");
    assert.equal((await cli(...verifyBundleArgs(), "--save-checkpoint", file)).code, 0);
    const genuine = JSON.parse(await readFile(file, "utf8")) as QbftTrust;
    await mine(1); // a header follows the checkpoint: it names the real set and carries its seals
    const refused = async (label: string, edited: unknown): Promise<{ code: number; check?: string; message: string }> => {
      const edit = join(dir, `edited-${label}.json`);
      await writeFile(edit, JSON.stringify(edited));
      const run = await cli(...verifyBundleArgs(), "--checkpoint", edit);
      assert.notEqual(run.code, 0, `${label}: ${run.stdout}`);
      assert.equal(run.json.verified, false, label);
      // A light-client refusal's error code is its check's name.
      return { code: run.code, check: run.json.error.code, message: run.json.error.message };
    };
    const attacker = testValidators(4, "attacker")
      .map((v) => v.address)
      .sort();
    const validators = await refused("validators", { ...genuine, validators: attacker });
    assert.equal(validators.code, 1);
    assert.equal(validators.check, "validators", "the next header lists the real set (block-header mode)");
    const hash = await refused("hash", { ...genuine, block: { ...genuine.block, hash: `0x${"11".repeat(32)}` } });
    assert.deepEqual([hash.code, hash.check], [1, "checkpoint"]);
    const number = await refused("number", { ...genuine, block: { ...genuine.block, number: genuine.block.number - 1 } });
    assert.deepEqual([number.code, number.check], [1, "checkpoint"]);
    const chain = await refused("chain", { ...genuine, chainId: genuine.chainId + 1 });
    assert.deepEqual([chain.code, chain.check], [1, "checkpoint"]);
    const registry = await refused("registry", { ...genuine, registry: `0x${"22".repeat(20)}` });
    assert.deepEqual([registry.code, registry.check], [1, "checkpoint"]);
    const format = await refused("format", { ...genuine, format: "provenance-qbft-trust-v9" });
    assert.equal(format.code, 2);
    assert.match(format.message, /unsupported format/);
  });

  it("error: --save-checkpoint never writes through a symlink planted at a temporary's name: the victim is untouched, the checkpoint is a regular file, no temporary is left", async () => {
    const folder = join(dir, "planted");
    await mkdir(folder);
    const victim = join(dir, "victim.txt");
    await writeFile(victim, "not a checkpoint\n");
    const file = join(folder, "checkpoint.json");
    // The names a temporary used to have (<file>.<pid>.tmp: main() runs in this process), each a symlink to the victim.
    const planted = [`${file}.${process.pid}.tmp`, `${file}.tmp`, join(folder, ".checkpoint.json.tmp")];
    for (const name of planted) await symlink(victim, name);
    const run = await cli(...verifyBundleArgs(), "--save-checkpoint", file);
    assert.equal(run.code, 0, run.stdout);
    assert.equal(await readFile(victim, "utf8"), "not a checkpoint\n", "the symlink's target was not written");
    assert.ok((await lstat(file)).isFile(), "the saved checkpoint is a regular file, not a symlink");
    assert.equal(parseQbftTrust(JSON.parse(await readFile(file, "utf8"))).block.number, run.json.trusted.chain.head.number);
    assert.deepEqual((await readdir(folder)).sort(), ["checkpoint.json", ...planted.map((p) => p.slice(folder.length + 1))].sort(), "no temporary left");

    // A rename that fails (the target is a folder): refused by name, and the temporary is removed.
    const occupied = join(folder, "occupied");
    await mkdir(occupied);
    const failed = await cli(...verifyBundleArgs(), "--save-checkpoint", occupied);
    assert.equal(failed.code, 2, failed.stdout);
    assert.match(failed.json.error.message, /cannot write the checkpoint .*occupied: E(ISDIR|EXIST|NOTEMPTY)/);
    assert.deepEqual(
      (await readdir(folder)).sort(),
      ["checkpoint.json", "occupied", ...planted.map((p) => p.slice(folder.length + 1))].sort(),
      "no temporary left",
    );
  });

  it("error: --save-checkpoint outside light mode, or to a folder that does not exist, is refused by name", async () => {
    const rpc = await cli(...onlineArgs(), "--save-checkpoint", join(dir, "rpc.json"));
    assert.equal(rpc.code, 2);
    assert.equal(rpc.json.error.code, "INVALID_ARGUMENT");
    assert.match(rpc.json.error.message, /--save-checkpoint saves a light-mode header walk/);
    const missing = await cli(...verifyBundleArgs(), "--save-checkpoint", join(dir, "no-such-folder", "checkpoint.json"));
    assert.equal(missing.code, 2);
    assert.match(missing.json.error.message, /cannot write the checkpoint .*ENOENT/);
  });
});
