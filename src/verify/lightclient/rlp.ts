// A small, strict RLP codec (Ethereum Yellow Paper, appendix B). The decoder refuses every
// non-canonical form (a single byte below 0x80 wrapped in a string header, long forms for short
// payloads, lengths with leading zeros, trailing bytes), so one value has exactly one encoding: a
// verifier can hash what it decoded and get what the signer hashed.
import { LightClientError, type LightClientCheck } from "../../core/errors/lightClient.js";
import { concatBytes } from "./bytes.js";

/** A decoded RLP item: a byte string or a list of items. */
export type RlpItem = Uint8Array | readonly RlpItem[];

const MAX_DEPTH = 64;

/** Encodes an item to RLP. */
export function encodeRlp(item: RlpItem): Uint8Array {
  if (item instanceof Uint8Array) {
    if (item.length === 1 && item[0]! < 0x80) return item;
    return concatBytes(lengthPrefix(item.length, 0x80), item);
  }
  const payload = concatBytes(...item.map(encodeRlp));
  return concatBytes(lengthPrefix(payload.length, 0xc0), payload);
}

function lengthPrefix(length: number, offset: number): Uint8Array {
  if (length < 56) return Uint8Array.of(offset + length);
  const lengthBytes: number[] = [];
  for (let l = length; l > 0; l = Math.floor(l / 256)) lengthBytes.unshift(l % 256);
  return Uint8Array.of(offset + 55 + lengthBytes.length, ...lengthBytes);
}

/**
 * Decodes canonical RLP that must span all of `bytes`. Errors carry `check` and name `field`.
 *
 * @example
 * import { decodeRlp } from "provenance-ledger/lightclient";
 * const fields = decodeRlp(headerBytes, "header", "header"); // an array of byte strings
 */
export function decodeRlp(bytes: Uint8Array, check: LightClientCheck = "rlp", field = "rlp"): RlpItem {
  const [item, end] = decodeAt(bytes, 0, bytes.length, check, field, 0);
  if (end !== bytes.length) throw new LightClientError(check, `${bytes.length - end} trailing bytes after the RLP item`, { field });
  return item;
}

function decodeAt(bytes: Uint8Array, start: number, limit: number, check: LightClientCheck, field: string, depth: number): [RlpItem, number] {
  if (depth > MAX_DEPTH) throw new LightClientError(check, `RLP nested deeper than ${MAX_DEPTH} lists`, { field });
  if (start >= limit) throw new LightClientError(check, "RLP ends before an item", { field });
  const prefix = bytes[start]!;
  if (prefix < 0x80) return [bytes.subarray(start, start + 1), start + 1];
  const isList = prefix >= 0xc0;
  const base = isList ? 0xc0 : 0x80;
  let length: number;
  let offset: number;
  if (prefix - base < 56) {
    length = prefix - base;
    offset = start + 1;
  } else {
    const lengthOfLength = prefix - base - 55;
    if (start + 1 + lengthOfLength > limit) throw new LightClientError(check, "RLP length runs past the end", { field });
    if (bytes[start + 1] === 0) throw new LightClientError(check, "RLP length has a leading zero (not canonical)", { field });
    if (lengthOfLength > 4) throw new LightClientError(check, "RLP length too large", { field });
    length = 0;
    for (let i = 0; i < lengthOfLength; i++) length = length * 256 + bytes[start + 1 + i]!;
    if (length < 56) throw new LightClientError(check, "RLP long form for a payload under 56 bytes (not canonical)", { field });
    offset = start + 1 + lengthOfLength;
  }
  const end = offset + length;
  if (end > limit) throw new LightClientError(check, `RLP item of ${length} bytes runs past the end`, { field });
  if (!isList) {
    if (length === 1 && bytes[offset]! < 0x80) throw new LightClientError(check, "RLP single byte below 0x80 with a string header (not canonical)", { field });
    return [bytes.subarray(offset, end), end];
  }
  const items: RlpItem[] = [];
  let position = offset;
  while (position < end) {
    const [item, next] = decodeAt(bytes, position, end, check, field, depth + 1);
    items.push(item);
    position = next;
  }
  return [items, end];
}

/** The item as a list, or a named error. */
export function rlpList(item: RlpItem, check: LightClientCheck, field: string): readonly RlpItem[] {
  if (item instanceof Uint8Array) throw new LightClientError(check, "expected an RLP list, got a byte string", { field });
  return item;
}

/** The item as a byte string (of exactly `length` bytes when given), or a named error. */
export function rlpBytes(item: RlpItem | undefined, check: LightClientCheck, field: string, length?: number): Uint8Array {
  if (item === undefined) throw new LightClientError(check, "missing", { field });
  if (!(item instanceof Uint8Array)) throw new LightClientError(check, "expected an RLP byte string, got a list", { field });
  if (length !== undefined && item.length !== length) throw new LightClientError(check, `expected ${length} bytes, got ${item.length}`, { field });
  return item;
}

/** The item as a canonical unsigned integer of at most `maxBytes` bytes (no leading zeros), or a named error. */
export function rlpUint(item: RlpItem | undefined, check: LightClientCheck, field: string, maxBytes = 32): bigint {
  const bytes = rlpBytes(item, check, field);
  if (bytes.length > maxBytes) throw new LightClientError(check, `integer longer than ${maxBytes} bytes`, { field });
  if (bytes.length > 0 && bytes[0] === 0) throw new LightClientError(check, "integer has a leading zero byte (not canonical)", { field });
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return value;
}
