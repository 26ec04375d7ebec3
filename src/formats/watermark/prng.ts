// xoshiro128** (Blackman and Vigna): a small, fast generator over 32-bit integer arithmetic only,
// so every JavaScript engine (and any other language) draws the same sequence from the same seed.
// It is not a cryptographic generator; its seed is (a SHA-256 output keyed by the secret key),
// and its outputs are never shown to anyone: they pick positions and signs inside the weights.

/** A xoshiro128** stream. */
export class Xoshiro128 {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** Seeds from the first 16 bytes of `seed` (little-endian words); an all-zero state is avoided. */
  constructor(seed: Uint8Array) {
    const word = (i: number) => (seed[i]! | (seed[i + 1]! << 8) | (seed[i + 2]! << 16) | (seed[i + 3]! << 24)) >>> 0;
    this.a = word(0);
    this.b = word(4);
    this.c = word(8);
    this.d = word(12);
    if ((this.a | this.b | this.c | this.d) === 0) this.d = 1;
  }

  /** The next 32-bit unsigned integer. */
  next(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
