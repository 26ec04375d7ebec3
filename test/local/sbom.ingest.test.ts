import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { Spec, Validation } from "@cyclonedx/cyclonedx-library";
import { InputError, type InputErrorCode } from "../../src/core/errors/input.js";
import { createModelBom } from "../../src/formats/sbom/createModelBom.js";
import { ingestSbom } from "../../src/local/sbom/ingestSbom.js";
import { toSpdx3 } from "../../src/formats/sbom/toSpdx3.js";

// Ingesting SBOMs other tools wrote: Syft CycloneDX 1.6, Syft SPDX 2.3, Microsoft sbom-tool
// SPDX 2.2 (fixtures in test/fixtures/sbom/), SPDX 3.0.1 JSON-LD (our own export), and hostile
// variants of them.

const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`../fixtures/sbom/${name}`, import.meta.url)), "utf8");
const SYFT_CDX = fixture("syft.cdx.json");
const SYFT_SPDX = fixture("syft.spdx.json");
const SBOM_TOOL_SPDX = fixture("sbom-tool.spdx.json");

function refused(text: string, code: InputErrorCode, path: string | undefined, message?: RegExp): void {
  assert.throws(
    () => ingestSbom(text),
    (e: unknown) => {
      assert.ok(e instanceof InputError, `expected an InputError, got ${String(e)}`);
      assert.equal(e.code, code);
      assert.equal(e.path, path);
      if (message) assert.match(e.shortMessage, message);
      return true;
    },
  );
}

/** The fixture with one change, as text. */
function edit(text: string, change: (doc: any) => void): string {
  const doc = JSON.parse(text);
  change(doc);
  return JSON.stringify(doc);
}

/** One test per case: the fixture with the case's edit is refused as INVALID_SBOM at the path named (and with the message, where given). */
function refusedEdits(text: string, cases: readonly [name: string, change: Parameters<typeof edit>[1], path: string, message?: RegExp][]): void {
  for (const [name, change, path, message] of cases) it(name, () => refused(edit(text, change), "INVALID_SBOM", path, message));
}

describe("ingestSbom: CycloneDX (Syft)", () => {
  it("default: the fixture is valid CycloneDX 1.6, and its packages are read with versions, purls, hashes and licences", async () => {
    assert.equal(await new Validation.JsonStrictValidator(Spec.Version.v1dot6).validate(SYFT_CDX), null, "the fixture itself is schema-valid");
    const { format, specVersion, packages } = ingestSbom(SYFT_CDX, { what: "syft.cdx.json" });
    assert.equal(format, "CycloneDX");
    assert.equal(specVersion, "1.6");
    assert.deepEqual(
      packages.map((p) => [p.name, p.version, p.purl, p.type, p.licenses]),
      [
        ["numpy", "1.26.4", "pkg:pypi/numpy@1.26.4", "library", ["BSD-3-Clause"]],
        ["torch", "2.3.1", "pkg:pypi/torch@2.3.1", "library", ["BSD-3-Clause"]],
        ["safetensors", "0.4.3", "pkg:pypi/safetensors@0.4.3", "library", ["Apache-2.0 OR MIT"]],
        ["fastapi", "0.111.0", "pkg:pypi/fastapi@0.111.0", "library", ["MIT License"]],
        ["libssl3", "3.0.13-1~deb12u1", "pkg:deb/debian/libssl3@3.0.13-1~deb12u1?arch=amd64&distro=debian-12", "library", ["Apache-2.0"]],
        ["debian", "12", undefined, "operating-system", []],
      ],
    );
    assert.deepEqual(packages.find((p) => p.name === "fastapi")?.hashes, JSON.parse(SYFT_CDX).components[3].hashes);
    assert.ok(packages.every((p) => p.foundBy === "cyclonedx-sbom"));
  });

  it("behavior: file components (Syft lists hashed files) and the scanned directory itself are not packages", () => {
    const names = ingestSbom(SYFT_CDX).packages.map((p) => p.name);
    assert.ok(!names.includes("/srv/inference/model/config.json"));
    assert.ok(!names.includes("/srv/inference"));
  });

  it("behavior: CycloneDX 1.4 (tools as an array) is read too", () => {
    const old = edit(SYFT_CDX, (d) => {
      d.specVersion = "1.4";
      d.$schema = "http://cyclonedx.org/schema/bom-1.4.schema.json";
      d.metadata.tools = [{ vendor: "anchore", name: "syft", version: "0.80.0" }];
    });
    assert.equal(ingestSbom(old).packages.length, 6);
  });

  it("behavior: ingested packages go into an ML-BOM that still validates", async () => {
    const { packages } = ingestSbom(SYFT_CDX);
    const bom = createModelBom({ model: { name: "m", digest: { sha256: "ab".repeat(32) } }, software: packages });
    assert.equal(await new Validation.JsonStrictValidator(Spec.Version.v1dot6).validate(JSON.stringify(bom)), null);
  });

  it("error: a duplicate key is DUPLICATE_KEY naming it", () => {
    const text = SYFT_CDX.replace('"name": "numpy",', '"name": "numpy",\n   "name": "numpy-evil",');
    refused(text, "DUPLICATE_KEY", "$.components[0].name");
  });

  it("error: specVersion 1.3 or 2.0", () => {
    for (const version of ["1.3", "2.0"])
      refused(
        edit(SYFT_CDX, (d) => (d.specVersion = version)),
        "INVALID_SBOM",
        "$.specVersion",
      );
  });
  refusedEdits(SYFT_CDX, [
    ["error: bomFormat other than CycloneDX", (d) => (d.bomFormat = "cyclonedx"), "$.bomFormat"],
    [
      "error: a hash of the wrong length names the hash",
      (d) => (d.components[6].hashes[1].content = "abcd"),
      "$.components[6].hashes[1].content",
      /SHA-256 hash is 64 hex digits/,
    ],
    ["error: a hash that is not hex", (d) => (d.components[3].hashes[0].content = "z".repeat(64)), "$.components[3].hashes[0].content"],
    ["error: an unknown component field", (d) => (d.components[0].sha256 = "00"), "$.components[0].sha256", /unknown field/],
    ["error: a dependency naming no component", (d) => d.dependencies[1].dependsOn.push("pkg:pypi/ghost@1"), "$.dependencies[1].dependsOn[1]"],
    ["error: a version that is a number", (d) => (d.components[0].version = 1.26), "$.components[0].version"],
  ]);
  it("error: a number beyond 2^53 is NUMBER_OUT_OF_RANGE", () =>
    refused(SYFT_CDX.replace('"version": 1,', '"version": 9007199254740993,'), "NUMBER_OUT_OF_RANGE", "$.version"));
  it("error: not JSON", () => refused("{ bomFormat: CycloneDX }", "INVALID_JSON", undefined));
  it("error: JSON that is neither CycloneDX nor SPDX", () => refused('{"packages":[]}', "INVALID_SBOM", "$", /neither CycloneDX/));
});

describe("ingestSbom: SPDX 2.x", () => {
  it("default: Syft's SPDX 2.3: packages with purls, checksums mapped to CycloneDX names, declared else concluded licence", () => {
    const { format, specVersion, packages } = ingestSbom(SYFT_SPDX);
    assert.equal(format, "SPDX");
    assert.equal(specVersion, "SPDX-2.3");
    const doc = JSON.parse(SYFT_SPDX);
    assert.deepEqual(packages, [
      { name: "numpy", version: "1.26.4", purl: "pkg:pypi/numpy@1.26.4", type: "library", hashes: [], licenses: ["BSD-3-Clause"], foundBy: "spdx-sbom" },
      {
        name: "requests",
        version: "2.32.3",
        purl: "pkg:pypi/requests@2.32.3",
        type: "library",
        hashes: [
          { alg: "SHA-256", content: doc.packages[1].checksums[0].checksumValue },
          { alg: "MD5", content: doc.packages[1].checksums[1].checksumValue },
        ],
        licenses: ["Apache-2.0"],
        foundBy: "spdx-sbom",
      },
      {
        name: "tokenizers",
        version: "0.19.1",
        purl: "pkg:pypi/tokenizers@0.19.1",
        type: "library",
        // SHA224 has no CycloneDX name: validated, then dropped
        hashes: [{ alg: "SHA-1", content: doc.packages[2].checksums[0].checksumValue }],
        licenses: ["Apache-2.0"],
        foundBy: "spdx-sbom",
      },
    ]);
  });

  it("behavior: Microsoft sbom-tool's SPDX 2.2: the described root package is left out", () => {
    const { specVersion, packages } = ingestSbom(SBOM_TOOL_SPDX);
    assert.equal(specVersion, "SPDX-2.2");
    assert.deepEqual(
      packages.map((p) => [p.name, p.version, p.purl, p.licenses]),
      [
        ["express", "4.19.2", "pkg:npm/express@4.19.2", ["MIT"]],
        ["@types/node", "20.14.9", "pkg:npm/%40types/node@20.14.9", ["MIT"]],
      ],
    );
  });

  refusedEdits(SYFT_SPDX, [
    ["error: SPDX 2.1", (d) => (d.spdxVersion = "SPDX-2.1"), "$.spdxVersion"],
    [
      "error: a checksum of the wrong length",
      (d) => (d.packages[1].checksums[0].checksumValue = "ab".repeat(20)),
      "$.packages[1].checksums[0].checksumValue",
      /SHA256 checksum is 64/,
    ],
    ["error: an unknown checksum algorithm", (d) => (d.packages[1].checksums[0].algorithm = "SHA-256"), "$.packages[1].checksums[0].algorithm"],
    ["error: a duplicate SPDXID", (d) => (d.packages[1].SPDXID = d.packages[0].SPDXID), "$.packages[1].SPDXID"],
    [
      "error: a purl reference that is not a package URL",
      (d) => (d.packages[0].externalRefs[1].referenceLocator = "numpy"),
      "$.packages[0].externalRefs[1].referenceLocator",
    ],
    ["error: no creationInfo", (d) => delete d.creationInfo, "$.creationInfo"],
  ]);
  it("error: a duplicate key in SPDX", () =>
    refused(SYFT_SPDX.replace('"spdxVersion": "SPDX-2.3",', '"spdxVersion": "SPDX-2.3", "spdxVersion": "SPDX-2.2",'), "DUPLICATE_KEY", "$.spdxVersion"));
});

describe("ingestSbom: SPDX 3.0 JSON-LD", () => {
  const bom = createModelBom({
    model: { name: "m", digest: { sha256: "ab".repeat(32) } },
    datasets: [{ name: "d", digest: { sha256: "cd".repeat(32) } }],
    software: ingestSbom(SYFT_CDX).packages,
    timestamp: new Date("2026-11-24T13:45:00Z"),
  });
  const spdx = JSON.stringify(toSpdx3(bom));

  it("default: our SPDX 3 export reads back as the same software (the AI and dataset packages are not software packages)", () => {
    const { format, specVersion, packages } = ingestSbom(spdx);
    assert.equal(format, "SPDX");
    assert.equal(specVersion, "3.0.1");
    const expected = (bom.components ?? []).filter((c) => c.type !== "data").map((c) => [c.name, c.version, c.purl, c.hashes ?? []]);
    assert.deepEqual(
      packages.map((p) => [p.name, p.version, p.purl, p.hashes]),
      expected,
    );
    assert.deepEqual(packages.find((p) => p.name === "safetensors")?.licenses, ["Apache-2.0 OR MIT"]);
  });

  refusedEdits(spdx, [
    ["error: an SPDX 2 context is not SPDX 3", (d) => (d["@context"] = "https://spdx.org/rdf/2.3/context.jsonld"), "$.@context"],
    ["error: a duplicate spdxId", (d) => (d["@graph"][3].spdxId = d["@graph"][2].spdxId), "$.@graph[3].spdxId"],
  ]);
  it("error: a hash of the wrong length", () => {
    const graph = JSON.parse(spdx)["@graph"] as { type: string; verifiedUsing?: unknown }[];
    const i = graph.findIndex((e) => e.type === "software_Package" && e.verifiedUsing);
    refused(
      edit(spdx, (d) => (d["@graph"][i].verifiedUsing[0].hashValue = "abc")),
      "INVALID_SBOM",
      `$.@graph[${i}].verifiedUsing[0].hashValue`,
      /hash is 64 hex digits/,
    );
  });
});
