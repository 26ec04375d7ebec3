import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { predicateCase, refusedToCreate } from "../helpers/predicateHarness.js";
import {
  MODEL_UPDATE_PREDICATE_TYPE,
  createModelUpdatePredicate,
  modelUpdateParents,
  parseModelUpdatePredicate,
} from "../../src/formats/predicates/modelUpdate.js";

const V130 = "54a912c7c93cb2c294eef579862d25b78e92b4ba18973cd976a170462e7decd1";
const V140 = "e40eb694a48d3d33138f4eaa6b9a134c75ea26e14d3f731a4d16129ae2aafc2a";
const TRAINING_RUN = "0xca98db94d5466a4edd129711d77192992da6632c4165ea337966855e4008a178";

const example = createModelUpdatePredicate({
  kind: "quantisation",
  parents: [{ name: "acme/claims-triage@1.4.0", digest: { sha256: V140 } }],
  description: "4-bit GPTQ quantisation of 1.4.0 for CPU inference in branch offices.",
  parameters: { bits: 4, method: "gptq", groupSize: 128, calibration: { dataset: "acme/claims-tickets@2026-10", samples: 512 } },
  updatedAt: new Date("2026-11-23T11:00:00Z"),
});

const { validateSchema, tampered, refused, refusedAt, refusedEach } = predicateCase(
  "model-update",
  MODEL_UPDATE_PREDICATE_TYPE,
  parseModelUpdatePredicate,
  example,
);

const merge = (parents: unknown[]) => tampered((p) => Object.assign(p, { kind: "merge", parents }));
const parent = (name: string, sha256: string) => ({ name, digest: { sha256 } });

describe("model-update predicate", () => {
  it("behavior: modelUpdateParents lists the parents as lineage edges", () => {
    assert.deepEqual(modelUpdateParents(example), [{ sha256: V140, name: "acme/claims-triage@1.4.0", role: "parent-model" }]);
    const merged = parseModelUpdatePredicate(merge([parent("acme/claims-triage@1.3.0", V130), parent("acme/claims-triage@1.4.0", V140)]));
    assert.deepEqual(
      modelUpdateParents(merged).map((edge) => edge.sha256),
      [V130, V140],
    );
  });

  it("behavior: a fine-tune that names its training run; a merge of many", () => {
    const fineTune = createModelUpdatePredicate({
      kind: "fine-tune",
      parents: [parent("acme/claims-triage@1.3.0", V130)],
      updatedAt: new Date("2026-11-21T03:00:00Z"),
      trainingRun: TRAINING_RUN,
    });
    assert.equal(fineTune.trainingRun, TRAINING_RUN);
    assert.equal(validateSchema(fineTune), true);
    const many = merge(Array.from({ length: 100 }, (_, i) => parent(`m${i}`, i.toString(16).padStart(64, "0"))));
    assert.equal(parseModelUpdatePredicate(many).parents.length, 100);
    assert.equal(validateSchema(many), true);
  });

  it("error: unknown fields, the singular parent included", () => {
    refusedEach([
      ["parent", example.parents[0]],
      ["child", { sha256: V130 }],
      ["parents[0].version", "1.4.0"],
    ]);
  });

  it("error: wrong types and values", () => {
    refusedAt("kind", ["quantization", "finetune", "Merge", 1]);
    refusedAt("parents", [example.parents[0]]);
    refusedAt("parameters", [["bits", 4], "bits=4"]);
    refusedAt("description", [""]);
  });

  it("error: a bad digest or training-run entry id", () => {
    refusedEach([
      ["parents[0].digest.sha256", V140.slice(0, 40)],
      ["parents[0].digest", { sha1: "11f6ad8ec52a2984abaafd7c3b516503785c2072" }, "parents[0].digest.sha256"],
    ]);
    refusedAt("trainingRun", [TRAINING_RUN.slice(2), TRAINING_RUN.toUpperCase().replace("0X", "0x"), `${TRAINING_RUN}ab`]);
  });

  it("error: a bad timestamp", () => {
    refusedAt("updatedAt", ["2026-11-23", "2026-11-23T11:00:00.Z", "2026-13-01T00:00:00Z"]);
    refusedToCreate(() => createModelUpdatePredicate({ ...example, updatedAt: new Date(Number.NaN) }), "predicate.updatedAt");
  });

  it("error: a merge of fewer than two parents, more than one parent otherwise, or too many", () => {
    refused(merge([parent("acme/claims-triage@1.4.0", V140)]), "predicate.parents");
    refused(merge([]), "predicate.parents");
    refused(
      tampered((p) => p.parents.push(parent("acme/claims-triage@1.3.0", V130))),
      "predicate.parents",
    );
    refusedAt("parents", [[]]);
    refused(merge(Array.from({ length: 101 }, (_, i) => parent(`m${i}`, i.toString(16).padStart(64, "0")))), "predicate.parents");
  });

  it("error: the same parent twice in a merge (parser only)", () => {
    refused(merge([parent("acme/claims-triage@1.4.0", V140), parent("claims-triage-1.4.0-copy", V140)]), "predicate.parents[1].digest.sha256", false);
  });

  it("error: parameters that canonical JSON cannot represent (parser only)", () => {
    refusedEach(
      [
        ["parameters.calibration.seed", 2 ** 53],
        ["parameters.note", "\uDC00"],
      ],
      false,
    );
  });
});
