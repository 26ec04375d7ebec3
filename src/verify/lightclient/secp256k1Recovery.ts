// secp256k1 public-key recovery for commit seals, in about 3/4 of the CPU time of noble's
// `Signature.recoverPublicKey`, computing exactly the same point (test/verify/lightclient-secp256k1.test.ts
// compares the two on random and edge-case seals). A light verification from a pinned block recovers
// every seal of every header it walks, so this is where its time goes. Two changes, both on noble's
// own point code (its complete addition formulas, which have no exceptional cases to get wrong):
// - the field: multiplication reduces with secp256k1's p = 2^256 - 0x1000003d1 (two folds of the
//   high half) instead of a bigint division;
// - the scalar multiplication: Q = u1·G + u2·R in one pass (Straus): each scalar split in two
//   128-bit halves by the GLV endomorphism, each half a width-5 NAF over a table of 8 odd
//   multiples, all four sharing 128 doublings; noble does u1·G from a 4,000-point table (built on
//   first use) and u2·R bit by bit.
import { createCurve } from "@noble/curves/_shortw_utils.js";
import { Field, invert, mod } from "@noble/curves/abstract/modular.js";
import type { ProjPointType } from "@noble/curves/abstract/weierstrass.js";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { concatBytes } from "@noble/hashes/utils.js";

const generic = secp256k1.CURVE.Fp;
const P = generic.ORDER;
const N = secp256k1.CURVE.n;
const LOW_256 = (1n << 256n) - 1n;
/** 2^256 mod p. */
const FOLD = 0x1000003d1n;

/** x mod p for 0 <= x < 2^512 by folding (2^256 ≡ FOLD); anything else the generic way. */
function reduce(x: bigint): bigint {
  if (x >= 0n && x < P) return x;
  if (x < 0n || x >> 512n !== 0n) return mod(x, P);
  let r = (x & LOW_256) + (x >> 256n) * FOLD; // < 2^290
  r = (r & LOW_256) + (r >> 256n) * FOLD; // < 2^256 + 2^67 < 2p
  return r >= P ? r - P : r;
}

/** noble's secp256k1 field with the folding reduction in the operations point arithmetic uses. */
export const secp256k1FastField = Object.freeze({
  ...Field(P, undefined, false, { sqrt: generic.sqrt }),
  mul: (a: bigint, b: bigint) => reduce(a * b),
  sqr: (a: bigint) => reduce(a * a),
  add: (a: bigint, b: bigint) => reduce(a + b),
  sub: (a: bigint, b: bigint) => {
    const d = a - b;
    return reduce(d < 0n && d >= -P ? d + P : d);
  },
  neg: (a: bigint) => reduce(a > 0n && a <= P ? P - a : -a),
});

// secp256k1 itself (same constants, endomorphism, checks), on the folding field; only its points are used here.
const curve = createCurve({ ...secp256k1.CURVE, Fp: secp256k1FastField }, secp256k1.CURVE.hash);
type Point = ProjPointType<bigint>;
const Point = curve.ProjectivePoint;
const endo = secp256k1.CURVE.endo!;
const WINDOW = 5;

/** The width-w NAF digits of k >= 0, least significant first (odd digits in (-2^(w-1), 2^(w-1)), zeros between). */
function nafDigits(k: bigint): number[] {
  const digits: number[] = [];
  const full = 1 << WINDOW;
  while (k > 0n) {
    let digit = 0;
    if (k & 1n) {
      digit = Number(k & BigInt(full - 1));
      if (digit >= full / 2) digit -= full;
      k -= BigInt(digit);
    }
    digits.push(digit);
    k >>= 1n;
  }
  return digits;
}

/** P, 3P, 5P, … 15P: the odd multiples a width-5 NAF digit picks from. */
function oddMultiples(p: Point): Point[] {
  const table = [p];
  const twice = p.double();
  for (let i = 1; i < 1 << (WINDOW - 2); i++) table.push(table[i - 1]!.add(twice));
  return table;
}

/** λ·(x, y) = (β·x, y), entry by entry (projective X scales like x). */
const endomorphism = (table: Point[]): Point[] => table.map((p) => new Point(secp256k1FastField.mul(p.px, endo.beta), p.py, p.pz));

/** One term k·P of a sum, as NAF digits over a table of P's odd multiples (negated when `negate`). */
type Term = { readonly table: Point[]; readonly digits: number[]; readonly negate: boolean };

/** k·P as two half-size terms (GLV): k ≡ ±k1 ± k2·λ (mod n), each |ki| < 2^128. */
function glvTerms(table: Point[], lambdaTable: Point[], k: bigint): Term[] {
  const { k1neg, k1, k2neg, k2 } = endo.splitScalar(k);
  return [
    { table, digits: nafDigits(k1), negate: k1neg },
    { table: lambdaTable, digits: nafDigits(k2), negate: k2neg },
  ];
}

/** The sum of the terms, with one shared doubling per bit (Straus). */
function sumOfTerms(terms: readonly Term[]): Point {
  let acc = Point.ZERO;
  for (let i = Math.max(...terms.map((t) => t.digits.length)) - 1; i >= 0; i--) {
    acc = acc.double();
    for (const { table, digits, negate } of terms) {
      const digit = digits[i] ?? 0;
      if (digit === 0) continue;
      const p = table[(Math.abs(digit) - 1) >> 1]!;
      acc = acc.add(digit > 0 !== negate ? p : p.negate());
    }
  }
  return acc;
}

let baseTables: [Point[], Point[]] | undefined;

/**
 * The uncompressed public key (65 bytes, 0x04 ‖ x ‖ y) that signed `digest` (32 bytes) with the compact
 * signature `rs` (64 bytes r ‖ s) and recovery id 0 or 1, as noble's `recoverPublicKey` computes it:
 * R is the curve point with x = r and y's parity = the recovery id, Q = r⁻¹·(s·R − z·G). Throws a plain
 * `Error` when r or s is out of range, r is no point's x, or Q is the point at infinity; the caller
 * names the check. High-s is the caller's rule.
 */
export function recoverPublicKey(rs: Uint8Array, recovery: 0 | 1, digest: Uint8Array): Uint8Array {
  if (rs.length !== 64 || digest.length !== 32) throw new Error("expected a 64-byte signature and a 32-byte digest");
  const { r, s } = curve.Signature.fromCompact(rs); // 1 <= r, s < n
  const R = Point.fromHex(concatBytes(Uint8Array.of(recovery === 0 ? 2 : 3), rs.subarray(0, 32))); // on the curve, or throws
  const z = mod(bytesToBigInt(digest), N);
  const rInverse = invert(r, N);
  const u1 = mod(-z * rInverse, N);
  const u2 = mod(s * rInverse, N);
  baseTables ??= [oddMultiples(Point.BASE), endomorphism(oddMultiples(Point.BASE))];
  const rTable = oddMultiples(R);
  const Q = sumOfTerms([...glvTerms(...baseTables, u1), ...glvTerms(rTable, endomorphism(rTable), u2)]);
  if (Q.equals(Point.ZERO)) throw new Error("the recovered point is at infinity");
  Q.assertValidity();
  return Q.toRawBytes(false);
}

function bytesToBigInt(bytes: Uint8Array): bigint {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return n;
}
