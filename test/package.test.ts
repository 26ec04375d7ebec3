import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rename, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { deployRegistry, registerOrganisation } from "../src/chain/registry.js";
import { connectReader, connectWriter } from "../src/chain/connect.js";
import { parseReceipt } from "../src/formats/receipt.js";
import { verifyReceipt } from "../src/verify/verifyReceipt.js";
import { type HardhatNode, startHardhatNode } from "./helpers/localNode.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const manifest = JSON.parse(await readFile(join(root, "package.json"), "utf8")) as {
  version: string;
  dependencies: Record<string, string>;
  exports: Record<string, unknown>;
};
const KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"; // Hardhat account #0

type Run = { code: number; stdout: string; stderr: string };

function run(command: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, env: { PATH: process.env.PATH!, HOME: cwd, ...env }, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe("package exports", () => {
  // Each entry point: the test's name, what a user imports, the functions it must export, and a constant with its value.
  const ENTRY_POINTS: [name: string, specifier: string, functions: string[], constant: [name: string, value: string]][] = [
    [
      "default: the built package exports the SDK under its own name",
      "provenance-ledger",
      [
        "createRecord",
        "addRecord",
        "sealBatch",
        "anchorBatches",
        "buildReceipt",
        "verifyReceipt",
        "parseReceipt",
        "hashModel",
        "fromViem",
        "fromEthers",
        "buildMerkleTree",
        "processProof",
        "LedgerStore",
      ],
      ["RECEIPT_FORMAT", "provenance-receipt-v1"],
    ],
    [
      "default: the light client is a platform-neutral subpath export, provenance-ledger/lightclient",
      "provenance-ledger/lightclient",
      ["verifyQbftHeader", "walkQbftHeaders", "syncQbftHeaders", "parseQbftTrust", "verifyGetProof", "verifyReceiptProof", "verifyMptProof", "anchorSlot"],
      ["QBFT_TRUST_FORMAT", "provenance-qbft-trust-v1"],
    ],
  ];
  for (const [name, specifier, functions, [constant, value]] of ENTRY_POINTS)
    it(name, async () => {
      const exported = (await import(specifier)) as Record<string, unknown>;
      for (const fn of functions) assert.equal(typeof exported[fn], "function", fn);
      assert.equal(exported[constant], value, constant);
    });
});

// `npm pack`, installed into an empty project (the tarball extracted into node_modules, its
// dependencies linked from this checkout's: no registry needed), used as a user would.
describe("the packed tarball in an empty project", () => {
  let project: string;
  let node: HardhatNode | undefined;
  const installed = () => join(project, "node_modules", "provenance-ledger");

  before(async () => {
    project = await mkdtemp(join(tmpdir(), "provenance-package-"));
    const packed = JSON.parse(
      execFileSync("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", project], {
        cwd: root,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "ignore"],
      }),
    ) as { filename: string }[];
    await mkdir(join(project, "node_modules"));
    execFileSync("tar", ["-xzf", join(project, packed[0]!.filename), "-C", project]);
    await rename(join(project, "package"), installed());
    for (const name of Object.keys(manifest.dependencies)) {
      await mkdir(dirname(join(project, "node_modules", name)), { recursive: true });
      await symlink(join(root, "node_modules", name), join(project, "node_modules", name));
    }
    await writeFile(join(project, "package.json"), '{ "name": "user-project", "private": true, "type": "module" }\n');
  });

  after(async () => {
    await node?.stop();
    if (project) await rm(project, { recursive: true, force: true });
  });

  it("default: the tarball holds LICENSE (Apache-2.0), CHANGELOG.md, types, and no tests or sources", async () => {
    const license = await readFile(join(installed(), "LICENSE"), "utf8");
    assert.match(license, /Apache License\s+Version 2\.0, January 2004/);
    assert.match(license, /END OF TERMS AND CONDITIONS/);
    assert.match(await readFile(join(installed(), "CHANGELOG.md"), "utf8"), /^## \[Unreleased\]/m);
    assert.ok(existsSync(join(installed(), "dist", "src", "index.d.ts")));
    assert.ok(!existsSync(join(installed(), "test")) && !existsSync(join(installed(), "src")));
  });

  it("default: every subpath export loads, with fewer than 250 names; importing the verification API loads no SQLite", async () => {
    for (const subpath of Object.keys(manifest.exports).filter((s) => s !== "./package.json")) {
      const specifier = `provenance-ledger${subpath.slice(1)}`;
      // A fresh process per entry point: what it loads is its own.
      const r = await run(
        process.execPath,
        [
          "--input-type=module",
          "-e",
          `const m = await import(${JSON.stringify(specifier)}); console.log(JSON.stringify({ names: Object.keys(m).length, sqlite: process.moduleLoadList.some((m) => /sqlite/i.test(m)) }))`,
        ],
        project,
      );
      assert.equal(r.code, 0, `${specifier}: ${r.stderr}`);
      assert.equal(r.stderr, "", `${specifier} prints nothing on import`);
      const { names, sqlite } = JSON.parse(r.stdout) as { names: number; sqlite: boolean };
      assert.ok(names > 0, specifier);
      if (subpath !== ".") assert.ok(names < 250, `${specifier} exports ${names} names`);
      assert.equal(sqlite, false, `${specifier} loaded node:sqlite on import`);
    }
  });

  it("default: docs/sdk.md's first example runs as written against a node, prints only the receipt, and the receipt verifies", async () => {
    node = await startHardhatNode();
    const rpcUrl = node.rpcUrl;
    const admin = await connectWriter(rpcUrl, KEY, 30_000);
    const { registry } = await deployRegistry(admin);
    assert.equal((await registerOrganisation(admin, registry, { name: "SDK Example Org" })).orgId, 1);

    const sdk = await readFile(join(root, "docs", "sdk.md"), "utf8");
    const example = /```ts\n([\s\S]*?)```/.exec(sdk)![1]!;
    await mkdir(join(project, "models", "detector"), { recursive: true });
    await writeFile(join(project, "models", "detector", "model.safetensors"), randomBytes(4096));
    // The example's free variables, as a user's script would define them before it.
    await writeFile(
      join(project, "example.mjs"),
      `const rpcUrl = ${JSON.stringify(rpcUrl)};\nconst key = ${JSON.stringify(KEY)};\nconst registry = ${JSON.stringify(registry)};\n${example}`,
    );
    const r = await run(process.execPath, ["example.mjs"], project);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "", "no ExperimentalWarning or anything else on stderr");
    const receipt = parseReceipt(r.stdout);
    const verified = await verifyReceipt({ receipt, chain: connectReader(rpcUrl, 30_000), chainId: 31337, registry, acceptedOrgIds: [1], confirmations: 1 });
    assert.equal(verified.organisation.name, "SDK Example Org");
  });

  it("default: the installed bin prints its version", async () => {
    for (const flag of ["--version", "-V"]) {
      const r = await run(process.execPath, [join(installed(), "bin", "provenance.js"), flag], project);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `provenance-ledger ${manifest.version}\n`);
    }
  });

  it("error: on a Node.js older than 22.13, the bin and the import say which Node.js is needed (one line, no stack trace)", async (t) => {
    const old = ["/usr/bin/node", "/usr/local/bin/node"].find(
      (p) => existsSync(p) && !/^v(2[2-9]\.(1[3-9]|[2-9]\d)|2[3-9]|[3-9]\d)/.test(execFileSync(p, ["--version"], { encoding: "utf8" })),
    );
    if (!old) return t.skip("no Node.js older than 22.13 on this machine");
    const version = execFileSync(old, ["--version"], { encoding: "utf8" }).trim().slice(1);
    const bin = await run(old, [join(installed(), "bin", "provenance.js"), "status"], project);
    assert.equal(bin.code, 2);
    assert.equal(bin.stderr, `error: provenance needs Node.js 22.13.0 or later; this is Node.js ${version} (${old})\n`);
    const imported = await run(
      old,
      ["--input-type=module", "-e", 'try { await import("provenance-ledger"); } catch (e) { console.log(e.code, e.shortMessage); }'],
      project,
    );
    assert.equal(imported.stdout, `UNSUPPORTED_NODE provenance-ledger needs Node.js 22.13.0 or later; this is Node.js ${version}\n`, imported.stderr);
  });
});
