import { base64ToBytes, hexDigitsToBytes } from "../core/bytes.js";
import { invalid } from "../core/errors/input.js";
import { type Hex, parseHexBytes, toHex } from "../core/hex.js";
import { KECCAK_WASM_BASE64 } from "./keccakWasm.js";

/**
 * The parts of the WebAssembly JS API used here. Declared locally because the project compiles
 * without the DOM lib, where TypeScript keeps these types; the runtime global is Node's.
 */
export type WasmMemory = { readonly buffer: SharedArrayBuffer; grow(pages: number): number };
export type WasmModule = object;
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: { env: { memory: WasmMemory } }) => { exports: unknown };
  Memory: new (descriptor: { initial: number; maximum: number; shared: true }) => WasmMemory;
};

/** The functions of assembly/keccak.ts (pointers are byte offsets in the shared memory). */
export type KeccakWasm = {
  keccak64(input: number, count: number, output: number): void;
  recordLeaves(input: number, count: number, output: number): void;
  hashNodes(tree: number, from: number, to: number): void;
  hashTree(tree: number, leafCount: number, thread: number, threads: number, barrier: number, parallelMin: number): number;
  processProof(node: number, proof: number, length: number): void;
  keccakSponge(input: number, blocks: number, state: number): void;
};

const PAGE = 65_536;
/** The module imports a shared memory of at most this many pages (4 GiB). */
const MAX_PAGES = 65_536;

let compiled: WasmModule | undefined;

/** The compiled keccak module (compiled once, on first use; a few kilobytes). */
export function keccakModule(): WasmModule {
  compiled ??= new WebAssembly.Module(base64ToBytes(KECCAK_WASM_BASE64) as Uint8Array);
  return compiled;
}

/** An instance of the keccak module over `memory`. */
export function instantiateKeccak(memory: WasmMemory): KeccakWasm {
  return new WebAssembly.Instance(keccakModule(), { env: { memory } }).exports as unknown as KeccakWasm;
}

/** A shared memory with the keccak module instantiated over it, grown on demand and reused. */
export type KeccakMemory = { memory: WasmMemory; wasm: KeccakWasm; bytes: Uint8Array };

function createKeccakMemory(): KeccakMemory {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
  return { memory, wasm: instantiateKeccak(memory), bytes: new Uint8Array(memory.buffer) };
}

function grow(target: KeccakMemory, byteLength: number): KeccakMemory {
  if (target.bytes.byteLength < byteLength) {
    target.memory.grow(Math.ceil((byteLength - target.bytes.byteLength) / PAGE));
    target.bytes = new Uint8Array(target.memory.buffer);
  }
  return target;
}

let scratch: KeccakMemory | undefined;
let trees: KeccakMemory | undefined;

/**
 * Memory for small jobs on the calling thread (proofs, pairs, batches) of at least
 * `byteLength` bytes. Only the calling thread touches it, and never across an await.
 */
export function scratchKeccak(byteLength: number): KeccakMemory {
  scratch ??= createKeccakMemory();
  return grow(scratch, byteLength);
}

/**
 * Memory to build trees in, shared with the hashing workers, of at least `byteLength` bytes.
 * Kept between builds (it holds as much as the biggest tree built so far).
 */
export function treeKeccak(byteLength: number): KeccakMemory {
  trees ??= createKeccakMemory();
  return grow(trees, byteLength);
}

/** Abandons the tree memory (after a worker failed: it might still write into it). */
export function retireTreeKeccak(): void {
  trees = undefined;
}

/**
 * keccak256 of each consecutive 64-byte message in `messages`, in WebAssembly: returns the
 * 32-byte digests, concatenated. This is the primitive the tree is built from; it equals
 * viem's `keccak256` on every 64-byte input.
 *
 * @example
 * import { keccak256Batch } from "provenance-ledger";
 * const digests = keccak256Batch(pairs); // pairs.length = 64 * k  →  digests.length = 32 * k
 */
export function keccak256Batch(messages: Uint8Array): Uint8Array {
  if (messages.length % 64 !== 0) invalid("INVALID_ARGUMENT", `expected a multiple of 64 bytes, got ${messages.length}`, "messages");
  const count = messages.length / 64;
  const { wasm, bytes } = scratchKeccak(messages.length);
  bytes.set(messages, 0);
  wasm.keccak64(0, count, 0); // digests overwrite the front of the input, in order
  return bytes.slice(0, count * 32);
}

/**
 * The node hash of OpenZeppelin's Merkle trees and `MerkleProof.sol`
 * (`Hashes.commutativeKeccak256`): keccak256 of the two 32-byte values concatenated in
 * ascending byte order, so `hashPair(a, b) === hashPair(b, a)`.
 *
 * @example
 * import { hashPair } from "provenance-ledger";
 * const parent = hashPair(leftChild, rightChild);
 */
export function hashPair(a: Hex, b: Hex): Hex {
  const { wasm, bytes } = scratchKeccak(64);
  bytes.set(hexDigitsToBytes(parseHexBytes(a, "a").slice(2)), 0);
  bytes.set(hexDigitsToBytes(parseHexBytes(b, "b").slice(2)), 32);
  wasm.processProof(0, 32, 1);
  return toHex(bytes.slice(0, 32));
}
