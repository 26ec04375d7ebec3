// The stages of a training pipeline, each producing signed attestations in the local ledger.
// A training job calls one function per stage (examples/pipeline.mjs shows the CLI-free way; the
// `provenance attest` commands do the same from a shell). Nothing here talks to the chain:
// `anchorBatches` anchors whatever the stages stored.
import { basename } from "node:path";
import type { KeyFile } from "../../local/keys/keys.js";
import { publicKeyInfo, signerFromKeyFile } from "../../local/keys/keys.js";
import { APPROVAL_PREDICATE_TYPE, createApprovalPredicate } from "../../formats/predicates/approval.js";
import { DATASET_PREDICATE_TYPE, type CreateDatasetPredicateParameters, createDatasetPredicate } from "../../formats/predicates/dataset.js";
import { DEPLOYMENT_PREDICATE_TYPE, createDeploymentPredicate } from "../../formats/predicates/deployment.js";
import { ENVIRONMENT_PREDICATE_TYPE } from "../../formats/predicates/environment.js";
import { EVALUATION_PREDICATE_TYPE, createEvaluationPredicate } from "../../formats/predicates/evaluation.js";
import { MODEL_MANIFEST_PREDICATE_TYPE } from "../../formats/predicates/modelManifest.js";
import { createModelManifestPredicate } from "../../local/hashing/modelManifestPredicate.js";
import { MODEL_UPDATE_PREDICATE_TYPE, type ModelUpdateKind, createModelUpdatePredicate } from "../../formats/predicates/modelUpdate.js";
import { REVOCATION_PREDICATE_TYPE, createRevocationPredicate } from "../../formats/predicates/revocation.js";
import { TRAINING_RUN_PREDICATE_TYPE, type CreateTrainingRunPredicateParameters, createTrainingRunPredicate } from "../../formats/predicates/trainingRun.js";
import { SBOM_PREDICATE_TYPE } from "../../formats/predicates/sbom.js";
import { signStatement } from "../../formats/attestation/signStatement.js";
import { type ModelCardParameters, createModelBom } from "../../formats/sbom/createModelBom.js";
import { scanNpmTree } from "../../local/sbom/scanNpmTree.js";
import { scanPythonEnvironment } from "../../local/sbom/scanPythonEnvironment.js";
import { STATEMENT_TYPE, type StatementSubject } from "../../formats/attestation/statement.js";
import type { JsonValue } from "../../core/canonicalJson.js";
import { captureEnvironment } from "../../local/environment/captureEnvironment.js";
import { hashModel } from "../../local/hashing/hashModel.js";
import type { Hex } from "../../core/hex.js";
import { addAttestation } from "../ledger.js";
import type { LedgerStore } from "../store/ledgerStore.js";

/** An artifact known by name and SHA-256 (a dataset, a model). */
export type Artifact = { readonly name: string; readonly sha256: string };

export type PipelineContext = {
  readonly store: LedgerStore;
  /** The key the pipeline signs its own stages with (registered on chain for the organisation). */
  readonly key: KeyFile;
  /** Clock, for reproducible runs. */
  readonly now?: () => Date;
};

async function attestAbout(
  context: PipelineContext,
  subject: readonly StatementSubject[],
  predicateType: string,
  predicate: unknown,
  key = context.key,
): Promise<Hex> {
  const envelope = await signStatement({ _type: STATEMENT_TYPE, subject, predicateType, predicate }, [signerFromKeyFile(key)]);
  if (key.algorithm !== "secp256k1") context.store.putPublicKey(publicKeyInfo(key));
  return addAttestation(context.store, envelope).stored.recordHash;
}

const subjectOf = (a: Artifact): StatementSubject => ({ name: a.name, digest: { sha256: a.sha256 } });
const entryOf = (a: { readonly entry?: Hex }): { entry?: Hex } => (a.entry === undefined ? {} : { entry: a.entry });

/** Stage 1, data collection: hashes the data and attests its source, licence, consent and access. */
export async function collectDataset(
  context: PipelineContext,
  parameters: { readonly path: string; readonly key?: KeyFile } & Omit<CreateDatasetPredicateParameters, "content">,
): Promise<Artifact & { readonly entry: Hex }> {
  const digest = await hashModel(parameters.path);
  const { path: _path, key, ...rest } = parameters;
  const predicate = createDatasetPredicate({ ...rest, content: { kind: digest.kind, files: digest.fileCount, size: digest.size } });
  const dataset = { name: parameters.name, sha256: digest.sha256 };
  return { ...dataset, entry: await attestAbout(context, [subjectOf(dataset)], DATASET_PREDICATE_TYPE, predicate, key) };
}

export type TrainModelParameters = {
  /** The trained model's files (file or directory). */
  readonly modelPath: string;
  readonly name: string;
  /**
   * The datasets, each with the entry id of its dataset attestation (`collectDataset` returns it)
   * when known: then the training run is v2 and names every input by entry, so evidence handed
   * over without those entries fails `lineage-reference`.
   */
  readonly datasets: readonly (Artifact & { readonly entry?: Hex })[];
  /** The model it was trained from, for a fine-tune, with the entry id of its model manifest when known (`recordTraining` returns it). */
  readonly baseModel?: Artifact & { readonly entry?: Hex };
  /** How it derives from the base model; default `fine-tune`. */
  readonly updateKind?: ModelUpdateKind;
  readonly hyperparameters: { readonly [key: string]: JsonValue };
  readonly codeCommit?: string;
  readonly codeUri?: string;
  readonly builder: CreateTrainingRunPredicateParameters["builder"];
  readonly startedOn: Date;
  readonly finishedOn: Date;
  /** Python environments (site-packages or venv folders) to list in the environment and the SBOM. */
  readonly pythonEnvironments?: readonly string[];
  /** npm projects whose installed packages go in the SBOM. */
  readonly npmProjects?: readonly string[];
  /** The model card of the ML-BOM (task, architecture…). */
  readonly modelCard?: ModelCardParameters;
};

/**
 * Stage 2, training: attests the model's file manifest (with the per-file Merkle root), the
 * training run (SLSA Provenance v1: hyperparameters, base model, datasets, code), the environment
 * it ran in (captured now), its CycloneDX 1.6 ML-BOM (model card, datasets, base model, software
 * found in the given Python environments and npm projects), and, for a fine-tune, the model
 * update linking it to its base.
 */
export async function recordTraining(
  context: PipelineContext,
  p: TrainModelParameters,
): Promise<Artifact & { readonly entry: Hex; readonly entries: Record<string, Hex> }> {
  const { predicate: manifest, subjectSha256 } = await createModelManifestPredicate(p.modelPath, {});
  const model = { name: p.name, sha256: subjectSha256 };
  const subject = [subjectOf(model)];
  const entries: Record<string, Hex> = {};
  entries["model-manifest"] = await attestAbout(context, subject, MODEL_MANIFEST_PREDICATE_TYPE, manifest);
  const training = createTrainingRunPredicate({
    hyperparameters: p.hyperparameters,
    dependencies: [
      ...(p.baseModel ? [{ name: p.baseModel.name, digest: { sha256: p.baseModel.sha256 }, role: "base-model" as const, ...entryOf(p.baseModel) }] : []),
      ...p.datasets.map((d) => ({ name: d.name, digest: { sha256: d.sha256 }, role: "dataset" as const, ...entryOf(d) })),
      ...(p.codeCommit
        ? [{ uri: p.codeUri ?? `git+https://example.invalid/${basename(p.modelPath)}`, digest: { gitCommit: p.codeCommit }, role: "code" as const }]
        : []),
    ],
    builder: p.builder,
    startedOn: p.startedOn,
    finishedOn: p.finishedOn,
  });
  entries["training-run"] = await attestAbout(context, subject, TRAINING_RUN_PREDICATE_TYPE, training);
  entries.environment = await attestAbout(
    context,
    subject,
    ENVIRONMENT_PREDICATE_TYPE,
    await captureEnvironment({ pythonEnvironments: p.pythonEnvironments ?? [] }),
  );
  const software = [
    ...(await Promise.all((p.pythonEnvironments ?? []).map((dir) => scanPythonEnvironment(dir)))).flat(),
    ...(await Promise.all((p.npmProjects ?? []).map(async (dir) => (await scanNpmTree(dir)).packages))).flat(),
  ];
  const bom = createModelBom({
    model: { name: p.name, digest: { sha256: model.sha256 } },
    ...(p.modelCard ? { modelCard: p.modelCard } : {}),
    hyperparameters: Object.fromEntries(
      Object.entries(p.hyperparameters).map(([k, v]) => [k, typeof v === "string" || typeof v === "number" || typeof v === "boolean" ? v : JSON.stringify(v)]),
    ),
    datasets: p.datasets.map((d) => ({ name: d.name, digest: { sha256: d.sha256 } })),
    ...(p.baseModel ? { baseModels: [{ name: p.baseModel.name, sha256: p.baseModel.sha256 }] } : {}),
    software,
    timestamp: p.finishedOn,
  });
  entries.sbom = await attestAbout(context, subject, SBOM_PREDICATE_TYPE, bom);
  if (p.baseModel) {
    const update = createModelUpdatePredicate({
      kind: p.updateKind ?? "fine-tune",
      parents: [{ name: p.baseModel.name, digest: { sha256: p.baseModel.sha256 } }],
      description: `${p.updateKind ?? "fine-tune"} of ${p.baseModel.name} on ${p.datasets.map((d) => d.name).join(", ")}`,
      updatedAt: p.finishedOn,
      trainingRun: entries["training-run"],
    });
    entries["model-update"] = await attestAbout(context, subject, MODEL_UPDATE_PREDICATE_TYPE, update);
  }
  // `entry`: the model manifest, the entry a later training run names this model by.
  return { ...model, entry: entries["model-manifest"], entries };
}

/** Attests any predicate about a model (e.g. the SBOM made by `createModelBom`). */
export async function attestModel(context: PipelineContext, model: Artifact, predicateType: string, predicate: unknown, key?: KeyFile): Promise<Hex> {
  return attestAbout(context, [subjectOf(model)], predicateType, predicate, key);
}

/** A stage's parameters: the predicate's, with its time `K` optional (default: the context's clock). */
type DatedAt<P, K extends keyof P> = Omit<P, K> & { readonly [F in K]?: Date };

/** The pipeline's clock: the context's, when it has one (tests and replays), else the system's. */
function now(context: PipelineContext): Date {
  return context.now?.() ?? new Date();
}

/**
 * A stage that signs one dated predicate about a model. Its time `field` defaults to the context's
 * clock, so replays and tests are reproducible.
 */
function datedStage<P, K extends keyof P & string>(predicateType: string, create: (parameters: P) => unknown, field: K) {
  return (context: PipelineContext, model: Artifact, parameters: DatedAt<P, K>): Promise<Hex> => {
    // The spread restores P: every field but `field` comes from the caller, `field` is a Date.
    const complete = { ...parameters, [field]: parameters[field] ?? now(context) } as unknown as P;
    return attestAbout(context, [subjectOf(model)], predicateType, create(complete));
  };
}

/** Stage 3, validation: the metrics, tied to the evaluation dataset's digest. */
export const recordEvaluation = datedStage(EVALUATION_PREDICATE_TYPE, createEvaluationPredicate, "evaluatedAt");

/** Stage 4, approval: one approver's signed decision under a policy, with the approver's own key. */
export async function approveModel(
  context: PipelineContext,
  model: Artifact,
  parameters: {
    readonly key: KeyFile;
    readonly approverName: string;
    readonly role: string;
    readonly policyId: string;
    readonly decision?: "approved" | "rejected";
    readonly comment?: string;
  },
): Promise<Hex> {
  const predicate = createApprovalPredicate({
    decision: parameters.decision ?? "approved",
    policy: { id: parameters.policyId },
    approver: { keyid: parameters.key.keyid, name: parameters.approverName, role: parameters.role },
    approvedAt: now(context),
    ...(parameters.comment ? { comment: parameters.comment } : {}),
  });
  return attestAbout(context, [subjectOf(model)], APPROVAL_PREDICATE_TYPE, predicate, parameters.key);
}

/** Stage 5, deployment: where the model went and the approval policy it was released under. */
export const recordDeployment = datedStage(DEPLOYMENT_PREDICATE_TYPE, createDeploymentPredicate, "deployedAt");

/** Revokes a model: every model derived from it then verifies as "derived from a revoked model". */
export const revokeModel = datedStage(REVOCATION_PREDICATE_TYPE, createRevocationPredicate, "revokedAt");
