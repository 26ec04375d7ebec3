import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { describe, it } from "node:test";
import fc from "fast-check";
import { encodeAbiParameters, keccak256, toHex, type Hex } from "viem";
import { InputError } from "../../src/core/errors/input.js";
import { hashPair, keccak256Batch } from "../../src/merkle/keccak.js";
import { recordLeaf } from "../../src/merkle/leaf.js";
import { KECCAK_WASM_ASC_VERSION, KECCAK_WASM_BASE64, KECCAK_WASM_SHA256 } from "../../src/merkle/keccakWasm.js";

const committed = Buffer.from(KECCAK_WASM_BASE64, "base64");

/** The WebAssembly reflection used here (the project compiles without the DOM lib's types). */
type Descriptor = { module?: string; name: string; kind: string };
const { WebAssembly } = globalThis as unknown as {
  WebAssembly: { Module: { new (bytes: Uint8Array): object; imports(m: object): Descriptor[]; exports(m: object): Descriptor[] } };
};

/** viem's keccak256 of each 64-byte message, concatenated. */
function viemBatch(messages: Uint8Array): Buffer {
  const out: Buffer[] = [];
  for (let i = 0; i < messages.length; i += 64) out.push(Buffer.from(keccak256(messages.subarray(i, i + 64)).slice(2), "hex"));
  return Buffer.concat(out);
}

/** The AssemblyScript compiler, if installed. */
function ascInstalled(): string | undefined {
  try {
    return (createRequire(import.meta.url)("assemblyscript/package.json") as { version: string }).version;
  } catch {
    return undefined;
  }
}

describe("merkle keccak (WebAssembly)", () => {
  it("default: keccak256 of 64 bytes equals viem's, on known and random inputs", () => {
    assert.equal(toHex(keccak256Batch(new Uint8Array(64))), keccak256(new Uint8Array(64)));
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 64, maxLength: 64 }), (message) => {
        assert.equal(toHex(keccak256Batch(message)), keccak256(message));
      }),
      { numRuns: 500 },
    );
  });

  it("behavior: batches of every size around the boundaries equal viem's, digest by digest", () => {
    for (const count of [0, 1, 2, 3, 7, 8, 15, 16, 17, 63, 64, 65, 1023, 1024, 1025, 1100]) {
      const messages = new Uint8Array(randomBytes(count * 64));
      assert.deepEqual(Buffer.from(keccak256Batch(messages)), viemBatch(messages), `${count} messages`);
    }
    // A batch larger than one wasm page (64 KiB) makes the scratch memory grow mid-run.
    const big = new Uint8Array(randomBytes(3000 * 64));
    assert.deepEqual(Buffer.from(keccak256Batch(big)), viemBatch(big));
    // An unaligned view.
    const unaligned = new Uint8Array(randomBytes(1 + 5 * 64)).subarray(1);
    assert.deepEqual(Buffer.from(keccak256Batch(unaligned)), viemBatch(unaligned));
  });

  it("behavior: hashPair is OpenZeppelin's commutative keccak (sorted pair)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (x, y) => {
        const [a, b] = [toHex(x), toHex(y)];
        const [low, high] = Buffer.compare(Buffer.from(x), Buffer.from(y)) <= 0 ? [x, y] : [y, x];
        const expected = keccak256(new Uint8Array([...low, ...high]));
        assert.equal(hashPair(a, b), expected);
        assert.equal(hashPair(b, a), expected);
      }),
      { numRuns: 300 },
    );
    const same = toHex(randomBytes(32));
    assert.equal(hashPair(same, same), keccak256(new Uint8Array([...Buffer.from(same.slice(2), "hex"), ...Buffer.from(same.slice(2), "hex")])));
  });

  it("behavior: recordLeaf (both hashes in WebAssembly) is viem's keccak256(keccak256(abi.encode(bytes32, bytes32)))", () => {
    const viemLeaf = (a: Hex, b: Hex) => keccak256(keccak256(encodeAbiParameters([{ type: "bytes32" }, { type: "bytes32" }], [a, b])));
    const zero = toHex(new Uint8Array(32));
    assert.equal(recordLeaf(zero, zero), viemLeaf(zero, zero));
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (x, y) => {
        assert.equal(recordLeaf(toHex(x), toHex(y)), viemLeaf(toHex(x), toHex(y)));
      }),
      { numRuns: 500 },
    );
    const upper = `0x${"AB".repeat(32)}` as Hex;
    assert.equal(recordLeaf(upper, zero), viemLeaf(upper, zero), "upper-case hex");
  });

  it("error: malformed input is refused", () => {
    assert.throws(
      () => recordLeaf("0x12" as Hex, toHex(randomBytes(32))),
      (e) => e instanceof InputError && e.code === "INVALID_HEX" && e.path === "subjectDigest",
    );
    assert.throws(
      () => recordLeaf(toHex(randomBytes(32)), `0x${"g".repeat(64)}` as Hex),
      (e) => e instanceof InputError && e.path === "recordHash",
    );
    assert.throws(
      () => keccak256Batch(new Uint8Array(65)),
      (e) => e instanceof InputError && e.code === "INVALID_ARGUMENT" && e.path === "messages",
    );
    assert.throws(
      () => hashPair("0x12" as Hex, toHex(randomBytes(32))),
      (e) => e instanceof InputError && e.path === "a",
    );
  });

  it("default: the committed module is what its header says", () => {
    assert.equal(createHash("sha256").update(committed).digest("hex"), KECCAK_WASM_SHA256);
    const module = new WebAssembly.Module(committed);
    assert.deepEqual(WebAssembly.Module.imports(module), [{ module: "env", name: "memory", kind: "memory" }]);
    assert.deepEqual(
      WebAssembly.Module.exports(module)
        .map((e) => e.name)
        .sort(),
      ["hashNodes", "hashTree", "keccak64", "keccakSponge", "processProof", "recordLeaves"],
    );
  });

  it("default: the committed module equals a fresh build of assembly/keccak.ts", async () => {
    // assemblyscript is a dev dependency pinned to the exact version the module was built with.
    const version = ascInstalled();
    assert.equal(version, KECCAK_WASM_ASC_VERSION, "assemblyscript must be installed at the version recorded in src/merkle/keccakWasm.ts");
    const { compileKeccakWasm } = await import("../../scripts/build-keccak-wasm.js");
    const fresh = Buffer.from(await compileKeccakWasm());
    assert.ok(fresh.equals(committed), "src/merkle/keccakWasm.ts is stale: run node scripts/build-keccak-wasm.ts");
  });
});
