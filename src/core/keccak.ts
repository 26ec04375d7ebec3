// keccak256 for the platform-neutral layers (Merkle proofs): @noble/hashes by default, everywhere; a
// Node.js process installs the project's WebAssembly keccak from src/local/nodeKeccak.ts, about seven
// times as fast on short inputs.
import { keccak_256 } from "@noble/hashes/sha3.js";

/** keccak256 of `bytes`: a 32-byte digest of its own. */
export type Keccak256 = (bytes: Uint8Array) => Uint8Array;

/** keccak256 of bytes, with the installed implementation (a live binding: `installKeccak256` replaces it). */
export let keccak256Bytes: Keccak256 = keccak_256;

/**
 * Replaces the keccak256 behind `keccak256Bytes` (undefined: back to @noble/hashes). Any implementation
 * must give noble's digests for every input: test/local/nodeKeccak.test.ts checks the installed one.
 */
export function installKeccak256(implementation: Keccak256 | undefined): void {
  keccak256Bytes = implementation ?? keccak_256;
}
