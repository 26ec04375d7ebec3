// The weight watermark, pure: which tensors carry it, which elements of each (keyed positions),
// the two embedding passes and the detector. Tensors arrive as float32 chunks in element order, so
// the I/O edge can stream files of any size; nothing here reads a file.
//
// Scheme provenance-ledger/weights-ss-v1 (docs/watermark.md):
// - every float tensor (F32/F16/BF16) with ≥ 2 dimensions and ≥ MIN_TENSOR_ELEMENTS elements is
//   covered; a keyed xoshiro128** stream per tensor (seed: SHA-256 of a domain label, the secret
//   and the tensor's name) picks positions (every `spacing`-th element on average) and, for each,
//   a channel (a quarter of positions carry the pilot, the rest one of the 140 code bits of the
//   convolutionally coded 64-bit payload) and a chip ±1;
// - embedding is multiplicative spread spectrum, w' = w + α·b·c·|w| (b = +1 for the pilot, ±1 for a
//   code bit), with the host's own correlation removed per channel within each of 10 magnitude
//   strata (improved spread spectrum, Malvar and Florêncio 2003): the unmarked weights then add no
//   noise to the detector, also after magnitude pruning at a stratum boundary;
// - blind detection correlates each channel with its chips, per tensor normalised by the RMS of
//   its carrying elements; z is the pilot's normalised correlation (N(0, 1) without the key's mark)
//   and the code bits' correlations are soft-decoded by Viterbi.

import { WatermarkError } from "../../core/errors/watermark.js";
import { type FloatDtype, isFloatDtype } from "../safetensors/dtype.js";
import { codeLength, convolutionalEncode, viterbiDecode } from "./convolutionalCode.js";
import { Xoshiro128 } from "./prng.js";
import { hex, sha256Bytes } from "./watermarkKey.js";

export const WEIGHTS_SCHEME = "provenance-ledger/weights-ss-v1";
/** Payload size in bits. */
export const PAYLOAD_BITS = 64;
/** Code bits carried (the rate-1/2 K=7 convolutional code of 64 bits, terminated). */
export const CODE_BITS = codeLength(PAYLOAD_BITS);
/** Channels: the pilot (0) and the code bits (1…140). */
export const CHANNELS = CODE_BITS + 1;
/** Smallest tensor covered. */
export const MIN_TENSOR_ELEMENTS = 4096;
/** Fewest carrying elements a model needs (≈ 64 per code bit). */
export const MIN_POSITIONS = 12_000;
/** Magnitude strata within which the host's correlation is removed. */
export const STRATA = 10;
/** Detection threshold on z: one-sided false-positive rate Φ(−6) ≈ 9.9 × 10⁻¹⁰ per test. */
export const DETECTION_THRESHOLD = 6;
/** The default strength α, chosen from bench/watermark.ts (docs/watermark.md). */
export const DEFAULT_STRENGTH = 0.04;

const SEED_DOMAIN = "provenance-ledger/watermark/weights-ss-v1/positions\0";
const PAYLOAD_DOMAIN = "provenance-ledger/watermark/payload/v1\0";
const BINS = 2048; // |w| bins: float32 exponent and 3 mantissa bits (8 per octave)

/** What a tensor must look like to be covered. */
export type TensorShapeInfo = { readonly name: string; readonly dtype: string; readonly shape: readonly number[]; readonly elements: number };

/** Whether the scheme covers a tensor: float dtype, ≥ 2 dimensions, ≥ {@link MIN_TENSOR_ELEMENTS} elements. */
export function coversTensor(t: TensorShapeInfo): t is TensorShapeInfo & { dtype: FloatDtype } {
  return isFloatDtype(t.dtype) && t.shape.length >= 2 && t.elements >= MIN_TENSOR_ELEMENTS;
}

/** Expected number of carrying elements of a tensor of `elements` elements at `spacing`. */
export function expectedPositions(elements: number, spacing: number): number {
  return Math.floor(elements / spacing);
}

/**
 * The 64-bit payload bound to the provenance record: the first 8 bytes of SHA-256 of a domain
 * label, the unmarked model's SHA-256 (32 bytes) and the key commitment (UTF-8). It names the pair
 * (unmarked model, key) without containing the marked file's digest, which depends on the payload.
 *
 * @example
 * import { watermarkPayload } from "provenance-ledger";
 * watermarkPayload(unmarked.sha256, keyCommitment(key)); // "9c1f…" (16 hex digits)
 */
export function watermarkPayload(unmarkedSha256: string, commitment: string): string {
  if (!/^[0-9a-f]{64}$/.test(unmarkedSha256)) throw new WatermarkError("INVALID_PARAMETERS", "the unmarked model's SHA-256 must be 64 lower-case hex digits");
  const digest = Uint8Array.from(unmarkedSha256.match(/../g)!.map((b) => Number.parseInt(b, 16)));
  return hex(sha256Bytes(PAYLOAD_DOMAIN, digest, commitment).subarray(0, PAYLOAD_BITS / 8));
}

function payloadBits(payload: string): number[] {
  if (!/^[0-9a-f]{16}$/.test(payload)) throw new WatermarkError("INVALID_PARAMETERS", "a payload is 16 lower-case hex digits (64 bits)");
  const bits: number[] = [];
  for (const ch of payload) {
    const v = Number.parseInt(ch, 16);
    bits.push((v >>> 3) & 1, (v >>> 2) & 1, (v >>> 1) & 1, v & 1);
  }
  return bits;
}

function bitsToPayload(bits: readonly number[]): string {
  let out = "";
  for (let i = 0; i < bits.length; i += 4) out += ((bits[i]! << 3) | (bits[i + 1]! << 2) | (bits[i + 2]! << 1) | bits[i + 3]!).toString(16);
  return out;
}

/**
 * The keyed positions of one tensor, visited in increasing order: `pos` is the next carrying
 * element, `channel` and `chip` its channel and sign. Spacing 1 marks every element.
 */
export class PositionStream {
  pos: number;
  channel = 0;
  chip = 1;
  private readonly rng: Xoshiro128;
  private readonly span: number;

  constructor(
    secret: Uint8Array,
    tensorName: string,
    readonly spacing: number,
  ) {
    this.rng = new Xoshiro128(sha256Bytes(SEED_DOMAIN, secret, tensorName));
    this.span = 2 * spacing - 1;
    this.pos = spacing === 1 ? 0 : this.rng.next() % spacing;
    this.draw();
  }

  /** Draws the current position's channel and chip. */
  private draw(): void {
    const u = this.rng.next();
    this.chip = u & 1 ? 1 : -1;
    // A quarter of the positions carry the pilot; the rest a code bit (bias of the modulo < 2⁻²²).
    this.channel = ((u >>> 1) & 3) === 0 ? 0 : 1 + ((u >>> 3) % CODE_BITS);
  }

  /** Moves to the next carrying element. */
  advance(): void {
    this.pos += this.spacing === 1 ? 1 : 1 + (this.rng.next() % this.span);
    this.draw();
  }
}

const bitsView = (values: Float32Array) => new Uint32Array(values.buffer, values.byteOffset, values.length);

/** First pass of embedding, per tensor: the host's correlation per channel and magnitude bin. */
export class HostStatistics {
  readonly counts = new Float64Array(CHANNELS * BINS);
  readonly sums = new Float64Array(CHANNELS * BINS);
  private readonly stream: PositionStream;

  constructor(secret: Uint8Array, tensorName: string, spacing: number) {
    this.stream = new PositionStream(secret, tensorName, spacing);
  }

  /** Feeds the tensor's next elements (`values[0]` is element `first`). */
  update(values: Float32Array, first: number): void {
    const s = this.stream;
    const bits = bitsView(values);
    const end = first + values.length;
    while (s.pos < end) {
      const i = s.pos - first;
      const w = values[i]!;
      if (w !== 0 && Number.isFinite(w)) {
        const k = s.channel * BINS + (((bits[i]! & 0x7fffffff) >>> 20) & (BINS - 1));
        this.counts[k]! += 1;
        this.sums[k]! += s.chip * w;
      }
      s.advance();
    }
  }

  /** Positions seen (carrying, non-zero, finite). */
  positions(): number {
    let n = 0;
    for (const c of this.counts) n += c;
    return n;
  }
}

/** What the second pass needs from the first, per tensor: ≈ 13 KB whatever the tensor's size. */
export type TensorPlan = {
  /** The magnitude stratum of each |w| bin (strata hold equal shares of the carrying elements). */
  readonly stratumOfBin: Uint8Array;
  /** The host's mean chip-weighted value per (channel, stratum), removed while embedding. */
  readonly correction: Float64Array;
};

/** Reduces a tensor's {@link HostStatistics} to its {@link TensorPlan} for embedding at `strength`. */
export function planTensor(stats: HostStatistics, strength: number): TensorPlan {
  const stratumOfBin = new Uint8Array(BINS);
  const perBin = new Float64Array(BINS);
  let total = 0;
  for (let ch = 0; ch < CHANNELS; ch++)
    for (let b = 0; b < BINS; b++) {
      perBin[b]! += stats.counts[ch * BINS + b]!;
      total += stats.counts[ch * BINS + b]!;
    }
  let before = 0;
  for (let b = 0; b < BINS; b++) {
    stratumOfBin[b] = total === 0 ? 0 : Math.min(STRATA - 1, Math.floor((STRATA * before) / total));
    before += perBin[b]!;
  }
  const h = new Float64Array(CHANNELS * STRATA);
  const n = new Float64Array(CHANNELS * STRATA);
  for (let ch = 0; ch < CHANNELS; ch++)
    for (let b = 0; b < BINS; b++) {
      const k = ch * STRATA + stratumOfBin[b]!;
      h[k]! += stats.sums[ch * BINS + b]!;
      n[k]! += stats.counts[ch * BINS + b]!;
    }
  // Removing the host's correlation moves each of the n elements by about |w|/√n; capping the
  // removed share at α·√n keeps that below the mark's own α·|w| in small tensors.
  const correction = new Float64Array(CHANNELS * STRATA);
  for (let k = 0; k < h.length; k++) correction[k] = n[k]! > 0 ? (Math.min(1, strength * Math.sqrt(n[k]!)) * h[k]!) / n[k]! : 0;
  return { stratumOfBin, correction };
}

/** Second pass of embedding, per tensor: applies the mark given the tensor's {@link TensorPlan}. */
export class TensorEmbedder {
  private readonly stream: PositionStream;
  private readonly signs: Float64Array;

  constructor(
    secret: Uint8Array,
    tensorName: string,
    spacing: number,
    payload: string,
    private readonly strength: number,
    private readonly plan: TensorPlan,
  ) {
    this.stream = new PositionStream(secret, tensorName, spacing);
    this.signs = channelSigns(payload);
  }

  /** Marks the tensor's next elements in place (`values[0]` is element `first`). */
  apply(values: Float32Array, first: number): void {
    const s = this.stream;
    const bits = bitsView(values);
    const end = first + values.length;
    const alpha = this.strength;
    const { stratumOfBin, correction } = this.plan;
    while (s.pos < end) {
      const i = s.pos - first;
      const w = values[i]!;
      if (w !== 0 && Number.isFinite(w)) {
        const stratum = stratumOfBin[((bits[i]! & 0x7fffffff) >>> 20) & (BINS - 1)]!;
        const c = s.chip;
        values[i] = w + alpha * this.signs[s.channel]! * c * Math.abs(w) - c * correction[s.channel * STRATA + stratum]!;
      }
      s.advance();
    }
  }
}

function channelSigns(payload: string): Float64Array {
  const signs = new Float64Array(CHANNELS);
  signs[0] = 1;
  convolutionalEncode(payloadBits(payload)).forEach((bit, j) => (signs[j + 1] = bit ? 1 : -1));
  return signs;
}

/** A detection's outcome. */
export type WeightDetection = {
  /** z ≥ {@link DETECTION_THRESHOLD}. */
  readonly detected: boolean;
  /** The pilot's normalised correlation: N(0, 1) for weights not marked with this key. */
  readonly z: number;
  readonly threshold: number;
  /** The decoded payload, 16 hex digits (meaningful only when detected). */
  readonly payload: string;
  /** Code bits whose sign disagreed with the decoded codeword (errors the code corrected). */
  readonly bitErrors: number;
  /** Given an expected payload: payload bits that differ from it. */
  readonly payloadBitErrors?: number;
  /** Given an expected payload: z over every channel with that payload's signs (N(0, 1) under no mark). */
  readonly zPayload?: number;
  /** Carrying elements read, and tensors. */
  readonly positions: number;
  readonly tensors: number;
};

/** The blind detector: feed each covered tensor's elements in order, then read {@link result}. */
export class WeightDetector {
  private readonly correlation = new Float64Array(CHANNELS);
  private readonly energy = new Float64Array(CHANNELS);
  private tensor: { stream: PositionStream; c: Float64Array; e: Float64Array; n: number } | undefined;
  private positions = 0;
  private tensors = 0;

  constructor(
    private readonly secret: Uint8Array,
    private readonly spacing: number,
  ) {}

  beginTensor(name: string): void {
    this.tensor = { stream: new PositionStream(this.secret, name, this.spacing), c: new Float64Array(CHANNELS), e: new Float64Array(CHANNELS), n: 0 };
  }

  update(values: Float32Array, first: number): void {
    const t = this.tensor!;
    const s = t.stream;
    const end = first + values.length;
    while (s.pos < end) {
      const w = values[s.pos - first]!;
      if (w !== 0 && Number.isFinite(w)) {
        t.c[s.channel]! += s.chip * w;
        t.e[s.channel]! += w * w;
        t.n++;
      }
      s.advance();
    }
  }

  endTensor(): void {
    const t = this.tensor!;
    this.tensor = undefined;
    if (t.n === 0) return;
    let sum = 0;
    for (const e of t.e) sum += e;
    const meanSquare = sum / t.n;
    if (!(meanSquare > 0) || !Number.isFinite(meanSquare)) return;
    // Each tensor weighs by its number of elements, not its scale.
    for (let ch = 0; ch < CHANNELS; ch++) {
      this.correlation[ch]! += t.c[ch]! / Math.sqrt(meanSquare);
      this.energy[ch]! += t.e[ch]! / meanSquare;
    }
    this.positions += t.n;
    this.tensors++;
  }

  result(expectedPayload?: string): WeightDetection {
    const soft = Array.from(this.correlation, (c, ch) => (this.energy[ch]! > 0 ? c / Math.sqrt(this.energy[ch]!) : 0));
    const z = soft[0]!;
    const decoded = viterbiDecode(soft.slice(1), PAYLOAD_BITS);
    const codeword = convolutionalEncode(decoded);
    let bitErrors = 0;
    codeword.forEach((bit, j) => {
      if (!(bit ? soft[j + 1]! > 0 : soft[j + 1]! < 0)) bitErrors++;
    });
    const base = {
      detected: z >= DETECTION_THRESHOLD,
      z,
      threshold: DETECTION_THRESHOLD,
      payload: bitsToPayload(decoded),
      bitErrors,
      positions: this.positions,
      tensors: this.tensors,
    };
    if (expectedPayload === undefined) return base;
    const expected = payloadBits(expectedPayload);
    const signs = channelSigns(expectedPayload);
    let c = 0;
    let e = 0;
    for (let ch = 0; ch < CHANNELS; ch++) {
      c += signs[ch]! * this.correlation[ch]!;
      e += this.energy[ch]!;
    }
    return { ...base, payloadBitErrors: expected.filter((b, i) => b !== decoded[i]).length, zPayload: e > 0 ? c / Math.sqrt(e) : 0 };
  }
}

/** Checks an embedding strength: 0 < α ≤ 0.5. */
export function checkStrength(strength: number): number {
  if (!(strength > 0 && strength <= 0.5)) throw new WatermarkError("INVALID_PARAMETERS", `strength must be in (0, 0.5], got ${strength}`);
  return strength;
}
