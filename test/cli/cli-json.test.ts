import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { demoSafetensors } from "../../src/cli/demoWatermark.js";
import { main } from "../../src/cli/main.js";
import { COMMANDS } from "../../src/cli/program.js";
import { DEV_PRIVATE_KEY, type EmbeddedChain, startEmbeddedChain } from "../../src/chain/embeddedChain.js";

// `--json` (docs/cli.md): every command writes exactly one JSON document on stdout, on success
// and on failure; errors have one shape, and only verifying commands say `verified: false`.
const CLI = fileURLToPath(new URL("../../bin/provenance.js", import.meta.url));
let chain: EmbeddedChain;
let work: string;
let registry: string;
const seen = new Set<string>();

type Run = { code: number; stdout: string; stderr: string };

async function cli(args: string[]): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const code = await main([...args, "--json"], { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
  return { code, stdout, stderr };
}

/** Parses stdout as exactly one JSON document (JSON.parse refuses two); records the command as covered. */
function one(run: Run, path: string[], expectedCode = 0): any {
  assert.equal(run.code, expectedCode, `${path.join(" ")}: ${run.stdout}${run.stderr}`);
  let document: any;
  assert.doesNotThrow(() => (document = JSON.parse(run.stdout)), `${path.join(" ")}: stdout is not one JSON document:\n${run.stdout}`);
  assert.equal(typeof document, "object");
  seen.add(path.join(" "));
  return document;
}

/** A failure's document: `{ error: { code, message, … } }`, `verified: false` only for verifiers. */
function failure(run: Run, path: string[], expectedCode: number): any {
  const document = one(run, path, expectedCode);
  assert.equal(typeof document.error?.code, "string", run.stdout);
  assert.equal(typeof document.error?.message, "string", run.stdout);
  const verifier = COMMANDS.find((c) => c.path.join(" ") === path.join(" "))?.verifier === true;
  if (verifier) assert.equal(document.verified, false, path.join(" "));
  else assert.ok(!("verified" in document), `${path.join(" ")} verifies nothing: no verified field`);
  for (const key of Object.keys(document.error)) assert.ok(["code", "message", "path", "check", "details", "hints"].includes(key), `error field ${key}`);
  return document;
}

before(async () => {
  work = await mkdtemp(join(tmpdir(), "provenance-cli-json-"));
  chain = await startEmbeddedChain();
  await mkdir(join(work, "model"));
  await writeFile(join(work, "model", "weights.bin"), randomBytes(4096));
  await writeFile(join(work, "model", "config.json"), '{"layers": 2}');
  await writeFile(join(work, "marked-source.safetensors"), demoSafetensors());
});

after(async () => {
  await chain?.close();
});

describe("--json: one document per command", () => {
  it("default: every command, run through a whole pipeline, writes exactly one JSON document; numbers are numbers, roles are names", async () => {
    const d = ["--data-dir", join(work, ".provenance")];
    const w = [...d, "--rpc", chain.rpcUrl, "--private-key", DEV_PRIVATE_KEY];
    const model = join(work, "model");
    const pins = ["--rpc", chain.rpcUrl, "--chain-id", String(chain.chainId)];
    const file = (name: string) => join(work, name);

    one(await cli(["init", ...d]), ["init"]);
    const deployed = one(await cli(["deploy", ...w]), ["deploy"]);
    registry = deployed.registry;
    assert.equal(typeof deployed.blockNumber, "number");
    assert.equal(typeof deployed.chainId, "number");
    const r = [...w, "--registry", registry];
    const org = one(await cli(["org", "add", "JSON Org", ...r]), ["org", "add"]);
    assert.equal(typeof org.orgId, "number");
    const o = [...r, "--org", String(org.orgId)];
    const shown = one(await cli(["org", "show", ...d, "--rpc", chain.rpcUrl, "--registry", registry, "--org", String(org.orgId)]), ["org", "show"]);
    assert.equal(typeof shown.batchCount, "number");
    one(await cli(["org", "anchorer", "add", "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", ...o]), ["org", "anchorer"]);
    const hashed = one(await cli(["hash", model]), ["hash"]);
    assert.equal(typeof hashed.size, "number");
    one(await cli(["record", model, "--name", "acme/json", "--model-version", "1", ...d]), ["record"]);
    one(await cli(["status", ...d]), ["status"]);
    one(await cli(["anchor", ...o]), ["anchor"]);
    one(await cli(["receipt", hashed.sha256, ...d, "-o", file("model.receipt.json")]), ["receipt"]);
    one(await cli(["receipt", hashed.sha256, ...d]), ["receipt"]);
    const verdict = one(await cli(["verify", file("model.receipt.json"), "--artifact", model, ...pins, "--registry", registry]), ["verify"]);
    assert.equal(verdict.verified, true);

    one(await cli(["key", "generate", "-o", file("k.json")]), ["key", "generate"]);
    one(await cli(["key", "prove", file("k.json"), "--role", "approver", ...d, "--rpc", chain.rpcUrl, "--registry", registry, "--org", String(org.orgId)]), [
      "key",
      "prove",
    ]);
    const registered = one(await cli(["key", "register", file("k.pop.json"), ...o]), ["key", "register"]);
    assert.equal(registered.role, "approver");
    const key = one(
      await cli(["key", "show", file("k.pub.json"), "--role", "approver", ...d, "--rpc", chain.rpcUrl, "--registry", registry, "--org", String(org.orgId)]),
      ["key", "show"],
    );
    assert.equal(key.role, "approver", "roles are names");
    assert.match(key.roleHash, /^0x[0-9a-f]{64}$/);
    assert.equal(typeof key.registeredAt, "number");

    one(await cli(["attest", "model-manifest", "--subject", model, "--key", file("k.json"), ...d, "-o", file("manifest.envelope.json")]), ["attest"]);
    one(await cli(["approve", model, "--policy", "release", "--role", "approver", "--key", file("k.json"), ...d]), ["approve"]);
    one(await cli(["anchor", ...o]), ["anchor"]);
    one(await cli(["lineage", model, ...d]), ["lineage"]);
    one(await cli(["bundle", model, "-o", file("b.json"), ...d, "--rpc", chain.rpcUrl, "--registry", registry]), ["bundle"]);
    const bundleVerdict = await cli(["verify-bundle", file("b.json"), "--artifact", model, ...pins, "--registry", registry]);
    one(bundleVerdict, ["verify-bundle"], bundleVerdict.code);
    one(await cli(["sbom", model, "-o", file("model.cdx.json")]), ["sbom"]);
    one(await cli(["env", "capture", "-o", file("env.json")]), ["env", "capture"]);
    one(await cli(["key", "revoke", file("k.pub.json"), ...o]), ["key", "revoke"]);

    one(await cli(["watermark", "keygen", "-o", file("wm.key.json")]), ["watermark", "keygen"]);
    one(await cli(["watermark", "keygen", "--kind", "text", "-o", file("text.key.json")]), ["watermark", "keygen"]);
    one(await cli(["watermark", "embed", file("marked-source.safetensors"), "--key", file("wm.key.json"), "-o", file("marked.safetensors")]), [
      "watermark",
      "embed",
    ]);
    const detected = one(await cli(["watermark", "detect", file("marked.safetensors"), "--key", file("wm.key.json")]), ["watermark", "detect"]);
    assert.equal(typeof detected.z, "number");
    await writeFile(file("tokens.json"), JSON.stringify(Array.from({ length: 64 }, (_, i) => (i * 7) % 300)));
    const text = await cli(["watermark", "detect-text", file("tokens.json"), "--key", file("text.key.json")]);
    one(text, ["watermark", "detect-text"], text.code);
    // reveal needs an anchored model-watermark attestation: its refusal is one document too.
    failure(
      await cli([
        "watermark",
        "reveal",
        file("marked.safetensors"),
        "--key",
        file("wm.key.json"),
        "--bundle",
        file("no-bundle.json"),
        ...pins,
        "--registry",
        registry,
      ]),
      ["watermark", "reveal"],
      2,
    );

    const s = ["--store", file("service.db")];
    const token = one(await cli(["token", "create", "--org", String(org.orgId), "--name", "ci", ...s]), ["token", "create"]);
    one(await cli(["token", "list", ...s]), ["token", "list"]);
    one(await cli(["token", "revoke", String(token.id), ...s]), ["token", "revoke"]);
    const check = await cli(["store", "check", ...s, ...pins, "--registry", registry]);
    one(check, ["store", "check"], check.code);
    // serve runs until stopped: its refusal here, its listening document below (a process).
    failure(await cli(["serve", ...s, "--org", String(org.orgId)]), ["serve"], 2);
  });

  it("default: demo --json is one document summarising each step; its narration goes to stderr", async () => {
    const run = await cli(["demo"]);
    const document = one(run, ["demo"]);
    assert.equal(document.ok, true);
    assert.deepEqual(
      document.steps.map((s: { step: number }) => s.step),
      [1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
    assert.ok(
      document.steps
        .find((s: { name: string }) => s.name === "tampering")
        .refusals.every((r: { refused: boolean; check: string }) => r.refused && typeof r.check === "string"),
    );
    assert.equal(typeof document.orgId, "number");
  });

  it("default: serve --json writes one document once listening, nothing else on stdout", async () => {
    const child = spawn(
      process.execPath,
      [
        CLI,
        "serve",
        "--json",
        "--listen",
        "127.0.0.1:0",
        "--org",
        "1",
        "--chain-id",
        String(chain.chainId),
        "--store",
        join(work, "serve.db"),
        "--rpc",
        chain.rpcUrl,
        "--registry",
        registry,
        "--private-key",
        DEV_PRIVATE_KEY,
      ],
      { cwd: work, env: { PATH: process.env.PATH, HOME: work } },
    );
    let stdout = "";
    child.stdout.on("data", (b) => (stdout += String(b)));
    const deadline = Date.now() + 60_000;
    while (!stdout.includes("}") && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
    child.kill("SIGTERM");
    await new Promise((r) => child.once("close", r));
    const document = JSON.parse(stdout);
    assert.match(document.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    seen.add("serve");
  });

  it("default: every command was covered above", () => {
    for (const c of COMMANDS) assert.ok(seen.has(c.path.join(" ")), `${c.path.join(" ")} has no --json case`);
  });

  it("error: a failure is one error document for every command (usage errors included)", async () => {
    for (const c of COMMANDS) {
      const run = await cli([...c.path, "--no-such-flag"]);
      const document = failure(run, [...c.path], 2);
      assert.equal(document.error.code, "INVALID_ARGUMENT");
    }
    // verify of the file's receipt with `artifact`, pinned to the file's registry and chain, through `rpcUrl`.
    const verifyArgs = (artifact: string, rpcUrl = chain.rpcUrl) => [
      "verify",
      join(work, "model.receipt.json"),
      "--artifact",
      join(work, artifact),
      "--rpc",
      rpcUrl,
      "--registry",
      registry,
      "--chain-id",
      "31337",
    ];
    const unreachable = await cli([...verifyArgs("model", "http://127.0.0.1:1"), "--timeout", "2"]);
    assert.equal(failure(unreachable, ["verify"], 1).error.code, "RPC_UNREACHABLE");
    const tampered = await cli(verifyArgs("marked.safetensors"));
    const refused = failure(tampered, ["verify"], 1);
    assert.equal(refused.error.check, "artifact-digest");
    assert.equal(refused.error.code, "artifact-digest");
  });
});
