import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { predicateCase, refusedBy, tamperedCopy } from "../helpers/predicateHarness.js";
import {
  TRAINING_RUN_BUILD_TYPE,
  TRAINING_RUN_BUILD_TYPE_V2,
  TRAINING_RUN_PREDICATE_TYPE,
  createTrainingRunPredicate,
  parseTrainingRunPredicate,
  trainingRunEntryReferences,
  trainingRunInputs,
} from "../../src/formats/predicates/trainingRun.js";
import { InputError } from "../../src/core/errors/input.js";

const BASE = "04c5b7c669f334f6587c8f3b4ad1e5c8c6472d72b5db5fd489b23aa852dbf8bd";
const TICKETS = "4aade9a31273684ee130f54b6f2fd37c086f50d3c26fbf0664d9e7f5c6f1ccb3";
const IMAGE = "ca98db94d5466a4edd129711d77192992da6632c4165ea337966855e4008a178";
const LOG = "6bc92e1a3f720307f43e0f23954ec05bf1ccab9d981ae66168ab9b49e3e4bb5f";
const COMMIT = "7fd1a60b01f91b314f59955a4e4d4e80d8edf11d";

const example = createTrainingRunPredicate({
  hyperparameters: { learningRate: 0.0002, batchSize: 64, warmupSteps: 500, seed: 17, optimizer: { name: "adamw", betas: [0.9, 0.999], weightDecay: 0.01 } },
  trainingScript: "scripts/train.py",
  epochs: 3,
  internalParameters: { nodes: 4, gpusPerNode: 8, precision: "bf16" },
  dependencies: [
    { role: "base-model", name: "acme/base-7b", uri: "https://models.acme.example/base-7b/1.0", digest: { sha256: BASE } },
    { role: "dataset", name: "acme/claims-tickets@2026-10", uri: "s3://acme-claims/tickets/2026-10/", digest: { sha256: TICKETS } },
    { role: "code", uri: "git+https://github.com/acme/claims-triage@refs/tags/v1.4.0", digest: { gitCommit: COMMIT } },
    {
      role: "environment",
      name: "trainer-image",
      uri: "oci://registry.acme.example/trainer:4.2.0",
      digest: { sha256: IMAGE },
      mediaType: "application/vnd.oci.image.index.v1+json",
    },
  ],
  builder: { id: "https://ml.acme.example/trainer/gpu-cluster-a", version: { trainer: "4.2.0", cuda: "12.4" } },
  invocationId: "https://ml.acme.example/runs/2026-11-20-0017",
  startedOn: new Date("2026-11-20T08:00:00Z"),
  finishedOn: new Date("2026-11-21T02:30:00Z"),
  byproducts: [{ name: "train.log", uri: "s3://acme-ml-logs/runs/2026-11-20-0017/train.log", digest: { sha256: LOG }, mediaType: "text/plain; charset=utf-8" }],
});

const { validateSchema, vector, tampered, refused } = predicateCase("training-run", TRAINING_RUN_PREDICATE_TYPE, parseTrainingRunPredicate, example);

/** One tampering and the path its refusal names. */
type Case = readonly [(p: any) => unknown, string];

const BD = "predicate.buildDefinition";
const DEPS = `${BD}.resolvedDependencies`;
const RD = "predicate.runDetails";

describe("training-run predicate (SLSA Provenance v1)", () => {
  it("default", () => {
    assert.equal(TRAINING_RUN_PREDICATE_TYPE, "https://slsa.dev/provenance/v1");
    assert.equal(example.buildDefinition.buildType, TRAINING_RUN_BUILD_TYPE);
  });

  it("behavior: trainingRunInputs lists the base model and datasets, in order", () => {
    assert.deepEqual(trainingRunInputs(example), [
      { sha256: BASE, name: "acme/base-7b", role: "base-model" },
      { sha256: TICKETS, name: "acme/claims-tickets@2026-10", role: "dataset" },
    ]);
    const unnamed = parseTrainingRunPredicate(tampered((p) => delete p.buildDefinition.resolvedDependencies[1].name));
    assert.deepEqual(trainingRunInputs(unnamed)[1], { sha256: TICKETS, name: undefined, role: "dataset" });
  });

  it("behavior: create writes role into annotations and keeps other annotations", () => {
    const run = createTrainingRunPredicate({
      hyperparameters: {},
      dependencies: [{ role: "dataset", digest: { sha256: TICKETS }, annotations: { split: "train", role: "other" } }],
      builder: { id: "https://ml.acme.example/trainer/laptop" },
      startedOn: new Date("2026-11-20T08:00:00Z"),
      finishedOn: new Date("2026-11-20T08:00:00Z"),
    });
    assert.deepEqual(run.buildDefinition.resolvedDependencies[0]?.annotations, { split: "train", role: "dataset" });
    assert.deepEqual(run.buildDefinition.externalParameters, { hyperparameters: {} });
    assert.deepEqual(Object.keys(run.runDetails.metadata), ["startedOn", "finishedOn"], "no undefined fields");
  });

  it("behavior: accepts a descriptor with inline content only, SHA-256 git commits, and a run that took no time", () => {
    const input = tampered((p) => {
      p.buildDefinition.resolvedDependencies.push({ content: "ZXBvY2hzOiAzCg==", annotations: { role: "other" } });
      p.buildDefinition.resolvedDependencies[2].digest.gitCommit = "ab".repeat(32);
      p.runDetails.metadata.finishedOn = p.runDetails.metadata.startedOn;
    });
    assert.deepEqual(parseTrainingRunPredicate(input), input);
    assert.equal(validateSchema(input), true, JSON.stringify(validateSchema.errors));
  });

  it("behavior: compares times to the nanosecond", () => {
    const run = (startedOn: string, finishedOn: string) => tampered((p) => Object.assign(p.runDetails.metadata, { startedOn, finishedOn }));
    parseTrainingRunPredicate(run("2026-11-20T08:00:00.5Z", "2026-11-20T08:00:00.500000001Z"));
    parseTrainingRunPredicate(run("2026-11-20T08:00:00Z", "2026-11-20T08:00:00.000Z"));
    refused(run("2026-11-20T08:00:00.5Z", "2026-11-20T08:00:00.25Z"), `${RD}.metadata.finishedOn`, false);
  });

  // A missing required field and an unknown field in any object: the shared predicate suite
  // (test/formats/predicates.test.ts), from the spec. Here, the names SLSA readers might expect to pass.
  it("error: SLSA v0.2 names and vendor extensions are unknown fields", () => {
    for (const [edit, path] of [
      [(p) => (p.invocation = {}), "predicate.invocation"],
      [(p) => (p.buildDefinition.materials = []), `${BD}.materials`],
      [(p) => (p.buildDefinition.externalParameters.learningRate = 0.1), `${BD}.externalParameters.learningRate`],
      [(p) => (p.runDetails.builder.acme_isCodeReviewed = true), `${RD}.builder.acme_isCodeReviewed`],
      [(p) => (p.runDetails.metadata.completeness = {}), `${RD}.metadata.completeness`],
      [(p) => (p.buildDefinition.resolvedDependencies[0].localName = "base"), `${DEPS}[0].localName`],
      [(p) => (p.runDetails.byproducts[0].size = 10), `${RD}.byproducts[0].size`],
    ] as const satisfies readonly Case[])
      refused(tampered(edit), path);
  });

  it("error: a dependency without annotations.role", () => {
    refused(
      tampered((p) => delete p.buildDefinition.resolvedDependencies[2].annotations),
      `${DEPS}[2].annotations.role`,
    );
    refused(
      tampered((p) => delete p.buildDefinition.resolvedDependencies[3].annotations.role),
      `${DEPS}[3].annotations.role`,
    );
  });

  it("error: wrong types and values", () => {
    for (const epochs of [0, 2.5, "3", 1_000_001])
      refused(
        tampered((p) => (p.buildDefinition.externalParameters.epochs = epochs)),
        `${BD}.externalParameters.epochs`,
      );
    for (const [edit, path] of [
      [(p) => (p.buildDefinition.buildType = "https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1"), `${BD}.buildType`],
      [(p) => (p.buildDefinition.externalParameters.hyperparameters = "lr=2e-4"), `${BD}.externalParameters.hyperparameters`],
      [(p) => (p.buildDefinition.externalParameters.hyperparameters = [0.0002]), `${BD}.externalParameters.hyperparameters`],
      [(p) => (p.buildDefinition.internalParameters = null), `${BD}.internalParameters`],
      [(p) => (p.buildDefinition.resolvedDependencies = []), DEPS],
      [(p) => (p.buildDefinition.resolvedDependencies[1].annotations.role = "training-data"), `${DEPS}[1].annotations.role`],
      [(p) => (p.runDetails.builder.id = "gpu-cluster-a"), `${RD}.builder.id`],
      [(p) => (p.runDetails.builder.version = "4.2.0"), `${RD}.builder.version`],
      [(p) => (p.runDetails.builder.version = {}), `${RD}.builder.version`],
      [(p) => (p.runDetails.builder.version.cuda = 12.4), `${RD}.builder.version.cuda`],
      [(p) => (p.runDetails.byproducts = []), `${RD}.byproducts`],
      [(p) => (p.buildDefinition.resolvedDependencies[3].mediaType = "oci-index"), `${DEPS}[3].mediaType`],
      [(p) => (p.buildDefinition.resolvedDependencies[0].uri = "models/base-7b"), `${DEPS}[0].uri`],
      [(p) => (p.buildDefinition.resolvedDependencies[0].name = ""), `${DEPS}[0].name`],
      [(p) => (p.buildDefinition.resolvedDependencies[0].annotations = []), `${DEPS}[0].annotations`],
    ] as const satisfies readonly Case[])
      refused(tampered(edit), path);
  });

  it("error: a bad digest", () => {
    for (const [edit, path] of [
      [(p) => (p.buildDefinition.resolvedDependencies[0].digest.sha256 = BASE.toUpperCase()), `${DEPS}[0].digest.sha256`],
      [(p) => (p.buildDefinition.resolvedDependencies[2].digest.gitCommit = COMMIT.slice(1)), `${DEPS}[2].digest.gitCommit`],
      [(p) => (p.buildDefinition.resolvedDependencies[2].digest.gitCommit = COMMIT.toUpperCase()), `${DEPS}[2].digest.gitCommit`],
      [(p) => (p.buildDefinition.resolvedDependencies[2].digest = {}), `${DEPS}[2].digest`],
      [(p) => (p.buildDefinition.resolvedDependencies[2].digest = { GitTree: COMMIT }), `${DEPS}[2].digest.GitTree`],
      [(p) => (p.runDetails.byproducts[0].digest.sha256 = `sha256:${LOG}`), `${RD}.byproducts[0].digest.sha256`],
    ] as const satisfies readonly Case[])
      refused(tampered(edit), path);
  });

  it("error: a bad timestamp", () => {
    refused(
      tampered((p) => (p.runDetails.metadata.startedOn = "2026-11-20T08:00:00+00:00")),
      `${RD}.metadata.startedOn`,
    );
    refused(
      tampered((p) => (p.runDetails.metadata.finishedOn = "yesterday")),
      `${RD}.metadata.finishedOn`,
    );
    refused(
      tampered((p) => (p.runDetails.metadata.finishedOn = "2026-11-21T02:30:00.1234567890Z")),
      `${RD}.metadata.finishedOn`,
    );
    assert.throws(
      () => createTrainingRunPredicate({ ...paramsOf(), startedOn: new Date(""), finishedOn: new Date() }),
      (e: unknown) => e instanceof InputError && e.path === `${RD}.metadata.startedOn`,
    );
  });

  it("error: a base model or dataset without digest.sha256 (lineage edges need it)", () => {
    refused(
      tampered((p) => (p.buildDefinition.resolvedDependencies[0].digest = { sha512: "ab".repeat(64) })),
      `${DEPS}[0].digest.sha256`,
    );
    refused(
      tampered((p) => delete p.buildDefinition.resolvedDependencies[1].digest),
      `${DEPS}[1].digest.sha256`,
    );
    refused(
      tampered((p) => (p.buildDefinition.resolvedDependencies[1].digest = { gitCommit: COMMIT })),
      `${DEPS}[1].digest.sha256`,
    );
  });

  it("error: no dataset among the dependencies", () => {
    refused(
      tampered((p) => (p.buildDefinition.resolvedDependencies[1].annotations.role = "other")),
      DEPS,
    );
  });

  it("error: a descriptor with none of uri, digest, content", () => {
    refused(
      tampered((p) => (p.runDetails.byproducts[0] = { name: "train.log", mediaType: "text/plain" })),
      `${RD}.byproducts[0]`,
    );
    refused(
      tampered((p) => (p.runDetails.builder.builderDependencies = [{ annotations: { role: "code" } }])),
      `${RD}.builder.builderDependencies[0]`,
    );
  });

  it("error: content that is not base64, or not its canonical form (parser only)", () => {
    const withContent = (content: string) => tampered((p) => p.buildDefinition.resolvedDependencies.push({ content, annotations: { role: "other" } }));
    refused(withContent("epochs: 3"), `${DEPS}[4].content`);
    refused(withContent("ZXBvY2hzOiAzCg"), `${DEPS}[4].content`);
    refused(withContent("QR=="), `${DEPS}[4].content`, false);
  });

  it("error: the same base model or dataset listed twice (parser only)", () => {
    refused(
      tampered((p) => p.buildDefinition.resolvedDependencies.push({ ...p.buildDefinition.resolvedDependencies[1], name: "again" })),
      `${DEPS}[4].digest.sha256`,
      false,
    );
  });

  it("error: finishedOn before startedOn (parser only)", () => {
    refused(
      tampered((p) => (p.runDetails.metadata.finishedOn = "2026-11-20T07:59:59.999Z")),
      `${RD}.metadata.finishedOn`,
      false,
    );
    assert.throws(
      () => createTrainingRunPredicate({ ...paramsOf(), startedOn: new Date("2026-11-21T00:00:00Z"), finishedOn: new Date("2026-11-20T00:00:00Z") }),
      (e: unknown) => e instanceof InputError && e.path === `${RD}.metadata.finishedOn`,
    );
  });

  it("error: a key that is both an external and an internal parameter (parser only)", () => {
    refused(
      tampered((p) => (p.buildDefinition.internalParameters.epochs = 4)),
      `${BD}.internalParameters.epochs`,
      false,
    );
  });

  it("error: JSON parameters that canonical JSON cannot represent, or nested too deep (parser only)", () => {
    refused(
      tampered((p) => (p.buildDefinition.externalParameters.hyperparameters.steps = 2 ** 60)),
      `${BD}.externalParameters.hyperparameters.steps`,
      false,
    );
    refused(
      tampered((p) => (p.buildDefinition.internalParameters.host = { name: "gpu\uD800" })),
      `${BD}.internalParameters.host.name`,
      false,
    );
    refused(
      tampered((p) => (p.buildDefinition.resolvedDependencies[0].annotations.sizes = [1, 2 ** 60])),
      `${DEPS}[0].annotations.sizes[1]`,
      false,
    );
    let deep: unknown = 1;
    for (let i = 0; i < 200; i++) deep = [deep];
    refused(
      tampered((p) => (p.buildDefinition.externalParameters.hyperparameters = { deep })),
      `${BD}.externalParameters.hyperparameters`,
      false,
    );
  });
});

function paramsOf() {
  return { hyperparameters: {}, dependencies: [{ role: "dataset" as const, digest: { sha256: TICKETS } }], builder: { id: "https://ml.acme.example/trainer" } };
}

describe("training-run predicate v2 (inputs named by entry)", () => {
  const ajv = new Ajv2020.default({ strict: true, allErrors: true });
  addFormats.default(ajv);
  const validateV2 = ajv.compile(JSON.parse(readFileSync(new URL("../../schemas/predicates/training-run-v2.schema.json", import.meta.url), "utf8")));
  const BASE_ENTRY = `0x${"b1".repeat(32)}` as const;
  const TICKETS_ENTRY = `0x${"d7".repeat(32)}` as const;
  const v2 = createTrainingRunPredicate({
    hyperparameters: { learningRate: 0.0002, seed: 17 },
    dependencies: [
      { role: "base-model", name: "acme/base-7b", digest: { sha256: BASE }, entry: BASE_ENTRY },
      { role: "dataset", name: "acme/claims-tickets@2026-10", digest: { sha256: TICKETS }, entry: TICKETS_ENTRY },
      { role: "code", uri: "git+https://github.com/acme/claims-triage@refs/tags/v1.4.0", digest: { gitCommit: COMMIT } },
    ],
    builder: { id: "https://ml.acme.example/trainer/gpu-cluster-a" },
    startedOn: new Date("2026-11-20T08:00:00Z"),
    finishedOn: new Date("2026-11-21T02:30:00Z"),
  });
  const refusedV2 = refusedBy(parseTrainingRunPredicate, validateV2);
  const tamperedV2 = (edit: (p: any) => void) => tamperedCopy(v2, edit);

  it("default: an entry on any input makes it v2; the frozen vector parses and validates", () => {
    assert.equal(v2.buildDefinition.buildType, TRAINING_RUN_BUILD_TYPE_V2);
    assert.equal(v2.buildDefinition.resolvedDependencies[1]!.annotations.entry, TICKETS_ENTRY);
    assert.equal(validateV2(v2), true, JSON.stringify(validateV2.errors));
    const vector = JSON.parse(readFileSync(new URL("../vectors/training-run-v2.json", import.meta.url), "utf8"));
    assert.deepEqual(vector, v2, "the frozen vector is what createTrainingRunPredicate builds");
    assert.deepEqual(parseTrainingRunPredicate(vector), vector);
    assert.deepEqual(trainingRunEntryReferences(v2), [
      { sha256: BASE, name: "acme/base-7b", role: "base-model", entry: BASE_ENTRY },
      { sha256: TICKETS, name: "acme/claims-tickets@2026-10", role: "dataset", entry: TICKETS_ENTRY },
    ]);
  });

  it("behavior: v1 stays v1 (the frozen v1 vector parses, names no entries); the v1 schema refuses a v2 predicate", () => {
    const v1 = parseTrainingRunPredicate(vector);
    assert.equal(v1.buildDefinition.buildType, TRAINING_RUN_BUILD_TYPE);
    assert.deepEqual(trainingRunEntryReferences(v1), []);
    // In v1 `annotations.entry` is free text, never interpreted.
    assert.deepEqual(
      trainingRunEntryReferences(parseTrainingRunPredicate(tampered((p) => (p.buildDefinition.resolvedDependencies[1].annotations.entry = "see ticket 17")))),
      [],
    );
    assert.equal(validateSchema(v2), false);
  });

  it("error: a v2 base model or dataset without annotations.entry, or with one that is not an entry id", () => {
    refusedV2(
      tamperedV2((p) => delete p.buildDefinition.resolvedDependencies[1].annotations.entry),
      `${DEPS}[1].annotations.entry`,
    );
    refusedV2(
      tamperedV2((p) => delete p.buildDefinition.resolvedDependencies[0].annotations.entry),
      `${DEPS}[0].annotations.entry`,
    );
    refusedV2(
      tamperedV2((p) => (p.buildDefinition.resolvedDependencies[1].annotations.entry = TICKETS_ENTRY.toUpperCase().replace("0X", "0x"))),
      `${DEPS}[1].annotations.entry`,
    );
    refusedV2(
      tamperedV2((p) => (p.buildDefinition.resolvedDependencies[1].annotations.entry = TICKETS_ENTRY.slice(2))),
      `${DEPS}[1].annotations.entry`,
    );
    assert.equal(v2.buildDefinition.resolvedDependencies[2]!.annotations.entry, undefined, "a code dependency needs none");
  });

  it("error: createTrainingRunPredicate refuses entries on some inputs only", () => {
    assert.throws(
      () =>
        createTrainingRunPredicate({
          hyperparameters: {},
          dependencies: [
            { role: "base-model", name: "acme/base-7b", digest: { sha256: BASE }, entry: BASE_ENTRY },
            { role: "dataset", name: "tickets", digest: { sha256: TICKETS } },
          ],
          builder: { id: "https://ml.acme.example/trainer" },
          startedOn: new Date("2026-11-20T08:00:00Z"),
          finishedOn: new Date("2026-11-21T02:30:00Z"),
        }),
      (e: unknown) => e instanceof InputError && e.path === `${DEPS}[1].annotations.entry`,
    );
  });
});
