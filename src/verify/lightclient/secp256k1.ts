// secp256k1 public-key recovery for QBFT commit seals. @noble/curves (audited, pure JavaScript) by
// default, everywhere; a Node.js process installs libsecp256k1 (Bitcoin Core's library, native or
// compiled to WebAssembly) from src/local/nodeSecp256k1.ts, 6 to 30 times as fast. The checks on r,
// s and the recovery id are made here, once, before any library sees the seal, so each is asked
// only what they all agree on and the verdict does not depend on which one is installed
// (test/local/nodeSecp256k1.test.ts runs them all on valid and hostile seals).

import { secp256k1 } from "@noble/curves/secp256k1.js";

/**
 * Recovers the uncompressed public key (65 bytes, 0x04 ‖ x ‖ y) that signed the 32-byte `digest`
 * with `signature` (r ‖ s, 64 bytes, 1 ≤ r, s < n, s ≤ n/2 already checked) and `recovery` (0 or 1).
 * Returns null, or throws, when no key recovers (r not the x-coordinate of a curve point, or the
 * point at infinity): the caller treats both alike.
 */
export type Secp256k1Recover = (digest: Uint8Array, signature: Uint8Array, recovery: 0 | 1) => Uint8Array | null;

/** @noble/curves' recovery, the default. */
export const nobleSecp256k1Recover: Secp256k1Recover = (digest, signature, recovery) =>
  secp256k1.Signature.fromCompact(signature).addRecoveryBit(recovery).recoverPublicKey(digest).toRawBytes(false);

const NOBLE = "@noble/curves (JavaScript)";
let recoverImplementation: Secp256k1Recover = nobleSecp256k1Recover;
let implementationName: string | (() => string) = NOBLE;

/**
 * Replaces the secp256k1 recovery behind commit-seal checks (undefined: back to @noble/curves).
 * Any implementation must give noble's keys for every seal `recoverSealPublicKey` passes on:
 * test/local/nodeSecp256k1.test.ts checks the installed one. `name` may be a function, asked each
 * time, for an implementation that chooses among libraries when first used.
 */
export function installSecp256k1Recover(implementation: Secp256k1Recover | undefined, name?: string | (() => string)): void {
  recoverImplementation = implementation ?? nobleSecp256k1Recover;
  implementationName = implementation === undefined ? NOBLE : (name ?? "installed");
}

/** The name of the secp256k1 recovery in use (for benchmarks and diagnostics). */
export function secp256k1RecoverName(): string {
  return typeof implementationName === "function" ? implementationName() : implementationName;
}

/** secp256k1's group order n. */
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const HALF_N = N >> 1n;

function scalar(bytes: Uint8Array): bigint {
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return value;
}

/** Why a signature is refused before recovery, or what did not recover. */
export type SealRecoveryRefusal = "length" | "recovery-id" | "r-range" | "s-range" | "high-s" | "no-key";

/** The outcome of `recoverSealPublicKey`: the uncompressed key, or the named reason for refusing. */
export type SealRecovery = { readonly publicKey: Uint8Array } | { readonly refused: SealRecoveryRefusal; readonly cause?: unknown };

/**
 * Recovers the uncompressed public key of a 65-byte seal (r ‖ s ‖ recovery id) over a 32-byte
 * `digest`, with the installed implementation. Refused before it is asked: another length, a
 * recovery id other than 0 or 1, r or s outside [1, n), s above n/2 (Besu signs with low s;
 * refusing the twin leaves one seal per signer and message). Refused after: no key recovers (the
 * implementation returned null, threw, or gave anything but 65 bytes starting 0x04).
 */
export function recoverSealPublicKey(seal: Uint8Array, digest: Uint8Array): SealRecovery {
  if (seal.length !== 65 || digest.length !== 32) return { refused: "length" };
  const recovery = seal[64]!;
  if (recovery !== 0 && recovery !== 1) return { refused: "recovery-id" };
  const r = scalar(seal.subarray(0, 32));
  const s = scalar(seal.subarray(32, 64));
  if (r === 0n || r >= N) return { refused: "r-range" };
  if (s === 0n || s >= N) return { refused: "s-range" };
  if (s > HALF_N) return { refused: "high-s" };
  try {
    const publicKey = recoverImplementation(digest, seal.subarray(0, 64), recovery);
    if (publicKey instanceof Uint8Array && publicKey.length === 65 && publicKey[0] === 0x04) return { publicKey };
    return { refused: "no-key" };
  } catch (cause) {
    return { refused: "no-key", cause };
  }
}
