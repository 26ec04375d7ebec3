import fc from "fast-check";

// JSON texts a strict parser must get exactly right: valid documents, and the same with one hostile
// edit (a character inserted, deleted or replaced; a key repeated; a lone surrogate, escaped or not; a
// number at or beyond 2^53, or written 400+ characters long; nesting past the depth limit).
const HOSTILE = [
  '"',
  "\\",
  "\\u",
  "\\ud800",
  "\\udc00",
  "\ud800",
  "\udfff",
  "\u0000",
  "\u001f",
  "\u2028",
  "\ufeff",
  ",",
  ":",
  "{",
  "}",
  "[",
  "]",
  " ",
  "\t",
  "\n",
  "\r",
  "\v",
  "-",
  "+",
  ".",
  "e",
  "E",
  "0",
  "01",
  "9007199254740991",
  "9007199254740992",
  "-9007199254740993",
  "1e400",
  "1.5e15",
  `0.${"0".repeat(398)}1`,
  `1${"0".repeat(400)}`,
  "true",
  "nul",
  "NaN",
  '"__proto__":1,',
  '"a":1,"a":2',
  "[".repeat(130),
  "]".repeat(130),
];

/** A JSON text, valid or with one hostile edit (fast-check arbitrary). */
export const hostileJsonText: fc.Arbitrary<string> = fc.oneof(
  fc.json(),
  fc.tuple(fc.json(), fc.nat(), fc.constantFrom(...HOSTILE), fc.constantFrom("insert", "replace")).map(([text, at, piece, how]) => {
    const i = at % (text.length + 1);
    return text.slice(0, i) + piece + text.slice(how === "insert" ? i : i + 1);
  }),
  fc.tuple(fc.json(), fc.nat()).map(([text, at]) => {
    const i = at % Math.max(text.length, 1);
    return text.slice(0, i) + text.slice(i + 1);
  }),
  fc.tuple(fc.dictionary(fc.string(), fc.jsonValue(), { minKeys: 1 }), fc.jsonValue()).map(([o, v]) => {
    const text = JSON.stringify(o);
    const key = JSON.stringify(Object.keys(o)[0]);
    return `${text.slice(0, -1)},${key}:${JSON.stringify(v)}}`;
  }),
  fc.nat({ max: 140 }).map((depth) => `${"[".repeat(depth)}1${"]".repeat(depth)}`),
);
