// The verifier's half of signing keys, platform-neutral (no node:, no Buffer): parse an untrusted
// public key, check that it hashes to its keyid, and verify a signature. ed25519 and P-256 go
// through @noble/curves, secp256k1 through public-key recovery (@noble/curves, or libsecp256k1 where
// a Node.js entry point installs it). Generating keys and signing stay in keys.ts (node:crypto),
// which re-exports all of this.
import { ed25519 } from "@noble/curves/ed25519.js";
import { p256 } from "@noble/curves/nist.js";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { base64ToBytes, bytesEqual, bytesToBase64, bytesToHexDigits, hexDigitsToBytes, sha256Bytes, utf8Bytes } from "../../core/bytes.js";
import { invalid } from "../../core/errors/input.js";
import { keccak256Bytes, keccak256Hex } from "../../core/keccak.js";
import { memoize } from "../../core/memo.js";
import type { Hex } from "../../core/hex.js";
import { expectDocument, expectOneOf, expectString } from "../../core/validate.js";

/** Signature algorithms (docs/attestations.md#keys). */
export type KeyAlgorithm = "secp256k1" | "ed25519" | "p256";
export const KEY_ALGORITHMS: readonly KeyAlgorithm[] = ["secp256k1", "ed25519", "p256"];

export const PUBLIC_KEY_FORMAT = "provenance-public-key-v1";
/** Longest keyid a public key may state (checked before what it must be for its algorithm). */
export const MAX_PUBLIC_KEY_KEYID = 80;
/** Longest publicKey text: an address, or SPKI PEM of an ed25519 or P-256 key, fits many times over. */
export const MAX_PUBLIC_KEY_TEXT = 4096;

/** What a verifier needs to check a signature: for secp256k1 the address is the key. */
export type PublicKeyInfo = {
  readonly algorithm: KeyAlgorithm;
  /** DSSE keyid: lower-case Ethereum address (secp256k1) or `sha256:<hex of SPKI DER>`. */
  readonly keyid: string;
  /** The address (secp256k1), or the SPKI public key in PEM. */
  readonly publicKey: string;
};

// The DER SubjectPublicKeyInfo prefixes of the two key kinds, in the one encoding each that this
// project makes and accepts (what Node.js exports): ed25519 (RFC 8410) and P-256 with the named
// curve and an uncompressed point (RFC 5480). A key has one encoding, so one keyid.
const ED25519_SPKI_PREFIX = Uint8Array.of(0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00);
const P256_SPKI_PREFIX = Uint8Array.of(
  0x30,
  0x59,
  0x30,
  0x13,
  0x06,
  0x07,
  0x2a,
  0x86,
  0x48,
  0xce,
  0x3d,
  0x02,
  0x01,
  0x06,
  0x08,
  0x2a,
  0x86,
  0x48,
  0xce,
  0x3d,
  0x03,
  0x01,
  0x07,
  0x03,
  0x42,
  0x00,
  0x04,
);

/** A parsed SubjectPublicKeyInfo: the algorithm, the raw key (32 bytes, or the 65-byte point) and the DER. */
export type Spki = { readonly algorithm: "ed25519" | "p256"; readonly raw: Uint8Array; readonly der: Uint8Array };

/** The key in a DER SubjectPublicKeyInfo, or undefined when it is not an ed25519 or uncompressed P-256 key. */
export function parseSpki(der: Uint8Array): Spki | undefined {
  const startsWith = (prefix: Uint8Array, length: number) => der.length === length && bytesEqual(der.subarray(0, prefix.length), prefix);
  if (startsWith(ED25519_SPKI_PREFIX, 44)) return { algorithm: "ed25519", raw: der.slice(12), der };
  if (startsWith(P256_SPKI_PREFIX, 91)) {
    const raw = der.slice(26);
    try {
      p256.ProjectivePoint.fromHex(raw).assertValidity();
    } catch {
      return undefined; // not a point on the curve
    }
    return { algorithm: "p256", raw, der };
  }
  return undefined;
}

const PEM_HEADER = "-----BEGIN PUBLIC KEY-----";
const PEM_FOOTER = "-----END PUBLIC KEY-----";

/** The DER of a PEM `PUBLIC KEY` block (RFC 7468: header, base64 lines, footer; `\n` or `\r\n`), or undefined. */
export function pemToDer(pem: string): Uint8Array | undefined {
  const lines = pem.replace(/\r\n/g, "\n").replace(/\n$/, "").split("\n");
  if (lines.length < 3 || lines[0] !== PEM_HEADER || lines[lines.length - 1] !== PEM_FOOTER) return undefined;
  const der = base64ToBytes(lines.slice(1, -1).join(""));
  return typeof der === "string" ? undefined : der;
}

/** The PEM of a DER SubjectPublicKeyInfo, as Node.js exports it (64-character lines, final line feed). */
export function derToPem(der: Uint8Array): string {
  const body = bytesToBase64(der).replace(/.{64}/g, "$&\n").replace(/\n$/, "");
  return `${PEM_HEADER}\n${body}\n${PEM_FOOTER}\n`;
}

/** `sha256:` + hex SHA-256 of a DER SubjectPublicKeyInfo: the keyid of an ed25519 or P-256 key. */
export function keyidOfSpki(der: Uint8Array): string {
  return `sha256:${bytesToHexDigits(sha256Bytes(der))}`;
}

/** The 32-byte key id registered on chain: SHA-256 of the UTF-8 keyid string. */
export function onChainKeyId(keyid: string): Hex {
  return `0x${bytesToHexDigits(sha256Bytes(utf8Bytes(keyid)))}`;
}

/** The 32-byte role label registered on chain: keccak256 of the UTF-8 role name (zero for none). */
export function onChainRole(role: string | undefined): Hex {
  return role ? keccak256Hex(utf8Bytes(role)) : `0x${"00".repeat(32)}`;
}

/** The public half of a key, safe to publish and to put in a bundle. */
export function publicKeyInfo(key: PublicKeyInfo): PublicKeyInfo {
  return { algorithm: key.algorithm, keyid: key.keyid, publicKey: key.publicKey };
}

/** The parsed SPKI of an ed25519 or P-256 {@link PublicKeyInfo}'s PEM, or an `InputError` naming `path`. */
export function spkiOfPublicKey(algorithm: "ed25519" | "p256", publicKey: string, path: string): Spki {
  const der = pemToDer(publicKey);
  if (der === undefined) invalid("INVALID_KEY", "is not a PEM public key", path);
  const spki = parseSpki(der);
  if (spki === undefined)
    invalid(
      "INVALID_KEY",
      `is not an ed25519 or P-256 public key in its SubjectPublicKeyInfo encoding (P-256: named curve, uncompressed point), not ${algorithm}`,
      path,
    );
  if (spki.algorithm !== algorithm) invalid("INVALID_KEY", `is a ${spki.algorithm} key, not ${algorithm}`, path);
  return spki;
}

/**
 * Validates an untrusted public key and checks that it hashes to its keyid (for secp256k1 the
 * keyid is the address itself).
 */
export function parsePublicKeyInfo(value: unknown, path = "key"): PublicKeyInfo {
  const o = expectDocument(
    value,
    path,
    "INVALID_KEY",
    { what: "public key", format: PUBLIC_KEY_FORMAT },
    { required: ["algorithm", "keyid", "publicKey"], allowed: ["format"] },
  );
  const algorithm = expectOneOf(o.algorithm, `${path}.algorithm`, "INVALID_KEY", KEY_ALGORITHMS);
  const keyid = expectString(o.keyid, `${path}.keyid`, "INVALID_KEY", { max: MAX_PUBLIC_KEY_KEYID });
  const publicKey = expectString(o.publicKey, `${path}.publicKey`, "INVALID_KEY", { max: MAX_PUBLIC_KEY_TEXT });
  if (algorithm === "secp256k1") {
    if (!/^0x[0-9a-f]{40}$/.test(keyid) || publicKey !== keyid)
      invalid("INVALID_KEY", "a secp256k1 keyid and publicKey are the same lower-case 0x address", `${path}.keyid`);
    return { algorithm, keyid, publicKey };
  }
  const spki = spkiOfPublicKey(algorithm, publicKey, `${path}.publicKey`);
  if (keyidOfSpki(spki.der) !== keyid) invalid("INVALID_KEY", "the keyid is not the SHA-256 of this public key", `${path}.keyid`);
  return { algorithm, keyid, publicKey };
}

/**
 * secp256k1 public-key recovery: the uncompressed key (65 bytes, 0x04 ‖ x ‖ y) that signed the
 * 32-byte `digest` with `signature` (r ‖ s, 64 bytes; r and s in range and s low already checked)
 * and `recovery` (0 or 1); null, or a throw, when no key recovers: the caller treats both alike.
 */
export type Secp256k1Recovery = (digest: Uint8Array, signature: Uint8Array, recovery: 0 | 1) => Uint8Array | null;

/** @noble/curves' recovery, the default everywhere (what viem's recoverAddress uses). */
export const nobleSecp256k1Recovery: Secp256k1Recovery = (digest, signature, recovery) =>
  secp256k1.Signature.fromCompact(signature).addRecoveryBit(recovery).recoverPublicKey(digest).toRawBytes(false);

/** The recovery behind secp256k1 DSSE signatures: noble's, or what `installSecp256k1Recovery` put in its place (a live binding). */
export let secp256k1Recovery: Secp256k1Recovery = nobleSecp256k1Recovery;

/**
 * Replaces the recovery behind secp256k1 DSSE signatures (undefined: back to @noble/curves). A
 * Node.js process installs libsecp256k1's from src/local/nodeSecp256k1.ts. Any implementation must
 * recover noble's key for every signature `verifySignature` asks it about:
 * test/local/nodeSecp256k1.test.ts compares them on honest and hostile signatures.
 */
export function installSecp256k1Recovery(implementation: Secp256k1Recovery | undefined): void {
  secp256k1Recovery = implementation ?? nobleSecp256k1Recovery;
}

/** secp256k1's group order n. */
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

// Public-key recovery is the costly step of a secp256k1 check and a pure function of its exact
// inputs (digest and signature bytes), so recent answers are remembered: a verifier that checks the
// same signature again (a fuzz run's mutants) pays once. The comparison with the keyid still runs
// every time. `id`: the digest's 64 hex digits, then the signature's 130 (s and v already checked).
const recoveredSigner = memoize(1024, (id): string | null => {
  // r in [1, n) is checked here, so every implementation is asked only what all of them agree on.
  const r = BigInt(`0x${id.slice(64, 128)}`);
  if (r === 0n || r >= SECP256K1_N) return null;
  try {
    const signature = hexDigitsToBytes(id.slice(64));
    const key = secp256k1Recovery(hexDigitsToBytes(id.slice(0, 64)), signature.subarray(0, 64), (signature[64]! - 27) as 0 | 1);
    if (!(key instanceof Uint8Array) || key.length !== 65 || key[0] !== 0x04) return null;
    return `0x${bytesToHexDigits(keccak256Bytes(key.subarray(1)).subarray(12))}`;
  } catch {
    return null;
  }
});

const SECP256K1_HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;

/**
 * A faster check of an ed25519 or P-256 signature by a platform's own library (node:crypto's,
 * installed by src/local/nodeSignatures.ts). `spki` is the key's DER SubjectPublicKeyInfo;
 * `signature` is ed25519's 64 bytes, or P-256's r ‖ s (32 + 32 bytes, taken out of the DER by
 * @noble/curves). It is asked only where its yes implies noble's (see `verifySignature`), and only
 * its yes is taken: a no, or a throw, is decided by @noble/curves again, so the verdict is noble's.
 */
export type FastSignatureVerify = (algorithm: "ed25519" | "p256", spki: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean;

let fastVerify: FastSignatureVerify | undefined;

/**
 * Installs a faster ed25519/P-256 check in front of @noble/curves (undefined: noble alone). Any
 * implementation must say yes only to signatures noble accepts: test/local/nodeSignatures.test.ts
 * compares the verdicts on honest and hostile signatures.
 */
export function installFastSignatureVerify(implementation: FastSignatureVerify | undefined): void {
  fastVerify = implementation;
}

function askFast(algorithm: "ed25519" | "p256", spki: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    return fastVerify?.(algorithm, spki, message, signature) === true;
  } catch {
    return false; // noble decides
  }
}

// ed25519 keys that noble accepts under RFC 8032 (canonical encoding of a curve point, not of small
// order), by their 32 bytes: a key signs many envelopes, and decoding it costs a square root.
const strictEd25519Key = memoize(256, (hex): boolean => {
  try {
    const point = ed25519.ExtendedPoint.fromHex(hex); // RFC 8032 decoding (y < p), as verify with zip215: false
    return !point.isSmallOrder() && point.toHex() === hex;
  } catch {
    return false;
  }
});
function isStrictEd25519Key(raw: Uint8Array): boolean {
  return strictEd25519Key(bytesToHexDigits(raw));
}

/** ed25519's group order L, little-endian bytes compared from the top. */
const ED25519_L = 0x1000000000000000000000000000000014def9dea2f79cd65812631a5cf5d3edn;
function ed25519ScalarInRange(signature: Uint8Array): boolean {
  let s = 0n;
  for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(signature[i]!);
  return s < ED25519_L;
}

/**
 * Verifies `signature` over `message` (the PAE) by `key`. Never throws on a bad signature:
 * returns false. A secp256k1 signature must be 65 bytes with low s and v 27/28, and recover the
 * keyid's address; an ed25519 one is checked under RFC 8032 (not the looser ZIP 215); a P-256 one
 * is DER-encoded ECDSA over SHA-256 of the message. The verdict is @noble/curves'; an installed
 * faster check (`installFastSignatureVerify`) may only say yes first, where its yes implies noble's:
 * ed25519 with a strict key and s < L (then OpenSSL's exact equation sB = R + kA, with R compared as
 * bytes, implies noble's cofactored one), P-256 with r and s as noble reads them from the DER.
 */
export async function verifySignature(key: PublicKeyInfo, message: Uint8Array, signature: Uint8Array): Promise<boolean> {
  try {
    if (key.algorithm === "secp256k1") {
      if (signature.length !== 65) return false;
      const s = BigInt(`0x${bytesToHexDigits(signature.subarray(32, 64))}`);
      const v = signature[64];
      if (s === 0n || s > SECP256K1_HALF_N || (v !== 27 && v !== 28)) return false;
      return recoveredSigner(bytesToHexDigits(sha256Bytes(message)) + bytesToHexDigits(signature)) === key.keyid;
    }
    // The label must match the key: a P-256 key labelled ed25519 would otherwise verify ECDSA.
    const spki = spkiOfPublicKey(key.algorithm, key.publicKey, "key");
    if (key.algorithm === "ed25519") {
      if (
        fastVerify !== undefined &&
        signature.length === 64 &&
        ed25519ScalarInRange(signature) &&
        isStrictEd25519Key(spki.raw) &&
        askFast("ed25519", spki.der, message, signature)
      )
        return true;
      return ed25519.verify(signature, message, spki.raw, { zip215: false });
    }
    if (fastVerify !== undefined) {
      let compact: Uint8Array | undefined;
      try {
        compact = p256.Signature.fromDER(signature).toCompactRawBytes();
      } catch {
        compact = undefined; // noble refuses it below
      }
      if (compact !== undefined && askFast("p256", spki.der, message, compact)) return true;
    }
    return p256.verify(signature, sha256Bytes(message), spki.raw, { format: "der", lowS: false });
  } catch {
    return false;
  }
}
