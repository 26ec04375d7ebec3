import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { predicateCase, refusedBy, tamperedCopy } from "../helpers/predicateHarness.js";
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

const { validateSchema, tampered, refused } = predicateCase("model-watermark", MODEL_WATERMARK_PREDICATE_TYPE, parseModelWatermarkPredicate, example);

describe("model-watermark predicate", () => {
  it("behavior: a text watermark names its deployment; both kinds return fresh copies", () => {
    assert.deepEqual(parseModelWatermarkPredicate(text), text);
    assert.equal(validateSchema(text), true, JSON.stringify(validateSchema.errors));
    const input = structuredClone(example);
    const parsed = parseModelWatermarkPredicate(input) as Extract<ModelWatermarkPredicate, { kind: "weights" }>;
    assert.notEqual(parsed.tensors, (input as typeof parsed).tensors);
  });

  it("error: refusals name the field, and the schema refuses the same", () => {
    refused(
      tampered((p) => (p.kind = "image")),
      "predicate.kind",
    );
    refused(
      tampered((p) => (p.scheme = "provenance-ledger/text-greenlist-v1")),
      "predicate.scheme",
    );
    refused(
      tampered((p) => (p.keyCommitment = "sha256:ABC")),
      "predicate.keyCommitment",
    );
    refused(
      tampered((p) => (p.secret = "00")),
      "predicate.secret",
    );
    refused(
      tampered((p) => (p.parameters.strength = 0)),
      "predicate.parameters.strength",
    );
    refused(
      tampered((p) => (p.parameters.spacing = 65)),
      "predicate.parameters.spacing",
    );
    refused(
      tampered((p) => (p.tensors[0].shape = [4096])),
      "predicate.tensors[0].shape",
    );
    refused(
      tampered((p) => (p.tensors[0].dtype = "I8")),
      "predicate.tensors[0].dtype",
    );
    refused(
      tampered((p) => (p.tensors[1].name = p.tensors[0].name)),
      "predicate.tensors[1].name",
      false,
    );
    refused(
      tampered((p) => (p.payload = "9c1f04a7")),
      "predicate.payload",
    );
    refused(
      tampered((p) => (p.payloadDerivation = "sha256(model)")),
      "predicate.payloadDerivation",
    );
    refused(
      tampered((p) => delete p.unmarkedModel),
      "predicate.unmarkedModel",
    );
    const refusedText = refusedBy(parseModelWatermarkPredicate, validateSchema);
    refusedText(
      tamperedCopy(text, (p) => (p.parameters.gamma = 1)),
      "predicate.parameters.gamma",
    );
    refusedText(
      tamperedCopy(text, (p) => delete p.deployment),
      "predicate.deployment",
    );
    refusedText(
      tamperedCopy(text, (p) => (p.tensors = example.kind === "weights" ? example.tensors : [])),
      "predicate.tensors",
    );
  });
});
