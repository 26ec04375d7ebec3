// The text watermark (Kirchenbauer et al. 2023, "A Watermark for Large Language Models"): at each
// step a keyed function of the previous token splits the vocabulary into a green fraction γ and
// the rest; generation adds δ to the green tokens' logits; a detector holding the key counts green
// tokens and reports z = (G − γT) / √(T γ (1 − γ)). The keyed function, in full (docs/watermark.md
// gives it language-neutrally, test/vectors/watermark-v1.json freezes values):
//
//   seed(prev)        = SHA-256( "provenance-ledger/watermark/text-greenlist-v1" ‖ 0x00 ‖ secret[32] ‖ u32be(prev) )
//   block(prev, k)    = SHA-256( seed(prev) ‖ u32be(k) )
//   value(prev, tok)  = u32be( block(prev, ⌊tok / 8⌋)[4·(tok mod 8) … 4·(tok mod 8) + 3] )
//   green(prev, tok)  ⇔ value(prev, tok) < ⌊γ · 2³²⌋
//
// One hash decides one token (what a detector needs); one hash gives eight tokens' values (what a
// logits processor needs for the whole vocabulary). SHA-256 only, so any serving stack has it.

import { WatermarkError } from "../../core/errors/watermark.js";
import type { WatermarkKey } from "./watermarkKey.js";
import { sha256Bytes } from "./watermarkKey.js";

export const TEXT_SCHEME = "provenance-ledger/text-greenlist-v1";
const SEED_DOMAIN = "provenance-ledger/watermark/text-greenlist-v1\0";
/** Detection threshold on z: one-sided false-positive rate Φ(−4) ≈ 3.2 × 10⁻⁵ per text. */
export const TEXT_DETECTION_THRESHOLD = 4;

function u32be(n: number): Uint8Array {
  return new Uint8Array([(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]);
}

function checkToken(token: number, what: string): void {
  if (!Number.isInteger(token) || token < 0 || token > 0xffffffff)
    throw new WatermarkError("INVALID_PARAMETERS", `${what} must be a token id from 0 to 2^32 − 1, got ${token}`);
}

/** seed(prev): 32 bytes. */
export function greenListSeed(secret: Uint8Array, previousToken: number): Uint8Array {
  checkToken(previousToken, "the previous token");
  return sha256Bytes(SEED_DOMAIN, secret, u32be(previousToken));
}

/** ⌊γ · 2³²⌋: exact, since γ is a double and 2³² a power of two. */
export function greenLimit(gamma: number): number {
  return Math.floor(gamma * 4294967296);
}

/** value(prev, tok) from a seed. */
export function greenValue(seed: Uint8Array, token: number): number {
  checkToken(token, "a token");
  const block = sha256Bytes(seed, u32be(Math.floor(token / 8)));
  const o = 4 * (token % 8);
  return ((block[o]! << 24) | (block[o + 1]! << 16) | (block[o + 2]! << 8) | block[o + 3]!) >>> 0;
}

/** Whether `token` is green after `previousToken`. */
export function isGreen(secret: Uint8Array, gamma: number, previousToken: number, token: number): boolean {
  return greenValue(greenListSeed(secret, previousToken), token) < greenLimit(gamma);
}

/** The green list after `previousToken` over a vocabulary of `vocabularySize` tokens: 1 = green. */
export function greenMask(secret: Uint8Array, gamma: number, previousToken: number, vocabularySize: number): Uint8Array {
  const seed = greenListSeed(secret, previousToken);
  const limit = greenLimit(gamma);
  const mask = new Uint8Array(vocabularySize);
  for (let k = 0; k * 8 < vocabularySize; k++) {
    const block = sha256Bytes(seed, u32be(k));
    for (let j = 0; j < 8 && k * 8 + j < vocabularySize; j++) {
      const v = ((block[4 * j]! << 24) | (block[4 * j + 1]! << 16) | (block[4 * j + 2]! << 8) | block[4 * j + 3]!) >>> 0;
      mask[k * 8 + j] = v < limit ? 1 : 0;
    }
  }
  return mask;
}

function textKey(key: WatermarkKey): { secret: Uint8Array; gamma: number; delta: number } {
  if (key.kind !== "text")
    throw new WatermarkError("WRONG_KEY_KIND", `this is a ${key.kind} watermark key; text needs a "text" key (provenance watermark keygen --kind text)`);
  return { secret: key.secret, ...key.parameters };
}

/** A logits processor: adds δ to the green tokens' logits, in place, given the previous token. */
export type LogitsProcessor = (previousToken: number, logits: Float32Array | Float64Array) => void;

/**
 * The watermarking logits processor for JavaScript inference: call it on each step's logits
 * before sampling. Green lists are cached per previous token (`cacheSize` of them, least recently
 * used evicted), since each costs ⌈V / 8⌉ SHA-256 blocks.
 *
 * @example
 * import { createWatermarkLogitsProcessor } from "provenance-ledger";
 * const process = createWatermarkLogitsProcessor(textKey, { vocabularySize: 32000 });
 * process(previousToken, logits); // then sample from softmax(logits)
 */
export function createWatermarkLogitsProcessor(key: WatermarkKey, options: { vocabularySize: number; cacheSize?: number }): LogitsProcessor {
  const { secret, gamma, delta } = textKey(key);
  const cache = new Map<number, Uint8Array>();
  const cacheSize = options.cacheSize ?? 4096;
  return (previousToken, logits) => {
    if (logits.length !== options.vocabularySize)
      throw new WatermarkError("INVALID_PARAMETERS", `expected ${options.vocabularySize} logits, got ${logits.length}`);
    let mask = cache.get(previousToken);
    if (mask) cache.delete(previousToken);
    else {
      mask = greenMask(secret, gamma, previousToken, options.vocabularySize);
      if (cache.size >= cacheSize) cache.delete(cache.keys().next().value!);
    }
    cache.set(previousToken, mask);
    for (let i = 0; i < logits.length; i++) if (mask[i]) logits[i]! += delta;
  };
}

/** A text detection's outcome. */
export type TextDetection = {
  readonly detected: boolean;
  readonly z: number;
  readonly threshold: number;
  /** Tokens scored (all but the first) and how many were green. */
  readonly scored: number;
  readonly green: number;
  readonly gamma: number;
};

/**
 * Detects the watermark in token ids with the key: each token after the first is scored against
 * the green list of its predecessor. No model and no logits are needed.
 *
 * @example
 * import { detectTextWatermark } from "provenance-ledger";
 * const { z, detected } = detectTextWatermark(tokenIds, textKey);
 */
export function detectTextWatermark(tokens: readonly number[], key: WatermarkKey, threshold = TEXT_DETECTION_THRESHOLD): TextDetection {
  const { secret, gamma } = textKey(key);
  const limit = greenLimit(gamma);
  let green = 0;
  const seeds = new Map<number, Uint8Array>();
  for (let i = 1; i < tokens.length; i++) {
    const prev = tokens[i - 1]!;
    let seed = seeds.get(prev);
    if (!seed) seeds.set(prev, (seed = greenListSeed(secret, prev)));
    if (greenValue(seed, tokens[i]!) < limit) green++;
  }
  const scored = Math.max(0, tokens.length - 1);
  const z = scored === 0 ? 0 : (green - gamma * scored) / Math.sqrt(scored * gamma * (1 - gamma));
  return { detected: z >= threshold, z, threshold, scored, green, gamma };
}
