import type { InputError } from "../../core/errors/input.js";
import { parsePredicate } from "./fields.js";
import { type Spec, s } from "../../core/spec/spec.js";
import { timestamp } from "../../core/validate.js";

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

const metric = s.object({
  name: s.name(256).describe("what was measured"),
  value: s.number().describe("the measured value"),
  unit: s.optional(s.string({ max: 64 }).describe("e.g. `%`")),
  threshold: s.optional(s.object({ operator: s.literal(...EVALUATION_THRESHOLD_OPERATORS), value: s.number() }).describe("the value must compare so to pass")),
}) satisfies Spec<EvaluationMetric>;

/** The evaluation predicate's spec: parser, `schemas/predicates/evaluation-v1.schema.json` and the docs table. */
export const evaluationSpec = s
  .object({
    dataset: s.object({ name: s.name(256), digest: s.sha256DigestSet() }).describe("the evaluation dataset"),
    metrics: s
      .array(metric, 1, MAX_EVALUATION_METRICS)
      .describe("the results")
      .refine(
        (metrics, fail, path) => {
          const names = new Map<string, number>();
          metrics.forEach(({ name }, i) => {
            const first = names.get(name);
            if (first !== undefined) fail(`[${i}].name`, `metric ${JSON.stringify(name)} is already reported as ${path}[${first}]`);
            names.set(name, i);
          });
        },
        { doc: "Metric names are distinct (checked by the parser)." },
      ),
    passed: s.boolean().describe("every metric with a threshold meets it"),
    evaluator: s.optional(s.object({ name: s.name(256), version: s.optional(s.string({ max: 128 })) }).describe("the harness that measured")),
    evaluatedAt: s.timestamp().describe("time of the evaluation"),
  })
  .refine(
    ({ metrics, passed }, fail) => {
      const failing = metrics.findIndex((m) => !meetsThreshold(m));
      if (passed && failing !== -1) {
        const { name, value: measured, threshold } = metrics[failing] as EvaluationMetric & { threshold: EvaluationThreshold };
        fail(
          ".passed",
          `is true but metrics[${failing}] (${JSON.stringify(name)} = ${measured}) does not meet its threshold ${threshold.operator} ${threshold.value}`,
        );
      }
      if (!passed && failing === -1) fail(".passed", "is false but every metric with a threshold meets it");
    },
    { doc: "`passed` agrees with the thresholds (checked by the parser)." },
  ) satisfies Spec<EvaluationPredicate>;

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
  return parsePredicate(evaluationSpec, value, path);
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
