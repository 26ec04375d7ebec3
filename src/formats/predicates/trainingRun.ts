import { base64ToBytes } from "../../core/bytes.js";
import type { JsonValue } from "../../core/canonicalJson.js";
import { type InputError, invalid } from "../../core/errors/input.js";
import type { Hex } from "../../core/hex.js";
import { type Fail, type Spec, s } from "../../core/spec/spec.js";
import { compareTimestamps, timestamp, expectDigestSet, expectObject, expectString } from "../../core/validate.js";
import { entryId, parsePredicate } from "./fields.js";

/**
 * The `predicateType` of a training run: SLSA Provenance v1. A training run is a build whose
 * output is a model; its `buildType` is {@link TRAINING_RUN_BUILD_TYPE}.
 *
 * @example
 * import { TRAINING_RUN_PREDICATE_TYPE } from "provenance-ledger";
 * if (statement.predicateType === TRAINING_RUN_PREDICATE_TYPE) parseTrainingRunPredicate(statement.predicate);
 */
export const TRAINING_RUN_PREDICATE_TYPE = "https://slsa.dev/provenance/v1";

/**
 * The SLSA `buildType` of a training run: defines `externalParameters` (`hyperparameters`,
 * `trainingScript`, `epochs`) and the `annotations.role` of each resolved dependency.
 *
 * @example
 * import { TRAINING_RUN_BUILD_TYPE } from "provenance-ledger";
 * predicate.buildDefinition.buildType === TRAINING_RUN_BUILD_TYPE; // always, once parsed
 */
export const TRAINING_RUN_BUILD_TYPE = "https://provenance-ledger.dev/training-run/v1";

/**
 * The v2 `buildType` of a training run: v1, plus every `base-model` and `dataset` dependency
 * names the signed entry that identifies it (`annotations.entry`: the dataset's attestation, the
 * base model's manifest), so a verifier handed evidence without that entry sees a broken signed
 * reference (check `lineage-reference`) instead of a shorter lineage.
 *
 * @example
 * import { TRAINING_RUN_BUILD_TYPE_V2 } from "provenance-ledger";
 * if (predicate.buildDefinition.buildType === TRAINING_RUN_BUILD_TYPE_V2) console.log("inputs named by entry");
 */
export const TRAINING_RUN_BUILD_TYPE_V2 = "https://provenance-ledger.dev/training-run/v2";

/**
 * What a resolved dependency of a training run is (`annotations.role`). `base-model` and
 * `dataset` dependencies are lineage edges, so they must carry `digest.sha256`.
 *
 * @example
 * import { TRAINING_RUN_DEPENDENCY_ROLES } from "provenance-ledger";
 * TRAINING_RUN_DEPENDENCY_ROLES.includes("dataset"); // true
 */
export const TRAINING_RUN_DEPENDENCY_ROLES = ["base-model", "dataset", "code", "environment", "other"] as const;

/**
 * One of {@link TRAINING_RUN_DEPENDENCY_ROLES}.
 *
 * @example
 * import type { TrainingRunDependencyRole } from "provenance-ledger";
 * const role: TrainingRunDependencyRole = "base-model";
 */
export type TrainingRunDependencyRole = (typeof TRAINING_RUN_DEPENDENCY_ROLES)[number];

/**
 * An in-toto ResourceDescriptor v1: a reference to an artifact or resource. At least one of
 * `uri`, `digest` or `content` is present.
 *
 * @example
 * import type { ResourceDescriptor } from "provenance-ledger";
 * const code: ResourceDescriptor = { uri: "git+https://github.com/acme/train@refs/tags/v3", digest: { gitCommit: "7fd1a60b01f91b314f59955a4e4d4e80d8edf11d" } };
 */
export type ResourceDescriptor = {
  /** Identifies the resource globally, e.g. `git+https://…@refs/tags/v3`, `pkg:pypi/torch@2.4.0`, `https://…`. */
  readonly uri?: string;
  /** in-toto DigestSet: algorithm → lower-case hex; `sha256` is 64 digits, `gitCommit` 40 or 64. */
  readonly digest?: { readonly [algorithm: string]: string };
  /** Machine-readable name that tells descriptors apart, e.g. `imagenet-1k` or `train.log`. */
  readonly name?: string;
  /** Where the resource can be fetched from, when that differs from `uri`. */
  readonly downloadLocation?: string;
  /** Media type, e.g. `application/vnd.safetensors` or `text/plain; charset=utf-8`. */
  readonly mediaType?: string;
  /** The resource itself, for small inline resources: standard padded base64 (RFC 4648 §4). */
  readonly content?: string;
  /** Extra information for policies, as JSON values. */
  readonly annotations?: { readonly [key: string]: JsonValue };
};

/**
 * A resolved dependency of a training run: a ResourceDescriptor whose `annotations.role` says
 * what it is.
 *
 * @example
 * import type { TrainingRunDependency } from "provenance-ledger";
 * const data: TrainingRunDependency = { name: "support-tickets-2026", digest: { sha256: "9f86…" }, annotations: { role: "dataset" } };
 */
export type TrainingRunDependency = ResourceDescriptor & {
  /** `role` is required; other annotations are free JSON. */
  readonly annotations: { readonly role: TrainingRunDependencyRole; readonly [key: string]: JsonValue };
};

/**
 * The parameters under the control of whoever started the run. Anything else is refused:
 * SLSA verifiers should reject unrecognised external parameters.
 *
 * @example
 * import type { TrainingRunExternalParameters } from "provenance-ledger";
 * const p: TrainingRunExternalParameters = { hyperparameters: { learningRate: 0.0002, batchSize: 64 }, trainingScript: "train.py", epochs: 3 };
 */
export type TrainingRunExternalParameters = {
  /** The hyperparameters the run was given (learning rate, batch size, seed, …): any JSON object. */
  readonly hyperparameters: { readonly [key: string]: JsonValue };
  /** Entry point, relative to the `code` dependency, e.g. `scripts/train.py`. */
  readonly trainingScript?: string;
  /** Passes over the training data, 1 or more. */
  readonly epochs?: number;
};

/**
 * The inputs of a training run (SLSA BuildDefinition).
 *
 * @example
 * import type { TrainingRunBuildDefinition } from "provenance-ledger";
 * const definition: TrainingRunBuildDefinition = predicate.buildDefinition;
 */
export type TrainingRunBuildDefinition = {
  /** {@link TRAINING_RUN_BUILD_TYPE} or {@link TRAINING_RUN_BUILD_TYPE_V2} (inputs named by entry). */
  readonly buildType: typeof TRAINING_RUN_BUILD_TYPE | typeof TRAINING_RUN_BUILD_TYPE_V2;
  /** Parameters set by whoever started the run; a verifier must check them. */
  readonly externalParameters: TrainingRunExternalParameters;
  /** Parameters set by the training platform itself (JSON object); no key also in `externalParameters`. */
  readonly internalParameters?: { readonly [key: string]: JsonValue };
  /** Everything the run consumed: base model, datasets, code, environment; at least one dataset. */
  readonly resolvedDependencies: readonly TrainingRunDependency[];
};

/**
 * The platform that ran the training (SLSA Builder).
 *
 * @example
 * import type { TrainingRunBuilder } from "provenance-ledger";
 * const builder: TrainingRunBuilder = { id: "https://ml.acme.example/trainer/gpu-cluster-a", version: { trainer: "4.2.0" } };
 */
export type TrainingRunBuilder = {
  /** URI naming the trusted training platform (the transitive closure of what ran the job). */
  readonly id: string;
  /** Versions of the platform's components: component name → version. */
  readonly version?: { readonly [component: string]: string };
  /** What the platform's orchestrator used that ran outside the training job. */
  readonly builderDependencies?: readonly ResourceDescriptor[];
};

/**
 * When and as what the run was executed (SLSA BuildMetadata). Both times are required here:
 * an auditor needs the training period.
 *
 * @example
 * import type { TrainingRunMetadata } from "provenance-ledger";
 * const metadata: TrainingRunMetadata = { invocationId: "run-2026-11-20-0017", startedOn: "2026-11-20T08:00:00Z", finishedOn: "2026-11-21T02:30:00Z" };
 */
export type TrainingRunMetadata = {
  /** Identifies this run on the platform (job id, run URL), for logs and incident response. */
  readonly invocationId?: string;
  /** RFC 3339 UTC time the run started. */
  readonly startedOn: string;
  /** RFC 3339 UTC time the run finished; not before `startedOn`. */
  readonly finishedOn: string;
};

/**
 * Details of this particular run (SLSA RunDetails).
 *
 * @example
 * import type { TrainingRunDetails } from "provenance-ledger";
 * const details: TrainingRunDetails = predicate.runDetails;
 */
export type TrainingRunDetails = {
  /** The platform that ran the training. */
  readonly builder: TrainingRunBuilder;
  /** Invocation id and training period. */
  readonly metadata: TrainingRunMetadata;
  /** Other artifacts the run produced that are not the model: logs, checkpoints, the evaluated config. */
  readonly byproducts?: readonly ResourceDescriptor[];
};

/**
 * A training-run predicate: SLSA Provenance v1 with buildType {@link TRAINING_RUN_BUILD_TYPE}.
 * The statement's subjects are the trained model(s).
 *
 * @example
 * import { parseTrainingRunPredicate, type TrainingRunPredicate } from "provenance-ledger";
 * const run: TrainingRunPredicate = parseTrainingRunPredicate(statement.predicate);
 */
export type TrainingRunPredicate = {
  /** What went into the run. */
  readonly buildDefinition: TrainingRunBuildDefinition;
  /** Who ran it, and when. */
  readonly runDetails: TrainingRunDetails;
};

/**
 * A lineage edge into a trained model: an input that must be known by SHA-256.
 *
 * @example
 * import type { TrainingRunInput } from "provenance-ledger";
 * const edge: TrainingRunInput = { sha256: "9f86…", name: "support-tickets-2026", role: "dataset" };
 */
export type TrainingRunInput = {
  /** SHA-256 of the input (64 lower-case hex digits). */
  readonly sha256: string;
  /** The dependency's `name`, when it has one. */
  readonly name: string | undefined;
  /** What the input was to the run. */
  readonly role: "base-model" | "dataset";
};

/**
 * Parameters of {@link createTrainingRunPredicate}: the fields of the predicate, with times as
 * `Date` and each dependency's role as `role` rather than `annotations.role`.
 *
 * @example
 * import type { CreateTrainingRunPredicateParameters } from "provenance-ledger";
 * const dependency: CreateTrainingRunPredicateParameters["dependencies"][number] = { role: "dataset", name: "tickets", digest: { sha256: "9f86…" } };
 */
export type CreateTrainingRunPredicateParameters = {
  /** `externalParameters.hyperparameters`. */
  readonly hyperparameters: { readonly [key: string]: JsonValue };
  /** `externalParameters.trainingScript`. */
  readonly trainingScript?: string;
  /** `externalParameters.epochs`. */
  readonly epochs?: number;
  /** `buildDefinition.internalParameters`. */
  readonly internalParameters?: { readonly [key: string]: JsonValue };
  /**
   * `buildDefinition.resolvedDependencies`; `role` becomes `annotations.role`, `entry` (the entry id
   * of the attestation that identifies a base model or dataset) `annotations.entry`. When any
   * base model or dataset has an `entry`, the predicate is v2 and every one must.
   */
  readonly dependencies: readonly (ResourceDescriptor & { readonly role: TrainingRunDependencyRole; readonly entry?: Hex })[];
  /** `runDetails.builder`. */
  readonly builder: TrainingRunBuilder;
  /** `runDetails.metadata.invocationId`. */
  readonly invocationId?: string;
  /** `runDetails.metadata.startedOn`. */
  readonly startedOn: Date;
  /** `runDetails.metadata.finishedOn`. */
  readonly finishedOn: Date;
  /** `runDetails.byproducts`. */
  readonly byproducts?: readonly ResourceDescriptor[];
};

/**
 * Errors of {@link parseTrainingRunPredicate} and {@link createTrainingRunPredicate}.
 *
 * @example
 * import { InputError, type ParseTrainingRunPredicateErrorType } from "provenance-ledger";
 * try { parseTrainingRunPredicate(json) } catch (e) { if (e instanceof InputError) console.error(e.path); }
 */
export type ParseTrainingRunPredicateErrorType = InputError;

const CODE = "INVALID_PREDICATE";
const MEDIA_TYPE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}(?:\s*;\s*\S.*)?$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const GIT_COMMIT = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
const MAX_DEPENDENCIES = 10_000;
const MAX_BUILDER_DEPENDENCIES = 1000;
const MAX_VERSION_COMPONENTS = 256;
const LINEAGE_ROLES = ["base-model", "dataset"] as const;
const isLineage = (role: string): role is "base-model" | "dataset" => role === "base-model" || role === "dataset";

/** A DigestSet that may also hold in-toto's `gitCommit` (which `expectDigestSet` does not accept: it is not lower-case). */
function parseResourceDigest(value: unknown, path: string): { [algorithm: string]: string } {
  const { gitCommit, ...others } = expectObject(value, path, CODE);
  const digest = gitCommit === undefined || Object.keys(others).length > 0 ? expectDigestSet(others, path, CODE, false) : {};
  if (gitCommit !== undefined)
    digest.gitCommit = expectString(gitCommit, `${path}.gitCommit`, CODE, { min: 40, max: 64, pattern: GIT_COMMIT, hint: "40 or 64 lower-case hex digits" });
  return digest;
}

/** Component name → version, 1 to MAX_VERSION_COMPONENTS of them. */
function parseVersionMap(value: unknown, path: string): { [component: string]: string } {
  const o = expectObject(value, path, CODE);
  const entries = Object.entries(o);
  if (entries.length === 0) invalid(CODE, "a version map names at least one component (omit it otherwise)", path);
  if (entries.length > MAX_VERSION_COMPONENTS) invalid(CODE, `must have 1 to ${MAX_VERSION_COMPONENTS} components, got ${entries.length}`, path);
  return Object.fromEntries(
    entries.map(([component, version]) => {
      expectString(component, `${path}.${component}`, CODE, { max: 128 });
      return [component, expectString(version, `${path}.${component}`, CODE, { max: 256 })];
    }),
  );
}

const digestSpec = s.custom(
  parseResourceDigest,
  {
    type: "object",
    minProperties: 1,
    propertyNames: { pattern: "^(?:[a-z0-9][a-z0-9_-]{0,31}|gitCommit)$" },
    properties: { sha256: { type: "string", pattern: "^[0-9a-f]{64}$" }, gitCommit: { type: "string", pattern: "^(?:[0-9a-f]{40}|[0-9a-f]{64})$" } },
    additionalProperties: { type: "string", minLength: 1, maxLength: 256, pattern: "^[0-9a-f]+$" },
  },
  "DigestSet (gitCommit allowed)",
);

/** The fields of an in-toto ResourceDescriptor v1. */
const descriptorFields = {
  uri: s.optional(s.uri()),
  digest: s.optional(digestSpec.describe("algorithm → lower-case hex; sha256 is 64 digits, gitCommit 40 or 64")),
  name: s.optional(s.name(256)),
  downloadLocation: s.optional(s.uri()),
  mediaType: s.optional(s.string({ max: 256, pattern: MEDIA_TYPE, hint: "a media type such as application/octet-stream" })),
  content: s.optional(
    s
      .string({ max: 65_536, pattern: BASE64, hint: "standard padded base64 (RFC 4648 §4)" })
      // One value, one encoding: refuse non-zero padding bits.
      .refine((content, fail) => typeof base64ToBytes(content) !== "string" || fail("", "is not the canonical base64 encoding of its bytes"), {
        doc: "the canonical base64 of its bytes (checked by the parser)",
      })
      .describe("standard padded base64 (RFC 4648 §4)"),
  ),
  annotations: s.optional(s.json()),
};

/** At least one of uri, digest, content. */
function needsUriDigestOrContent(descriptor: { readonly uri?: string; readonly digest?: unknown; readonly content?: string }, fail: Fail): void {
  if (descriptor.uri === undefined && descriptor.digest === undefined && descriptor.content === undefined)
    fail("", "a resource descriptor needs at least one of uri, digest or content");
}
const NEEDS_URI_DIGEST_OR_CONTENT = {
  schema: { anyOf: ["uri", "digest", "content"].map((key) => ({ required: [key], properties: { [key]: true } })) },
  doc: "at least one of uri, digest, content",
};

const resourceDescriptorSpec = s
  .object(descriptorFields)
  .refine(needsUriDigestOrContent, NEEDS_URI_DIGEST_OR_CONTENT)
  .describe("an in-toto ResourceDescriptor (below)");

/** `annotations.role` is one of the roles; a base-model or dataset has `digest.sha256` (it is a lineage edge). */
// Made once, not per dependency parsed (the spec engine compiles each spec it is given).
const dependencyRoleSpec = s.literal(...TRAINING_RUN_DEPENDENCY_ROLES);

function dependencyRole(descriptor: ResourceDescriptor, fail: Fail, path: string): asserts descriptor is TrainingRunDependency {
  const role = descriptor.annotations?.role;
  if (role === undefined) fail(".annotations.role", "required field is missing");
  parsePredicate(dependencyRoleSpec, role, `${path}.annotations.role`);
  if (isLineage(role as string) && descriptor.digest?.sha256 === undefined)
    fail(".digest.sha256", `a ${role} dependency needs digest.sha256: lineage edges are known by SHA-256`);
}

const dependencySpec = s
  .object(descriptorFields)
  .refine(needsUriDigestOrContent, NEEDS_URI_DIGEST_OR_CONTENT)
  .narrow(dependencyRole, {
    schema: {
      required: ["annotations"],
      properties: { annotations: { type: "object", required: ["role"], properties: { role: { enum: [...TRAINING_RUN_DEPENDENCY_ROLES] } } } },
      if: {
        type: "object",
        required: ["annotations"],
        properties: { annotations: { type: "object", required: ["role"], properties: { role: { enum: [...LINEAGE_ROLES] } } } },
      },
      then: { type: "object", required: ["digest"], properties: { digest: { type: "object", required: ["sha256"], properties: { sha256: true } } } },
    },
    doc: "`annotations.role` is required; a base-model or dataset has `digest.sha256`",
  })
  .describe("a ResourceDescriptor with `annotations.role` (below)");

/** In v2, each base-model and dataset dependency names the entry that identifies it: `annotations.entry`. */
function namesEntries(
  definition: { readonly buildType: string; readonly resolvedDependencies: readonly TrainingRunDependency[] },
  fail: Fail,
  path: string,
): void {
  if (definition.buildType !== TRAINING_RUN_BUILD_TYPE_V2) return;
  definition.resolvedDependencies.forEach(({ annotations }, i) => {
    if (!isLineage(annotations.role)) return;
    const at = `.resolvedDependencies[${i}].annotations.entry`;
    if (annotations.entry === undefined) fail(at, `a ${annotations.role} dependency of a ${TRAINING_RUN_BUILD_TYPE_V2} run names the entry that identifies it`);
    parsePredicate(entryId(), annotations.entry, `${path}${at}`);
  });
}
const ENTRY_SCHEMA = {
  type: "object",
  properties: {
    resolvedDependencies: {
      type: "array",
      items: {
        if: {
          type: "object",
          required: ["annotations"],
          properties: { annotations: { type: "object", required: ["role"], properties: { role: { enum: [...LINEAGE_ROLES] } } } },
        },
        then: {
          type: "object",
          required: ["annotations"],
          properties: {
            annotations: {
              type: "object",
              required: ["entry"],
              properties: {
                entry: {
                  description: "Entry id of the attestation that identifies this input (its dataset attestation, its model manifest).",
                  type: "string",
                  pattern: "^0x[0-9a-f]{64}$",
                },
              },
            },
          },
        },
      },
    },
  },
};

/**
 * The training-run spec for the given buildTypes: the parser reads both, and each version's schema
 * (`schemas/predicates/training-run-v1.schema.json`, `-v2`) is generated from its own.
 */
export function trainingRunSpecOf<const B extends TrainingRunBuildDefinition["buildType"]>(...buildTypes: readonly B[]) {
  return s.object({
    buildDefinition: s
      .object({
        buildType: s.literal(...buildTypes).describe("v2: every input named by entry"),
        externalParameters: s.object({
          hyperparameters: s.json().describe("the hyperparameters the run was given"),
          trainingScript: s.optional(s.string({ max: 1024 }).describe("entry point, relative to the `code` dependency")),
          epochs: s.optional(s.integer(1, 1_000_000).describe("passes over the training data")),
        }),
        internalParameters: s.optional(s.json().describe("set by the training platform (cluster size, precision, …)")),
        resolvedDependencies: s
          .array(dependencySpec, 1, MAX_DEPENDENCIES)
          .refine(
            (dependencies, fail) => {
              const seen = new Map<string, number>();
              dependencies.forEach(({ annotations, digest }, i) => {
                if (!isLineage(annotations.role)) return;
                const sha256 = digest?.sha256 as string;
                const first = seen.get(sha256);
                if (first !== undefined) fail(`[${i}].digest.sha256`, `the same artifact is already listed as resolvedDependencies[${first}]`);
                seen.set(sha256, i);
              });
            },
            { doc: "a base-model or dataset `digest.sha256` is listed once (checked by the parser)" },
          )
          .refine(
            (dependencies, fail) =>
              dependencies.some((d) => d.annotations.role === "dataset") ||
              fail("", 'a training run names at least one dependency with annotations.role "dataset"'),
            {
              schema: {
                contains: {
                  type: "object",
                  required: ["annotations"],
                  properties: { annotations: { type: "object", required: ["role"], properties: { role: { const: "dataset" } } } },
                },
              },
              doc: "every input; at least one dataset",
            },
          ),
      })
      .refine(
        (definition, fail) => {
          for (const key of Object.keys(definition.internalParameters ?? {}))
            if (Object.hasOwn(definition.externalParameters, key))
              fail(`.internalParameters.${key}`, "is also an external parameter; SLSA keeps the two sets of names apart");
        },
        { doc: "no key is both an external and an internal parameter (checked by the parser)" },
      )
      .refine(namesEntries, buildTypes.length === 1 && buildTypes[0] === TRAINING_RUN_BUILD_TYPE_V2 ? { schema: ENTRY_SCHEMA } : {}),
    runDetails: s.object({
      builder: s.object({
        id: s.uri().describe("the trusted training platform"),
        version: s.optional(
          s
            .custom(
              parseVersionMap,
              {
                type: "object",
                minProperties: 1,
                maxProperties: MAX_VERSION_COMPONENTS,
                propertyNames: { minLength: 1, maxLength: 128 },
                additionalProperties: { type: "string", minLength: 1, maxLength: 256 },
              },
              `{ component: version } 1…${MAX_VERSION_COMPONENTS}`,
            )
            .describe("versions of its components"),
        ),
        builderDependencies: s.optional(s.array(resourceDescriptorSpec, 1, MAX_BUILDER_DEPENDENCIES).describe("orchestrator inputs outside the job")),
      }),
      metadata: s
        .object({
          invocationId: s.optional(s.string({ max: 1024 }).describe("job id or run URL")),
          startedOn: s.timestamp().describe("start of the run"),
          finishedOn: s.timestamp().describe("end of the run; not before startedOn"),
        })
        .refine((m, fail) => compareTimestamps(m.finishedOn, m.startedOn) >= 0 || fail(".finishedOn", `is before startedOn (${m.startedOn})`), {
          doc: "finishedOn is not before startedOn (checked by the parser)",
        }),
      byproducts: s.optional(s.array(resourceDescriptorSpec, 1, MAX_DEPENDENCIES).describe("logs, checkpoints, evaluated config")),
    }),
  });
}

/** The training-run predicate's spec (v1 and v2): parser and the docs table. */
export const trainingRunSpec = trainingRunSpecOf(TRAINING_RUN_BUILD_TYPE, TRAINING_RUN_BUILD_TYPE_V2) satisfies Spec<TrainingRunPredicate>;

/**
 * Builds a training-run predicate from typed parameters and validates it with
 * {@link parseTrainingRunPredicate}, so nothing invalid can be created.
 *
 * @example
 * import { createTrainingRunPredicate } from "provenance-ledger";
 * const predicate = createTrainingRunPredicate({
 *   hyperparameters: { learningRate: 0.0002, batchSize: 64, seed: 17 },
 *   trainingScript: "scripts/train.py",
 *   epochs: 3,
 *   dependencies: [
 *     { role: "base-model", name: "acme/base-7b", digest: { sha256: "3a7b…" } },
 *     { role: "dataset", name: "support-tickets-2026", digest: { sha256: "9f86…" } },
 *     { role: "code", uri: "git+https://github.com/acme/train@refs/tags/v3", digest: { gitCommit: "7fd1a60b01f91b314f59955a4e4d4e80d8edf11d" } },
 *   ],
 *   builder: { id: "https://ml.acme.example/trainer/gpu-cluster-a" },
 *   startedOn: new Date("2026-11-20T08:00:00Z"),
 *   finishedOn: new Date("2026-11-21T02:30:00Z"),
 * });
 */
export function createTrainingRunPredicate(parameters: CreateTrainingRunPredicateParameters): TrainingRunPredicate {
  return parseTrainingRunPredicate({
    buildDefinition: {
      buildType: parameters.dependencies.some((d) => d.entry !== undefined) ? TRAINING_RUN_BUILD_TYPE_V2 : TRAINING_RUN_BUILD_TYPE,
      externalParameters: { hyperparameters: parameters.hyperparameters, trainingScript: parameters.trainingScript, epochs: parameters.epochs },
      internalParameters: parameters.internalParameters,
      resolvedDependencies: parameters.dependencies.map(({ role, entry, ...descriptor }) => ({
        ...descriptor,
        annotations: { ...descriptor.annotations, role, ...(entry === undefined ? {} : { entry }) },
      })),
    },
    runDetails: {
      builder: parameters.builder,
      metadata: { invocationId: parameters.invocationId, startedOn: timestamp(parameters.startedOn), finishedOn: timestamp(parameters.finishedOn) },
      byproducts: parameters.byproducts,
    },
  });
}

/**
 * Validates untrusted JSON as a training-run predicate and returns a fresh copy holding only the
 * checked fields. Errors are `InputError` `INVALID_PREDICATE` naming the field
 * (`predicate.buildDefinition.resolvedDependencies[1].digest.sha256`). Beyond types and formats
 * it enforces: `buildType` is {@link TRAINING_RUN_BUILD_TYPE} or {@link TRAINING_RUN_BUILD_TYPE_V2}
 * (then every base-model and dataset dependency has an `annotations.entry` entry id); unknown fields are refused at every
 * level (SLSA's `vendor_field` extensions included: what is not understood is not signed off);
 * every resource descriptor has a `uri`, `digest` or `content`; every resolved dependency has an
 * `annotations.role`, and a `base-model` or `dataset` one has `digest.sha256`, listed once; at
 * least one dependency is a `dataset`; no key is both an external and an internal parameter;
 * `finishedOn` is not before `startedOn`.
 *
 * @example
 * import { parseJson, parseTrainingRunPredicate } from "provenance-ledger";
 * const run = parseTrainingRunPredicate(parseJson(text));
 * console.log(run.runDetails.metadata.finishedOn);
 */
export function parseTrainingRunPredicate(value: unknown, path = "predicate"): TrainingRunPredicate {
  return parsePredicate(trainingRunSpec, value, path);
}

/**
 * The lineage edges of a training run: its `base-model` and `dataset` dependencies, in order.
 *
 * @example
 * import { trainingRunInputs } from "provenance-ledger";
 * for (const input of trainingRunInputs(predicate)) console.log(input.role, input.sha256, input.name);
 */
export function trainingRunInputs(predicate: TrainingRunPredicate): TrainingRunInput[] {
  const inputs: TrainingRunInput[] = [];
  for (const dependency of predicate.buildDefinition.resolvedDependencies) {
    const role = dependency.annotations.role;
    const sha256 = dependency.digest?.sha256;
    if ((role === "base-model" || role === "dataset") && sha256 !== undefined) inputs.push({ sha256, name: dependency.name, role });
  }
  return inputs;
}

/**
 * The inputs a v2 training run names by entry: each `base-model` and `dataset` dependency with the
 * entry id of the attestation that identifies it. Empty for v1, where `annotations.entry` is not
 * interpreted.
 *
 * @example
 * import { trainingRunEntryReferences } from "provenance-ledger";
 * for (const input of trainingRunEntryReferences(predicate)) console.log(input.role, input.entry);
 */
export function trainingRunEntryReferences(predicate: TrainingRunPredicate): (TrainingRunInput & { readonly entry: Hex })[] {
  if (predicate.buildDefinition.buildType !== TRAINING_RUN_BUILD_TYPE_V2) return [];
  return predicate.buildDefinition.resolvedDependencies.flatMap((d) =>
    d.annotations.role === "base-model" || d.annotations.role === "dataset"
      ? [{ sha256: d.digest!.sha256!, name: d.name, role: d.annotations.role, entry: d.annotations.entry as Hex }]
      : [],
  );
}
