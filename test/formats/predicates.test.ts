import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import fc from "fast-check";
import type { ValidateFunction } from "ajv/dist/2020.js";
import {
  type PredicateSchemaName,
  pathsOf,
  pathText,
  predicateSchema,
  predicateVectors,
  refusedBy,
  replaced,
  sbomPredicateExample,
  sbomPredicateSchema,
  specObjects,
} from "../helpers/predicateHarness.js";
import type { AnySpec } from "../../src/core/spec/spec.js";
import { APPROVAL_PREDICATE_TYPE, approvalSpec } from "../../src/formats/predicates/approval.js";
import { DATASET_PREDICATE_TYPE, datasetSpec } from "../../src/formats/predicates/dataset.js";
import { DEPLOYMENT_PREDICATE_TYPE, deploymentSpec } from "../../src/formats/predicates/deployment.js";
import { EVALUATION_PREDICATE_TYPE, evaluationSpec } from "../../src/formats/predicates/evaluation.js";
import { MODEL_UPDATE_PREDICATE_TYPE, modelUpdateSpec } from "../../src/formats/predicates/modelUpdate.js";
import { MODEL_WATERMARK_PREDICATE_TYPE, modelWatermarkSpec } from "../../src/formats/predicates/modelWatermark.js";
import { REVOCATION_PREDICATE_TYPE, revocationSpec } from "../../src/formats/predicates/revocation.js";
import { SBOM_PREDICATE_TYPE } from "../../src/formats/predicates/sbom.js";
import { ENVIRONMENT_PREDICATE_TYPE, environmentSpec } from "../../src/formats/predicates/environment.js";
import { TRAINING_RUN_PREDICATE_TYPE, trainingRunSpec } from "../../src/formats/predicates/trainingRun.js";
import {
  MODEL_MANIFEST_PREDICATE_TYPE,
  MODEL_MANIFEST_PREDICATE_TYPE_V1,
  modelManifestSpec,
  modelManifestSpecV1,
} from "../../src/formats/predicates/modelManifest.js";
import { PREDICATE_PARSERS, parsePredicate } from "../../src/formats/predicates/index.js";
import { canonicalJson } from "../../src/core/canonicalJson.js";
import { InputError } from "../../src/core/errors/input.js";

// What every predicate shares, table-driven over one example each (the frozen vectors of
// test/vectors/predicates-v1.json, and the other predicates' own): the example parses to itself and
// its schema accepts it; the parser returns a fresh copy; any value anywhere is accepted by both
// parser and schema or refused with INVALID_PREDICATE; a non-object is refused at the caller's path;
// for a predicate declared by a spec, every required field and every closed object, read from the
// spec. Each predicate's own rules stay in its own test file.
const SCHEMAS: Readonly<Record<string, PredicateSchemaName>> = {
  "https://slsa.dev/provenance/v1": "training-run",
  "https://provenance-ledger.dev/dataset/v1": "dataset",
  "https://provenance-ledger.dev/evaluation/v1": "evaluation",
  "https://provenance-ledger.dev/approval/v1": "approval",
  "https://provenance-ledger.dev/deployment/v1": "deployment",
  "https://provenance-ledger.dev/model-update/v1": "model-update",
  "https://provenance-ledger.dev/revocation/v1": "revocation",
  "https://provenance-ledger.dev/model-watermark/v1": "model-watermark",
};

// The predicates declared by a spec (src/core/spec/): the rules every object of a spec shares are
// tested from the spec itself, at every object of the example.
const SPECS: Readonly<Record<string, AnySpec>> = {
  [APPROVAL_PREDICATE_TYPE]: approvalSpec,
  [DATASET_PREDICATE_TYPE]: datasetSpec,
  [DEPLOYMENT_PREDICATE_TYPE]: deploymentSpec,
  [EVALUATION_PREDICATE_TYPE]: evaluationSpec,
  [MODEL_UPDATE_PREDICATE_TYPE]: modelUpdateSpec,
  [MODEL_WATERMARK_PREDICATE_TYPE]: modelWatermarkSpec,
  [REVOCATION_PREDICATE_TYPE]: revocationSpec,
  [ENVIRONMENT_PREDICATE_TYPE]: environmentSpec,
  [TRAINING_RUN_PREDICATE_TYPE]: trainingRunSpec,
  [MODEL_MANIFEST_PREDICATE_TYPE]: modelManifestSpec,
  [MODEL_MANIFEST_PREDICATE_TYPE_V1]: modelManifestSpecV1,
};

/** The first predicate of a model-manifest vector file (test/vectors/model-manifest-predicate-v<version>.json). */
function modelManifestVector(version: 1 | 2): unknown {
  const file = JSON.parse(readFileSync(new URL(`../vectors/model-manifest-predicate-v${version}.json`, import.meta.url), "utf8"));
  return file.models[0].expected[0].predicate;
}

/** One predicate the shared rules run on. */
type Case = {
  readonly name: string;
  readonly type: string;
  readonly validateSchema: ValidateFunction;
  readonly example: unknown;
  /** The parser returns a fresh copy (false: the CycloneDX parser returns the document it checked). */
  readonly copies?: false;
  /**
   * The parser checks every value it returns, so a mutation anywhere is refused or accepted by both
   * parser and schema (false for the SBOM: the CycloneDX parser checks the parts this project reads,
   * and the CycloneDX schema checks more, such as dates in metadata.tools).
   */
  readonly checksEveryValue?: false;
};

const vectors = predicateVectors();
const CASES: readonly Case[] = [
  ...Object.entries(SCHEMAS).map(([type, name]) => ({ name, type, validateSchema: predicateSchema(name), example: vectors[type] })),
  {
    name: "environment",
    type: ENVIRONMENT_PREDICATE_TYPE,
    validateSchema: predicateSchema("environment"),
    example: JSON.parse(readFileSync(new URL("../fixtures/environment/environment-v1.example.json", import.meta.url), "utf8")),
  },
  { name: "model-manifest", type: MODEL_MANIFEST_PREDICATE_TYPE, validateSchema: predicateSchema("model-manifest", 2), example: modelManifestVector(2) },
  { name: "model-manifest v1", type: MODEL_MANIFEST_PREDICATE_TYPE_V1, validateSchema: predicateSchema("model-manifest", 1), example: modelManifestVector(1) },
  {
    name: "sbom",
    type: SBOM_PREDICATE_TYPE,
    validateSchema: sbomPredicateSchema(),
    example: sbomPredicateExample(),
    copies: false,
    checksEveryValue: false,
  },
];

/** Every object and array inside `parsed` is a new one, not the input's at the same place. */
function assertFresh(parsed: unknown, input: unknown, at = "predicate"): void {
  if (parsed === null || typeof parsed !== "object") return;
  assert.notEqual(parsed, input, `${at} is a fresh copy`);
  for (const [key, child] of Object.entries(parsed)) assertFresh(child, (input as Record<string, unknown>)[key], `${at}.${key}`);
}

describe("every predicate (shared rules)", () => {
  it("default: one frozen vector per predicate type with a schema", () => {
    assert.deepEqual(Object.keys(vectors).sort(), Object.keys(SCHEMAS).sort());
    for (const { type } of CASES) assert.ok(Object.hasOwn(PREDICATE_PARSERS, type), `${type} is registered`);
  });

  for (const { name, type, validateSchema, example: vector, copies = true, checksEveryValue = true } of CASES) {
    const parse = (value: unknown, path?: string) => PREDICATE_PARSERS[type]!(value, path ?? "predicate");
    const refused = refusedBy(parse, validateSchema);

    describe(name, () => {
      it("default: the frozen vector parses to itself, and its schema accepts it", () => {
        assert.equal(validateSchema(vector), true, JSON.stringify(validateSchema.errors));
        assert.deepEqual(parse(vector), vector);
        assert.equal(canonicalJson(parse(vector)), canonicalJson(vector));
        assert.deepEqual(parsePredicate(type, vector), vector, "registered with the other predicates");
      });

      if (copies)
        it("behavior: returns a fresh copy", () => {
          const input = structuredClone(vector);
          assertFresh(parse(input), input);
        });

      if (checksEveryValue)
        it("behavior: whatever the parser accepts, the schema accepts; refusals are INVALID_PREDICATE (property)", () => {
          fc.assert(
            fc.property(fc.constantFrom(...pathsOf(vector)), fc.option(fc.jsonValue(), { nil: undefined }), (path, replacement) => {
              const input = replaced(vector, path, replacement);
              let parsed: unknown;
              try {
                parsed = parse(input);
              } catch (e) {
                assert.ok(e instanceof InputError && e.code === "INVALID_PREDICATE" && e.path?.startsWith("predicate"), String(e));
                return;
              }
              assert.equal(validateSchema(input), true, `${JSON.stringify(input)}: ${JSON.stringify(validateSchema.errors)}`);
              assert.equal(canonicalJson(parsed), canonicalJson(input), "nothing dropped, nothing added");
            }),
          );
        });

      const spec = SPECS[type];
      if (spec !== undefined) {
        it("error: every field its spec requires, missing, is named, at any depth (parser and schema)", () => {
          const objects = specObjects(spec, vector);
          assert.ok(objects.length > 1, "the vector has nested objects");
          for (const { path, required } of objects)
            for (const field of required) refused(replaced(vector, [...path, field], undefined), pathText([...path, field]));
        });

        it("error: an unknown field in any closed object of its spec is named (parser and schema)", () => {
          for (const { path, open } of specObjects(spec, vector))
            if (!open) refused(replaced(vector, [...path, "unknownField"], "x"), pathText([...path, "unknownField"]));
        });
      }

      it("error: not an object, at the caller's path", () => {
        for (const value of [null, [], name, 0, 1, true, false]) refused(value, "predicate");
        assert.throws(
          () => parse(null, "statement.predicate"),
          (e: unknown) => e instanceof InputError && e.path === "statement.predicate",
        );
      });
    });
  }
});
