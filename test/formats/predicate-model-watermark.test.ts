import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { predicateCase, refusalsOf } from "../helpers/predicateHarness.js";
import {
  MODEL_WATERMARK_PREDICATE_TYPE,
  type ModelWatermarkPredicate,
  createModelWatermarkPredicate,
  parseModelWatermarkPredicate,
} from "../../src/formats/predicates/modelWatermark.js";

const example = createModelWatermarkPredicate({
  kind: "weights",
  scheme: "provenance-ledger/weights-ss-v1",
  keyCommitment: "sha256:6f1e0c2b9d8a7f6e5d4c3b2a19087f6e5d4c3b2a19087f6e5d4c3b2a19087f6e",
  parameters: { strength: 0.04, spacing: 1, threshold: 6 },
  tensors: [
    { name: "model.layers.0.mlp.down_proj.weight", dtype: "BF16", shape: [4096, 11008], positions: 45088768 },
    { name: "model.layers.0.mlp.up_proj.weight", dtype: "BF16", shape: [11008, 4096], positions: 45088768 },
  ],
  unmarkedModel: { sha256: "e40eb694d8a5a3f0c9e2b1f7a6d5c4b3a2918070f6e5d4c3b2a1908f7e6d5c4b" },
  payload: "9c1f04a7e2b3d658",
  payloadDerivation: "provenance-ledger/watermark/payload/v1",
});
const text: ModelWatermarkPredicate = {
  kind: "text",
  scheme: "provenance-ledger/text-greenlist-v1",
  keyCommitment: "sha256:0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9",
  parameters: { gamma: 0.25, delta: 2, threshold: 4 },
  deployment: { name: "claims-assistant-eu", uri: "https://assistant.acme.example/v1" },
  vocabularySize: 32000,
};

const { validateSchema, refusedAt, refusedEach } = predicateCase("model-watermark", MODEL_WATERMARK_PREDICATE_TYPE, parseModelWatermarkPredicate, example);

describe("model-watermark predicate", () => {
  it("behavior: a text watermark names its deployment; both kinds return fresh copies", () => {
    assert.deepEqual(parseModelWatermarkPredicate(text), text);
    assert.equal(validateSchema(text), true, JSON.stringify(validateSchema.errors));
    const input = structuredClone(example);
    const parsed = parseModelWatermarkPredicate(input) as Extract<ModelWatermarkPredicate, { kind: "weights" }>;
    assert.notEqual(parsed.tensors, (input as typeof parsed).tensors);
  });

  it("error: refusals name the field, and the schema refuses the same", () => {
    refusedEach([
      ["kind", "image"],
      ["scheme", "provenance-ledger/text-greenlist-v1"],
      ["keyCommitment", "sha256:ABC"],
      ["secret", "00"],
      ["parameters.strength", 0],
      ["parameters.spacing", 65],
      ["tensors[0].shape", [4096]],
      ["tensors[0].dtype", "I8"],
      ["payload", "9c1f04a7"],
      ["payloadDerivation", "sha256(model)"],
      ["unmarkedModel", undefined],
    ]);
    refusedAt("tensors[1].name", ["model.layers.0.mlp.down_proj.weight"], false);
    const weights = example.kind === "weights" ? example.tensors : [];
    const textRefusals = refusalsOf(parseModelWatermarkPredicate, validateSchema, text);
    textRefusals.refusedEach([
      ["parameters.gamma", 1],
      ["deployment", undefined],
      ["tensors", weights],
    ]);
  });
});
