// The payload's error-correcting code: the rate-1/2, constraint-length-7 convolutional code
// (generators 171 and 133 octal, the CCSDS/NASA standard code), terminated with 6 zero bits, and
// decoded by soft-decision Viterbi. Why this code: the detector's per-bit statistics are real-
// valued correlations, and soft decoding uses their magnitudes (about 2 dB better than decoding
// hard bits with a block code such as BCH); it corrects bursts of weak bits wherever they fall;
// and encoder and decoder are a few lines, easy to check and to reimplement.

/** Memory of the encoder (constraint length 7). */
const MEMORY = 6;
const G1 = 0o171;
const G2 = 0o133;

function parity(x: number): number {
  x ^= x >>> 4;
  x ^= x >>> 2;
  x ^= x >>> 1;
  return x & 1;
}

/** Code bits produced for `payloadBits` payload bits: 2 × (payloadBits + 6). */
export function codeLength(payloadBits: number): number {
  return 2 * (payloadBits + MEMORY);
}

/**
 * Encodes bits (0/1) into 2 × (n + 6) code bits.
 *
 * @example
 * convolutionalEncode([1, 0, 1]).length; // 18
 */
export function convolutionalEncode(bits: readonly number[]): number[] {
  const out: number[] = [];
  let state = 0;
  for (const bit of [...bits, ...new Array<number>(MEMORY).fill(0)]) {
    const reg = ((bit & 1) << MEMORY) | state;
    out.push(parity(reg & G1), parity(reg & G2));
    state = reg >>> 1;
  }
  return out;
}

/**
 * Soft-decision Viterbi decoding. `soft[i]` > 0 means code bit i is more likely 1, < 0 more likely
 * 0, its magnitude the confidence (e.g. a normalised correlation). Returns the `payloadBits` bits of
 * the codeword (terminated in state 0) that correlates best with `soft`.
 */
export function viterbiDecode(soft: ArrayLike<number>, payloadBits: number): number[] {
  const steps = payloadBits + MEMORY;
  if (soft.length !== 2 * steps) throw new RangeError(`expected ${2 * steps} soft values, got ${soft.length}`);
  const states = 1 << MEMORY;
  let metric = new Float64Array(states).fill(Number.NEGATIVE_INFINITY);
  metric[0] = 0;
  const from = new Uint8Array(steps * states);
  const outputs: [number, number][] = [];
  for (let reg = 0; reg < 2 * states; reg++) outputs.push([parity(reg & G1) ? 1 : -1, parity(reg & G2) ? 1 : -1]);
  for (let step = 0; step < steps; step++) {
    const next = new Float64Array(states).fill(Number.NEGATIVE_INFINITY);
    const s0 = soft[2 * step]!;
    const s1 = soft[2 * step + 1]!;
    const maxBit = step < payloadBits ? 1 : 0; // the tail is all zeros
    for (let state = 0; state < states; state++) {
      const m = metric[state]!;
      if (m === Number.NEGATIVE_INFINITY) continue;
      for (let bit = 0; bit <= maxBit; bit++) {
        const reg = (bit << MEMORY) | state;
        const [o0, o1] = outputs[reg]!;
        const candidate = m + o0 * s0 + o1 * s1;
        const target = reg >>> 1;
        if (candidate > next[target]!) {
          next[target] = candidate;
          from[step * states + target] = state;
        }
      }
    }
    metric = next;
  }
  const bits = new Array<number>(steps);
  let state = 0;
  for (let step = steps - 1; step >= 0; step--) {
    const previous = from[step * states + state]!;
    bits[step] = state >>> (MEMORY - 1); // the newest bit is the state's top bit
    state = previous;
  }
  return bits.slice(0, payloadBits);
}
