import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { InputError } from "../../src/core/errors/input.js";
import { createModelBom } from "../../src/formats/sbom/createModelBom.js";
import { ingestSbom } from "../../src/local/sbom/ingestSbom.js";
import {
  SPDX3_CONTEXT,
  SPDX3_NO_ASSERTION_ELEMENT,
  SPDX3_NO_ASSERTION_LICENSE,
  type Spdx3Document,
  type Spdx3Element,
  toSpdx3,
} from "../../src/formats/sbom/toSpdx3.js";

// The SPDX 3.0.1 export. No SPDX 3 JSON schema or SHACL validator is available offline here, so
// the structure is checked by `checkSpdx3` below against the 3.0.1 model's rules the export has
// to meet (required properties of each class, AI profile licence relationships, vocabularies,
// every reference resolving).

const sha = (text: string) => createHash("sha256").update(text).digest("hex");
const syft = readFileSync(fileURLToPath(new URL("../fixtures/sbom/syft.cdx.json", import.meta.url)), "utf8");

const bom = createModelBom({
  model: { name: "acme/detector", version: "1.2.0", digest: { sha256: sha("model"), kind: "directory", size: 10, fileCount: 2 }, license: "Apache-2.0" },
  modelCard: { approach: "supervised", task: "object-detection", architectureFamily: "transformer", modelArchitecture: "YolosForObjectDetection" },
  hyperparameters: { learning_rate: 0.0003, epochs: 30 },
  datasets: [
    { name: "street-scenes", digest: { sha256: sha("street") }, license: "CC-BY-4.0" },
    { name: "night-scenes", digest: { sha256: sha("night") } },
  ],
  baseModels: [{ name: "hustvl/yolos-small", sha256: sha("yolos") }],
  software: ingestSbom(syft).packages,
  serialNumber: "urn:uuid:0f8fad5b-d9cb-469f-a165-70867728950e",
  timestamp: new Date("2026-11-24T13:45:00.123Z"),
});

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const IRI = /^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$/;
const PROFILES = new Set(["core", "software", "security", "simpleLicensing", "expandedLicensing", "dataset", "ai", "build", "lite", "extension"]);
const RELATIONSHIP_TYPES = new Set([
  "ancestorOf",
  "dependsOn",
  "hasConcludedLicense",
  "hasDeclaredLicense",
  "trainedOn",
  "testedOn",
  "descendantOf",
  "contains",
]);
const HASH_ALGORITHMS = new Set([
  "md5",
  "sha1",
  "sha256",
  "sha384",
  "sha512",
  "sha3_256",
  "sha3_384",
  "sha3_512",
  "blake2b256",
  "blake2b384",
  "blake2b512",
  "blake3",
]);
const PURPOSES = new Set([
  "application",
  "framework",
  "library",
  "container",
  "platform",
  "operatingSystem",
  "deviceDriver",
  "firmware",
  "file",
  "model",
  "data",
  "other",
]);
const DATASET_TYPES = new Set([
  "audio",
  "categorical",
  "graph",
  "image",
  "noAssertion",
  "numeric",
  "other",
  "sensor",
  "structured",
  "syntactic",
  "text",
  "timeseries",
  "timestamp",
  "video",
]);
const AGENTS = new Set(["Agent", "Organization", "Person", "SoftwareAgent"]);
const ELEMENT_TYPES = new Set([
  ...AGENTS,
  "Tool",
  "SpdxDocument",
  "Relationship",
  "ai_AIPackage",
  "dataset_DatasetPackage",
  "software_Package",
  "simplelicensing_LicenseExpression",
]);

/** Structural rules of SPDX 3.0.1 that the export must meet; returns the elements by id. */
function checkSpdx3(doc: Spdx3Document): Map<string, Spdx3Element> {
  assert.deepEqual(Object.keys(doc).sort(), ["@context", "@graph"]);
  assert.equal(doc["@context"], SPDX3_CONTEXT);
  const creationInfos = doc["@graph"].filter((e) => e.type === "CreationInfo");
  assert.equal(creationInfos.length, 1);
  const ci = creationInfos[0]!;
  assert.equal(ci["@id"], "_:creationinfo");
  assert.equal(ci.specVersion, "3.0.1");
  assert.match(ci.created as string, DATE_TIME, "DateTime has no fraction of a second");

  const byId = new Map<string, Spdx3Element>();
  for (const e of doc["@graph"]) {
    if (e.type === "CreationInfo") continue;
    assert.ok(ELEMENT_TYPES.has(e.type), `known element type ${e.type}`);
    assert.match(e.spdxId!, IRI, "spdxId is an IRI");
    assert.ok(!byId.has(e.spdxId!), `unique spdxId ${e.spdxId}`);
    assert.equal(e.creationInfo, "_:creationinfo");
    byId.set(e.spdxId!, e);
  }
  const resolves = (ref: unknown, types: Set<string> | undefined, individuals: string[] = []) => {
    assert.equal(typeof ref, "string");
    if (individuals.includes(ref as string)) return;
    const target = byId.get(ref as string);
    assert.ok(target, `reference ${String(ref)} resolves`);
    if (types) assert.ok(types.has(target.type), `${String(ref)} is one of ${[...types]}`);
  };
  (ci.createdBy as unknown[]).forEach((r) => resolves(r, AGENTS));
  assert.ok((ci.createdBy as unknown[]).length >= 1);
  (ci.createdUsing as unknown[]).forEach((r) => resolves(r, new Set(["Tool"])));

  const documents = [...byId.values()].filter((e) => e.type === "SpdxDocument");
  assert.equal(documents.length, 1);
  const document = documents[0]!;
  (document.profileConformance as string[]).forEach((p) => assert.ok(PROFILES.has(p), `profile ${p}`));
  (document.rootElement as unknown[]).forEach((r) => resolves(r, undefined));
  assert.deepEqual(
    new Set(document.element as string[]),
    new Set([...byId.keys()].filter((id) => id !== document.spdxId)),
    "the document lists every other element",
  );

  const licenseTargets = new Set(["simplelicensing_LicenseExpression"]);
  for (const e of byId.values()) {
    for (const h of (e.verifiedUsing as { type: string; algorithm: string; hashValue: string }[] | undefined) ?? []) {
      assert.equal(h.type, "Hash");
      assert.ok(HASH_ALGORITHMS.has(h.algorithm), h.algorithm);
      assert.match(h.hashValue, /^[0-9a-f]+$/);
    }
    if (e.software_primaryPurpose !== undefined) assert.ok(PURPOSES.has(e.software_primaryPurpose as string), `purpose ${String(e.software_primaryPurpose)}`);
    if (e.type === "Relationship") {
      assert.ok(RELATIONSHIP_TYPES.has(e.relationshipType as string), `relationship type ${String(e.relationshipType)}`);
      resolves(e.from, undefined);
      assert.ok((e.to as unknown[]).length >= 1);
      const licence = e.relationshipType === "hasDeclaredLicense" || e.relationshipType === "hasConcludedLicense";
      (e.to as unknown[]).forEach((t) => resolves(t, licence ? licenseTargets : undefined, licence ? [SPDX3_NO_ASSERTION_LICENSE] : []));
    }
    if (e.type === "ai_AIPackage") {
      for (const key of ["name", "suppliedBy", "software_downloadLocation", "software_packageVersion", "software_primaryPurpose", "releaseTime"])
        assert.ok(e[key] !== undefined, `ai_AIPackage has ${key}`);
      assert.match(e.releaseTime as string, DATE_TIME);
      resolves(e.suppliedBy, AGENTS, [SPDX3_NO_ASSERTION_ELEMENT]);
      // AI profile conformance: exactly one declared and one concluded licence relationship.
      for (const type of ["hasDeclaredLicense", "hasConcludedLicense"])
        assert.equal(
          [...byId.values()].filter((r) => r.type === "Relationship" && r.from === e.spdxId && r.relationshipType === type).length,
          1,
          `${e.name} ${type}`,
        );
    }
    if (e.type === "dataset_DatasetPackage") {
      for (const key of ["name", "builtTime", "releaseTime", "software_downloadLocation", "software_primaryPurpose"])
        assert.ok(e[key] !== undefined, `dataset has ${key}`);
      assert.equal((e.originatedBy as unknown[]).length, 1);
      (e.originatedBy as unknown[]).forEach((r) => resolves(r, AGENTS, [SPDX3_NO_ASSERTION_ELEMENT]));
      assert.ok((e.dataset_datasetType as string[]).length >= 1 && (e.dataset_datasetType as string[]).every((t) => DATASET_TYPES.has(t)));
    }
    for (const entry of (e.ai_hyperparameter as { type: string; key: string }[] | undefined) ?? []) {
      assert.equal(entry.type, "DictionaryEntry");
      assert.equal(typeof entry.key, "string");
    }
  }
  return byId;
}

const of = (byId: Map<string, Spdx3Element>, type: string) => [...byId.values()].filter((e) => e.type === type);
const relationships = (byId: Map<string, Spdx3Element>, type: string) => of(byId, "Relationship").filter((r) => r.relationshipType === type);

describe("toSpdx3", () => {
  it("default: the export meets the SPDX 3.0.1 structure rules", () => {
    const byId = checkSpdx3(toSpdx3(bom));
    assert.equal(of(byId, "ai_AIPackage").length, 2, "the model and its base model");
    assert.equal(of(byId, "dataset_DatasetPackage").length, 2);
    assert.equal(of(byId, "software_Package").length, bom.components!.filter((c) => c.type !== "data").length);
  });

  it("behavior: the model: hashes, version, architecture and approach, task, hyperparameters, root of the document", () => {
    const doc = toSpdx3(bom);
    const byId = checkSpdx3(doc);
    const model = of(byId, "ai_AIPackage").find((e) => e.name === "acme/detector")!;
    assert.deepEqual(model.verifiedUsing, [{ type: "Hash", algorithm: "sha256", hashValue: sha("model") }]);
    assert.equal(model.software_packageVersion, "1.2.0");
    assert.equal(model.software_primaryPurpose, "model");
    assert.deepEqual(model.ai_typeOfModel, ["supervised", "transformer", "YolosForObjectDetection"]);
    assert.equal(model.ai_informationAboutApplication, "task: object-detection");
    assert.deepEqual(model.ai_hyperparameter, [
      { type: "DictionaryEntry", key: "epochs", value: "30" },
      { type: "DictionaryEntry", key: "learning_rate", value: "0.0003" },
    ]);
    assert.deepEqual(of(byId, "SpdxDocument")[0]!.rootElement, [model.spdxId]);
    assert.equal(doc["@graph"][0]!.created, "2026-11-24T13:45:00Z");
    const declared = relationships(byId, "hasDeclaredLicense").find((r) => r.from === model.spdxId)!;
    assert.equal(byId.get((declared.to as string[])[0]!)?.simplelicensing_licenseExpression, "Apache-2.0");
  });

  it("behavior: the model is trainedOn the datasets, dependsOn the software, and the base model is its ancestor", () => {
    const byId = checkSpdx3(toSpdx3(bom));
    const model = of(byId, "ai_AIPackage").find((e) => e.name === "acme/detector")!;
    const base = of(byId, "ai_AIPackage").find((e) => e.name === "hustvl/yolos-small")!;
    assert.deepEqual(
      relationships(byId, "trainedOn").map((r) => [r.from, (r.to as string[]).map((t) => byId.get(t)?.name)]),
      [[model.spdxId, ["night-scenes", "street-scenes"]]],
    );
    assert.deepEqual(
      relationships(byId, "ancestorOf").map((r) => [r.from, r.to]),
      [[base.spdxId, [model.spdxId]]],
    );
    const dependsOn = relationships(byId, "dependsOn").find((r) => r.from === model.spdxId)!;
    assert.deepEqual(new Set((dependsOn.to as string[]).map((t) => byId.get(t)?.type)), new Set(["software_Package"]));
    assert.equal((dependsOn.to as string[]).length, of(byId, "software_Package").length);
  });

  it("behavior: software keeps purls, versions, hashes and SPDX licences; named licences are not exported", () => {
    const byId = checkSpdx3(toSpdx3(bom));
    const fastapi = of(byId, "software_Package").find((e) => e.name === "fastapi")!;
    assert.equal(fastapi.software_packageUrl, "pkg:pypi/fastapi@0.111.0");
    assert.equal(fastapi.software_packageVersion, "0.111.0");
    assert.deepEqual(fastapi.verifiedUsing, [{ type: "Hash", algorithm: "sha256", hashValue: JSON.parse(syft).components[3].hashes[0].content }]);
    assert.equal(
      relationships(byId, "hasDeclaredLicense").filter((r) => r.from === fastapi.spdxId).length,
      0,
      "'MIT License' is a name, not an SPDX expression",
    );
    const safetensors = of(byId, "software_Package").find((e) => e.name === "safetensors")!;
    const licence = relationships(byId, "hasDeclaredLicense").find((r) => r.from === safetensors.spdxId)!;
    assert.equal(byId.get((licence.to as string[])[0]!)?.simplelicensing_licenseExpression, "Apache-2.0 OR MIT");
    assert.equal(of(byId, "software_Package").find((e) => e.name === "debian")?.software_primaryPurpose, "operatingSystem");
  });

  it("behavior: the namespace comes from the serial number, so ids are stable for one BOM; a supplier becomes an Organization", () => {
    const a = toSpdx3(bom, { supplier: "Acme AI", downloadLocation: "https://models.acme.example/detector/1.2.0" });
    assert.deepEqual(a, toSpdx3(bom, { supplier: "Acme AI", downloadLocation: "https://models.acme.example/detector/1.2.0" }));
    const byId = checkSpdx3(a);
    const model = of(byId, "ai_AIPackage").find((e) => e.name === "acme/detector")!;
    assert.ok(model.spdxId!.startsWith("https://spdx.org/spdxdocs/provenance-ledger-0f8fad5b-d9cb-469f-a165-70867728950e#"));
    assert.equal(byId.get(model.suppliedBy as string)?.name, "Acme AI");
    assert.equal(model.software_downloadLocation, "https://models.acme.example/detector/1.2.0");
  });

  it("behavior: a minimal BOM (model only) exports to a valid structure", () => {
    const minimal = createModelBom({ model: { name: "m", digest: { sha256: sha("m") } }, timestamp: new Date("2026-01-01T00:00:00Z") });
    const byId = checkSpdx3(toSpdx3(minimal));
    assert.equal(of(byId, "ai_AIPackage").length, 1);
  });

  it("error: a BOM without metadata.timestamp has no creation time to write", () => {
    const { timestamp: _, ...metadata } = bom.metadata;
    assert.throws(
      () => toSpdx3({ ...bom, metadata }),
      (e: unknown) => e instanceof InputError && e.code === "INVALID_SBOM" && e.path === "$.metadata.timestamp",
    );
  });

  it("error: a namespace that is not an IRI", () => {
    assert.throws(
      () => toSpdx3(bom, { namespace: "not an iri" }),
      (e: unknown) => e instanceof InputError && e.path === "namespace",
    );
  });
});
