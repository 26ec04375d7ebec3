import { compareBytes, writeHexDigits } from "../core/bytes.js";
import { invalid } from "../core/errors/input.js";
import { MerkleError } from "../core/errors/merkle.js";
import { type Hex, parseHexBytes, toHex } from "../core/hex.js";

/**
 * Packs hex leaves into one buffer of 32-byte values. Every element is untrusted: anything but
 * 0x-prefixed 32-byte hex is refused with an InputError naming `leaves[i]`.
 */
export function packHexLeaves(leaves: readonly Hex[]): Uint8Array {
  if (!Array.isArray(leaves)) invalid("INVALID_ARGUMENT", "expected an array of bytes32 hex strings or packed bytes", "leaves");
  const packed = new Uint8Array(leaves.length * 32);
  for (let i = 0; i < leaves.length; i++) {
    const leaf: unknown = leaves[i];
    // Fast path; anything it refuses gets the precise error below.
    const ok =
      typeof leaf === "string" &&
      leaf.length === 66 &&
      leaf.charCodeAt(0) === 48 /* 0 */ &&
      leaf.charCodeAt(1) === 120 /* x */ &&
      writeHexDigits(packed, i * 32, leaf, 2, 32);
    if (!ok) {
      parseHexBytes(leaf, `leaves[${i}]`); // throws the precise error
      invalid("INVALID_HEX", "not a bytes32 hex string", `leaves[${i}]`);
    }
  }
  return packed;
}

/**
 * The ascending byte order of packed 32-byte leaves, as indices into `packed` (the order of
 * OpenZeppelin's `sortLeaves`). Refuses duplicates: a record must never be anchored twice.
 *
 * A 3 × 11-bit radix sort on the first 4 bytes of each leaf, then a full comparison inside the
 * (rare, short) runs that share those 4 bytes; duplicates always land in such a run.
 */
export function sortLeaves(packed: Uint8Array): Uint32Array {
  const count = packed.length / 32;
  const view = new DataView(packed.buffer, packed.byteOffset, packed.byteLength);
  let keys = new Uint32Array(count);
  let order = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    keys[i] = view.getUint32(i * 32);
    order[i] = i;
  }
  let nextKeys = new Uint32Array(count);
  let nextOrder = new Uint32Array(count);
  const buckets = new Uint32Array(2048);
  for (let shift = 0; shift < 33; shift += 11) {
    buckets.fill(0);
    for (let i = 0; i < count; i++) {
      const digit = ((keys[i] as number) >>> shift) & 2047;
      buckets[digit] = (buckets[digit] as number) + 1;
    }
    let sum = 0;
    for (let b = 0; b < 2048; b++) {
      const size = buckets[b] as number;
      buckets[b] = sum;
      sum += size;
    }
    for (let i = 0; i < count; i++) {
      const key = keys[i] as number;
      const digit = (key >>> shift) & 2047;
      const slot = buckets[digit] as number;
      buckets[digit] = slot + 1;
      nextKeys[slot] = key;
      nextOrder[slot] = order[i] as number;
    }
    [keys, nextKeys] = [nextKeys, keys];
    [order, nextOrder] = [nextOrder, order];
  }

  const compare = (a: number, b: number) => compareBytes(packed.subarray(a * 32, a * 32 + 32), packed.subarray(b * 32, b * 32 + 32));
  for (let start = 0; start < count - 1; ) {
    let end = start + 1;
    while (end < count && keys[end] === keys[start]) end++;
    if (end - start > 1) {
      const run = Array.from(order.subarray(start, end)).sort(compare);
      for (let i = 1; i < run.length; i++) {
        if (compare(run[i - 1] as number, run[i] as number) === 0) {
          const leaf = toHex(packed.subarray((run[i] as number) * 32, (run[i] as number) * 32 + 32));
          throw new MerkleError("DUPLICATE_LEAF", `leaf ${leaf} appears more than once`, {
            leaf,
            details: `at input positions ${Math.min(run[i - 1] as number, run[i] as number)} and ${Math.max(run[i - 1] as number, run[i] as number)}`,
          });
        }
      }
      order.set(run, start);
    }
    start = end;
  }
  return order;
}
