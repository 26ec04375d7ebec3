import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { compareBytes } from "../../src/core/bytes.js";
import { compareUtf8 } from "../../src/core/compareUtf8.js";

/** The definition: compare the UTF-8 bytes (TextEncoder's: a lone surrogate becomes U+FFFD). */
const byBytes = (a: string, b: string): number => compareBytes(new TextEncoder().encode(a), new TextEncoder().encode(b));

// Code units chosen to meet at the edges: ASCII, two- and three-byte characters, both surrogate
// halves (paired or lone), U+E000–U+FFFF (after surrogates in UTF-8, before them in UTF-16), U+FFFD.
const unit = fc.oneof(
  fc.constantFrom(
    "a",
    "b",
    "\u007f",
    "\u0080",
    "\u00e9",
    "\u07ff",
    "\u0800",
    "\ud7ff",
    "\ud83d",
    "\ude00",
    "\udbff",
    "\udc00",
    "\ue000",
    "\uff61",
    "\ufffd",
    "\uffff",
  ),
  fc.integer({ min: 0, max: 0xffff }).map((u) => String.fromCharCode(u)),
  fc.constantFrom("\u{1F600}", "\u{10000}", "\u{10FFFF}"),
);
const text = fc.array(unit, { maxLength: 8 }).map((units) => units.join(""));

describe("compareUtf8 (src/core/compareUtf8.ts)", () => {
  it("behavior: property: the order of the UTF-8 bytes, for any two strings (surrogate pairs, lone surrogates, prefixes, U+E000 and above)", () => {
    fc.assert(
      fc.property(text, text, (a, b) => {
        assert.equal(compareUtf8(a, b), byBytes(a, b), JSON.stringify([a, b]));
        assert.equal(compareUtf8(a + b, a), byBytes(a + b, a));
      }),
      { numRuns: 20_000 },
    );
  });

  it("default: the cases where UTF-16 order is not UTF-8 order, and where a lone surrogate equals U+FFFD", () => {
    const cases: [string, string, number][] = [
      ["\u{1F600}", "\uff61", 1],
      ["\uff61", "\ud83d", -1], // a lone high surrogate is U+FFFD, after U+FF61
      ["\ud83d", "\ufffd", 0],
      ["a\ud83d", "a\ud83d\ude00", -1],
      ["a\ud83d", "a\ud83db", -1], // "a\uFFFD" against "a\uFFFDb": a prefix
      ["a\ud83dz", "a\ud83db", 1],
      ["", "", 0],
      ["", "a", -1],
      ["ab", "a", 1],
    ];
    for (const [a, b, expected] of cases) {
      assert.equal(compareUtf8(a, b), expected, JSON.stringify([a, b]));
      assert.equal(byBytes(a, b), expected, `the definition agrees: ${JSON.stringify([a, b])}`);
    }
  });
});
