import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { bytesToHexDigits, hexDigitsToBytes } from "../../src/core/bytes.js";

describe("core bytes: hex digits", () => {
  it("default: bytesToHexDigits gives node:crypto's lower-case hex for every byte value and for lengths 0 to 1000", () => {
    const everyByte = Uint8Array.from({ length: 256 }, (_, i) => i);
    assert.equal(bytesToHexDigits(everyByte), Buffer.from(everyByte).toString("hex"));
    for (const length of [0, 1, 2, 31, 32, 33, 64, 1000]) {
      const bytes = new Uint8Array(randomBytes(length));
      assert.equal(bytesToHexDigits(bytes), Buffer.from(bytes).toString("hex"), `length ${length}`);
    }
  });

  it("behavior: a view's own bytes only (subarray at an offset), and hexDigitsToBytes reads them back", () => {
    const bytes = new Uint8Array(randomBytes(96));
    const view = bytes.subarray(32, 64);
    assert.equal(bytesToHexDigits(view), Buffer.from(bytes.buffer, 32, 32).toString("hex"));
    assert.deepEqual(hexDigitsToBytes(bytesToHexDigits(view)), new Uint8Array(view));
  });
});
