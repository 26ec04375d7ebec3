// The weight watermark over tensors held in memory (float32 values): for models small enough to
// hold, for tests and the benchmark. Files go through embedModel.ts, which streams.

import { WatermarkError } from "../../core/errors/watermark.js";
import { HostStatistics, MIN_POSITIONS, TensorEmbedder, WeightDetector, planTensor, type WeightDetection, coversTensor } from "./weightWatermark.js";

/** A tensor in memory. `dtype` is what it is stored as (only float tensors with ≥ 2 dimensions are covered). */
export type MemoryTensor = { readonly name: string; readonly dtype: string; readonly shape: readonly number[]; readonly values: Float32Array };

const info = (t: MemoryTensor) => ({ name: t.name, dtype: t.dtype, shape: t.shape, elements: t.values.length });

/**
 * Marks covered tensors in place with `payload` (16 hex digits) at `strength`; returns the number
 * of carrying elements. `NO_CAPACITY` if the covered tensors hold fewer than MIN_POSITIONS.
 *
 * @example
 * markTensors(tensors, key.secret, key.parameters.spacing, watermarkPayload(digest, keyCommitment(key)), DEFAULT_STRENGTH);
 */
export function markTensors(tensors: readonly MemoryTensor[], secret: Uint8Array, spacing: number, payload: string, strength: number): number {
  const covered = tensors.filter((t) => coversTensor(info(t)));
  const stats = covered.map((t) => {
    const s = new HostStatistics(secret, t.name, spacing);
    s.update(t.values, 0);
    return s;
  });
  const positions = stats.reduce((n, s) => n + s.positions(), 0);
  if (positions < MIN_POSITIONS) throw noCapacity(positions);
  covered.forEach((t, i) => new TensorEmbedder(secret, t.name, spacing, payload, strength, planTensor(stats[i]!, strength)).apply(t.values, 0));
  return positions;
}

/** Blind detection over tensors in memory. */
export function detectTensors(tensors: readonly MemoryTensor[], secret: Uint8Array, spacing: number, expectedPayload?: string): WeightDetection {
  const detector = new WeightDetector(secret, spacing);
  for (const t of tensors) {
    if (!coversTensor(info(t))) continue;
    detector.beginTensor(t.name);
    detector.update(t.values, 0);
    detector.endTensor();
  }
  return detector.result(expectedPayload);
}

export function noCapacity(positions: number): WatermarkError {
  return new WatermarkError(
    "NO_CAPACITY",
    `the model has ${positions} usable elements in float tensors of ≥ 2 dimensions and ≥ 4096 elements; the payload needs at least ${MIN_POSITIONS} (no tensor is large enough to carry it)`,
  );
}
