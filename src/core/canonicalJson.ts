import { invalid } from "./errors/input.js";

/** A JSON value as the canonicaliser accepts it. */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * RFC 8785 (JCS) canonical JSON of a value: object keys sorted by UTF-16 code units, no
 * whitespace, ECMAScript number and string serialisation. Refuses, with the path of the
 * offending field, what JCS cannot represent faithfully: lone surrogates, non-finite numbers,
 * integers beyond 2^53 (they would not survive a round trip), and non-JSON values.
 *
 * @example
 * import { canonicalJson } from "provenance-ledger";
 * canonicalJson({ b: 1, a: "x" }); // '{"a":"x","b":1}'
 */
export function canonicalJson(value: unknown): string {
  return serialise(value, "$");
}

/** UTF-8 bytes of {@link canonicalJson}. */
export function canonicalJsonBytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(canonicalJson(value));
}

function serialise(value: unknown, path: string): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "boolean":
      return value ? "true" : "false";
    case "number":
      if (!Number.isFinite(value)) invalid("INVALID_JSON", "number is not finite", path);
      if (Number.isInteger(value) && !Number.isSafeInteger(value))
        invalid("INVALID_JSON", "integer is beyond 2^53 and cannot be represented exactly; encode it as a string", path);
      return JSON.stringify(value);
    case "string":
      return serialiseString(value, path);
    case "object": {
      if (Array.isArray(value)) return `[${value.map((item, i) => serialise(item, `${path}[${i}]`)).join(",")}]`;
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) invalid("INVALID_JSON", "value is not a plain JSON object", path);
      const entries = Object.keys(value)
        .sort()
        .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
        .map((key) => `${serialiseString(key, `${path}.${key}`)}:${serialise((value as Record<string, unknown>)[key], `${path}.${key}`)}`);
      return `{${entries.join(",")}}`;
    }
    default:
      invalid("INVALID_JSON", `${typeof value} is not a JSON value`, path);
  }
}

function serialiseString(value: string, path: string): string {
  if (LONE_SURROGATE.test(value)) invalid("INVALID_JSON", "string contains a lone surrogate (not valid Unicode)", path);
  // With no lone surrogates, JSON.stringify escapes exactly what RFC 8785 §3.2.2.2 requires.
  return JSON.stringify(value);
}
