import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { Spec, Validation } from "@cyclonedx/cyclonedx-library";
import { parseSbomPredicate, sbomModelDigest } from "../../src/formats/predicates/sbom.js";
import { sbom } from "../../src/cli/sbomCommand.js";
import type { ParsedFlags } from "../../src/cli/options.js";
import { createOutput } from "../../src/cli/output.js";
import { InputError } from "../../src/core/errors/input.js";
import { hashModel } from "../../src/local/hashing/hashModel.js";
import { parseJson } from "../../src/core/parseJson.js";

// The `provenance sbom` handler, called with a context as main.ts builds it.

const scratch = mkdtempSync(join(tmpdir(), "sbom-cli-"));
after(() => rmSync(scratch, { recursive: true, force: true }));
const syft = fileURLToPath(new URL("../fixtures/sbom/syft.cdx.json", import.meta.url));
const spdx2 = fileURLToPath(new URL("../fixtures/sbom/syft.spdx.json", import.meta.url));

function setup() {
  const dir = mkdtempSync(join(scratch, "run-"));
  mkdirSync(join(dir, "model"));
  writeFileSync(join(dir, "model", "weights.safetensors"), Buffer.alloc(1000, 1));
  writeFileSync(join(dir, "model", "config.json"), "{}");
  writeFileSync(join(dir, "train.csv"), "x,y\n1,2\n");
  mkdirSync(join(dir, "site", "requests-2.32.3.dist-info"), { recursive: true });
  writeFileSync(join(dir, "site", "requests-2.32.3.dist-info", "METADATA"), "Name: requests\nVersion: 2.32.3\nLicense: Apache-2.0\n\n");
  writeFileSync(join(dir, "site", "requests-2.32.3.dist-info", "RECORD"), "requests/__init__.py,sha256=abc,1\n");
  return dir;
}

async function run(args: string[], flags: ParsedFlags, json = false): Promise<string> {
  let written = "";
  await sbom({ flags, args, out: createOutput(json, (t) => (written += t)) });
  return written;
}

describe("provenance sbom", () => {
  it("default: writes a schema-valid ML-BOM and an SPDX 3 export, and summarises the components", async () => {
    const dir = setup();
    const output = join(dir, "model.cdx.json");
    const spdx = join(dir, "model.spdx.json");
    const printed = await run([join(dir, "model")], {
      name: "acme/detector",
      version: "1.2.0",
      architecture: "YolosForObjectDetection",
      task: "object-detection",
      hyperparameter: ["learning_rate=3e-4", "epochs=30"],
      dataset: [`street-scenes=${join(dir, "train.csv")}`],
      "python-env": [join(dir, "site")],
      ingest: [syft, spdx2],
      output,
      spdx,
    });
    const text = readFileSync(output, "utf8");
    assert.equal(await new Validation.JsonStrictValidator(Spec.Version.v1dot6).validate(text), null);
    const bom = parseSbomPredicate(parseJson(text));
    assert.equal(sbomModelDigest(bom), (await hashModel(join(dir, "model"))).sha256);
    assert.equal(bom.metadata?.component?.modelCard?.modelParameters?.modelArchitecture, "YolosForObjectDetection");
    assert.deepEqual(bom.metadata?.component?.modelCard?.properties, [
      { name: "provenance-ledger:hyperparameter:epochs", value: "30" },
      { name: "provenance-ledger:hyperparameter:learning_rate", value: "3e-4" },
    ]);
    const datasetComponent = bom.components?.find((c) => c.type === "data");
    assert.equal(datasetComponent?.hashes?.[0]?.content, (await hashModel(join(dir, "train.csv"))).sha256);
    assert.equal((parseJson(readFileSync(spdx, "utf8")) as { "@context": string })["@context"], "https://spdx.org/rdf/3.0.1/spdx-context.jsonld");
    // numpy is in both ingested SBOMs (no conflicting hashes): one component, found by both.
    // requests is in the SPDX SBOM (SHA-256 of its wheel) and the environment (SHA-256 of RECORD):
    // hashes of different things, so two components.
    assert.equal(bom.components?.filter((c) => c.name === "numpy").length, 1);
    assert.equal(bom.components?.filter((c) => c.name === "requests").length, 2);
    assert.match(printed, /Wrote the CycloneDX 1\.6 ML-BOM of acme\/detector@1\.2\.0/);
    assert.match(printed, /0 base model\(s\), 1 dataset\(s\), 9 software package\(s\) \(/);
    for (const part of ["6 from cyclonedx-sbom", "3 from spdx-sbom", "1 from python-environment"]) assert.ok(printed.includes(part), part);
  });

  it("behavior: --json prints one JSON result with the counts", async () => {
    const dir = setup();
    const printed = await run([join(dir, "model")], { "python-env": [join(dir, "site")], output: join(dir, "bom.json") }, true);
    const result = JSON.parse(printed);
    assert.deepEqual(result.components, { baseModels: 0, datasets: 0, software: { total: 1, bySource: { "python-environment": 1 } } });
    assert.equal(result.spdx, null);
    assert.match(result.serialNumber, /^urn:uuid:/);
  });

  it("behavior: --python-env takes a virtual environment's root, its site-packages or its interpreter, and warns when it finds nothing", async () => {
    const dir = setup();
    const venv = join(dir, "venv");
    execFileSync("python3", ["-m", "venv", "--without-pip", venv]);
    const interpreter = join(venv, "bin", "python");
    const [site] = JSON.parse(
      execFileSync(interpreter, ["-c", "import json, site; print(json.dumps(site.getsitepackages()))"], { encoding: "utf8" }),
    ) as string[];
    const summary = async (spec: string) => JSON.parse(await run([join(dir, "model")], { "python-env": [spec], output: join(dir, "bom.json") }, true));

    // A fresh venv (no pip): nothing installed, and the summary says so instead of silently counting 0.
    for (const spec of [venv, site!, interpreter]) {
      const empty = await summary(spec);
      assert.equal(empty.components.software.total, 0, spec);
      assert.equal(empty.warnings.length, 1, spec);
      assert.match(empty.warnings[0], /no installed Python packages \(\*\.dist-info\) in .*site-packages/);
    }
    mkdirSync(join(site!, "requests-2.32.3.dist-info"));
    writeFileSync(join(site!, "requests-2.32.3.dist-info", "METADATA"), "Name: requests\nVersion: 2.32.3\n\n");
    for (const spec of [venv, site!, interpreter]) {
      const found = await summary(spec);
      assert.deepEqual(found.components.software, { total: 1, bySource: { "python-environment": 1 } }, spec);
      assert.deepEqual(found.warnings, [], spec);
    }
    await assert.rejects(
      run([join(dir, "model")], { "python-env": [join(dir, "no-venv")] }),
      (e: unknown) => e instanceof InputError && e.code === "INVALID_ARGUMENT" && /no-venv does not exist/.test(e.shortMessage),
    );
    await assert.rejects(
      run([join(dir, "model")], { "python-env": [join(dir, "train.csv")] }),
      (e: unknown) => e instanceof InputError && /not a Python interpreter/.test(e.shortMessage),
    );
  });

  it("behavior: without -o the BOM goes to standard output (and nothing else does)", async () => {
    const dir = setup();
    const printed = await run([join(dir, "model")], {});
    const bom = parseSbomPredicate(parseJson(printed));
    assert.equal(bom.metadata?.component?.name, "model");
    assert.equal(bom.metadata?.component?.version, "unversioned");
  });

  for (const [name, args, flags] of [
    ["no model path", [], {}],
    ["a --hyperparameter without =", ["m"], { hyperparameter: ["lr"] }],
    ["a --dataset without a path", ["m"], { dataset: ["train="] }],
  ] as const)
    it(`error: ${name} is INVALID_ARGUMENT`, async () => {
      await assert.rejects(run([...args], flags as ParsedFlags), (e: unknown) => e instanceof InputError && e.code === "INVALID_ARGUMENT");
    });

  it("error: an ingested SBOM with a bad hash names the file's field", async () => {
    const dir = setup();
    const bad = join(dir, "bad.cdx.json");
    const doc = JSON.parse(readFileSync(syft, "utf8"));
    doc.components[3].hashes[0].content = "00";
    writeFileSync(bad, JSON.stringify(doc));
    await assert.rejects(
      run([join(dir, "model")], { ingest: [bad], output: join(dir, "out.json") }),
      (e: unknown) => e instanceof InputError && e.code === "INVALID_SBOM" && e.path === "$.components[3].hashes[0].content",
    );
  });
});
