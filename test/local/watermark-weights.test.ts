import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { WatermarkError } from "../../src/core/errors/watermark.js";
import { hashModel } from "../../src/local/hashing/hashModel.js";
import { decodeFloats, encodeFloats } from "../../src/formats/safetensors/dtype.js";
import { serializeSafetensors } from "../../src/formats/safetensors/header.js";
import { readSafetensorsHeader, rewriteSafetensorsFile } from "../../src/local/safetensorsFile.js";
import { convolutionalEncode, viterbiDecode } from "../../src/formats/watermark/convolutionalCode.js";
import { detectModelWatermark, embedModelWatermark } from "../../src/local/embedModel.js";
import { Xoshiro128 } from "../../src/formats/watermark/prng.js";
import { createWatermarkKey, keyCommitment, parseWatermarkKey, serializeWatermarkKey } from "../../src/formats/watermark/watermarkKey.js";
import { DETECTION_THRESHOLD, PositionStream, watermarkPayload } from "../../src/formats/watermark/weightWatermark.js";

const scratch = mkdtempSync(join(existsSync("/dev/shm") ? "/dev/shm" : tmpdir(), "watermark-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

const rng = new Xoshiro128(new Uint8Array(16).fill(42));
const gauss = () => Math.sqrt(-2 * Math.log((rng.next() + 1) / 4294967297)) * Math.cos((2 * Math.PI * rng.next()) / 4294967296);
const randomValues = (n: number, scale: number) => Float32Array.from({ length: n }, () => gauss() * scale);
const bytesOf = (values: Float32Array, dtype: "F32" | "F16" | "BF16") => {
  const out = new Uint8Array(values.length * (dtype === "F32" ? 4 : 2));
  encodeFloats(values, dtype, out);
  return out;
};

/** A 3-layer MLP's weights (≈ 330k elements): two F32 matrices, one BF16 matrix, a 1-D bias. */
const layers = { w1: randomValues(256 * 512, 0.05), w2: randomValues(512 * 256, 0.02), w3: randomValues(128 * 512, 0.03), b1: randomValues(256, 0.1) };
function writeModel(file: string, w = layers): void {
  writeFileSync(
    file,
    serializeSafetensors(
      [
        { name: "l1.weight", dtype: "F32", shape: [256, 512], data: bytesOf(w.w1, "F32") },
        { name: "l1.bias", dtype: "F32", shape: [256], data: bytesOf(w.b1, "F32") },
        { name: "l2.weight", dtype: "F32", shape: [512, 256], data: bytesOf(w.w2, "F32") },
        { name: "l3.weight", dtype: "BF16", shape: [128, 512], data: bytesOf(w.w3, "BF16") },
      ],
      { format: "pt" },
    ),
  );
}
async function tensorValues(file: string, name: string): Promise<Float32Array<ArrayBuffer>> {
  const header = await readSafetensorsHeader(file);
  const t = header.tensors.find((x) => x.name === name)!;
  return Float32Array.from(decodeFloats(readFileSync(file).subarray(t.begin, t.end), t.dtype as "F32"));
}

const key = createWatermarkKey("weights", new Uint8Array(32).fill(7));
const unmarked = join(scratch, "model.safetensors");
const marked = join(scratch, "marked.safetensors");
writeModel(unmarked);
let payload = "";

describe("weight watermark", () => {
  it("default: embeds a 64-bit payload that blind detection decodes with the key, z ≥ 6", async () => {
    payload = watermarkPayload((await hashModel(unmarked)).sha256, keyCommitment(key));
    const embedded = await embedModelWatermark({ model: unmarked, output: marked, key, payload, strength: 0.04 });
    assert.deepEqual(
      embedded.tensors.map((t) => t.name),
      ["l1.weight", "l2.weight", "l3.weight"],
      "2-D float tensors only",
    );
    const result = await detectModelWatermark({ model: marked, key, expectedPayload: payload });
    assert.equal(result.detected, true, JSON.stringify(result));
    assert.ok(result.z >= DETECTION_THRESHOLD, `z ${result.z}`);
    assert.equal(result.payload, payload);
    assert.equal(result.payloadBitErrors, 0);
    // The header and the bias are untouched; the marked weights moved by about α·|w|.
    const [a, b] = [readFileSync(unmarked), readFileSync(marked)];
    const header = await readSafetensorsHeader(unmarked);
    assert.deepEqual(b.subarray(0, header.dataStart), a.subarray(0, header.dataStart));
    assert.deepEqual(await tensorValues(marked, "l1.bias"), await tensorValues(unmarked, "l1.bias"));
    const [w, m] = [await tensorValues(unmarked, "l1.weight"), await tensorValues(marked, "l1.weight")];
    let [change, energy] = [0, 0];
    for (let i = 0; i < w.length; i++) [change, energy] = [change + (m[i]! - w[i]!) ** 2, energy + w[i]! ** 2];
    assert.ok(Math.sqrt(change / energy) > 0.03 && Math.sqrt(change / energy) < 0.1, `relative RMS change ${Math.sqrt(change / energy)}`);
  });

  it("behavior: the unmarked model, wrong keys and a text key's secret are not detected", async () => {
    const clean = await detectModelWatermark({ model: unmarked, key });
    assert.equal(clean.detected, false);
    assert.ok(Math.abs(clean.z) < 4.5, `z ${clean.z}`);
    for (let k = 0; k < 5; k++) {
      const wrong = createWatermarkKey("weights", new Uint8Array(32).fill(100 + k));
      const r = await detectModelWatermark({ model: marked, key: wrong });
      assert.equal(r.detected, false, `wrong key ${k}: z ${r.z}`);
    }
  });

  it("behavior: survives a cast to F16 and noise of 30 % of each tensor's standard deviation", async () => {
    const cast = join(scratch, "cast.safetensors");
    const w = {
      w1: await tensorValues(marked, "l1.weight"),
      w2: await tensorValues(marked, "l2.weight"),
      w3: await tensorValues(marked, "l3.weight"),
      b1: layers.b1,
    };
    writeFileSync(
      cast,
      serializeSafetensors([
        { name: "l1.weight", dtype: "F16", shape: [256, 512], data: bytesOf(w.w1, "F16") },
        { name: "l2.weight", dtype: "F16", shape: [512, 256], data: bytesOf(w.w2, "F16") },
        { name: "l3.weight", dtype: "F16", shape: [128, 512], data: bytesOf(w.w3, "F16") },
      ]),
    );
    const r = await detectModelWatermark({ model: cast, key, expectedPayload: payload });
    assert.equal(r.detected, true, `F16: z ${r.z}`);
    assert.equal(r.payloadBitErrors, 0);
    const noisy = join(scratch, "noisy.safetensors");
    await rewriteSafetensorsFile(marked, noisy, (t, chunk) => {
      if (t.shape.length < 2) return;
      const values = decodeFloats(chunk, t.dtype as "F32");
      let sq = 0;
      for (const v of values) sq += v * v;
      const sigma = Math.sqrt(sq / values.length);
      for (let i = 0; i < values.length; i++) values[i] = values[i]! + 0.3 * sigma * gauss();
      encodeFloats(values, t.dtype as "F32", chunk);
    });
    const n = await detectModelWatermark({ model: noisy, key, expectedPayload: payload });
    assert.equal(n.detected, true, `noise: z ${n.z}`);
    assert.equal(n.payloadBitErrors, 0);
  });

  it("behavior: non-blind detection with the original undoes a permutation of neurons that defeats blind detection", async () => {
    // Permute the 256 hidden neurons between l1 and l2 (rows of l1, its bias, columns of l2): the function is unchanged.
    const perm = Array.from({ length: 256 }, (_, i) => i);
    for (let i = 255; i > 0; i--) {
      const j = rng.next() % (i + 1);
      [perm[i], perm[j]] = [perm[j]!, perm[i]!];
    }
    const w1 = await tensorValues(marked, "l1.weight");
    const w2 = await tensorValues(marked, "l2.weight");
    const p1 = new Float32Array(w1.length);
    const p2 = new Float32Array(w2.length);
    const pb = new Float32Array(256);
    for (let i = 0; i < 256; i++) {
      p1.set(w1.subarray(i * 512, i * 512 + 512), perm[i]! * 512);
      pb[perm[i]!] = layers.b1[i]!;
      for (let r = 0; r < 512; r++) p2[r * 256 + perm[i]!] = w2[r * 256 + i]!;
    }
    const permuted = join(scratch, "permuted.safetensors");
    writeModel(permuted, { w1: p1, w2: p2, w3: await tensorValues(marked, "l3.weight"), b1: pb });
    const blind = await detectModelWatermark({ model: permuted, key, expectedPayload: payload });
    assert.equal(blind.detected, false, `blind after permutation: z ${blind.z}`);
    const nonBlind = await detectModelWatermark({ model: permuted, key, original: unmarked, expectedPayload: payload });
    assert.equal(nonBlind.mode, "non-blind");
    assert.equal(nonBlind.detected, true, `non-blind: z ${nonBlind.z}`);
    assert.equal(nonBlind.payload, payload, JSON.stringify(nonBlind));
  });

  it("behavior: the code corrects scattered errors; the generator and the PRNG match their references", () => {
    // Impulse response of the (171, 133) code: the generators' taps, newest first.
    assert.deepEqual(convolutionalEncode([1]).slice(0, 14), [1, 1, 1, 0, 1, 1, 1, 1, 0, 0, 0, 1, 1, 1]);
    const bits = Array.from({ length: 64 }, (_, i) => ((i * 7 + 3) % 5 > 2 ? 1 : 0));
    const soft: number[] = convolutionalEncode(bits).map((b) => (b ? 1 : -1));
    for (const i of [3, 20, 41, 60, 77, 95, 110, 133]) soft[i] = -soft[i]!;
    assert.deepEqual(viterbiDecode(soft, 64), bits);
    // xoshiro128** from state (1, 2, 3, 4), as the reference C implementation gives.
    const g = new Xoshiro128(new Uint8Array([1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0]));
    assert.deepEqual([g.next(), g.next(), g.next(), g.next()], [11520, 0, 5927040, 70819200]);
    // Positions are increasing and keyed: another key or tensor name gives another sequence.
    const seq = (secret: Uint8Array, name: string, spacing: number) => {
      const s = new PositionStream(secret, name, spacing);
      return Array.from({ length: 6 }, () => {
        const v: number[] = [s.pos, s.channel, s.chip as number];
        s.advance();
        return v;
      });
    };
    const a = seq(key.secret, "l1.weight", 3);
    assert.ok(a.every((v, i) => i === 0 || v[0]! > a[i - 1]![0]!));
    assert.notDeepEqual(seq(key.secret, "l2.weight", 3), a);
    assert.notDeepEqual(seq(new Uint8Array(32), "l1.weight", 3), a);
  });

  it("error: a key file that is not a weights watermark key of this version is named", () => {
    const wrong = (value: unknown, pattern: RegExp) =>
      assert.throws(
        () => parseWatermarkKey(value),
        (e: unknown) => e instanceof WatermarkError && e.code === "INVALID_KEY_FILE" && pattern.test(e.message),
      );
    const good = JSON.parse(serializeWatermarkKey(key));
    assert.deepEqual(parseWatermarkKey(good), key);
    wrong({ ...good, format: "provenance-ledger/watermark-key/v2" }, /format must be "provenance-ledger\/watermark-key\/v1"/);
    wrong({ format: "provenance-signing-key-v1", algorithm: "ed25519", privateKey: "x" }, /looks like a signing key/);
    wrong({ ...good, secret: "00" }, /key file\.secret: must be 64 lower-case hex digits/);
    wrong({ ...good, kind: "images" }, /key file\.kind/);
    wrong({ ...good, parameters: { spacing: 0 } }, /parameters\.spacing/);
    wrong({ ...good, extra: 1 }, /key file\.extra: unknown field/);
  });

  it("error: a text key, and a model with no tensor large enough to carry the payload, are refused", async () => {
    const text = createWatermarkKey("text", new Uint8Array(32).fill(1));
    await assert.rejects(detectModelWatermark({ model: marked, key: text }), (e: unknown) => e instanceof WatermarkError && e.code === "WRONG_KEY_KIND");
    const tiny = join(scratch, "tiny.safetensors");
    writeFileSync(
      tiny,
      serializeSafetensors([
        { name: "w", dtype: "F32", shape: [32, 64], data: bytesOf(randomValues(2048, 1), "F32") },
        { name: "big.bias", dtype: "F32", shape: [100000], data: bytesOf(randomValues(100000, 1), "F32") },
        { name: "ids", dtype: "I32", shape: [100, 100], data: new Uint8Array(40000) },
      ]),
    );
    await assert.rejects(
      embedModelWatermark({ model: tiny, output: join(scratch, "tiny-out.safetensors"), key, payload: "0123456789abcdef", strength: 0.04 }),
      (e: unknown) => {
        assert.ok(e instanceof WatermarkError && e.code === "NO_CAPACITY", String(e));
        assert.match(e.message, /no tensor is large enough/);
        return true;
      },
    );
    assert.equal(existsSync(join(scratch, "tiny-out.safetensors")), false, "nothing is written");
    mkdirSync(join(scratch, "unused"), { recursive: true });
  });
});
