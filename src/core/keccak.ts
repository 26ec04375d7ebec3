// keccak256 for the platform-neutral layers (Merkle proofs, format hashes): @noble/hashes by
// default, everywhere; a Node.js process installs the project's WebAssembly keccak from
// src/local/nodeKeccak.ts, about seven times as fast on short inputs.
import { keccak_256 } from "@noble/hashes/sha3.js";

/** keccak256 of `bytes`: a 32-byte digest of its own. */
export type Keccak256 = (bytes: Uint8Array) => Uint8Array;

const NOBLE = "@noble/hashes (JavaScript)";
let keccakImplementation: Keccak256 = keccak_256;
let implementationName = NOBLE;

/**
 * Replaces the keccak256 behind `keccak256Bytes` (undefined: back to @noble/hashes). Any
 * implementation must give noble's digests for every input: test/local/nodeKeccak.test.ts checks
 * the installed one.
 */
export function installKeccak256(implementation: Keccak256 | undefined, name?: string): void {
  keccakImplementation = implementation ?? keccak_256;
  implementationName = implementation === undefined ? NOBLE : (name ?? "installed");
}

/** The name of the keccak256 in use (for benchmarks and diagnostics). */
export function keccak256Name(): string {
  return implementationName;
}

/** keccak256 of bytes, with the installed implementation. */
export function keccak256Bytes(bytes: Uint8Array): Uint8Array {
  return keccakImplementation(bytes);
}
