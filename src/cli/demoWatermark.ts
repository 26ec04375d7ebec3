import { randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { MODEL_WATERMARK_PREDICATE_TYPE } from "../formats/predicates/modelWatermark.js";
import { parseBundle, serializeBundle } from "../formats/bundle.js";
import { buildBundle } from "../ledger/buildBundle.js";
import { verifyBundle } from "../verify/verifyBundle.js";
import type { TrustedChainReader } from "../chain/trustMode.js";
import { hashModel } from "../local/hashing/hashModel.js";
import type { Hex } from "../core/hex.js";
import { type PipelineContext, attestModel } from "../ledger/pipeline/modelPipeline.js";
import { decodeFloats, encodeFloats } from "../formats/safetensors/dtype.js";
import { serializeSafetensors } from "../formats/safetensors/header.js";
import { readSafetensorsHeader } from "../local/safetensorsFile.js";
import { WATERMARK_VERIFICATION_POLICY, findAnchoredWatermark } from "../verify/anchoredWatermark.js";
import { detectModelWatermark, markModelWeights } from "../local/embedModel.js";
import { Xoshiro128 } from "../formats/watermark/prng.js";
import { createWatermarkKey } from "../formats/watermark/watermarkKey.js";
import { DEFAULT_STRENGTH } from "../formats/watermark/weightWatermark.js";
import type { Output } from "./output.js";

/**
 * The demo's weights: a real safetensors MLP (≈ 1.7 MB, 64 → 512 → 512 → 2 in F32, He-initialised
 * from random seed bytes), so the watermark step has tensors to mark.
 */
export function demoSafetensors(): Uint8Array {
  const rng = new Xoshiro128(randomBytes(16));
  const gauss = () => Math.sqrt(-2 * Math.log((rng.next() + 0.5) / 4294967296)) * Math.cos((2 * Math.PI * rng.next()) / 4294967296);
  const layer = (rows: number, cols: number) => new Uint8Array(Float32Array.from({ length: rows * cols }, () => gauss() * Math.sqrt(2 / cols)).buffer);
  return serializeSafetensors(
    [
      { name: "fc1.weight", dtype: "F32", shape: [512, 64], data: layer(512, 64) },
      { name: "fc1.bias", dtype: "F32", shape: [512], data: new Uint8Array(2048) },
      { name: "fc2.weight", dtype: "F32", shape: [512, 512], data: layer(512, 512) },
      { name: "fc2.bias", dtype: "F32", shape: [512], data: new Uint8Array(2048) },
      { name: "fc3.weight", dtype: "F32", shape: [2, 512], data: layer(2, 512) },
    ],
    { format: "pt" },
  );
}

export type DemoWatermarkParameters = {
  readonly context: PipelineContext;
  readonly work: string;
  /** The fine-tuned model's directory (holding model.safetensors). */
  readonly model: { readonly name: string; readonly path: string };
  readonly anchor: () => Promise<{ block: number }>;
  /** `chain()`: a reader for one verification, in the demo's trust mode. */
  readonly pins: { readonly chain: () => TrustedChainReader; readonly chainId: number; readonly registry: Hex };
  readonly step: number;
};

/**
 * The demo's watermark step: the owner marks the fine-tune's weights with a fresh key, attests
 * and anchors the model-watermark predicate (the key's commitment, not the key); a copy leaks,
 * quantised to int8 and stored as BF16; the owner reveals the key, which matches the anchored
 * commitment of a verified bundle, and detection on the leaked copy decodes the anchored payload.
 * True if all of that happened.
 */
export async function demoWatermark(out: Output, p: DemoWatermarkParameters): Promise<boolean> {
  const say = (line: string) => out.say(line);
  say(`${p.step}. Watermark: the fine-tune's weights are marked, the commitment anchored, a quantised copy leaks:`);
  const key = createWatermarkKey("weights", new Uint8Array(randomBytes(32)));
  const markedPath = join(p.work, `${p.model.name.replace("/", "-")}-watermarked`);
  const {
    predicate,
    payload,
    keyCommitment: commitment,
    tensors,
    positions,
  } = await markModelWeights({
    model: p.model.path,
    output: markedPath,
    key,
    strength: DEFAULT_STRENGTH,
  });
  const marked = await hashModel(markedPath);
  say(
    `   embedded payload ${payload} in ${tensors.length} tensors (${positions} weights, alpha = ${DEFAULT_STRENGTH}); key commitment ${commitment.slice(0, 23)}…`,
  );
  const markedName = `${p.model.name}+watermark`;
  await attestModel(p.context, { name: markedName, sha256: marked.sha256 }, MODEL_WATERMARK_PREDICATE_TYPE, predicate);
  const { block } = await p.anchor();
  say(`   model-watermark attestation about ${markedName} (sha256 ${marked.sha256.slice(0, 16)}…) signed and anchored at block ${block}`);

  // The leak: int8 per-tensor quantisation, then stored as BF16 (a different dtype and file).
  const source = join(markedPath, "model.safetensors");
  const header = await readSafetensorsHeader(source);
  const bytes = await readFile(source);
  const leaked = serializeSafetensors(
    header.tensors.map((t) => {
      const values = decodeFloats(bytes.subarray(t.begin, t.end), "F32");
      let max = 0;
      for (const v of values) max = Math.max(max, Math.abs(v));
      const scale = max / 127 || 1;
      for (let i = 0; i < values.length; i++) values[i] = Math.round(values[i]! / scale) * scale;
      const data = new Uint8Array(values.length * 2);
      encodeFloats(values, "BF16", data);
      return { name: t.name, dtype: "BF16" as const, shape: t.shape, data };
    }),
  );
  const leakedFile = join(p.work, "leaked-int8-bf16.safetensors");
  await writeFile(leakedFile, leaked);
  say(`   a copy leaks, quantised to int8 and stored as BF16: ${leakedFile}`);

  // The dispute: the owner reveals the key; anyone checks it against the anchored commitment.
  const bundleFile = join(p.work, "watermarked.bundle.json");
  await writeFile(bundleFile, serializeBundle(buildBundle(p.context.store, marked.sha256)));
  const chain = p.pins.chain();
  const verified = await verifyBundle({
    chain,
    chainId: p.pins.chainId,
    registry: p.pins.registry,
    policy: WATERMARK_VERIFICATION_POLICY,
    bundle: parseBundle(await readFile(bundleFile, "utf8")),
  });
  const match = findAnchoredWatermark(verified.attestations, key);
  if (!match || match.predicate.kind !== "weights") {
    say("   the revealed key matches no anchored commitment — this must not happen");
    return false;
  }
  const a = match.attestation;
  say(
    `   the revealed key matches commitment ${match.predicate.keyCommitment.slice(0, 23)}… anchored at block ${a.blockNumber} by organisation ${a.organisation.id} "${a.organisation.name}" (entry ${a.entryHash.slice(0, 18)}…; trust mode ${chain.trustMode})`,
  );
  const result = await detectModelWatermark({ model: leakedFile, key, expectedPayload: match.predicate.payload });
  const unmarkedResult = await detectModelWatermark({ model: p.model.path, key });
  say(
    `   leaked copy: ${result.detected ? "DETECTED" : "NOT DETECTED"}, z = ${result.z.toFixed(1)} (threshold ${result.threshold}), payload ${result.payload} (${result.payloadBitErrors} bit errors against the anchored payload)`,
  );
  say(
    `   the unmarked fine-tune, same key: z = ${unmarkedResult.z.toFixed(1)}, ${unmarkedResult.detected ? "DETECTED — this must not happen" : "not detected"}`,
  );
  return result.detected && result.payloadBitErrors === 0 && !unmarkedResult.detected;
}
