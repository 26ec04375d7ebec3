import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, mkdirSync, readFileSync, readdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { InputError, type InputErrorCode } from "../../src/core/errors/input.js";
import { scanNpmTree } from "../../src/local/sbom/scanNpmTree.js";
import { scanPythonEnvironment } from "../../src/local/sbom/scanPythonEnvironment.js";
import { scratchTrees } from "../helpers/fileTree.js";

// Scanning real trees: generated dist-info folders, the interpreter's own site-packages (checked
// against Python's importlib.metadata and hashlib), generated npm trees, and this repository's
// node_modules (checked against its lockfile).

const { scratch, tree } = scratchTrees("sbom-scan-", "tree");
const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

const sha256 = (bytes: string | Buffer) => createHash("sha256").update(bytes).digest("hex");

async function rejects(promise: Promise<unknown>, code: InputErrorCode, path: string | RegExp): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof InputError, `expected an InputError, got ${String(e)}`);
    assert.equal(e.code, code);
    if (typeof path === "string") assert.equal(e.path, path);
    else assert.match(e.path ?? "", path);
    return true;
  });
}

const REQUESTS_RECORD = "requests/__init__.py,sha256=3Zb8Q8b0g1s2t3X0bOq0m8rjv3B3K0PaPLv1m4oM1k8,4963\nrequests-2.32.3.dist-info/RECORD,,\n";

describe("scanPythonEnvironment", () => {
  it("default: dist-info folders give name, version, purl, licence, and the SHA-256 of RECORD", async () => {
    const site = tree({
      "requests-2.32.3.dist-info/METADATA":
        "Metadata-Version: 2.1\nName: requests\nVersion: 2.32.3\nLicense: Apache-2.0\n\nRequests is an HTTP library.\nLicense: not a header\n",
      "requests-2.32.3.dist-info/RECORD": REQUESTS_RECORD,
      "requests/__init__.py": "",
      "six.py": "",
      "legacy-1.0.egg-info/PKG-INFO": "Name: legacy\nVersion: 1.0\n",
    });
    assert.deepEqual(await scanPythonEnvironment(site), [
      {
        name: "requests",
        version: "2.32.3",
        purl: "pkg:pypi/requests@2.32.3",
        type: "library",
        hashes: [{ alg: "SHA-256", content: sha256(REQUESTS_RECORD) }],
        licenses: ["Apache-2.0"],
        foundBy: "python-environment",
        hashOf: "RECORD",
      },
    ]);
  });

  it("behavior: licence from License-Expression, else a one-line License, else trove classifiers", async () => {
    const site = tree({
      "pillow-10.4.0.dist-info/METADATA": "Metadata-Version: 2.4\nName: pillow\nVersion: 10.4.0\nLicense-Expression: MIT-CMU\nLicense: HPND\n\n",
      "attrs-23.2.0.dist-info/METADATA":
        "Metadata-Version: 2.1\nName: attrs\nVersion: 23.2.0\nLicense: The MIT License (MIT)\n        \n        Copyright (c) 2015 Hynek\nClassifier: License :: OSI Approved :: MIT License\nClassifier: Programming Language :: Python\n\n",
      "legacy-0.1.dist-info/METADATA": "Metadata-Version: 1.0\nName: legacy\nVersion: 0.1\nLicense: UNKNOWN\n\n",
    });
    const licenses = Object.fromEntries((await scanPythonEnvironment(site)).map((p) => [p.name, p.licenses]));
    assert.deepEqual(licenses, { attrs: ["MIT License"], legacy: [], pillow: ["MIT-CMU"] });
  });

  it("behavior: no RECORD (Debian strips it) means no hash; names are normalised in the purl; order is by folder name", async () => {
    const site = tree({
      "typing_extensions-4.12.2.dist-info/METADATA": "Name: typing_extensions\nVersion: 4.12.2\n\n",
      "PyYAML-6.0.dist-info/METADATA": "Name: PyYAML\nVersion: 6.0\n\n",
      "zope.interface-6.4.dist-info/METADATA": "Name: zope.interface\nVersion: 6.4\n\n",
    });
    assert.deepEqual(
      (await scanPythonEnvironment(site)).map((p) => [p.purl, p.hashes, p.hashOf]),
      [
        ["pkg:pypi/pyyaml@6.0", [], undefined],
        ["pkg:pypi/typing-extensions@4.12.2", [], undefined],
        ["pkg:pypi/zope-interface@6.4", [], undefined],
      ],
    );
  });

  it("error: METADATA without Version names the file", async () => {
    const site = tree({ "broken-1.0.dist-info/METADATA": "Name: broken\n\n" });
    await rejects(scanPythonEnvironment(site), "INVALID_SBOM", join(site, "broken-1.0.dist-info", "METADATA"));
  });

  it("error: a Name that is not a Python project name", async () => {
    const site = tree({ "x-1.0.dist-info/METADATA": "Name: ../../etc\nVersion: 1.0\n\n" });
    await rejects(scanPythonEnvironment(site), "INVALID_SBOM", join(site, "x-1.0.dist-info", "METADATA"));
  });

  it("error: a symlinked RECORD is refused, not followed", async () => {
    const site = tree({ "a-1.0.dist-info/METADATA": "Name: a\nVersion: 1.0\n\n", "elsewhere/secret": "not a RECORD" });
    symlinkSync(join(site, "elsewhere", "secret"), join(site, "a-1.0.dist-info", "RECORD"));
    await rejects(scanPythonEnvironment(site), "INVALID_SBOM", join(site, "a-1.0.dist-info", "RECORD"));
  });

  it("error: a symlinked dist-info folder is refused", async () => {
    const site = tree({ "real/METADATA": "Name: a\nVersion: 1.0\n\n" });
    symlinkSync(join(site, "real"), join(site, "a-1.0.dist-info"));
    await rejects(scanPythonEnvironment(site), "INVALID_SBOM", join(site, "a-1.0.dist-info"));
  });

  it("error: a folder that does not exist is INVALID_ARGUMENT", async () => {
    await rejects(scanPythonEnvironment(join(scratch, "no-such-env")), "INVALID_ARGUMENT", join(scratch, "no-such-env"));
  });

  describe("a real Python environment", () => {
    let python: { sitePackages: string } | undefined;
    try {
      const out = execFileSync("python3", ["-c", "import os, pip; print(os.path.dirname(os.path.dirname(pip.__file__)))"], { encoding: "utf8" }).trim();
      python = { sitePackages: out };
    } catch {
      python = undefined;
    }
    const skip = python === undefined ? "python3 with pip is not installed here" : false;

    it("behavior: pip's real dist-info, copied out, matches importlib.metadata and hashlib", { skip }, async () => {
      const site = join(scratch, "real-site");
      mkdirSync(site);
      const pipDistInfo = readdirSync(python!.sitePackages).find((n) => /^pip-.*\.dist-info$/.test(n))!;
      cpSync(join(python!.sitePackages, pipDistInfo), join(site, pipDistInfo), { recursive: true });
      const [pip] = await scanPythonEnvironment(site);
      const oracle = JSON.parse(
        execFileSync(
          "python3",
          [
            "-c",
            "import hashlib, json, sys, importlib.metadata as m; d = m.PathDistribution(__import__('pathlib').Path(sys.argv[1])); print(json.dumps([d.metadata['Name'], d.version, hashlib.sha256(open(sys.argv[1] + '/RECORD', 'rb').read()).hexdigest()]))",
            join(site, pipDistInfo),
          ],
          { encoding: "utf8" },
        ),
      );
      assert.deepEqual([pip?.name, pip?.version, pip?.hashes[0]?.content], oracle);
      assert.equal(pip?.purl, `pkg:pypi/pip@${oracle[1]}`);
    });

    it("behavior: the interpreter's whole site-packages lists what importlib.metadata lists", { skip }, async () => {
      const ours = (await scanPythonEnvironment(python!.sitePackages)).map((p) => [p.name, p.version]);
      const theirs = JSON.parse(
        execFileSync(
          "python3",
          [
            "-c",
            "import json, sys, importlib.metadata as m; print(json.dumps([[d.metadata['Name'], d.version] for d in m.distributions(path=[sys.argv[1]]) if str(getattr(d, '_path', '')).endswith('.dist-info')]))",
            python!.sitePackages,
          ],
          { encoding: "utf8" },
        ),
      ) as [string, string][];
      const key = (p: readonly unknown[]) => JSON.stringify(p);
      assert.deepEqual(ours.map(key).sort(), theirs.map(key).sort());
      assert.ok(ours.length > 0);
    });
  });
});

function lockfile(packages: Record<string, unknown>): string {
  return JSON.stringify({
    name: "app",
    version: "1.0.0",
    lockfileVersion: 3,
    requires: true,
    packages: { "": { name: "app", version: "1.0.0" }, ...packages },
  });
}
const integrity = (text: string) => `sha512-${createHash("sha512").update(text).digest("base64")}`;
const sha512hex = (text: string) => createHash("sha512").update(text).digest("hex");

describe("scanNpmTree", () => {
  it("default: installed packages (scoped and nested) with the lockfile's integrity as SHA-512", async () => {
    const root = tree({
      "package.json": '{"name":"app","version":"1.0.0"}',
      "package-lock.json": lockfile({
        "node_modules/a": { version: "1.0.0", integrity: integrity("a-1.0.0.tgz"), license: "MIT" },
        "node_modules/@s/b": { version: "2.0.0", integrity: integrity("b-2.0.0.tgz") },
        "node_modules/a/node_modules/c": { version: "3.0.0", integrity: integrity("c-3.0.0.tgz") },
      }),
      "node_modules/a/package.json": '{"name":"a","version":"1.0.0","license":"MIT"}',
      "node_modules/@s/b/package.json": '{"name":"@s/b","version":"2.0.0","license":"Apache-2.0"}',
      "node_modules/a/node_modules/c/package.json": '{"name":"c","version":"3.0.1","licenses":[{"type":"MIT"},{"type":"GPL-2.0-only"}]}',
      "node_modules/.bin/a": "#!/bin/sh\n",
      "node_modules/not-a-package/README": "",
    });
    const result = await scanNpmTree(root);
    assert.equal(result.source, "node_modules");
    assert.equal(result.lockfile, join(root, "package-lock.json"));
    assert.equal(result.truncated, false);
    assert.deepEqual(result.packages, [
      {
        name: "@s/b",
        version: "2.0.0",
        purl: "pkg:npm/%40s/b@2.0.0",
        type: "library",
        hashes: [{ alg: "SHA-512", content: sha512hex("b-2.0.0.tgz") }],
        licenses: ["Apache-2.0"],
        foundBy: "npm-tree",
      },
      {
        name: "a",
        version: "1.0.0",
        purl: "pkg:npm/a@1.0.0",
        type: "library",
        hashes: [{ alg: "SHA-512", content: sha512hex("a-1.0.0.tgz") }],
        licenses: ["MIT"],
        foundBy: "npm-tree",
      },
      // installed 3.0.1 while the lockfile says 3.0.0: the lockfile's integrity is not this package's
      { name: "c", version: "3.0.1", purl: "pkg:npm/c@3.0.1", type: "library", hashes: [], licenses: ["MIT OR GPL-2.0-only"], foundBy: "npm-tree" },
    ]);
  });

  it("behavior: symlinked packages (workspaces, npm link) are skipped; maxDepth stops at nested node_modules", async () => {
    const root = tree({
      "node_modules/a/package.json": '{"name":"a","version":"1.0.0"}',
      "node_modules/a/node_modules/c/package.json": '{"name":"c","version":"3.0.0"}',
      "packages/local/package.json": '{"name":"local","version":"0.0.1"}',
    });
    symlinkSync(join(root, "packages", "local"), join(root, "node_modules", "local"));
    const result = await scanNpmTree(root, { maxDepth: 0 });
    assert.deepEqual(
      result.packages.map((p) => p.name),
      ["a"],
    );
    assert.equal(result.truncated, true);
  });

  it("behavior: without node_modules, the lockfile's packages are listed", async () => {
    const root = tree({
      "package-lock.json": lockfile({
        "node_modules/a": { version: "1.0.0", integrity: integrity("a"), license: "MIT" },
        "node_modules/a/node_modules/@s/b": { version: "2.0.0", integrity: integrity("b") },
        "packages/workspace": { name: "workspace", version: "0.1.0" },
        "node_modules/workspace": { resolved: "packages/workspace", link: true },
      }),
    });
    const result = await scanNpmTree(root);
    assert.equal(result.source, "lockfile");
    assert.deepEqual(
      result.packages.map((p) => [p.purl, p.hashes[0]?.content, p.licenses]),
      [
        ["pkg:npm/a@1.0.0", sha512hex("a"), ["MIT"]],
        ["pkg:npm/%40s/b@2.0.0", sha512hex("b"), []],
      ],
    );
  });

  it("behavior: this repository's node_modules, checked against its lockfile", async () => {
    const result = await scanNpmTree(repoRoot, { maxDepth: 0 });
    const lock = JSON.parse(readFileSync(join(repoRoot, "node_modules", ".package-lock.json"), "utf8")).packages as Record<
      string,
      { version?: string; integrity?: string }
    >;
    const topLevel = Object.entries(lock).filter(([k, v]) => /^node_modules\/(@[^/]+\/)?[^/]+$/.test(k) && !("link" in v));
    assert.equal(result.source, "node_modules");
    for (const [key, entry] of topLevel) {
      // The installed package.json's name, not the folder's: an alias (`npm i x@npm:y`) installs y in folder x.
      const installed = JSON.parse(readFileSync(join(repoRoot, key, "package.json"), "utf8")) as { name: string; version: string };
      const name = installed.name;
      const found = result.packages.find((p) => p.name === name && p.version === installed.version);
      assert.ok(found, `${name}@${installed.version} (${key}) is listed`);
      if (entry.version === installed.version && entry.integrity?.startsWith("sha512-"))
        assert.equal(found.hashes.find((h) => h.alg === "SHA-512")?.content, Buffer.from(entry.integrity.slice(7), "base64").toString("hex"), name);
    }
    const distinct = new Set(
      topLevel.map(([key]) => readFileSync(join(repoRoot, key, "package.json"), "utf8")).map((text) => `${JSON.parse(text).name}@${JSON.parse(text).version}`),
    );
    assert.equal(result.packages.length, distinct.size, "one package per distinct top-level name@version, nothing else");
    const cyclonedx = result.packages.find((p) => p.name === "@cyclonedx/cyclonedx-library");
    assert.equal(cyclonedx?.purl, `pkg:npm/%40cyclonedx/cyclonedx-library@${cyclonedx?.version}`);
  });

  it("behavior: maxPackages truncates this repository's tree and says so", async () => {
    const result = await scanNpmTree(repoRoot, { maxPackages: 25 });
    assert.equal(result.packages.length, 25);
    assert.equal(result.truncated, true);
  });

  it("error: integrity that is not base64 SHA-512 names the lockfile entry", async () => {
    const root = tree({
      "package-lock.json": lockfile({ "node_modules/a": { version: "1.0.0", integrity: "sha512-not!base64" } }),
      "node_modules/a/package.json": '{"name":"a","version":"1.0.0"}',
    });
    await rejects(scanNpmTree(root), "INVALID_SBOM", 'lockfile packages["node_modules/a"].integrity');
  });

  it("error: a duplicate key in an installed package.json is DUPLICATE_KEY naming file and field", async () => {
    const root = tree({ "node_modules/a/package.json": '{"name":"a","version":"1.0.0","version":"6.6.6"}' });
    await rejects(scanNpmTree(root), "DUPLICATE_KEY", `${join(root, "node_modules", "a", "package.json")}: $.version`);
  });

  it("error: a package name that npm would not accept", async () => {
    const root = tree({ "node_modules/a/package.json": '{"name":"../../evil","version":"1.0.0"}' });
    await rejects(scanNpmTree(root), "INVALID_SBOM", /package\.json: name$/);
  });

  it("error: a folder with neither node_modules nor a lockfile", async () => {
    const root = tree({ "package.json": "{}" });
    await rejects(scanNpmTree(root), "INVALID_ARGUMENT", root);
  });
});
