import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { InputError } from "../../src/core/errors/input.js";
import { MAX_JSON_DEPTH, parseJson, parseJsonBytes, parseJsonExact } from "../../src/core/parseJson.js";
import { hostileJsonText } from "../helpers/hostileJson.js";

/** Asserts `run` throws an InputError with `code`, and `path` (exact) or a message matching `message`. */
function refused(run: () => unknown, code: string, expected: { path?: string; message?: RegExp } = {}): void {
  assert.throws(run, (e: unknown) => {
    assert.ok(e instanceof InputError, `expected InputError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (expected.path !== undefined) assert.equal(e.path, expected.path, e.message);
    if (expected.message) assert.match(e.message, expected.message);
    return true;
  });
}

/** One test per case: each of its texts is refused by parseJson with `code`, naming the path where one is given. */
function refusedTexts(code: string, cases: readonly [name: string, ...texts: [text: string, path?: string][]][]): void {
  for (const [name, ...texts] of cases)
    it(name, () => {
      for (const [text, path] of texts) refused(() => parseJson(text), code, path === undefined ? {} : { path });
    });
}

const utf8 = (s: string) => new TextEncoder().encode(s);

/** True when every number in `value` survives the strict parser (magnitude at most 2^53, integers exact). */
function numbersInRange(value: unknown): boolean {
  if (typeof value === "number") return Math.abs(value) < 2 ** 53;
  if (Array.isArray(value)) return value.every(numbersInRange);
  if (value !== null && typeof value === "object") return Object.values(value).every(numbersInRange);
  return true;
}

describe("parseJson", () => {
  it("default: parses every JSON type and keeps whitespace out of the values", () => {
    const text = ' { "a" : [ 1 , -2.5 , 3e2 , true , false , null ] ,\n\t"b" : { "c" : "d\\n\\u00e9\\/" } }\r\n';
    assert.deepEqual(parseJson(text), { a: [1, -2.5, 300, true, false, null], b: { c: "d\né/" } });
    assert.equal(parseJson('"x"'), "x", "a bare string is a JSON text");
    assert.equal(parseJson("0"), 0);
    assert.deepEqual(parseJson("[]"), []);
    assert.deepEqual(parseJson("{}"), {});
  });

  describe("duplicate keys", () => {
    refusedTexts("DUPLICATE_KEY", [
      ["error: a duplicate at the top level names the key", ['{"a":1,"a":2}', "$.a"]],
      [
        "error: a duplicate at any depth names its full path",
        ['{"a":{"b":[{"c":1},{"d":1,"d":1}]}}', "$.a.b[1].d"],
        ['[[[{"x":{"y":null,"y":null}}]]]', "$[0][0][0].x.y"],
      ],
      // JSON.parse keeps the last value; a reader comparing raw text would see two keys.
      ["error: keys that differ only in how they are escaped are the same key", ['{"a":1,"\\u0061":2}', "$.a"], ['{"\\u00e9":1,"é":2}', "$.é"]],
      ["error: a duplicate is refused even when both values are equal", ['{"k":true,"k":true}', "$.k"]],
    ]);

    it("behavior: the same key in sibling objects is not a duplicate", () => {
      assert.deepEqual(parseJson('[{"a":1},{"a":2}]'), [{ a: 1 }, { a: 2 }]);
      assert.deepEqual(parseJson('{"a":{"a":{"a":1}}}'), { a: { a: { a: 1 } } });
    });

    it("behavior: any generated object with one key repeated is refused, naming that key", () => {
      const key = fc.string({ minLength: 1, maxLength: 8 }).filter((k) => !/[\ud800-\udfff]/.test(k));
      fc.assert(
        fc.property(fc.dictionary(key, fc.integer()), key, fc.integer(), (object, duplicate, value) => {
          const body = JSON.stringify({ ...object, [duplicate]: value }).slice(1, -1);
          const text = `{${body},${JSON.stringify(duplicate)}:${value}}`;
          refused(() => parseJson(text), "DUPLICATE_KEY", { path: `$.${duplicate}` });
        }),
        { numRuns: 200 },
      );
    });
  });

  describe("lone surrogates", () => {
    refusedTexts("LONE_SURROGATE", [
      ["error: an escaped lone high surrogate", ['{"s":"\\ud800"}', "$.s"]],
      ["error: an escaped lone low surrogate followed by text", ['["ok","\\udc00x"]', "$[1]"]],
      ["error: a high surrogate followed by another high surrogate (the second pairs, the first does not)", ['"\\ud800\\ud83d\\ude00"', "$"]],
      ["error: a pair written low-then-high is two lone surrogates", ['"\\ude00\\ud83d"']],
      ["error: raw lone surrogates in the text (a JS string can hold them) are refused too", ['{"s":"a\ud800b"}', "$.s"], ['"\udc00"', "$"]],
      ["error: a lone surrogate in a key names the object whose key it is", ['{"a":{"\\udbff":1}}', "$.a.<key>"]],
    ]);

    it("behavior: valid pairs are accepted, escaped, raw, or escaped high + raw low", () => {
      assert.equal(parseJson('"\\ud83d\\ude00"'), "😀");
      assert.equal(parseJson('"😀"'), "😀");
      assert.equal(parseJson('"\\ud83d\ude00"'), "😀", "an escaped high surrogate pairs with a raw low one: the string is valid Unicode");
      assert.equal(parseJson('"\\uD83D\\uDE00"'), "😀", "hex digits are case-insensitive");
      assert.deepEqual(parseJson('{"\\ud800\\udc00":"\\udbff\\udfff"}'), { "\u{10000}": "\u{10ffff}" });
    });
  });

  describe("numbers", () => {
    it("error: integers beyond 2^53, though a double would silently round them", () => {
      assert.equal(JSON.parse("9007199254740993"), 9007199254740992, "the hazard: JSON.parse reads another number");
      refused(() => parseJson('{"n":9007199254740993}'), "NUMBER_OUT_OF_RANGE", { path: "$.n", message: /9007199254740993 is beyond 2\^53/ });
      refused(() => parseJson("[-9007199254740993]"), "NUMBER_OUT_OF_RANGE", { path: "$[0]" });
      refused(() => parseJson("18446744073709551616"), "NUMBER_OUT_OF_RANGE", { path: "$" });
    });

    it("error: numbers with a fraction or exponent at or beyond 2^53, and those that overflow a double", () => {
      refused(() => parseJson('{"n":1e16}'), "NUMBER_OUT_OF_RANGE", { path: "$.n" });
      refused(() => parseJson('{"n":-1.5E16}'), "NUMBER_OUT_OF_RANGE", { path: "$.n" });
      refused(() => parseJson('{"n":1e400}'), "NUMBER_OUT_OF_RANGE", { path: "$.n" });
      refused(() => parseJson('{"n":-1e400}'), "NUMBER_OUT_OF_RANGE", { path: "$.n" });
    });

    it("error: a long literal is shortened in the message", () => {
      refused(() => parseJson(`[${"9".repeat(300)}]`), "NUMBER_OUT_OF_RANGE", { path: "$[0]", message: new RegExp(`number ${"9".repeat(40)}… is beyond`) });
    });

    it("error: a literal longer than the parser reads at once (400 characters) is refused, never read truncated", () => {
      for (const text of [`1.${"0".repeat(450)}1`, `[${"1".repeat(450)}]`, `0.${"0".repeat(450)}`])
        assert.throws(
          () => parseJson(text),
          (e: unknown) => e instanceof InputError && (e.code === "INVALID_JSON" || e.code === "NUMBER_OUT_OF_RANGE"),
          text.slice(0, 10),
        );
    });

    it("behavior: 2^53 − 1 and everything below it is accepted exactly; 2^53 is refused, as the canonicaliser refuses it", () => {
      assert.equal(parseJson("9007199254740991"), 2 ** 53 - 1);
      assert.equal(parseJson("-9007199254740991"), -(2 ** 53 - 1));
      assert.throws(
        () => parseJson("9007199254740992"),
        (e: unknown) => (e as { code?: string }).code === "NUMBER_OUT_OF_RANGE",
      );
      assert.equal(parseJson("9007199254740991"), Number.MAX_SAFE_INTEGER);
      assert.deepEqual(parseJson("[0,-0,1.5,-2e-3,1E+2,123456789012345.6]"), [0, -0, 1.5, -0.002, 100, 123456789012345.6]);
    });

    it("error: numbers JSON does not have (leading zeros, a bare point, plus sign, NaN, Infinity, hex)", () => {
      for (const text of ["01", "-01", "1.", ".5", "+1", "NaN", "Infinity", "-Infinity", "0x10", "1e", "-", "1.e3"])
        refused(() => parseJson(text), "INVALID_JSON", { message: /not valid JSON: .* at line 1, column \d+/ });
    });
  });

  describe("depth", () => {
    it(`behavior: nesting up to ${MAX_JSON_DEPTH} levels below the root is accepted`, () => {
      const arrays = `${"[".repeat(MAX_JSON_DEPTH + 1)}${"]".repeat(MAX_JSON_DEPTH + 1)}`;
      let value = parseJson(arrays);
      let levels = 0;
      while (Array.isArray(value) && value.length) {
        value = value[0];
        levels++;
      }
      assert.equal(levels, MAX_JSON_DEPTH, "every level is kept");
      const objects = `${'{"a":'.repeat(MAX_JSON_DEPTH)}1${"}".repeat(MAX_JSON_DEPTH)}`;
      assert.ok(parseJson(objects));
    });

    it("error: one level deeper is refused, naming where", () => {
      refused(() => parseJson(`${"[".repeat(MAX_JSON_DEPTH + 2)}${"]".repeat(MAX_JSON_DEPTH + 2)}`), "INVALID_JSON", {
        path: `$${"[0]".repeat(MAX_JSON_DEPTH + 1)}`,
        message: new RegExp(`nests deeper than ${MAX_JSON_DEPTH} levels`),
      });
      refused(() => parseJson(`${'{"a":'.repeat(MAX_JSON_DEPTH + 1)}1${"}".repeat(MAX_JSON_DEPTH + 1)}`), "INVALID_JSON", { message: /nests deeper/ });
    });

    it("error: hostile nesting (a million brackets) is refused without exhausting the stack", () => {
      refused(() => parseJson("[".repeat(1_000_000)), "INVALID_JSON", { message: /nests deeper/ });
      refused(() => parseJson('{"a":'.repeat(200_000)), "INVALID_JSON", { message: /nests deeper/ });
    });
  });

  describe("syntax", () => {
    const cases: [string, string, RegExp][] = [
      ["trailing comma in an object", '{"a":1,}', /expected a string key at line 1, column 8/],
      ["trailing comma in an array", "[1,2,]", /unexpected character "\]" at line 1, column 6/],
      ["single-quoted key", "{'a':1}", /expected a string key at line 1, column 2/],
      ["single-quoted string", "['a']", /unexpected character "'" at line 1, column 2/],
      ["NaN", '{"n":NaN}', /unexpected character "N" at line 1, column 6/],
      ["leading zero inside an object", '{"n":012}', /expected ',' or '}' at line 1, column 7/],
      ["raw newline in a string", '{"s":"a\nb"}', /control character in string \(must be escaped\) at line 1, column 8/],
      ["raw tab in a string", '"a\tb"', /control character in string/],
      ["raw NUL in a string", '"a\u0000b"', /control character in string/],
      ["trailing garbage", '{"a":1} x', /unexpected text after the JSON value at line 1, column 9/],
      ["two documents", "{}{}", /unexpected text after the JSON value at line 1, column 3/],
      ["empty input", "", /unexpected end of input at line 1, column 1/],
      ["only whitespace", " \n ", /unexpected end of input at line 2, column 2/],
      ["unterminated string", '{"a":"b', /unterminated string/],
      ["unterminated object", '{"a":1', /expected ',' or '}'/],
      ["unterminated array", "[1", /expected ',' or '\]'/],
      ["missing colon", '{"a" 1}', /expected ':' at line 1, column 6/],
      ["invalid escape", '"\\x41"', /invalid escape at line 1, column 2/],
      ["short \\u escape", '"\\u12"', /invalid \\u escape/],
      ["non-hex \\u escape", '"\\u12G4"', /invalid \\u escape/],
      ["comment", '{"a":1 // no\n}', /expected ',' or '}'/],
      ["misspelt literal", "[tru]", /unexpected character "t"/],
      ["upper-case literal", "[True]", /unexpected character "T"/],
      ["non-breaking space is not JSON whitespace", "\u00a0{}", /unexpected character/],
      ["vertical tab is not JSON whitespace", "[1,\u000b2]", /unexpected character/],
    ];
    for (const [name, text, message] of cases) it(`error: ${name}`, () => refused(() => parseJson(text), "INVALID_JSON", { message }));

    it("error: the line and column count from the start of the offending line", () => {
      refused(() => parseJson('{\n  "a": 1,\n  "b": tru\n}'), "INVALID_JSON", { message: /unexpected character "t" at line 3, column 8/ });
      refused(() => parseJson("[\n1,\n\n  ,2]"), "INVALID_JSON", { message: /at line 4, column 3/ });
    });

    it("behavior: the message names what was being parsed", () => {
      refused(() => parseJson("{", "receipt.json"), "INVALID_JSON", { message: /^receipt\.json is not valid JSON/ });
    });
  });

  describe("__proto__", () => {
    it("behavior: a __proto__ key is an own data property, never the prototype", () => {
      const value = parseJson('{"__proto__":{"polluted":true},"a":1}') as Record<string, unknown>;
      assert.equal(Object.getPrototypeOf(value), Object.prototype, "the prototype is untouched");
      assert.ok(Object.hasOwn(value, "__proto__"), "__proto__ is an own key");
      assert.deepEqual(Object.keys(value), ["__proto__", "a"]);
      assert.equal(value.polluted, undefined, "nothing is inherited from the data");
      assert.equal(({} as Record<string, unknown>).polluted, undefined, "Object.prototype is not polluted");
      assert.deepEqual(Object.getOwnPropertyDescriptor(value, "__proto__")?.value, { polluted: true });
    });

    it("behavior: agrees with JSON.parse, which also makes __proto__ an own property", () => {
      const text = '{"a":{"__proto__":[1,2]},"constructor":{"prototype":null}}';
      assert.deepEqual(parseJson(text), JSON.parse(text));
    });

    it("error: __proto__ twice is a duplicate like any other key", () =>
      refused(() => parseJson('{"__proto__":1,"__proto__":2}'), "DUPLICATE_KEY", { path: "$.__proto__" }));
  });

  describe("agreement with JSON.parse", () => {
    const value = fc.jsonValue({ stringUnit: "binary" }).filter(numbersInRange);

    it("behavior: on JSON without duplicate keys or numbers beyond 2^53, the result equals JSON.parse's (compact and indented)", () => {
      fc.assert(
        fc.property(value, (v) => {
          for (const text of [JSON.stringify(v), JSON.stringify(v, null, 2), JSON.stringify(v, null, "\t")])
            assert.deepStrictEqual(parseJson(text), JSON.parse(text));
        }),
        { numRuns: 500 },
      );
    });

    it("behavior: fc.json() texts are accepted exactly when every number is below 2^53", () => {
      fc.assert(
        fc.property(fc.json({ stringUnit: "binary" }), (text) => {
          const expected = JSON.parse(text) as unknown;
          if (numbersInRange(expected)) assert.deepStrictEqual(parseJson(text), expected);
          else refused(() => parseJson(text), "NUMBER_OUT_OF_RANGE");
        }),
        { numRuns: 500 },
      );
    });

    it("behavior: the same holds over UTF-8 bytes", () => {
      fc.assert(
        fc.property(value, (v) => {
          const text = JSON.stringify(v);
          assert.deepStrictEqual(parseJsonBytes(utf8(text)), JSON.parse(text));
        }),
        { numRuns: 200 },
      );
    });
  });
});

describe("parseJsonBytes", () => {
  it("default: decodes UTF-8, non-ASCII included", () => {
    assert.deepEqual(parseJsonBytes(utf8('{"name":"modèle-ß-模型-😀"}')), { name: "modèle-ß-模型-😀" });
  });

  it("error: bytes that are not UTF-8", () => {
    const cases: [string, number[]][] = [
      ["a stray continuation byte", [0x22, 0x80, 0x22]],
      ["0xff", [0x22, 0xff, 0x22]],
      ["an overlong encoding of '/'", [0x22, 0xc0, 0xaf, 0x22]],
      ["a truncated sequence", [0x22, 0xe6, 0xa8, 0x22]],
      ["an encoded surrogate (CESU-8)", [0x22, 0xed, 0xa0, 0x80, 0x22]],
      ["Latin-1 é", [0x22, 0xe9, 0x22]],
    ];
    for (const [name, bytes] of cases)
      assert.throws(
        () => parseJsonBytes(new Uint8Array(bytes), "payload"),
        (e: unknown) => e instanceof InputError && e.code === "INVALID_JSON" && /^payload is not valid UTF-8/.test(e.message),
        name,
      );
  });

  it("error: a UTF-8 byte order mark", () => {
    refused(() => parseJsonBytes(new Uint8Array([0xef, 0xbb, 0xbf, ...utf8("{}")])), "INVALID_JSON", { message: /byte order mark/ });
  });

  it("error: UTF-16 is not UTF-8", () => {
    const utf16le = new Uint8Array([0xff, 0xfe, 0x7b, 0x00, 0x7d, 0x00]);
    assert.throws(
      () => parseJsonBytes(utf16le),
      (e: unknown) => e instanceof InputError && e.code === "INVALID_JSON",
    );
  });

  it("behavior: the strict checks apply after decoding", () => {
    refused(() => parseJsonBytes(utf8('{"a":1,"a":2}')), "DUPLICATE_KEY", { path: "$.a" });
    refused(() => parseJsonBytes(utf8('["\\udc00"]')), "LONE_SURROGATE", { path: "$[0]" });
    refused(() => parseJsonBytes(utf8('{"n":9007199254740993}')), "NUMBER_OUT_OF_RANGE", { path: "$.n" });
  });
});

describe("parseJson: a first pass without paths, refusals made again by the exact pass", () => {
  const outcome = (run: () => unknown) => {
    try {
      return { value: run() };
    } catch (e) {
      const error = e as InputError;
      return { error: { class: error.constructor.name, code: error.code, path: error.path, message: error.message } };
    }
  };

  it("behavior: the same value or the same refusal (class, code, path, message) as the exact pass alone, for valid and hostile texts (property)", () => {
    fc.assert(
      fc.property(hostileJsonText, (text) => {
        assert.deepEqual(
          outcome(() => parseJson(text, "doc")),
          outcome(() => parseJsonExact(text, "doc")),
        );
      }),
      { numRuns: 3000 },
    );
  });

  it("behavior: a refusal deep in a document names its exact path", () => {
    refused(() => parseJson('{"a":[1,{"b":[0,"\\ud800"]}]}'), "LONE_SURROGATE", { path: "$.a[1].b[1]" });
    refused(() => parseJson('{"a":[1,{"b":1,"b":2}]}'), "DUPLICATE_KEY", { path: "$.a[1].b" });
    refused(() => parseJson('{"a":{"b":[9007199254740993]}}'), "NUMBER_OUT_OF_RANGE", { path: "$.a.b[0]" });
  });
});
