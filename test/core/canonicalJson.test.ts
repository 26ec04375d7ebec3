import assert from "node:assert/strict";
import { describe, it } from "node:test";
import canonicalize from "canonicalize";
import fc from "fast-check";
import { canonicalJson } from "../../src/core/canonicalJson.js";
import { InputError } from "../../src/core/errors/input.js";

describe("canonicalJson (RFC 8785)", () => {
  it("default: sorts keys by UTF-16 code units and drops whitespace", () => {
    assert.equal(
      canonicalJson({ b: 1, a: [true, null, "x"], "\u20ac": 2, "\r": 3, "\ud83d\ude00": 4, "\u0080": 5 }),
      '{"\\r":3,"a":[true,null,"x"],"b":1,"\u0080":5,"\u20ac":2,"\ud83d\ude00":4}',
    );
  });

  it("behavior: matches RFC 8785 §3.2.3's number serialisation examples", () => {
    const cases: [number, string][] = [
      [0, "0"],
      [-0, "0"],
      [1e-7, "1e-7"],
      [333333333.3333333, "333333333.3333333"],
      [5e-324, "5e-324"],
      [0.000001, "0.000001"],
      [9007199254740991, "9007199254740991"],
      [-1.5, "-1.5"],
    ];
    for (const [n, s] of cases) assert.equal(canonicalJson(n), s, `number ${n}`);
  });

  it("behavior: agrees with the independent `canonicalize` package on random JSON", () => {
    const json = fc.jsonValue({ noUnicodeString: false }).filter((v) => JSON.stringify(v) !== undefined);
    fc.assert(
      fc.property(json, (value) => {
        const safe = JSON.parse(JSON.stringify(value, (_k, v) => (typeof v === "number" && Number.isInteger(v) && !Number.isSafeInteger(v) ? 1 : v)));
        assert.equal(canonicalJson(safe), canonicalize(safe));
      }),
      { numRuns: 300 },
    );
  });

  it("error: refuses lone surrogates, naming the field", () => {
    assert.throws(
      () => canonicalJson({ a: { b: "x\ud800" } }),
      (e: unknown) => e instanceof InputError && e.path === "$.a.b" && /lone surrogate/.test(e.shortMessage),
    );
    assert.throws(() => canonicalJson({ ["\udc00"]: 1 }), InputError);
  });

  it("error: refuses integers beyond 2^53 and non-finite numbers", () => {
    assert.throws(
      () => canonicalJson({ n: 2 ** 53 }),
      (e: unknown) => e instanceof InputError && e.path === "$.n" && /2\^53/.test(e.shortMessage),
    );
    // RFC 8785 would print 1e+21, but such a number cannot be an exact integer: refused.
    assert.throws(() => canonicalJson(1e21), InputError);
    assert.throws(
      () => canonicalJson([Number.NaN]),
      (e: unknown) => e instanceof InputError && e.path === "$[0]",
    );
    assert.throws(() => canonicalJson(Number.POSITIVE_INFINITY), InputError);
  });

  it("error: refuses values that are not JSON", () => {
    assert.throws(() => canonicalJson({ a: 1n }), InputError);
    assert.throws(() => canonicalJson({ a: new Date(0) }), /not a plain JSON object/);
    assert.throws(() => canonicalJson(() => 1), InputError);
  });
});
