import { InputError } from "../../errors/input.js";
import { timestamp, expectArray, expectBoolean, expectDigestSet, expectName, expectNumber, expectObject, expectOneOf, expectString, expectTimestamp } from "../../validate.js";

/**
 * The `predicateType` of an evaluation. The statement's subject is the evaluated model.
 *
 * @example
 * import { EVALUATION_PREDICATE_TYPE } from "provenance-ledger";
 * if (statement.predicateType === EVALUATION_PREDICATE_TYPE) parseEvaluationPredicate(statement.predicate);
 */
export const EVALUATION_PREDICATE_TYPE = "https://provenance-ledger.dev/evaluation/v1";

/**
 * How a metric is compared with its threshold: `value <operator> threshold.value`.
 *
 * @example
 * import { EVALUATION_THRESHOLD_OPERATORS } from "provenance-ledger";
 * EVALUATION_THRESHOLD_OPERATORS.includes("<="); // true
 */
export const EVALUATION_THRESHOLD_OPERATORS = [">=", ">", "<=", "<"] as const;

/**
 * The most metrics one evaluation may report.
 *
 * @example
 * import { MAX_EVALUATION_METRICS } from "provenance-ledger";
 * metrics.length <= MAX_EVALUATION_METRICS;
 */
export const MAX_EVALUATION_METRICS = 1000;

/**
 * A pass condition for a metric.
 *
 * @example
 * import type { EvaluationThreshold } from "provenance-ledger";
 * const atLeast90: EvaluationThreshold = { operator: ">=", value: 0.9 };
 */
export type EvaluationThreshold = {
  /** The metric passes when `value <operator> threshold.value`. */
  readonly operator: (typeof EVALUATION_THRESHOLD_OPERATORS)[number];
  /** The bound. */
  readonly value: number;
};

/**
 * One measured metric.
 *
 * @example
 * import type { EvaluationMetric } from "provenance-ledger";
 * const metric: EvaluationMetric = { name: "accuracy", value: 0.931, threshold: { operator: ">=", value: 0.9 } };
 */
export type EvaluationMetric = {
  /** The metric's name, unique within the evaluation, e.g. `accuracy` or `false-positive-rate/group=age-65+`. */
  readonly name: string;
  /** The measured value: a finite number within ±(2^53 − 1). */
  readonly value: number;
  /** Unit of `value`, e.g. `ratio`, `ms`, `%`. */
  readonly unit?: string;
  /** Pass condition; a metric without one is reported, not judged. */
  readonly threshold?: EvaluationThreshold;
};

/**
 * An evaluation predicate: which model (the subject) was measured on which dataset, with which
 * results, and whether every threshold was met.
 *
 * @example
 * import { parseEvaluationPredicate, type EvaluationPredicate } from "provenance-ledger";
 * const evaluation: EvaluationPredicate = parseEvaluationPredicate(statement.predicate);
 */
export type EvaluationPredicate = {
  /** The evaluation dataset, by SHA-256 (not a lineage edge: the model was not derived from it). */
  readonly dataset: {
    /** The dataset's name, e.g. `acme/support-tickets-holdout`. */
    readonly name: string;
    /** in-toto DigestSet of the dataset; `sha256` is required. */
    readonly digest: { readonly sha256: string; readonly [algorithm: string]: string };
  };
  /** 1 to {@link MAX_EVALUATION_METRICS} metrics with distinct names. */
  readonly metrics: readonly EvaluationMetric[];
  /** Whether every metric with a threshold meets it; always equals {@link evaluationPasses}. */
  readonly passed: boolean;
  /** The harness that ran the evaluation. */
  readonly evaluator?: {
    /** The harness's name, e.g. `lm-evaluation-harness`. */
    readonly name: string;
    /** The harness's version. */
    readonly version?: string;
  };
  /** RFC 3339 UTC time of the evaluation. */
  readonly evaluatedAt: string;
};

/**
 * Parameters of {@link createEvaluationPredicate}: the predicate's fields without `passed`, which
 * is computed, and with the time as a `Date`.
 *
 * @example
 * import type { CreateEvaluationPredicateParameters } from "provenance-ledger";
 * const metrics: CreateEvaluationPredicateParameters["metrics"] = [{ name: "accuracy", value: 0.93 }];
 */
export type CreateEvaluationPredicateParameters = {
  /** `dataset`. */
  readonly dataset: EvaluationPredicate["dataset"];
  /** `metrics`. */
  readonly metrics: readonly EvaluationMetric[];
  /** `evaluator`. */
  readonly evaluator?: EvaluationPredicate["evaluator"];
  /** `evaluatedAt`. */
  readonly evaluatedAt: Date;
};

/**
 * Errors of {@link parseEvaluationPredicate} and {@link createEvaluationPredicate}.
 *
 * @example
 * import { InputError, type ParseEvaluationPredicateErrorType } from "provenance-ledger";
 * try { parseEvaluationPredicate(json) } catch (e) { if (e instanceof InputError) console.error(e.path); }
 */
export type ParseEvaluationPredicateErrorType = InputError;

const CODE = "INVALID_PREDICATE";

/**
 * Builds an evaluation predicate, computing `passed` from the thresholds, and validates it with
 * {@link parseEvaluationPredicate}.
 *
 * @example
 * import { createEvaluationPredicate } from "provenance-ledger";
 * const predicate = createEvaluationPredicate({
 *   dataset: { name: "acme/support-tickets-holdout", digest: { sha256: "b5bb…" } },
 *   metrics: [
 *     { name: "accuracy", value: 0.931, unit: "ratio", threshold: { operator: ">=", value: 0.9 } },
 *     { name: "latency-p95", value: 84, unit: "ms", threshold: { operator: "<", value: 100 } },
 *   ],
 *   evaluatedAt: new Date("2026-11-22T10:00:00Z"),
 * });
 * predicate.passed; // true
 */
export function createEvaluationPredicate(parameters: CreateEvaluationPredicateParameters): EvaluationPredicate {
  return parseEvaluationPredicate({
    dataset: parameters.dataset,
    metrics: parameters.metrics,
    passed: evaluationPasses(parameters),
    evaluator: parameters.evaluator,
    evaluatedAt: timestamp(parameters.evaluatedAt),
  });
}

/**
 * Validates untrusted JSON as an evaluation predicate and returns a fresh copy holding only the
 * checked fields. Errors are `InputError` `INVALID_PREDICATE` naming the field
 * (`predicate.metrics[2].value`). Beyond types and formats it enforces: unknown fields are
 * refused; the dataset digest includes `sha256`; 1 to {@link MAX_EVALUATION_METRICS} metrics
 * with distinct names and finite values within ±(2^53 − 1) (what canonical JSON represents); `passed` equals "every metric with a threshold meets
 * it", so a predicate cannot claim a pass its own numbers contradict (nor hide one).
 *
 * @example
 * import { parseJson, parseEvaluationPredicate } from "provenance-ledger";
 * const evaluation = parseEvaluationPredicate(parseJson(text));
 * console.log(evaluation.passed ? "passed" : "failed");
 */
export function parseEvaluationPredicate(value: unknown, path = "predicate"): EvaluationPredicate {
  const o = expectObject(value, path, CODE, { required: ["dataset", "metrics", "passed", "evaluatedAt"], allowed: ["evaluator"] });
  const d = expectObject(o.dataset, `${path}.dataset`, CODE, { required: ["name", "digest"], allowed: [] });
  const dataset = {
    name: expectName(d.name, `${path}.dataset.name`, CODE, { max: 256 }),
    digest: expectDigestSet(d.digest, `${path}.dataset.digest`, CODE, true) as EvaluationPredicate["dataset"]["digest"],
  };
  const metrics = parseMetrics(o.metrics, `${path}.metrics`);
  const passed = expectBoolean(o.passed, `${path}.passed`, CODE);
  const failing = metrics.findIndex((metric) => !meetsThreshold(metric));
  if (passed && failing !== -1) {
    const { name, value: measured, threshold } = metrics[failing] as EvaluationMetric & { threshold: EvaluationThreshold };
    throw new InputError(CODE, `is true but metrics[${failing}] (${JSON.stringify(name)} = ${measured}) does not meet its threshold ${threshold.operator} ${threshold.value}`, {
      path: `${path}.passed`,
    });
  }
  if (!passed && failing === -1) throw new InputError(CODE, "is false but every metric with a threshold meets it", { path: `${path}.passed` });
  let evaluator: EvaluationPredicate["evaluator"];
  if (o.evaluator !== undefined) {
    const e = expectObject(o.evaluator, `${path}.evaluator`, CODE, { required: ["name"], allowed: ["version"] });
    evaluator = {
      name: expectName(e.name, `${path}.evaluator.name`, CODE, { max: 256 }),
      ...(e.version === undefined ? {} : { version: expectString(e.version, `${path}.evaluator.version`, CODE, { max: 128 }) }),
    };
  }
  return {
    dataset,
    metrics,
    passed,
    ...(evaluator === undefined ? {} : { evaluator }),
    evaluatedAt: expectTimestamp(o.evaluatedAt, `${path}.evaluatedAt`, CODE),
  };
}

/**
 * Whether every metric that has a threshold meets it (true when none has one). A parsed
 * predicate's `passed` always equals this.
 *
 * @example
 * import { evaluationPasses } from "provenance-ledger";
 * evaluationPasses({ metrics: [{ name: "accuracy", value: 0.88, threshold: { operator: ">=", value: 0.9 } }] }); // false
 */
export function evaluationPasses(predicate: Pick<EvaluationPredicate, "metrics">): boolean {
  return predicate.metrics.every(meetsThreshold);
}

function meetsThreshold({ value, threshold }: EvaluationMetric): boolean {
  if (threshold === undefined) return true;
  switch (threshold.operator) {
    case ">=":
      return value >= threshold.value;
    case ">":
      return value > threshold.value;
    case "<=":
      return value <= threshold.value;
    case "<":
      return value < threshold.value;
  }
}

function parseMetrics(value: unknown, path: string): EvaluationMetric[] {
  const names = new Map<string, number>();
  return expectArray(value, path, CODE, 1, MAX_EVALUATION_METRICS).map((item, i) => {
    const p = `${path}[${i}]`;
    const o = expectObject(item, p, CODE, { required: ["name", "value"], allowed: ["unit", "threshold"] });
    const name = expectName(o.name, `${p}.name`, CODE, { max: 256 });
    const first = names.get(name);
    if (first !== undefined) throw new InputError(CODE, `metric ${JSON.stringify(name)} is already reported as ${path}[${first}]`, { path: `${p}.name` });
    names.set(name, i);
    const measured = expectMeasurement(o.value, `${p}.value`);
    const unit = o.unit === undefined ? undefined : expectString(o.unit, `${p}.unit`, CODE, { max: 64 });
    let threshold: EvaluationThreshold | undefined;
    if (o.threshold !== undefined) {
      const t = expectObject(o.threshold, `${p}.threshold`, CODE, { required: ["operator", "value"], allowed: [] });
      threshold = {
        operator: expectOneOf(t.operator, `${p}.threshold.operator`, CODE, EVALUATION_THRESHOLD_OPERATORS),
        value: expectMeasurement(t.value, `${p}.threshold.value`),
      };
    }
    return {
      name,
      value: measured,
      ...(unit === undefined ? {} : { unit }),
      ...(threshold === undefined ? {} : { threshold }),
    };
  });
}

/**
 * A finite number that canonical JSON represents exactly: beyond 2^53 every double is an integer
 * that RFC 8785 serialisation refuses, so such a predicate could be parsed but never signed.
 */
function expectMeasurement(value: unknown, path: string): number {
  const n = expectNumber(value, path, CODE);
  if (Math.abs(n) > Number.MAX_SAFE_INTEGER) throw new InputError(CODE, `must be between -(2^53 - 1) and 2^53 - 1 to survive canonical JSON, got ${n}`, { path });
  return n;
}

