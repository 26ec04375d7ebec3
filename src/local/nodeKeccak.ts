// Importing this module makes keccak256 on the verification path (the light client's headers, trie
// nodes and storage keys; through core/keccak.ts, Merkle proofs, the formats' on-chain hashes and
// secp256k1 signers' addresses) the project's own WebAssembly (assembly/keccak.ts `keccakSponge`):
// the same digests as @noble/hashes, about eight times as fast (0.4-0.8 µs instead of 3.6-7.5 µs up
// to 136 bytes here). The platform-neutral layers keep @noble/hashes wherever this is not
// loaded (a browser).
import { installKeccak256 as installCoreKeccak256 } from "../core/keccak.js";
import { scratchKeccak } from "../merkle/keccak.js";
import { installKeccak256 as installLightClientKeccak256 } from "../verify/lightclient/bytes.js";

/** What this module installs, by name (for benchmarks and diagnostics). */
export const WASM_KECCAK_NAME = "assembly/keccak.ts (WebAssembly)";

/** keccak256's rate: the sponge absorbs 136-byte blocks. */
const RATE = 136;
/** Where the message goes in the scratch memory; the 200-byte state sits at 0. */
const INPUT = 256;

/**
 * keccak256 of `bytes` in WebAssembly, synchronously, in the calling thread's scratch memory (grown
 * to the largest message hashed so far): the message is copied in and padded here (0x01, zeros, 0x80
 * in the last byte of its last block, the two bytes ored into one when they meet), the module absorbs
 * the blocks, and the digest is copied out into a Uint8Array of its own.
 */
export function wasmKeccak256(bytes: Uint8Array): Uint8Array {
  const blocks = Math.floor(bytes.length / RATE) + 1;
  const end = INPUT + blocks * RATE;
  const { wasm, bytes: memory } = scratchKeccak(end);
  memory.set(bytes, INPUT);
  memory.fill(0, INPUT + bytes.length, end);
  memory[INPUT + bytes.length] = 0x01;
  memory[end - 1] = memory[end - 1]! | 0x80;
  wasm.keccakSponge(INPUT, blocks, 0);
  return memory.slice(0, 32);
}

installCoreKeccak256(wasmKeccak256);
installLightClientKeccak256(wasmKeccak256);
