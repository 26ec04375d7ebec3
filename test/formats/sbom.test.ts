import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Spec, Validation } from "@cyclonedx/cyclonedx-library";
import { parseSbomPredicate, sbomModelDigest } from "../../src/formats/predicates/sbom.js";
import { InputError } from "../../src/core/errors/input.js";
import { hashModel } from "../../src/local/hashing/hashModel.js";
import type { ModelDigest } from "../../src/formats/model/modelManifest.js";
import { parseJson } from "../../src/core/parseJson.js";
import { HYPERPARAMETER_PROPERTY_PREFIX } from "../../src/formats/sbom/bomPropertyNames.js";
import { type CreateModelBomParameters, type ModelBom, createModelBom } from "../../src/formats/sbom/createModelBom.js";
import type { SoftwarePackage } from "../../src/formats/sbom/softwarePackage.js";

// The ML-BOM of a small generated model and dataset, checked against the CycloneDX 1.6 JSON
// schema the library ships (its strict validator: ajv + ajv-formats + ajv-formats-draft2019).

const scratch = mkdtempSync(join(tmpdir(), "sbom-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

const validator = new Validation.JsonStrictValidator(Spec.Version.v1dot6);

/** Schema errors of a BOM, or null; the text is what is validated, as a verifier would receive it. */
async function schemaErrors(bom: unknown): Promise<unknown> {
  return validator.validate(JSON.stringify(bom));
}

const sha = (text: string) => createHash("sha256").update(text).digest("hex");

const NUMPY: SoftwarePackage = {
  name: "numpy",
  version: "1.26.4",
  purl: "pkg:pypi/numpy@1.26.4",
  type: "library",
  hashes: [{ alg: "SHA-256", content: sha("numpy RECORD") }],
  licenses: ["BSD-3-Clause"],
  foundBy: "python-environment",
  hashOf: "RECORD",
};
const EXPRESS: SoftwarePackage = {
  name: "express",
  version: "4.19.2",
  purl: "pkg:npm/express@4.19.2",
  type: "library",
  hashes: [{ alg: "SHA-512", content: createHash("sha512").update("express").digest("hex") }],
  licenses: ["MIT"],
  foundBy: "npm-tree",
};

let model: ModelDigest;
let dataset: ModelDigest;
let parameters: CreateModelBomParameters;

before(async () => {
  const modelDir = join(scratch, "detector");
  mkdirSync(join(modelDir, "weights"), { recursive: true });
  writeFileSync(join(modelDir, "config.json"), '{"architectures":["YolosForObjectDetection"]}');
  writeFileSync(join(modelDir, "weights", "model.safetensors"), Buffer.alloc(4096, 7));
  const datasetFile = join(scratch, "train.jsonl");
  writeFileSync(datasetFile, '{"image":"a.jpg","label":1}\n{"image":"b.jpg","label":0}\n');
  model = await hashModel(modelDir);
  dataset = await hashModel(datasetFile);
  parameters = {
    model: { name: "acme/detector", version: "1.2.0", digest: model, license: "Apache-2.0" },
    modelCard: {
      approach: "supervised",
      task: "object-detection",
      architectureFamily: "transformer",
      modelArchitecture: "YolosForObjectDetection",
      inputs: ["image"],
      outputs: ["bounding-boxes"],
    },
    hyperparameters: { learning_rate: 0.0003, epochs: 30, optimizer: "adamw", mixed_precision: true },
    datasets: [{ name: "acme-street-scenes", version: "2026-10", digest: dataset, license: "CC-BY-4.0" }],
    baseModels: [{ name: "hustvl/yolos-small", version: "main", sha256: sha("yolos-small") }],
    software: [NUMPY, EXPRESS],
    serialNumber: "urn:uuid:0f8fad5b-d9cb-469f-a165-70867728950e",
    timestamp: new Date("2026-11-24T13:45:00.000Z"),
  };
});

describe("createModelBom", () => {
  it("default: a small model with a dataset, a base model and software validates against the CycloneDX 1.6 schema", async () => {
    const bom = createModelBom(parameters);
    assert.equal(await schemaErrors(bom), null);
    assert.equal(bom.bomFormat, "CycloneDX");
    assert.equal(bom.specVersion, "1.6");
    assert.equal(bom.serialNumber, "urn:uuid:0f8fad5b-d9cb-469f-a165-70867728950e");
    assert.equal(bom.metadata.timestamp, "2026-11-24T13:45:00.000Z");
    assert.deepEqual(bom.metadata.tools, { components: [{ type: "application", name: "provenance-ledger", version: "0.1.0" }] });
  });

  it("behavior: the model is metadata.component with the digest hashModel computed and how it was computed", () => {
    const m = createModelBom(parameters).metadata.component;
    assert.equal(m.type, "machine-learning-model");
    assert.equal(m.name, "acme/detector");
    assert.equal(m.version, "1.2.0");
    assert.deepEqual(m.hashes, [{ alg: "SHA-256", content: model.sha256 }]);
    assert.deepEqual(m.licenses, [{ license: { id: "Apache-2.0" } }]);
    assert.deepEqual(m.properties, [
      { name: "provenance-ledger:files", value: "2" },
      { name: "provenance-ledger:hashing", value: "provenance-model-manifest-v2" },
      { name: "provenance-ledger:size", value: String(model.size) },
    ]);
  });

  it("behavior: the model card holds approach, task, architecture, datasets by bom-ref, formats and hyperparameters as properties", () => {
    const bom = createModelBom(parameters);
    const datasetRef = bom.components?.find((c) => c.type === "data")?.["bom-ref"];
    assert.equal(datasetRef, `dataset:sha256:${dataset.sha256}`);
    assert.deepEqual(bom.metadata.component.modelCard, {
      modelParameters: {
        approach: { type: "supervised" },
        task: "object-detection",
        architectureFamily: "transformer",
        modelArchitecture: "YolosForObjectDetection",
        datasets: [{ ref: datasetRef }],
        inputs: [{ format: "image" }],
        outputs: [{ format: "bounding-boxes" }],
      },
      properties: [
        { name: `${HYPERPARAMETER_PROPERTY_PREFIX}epochs`, value: "30" },
        { name: `${HYPERPARAMETER_PROPERTY_PREFIX}learning_rate`, value: "0.0003" },
        { name: `${HYPERPARAMETER_PROPERTY_PREFIX}mixed_precision`, value: "true" },
        { name: `${HYPERPARAMETER_PROPERTY_PREFIX}optimizer`, value: "adamw" },
      ],
    });
  });

  it("behavior: a dataset is a data component with its SHA-256 and a dataset entry", () => {
    const data = createModelBom(parameters).components?.filter((c) => c.type === "data");
    assert.deepEqual(data, [
      {
        type: "data",
        name: "acme-street-scenes",
        version: "2026-10",
        "bom-ref": `dataset:sha256:${dataset.sha256}`,
        hashes: [{ alg: "SHA-256", content: dataset.sha256 }],
        licenses: [{ license: { id: "CC-BY-4.0" } }],
        properties: [
          { name: "provenance-ledger:files", value: "1" },
          { name: "provenance-ledger:hashing", value: "sha256" },
          { name: "provenance-ledger:size", value: String(dataset.size) },
        ],
        data: [{ type: "dataset", name: "acme-street-scenes" }],
      },
    ]);
  });

  it("behavior: the base model is a pedigree ancestor of the model, not a component", () => {
    const bom = createModelBom(parameters);
    assert.deepEqual(bom.metadata.component.pedigree, {
      ancestors: [
        {
          type: "machine-learning-model",
          name: "hustvl/yolos-small",
          version: "main",
          "bom-ref": `base-model:sha256:${sha("yolos-small")}`,
          hashes: [{ alg: "SHA-256", content: sha("yolos-small") }],
        },
      ],
    });
    assert.equal(bom.components?.filter((c) => c.type === "machine-learning-model").length, 0);
  });

  it("behavior: software keeps version, purl, hashes, licence and where it was found; the model depends on software and data", () => {
    const bom = createModelBom(parameters);
    const numpy = bom.components?.find((c) => c.name === "numpy");
    assert.deepEqual(numpy, {
      type: "library",
      name: "numpy",
      version: "1.26.4",
      "bom-ref": "pkg:pypi/numpy@1.26.4",
      hashes: [{ alg: "SHA-256", content: NUMPY.hashes[0]!.content }],
      licenses: [{ license: { id: "BSD-3-Clause" } }],
      purl: "pkg:pypi/numpy@1.26.4",
      properties: [
        { name: "provenance-ledger:found-by", value: "python-environment" },
        { name: "provenance-ledger:hash-of", value: "RECORD" },
      ],
    });
    const modelEntry = bom.dependencies?.find((d) => d.ref === bom.metadata.component["bom-ref"]);
    assert.deepEqual([...(modelEntry?.dependsOn ?? [])].sort(), [`dataset:sha256:${dataset.sha256}`, "pkg:npm/express@4.19.2", "pkg:pypi/numpy@1.26.4"]);
  });

  it("behavior: the same parameters give the same document (lists sorted, nothing random once serial and time are fixed)", () => {
    assert.equal(JSON.stringify(createModelBom(parameters)), JSON.stringify(createModelBom({ ...parameters, software: [EXPRESS, NUMPY] })));
  });

  it("behavior: serialNumber and timestamp default to a random urn:uuid and now", () => {
    const before = Date.now();
    const a = createModelBom({ model: { name: "m", digest: { sha256: model.sha256 } } });
    const b = createModelBom({ model: { name: "m", digest: { sha256: model.sha256 } } });
    assert.match(a.serialNumber!, /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.notEqual(a.serialNumber, b.serialNumber);
    assert.ok(Date.parse(a.metadata.timestamp!) >= before - 1);
    assert.equal(a.metadata.component.version, "unversioned");
    assert.equal(a.metadata.component.modelCard, undefined, "no model card without model-card parameters");
  });

  it("behavior: a minimal BOM (model only) validates too", async () => {
    assert.equal(await schemaErrors(createModelBom({ model: { name: "m", digest: { sha256: model.sha256 } } })), null);
  });

  it("behavior: one purl found twice merges; disagreeing hashes or hashes of different things stay apart", async () => {
    const fromSbom: SoftwarePackage = {
      ...NUMPY,
      hashes: [{ alg: "SHA-512", content: createHash("sha512").update("numpy wheel").digest("hex") }],
      foundBy: "cyclonedx-sbom",
    };
    const { hashOf: _, ...withoutHashOf } = fromSbom;
    const merged = createModelBom({ ...parameters, software: [NUMPY, { ...NUMPY, foundBy: "spdx-sbom", licenses: [] }] });
    const numpys = merged.components?.filter((c) => c.name === "numpy") ?? [];
    assert.equal(numpys.length, 1);
    assert.deepEqual(
      numpys[0]!.properties?.filter((p) => p.name === "provenance-ledger:found-by").map((p) => p.value),
      ["python-environment", "spdx-sbom"],
    );

    const apart = createModelBom({ ...parameters, software: [NUMPY, withoutHashOf] });
    const refs = apart.components?.filter((c) => c.name === "numpy").map((c) => c["bom-ref"]);
    assert.deepEqual(refs?.sort(), ["pkg:pypi/numpy@1.26.4", "pkg:pypi/numpy@1.26.4#2"]);
    assert.equal(await schemaErrors(apart), null);
  });

  it("behavior: a licence expression is an expression; names stay names", () => {
    const bom = createModelBom({
      ...parameters,
      software: [
        { ...EXPRESS, licenses: ["Apache-2.0 OR MIT"] },
        { ...NUMPY, licenses: ["BSD License", "MIT"] },
      ],
    });
    assert.deepEqual(bom.components?.find((c) => c.name === "express")?.licenses, [{ expression: "Apache-2.0 OR MIT" }]);
    assert.deepEqual(bom.components?.find((c) => c.name === "numpy")?.licenses, [{ license: { name: "BSD License" } }, { license: { id: "MIT" } }]);
  });

  it("behavior: what createModelBom writes is a valid SBOM predicate whose model digest is the model's", () => {
    const text = JSON.stringify(createModelBom(parameters));
    const predicate = parseSbomPredicate(parseJson(text));
    assert.equal(sbomModelDigest(predicate), model.sha256);
  });

  for (const [name, change, path] of [
    ["a model digest that is not 64 hex digits", { model: { name: "m", digest: { sha256: "abc" } } }, "model.digest.sha256"],
    ["an empty model name", { model: { name: "", digest: { sha256: "a".repeat(64) } } }, "model.name"],
    ["a serial number that is not a urn:uuid", { serialNumber: "urn:uuid:NOT-A-UUID" }, "serialNumber"],
    ["an unknown learning approach", { modelCard: { approach: "guesswork" as never } }, "modelCard.approach"],
    ["a hyperparameter name with a space", { hyperparameters: { "learning rate": 1 } }, 'hyperparameters["learning rate"]'],
    ["a hyperparameter that is not finite", { hyperparameters: { lr: Number.NaN } }, "hyperparameters.lr"],
    ["a dataset without a digest", { datasets: [{ name: "d", digest: {} as never }] }, "datasets[0].digest.sha256"],
    [
      "a software hash in upper case",
      { software: [{ ...NUMPY, hashes: [{ alg: "SHA-256" as const, content: "A".repeat(64) }] }] },
      "software[0].hashes[0].content",
    ],
  ] as const)
    it(`error: ${name} is INVALID_ARGUMENT naming ${path}`, () => {
      assert.throws(
        () => createModelBom({ ...parameters, ...(change as Partial<CreateModelBomParameters>) }),
        (e: unknown) => e instanceof InputError && e.code === "INVALID_ARGUMENT" && e.path === path,
      );
    });
});

describe("CycloneDX 1.6 schema (the validator itself)", () => {
  it("behavior: the validator does refuse a BOM this project would never write", async () => {
    const bom = createModelBom(parameters) as ModelBom & Record<string, unknown>;
    const broken = { ...bom, metadata: { ...bom.metadata, component: { ...bom.metadata.component, hashes: [{ alg: "SHA-256", content: "xyz" }] } } };
    assert.notEqual(await schemaErrors(broken), null);
    assert.notEqual(await schemaErrors({ ...bom, hyperparameters: {} }), null, "unknown top-level keys are refused by the schema");
  });
});
