import type { JsonValue } from "../canonicalJson.js";
import { type InputErrorCode, unsupportedFormat } from "../errors/input.js";
import { type Hex, parseHexBytes } from "../hex.js";
import {
  expectArray,
  expectBoolean,
  expectDigestSet,
  expectInteger,
  expectJsonObject,
  expectName,
  expectNumber,
  expectObject,
  expectOneOf,
  expectSha256,
  expectString,
  type ExpectStringOptions,
  expectTimestamp,
  expectUri,
  invalid,
} from "../validate.js";

// A format's spec, declared once: the parser (`parseSpec`), the JSON Schema (`specSchema`, in
// ./jsonSchema.ts) and the docs field table (`specRows`, in ./docTable.ts) are all read from it.
// Each node checks with the validate.ts helpers, so messages and paths are theirs; a
// `refine` adds a rule a schema cannot express (uniqueness, order, comparisons between fields),
// run after the node's own checks on the value it built.
//
// `Spec<T>` carries T invariantly, so `spec satisfies Spec<Predicate>` fails to compile when the
// spec and the TypeScript type disagree in either direction (a field missing, optional in one and
// required in the other, a wider enum).

/** Throws the format's InputError at `path` (relative paths: `fail(".name", "…")`, `fail("[2]", "…")`, `fail("", "…")`). */
export type Fail = (relativePath: string, message: string) => never;

/** A rule beyond the node's shape: may throw through `fail`; `schema` is its JSON Schema counterpart, when one exists. */
export type Refinement<T> = {
  readonly check: (value: T, fail: Fail, path: string) => void;
  readonly schema?: Record<string, unknown> | undefined;
  readonly doc?: string | undefined;
};

export type Node =
  | { readonly kind: "string"; readonly options: ExpectStringOptions; readonly docType?: string | undefined }
  | { readonly kind: "sha256" }
  | { readonly kind: "hex"; readonly bytes: number }
  | { readonly kind: "timestamp"; readonly dateTime?: boolean | undefined }
  | { readonly kind: "uri" }
  | { readonly kind: "name"; readonly max: number }
  | { readonly kind: "integer"; readonly min: number; readonly max: number }
  | {
      readonly kind: "number";
      readonly min?: number | undefined;
      readonly max?: number | undefined;
      readonly exclusiveMin?: boolean | undefined;
      readonly exclusiveMax?: boolean | undefined;
    }
  | { readonly kind: "boolean" }
  | { readonly kind: "literal"; readonly values: readonly string[] }
  | { readonly kind: "json" }
  | { readonly kind: "digestSet"; readonly requireSha256: boolean }
  | { readonly kind: "array"; readonly items: AnySpec; readonly min: number; readonly max: number }
  | { readonly kind: "object"; readonly fields: Readonly<Record<string, AnySpec>>; readonly open?: boolean | undefined }
  | { readonly kind: "map"; readonly values: AnySpec; readonly keys?: ExpectStringOptions | undefined; readonly min: number; readonly max: number }
  | {
      readonly kind: "union";
      readonly tag: string;
      readonly variants: Readonly<Record<string, AnySpec>>;
      readonly unknown?: ((tag: unknown, path: string) => never) | undefined;
    }
  | { readonly kind: "nullable"; readonly value: AnySpec }
  | {
      readonly kind: "custom";
      readonly parse: (value: unknown, path: string, code: InputErrorCode) => unknown;
      readonly schema: Record<string, unknown>;
      readonly docType: string;
      /** A document's version (`s.format`): the object holding it checks it first, before its keys. */
      readonly versionTag?: boolean | undefined;
    };

export type Spec<T> = {
  readonly node: Node;
  /** Present only in types: makes Spec invariant in T. */
  readonly __type?: (value: T) => T;
  readonly optional?: boolean;
  readonly description?: string | undefined;
  readonly refinements: readonly Refinement<any>[];
  /** Adds a rule a schema cannot express (or, with `schema`, one it expresses its own way). */
  refine(check: Refinement<T>["check"], options?: { readonly schema?: Record<string, unknown>; readonly doc?: string }): Spec<T>;
  /** A refinement that also narrows the type: its check asserts that the value is a `U`. */
  narrow<U extends T>(
    check: (value: T, fail: Fail, path: string) => asserts value is U,
    options?: { readonly schema?: Record<string, unknown>; readonly doc?: string },
  ): Spec<U>;
  /** The field's meaning, for the docs table and the schema's `description`. */
  describe(description: string): Spec<T>;
};

export type AnySpec = Spec<any>;
export type Infer<S> = S extends Spec<infer T> ? T : never;
type Optional<T> = Spec<T> & { readonly optional: true };

function make<T>(node: Node, extra: Partial<Pick<Spec<T>, "optional" | "description" | "refinements">> = {}): Spec<T> {
  const spec: Spec<T> = {
    node,
    refinements: extra.refinements ?? [],
    ...(extra.optional ? { optional: true } : {}),
    ...(extra.description === undefined ? {} : { description: extra.description }),
    refine: (check, options = {}) => make<T>(node, { ...spec, refinements: [...spec.refinements, { check, schema: options.schema, doc: options.doc }] }),
    narrow: <U extends T>(check: (value: T, fail: Fail, path: string) => asserts value is U, options = {}) => spec.refine(check, options) as unknown as Spec<U>,
    describe: (description) => make<T>(node, { ...spec, description }),
  };
  return spec;
}

type Simplify<T> = { [K in keyof T]: T[K] } & {};
type ObjectOf<F extends Record<string, AnySpec>> = Simplify<
  { readonly [K in keyof F as F[K] extends { optional: true } ? never : K]: Infer<F[K]> } & {
    readonly [K in keyof F as F[K] extends { optional: true } ? K : never]?: Infer<F[K]>;
  }
>;

/** The spec builders. */
export const s = {
  /** A string; `T` narrows it to what the pattern guarantees (`s.string<Hex>({ pattern: /^0x…$/ })`). */
  string: <T extends string = string>(options: ExpectStringOptions & { readonly docType?: string } = {}): Spec<NoInfer<T>> =>
    make({ kind: "string", options, docType: options.docType }),
  /** 64 lower-case hex digits. */
  sha256: (): Spec<string> => make({ kind: "sha256" }),
  /** `0x` + exactly `bytes` bytes of hex in any case, returned lower-cased; refused as INVALID_HEX whatever the format (core/hex.ts). */
  hex: (bytes = 32): Spec<Hex> => make({ kind: "hex", bytes }),
  /**
   * RFC 3339 UTC, a real date. `dateTime: false` leaves `format: "date-time"` out of the schema (a
   * format whose schema never had it stays usable by validators without format support).
   */
  timestamp: (options: { readonly dateTime?: boolean } = {}): Spec<string> => make({ kind: "timestamp", dateTime: options.dateTime }),
  /** An absolute URI, at most 2048 characters. */
  uri: (): Spec<string> => make({ kind: "uri" }),
  /** Printable text (validate.ts `expectName`). */
  name: (max = 256): Spec<string> => make({ kind: "name", max }),
  integer: (min = 0, max = Number.MAX_SAFE_INTEGER): Spec<number> => make({ kind: "integer", min, max }),
  /** A finite number within ±(2^53 − 1), optionally within bounds (exclusive ones where said). */
  number: (bounds: { readonly min?: number; readonly max?: number; readonly exclusiveMin?: boolean; readonly exclusiveMax?: boolean } = {}): Spec<number> =>
    make({ kind: "number", ...bounds }),
  boolean: (): Spec<boolean> => make({ kind: "boolean" }),
  literal: <const T extends string>(...values: readonly T[]): Spec<T> => make({ kind: "literal", values }),
  /** A JSON object canonical JSON can represent. */
  json: (): Spec<{ [key: string]: JsonValue }> => make({ kind: "json" }),
  /** An in-toto DigestSet (validate.ts `expectDigestSet`). */
  digestSet: (): Spec<Record<string, string>> => make({ kind: "digestSet", requireSha256: false }),
  /** An in-toto DigestSet that includes `sha256` (an artifact of the lineage graph). */
  sha256DigestSet: (): Spec<{ readonly sha256: string; readonly [algorithm: string]: string }> => make({ kind: "digestSet", requireSha256: true }),
  array: <T>(items: Spec<T>, min = 0, max = 1_000_000): Spec<readonly T[]> => make({ kind: "array", items, min, max }),
  object: <F extends Record<string, AnySpec>>(fields: F, options: { readonly open?: boolean } = {}): Spec<ObjectOf<F>> =>
    make({ kind: "object", fields, open: options.open }),
  /** An object used as a map: keys (checked as strings) → values. */
  map: <T>(values: Spec<T>, options: { readonly keys?: ExpectStringOptions; readonly min?: number; readonly max?: number } = {}): Spec<Record<string, T>> =>
    make({ kind: "map", values, keys: options.keys, min: options.min ?? 0, max: options.max ?? 1_000_000 }),
  /**
   * One of several object specs chosen by the string field `tag`; `unknown` refuses any other tag its
   * own way (a document's `format`: UNSUPPORTED_FORMAT, naming the versions read).
   */
  union: <const V extends Record<string, AnySpec>>(
    tag: string,
    variants: V,
    options: { readonly unknown?: (tag: unknown, path: string) => never } = {},
  ): Spec<Infer<V[keyof V]>> => make({ kind: "union", tag, variants, unknown: options.unknown }),
  /** A value or `null` (a field that is always present, null where nothing could be said). */
  nullable: <T>(spec: Spec<T>): Spec<T | null> => make({ kind: "nullable", value: spec }),
  /** A field that may be absent (never null). */
  optional: <T>(spec: Spec<T>): Optional<T> => make<T>(spec.node, { ...spec, optional: true }) as Optional<T>,
  /**
   * A document's `format`: exactly `format`, any other refused as UNSUPPORTED_FORMAT naming `what` and
   * the versions this one reads (`reads`, as the caller words them; `"<format>"` by default). The
   * object holding it checks it first, right after finding an object: a later version's document,
   * whatever fields it adds or drops, is refused by its version, not as an unknown or a missing field.
   */
  format: <const F extends string>(what: string, format: F, reads = `"${format}"`): Spec<F> =>
    make<F>({
      kind: "custom",
      parse: (value, path) => (value === format ? format : unsupportedFormat(what, value, reads, path)),
      schema: { const: format },
      docType: `\`"${format}"\``,
      versionTag: true,
    }).describe("this format; another is `UNSUPPORTED_FORMAT`"),
  /**
   * A node checked by hand-written code, with the schema and docs type it stands for. `versionTag`:
   * the node is a document's version, refused its own way (as `s.format` does), which the object
   * holding it checks first, before its keys.
   */
  custom: <T>(
    parse: (value: unknown, path: string, code: InputErrorCode) => T,
    schema: Record<string, unknown>,
    docType: string,
    options: { readonly versionTag?: boolean } = {},
  ): Spec<T> => make({ kind: "custom", parse, schema, docType, ...(options.versionTag ? { versionTag: true } : {}) }),
};

/**
 * Checks untrusted JSON against `spec` and returns a fresh copy holding only what was checked.
 * Every refusal is an InputError with `code` whose path names the field, starting at `path`.
 */
export function parseSpec<T>(spec: Spec<T>, value: unknown, path: string, code: InputErrorCode): T {
  const run = compiled(spec);
  // Within a pass (a custom node's parser calling parseSpec again), the pass decides.
  if (pass !== "none") return run(value, path, code, pass === "exact") as T;
  // Paths only name a refusal, and most input is accepted: a first pass checks everything without
  // building a path for every field; if anything is refused, the exact pass checks again with paths,
  // so the error thrown is the one it throws (the same checks, in the same order, on the same values).
  pass = "fast";
  try {
    return run(value, path, code, false) as T;
  } catch {
    pass = "exact";
    return run(value, path, code, true) as T;
  } finally {
    pass = "none";
  }
}

let pass: "none" | "fast" | "exact" = "none";

/** A compiled node or spec: `exact` false gives every field its parent's path (refusals are then made again, exactly). */
type Run = (value: unknown, path: string, code: InputErrorCode, exact: boolean) => unknown;

// Each spec and node compiled once into closures (no dispatch on the node's kind, no lookup of an
// object's key lists, per value parsed): the service parses every record it takes in through these,
// a verifier every statement.
const compiledSpecs = new WeakMap<AnySpec, Run>();
const compiledNodes = new WeakMap<Node, Run>();

function compiled(spec: AnySpec): Run {
  let run = compiledSpecs.get(spec);
  if (run === undefined) {
    const node = compiledNode(spec.node);
    const refinements = spec.refinements;
    run =
      refinements.length === 0
        ? node
        : (value, path, code, exact) => {
            const out = node(value, path, code, exact);
            for (const r of refinements) r.check(out, (relative, message) => invalid(code, message, `${path}${relative}`), path);
            return out;
          };
    compiledSpecs.set(spec, run);
  }
  return run;
}

function compiledNode(node: Node): Run {
  let run = compiledNodes.get(node);
  if (run === undefined) {
    run = compile(node);
    compiledNodes.set(node, run);
  }
  return run;
}

/** Whether `spec` is a document's version (`s.format`, or a custom node marked `versionTag`), which its object checks first. */
export function isVersionTag(spec: AnySpec): boolean {
  return spec.node.kind === "custom" && spec.node.versionTag === true;
}

/** A number within a number node's bounds (shared with the test's reference interpreter, test/helpers/referenceSpec.ts). */
export function numberOf(node: Extract<Node, { kind: "number" }>, value: unknown, path: string, code: InputErrorCode): number {
  const n = expectNumber(value, path, code);
  const { min, max, exclusiveMin, exclusiveMax } = node;
  const low = min === undefined || (exclusiveMin ? n > min : n >= min);
  const high = max === undefined || (exclusiveMax ? n < max : n <= max);
  if (!low || !high)
    invalid(
      code,
      exclusiveMin && exclusiveMax
        ? `must be between ${min} and ${max} (exclusive), got ${n}`
        : `must be in ${exclusiveMin ? "(" : "["}${min ?? "-∞"}, ${max ?? "∞"}${exclusiveMax ? ")" : "]"}, got ${n}`,
      path,
    );
  return n;
}

/** A leaf node's check, with the node's own option fixed once. */
const leaf =
  <O>(check: (value: unknown, path: string, code: InputErrorCode, option: O) => unknown, option: O): Run =>
  (value, path, code) =>
    check(value, path, code, option);

function compile(node: Node): Run {
  switch (node.kind) {
    case "string":
      return leaf(expectString, node.options);
    case "sha256":
      return leaf(expectSha256, undefined);
    case "hex": {
      const bytes = node.bytes;
      return (value, path) => parseHexBytes(value, path, bytes);
    }
    case "timestamp":
      return leaf(expectTimestamp, undefined);
    case "uri":
      return leaf(expectUri, undefined);
    case "name":
      return leaf(expectName, { max: node.max });
    case "integer": {
      const { min, max } = node;
      return (value, path, code) => expectInteger(value, path, code, min, max);
    }
    case "number":
      return (value, path, code) => numberOf(node, value, path, code);
    case "boolean":
      return leaf(expectBoolean, undefined);
    case "literal":
      return leaf(expectOneOf, node.values);
    case "json":
      return leaf(expectJsonObject, undefined);
    case "digestSet":
      return leaf(expectDigestSet, node.requireSha256);
    case "array": {
      const { min, max } = node;
      const items = compiled(node.items);
      return (value, path, code, exact) => expectArray(value, path, code, min, max).map((item, i) => items(item, exact ? `${path}[${i}]` : path, code, exact));
    }
    case "object": {
      const entries = Object.entries(node.fields);
      const fields = entries.map(([key, field]) => [key, compiled(field)] as const);
      const keys = {
        required: entries.filter(([, f]) => !f.optional).map(([k]) => k),
        allowed: entries.filter(([, f]) => f.optional).map(([k]) => k),
        known: new Set(Object.keys(node.fields)),
        ...(node.open ? { open: true } : {}),
      };
      const build = (o: Record<string, unknown>, path: string, code: InputErrorCode, exact: boolean) => {
        const out: Record<string, unknown> = {};
        for (const [key, field] of fields) {
          const v = o[key];
          if (v !== undefined) out[key] = field(v, exact ? `${path}.${key}` : path, code, exact);
        }
        return out;
      };
      // A document's version (`s.format`) first, right after finding an object: a later version's
      // document, whose fields differ, is refused by its version, not as an unknown or a missing field.
      const tags = fields.filter(([key]) => isVersionTag(node.fields[key]!));
      if (tags.length === 0) return (value, path, code, exact) => build(expectObject(value, path, code, keys), path, code, exact);
      return (value, path, code, exact) => {
        const o = expectObject(value, path, code);
        for (const [key, tag] of tags) if (o[key] !== undefined) tag(o[key], exact ? `${path}.${key}` : path, code, exact);
        return build(expectObject(o, path, code, keys), path, code, exact);
      };
    }
    case "map": {
      const { keys: keyOptions, min, max } = node;
      const values = compiled(node.values);
      return (value, path, code, exact) => {
        const o = expectObject(value, path, code);
        const keys = Object.keys(o);
        if (keys.length < min || keys.length > max) invalid(code, `must have ${min} to ${max} entries, got ${keys.length}`, path);
        const out: Record<string, unknown> = {};
        for (const key of keys) {
          const at = exact ? `${path}.${key}` : path;
          if (keyOptions) expectString(key, at, code, keyOptions);
          // defineProperty: a key "__proto__" is data, never a prototype.
          Object.defineProperty(out, key, { value: values(o[key], at, code, exact), enumerable: true, writable: true, configurable: true });
        }
        return out;
      };
    }
    case "union": {
      const { tag: field, unknown } = node;
      const tags = Object.keys(node.variants);
      const variants = new Map(Object.entries(node.variants).map(([tag, variant]) => [tag, compiled(variant)]));
      return (value, path, code, exact) => {
        const tag = expectObject(value, path, code)[field];
        if (unknown && !tags.includes(tag as string)) unknown(tag, `${path}.${field}`);
        const which = expectOneOf(tag, `${path}.${field}`, code, tags);
        return variants.get(which)!(value, path, code, exact);
      };
    }
    case "nullable": {
      const inner = compiled(node.value);
      return (value, path, code, exact) => (value === null ? null : inner(value, path, code, exact));
    }
    case "custom": {
      const parse = node.parse;
      return (value, path, code) => parse(value, path, code);
    }
  }
}

/**
 * A refinement of an array: no two items share `key(item)` (identity by default). The second one
 * is named, at `<array>[i]<field>`: "is already listed as <array>[first]". Identity is `uniqueItems`
 * in the schema; any other key is the parser's rule alone.
 */
export function distinct<T>(key?: (item: T) => string, field = ""): [Refinement<readonly T[]>["check"], { schema?: Record<string, unknown>; doc?: string }] {
  const check: Refinement<readonly T[]>["check"] = (items, fail, path) => {
    const name = path.slice(path.lastIndexOf(".") + 1);
    const seen = new Map<string, number>();
    items.forEach((item, i) => {
      const k = key ? key(item) : (item as string);
      const first = seen.get(k);
      if (first !== undefined) fail(`[${i}]${field}`, `is already listed as ${name}[${first}]`);
      seen.set(k, i);
    });
  };
  return [check, key ? { doc: `Distinct by${field ? ` ${field.replace(/^\./, "")}` : " value"} (checked by the parser).` } : { schema: { uniqueItems: true } }];
}
