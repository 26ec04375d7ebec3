import { invalid } from "../../core/errors/input.js";
import { APPROVAL_PREDICATE_TYPE, parseApprovalPredicate } from "./approval.js";
import { DATASET_PREDICATE_TYPE, parseDatasetPredicate } from "./dataset.js";
import { DEPLOYMENT_PREDICATE_TYPE, parseDeploymentPredicate } from "./deployment.js";
import { ENVIRONMENT_PREDICATE_TYPE, parseEnvironmentPredicate } from "./environment.js";
import { EVALUATION_PREDICATE_TYPE, parseEvaluationPredicate } from "./evaluation.js";
import {
  MODEL_MANIFEST_PREDICATE_TYPE,
  MODEL_MANIFEST_PREDICATE_TYPE_V1,
  parseModelManifestPredicate,
  parseModelManifestPredicateV1,
} from "./modelManifest.js";
import { MODEL_UPDATE_PREDICATE_TYPE, parseModelUpdatePredicate } from "./modelUpdate.js";
import { MODEL_WATERMARK_PREDICATE_TYPE, parseModelWatermarkPredicate } from "./modelWatermark.js";
import { REVOCATION_PREDICATE_TYPE, parseRevocationPredicate } from "./revocation.js";
import { SBOM_PREDICATE_TYPE, parseSbomPredicate } from "./sbom.js";
import { TRAINING_RUN_PREDICATE_TYPE, parseTrainingRunPredicate } from "./trainingRun.js";

/** Every predicate type this version understands, with its parser. */
export const PREDICATE_PARSERS: Readonly<Record<string, (value: unknown, path: string) => unknown>> = {
  [MODEL_MANIFEST_PREDICATE_TYPE]: parseModelManifestPredicate,
  // v1 still loads (old envelopes); verifiers refuse it (check hashing-version).
  [MODEL_MANIFEST_PREDICATE_TYPE_V1]: parseModelManifestPredicateV1,
  [SBOM_PREDICATE_TYPE]: parseSbomPredicate,
  [TRAINING_RUN_PREDICATE_TYPE]: parseTrainingRunPredicate,
  [DATASET_PREDICATE_TYPE]: parseDatasetPredicate,
  [ENVIRONMENT_PREDICATE_TYPE]: parseEnvironmentPredicate,
  [EVALUATION_PREDICATE_TYPE]: parseEvaluationPredicate,
  [APPROVAL_PREDICATE_TYPE]: parseApprovalPredicate,
  [DEPLOYMENT_PREDICATE_TYPE]: parseDeploymentPredicate,
  [MODEL_UPDATE_PREDICATE_TYPE]: parseModelUpdatePredicate,
  [REVOCATION_PREDICATE_TYPE]: parseRevocationPredicate,
  [MODEL_WATERMARK_PREDICATE_TYPE]: parseModelWatermarkPredicate,
};

/** Short names for the CLI (`provenance attest <name>`). */
export const PREDICATE_NAMES: Readonly<Record<string, string>> = {
  "model-manifest": MODEL_MANIFEST_PREDICATE_TYPE,
  sbom: SBOM_PREDICATE_TYPE,
  "training-run": TRAINING_RUN_PREDICATE_TYPE,
  dataset: DATASET_PREDICATE_TYPE,
  environment: ENVIRONMENT_PREDICATE_TYPE,
  evaluation: EVALUATION_PREDICATE_TYPE,
  approval: APPROVAL_PREDICATE_TYPE,
  deployment: DEPLOYMENT_PREDICATE_TYPE,
  "model-update": MODEL_UPDATE_PREDICATE_TYPE,
  revocation: REVOCATION_PREDICATE_TYPE,
  "model-watermark": MODEL_WATERMARK_PREDICATE_TYPE,
};

/** Validates a predicate with its type's parser; an unknown type is `UNKNOWN_PREDICATE`. */
export function parsePredicate(predicateType: string, value: unknown, path = "predicate"): unknown {
  const parse = Object.hasOwn(PREDICATE_PARSERS, predicateType) ? PREDICATE_PARSERS[predicateType] : undefined;
  if (!parse)
    invalid(
      "UNKNOWN_PREDICATE",
      `unknown predicate type ${JSON.stringify(predicateType)}; this version understands ${Object.keys(PREDICATE_NAMES).join(", ")}`,
      path.replace(/\.predicate$/, ".predicateType"),
    );
  return parse(value, path);
}
