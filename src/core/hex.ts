import { bytesToHexDigits, hexDigitsToBytes } from "./bytes.js";
import { invalid } from "./errors/input.js";

/** A 0x-prefixed hex string. */
export type Hex = `0x${string}`;

const HEX_BODY = /^[0-9a-fA-F]*$/;

/**
 * Parses untrusted input as 0x-prefixed hex of exactly `bytes` bytes (32 by default) and
 * returns it lower-cased. Names `path` in the error for missing prefix, odd length,
 * non-hex characters and wrong length.
 *
 * @example
 * import { parseHexBytes } from "provenance-ledger";
 * const root = parseHexBytes(json.root, "root"); // throws InputError if not bytes32
 */
export function parseHexBytes(value: unknown, path: string, bytes = 32): Hex {
  if (typeof value !== "string") invalid("INVALID_HEX", `expected a 0x-prefixed hex string, got ${typeName(value)}`, path);
  if (!value.startsWith("0x")) invalid("INVALID_HEX", "hex string must start with 0x", path);
  const body = value.slice(2);
  if (!HEX_BODY.test(body)) invalid("INVALID_HEX", "hex string contains a character that is not 0-9a-f", path);
  if (body.length % 2 !== 0) invalid("INVALID_HEX", `hex string has an odd number of digits (${body.length})`, path);
  if (body.length !== bytes * 2) invalid("INVALID_HEX", `expected ${bytes} bytes (${bytes * 2} hex digits), got ${body.length / 2} bytes`, path);
  return `0x${body.toLowerCase()}`;
}

/** Parses a 20-byte address (any case, checksum not required) and returns it lower-cased. */
export function parseAddress(value: unknown, path: string): Hex {
  return parseHexBytes(value, path, 20);
}

/** Bytes to lower-case 0x hex. */
export function toHex(bytes: Uint8Array): Hex {
  return `0x${bytesToHexDigits(bytes)}`;
}

/** 0x hex (already validated) to bytes. */
export function hexToBytes(hex: Hex): Uint8Array {
  return hexDigitsToBytes(hex.slice(2));
}

/** Constant-time equality of two hex strings of the same length (case-insensitive). */
export function hexEquals(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= x.charCodeAt(i) ^ y.charCodeAt(i);
  return diff === 0;
}

export function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}
