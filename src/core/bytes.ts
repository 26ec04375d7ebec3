// Bytes for the verification path, platform-neutral: Uint8Array only (no Buffer, no node:), so
// that what `verify`, `verifyBundle` and the receipt, attestation and Merkle-proof checks reach
// also runs in a browser (test/verify/browser-bundle.test.ts). Bulk file hashing keeps node:crypto.
import { sha256 as nobleSha256 } from "@noble/hashes/sha2.js";

const HEX_DIGIT_CODES = new TextEncoder().encode("0123456789abcdef");
const asciiDecoder = new TextDecoder();

/** Lower-case hex of `bytes`, without a prefix. */
export function bytesToHexDigits(bytes: Uint8Array): string {
  // The digits' character codes decoded at once give one flat string. Appending two digits per
  // byte (`out += …`) builds a rope instead: 64 digits cost about 900 bytes of heap instead of
  // 120 and are slower to use, which made every entry id and Merkle leaf the service computes
  // cost it garbage collection (docs/benchmarks.md, "Issue 11: before and after").
  const codes = new Uint8Array(2 * bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    codes[2 * i] = HEX_DIGIT_CODES[bytes[i]! >> 4]!;
    codes[2 * i + 1] = HEX_DIGIT_CODES[bytes[i]! & 15]!;
  }
  return asciiDecoder.decode(codes);
}

// Character code → nibble, or 255 for a character that is not a hex digit (either case).
const NIBBLE = new Uint8Array(128).fill(255);
for (let i = 0; i < 10; i++) NIBBLE[48 + i] = i;
for (let i = 0; i < 6; i++) NIBBLE[65 + i] = NIBBLE[97 + i] = 10 + i;

/** Bytes of an even-length string of hex digits (no prefix); throws on anything else (callers validate first). */
export function hexDigitsToBytes(digits: string): Uint8Array {
  if (digits.length % 2 !== 0) throw new RangeError("odd number of hex digits");
  const out = new Uint8Array(digits.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = NIBBLE[digits.charCodeAt(2 * i)] ?? 255;
    const lo = NIBBLE[digits.charCodeAt(2 * i + 1)] ?? 255;
    if (hi === 255 || lo === 255) throw new RangeError("not a hex digit");
    out[i] = (hi << 4) | lo;
  }
  return out;
}

// Two hex digits' character codes ((hi << 7) | lo, both < 128) → their byte, or 256 for a pair
// that is not two hex digits: one lookup per byte, for decoding many leaves quickly.
const HEX_PAIR = new Uint16Array(128 * 128).fill(256);
for (let hi = 0; hi < 128; hi++)
  for (let lo = 0; lo < 128; lo++) if (NIBBLE[hi] !== 255 && NIBBLE[lo] !== 255) HEX_PAIR[(hi << 7) | lo] = (NIBBLE[hi]! << 4) | NIBBLE[lo]!;

/**
 * Decodes `count` bytes of hex digits (either case) from `text` at `from` into `out` at `offset`;
 * false, with `out` partly written, if a pair there is not two hex digits or `text` is too short.
 */
export function writeHexDigits(out: Uint8Array, offset: number, text: string, from: number, count: number): boolean {
  if (text.length < from + 2 * count) return false;
  for (let i = 0; i < count; i++) {
    const hi = text.charCodeAt(from + 2 * i);
    const lo = text.charCodeAt(from + 2 * i + 1);
    const byte = hi < 128 && lo < 128 ? HEX_PAIR[(hi << 7) | lo]! : 256;
    if (byte === 256) return false;
    out[offset + i] = byte;
  }
  return true;
}

const BASE64_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const SEXTET = new Uint8Array(128).fill(255);
for (let i = 0; i < 64; i++) SEXTET[BASE64_ALPHABET.charCodeAt(i)] = i;

/** Standard padded base64 (RFC 4648 §4) of `bytes`. */
export function bytesToBase64(bytes: Uint8Array): string {
  const parts: string[] = [];
  let chunk = "";
  let i = 0;
  for (; i + 3 <= bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    chunk += BASE64_ALPHABET[n >> 18]! + BASE64_ALPHABET[(n >> 12) & 63]! + BASE64_ALPHABET[(n >> 6) & 63]! + BASE64_ALPHABET[n & 63]!;
    if (chunk.length >= 8192) {
      parts.push(chunk);
      chunk = "";
    }
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    chunk += `${BASE64_ALPHABET[n >> 18]!}${BASE64_ALPHABET[(n >> 12) & 63]!}==`;
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    chunk += `${BASE64_ALPHABET[n >> 18]!}${BASE64_ALPHABET[(n >> 12) & 63]!}${BASE64_ALPHABET[(n >> 6) & 63]!}=`;
  }
  parts.push(chunk);
  return parts.join("");
}

/**
 * Decodes standard padded base64 (RFC 4648 §4) strictly, or returns why not: `alphabet` (another
 * character, whitespace, base64url, misplaced or missing padding, a length not a multiple of 4) or
 * `padding-bits` (non-zero unused bits: the value is not the canonical encoding of its bytes). One
 * byte string has exactly one accepted encoding.
 */
export function base64ToBytes(text: string): Uint8Array | "alphabet" | "padding-bits" {
  if (text.length % 4 !== 0) return "alphabet";
  const padding = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
  const body = text.length - padding;
  const out = new Uint8Array((text.length / 4) * 3 - padding);
  let o = 0;
  for (let i = 0; i < body; i += 4) {
    const a = SEXTET[text.charCodeAt(i)] ?? 255;
    const b = SEXTET[text.charCodeAt(i + 1)] ?? 255;
    const left = body - i;
    const c = left > 2 ? (SEXTET[text.charCodeAt(i + 2)] ?? 255) : 0;
    const d = left > 3 ? (SEXTET[text.charCodeAt(i + 3)] ?? 255) : 0;
    if (a === 255 || b === 255 || c === 255 || d === 255) return "alphabet";
    const n = (a << 18) | (b << 12) | (c << 6) | d;
    if (left >= 4) {
      out[o++] = n >> 16;
      out[o++] = (n >> 8) & 255;
      out[o++] = n & 255;
    } else if (left === 3) {
      if ((n & 255) !== 0) return "padding-bits";
      out[o++] = n >> 16;
      out[o++] = (n >> 8) & 255;
    } else {
      if ((n & 0xffff) !== 0) return "padding-bits";
      out[o++] = n >> 16;
    }
  }
  return out;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** UTF-8 bytes of `text` (a lone surrogate becomes U+FFFD, as TextEncoder does). */
export function utf8Bytes(text: string): Uint8Array {
  return encoder.encode(text);
}

/** The text of UTF-8 `bytes`; throws TypeError on invalid UTF-8. */
export function utf8Text(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/** A synchronous SHA-256: bytes in, 32-byte digest out. */
export type Sha256 = (bytes: Uint8Array) => Uint8Array;

/** A synchronous SHA-256 giving its lower-case hex digits directly (where the platform makes them faster than bytes then hex). */
export type Sha256Hex = (bytes: Uint8Array) => string;

let sha256Implementation: Sha256 = nobleSha256;
let sha256HexImplementation: Sha256Hex | undefined;

/**
 * Replaces the SHA-256 behind `sha256Bytes`/`sha256Hex` (undefined: back to @noble/hashes); `hex`, if
 * given, is the same hash giving hex digits. A Node.js process installs node:crypto's, about twice
 * as fast on the short inputs records and entries are (src/local/nodeSha256.ts, loaded by the
 * package root, the service and the CLI). Any implementation must be SHA-256:
 * test/local/nodeSha256.test.ts checks the installed one against noble.
 */
export function installSha256(implementation: Sha256 | undefined, hex?: Sha256Hex): void {
  sha256Implementation = implementation ?? nobleSha256;
  sha256HexImplementation = implementation === undefined ? undefined : hex;
}

/** SHA-256 of `bytes` (@noble/hashes unless a faster one is installed; synchronous everywhere). */
export function sha256Bytes(bytes: Uint8Array): Uint8Array {
  return sha256Implementation(bytes);
}

/** Lower-case hex SHA-256 of `bytes` (or of the UTF-8 of `text`). */
export function sha256Hex(input: Uint8Array | string): string {
  const bytes = typeof input === "string" ? utf8Bytes(input) : input;
  return sha256HexImplementation === undefined ? bytesToHexDigits(sha256Implementation(bytes)) : sha256HexImplementation(bytes);
}

/** `a` and `b` hold the same bytes. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** Orders `a` and `b` by their bytes: -1, 0 or 1 (the order Node.js compares buffers in). */
export function compareBytes(a: Uint8Array, b: Uint8Array): -1 | 0 | 1 {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

/** The bytes of `parts` one after the other. */
export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
