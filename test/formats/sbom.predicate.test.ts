import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import { sbomPredicateExample, sbomPredicateSchema } from "../helpers/predicateHarness.js";
import { SBOM_PREDICATE_TYPE, parseSbomPredicate, sbomModelDigest } from "../../src/formats/predicates/sbom.js";
import { InputError } from "../../src/core/errors/input.js";

// The SBOM predicate is hostile input: every check names the path of the offending field.

const sha = (text: string) => createHash("sha256").update(text).digest("hex");
const MODEL = sha("model");

// schemas/predicates/sbom-v1.schema.json on top of the CycloneDX 1.6 schema the library ships.
const validateSchema = sbomPredicateSchema();

/** A fresh predicate as a signer would send it (plain JSON, parsed strictly). */
const predicate = (): Record<string, any> => sbomPredicateExample(MODEL);

function refused(value: unknown, path: string, message?: RegExp): void {
  assert.throws(
    () => parseSbomPredicate(value),
    (e: unknown) => {
      assert.ok(e instanceof InputError, `expected an InputError, got ${String(e)}`);
      assert.equal(e.code, "INVALID_PREDICATE");
      assert.equal(e.path, path);
      if (message) assert.match(e.shortMessage, message);
      return true;
    },
  );
}

describe("SBOM predicate", () => {
  it("default: the predicate type is the in-toto CycloneDX URI; a produced BOM parses and names its model digest", () => {
    assert.equal(SBOM_PREDICATE_TYPE, "https://cyclonedx.org/bom");
    assert.equal(sbomModelDigest(parseSbomPredicate(predicate())), MODEL);
  });

  it("behavior: upper-case hex is accepted (the schema allows it) and the digest comes back lower-case", () => {
    const p = predicate();
    p.metadata.component.hashes[0].content = MODEL.toUpperCase();
    assert.equal(sbomModelDigest(parseSbomPredicate(p)), MODEL);
  });

  it("behavior: without metadata.component, the only top-level model is the subject; base models in pedigree never count", () => {
    const p = predicate();
    const model = p.metadata.component;
    delete p.metadata.component;
    p.components.push(model);
    assert.equal(sbomModelDigest(parseSbomPredicate(p)), MODEL);
  });

  it("error: bomFormat other than CycloneDX", () => refused({ ...predicate(), bomFormat: "SPDX" }, "predicate.bomFormat"));
  it("error: specVersion 1.5 (the predicate is a CycloneDX 1.6 ML-BOM)", () => refused({ ...predicate(), specVersion: "1.5" }, "predicate.specVersion"));
  it("error: a key CycloneDX 1.6 does not define", () => refused({ ...predicate(), hyperparameters: {} }, "predicate.hyperparameters", /unknown field/));
  it("error: a serial number in upper case", () =>
    refused({ ...predicate(), serialNumber: "urn:uuid:0F8FAD5B-D9CB-469F-A165-70867728950E" }, "predicate.serialNumber"));
  it("error: components is not an array", () => refused({ ...predicate(), components: {} }, "predicate.components"));

  it("error: a component without a name", () => {
    const p = predicate();
    delete p.components[0].name;
    refused(p, "predicate.components[0].name", /required/);
  });

  it("error: a component type CycloneDX does not have", () => {
    const p = predicate();
    p.components[1].type = "weights";
    refused(p, "predicate.components[1].type");
  });

  it("error: a hash of the wrong length for its algorithm", () => {
    const p = predicate();
    p.components[1].hashes[0].content = sha("x").slice(0, 40); // 40 hex digits: a SHA-1's length, not a SHA-256's
    refused(p, "predicate.components[1].hashes[0].content", /SHA-256 hash is 64 hex digits, got 40/);
  });

  it("error: a hash that is not hex", () => {
    const p = predicate();
    p.metadata.component.hashes[0].content = `${MODEL.slice(0, 63)}g`;
    refused(p, "predicate.metadata.component.hashes[0].content");
  });

  it("error: an unknown hash algorithm", () => {
    const p = predicate();
    p.metadata.component.hashes[0].alg = "sha256";
    refused(p, "predicate.metadata.component.hashes[0].alg");
  });

  it("error: two different SHA-256 hashes on the model (which one is the subject?)", () => {
    const p = predicate();
    p.metadata.component.hashes.push({ alg: "SHA-256", content: sha("other") });
    refused(p, "predicate.metadata.component.hashes[1].content", /two different SHA-256/);
  });

  it("error: no machine-learning-model component", () => {
    const p = predicate();
    const ref = p.metadata.component["bom-ref"];
    delete p.metadata.component;
    p.dependencies = p.dependencies.filter((d: { ref: string }) => d.ref !== ref);
    refused(p, "predicate.components", /no machine-learning-model/);
  });

  it("error: two top-level models and none named as the subject", () => {
    const p = predicate();
    const model = p.metadata.component;
    delete p.metadata.component;
    const { pedigree: _, modelCard: __, ...second } = model;
    p.components.push(model, { ...second, "bom-ref": "model-2", hashes: [{ alg: "SHA-256", content: sha("other") }] });
    refused(p, "predicate.metadata.component", /ambiguous/);
  });

  it("error: the model has no SHA-256 hash", () => {
    const p = predicate();
    p.metadata.component.hashes = [{ alg: "SHA-512", content: createHash("sha512").update("m").digest("hex") }];
    refused(p, "predicate.metadata.component.hashes", /no SHA-256/);
  });

  it("error: a duplicate bom-ref", () => {
    const p = predicate();
    p.components[1]["bom-ref"] = p.components[0]["bom-ref"];
    refused(p, "predicate.components[1].bom-ref", /duplicate bom-ref/);
  });

  it("error: a dependency on a bom-ref that does not exist", () => {
    const p = predicate();
    p.dependencies[0].dependsOn = ["pkg:pypi/ghost@1.0.0"];
    refused(p, "predicate.dependencies[0].dependsOn[0]", /not the bom-ref of any component/);
  });

  it("error: a model card dataset ref that names no component", () => {
    const p = predicate();
    p.metadata.component.modelCard.modelParameters.datasets = [{ ref: "dataset:missing" }];
    refused(p, "predicate.metadata.component.modelCard.modelParameters.datasets[0].ref");
  });

  it("error: a model card on a library", () => {
    const p = predicate();
    const library = p.components.find((c: { type: string }) => c.type === "library");
    library.modelCard = {};
    refused(p, `predicate.components[${p.components.indexOf(library)}].modelCard`);
  });

  it("error: a purl that is not a package URL", () => {
    const p = predicate();
    const i = p.components.findIndex((c: { type: string }) => c.type === "library");
    p.components[i].purl = "numpy==1.26.4";
    refused(p, `predicate.components[${i}].purl`);
  });

  it("error: an expression licence next to another licence", () => {
    const p = predicate();
    p.metadata.component.licenses = [{ expression: "MIT OR Apache-2.0" }, { license: { id: "MIT" } }];
    refused(p, "predicate.metadata.component.licenses[0]");
  });

  it("error: components nested deeper than 16 levels", () => {
    const p = predicate();
    let c: Record<string, unknown> = { type: "library", name: "leaf" };
    for (let i = 0; i < 20; i++) c = { type: "library", name: `level-${i}`, components: [c] };
    p.components.push(c);
    assert.throws(
      () => parseSbomPredicate(p),
      (e: unknown) => e instanceof InputError && e.code === "INVALID_PREDICATE" && /nest deeper/.test(e.shortMessage),
    );
  });

  it("behavior: the path prefix is the caller's", () => {
    assert.throws(
      () => parseSbomPredicate({ ...predicate(), bomFormat: 1 }, "payload.predicate"),
      (e: unknown) => e instanceof InputError && e.path === "payload.predicate.bomFormat",
    );
  });
});

describe("schemas/predicates/sbom-v1.schema.json", () => {
  it("default: accepts what createModelBom writes", () => {
    assert.equal(validateSchema(predicate()), true, JSON.stringify(validateSchema.errors));
  });

  it("behavior: accepts a model that is the only top-level model, as the parser does", () => {
    const p = predicate();
    const model = p.metadata.component;
    delete p.metadata.component;
    p.components.push(model);
    assert.equal(validateSchema(p), true, JSON.stringify(validateSchema.errors));
    assert.doesNotThrow(() => parseSbomPredicate(p));
  });

  for (const [name, change] of [
    ["specVersion 1.5", (p: Record<string, any>) => (p.specVersion = "1.5")],
    [
      "no model at all",
      (p: Record<string, any>) => {
        const ref = p.metadata.component["bom-ref"];
        delete p.metadata.component;
        p.dependencies = p.dependencies.filter((d: { ref: string }) => d.ref !== ref);
      },
    ],
    ["a model without a SHA-256", (p: Record<string, any>) => (p.metadata.component.hashes = [{ alg: "SHA-1", content: "a".repeat(40) }])],
    ["a key CycloneDX 1.6 does not define", (p: Record<string, any>) => (p.hyperparameters = {})],
    ["a hash that is not hex", (p: Record<string, any>) => (p.metadata.component.hashes[0].content = "z".repeat(64))],
  ] as const)
    it(`error: the schema and the parser both refuse ${name}`, () => {
      const p = predicate();
      change(p);
      assert.equal(validateSchema(p), false);
      assert.throws(
        () => parseSbomPredicate(p),
        (e: unknown) => e instanceof InputError && e.code === "INVALID_PREDICATE",
      );
    });
});
