import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { sha256 as nobleSha256 } from "@noble/hashes/sha2.js";
import { bytesToHexDigits, installSha256, sha256Bytes, sha256Hex } from "../../src/core/bytes.js";
import { nodeSha256, nodeSha256Hex } from "../../src/local/nodeSha256.js";

describe("core SHA-256 on node:crypto (src/local/nodeSha256.ts)", () => {
  it("default: importing it installs node:crypto's SHA-256, which gives @noble/hashes' digests (FIPS 180-2 vector, empty input, random lengths)", () => {
    assert.equal(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert.equal(sha256Hex(new Uint8Array()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    for (const length of [1, 55, 56, 63, 64, 65, 1000, 100_000]) {
      const data = new Uint8Array(randomBytes(length));
      assert.equal(bytesToHexDigits(sha256Bytes(data)), bytesToHexDigits(nobleSha256(data)), `length ${length}`);
      assert.equal(sha256Hex(data), bytesToHexDigits(nobleSha256(data)), `hex, length ${length}`);
    }
    // Text is hashed as its UTF-8, a lone surrogate as U+FFFD (TextEncoder's rule) on both paths.
    for (const text of ["", "é", "😀", "a\ud800b"])
      assert.equal(sha256Hex(text), bytesToHexDigits(nobleSha256(new TextEncoder().encode(text))), JSON.stringify(text));
  });

  it("behavior: the digest is a plain Uint8Array of its own (not a Buffer viewing a shared pool)", () => {
    const digest = nodeSha256(new Uint8Array([1, 2, 3]));
    assert.equal(Object.getPrototypeOf(digest), Uint8Array.prototype);
    assert.equal(digest.buffer.byteLength, 32);
  });

  it("behavior: installSha256(undefined) goes back to @noble/hashes, with the same digests", () => {
    try {
      installSha256(undefined);
      assert.equal(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
      assert.equal(Object.getPrototypeOf(sha256Bytes(new Uint8Array([1]))), Uint8Array.prototype);
      installSha256(undefined, nodeSha256Hex);
      assert.equal(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "no hex without its hash");
    } finally {
      installSha256(nodeSha256, nodeSha256Hex);
    }
  });
});
