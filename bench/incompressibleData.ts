// Test data for the hashing benchmarks (bench/hashing.ts, bench/compare-revisions.ts): files of
// incompressible bytes, so that no filesystem or page-cache trick makes hashing them cheaper than a real model.
import { createCipheriv } from "node:crypto";
import { closeSync, openSync, writeSync } from "node:fs";

const MIB = 2 ** 20;

/** Writes `bytes` of incompressible data to `path`: a 16 MiB AES-CTR block keyed by `seed`, repeated (another seed, other bytes). */
export function writeIncompressibleData(path: string, bytes: number, seed: number): void {
  const block = createCipheriv("aes-256-ctr", Buffer.alloc(32, seed), Buffer.alloc(16)).update(Buffer.alloc(16 * MIB));
  const fd = openSync(path, "w");
  try {
    for (let at = 0; at < bytes; at += block.length) writeSync(fd, block, 0, Math.min(block.length, bytes - at));
  } finally {
    closeSync(fd);
  }
}
