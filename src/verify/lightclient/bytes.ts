// Byte helpers for the platform-neutral light client: Uint8Array only (nothing from Node),
// so the same code runs in a browser.
import { keccak_256 } from "@noble/hashes/sha3.js";
import { LightClientError, type LightClientCheck } from "../../core/errors/lightClient.js";

/** A 0x-prefixed hex string. */
export type Hex = `0x${string}`;

const HEX = /^0x([0-9a-fA-F]{2})*$/;
/** A hex digit's value by its character code (only hex digits are looked up). */
const NIBBLES = new Uint8Array(128);
for (let d = 0; d < 16; d++) {
  NIBBLES["0123456789abcdef".charCodeAt(d)] = d;
  NIBBLES["0123456789ABCDEF".charCodeAt(d)] = d;
}
const DIGITS = "0123456789abcdef";

/**
 * keccak256 of bytes (headers, trie nodes, storage keys): @noble/hashes, or what `installKeccak256` put
 * in its place (a live binding). A Node.js process installs the project's WebAssembly keccak from
 * src/local/nodeKeccak.ts, about eight times as fast.
 */
export let keccak256: (bytes: Uint8Array) => Uint8Array = keccak_256;

/**
 * Replaces the light client's keccak256 (undefined: back to @noble/hashes). Any implementation must give
 * noble's digests for every input: test/local/nodeKeccak.test.ts checks the installed one.
 */
export function installKeccak256(implementation: ((bytes: Uint8Array) => Uint8Array) | undefined): void {
  keccak256 = implementation ?? keccak_256;
}

/** Bytes to lower-case 0x hex. */
export function bytesToHex(bytes: Uint8Array): Hex {
  let out = "0x";
  for (const byte of bytes) out += DIGITS[byte >> 4]! + DIGITS[byte & 15]!;
  return out as Hex;
}

/**
 * Untrusted 0x hex to bytes: refuses a value that is not a string of whole bytes, and, when `length`
 * is given, one of another size. `check` and `field` name what is wrong in the error.
 */
export function hexToBytes(value: unknown, check: LightClientCheck, field: string, length?: number): Uint8Array {
  if (typeof value !== "string" || !HEX.test(value)) throw new LightClientError(check, "expected 0x-prefixed hex of whole bytes", { field });
  const bytes = new Uint8Array((value.length - 2) / 2);
  // Digits by table (HEX has checked every one): proofs are kilobytes of hex, parseInt per byte was a profile's top line.
  for (let i = 0, j = 2; i < bytes.length; i++, j += 2) bytes[i] = (NIBBLES[value.charCodeAt(j)]! << 4) | NIBBLES[value.charCodeAt(j + 1)]!;
  if (length !== undefined && bytes.length !== length) throw new LightClientError(check, `expected ${length} bytes, got ${bytes.length}`, { field });
  return bytes;
}

/** Equality of two byte strings (digests and addresses: their content is public, so no constant time needed). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Big-endian unsigned integer bytes (any length) to bigint. */
export function bytesToBigInt(bytes: Uint8Array): bigint {
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return value;
}

/** A non-negative bigint to its minimal big-endian bytes (0 is the empty string, as RLP wants). */
export function bigIntToBytes(value: bigint): Uint8Array {
  if (value < 0n) throw new RangeError("negative");
  const out: number[] = [];
  for (let v = value; v > 0n; v >>= 8n) out.unshift(Number(v & 0xffn));
  return Uint8Array.from(out);
}

/** A bigint to exactly `length` big-endian bytes (for storage slots and words). */
export function bigIntToFixedBytes(value: bigint, length: number): Uint8Array {
  const minimal = bigIntToBytes(value);
  if (minimal.length > length) throw new RangeError(`value does not fit in ${length} bytes`);
  const out = new Uint8Array(length);
  out.set(minimal, length - minimal.length);
  return out;
}

/** Lower-case 0x hex of a 20-byte address. */
export function addressHex(bytes: Uint8Array): Hex {
  return bytesToHex(bytes);
}
