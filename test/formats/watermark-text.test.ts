import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { WatermarkError } from "../../src/core/errors/watermark.js";
import {
  createWatermarkLogitsProcessor,
  detectTextWatermark,
  greenLimit,
  greenListSeed,
  greenMask,
  greenValue,
} from "../../src/formats/watermark/textWatermark.js";
import { Xoshiro128 } from "../../src/formats/watermark/prng.js";
import { createWatermarkKey, keyCommitment } from "../../src/formats/watermark/watermarkKey.js";
import { PositionStream, watermarkPayload } from "../../src/formats/watermark/weightWatermark.js";

const vectors = JSON.parse(readFileSync(new URL("../vectors/watermark-v1.json", import.meta.url), "utf8"));
const secret = Uint8Array.from(Buffer.from(vectors.secret, "hex"));
const textKey = createWatermarkKey("text", secret, { gamma: 0.25, delta: 2 });
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("watermark vectors and text watermark", () => {
  it("default: the frozen vectors (checked against Python's hashlib when frozen) still come out", () => {
    assert.equal(keyCommitment(textKey), vectors.keyCommitment.text);
    assert.equal(keyCommitment(createWatermarkKey("weights", secret)), vectors.keyCommitment.weights);
    assert.equal(watermarkPayload(vectors.weights.unmarkedSha256, vectors.keyCommitment.weights), vectors.weights.payload);
    for (const [spacing, expected] of [
      [1, vectors.weights.positionsSpacing1],
      [3, vectors.weights.positionsSpacing3],
    ] as const) {
      const s = new PositionStream(secret, vectors.weights.tensor, spacing);
      const got = Array.from({ length: 8 }, () => {
        const v = { position: s.pos, channel: s.channel, chip: s.chip };
        s.advance();
        return v;
      });
      assert.deepEqual(got, expected, `spacing ${spacing}`);
    }
    assert.equal(greenLimit(0.25), vectors.text.greenLimit);
    for (const c of vectors.text.cases) {
      const seed = greenListSeed(secret, c.previousToken);
      assert.equal(hex(seed), c.seed);
      assert.equal(greenValue(seed, c.token), c.value);
      assert.equal(c.value < greenLimit(0.25), c.green);
    }
    assert.equal(Array.from(greenMask(secret, 0.25, 42, 64)).join(""), vectors.text.greenMaskAfter42Vocabulary64);
  });

  it("behavior: the processor adds δ to exactly the green tokens; generation is detected, plain text is not", () => {
    const vocabulary = 300;
    const processor = createWatermarkLogitsProcessor(textKey, { vocabularySize: vocabulary, cacheSize: 2 });
    const logits = new Float32Array(vocabulary);
    processor(7, logits);
    const mask = greenMask(secret, 0.25, 7, vocabulary);
    assert.deepEqual(
      Array.from(logits),
      Array.from(mask, (g) => (g ? 2 : 0)),
    );
    const rng = new Xoshiro128(new Uint8Array(16).fill(3));
    const sample = (l: Float32Array) => {
      const max = Math.max(...l);
      const p = Array.from(l, (x) => Math.exp(x - max));
      let u = (rng.next() / 4294967296) * p.reduce((a, b) => a + b, 0);
      let t = 0;
      while ((u -= p[t]!) > 0 && t < p.length - 1) t++;
      return t;
    };
    const generate = (marked: boolean) => {
      const tokens = [0];
      for (let i = 0; i < 200; i++) {
        const l = Float32Array.from({ length: vocabulary }, () => 2 * Math.cos(rng.next()));
        if (marked) processor(tokens.at(-1)!, l);
        tokens.push(sample(l));
      }
      return tokens;
    };
    const marked = detectTextWatermark(generate(true), textKey);
    assert.equal(marked.detected, true, `z ${marked.z}`);
    assert.equal(marked.scored, 200);
    const plain = detectTextWatermark(generate(false), textKey);
    assert.equal(plain.detected, false, `z ${plain.z}`);
    // z = (G − γT) / √(Tγ(1 − γ)), by hand.
    assert.ok(Math.abs(marked.z - (marked.green - 50) / Math.sqrt(200 * 0.25 * 0.75)) < 1e-12);
  });

  it("error: a weights key, out-of-range token ids and wrongly sized logits are refused", () => {
    const weightsKey = createWatermarkKey("weights", secret);
    assert.throws(
      () => detectTextWatermark([1, 2], weightsKey),
      (e: unknown) => e instanceof WatermarkError && e.code === "WRONG_KEY_KIND",
    );
    assert.throws(
      () => detectTextWatermark([1, -2], textKey),
      (e: unknown) => e instanceof WatermarkError && /token id/.test(e.message),
    );
    const processor = createWatermarkLogitsProcessor(textKey, { vocabularySize: 10 });
    assert.throws(
      () => processor(1, new Float32Array(9)),
      (e: unknown) => e instanceof WatermarkError && /expected 10 logits/.test(e.message),
    );
  });
});
