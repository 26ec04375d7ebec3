import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import fc from "fast-check";
import type { InputErrorCode } from "../../src/core/errors/input.js";
import { type AnySpec, parseSpec, s } from "../../src/core/spec/spec.js";
import { receiptSpec } from "../../src/formats/receipt.js";
import { recordV2Spec } from "../../src/formats/record.js";
import { offlineKitSpec } from "../../src/formats/offlineKit.js";
import { APPROVAL_PREDICATE_TYPE, approvalSpec } from "../../src/formats/predicates/approval.js";
import { DATASET_PREDICATE_TYPE, datasetSpec } from "../../src/formats/predicates/dataset.js";
import { DEPLOYMENT_PREDICATE_TYPE, deploymentSpec } from "../../src/formats/predicates/deployment.js";
import { environmentSpec } from "../../src/formats/predicates/environment.js";
import { EVALUATION_PREDICATE_TYPE, evaluationSpec } from "../../src/formats/predicates/evaluation.js";
import { modelManifestSpec, modelManifestSpecV1 } from "../../src/formats/predicates/modelManifest.js";
import { MODEL_UPDATE_PREDICATE_TYPE, modelUpdateSpec } from "../../src/formats/predicates/modelUpdate.js";
import { MODEL_WATERMARK_PREDICATE_TYPE, modelWatermarkSpec } from "../../src/formats/predicates/modelWatermark.js";
import { REVOCATION_PREDICATE_TYPE, revocationSpec } from "../../src/formats/predicates/revocation.js";
import { TRAINING_RUN_PREDICATE_TYPE, trainingRunSpec } from "../../src/formats/predicates/trainingRun.js";
import { pathsOf, predicateVectors, replaced } from "../helpers/predicateHarness.js";
import { referenceParseSpec } from "../helpers/referenceSpec.js";

// The spec engine runs compiled closures, first without building paths; any refusal is made again
// by an exact pass. Its results and refusals must be the ones the plain interpreter it replaced
// gives (test/helpers/referenceSpec.ts): same error class, code, path and message, same value.

const json = (file: string) => JSON.parse(readFileSync(new URL(file, import.meta.url), "utf8"));
const vectors = predicateVectors();
const manifest = (version: 1 | 2) => json(`../vectors/model-manifest-predicate-v${version}.json`).models[0].expected[0].predicate;

const CASES: readonly { readonly name: string; readonly spec: AnySpec; readonly value: unknown; readonly path: string; readonly code: InputErrorCode }[] = [
  ...(
    [
      [APPROVAL_PREDICATE_TYPE, approvalSpec],
      [DATASET_PREDICATE_TYPE, datasetSpec],
      [DEPLOYMENT_PREDICATE_TYPE, deploymentSpec],
      [EVALUATION_PREDICATE_TYPE, evaluationSpec],
      [MODEL_UPDATE_PREDICATE_TYPE, modelUpdateSpec],
      [MODEL_WATERMARK_PREDICATE_TYPE, modelWatermarkSpec],
      [REVOCATION_PREDICATE_TYPE, revocationSpec],
      [TRAINING_RUN_PREDICATE_TYPE, trainingRunSpec],
    ] as const
  ).map(([type, spec]) => ({ name: type, spec, value: vectors[type], path: "predicate", code: "INVALID_PREDICATE" as const })),
  {
    name: "environment",
    spec: environmentSpec,
    value: json("../fixtures/environment/environment-v1.example.json"),
    path: "predicate",
    code: "INVALID_PREDICATE",
  },
  { name: "model-manifest v2", spec: modelManifestSpec, value: manifest(2), path: "predicate", code: "INVALID_PREDICATE" },
  { name: "model-manifest v1", spec: modelManifestSpecV1, value: manifest(1), path: "predicate", code: "INVALID_PREDICATE" },
  {
    name: "receipt (an envelope: custom nodes parsing again)",
    spec: receiptSpec,
    value: json("../vectors/receipt-v1.json").receipt,
    path: "receipt",
    code: "INVALID_RECEIPT",
  },
  ...json("../vectors/record-v2.json")
    .records.slice(0, 3)
    .map((r: { record: unknown }, i: number) => ({ name: `record-v2 #${i}`, spec: recordV2Spec, value: r.record, path: "record", code: "INVALID_RECORD" })),
  { name: "offline kit", spec: offlineKitSpec, value: json("../vectors/offline-kit-v1.json").bundle.offlineKit, path: "offlineKit", code: "INVALID_BUNDLE" },
];

type Outcome =
  | { readonly value: unknown }
  | { readonly error: { readonly class: string; readonly code: unknown; readonly path: unknown; readonly message: string } };

function outcome(run: () => unknown): Outcome {
  try {
    return { value: run() };
  } catch (e) {
    const error = e as { constructor: { name: string }; code?: unknown; path?: unknown; message: string };
    return { error: { class: error.constructor.name, code: error.code, path: error.path, message: error.message } };
  }
}

// Hostile replacements beside fast-check's JSON values: wrong types, control characters, lone
// surrogates, numbers at and beyond 2^53, keys that are prototypes, deep nesting.
const hostile = fc.constantFrom<unknown>(
  "",
  "x\u0000y",
  "\u202e",
  "\ud800",
  " padded ",
  "a".repeat(5000),
  -1,
  0.5,
  2 ** 53,
  Number.MAX_SAFE_INTEGER,
  Number.NaN,
  [],
  {},
  { __proto__: null, x: 1 },
  JSON.parse('{"__proto__":{"polluted":true}}'),
  [[[[[[[[[[[]]]]]]]]]]],
  null,
  true,
);

describe("spec engine: compiled closures with a first pass without paths", () => {
  for (const c of CASES)
    it(`behavior: ${c.name}: the same value or the same refusal (class, code, path, message) as the plain interpreter, for any value replaced anywhere (property)`, () => {
      assert.ok(c.value !== undefined, "the vector exists");
      const paths = pathsOf(c.value);
      assert.deepEqual(
        outcome(() => parseSpec(c.spec, c.value, c.path, c.code)),
        { value: referenceParseSpec(c.spec, c.value, c.path, c.code) },
      );
      fc.assert(
        fc.property(fc.constantFrom(...paths), fc.option(fc.oneof(fc.jsonValue(), hostile), { nil: undefined }), (path, replacement) => {
          const input = replaced(c.value, path, replacement);
          assert.deepEqual(
            outcome(() => parseSpec(c.spec, input, c.path, c.code)),
            outcome(() => referenceParseSpec(c.spec, input, c.path, c.code)),
          );
        }),
        { numRuns: 300 },
      );
    });

  it("behavior: a refusal costs at most one more pass, however deep custom nodes parse again (no doubling per level)", () => {
    let calls = 0;
    const leaf = s.object({ n: s.integer(0, 9) });
    const level = (inner: AnySpec) =>
      s.object({
        inner: s.custom(
          (value, path, code) => {
            calls++;
            return parseSpec(inner, value, path, code);
          },
          {},
          "x",
        ),
      });
    const spec = level(level(level(leaf)));
    const value = { inner: { inner: { inner: { n: 3 } } } };
    assert.deepEqual(parseSpec(spec, value, "v", "INVALID_RECORD"), value);
    assert.equal(calls, 3, "accepted: one pass");
    calls = 0;
    assert.throws(
      () => parseSpec(spec, { inner: { inner: { inner: { n: 10 } } } }, "v", "INVALID_RECORD"),
      (e: { path?: string; message: string }) => e.path === "v.inner.inner.inner.n" && /from 0 to 9, got 10/.test(e.message),
    );
    assert.equal(calls, 6, "refused: the fast pass and the exact one");
  });

  it("behavior: a refinement refusing in the first pass is refused with its exact path and message", () => {
    const spec = s.object({ list: s.array(s.object({ k: s.string() })).refine((items, fail) => items.length < 2 || fail("[1].k", "too many")) });
    assert.throws(
      () => parseSpec(spec, { list: [{ k: "a" }, { k: "b" }] }, "doc", "INVALID_RECORD"),
      (e: { path?: string; message: string; code?: string }) => e.path === "doc.list[1].k" && e.code === "INVALID_RECORD" && e.message.includes("too many"),
    );
  });
});
