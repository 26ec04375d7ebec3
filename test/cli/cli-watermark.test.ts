import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { main } from "../../src/cli/main.js";
import { parseModelWatermarkPredicate } from "../../src/formats/predicates/modelWatermark.js";
import { hashModel } from "../../src/local/hashing/hashModel.js";
import { serializeSafetensors } from "../../src/formats/safetensors/header.js";
import { Xoshiro128 } from "../../src/formats/watermark/prng.js";
import { createWatermarkLogitsProcessor } from "../../src/formats/watermark/textWatermark.js";
import { parseWatermarkKey } from "../../src/formats/watermark/watermarkKey.js";
import { watermarkPayload } from "../../src/formats/watermark/weightWatermark.js";
import { DEV_PRIVATE_KEY, type EmbeddedChain, startEmbeddedChain } from "../../src/chain/embeddedChain.js";
import { connectWriter } from "../../src/chain/connect.js";
import { deployRegistry, registerOrganisation, registerSigningKey, revokeSubject } from "../../src/chain/registry.js";
import { LedgerStore } from "../../src/ledger/store/ledgerStore.js";
import { anchorBatches, sealBatch } from "../../src/ledger/ledger.js";
import { keyFileFromEthereumKey, onChainRole, signerFromKeyFile } from "../../src/local/keys/keys.js";
import { proveKeyPossession } from "../../src/formats/attestation/keyPossession.js";
import { attestModel } from "../../src/ledger/pipeline/modelPipeline.js";
import { MODEL_WATERMARK_PREDICATE_TYPE } from "../../src/formats/predicates/modelWatermark.js";
import { createWatermarkKey, serializeWatermarkKey } from "../../src/formats/watermark/watermarkKey.js";
import { markModelWeights } from "../../src/local/embedModel.js";
import { buildBundle } from "../../src/ledger/buildBundle.js";
import { serializeBundle } from "../../src/formats/bundle.js";
import type { Hex } from "../../src/core/hex.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const CLI = join(root, "bin", "provenance.js");
let work: string;

type Run = { code: number; stdout: string; stderr: string };

/** The CLI in this process (a process start costs seconds on a loaded machine); paths are made absolute. */
async function cli(args: string[]): Promise<Run> {
  const absolute = args.map((a) => (/\.(json|safetensors|bin)$/.test(a) ? join(work, a) : a));
  let stdout = "";
  let stderr = "";
  const [out, err] = [process.stdout.write, process.stderr.write];
  // Only the CLI's own text is captured; a writer waiting for its callback gets it.
  const capture = (append: (s: string) => void) =>
    ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      append(String(chunk));
      const callback = rest.find((r) => typeof r === "function") as (() => void) | undefined;
      if (callback) queueMicrotask(callback);
      return true;
    }) as typeof process.stdout.write;
  process.stdout.write = capture((s) => (stdout += s));
  process.stderr.write = capture((s) => (stderr += s));
  try {
    const code = await main(absolute);
    return { code, stdout, stderr: stderr.replaceAll(`${work}/`, "") };
  } finally {
    [process.stdout.write, process.stderr.write] = [out, err];
  }
}

/** The CLI's JSON document in captured output (the test reporter may write between its lines). */
function json(run: Run): any {
  const start = run.stdout.search(/^\{$/m);
  const end = run.stdout.search(/^\}$/m);
  assert.ok(start >= 0 && end > start, `no JSON document in ${run.stdout}`);
  return JSON.parse(run.stdout.slice(start, end + 1));
}

/** The real executable, as a process (in `cwd`, default the work folder). */
function spawned(args: string[], cwd = work, timeout = 120_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd, env: { PATH: process.env.PATH, HOME: cwd }, timeout }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const rng = new Xoshiro128(new Uint8Array(16).fill(5));
const gauss = () => Math.sqrt(-2 * Math.log((rng.next() + 1) / 4294967297)) * Math.cos((2 * Math.PI * rng.next()) / 4294967296);
const weights = (n: number) => new Uint8Array(Float32Array.from({ length: n }, () => gauss() * 0.02).buffer);

before(async () => {
  work = await mkdtemp(join(tmpdir(), "provenance-watermark-cli-"));
  await writeFile(
    join(work, "model.safetensors"),
    serializeSafetensors([
      { name: "a.weight", dtype: "F32", shape: [512, 512], data: weights(512 * 512) },
      { name: "b.weight", dtype: "F32", shape: [256, 512], data: weights(256 * 512) },
    ]),
  );
});

describe("provenance watermark (CLI)", () => {
  it("default: keygen, embed, then detect: exit 0 and JSON with detected, z, payload, bitErrors", async () => {
    const gen = await cli(["watermark", "keygen", "-o", "wm.key.json", "--json"]);
    assert.equal(gen.code, 0, gen.stderr);
    assert.equal((await stat(join(work, "wm.key.json"))).mode & 0o777, 0o600);
    const key = parseWatermarkKey(JSON.parse(await readFile(join(work, "wm.key.json"), "utf8")));
    const commitment = json(gen).commitment;
    assert.match(commitment, /^sha256:[0-9a-f]{64}$/);
    assert.equal((await cli(["watermark", "keygen", "-o", "wm.key.json"])).code, 2, "an existing key is never overwritten");

    const embed = await cli(["watermark", "embed", "model.safetensors", "--key", "wm.key.json", "-o", "marked.safetensors", "--json"]);
    assert.equal(embed.code, 0, embed.stderr);
    const predicate = parseModelWatermarkPredicate(JSON.parse(await readFile(join(work, "marked.safetensors.model-watermark.json"), "utf8")));
    assert.equal(predicate.kind, "weights");
    assert.equal(predicate.keyCommitment, commitment);
    assert.ok(predicate.kind === "weights" && predicate.payload === watermarkPayload((await hashModel(join(work, "model.safetensors"))).sha256, commitment));
    assert.ok(!JSON.stringify(predicate).includes(Buffer.from(key.secret).toString("hex")), "the predicate never holds the key");

    const found = await spawned(["watermark", "detect", "marked.safetensors", "--key", "wm.key.json", "--json"]);
    assert.equal(found.code, 0, found.stderr);
    const r = JSON.parse(found.stdout);
    assert.equal(r.detected, true);
    assert.ok(r.z >= 6, `z ${r.z}`);
    assert.equal(r.payload, predicate.kind === "weights" ? predicate.payload : "");
    assert.equal(typeof r.bitErrors, "number");

    const nonBlind = json(await cli(["watermark", "detect", "marked.safetensors", "--key", "wm.key.json", "--original", "model.safetensors", "--json"]));
    assert.equal(nonBlind.mode, "non-blind");
    assert.equal(nonBlind.payloadBitErrors, 0);
  });

  it("behavior: exit 1 when the model is not marked with the key", async () => {
    const clean = await cli(["watermark", "detect", "model.safetensors", "--key", "wm.key.json", "--json"]);
    assert.equal(clean.code, 1, clean.stderr);
    assert.equal(json(clean).detected, false);
    assert.match((await cli(["watermark", "detect", "model.safetensors", "--key", "wm.key.json"])).stdout, /^NOT DETECTED: z = /m);
  });

  it("behavior: detect-text scores token ids with a text key", async () => {
    assert.equal((await cli(["watermark", "keygen", "--kind", "text", "-o", "text.key.json"])).code, 0);
    const key = parseWatermarkKey(JSON.parse(await readFile(join(work, "text.key.json"), "utf8")));
    const vocabulary = 500;
    const processor = createWatermarkLogitsProcessor(key, { vocabularySize: vocabulary });
    const tokens = [1];
    for (let i = 0; i < 200; i++) {
      const logits = Float64Array.from({ length: vocabulary }, () => gauss());
      processor(tokens.at(-1)!, logits);
      const max = Math.max(...logits);
      const p = Array.from(logits, (l) => Math.exp(l - max));
      let u = (rng.next() / 4294967296) * p.reduce((a, b) => a + b, 0);
      let t = 0;
      while ((u -= p[t]!) > 0) t++;
      tokens.push(t);
    }
    await writeFile(join(work, "tokens.json"), JSON.stringify(tokens));
    await writeFile(join(work, "plain.json"), JSON.stringify({ tokens: Array.from({ length: 200 }, () => rng.next() % vocabulary) }));
    const marked = await cli(["watermark", "detect-text", "tokens.json", "--key", "text.key.json", "--json"]);
    assert.equal(marked.code, 0, marked.stdout + marked.stderr);
    assert.ok(json(marked).z >= 4);
    assert.equal((await cli(["watermark", "detect-text", "plain.json", "--key", "text.key.json"])).code, 1);
    const wrongKind = await cli(["watermark", "detect-text", "tokens.json", "--key", "wm.key.json"]);
    assert.equal(wrongKind.code, 2);
    assert.match(wrongKind.stderr, /this is a weights watermark key/);
  });

  it("error: usage, a wrong key file, a pickle checkpoint and a bad model are exit 2 with a named error", async () => {
    const usage = await cli(["watermark", "frob"]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /unknown watermark command "frob"/);
    await writeFile(join(work, "signing.json"), JSON.stringify({ format: "provenance-signing-key-v1", algorithm: "ed25519", privateKey: "x" }));
    const wrongKey = await cli(["watermark", "detect", "marked.safetensors", "--key", "signing.json"]);
    assert.equal(wrongKey.code, 2);
    assert.match(wrongKey.stderr, /watermark key signing\.json: format must be .* looks like a signing key/);
    await writeFile(join(work, "pytorch_model.bin"), Buffer.from([0x80, 0x02, 0x7d, 0x71, 0, 0, 0, 0, 0, 0]));
    const pickle = await cli(["watermark", "detect", "pytorch_model.bin", "--key", "wm.key.json"]);
    assert.equal(pickle.code, 2);
    assert.match(pickle.stderr, /pytorch_model\.bin: this is a PyTorch pickle checkpoint; loading one executes code/);
    await writeFile(join(work, "truncated.safetensors"), (await readFile(join(work, "model.safetensors"))).subarray(0, 100));
    const truncated = await cli(["watermark", "detect", "truncated.safetensors", "--key", "wm.key.json"]);
    assert.equal(truncated.code, 2);
    assert.match(truncated.stderr, /truncated\.safetensors: header length \d+ runs past the end/);
  });

  it("error: a directory, FIFO or symlink named like a shard or the index is exit 2 with UNREADABLE_FILE naming it: no stack trace, no hang", async () => {
    await mkdir(join(work, "suspect-dir", "weights.safetensors"), { recursive: true });
    await mkdir(join(work, "suspect-index", "model.safetensors.index.json"), { recursive: true });
    await writeFile(join(work, "suspect-index", "a.safetensors"), await readFile(join(work, "model.safetensors")));
    await mkdir(join(work, "suspect-fifo"));
    execFileSync("mkfifo", [join(work, "suspect-fifo", "x.safetensors")]);
    await mkdir(join(work, "suspect-link"));
    await symlink("../model.safetensors", join(work, "suspect-link", "model.safetensors"));
    const [dir, index, fifo] = await Promise.all([
      spawned(["watermark", "detect", "suspect-dir", "--key", "wm.key.json", "--json"]),
      spawned(["watermark", "detect", "suspect-index", "--key", "wm.key.json"]),
      spawned(["watermark", "detect", "suspect-fifo", "--key", "wm.key.json"], work, 60_000),
    ]);
    assert.equal(dir.code, 2, dir.stdout + dir.stderr);
    assert.deepEqual(JSON.parse(dir.stdout), {
      error: { code: "UNREADABLE_FILE", message: "suspect-dir/weights.safetensors: is a directory, not a file" },
    });
    assert.equal(index.code, 2, index.stderr);
    assert.equal(index.stderr, "error: suspect-index/model.safetensors.index.json: is a directory, not a file\n");
    assert.equal(fifo.code, 2, `a FIFO must be refused, not waited on: ${fifo.code} ${fifo.stderr}`);
    assert.equal(fifo.stderr, "error: suspect-fifo/x.safetensors: a FIFO (named pipe) is refused (only regular files are read)\n");
    // As model hashing and embed refuse it: a link is never followed.
    const detectLink = await cli(["watermark", "detect", join(work, "suspect-link"), "--key", "wm.key.json"]);
    assert.equal(detectLink.code, 2, detectLink.stderr);
    assert.match(detectLink.stderr, /^error: suspect-link\/model\.safetensors: symbolic links are refused \(never followed\)\n {2}ELOOP: [^\n]*\n$/);
  });
});

// The dispute procedure against a chain: a marked model whose model-watermark attestation is
// anchored, its bundle, and the revealed key; reveal must verify the bundle as verify-bundle does.
describe("provenance watermark reveal (CLI, against a chain)", () => {
  let chain: EmbeddedChain;
  let registry: Hex;
  let orgId: number;
  let markedSha256: string;
  let pins: string[];
  const reveal = (...extra: string[]) => [
    "watermark",
    "reveal",
    "wm-marked.safetensors",
    "--key",
    "wm-anchored.key.json",
    "--bundle",
    "wm.bundle.json",
    ...pins,
    ...extra,
  ];

  before(async () => {
    chain = await startEmbeddedChain();
    const writer = await connectWriter(chain.rpcUrl, DEV_PRIVATE_KEY, 30_000);
    ({ registry } = await deployRegistry(writer));
    ({ orgId } = await registerOrganisation(writer, registry, { name: "Watermark Owner" }));
    const key = keyFileFromEthereumKey(DEV_PRIVATE_KEY);
    const binding = { chainId: chain.chainId, registry, orgId, role: onChainRole("ml-pipeline") };
    await registerSigningKey(writer, registry, { orgId, role: binding.role, possession: await proveKeyPossession(signerFromKeyFile(key), binding) });
    const store = LedgerStore.open(join(work, ".provenance-wm"));
    const wk = createWatermarkKey("weights", new Uint8Array(32).fill(7));
    const marked = join(work, "wm-marked.safetensors");
    const { predicate } = await markModelWeights({ model: join(work, "model.safetensors"), output: marked, key: wk });
    markedSha256 = (await hashModel(marked)).sha256;
    await attestModel({ store, key }, { name: "acme/marked", sha256: markedSha256 }, MODEL_WATERMARK_PREDICATE_TYPE, predicate);
    sealBatch(store);
    await anchorBatches(store, writer, { registry, orgId, confirmations: 1 });
    await writeFile(join(work, "wm.bundle.json"), serializeBundle(buildBundle(store, markedSha256)));
    await writeFile(join(work, "wm-anchored.key.json"), serializeWatermarkKey(wk));
    store.close();
    pins = ["--rpc", chain.rpcUrl, "--registry", registry];
  });

  after(async () => {
    await chain?.close();
  });

  it("behavior: PROVEN prints the policy, the trust mode and each pin with its source, as verify-bundle does (text and JSON)", async () => {
    const text = await cli(reveal());
    assert.equal(text.code, 0, text.stdout + text.stderr);
    assert.match(text.stdout, /^ {2}policy: the watermark policy/m);
    assert.match(text.stdout, /^ {2}trust mode: rpc \(default: no QBFT validator trust given\); no head age limit$/m);
    assert.match(text.stdout, /^ {2}trusted the RPC node at http:\/\/127\.0\.0\.1:\d+\/? \(--rpc\)/m);
    assert.match(text.stdout, new RegExp(`^ {2}pins: registry ${registry} \\(--registry\\)`, "m"));
    assert.match(text.stdout, /^PROVEN: /m);
    const document = json(await cli(reveal("--json")));
    assert.equal(document.proven, true);
    assert.equal(document.trustMode, "rpc");
    assert.equal(document.trusted.registry.value, registry);
    assert.equal(document.trusted.registry.source.kind, "flag");
    assert.equal(document.trusted.trustMode.value, "rpc");
  });

  it("error: --max-head-age refuses a stale head (check freshness), as verify-bundle does", async () => {
    // Wait until the head is at least 2 s old (blocks mined within one second get later timestamps).
    const response = await fetch(chain.rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_getBlockByNumber", params: ["latest", false] }),
    });
    const headTime = Number(((await response.json()) as { result: { timestamp: string } }).result.timestamp);
    await new Promise((r) => setTimeout(r, Math.max(0, (headTime + 2) * 1000 - Date.now()) + 100));
    const stale = await cli(reveal("--max-head-age", "1s"));
    assert.equal(stale.code, 1, stale.stdout + stale.stderr);
    assert.match(stale.stderr, /^NOT VERIFIED: check "freshness" failed: .* s old \(at most 1 s allowed\)/m);
    assert.doesNotMatch(stale.stdout, /PROVEN/);
  });

  it("error: a .env in the working folder is not read (a verifier command): its PROVENANCE_CONFIRMATIONS does not apply", async () => {
    const handed = await mkdtemp(join(tmpdir(), "provenance-watermark-handed-"));
    await writeFile(join(handed, ".env"), "PROVENANCE_CONFIRMATIONS=10000\nPROVENANCE_RPC_URL=http://127.0.0.1:1\n");
    const args = reveal().map((a) => (/\.(json|safetensors)$/.test(a) ? join(work, a) : a));
    const r = await spawned(args, handed);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^PROVEN: /m);
    const bad = await spawned(["watermark", "reveal", join(work, "nothing.safetensors"), "--bundle", join(work, "wm.bundle.json"), "--json"], handed);
    assert.equal(bad.code, 2, bad.stdout + bad.stderr);
    assert.equal(JSON.parse(bad.stdout).verified, false, "a verifier's JSON errors say verified: false");
  });

  it("behavior: a REVOKED model is NOT PROVEN (exit 1), saying why, as verify-bundle says NOT VERIFIED; detect-text --bundle too", async () => {
    const writer = await connectWriter(chain.rpcUrl, DEV_PRIVATE_KEY, 30_000);
    await revokeSubject(writer, registry, orgId, `0x${markedSha256}`, `0x${"ab".repeat(32)}`, { confirmations: 1 });
    const bundleVerdict = await cli(["verify-bundle", "wm.bundle.json", "--artifact", "wm-marked.safetensors", ...pins]);
    assert.equal(bundleVerdict.code, 1, bundleVerdict.stdout + bundleVerdict.stderr);
    const r = await cli(reveal());
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`^NOT VERIFIED: acme/marked \\(sha256 ${markedSha256}\\) is REVOKED by organisation ${orgId} at block \\d+`, "m"));
    assert.match(r.stdout, /^NOT PROVEN: the bundle \S*wm\.bundle\.json does not verify \(its model is REVOKED\)/m);
    assert.match(r.stdout, /^ {2}trust mode: rpc /m);
    assert.doesNotMatch(r.stdout, /^PROVEN/m);
    const document = json(await cli(reveal("--json")));
    assert.equal(document.proven, false);
    assert.equal(document.verified, false);
    assert.equal(document.verdict, "revoked");
    assert.equal(document.trusted.registry.value, registry);
    const text = await cli(["watermark", "detect-text", "tokens.json", "--key", "text.key.json", "--bundle", "wm.bundle.json", ...pins]);
    assert.equal(text.code, 1, text.stdout + text.stderr);
    assert.match(text.stdout, /^NOT VERIFIED: acme\/marked .* is REVOKED/m);
  });
});
