import { canonicalJson, type JsonValue } from "./canonicalJson.js";
import { InputError, type InputErrorCode, invalid, rebase, unsupportedFormat } from "./errors/input.js";
import { typeName } from "./hex.js";
import { MAX_JSON_DEPTH } from "./parseJson.js";

// Field-by-field checks for hostile JSON. Every failure is an InputError naming the field's
// path (`predicate.resources[3].digest`) with the caller's error code, so a parser reads as a
// list of expectations and its errors say exactly what is wrong and where.

// The one place a validation failure is built (an InputError with the format's code at `path`) lives
// beside the error class, so the bottom of core/ (hex, canonical and strict JSON) shares it.
export { invalid };

export type ExpectObjectOptions = {
  /** Optional keys that may appear besides `required`. */
  readonly allowed?: readonly string[];
  /** Keys that must appear. */
  readonly required?: readonly string[];
  /**
   * Accept keys outside `required` and `allowed` (for open maps such as in-toto annotations).
   * Otherwise, once either list is given, any other key is refused: what is not understood is
   * not signed off.
   */
  readonly open?: boolean;
  /** `required` and `allowed` as one set, when the caller has it already (the spec engine makes it once per object spec). */
  readonly known?: ReadonlySet<string>;
};

export function expectObject(value: unknown, path: string, code: InputErrorCode, options: ExpectObjectOptions = {}): Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) invalid(code, `expected an object, got ${typeName(value)}`, path);
  const o = value as Record<string, unknown>;
  if (!options.open && (options.allowed || options.required)) {
    const allowed = options.known ?? new Set([...(options.allowed ?? []), ...(options.required ?? [])]);
    for (const key of Object.keys(o)) if (!allowed.has(key)) invalid(code, "unknown field", `${path}.${key}`);
  }
  for (const key of options.required ?? []) if (o[key] === undefined) invalid(code, "required field is missing", `${path}.${key}`);
  return o;
}

/**
 * A versioned document: an object whose `format`, when present, is checked before its keys
 * (`options`), so a later version's document, whatever fields it adds or drops, is refused as
 * UNSUPPORTED_FORMAT naming the version it has and the one this version reads (`"<format>"`),
 * not as an unknown or a missing field. A missing `format` is left to `options`.
 *
 * @example
 * const o = expectDocument(value, "key", "INVALID_KEY", { what: "key", format: "provenance-key-v1" }, { required: ["format", "algorithm"] });
 */
export function expectDocument(
  value: unknown,
  path: string,
  code: InputErrorCode,
  document: { readonly what: string; readonly format: string },
  options: ExpectObjectOptions,
): Record<string, unknown> {
  const o = expectObject(value, path, code);
  if (o.format !== undefined && o.format !== document.format) unsupportedFormat(document.what, o.format, `"${document.format}"`, `${path}.format`);
  return expectObject(o, path, code, options);
}

export type ExpectStringOptions = {
  readonly min?: number;
  readonly max?: number;
  readonly pattern?: RegExp;
  /** What the pattern means, for the message: "lower-case hex". */
  readonly hint?: string;
};

export function expectString(value: unknown, path: string, code: InputErrorCode, options: ExpectStringOptions = {}): string {
  const { min = 1, max = 4096 } = options;
  if (typeof value !== "string") invalid(code, `expected a string, got ${typeName(value)}`, path);
  if (value.length < min || value.length > max) invalid(code, `must be ${min} to ${max} characters, got ${value.length}`, path);
  if (options.pattern && !options.pattern.test(value)) invalid(code, `must be ${options.hint ?? `of the form ${options.pattern}`}`, path);
  return value;
}

export function expectOptionalString(value: unknown, path: string, code: InputErrorCode, options: ExpectStringOptions = {}): string | undefined {
  return value === undefined ? undefined : expectString(value, path, code, options);
}

export function expectInteger(value: unknown, path: string, code: InputErrorCode, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min || value > max)
    invalid(code, `expected an integer from ${min} to ${max}, got ${JSON.stringify(value) ?? typeName(value)}`, path);
  return value;
}

/** A finite number within ±(2^53 − 1): what canonical JSON can represent exactly. */
export function expectNumber(value: unknown, path: string, code: InputErrorCode): number {
  if (typeof value !== "number" || !Number.isFinite(value)) invalid(code, `expected a finite number, got ${JSON.stringify(value) ?? typeName(value)}`, path);
  if (Math.abs(value) > Number.MAX_SAFE_INTEGER) invalid(code, `${value} is beyond 2^53 and cannot be represented exactly`, path);
  return value;
}

/** RFC 3339 UTC of a Date; an invalid Date becomes text the parser refuses at the field's path. */
export function timestamp(date: Date): string {
  return Number.isNaN(date.getTime()) ? String(date) : date.toISOString();
}

/** Orders RFC 3339 UTC timestamps that `expectTimestamp` accepted, to the nanosecond. */
export function compareTimestamps(a: string, b: string): number {
  const key = (t: string) => t.slice(0, 19) + t.slice(20, -1).padEnd(9, "0");
  return key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;
}

/** A JSON object that canonical JSON can represent (at most MAX_JSON_DEPTH deep); returned as a fresh deep copy. */
export function expectJsonObject(value: unknown, path: string, code: InputErrorCode): { [key: string]: JsonValue } {
  expectObject(value, path, code);
  if (deeperThan(value, MAX_JSON_DEPTH)) invalid(code, `is nested deeper than ${MAX_JSON_DEPTH} levels`, path);
  try {
    return JSON.parse(canonicalJson(value)) as { [key: string]: JsonValue };
  } catch (e) {
    // canonicalJson names the field from `$`; say where it is in the document instead.
    if (e instanceof InputError && e.path?.startsWith("$")) rebase(e, `${path}${e.path.slice(1)}`, code);
    throw e;
  }
}

function deeperThan(value: unknown, levels: number): boolean {
  if (value === null || typeof value !== "object") return false;
  if (levels === 0) return true;
  return Object.values(value).some((v) => deeperThan(v, levels - 1));
}

export function expectBoolean(value: unknown, path: string, code: InputErrorCode): boolean {
  if (typeof value !== "boolean") invalid(code, `expected true or false, got ${typeName(value)}`, path);
  return value;
}

export function expectArray(value: unknown, path: string, code: InputErrorCode, min = 0, max = 1_000_000): unknown[] {
  if (!Array.isArray(value)) invalid(code, `expected an array, got ${typeName(value)}`, path);
  if (value.length < min || value.length > max) invalid(code, `must have ${min} to ${max} elements, got ${value.length}`, path);
  return value;
}

export function expectOneOf<const T extends string>(value: unknown, path: string, code: InputErrorCode, values: readonly T[]): T {
  if (typeof value !== "string" || !(values as readonly string[]).includes(value))
    invalid(code, `must be one of ${values.map((v) => JSON.stringify(v)).join(", ")}, got ${JSON.stringify(value) ?? typeName(value)}`, path);
  return value as T;
}

const SHA256 = /^[0-9a-f]{64}$/;

/** 64 lower-case hex digits (no prefix). */
export function expectSha256(value: unknown, path: string, code: InputErrorCode): string {
  return expectString(value, path, code, { min: 64, max: 64, pattern: SHA256, hint: "64 lower-case hex digits (a SHA-256)" });
}

const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

/** An RFC 3339 UTC timestamp (`2026-11-24T13:45:00Z`, fractions allowed) that is a real date. */
export function expectTimestamp(value: unknown, path: string, code: InputErrorCode): string {
  const s = expectString(value, path, code, { max: 40, pattern: RFC3339_UTC, hint: "an RFC 3339 UTC timestamp such as 2026-11-24T13:45:00Z" });
  const seconds = s.slice(0, 19);
  const date = new Date(`${seconds}Z`);
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 19) !== seconds) invalid(code, "is not a real date and time", path);
  return s;
}

// in-toto DigestSet names: lower-case algorithms (sha256, sha512) and camelCase ones (gitCommit, dirHash).
const DIGEST_ALGORITHM = /^[a-z][a-zA-Z0-9_-]{0,31}$/;
const HEX = /^[0-9a-f]+$/;

/**
 * An in-toto DigestSet: algorithm → lower-case hex. `sha256`, when present, must be 64 hex
 * digits; `requireSha256` demands it (every artifact of the lineage graph is known by SHA-256).
 */
export function expectDigestSet(value: unknown, path: string, code: InputErrorCode, requireSha256: boolean): Record<string, string> {
  const o = expectObject(value, path, code);
  const keys = Object.keys(o);
  if (keys.length === 0) invalid(code, "a digest set needs at least one digest", path);
  const out: Record<string, string> = {};
  for (const key of keys) {
    if (!DIGEST_ALGORITHM.test(key)) invalid(code, "digest algorithm names start lower-case, e.g. sha256 or gitCommit", `${path}.${key}`);
    out[key] =
      key === "sha256"
        ? expectSha256(o[key], `${path}.${key}`, code)
        : expectString(o[key], `${path}.${key}`, code, { max: 256, pattern: HEX, hint: "lower-case hex" });
  }
  if (requireSha256 && out.sha256 === undefined) invalid(code, "required field is missing", `${path}.sha256`);
  return out;
}

/** An absolute URI (scheme required), e.g. `https://…`, `git+https://…`, `pkg:…`, `urn:…`. */
export function expectUri(value: unknown, path: string, code: InputErrorCode): string {
  const s = expectString(value, path, code, { max: 2048 });
  if (!/^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$/.test(s)) invalid(code, "must be an absolute URI such as https://example.org/x", path);
  return s;
}

// Names a verdict or a lineage prints: printable text only. \p{C} is every control (C0, C1,
// DEL), format (bidi overrides and isolates, zero-width characters, U+061C), surrogate,
// private-use and unassigned character; [^\S ] is every white space but the plain space.
const NAME_REFUSED = /[\p{C}\p{Zl}\p{Zp}]|[^\S ]/u;

/**
 * A name that may be printed (a subject name, an organisation name, a role, a policy id): 1 to
 * `max` characters of printable text, no control, format (bidi, zero-width), private-use or
 * unassigned character, no line break or tab, no leading or trailing space. Non-ASCII letters
 * are allowed here and made visible when printed (docs/attestations.md, "Names and printed text").
 */
export function expectName(value: unknown, path: string, code: InputErrorCode, options: { readonly max?: number } = {}): string {
  const s = expectString(value, path, code, { max: options.max ?? 256 });
  const bad = NAME_REFUSED.exec(s);
  if (bad) {
    const cp = bad[0].codePointAt(0)!;
    invalid(
      code,
      `contains U+${cp.toString(16).toUpperCase().padStart(4, "0")} at index ${bad.index}: a name is printable text (no control, bidi, zero-width, private-use or unassigned character, no line break or tab)`,
      path,
    );
  }
  if (s.trim() !== s) invalid(code, "starts or ends with a space", path);
  return s;
}

/** The largest uint32: an organisation id and a batch's leaf count on chain (ProvenanceRegistry), a token id of a text watermark. */
export const UINT32_MAX = 0xffff_ffff;

/** A DSSE keyid as this project makes them: a lower-case Ethereum address or `sha256:` + 64 hex digits. */
export const KEYID = /^(?:0x[0-9a-f]{40}|sha256:[0-9a-f]{64})$/;
/** The longest {@link KEYID}: `sha256:` and 64 hex digits (checked before the pattern, so a long string is refused at once). */
export const MAX_KEYID_LENGTH = 71;
