import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { predicateCase, refusedToCreate } from "../helpers/predicateHarness.js";
import {
  EVALUATION_PREDICATE_TYPE,
  type EvaluationMetric,
  createEvaluationPredicate,
  evaluationPasses,
  parseEvaluationPredicate,
} from "../../src/formats/predicates/evaluation.js";

const HOLDOUT = "40233cbf0f4dc67c313da430779d573e0d1b24c4a4b288b4e7a69a88bd20bbf3";

const example = createEvaluationPredicate({
  dataset: { name: "acme/claims-holdout-2026q3", digest: { sha256: HOLDOUT } },
  metrics: [
    { name: "accuracy", value: 0.931, unit: "ratio", threshold: { operator: ">=", value: 0.9 } },
    { name: "f1-macro", value: 0.902, unit: "ratio" },
    { name: "false-positive-rate/age-65+", value: 0.041, unit: "ratio", threshold: { operator: "<=", value: 0.05 } },
    { name: "latency-p95", value: 84, unit: "ms", threshold: { operator: "<", value: 100 } },
  ],
  evaluator: { name: "lm-evaluation-harness", version: "0.4.5" },
  evaluatedAt: new Date("2026-11-22T10:00:00Z"),
});

const { validateSchema, tampered, refusedAt, refusedEach } = predicateCase("evaluation", EVALUATION_PREDICATE_TYPE, parseEvaluationPredicate, example);

const metric = (value: number, operator: ">=" | ">" | "<=" | "<", bound: number): EvaluationMetric => ({
  name: "m",
  value,
  threshold: { operator, value: bound },
});

describe("evaluation predicate", () => {
  it("default", () => {
    assert.equal(example.passed, true);
  });

  it("behavior: createEvaluationPredicate computes passed, so a failing evaluation is recorded as failed", () => {
    const failed = createEvaluationPredicate({
      dataset: example.dataset,
      metrics: [...example.metrics, { name: "toxicity", value: 0.12, threshold: { operator: "<", value: 0.1 } }],
      evaluatedAt: new Date("2026-11-22T10:00:00Z"),
    });
    assert.equal(failed.passed, false);
    assert.equal(evaluationPasses(failed), false);
    assert.equal(validateSchema(failed), true);
  });

  it("behavior: evaluationPasses compares with each operator, bounds included or not", () => {
    assert.equal(evaluationPasses({ metrics: [metric(0.9, ">=", 0.9)] }), true);
    assert.equal(evaluationPasses({ metrics: [metric(0.9, ">", 0.9)] }), false);
    assert.equal(evaluationPasses({ metrics: [metric(0.9, "<=", 0.9)] }), true);
    assert.equal(evaluationPasses({ metrics: [metric(0.9, "<", 0.9)] }), false);
    assert.equal(evaluationPasses({ metrics: [metric(-1, "<", 0)] }), true);
    assert.equal(evaluationPasses({ metrics: [{ name: "reported only", value: 0 }] }), true, "a metric without a threshold is not judged");
  });

  it("behavior: accepts extra digest algorithms, fractional seconds and a metric without unit", () => {
    const input = tampered((p) => {
      p.dataset.digest.sha512 = "ab".repeat(64);
      p.evaluatedAt = "2026-11-22T10:00:00.123456789Z";
      delete p.metrics[1].unit;
      delete p.evaluator;
    });
    assert.deepEqual(parseEvaluationPredicate(input), input);
    assert.equal(validateSchema(input), true, JSON.stringify(validateSchema.errors));
  });

  it("behavior: passed always equals evaluationPasses for created predicates (property)", () => {
    const operator = fc.constantFrom(">=" as const, ">" as const, "<=" as const, "<" as const);
    const value = fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 });
    const metricArbitrary = fc.record({ value, threshold: fc.option(fc.record({ operator, value }), { nil: undefined }) });
    fc.assert(
      fc.property(fc.array(metricArbitrary, { minLength: 1, maxLength: 8 }), (drawn) => {
        const metrics = drawn.map(({ value, threshold }, i) => ({ name: `m${i}`, value, ...(threshold === undefined ? {} : { threshold }) }));
        const predicate = createEvaluationPredicate({ dataset: example.dataset, metrics, evaluatedAt: new Date(0) });
        assert.equal(predicate.passed, evaluationPasses({ metrics }));
        assert.equal(validateSchema(predicate), true, JSON.stringify(validateSchema.errors));
      }),
    );
  });

  it("error: unknown fields, at any depth", () => {
    refusedEach([
      ["score", 0.93],
      ["dataset.uri", "https://example.org/holdout"],
      ["metrics[2].stddev", 0.01],
      ["metrics[0].threshold.inclusive", true],
      ["evaluator.url", "https://example.org"],
    ]);
  });

  it("error: wrong types", () => {
    refusedAt("metrics[2].value", ["0.041", Number.NaN]);
    refusedAt("metrics[0].threshold.value", [null, -1e300]);
    refusedAt("metrics[1].value", [2 ** 53]);
    refusedAt("passed", ["true"]);
    refusedAt("metrics", [{ accuracy: 0.9 }]);
    refusedAt("metrics[1].name", [""]);
    refusedAt("evaluator.version", [4]);
  });

  it("error: a bad dataset digest", () => {
    refusedAt("dataset.digest.sha256", [HOLDOUT.toUpperCase(), `0x${HOLDOUT}`, HOLDOUT.slice(1), 7]);
    refusedEach([
      ["dataset.digest", { sha512: "ab".repeat(64) }, "dataset.digest.sha256"],
      ["dataset.digest.SHA512", "ab"],
    ]);
  });

  it("error: a bad timestamp", () => {
    refusedAt("evaluatedAt", [
      "2026-11-22 10:00:00Z",
      "2026-11-22T10:00:00+01:00",
      "2026-11-22T10:00:00",
      "2026-02-30T10:00:00Z",
      "2026-11-22T24:00:00Z",
      1_764_000_000,
    ]);
    refusedToCreate(
      () => createEvaluationPredicate({ dataset: example.dataset, metrics: example.metrics, evaluatedAt: new Date("not a date") }),
      "predicate.evaluatedAt",
    );
  });

  it("error: no metrics, too many, or an unknown operator", () => {
    refusedAt("metrics", [[], Array.from({ length: 1001 }, (_, i) => ({ name: `m${i}`, value: i }))]);
    refusedAt("metrics[0].threshold.operator", ["=>", "=="]);
  });

  it("error: a metric name reported twice (parser only)", () => {
    refusedAt("metrics[3].name", ["accuracy"], false);
  });

  it("error: passed contradicts the thresholds, either way (parser only)", () => {
    refusedEach(
      [
        ["metrics[0].value", 0.899, "passed"],
        ["metrics[3].value", 100, "passed"],
        ["passed", false],
      ],
      false,
    );
    assert.throws(
      () => parseEvaluationPredicate(tampered((p) => (p.metrics[0].value = 0.899))),
      /metrics\[0\] \("accuracy" = 0.899\) does not meet its threshold >= 0.9/,
    );
  });
});
