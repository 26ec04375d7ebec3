import { invalid } from "./errors/input.js";

/** Deepest nesting accepted; deeper input is refused rather than risking the stack. */
export const MAX_JSON_DEPTH = 128;

/** Largest magnitude accepted: what an IEEE double and canonical JSON represent exactly. */
const LIMIT = Number.MAX_SAFE_INTEGER;

/**
 * Parses JSON text strictly, for input that will be signed, canonicalised or verified. Beyond
 * RFC 8259 syntax it refuses, naming the path of the offending value:
 * - duplicate object keys (`DUPLICATE_KEY`): `JSON.parse` silently keeps the last one, so two
 *   readers of the same bytes could see different documents;
 * - lone surrogates, escaped or not (`LONE_SURROGATE`): not Unicode, no canonical form;
 * - numbers whose magnitude is 2^53 or more (`NUMBER_OUT_OF_RANGE`): they do not survive a round
 *   trip through an IEEE double, so what was signed is not what is read (the canonicaliser refuses
 *   the same numbers);
 * - nesting deeper than {@link MAX_JSON_DEPTH}, and anything else that is not JSON (`INVALID_JSON`).
 *
 * @example
 * import { parseJson } from "provenance-ledger";
 * parseJson('{"a":1,"a":2}'); // throws InputError DUPLICATE_KEY at $.a
 */
export function parseJson(text: string, what = "JSON"): unknown {
  return new Parser(text, what).document();
}

/** {@link parseJson} over bytes, which must be UTF-8 (a BOM is refused). */
export function parseJsonBytes(bytes: Uint8Array, what = "JSON"): unknown {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch (cause) {
    invalid("INVALID_JSON", `${what} is not valid UTF-8`, undefined, cause);
  }
  if (text.charCodeAt(0) === 0xfeff) invalid("INVALID_JSON", `${what} starts with a byte order mark; JSON must not`);
  return parseJson(text, what);
}

/** JSON's one-character escapes and what they stand for. */
const SIMPLE_ESCAPES: ReadonlyMap<string, string> = new Map([
  ['"', '"'],
  ["\\", "\\"],
  ["/", "/"],
  ["b", "\b"],
  ["f", "\f"],
  ["n", "\n"],
  ["r", "\r"],
  ["t", "\t"],
]);

class Parser {
  private i = 0;
  constructor(
    private readonly s: string,
    private readonly what: string,
  ) {}

  document(): unknown {
    this.ws();
    const value = this.value("$", 0);
    this.ws();
    if (this.i < this.s.length) this.syntax("unexpected text after the JSON value");
    return value;
  }

  private syntax(message: string): never {
    const before = this.s.slice(0, this.i);
    const line = before.split("\n").length;
    const column = this.i - before.lastIndexOf("\n");
    invalid("INVALID_JSON", `${this.what} is not valid JSON: ${message} at line ${line}, column ${column}`);
  }

  private ws(): void {
    const s = this.s;
    while (this.i < s.length) {
      const c = s.charCodeAt(this.i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) this.i++;
      else break;
    }
  }

  private value(path: string, depth: number): unknown {
    if (depth > MAX_JSON_DEPTH) invalid("INVALID_JSON", `${this.what} nests deeper than ${MAX_JSON_DEPTH} levels`, path);
    const c = this.s[this.i];
    if (c === "{") return this.object(path, depth);
    if (c === "[") return this.array(path, depth);
    if (c === '"') return this.string(path);
    if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) return this.number(path);
    for (const [word, value] of [
      ["true", true],
      ["false", false],
      ["null", null],
    ] as const)
      if (this.s.startsWith(word, this.i)) {
        this.i += word.length;
        return value;
      }
    return this.syntax(c === undefined ? "unexpected end of input" : `unexpected character ${JSON.stringify(c)}`);
  }

  private object(path: string, depth: number): Record<string, unknown> {
    this.i++; // {
    const out: Record<string, unknown> = {};
    this.ws();
    if (this.s[this.i] === "}") {
      this.i++;
      return out;
    }
    for (;;) {
      this.ws();
      if (this.s[this.i] !== '"') this.syntax("expected a string key");
      const key = this.string(`${path}.<key>`);
      const keyPath = `${path}.${key}`;
      if (Object.hasOwn(out, key)) invalid("DUPLICATE_KEY", "duplicate key: JSON readers disagree on which value counts", keyPath);
      this.ws();
      if (this.s[this.i] !== ":") this.syntax("expected ':'");
      this.i++;
      this.ws();
      const value = this.value(keyPath, depth + 1);
      // A key "__proto__" is data, never a prototype: defined, not assigned (assignment keeps the
      // object in V8's fast mode for every other key).
      if (key === "__proto__") Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
      else out[key] = value;
      this.ws();
      const c = this.s[this.i++];
      if (c === "}") break;
      if (c !== ",") {
        this.i--;
        this.syntax("expected ',' or '}'");
      }
    }
    return out;
  }

  private array(path: string, depth: number): unknown[] {
    this.i++; // [
    const out: unknown[] = [];
    this.ws();
    if (this.s[this.i] === "]") {
      this.i++;
      return out;
    }
    for (;;) {
      this.ws();
      out.push(this.value(`${path}[${out.length}]`, depth + 1));
      this.ws();
      const c = this.s[this.i++];
      if (c === "]") return out;
      if (c !== ",") {
        this.i--;
        this.syntax("expected ',' or ']'");
      }
    }
  }

  private string(path: string): string {
    const s = this.s;
    this.i++; // opening quote
    let out = "";
    let start = this.i;
    let surrogates = false; // whether the lone-surrogate check is needed at all
    for (;;) {
      if (this.i >= s.length) this.syntax("unterminated string");
      const c = s.charCodeAt(this.i);
      if (c === 0x22) {
        out += s.slice(start, this.i);
        this.i++;
        break;
      }
      if (c < 0x20) this.syntax("control character in string (must be escaped)");
      if (c === 0x5c) {
        out += s.slice(start, this.i);
        const e = s[this.i + 1];
        const simple = e === undefined ? undefined : SIMPLE_ESCAPES.get(e);
        if (simple !== undefined) {
          out += simple;
          this.i += 2;
        } else if (e === "u") {
          const hex = s.slice(this.i + 2, this.i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.syntax("invalid \\u escape");
          const unit = Number.parseInt(hex, 16);
          if (unit >= 0xd800 && unit <= 0xdfff) surrogates = true;
          out += String.fromCharCode(unit);
          this.i += 6;
        } else this.syntax("invalid escape");
        start = this.i;
        continue;
      }
      if (c >= 0xd800 && c <= 0xdfff) surrogates = true;
      this.i++;
    }
    if (surrogates && /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(out))
      invalid("LONE_SURROGATE", "string contains a lone surrogate (not valid Unicode)", path);
    return out;
  }

  private number(path: string): number {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(this.s.slice(this.i, this.i + 400));
    if (!m) return this.syntax("invalid number");
    this.i += m[0].length;
    const n = Number(m[0]);
    const integerForm = m[2] === undefined && m[3] === undefined;
    // An integer literal is compared exactly (9007199254740993 rounds to 2^53 as a double);
    // anything written with a fraction or exponent must stay below 2^53.
    // (Up to 15 digits is below 2^53 whatever they are: no BigInt needed.)
    const outOfRange = integerForm
      ? m[0].length > 15 && (BigInt(m[0]) > BigInt(LIMIT) || BigInt(m[0]) < -BigInt(LIMIT))
      : !Number.isFinite(n) || Math.abs(n) > LIMIT;
    if (outOfRange)
      invalid(
        "NUMBER_OUT_OF_RANGE",
        `number ${m[0].length > 40 ? `${m[0].slice(0, 40)}…` : m[0]} is beyond 2^53 and cannot be represented exactly; encode it as a string`,
        path,
      );
    return n;
  }
}
