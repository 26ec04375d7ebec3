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
  // Paths only name a refusal, and most input is accepted: a first pass builds none; if it refuses,
  // the exact pass parses again, so the error thrown is the one it throws (same checks, same order).
  try {
    return new Parser(text, what, false).document();
  } catch {
    return parseJsonExact(text, what);
  }
}

/**
 * {@link parseJson} in one pass that builds every value's path: the pass whose errors `parseJson`
 * throws. For tests comparing the two (test/core/json-strict.test.ts); use `parseJson`.
 */
export function parseJsonExact(text: string, what = "JSON"): unknown {
  return new Parser(text, what, true).document();
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
    /** Build each value's path (to name a refusal); otherwise every value gets the document's. */
    private readonly exact: boolean,
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
    let i = this.i;
    for (let c = s.charCodeAt(i); c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09; c = s.charCodeAt(++i));
    this.i = i;
  }

  private value(path: string, depth: number): unknown {
    if (depth > MAX_JSON_DEPTH) invalid("INVALID_JSON", `${this.what} nests deeper than ${MAX_JSON_DEPTH} levels`, path);
    const c = this.s.charCodeAt(this.i);
    if (c === 0x7b) return this.object(path, depth); // {
    if (c === 0x5b) return this.array(path, depth); // [
    if (c === 0x22) return this.string(path); // "
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.number(path); // - or a digit
    if (c === 0x74 && this.s.startsWith("true", this.i)) {
      this.i += 4;
      return true;
    }
    if (c === 0x66 && this.s.startsWith("false", this.i)) {
      this.i += 5;
      return false;
    }
    if (c === 0x6e && this.s.startsWith("null", this.i)) {
      this.i += 4;
      return null;
    }
    return this.syntax(this.i >= this.s.length ? "unexpected end of input" : `unexpected character ${JSON.stringify(this.s[this.i])}`);
  }

  private object(path: string, depth: number): Record<string, unknown> {
    this.i++; // {
    const out: Record<string, unknown> = {};
    this.ws();
    if (this.s.charCodeAt(this.i) === 0x7d) {
      this.i++;
      return out;
    }
    for (;;) {
      this.ws();
      if (this.s.charCodeAt(this.i) !== 0x22) this.syntax("expected a string key");
      const key = this.string(this.exact ? `${path}.<key>` : path);
      const keyPath = this.exact ? `${path}.${key}` : path;
      if (Object.hasOwn(out, key)) invalid("DUPLICATE_KEY", "duplicate key: JSON readers disagree on which value counts", keyPath);
      this.ws();
      if (this.s.charCodeAt(this.i) !== 0x3a) this.syntax("expected ':'");
      this.i++;
      this.ws();
      const value = this.value(keyPath, depth + 1);
      // A key "__proto__" is data, never a prototype: defined, not assigned (assignment keeps the
      // object in V8's fast mode for every other key).
      if (key === "__proto__") Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
      else out[key] = value;
      this.ws();
      const c = this.s.charCodeAt(this.i++);
      if (c === 0x7d) break; // }
      if (c !== 0x2c) {
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
    if (this.s.charCodeAt(this.i) === 0x5d) {
      this.i++;
      return out;
    }
    for (;;) {
      this.ws();
      out.push(this.value(this.exact ? `${path}[${out.length}]` : path, depth + 1));
      this.ws();
      const c = this.s.charCodeAt(this.i++);
      if (c === 0x5d) return out; // ]
      if (c !== 0x2c) {
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
      // Plain characters (not a quote, a backslash, a control character or a surrogate) skipped with a
      // local index; past the end, charCodeAt is NaN and stops it.
      let i = this.i;
      let c = s.charCodeAt(i);
      while (c >= 0x20 && c !== 0x22 && c !== 0x5c && (c < 0xd800 || c > 0xdfff)) c = s.charCodeAt(++i);
      this.i = i;
      if (i >= s.length) this.syntax("unterminated string");
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
      surrogates = true; // what is left: a surrogate
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
