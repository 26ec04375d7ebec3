import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { keccak_256, sha3_256 } from "@noble/hashes/sha3.js";
import fc from "fast-check";
import { keccak256 as viemKeccak256, toHex } from "viem";
import { bytesToHexDigits } from "../../src/core/bytes.js";
import { type Keccak256, installKeccak256 as installCoreKeccak256, keccak256Bytes, keccak256Hex } from "../../src/core/keccak.js";
import { wasmKeccak256 } from "../../src/local/nodeKeccak.js";
import { hashPair, keccak256Batch } from "../../src/merkle/keccak.js";
import { processProof } from "../../src/merkle/proof.js";
import { installKeccak256 as installLightClientKeccak256, keccak256 } from "../../src/verify/lightclient/bytes.js";
import type { Hex } from "../../src/core/hex.js";

const hex = (bytes: Uint8Array): string => bytesToHexDigits(bytes);
const text = (value: string): Uint8Array => new TextEncoder().encode(value);
const random = (length: number): Uint8Array => new Uint8Array(randomBytes(length));

/** The known vectors: keccak256("") and keccak256("abc") (Keccak's padding, not SHA-3's). */
const VECTORS: readonly [string, string][] = [
  ["", "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"],
  ["abc", "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45"],
];

/** The inputs a candidate is compared with @noble/hashes on: every length 0..1100 (random bytes), the vectors, some long and unaligned ones. */
function inputs(): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let length = 0; length <= 1100; length++) out.push(random(length));
  for (const [message] of VECTORS) out.push(text(message));
  // All-ones messages of the lengths where the pad bytes meet (135: one byte 0x81) or fill a block (136).
  for (const length of [135, 136, 271, 272]) out.push(new Uint8Array(length).fill(0xff));
  // Long messages: the scratch memory grows past one 64 KiB page, then far beyond.
  for (const length of [65_536, 200_003, 3 * 2 ** 20 + 7]) out.push(random(length));
  // A view at an odd offset of a larger buffer.
  out.push(random(1000).subarray(3, 700));
  return out;
}

/** The inputs on which `candidate` differs from @noble/hashes' keccak_256 (by length; a throw counts as a difference). */
function differences(candidate: Keccak256, all: readonly Uint8Array[]): string[] {
  const found: string[] = [];
  for (const input of all) {
    let digest: string;
    try {
      digest = hex(candidate(input));
    } catch (error) {
      digest = `throws ${(error as Error).message}`;
    }
    if (digest !== hex(keccak_256(input))) found.push(`length ${input.length}`);
  }
  return found;
}

describe("keccak256 in WebAssembly (src/local/nodeKeccak.ts)", () => {
  it("default: importing it installs the WebAssembly keccak256 behind core's keccak256Bytes and the light client's keccak256, with the known digests", () => {
    assert.equal(keccak256Bytes, wasmKeccak256);
    assert.equal(keccak256, wasmKeccak256);
    for (const [message, digest] of VECTORS) {
      assert.equal(hex(wasmKeccak256(text(message))), digest, JSON.stringify(message));
      assert.equal(hex(keccak256Bytes(text(message))), digest, JSON.stringify(message));
      assert.equal(hex(keccak256(text(message))), digest, JSON.stringify(message));
    }
  });

  it("default: the same digest as @noble/hashes for every length 0..1100, the vectors, long messages (to 3 MiB) and an unaligned view", () => {
    const all = inputs();
    assert.deepEqual(differences(wasmKeccak256, all), []);
    assert.deepEqual(differences(keccak256Bytes, all), []);
    assert.deepEqual(differences(keccak256, all), []);
  });

  it("default: the same digest as @noble/hashes on random messages", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (message) => {
        assert.equal(hex(wasmKeccak256(message)), hex(keccak_256(message)));
      }),
      { numRuns: 1000 },
    );
  });

  it("behavior: the scratch memory it shares with the Merkle helpers leaves no trace: a long message then short ones, interleaved with hashPair and keccak256Batch", () => {
    const ones = new Uint8Array(5000).fill(0xff);
    assert.equal(hex(wasmKeccak256(ones)), hex(keccak_256(ones)));
    for (const length of [1100, 300, 136, 135, 64, 32, 1, 0]) {
      const message = new Uint8Array(length);
      assert.equal(hex(wasmKeccak256(message)), hex(keccak_256(message)), `zeros of length ${length} after longer messages`);
      const pairs = random(128);
      assert.equal(hex(keccak256Batch(pairs)), hex(keccak_256(pairs.subarray(0, 64))) + hex(keccak_256(pairs.subarray(64))));
      const node = random(32);
      assert.equal(hashPair(`0x${hex(node)}` as Hex, `0x${hex(node)}` as Hex), `0x${hex(keccak_256(new Uint8Array([...node, ...node])))}`);
    }
  });

  it("default: the package root, provenance-ledger/verify, the service and the CLI install it (the built modules, each in a fresh process)", () => {
    const dist = new URL("../../dist/src/", import.meta.url).href;
    for (const entry of ["index.js", "local/verify.js", "service/index.js", "cli/main.js"]) {
      // The installed functions are read before nodeKeccak.js is imported here (importing it installs it).
      const script = `await import(${JSON.stringify(dist + entry)});
        const { keccak256Bytes } = await import(${JSON.stringify(`${dist}core/keccak.js`)});
        const { keccak256 } = await import(${JSON.stringify(`${dist}verify/lightclient/bytes.js`)});
        const { wasmKeccak256 } = await import(${JSON.stringify(`${dist}local/nodeKeccak.js`)});
        process.stdout.write(String(keccak256Bytes === wasmKeccak256 && keccak256 === wasmKeccak256));`;
      assert.equal(execFileSync(process.execPath, ["--input-type=module", "--no-warnings", "-e", script], { encoding: "utf8" }), "true", entry);
    }
  });

  it("behavior: keccak256Hex (the formats' on-chain hashes) is viem's keccak256, of bytes and of hex", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (message) => {
        assert.equal(keccak256Hex(message), viemKeccak256(message));
        assert.equal(keccak256Hex(toHex(message)), viemKeccak256(toHex(message)));
      }),
      { numRuns: 300 },
    );
  });

  it("behavior: each digest is a plain Uint8Array of its own (not a view of the WebAssembly memory, not shared)", () => {
    const first = wasmKeccak256(text("abc"));
    wasmKeccak256(random(10_000));
    assert.equal(hex(first), VECTORS[1]![1]);
    assert.equal(Object.getPrototypeOf(first), Uint8Array.prototype);
    assert.ok(first.buffer instanceof ArrayBuffer);
    assert.equal(first.buffer.byteLength, 32);
  });

  it("behavior: Merkle proofs and the light client go through the installed keccak256; installKeccak256(undefined) goes back to @noble/hashes, with the same digests", () => {
    const leaf = `0x${hex(random(32))}` as Hex;
    const proof = [random(32), random(32), random(32)].map((b) => `0x${hex(b)}` as Hex);
    const root = processProof(leaf, proof);
    const zero = new Uint8Array(32);
    try {
      installCoreKeccak256(() => zero);
      installLightClientKeccak256(() => zero);
      assert.equal(processProof(leaf, proof), `0x${"00".repeat(32)}`, "processProof asks core's keccak256");
      assert.equal(keccak256(text("abc")), zero, "the light client asks its installed keccak256");
      installCoreKeccak256(undefined);
      installLightClientKeccak256(undefined);
      assert.equal(keccak256Bytes, keccak_256);
      assert.equal(keccak256, keccak_256);
      assert.equal(processProof(leaf, proof), root);
      assert.equal(hex(keccak256(text("abc"))), VECTORS[1]![1]);
      assert.equal(hex(keccak256Bytes(text(""))), VECTORS[0]![1]);
    } finally {
      installCoreKeccak256(wasmKeccak256);
      installLightClientKeccak256(wasmKeccak256);
    }
  });

  it("error: the comparison fails for an implementation that is not keccak256 (a stub, SHA3-256's padding, one block only, the last byte ignored, a short digest, one that throws)", () => {
    const all = inputs().filter((input) => input.length <= 1100);
    const stubs: [string, Keccak256][] = [
      ["a stub giving one digest", () => new Uint8Array(32)],
      ["SHA3-256 (0x06 padding)", sha3_256],
      ["the first block only", (bytes) => keccak_256(bytes.subarray(0, 136))],
      ["the last byte ignored", (bytes) => keccak_256(bytes.subarray(0, Math.max(0, bytes.length - 1)))],
      ["a 31-byte digest", (bytes) => keccak_256(bytes).subarray(0, 31)],
      [
        "one that throws on long messages",
        (bytes) => {
          if (bytes.length > 1000) throw new RangeError("too long");
          return keccak_256(bytes);
        },
      ],
    ];
    for (const [name, stub] of stubs) assert.notDeepEqual(differences(stub, all), [], name);
  });
});
