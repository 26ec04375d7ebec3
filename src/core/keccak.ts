// keccak256 for the platform-neutral layers (Merkle proofs, the formats' on-chain hashes, secp256k1
// signers' addresses): @noble/hashes by default, everywhere; a Node.js process installs the project's
// WebAssembly keccak from src/local/nodeKeccak.ts, about eight times as fast.
import { keccak_256 } from "@noble/hashes/sha3.js";
import { type Hex, hexToBytes, toHex } from "./hex.js";

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

/** keccak256 of bytes or of (already validated) 0x hex's bytes, as lower-case 0x hex: viem's `keccak256`, with the installed implementation. */
export function keccak256Hex(data: Uint8Array | Hex): Hex {
  return toHex(keccak256Bytes(typeof data === "string" ? hexToBytes(data) : data));
}
