// How OpenSSF model signing cuts a model into shards: names and ranges only (hashing them is
// local/hashing/hashModelShards.ts).

/** The shard size of OpenSSF model signing (`model_signing`): 1,000,000,000 bytes. */
export const DEFAULT_SHARD_SIZE = 1_000_000_000;

/** The most shards one call hashes: 2^25, the most leaves one Merkle tree holds. */
export const MAX_SHARD_COUNT = 2 ** 25;

/** The name of a single-file model's only file in shard names, as OpenSSF writes it. */
export const SINGLE_FILE_PATH = ".";

/**
 * The shards of a file of `size` bytes: `[0, shardSize), [shardSize, 2·shardSize), …`, the last
 * one ending at `size`; a single `[0, 0)` for an empty file.
 *
 * @example
 * import { shardRanges } from "provenance-ledger";
 * shardRanges(22, 8); // [{ start: 0, end: 8 }, { start: 8, end: 16 }, { start: 16, end: 22 }]
 */
export function shardRanges(size: number, shardSize: number): { start: number; end: number }[] {
  return [...iterateShardRanges(size, shardSize)];
}

/** `shardRanges`, one at a time (a tiny shard size on a big file must not build a huge list). */
export function* iterateShardRanges(size: number, shardSize: number): Generator<{ start: number; end: number }> {
  if (size === 0) yield { start: 0, end: 0 };
  for (let start = 0; start < size; start += shardSize) yield { start, end: Math.min(size, start + shardSize) };
}
