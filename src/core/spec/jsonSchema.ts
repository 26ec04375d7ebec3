import type { AnySpec, Node } from "./spec.js";

/**
 * The header of a generated schema file. `$schema` is JSON Schema 2020-12 unless said otherwise (a
 * schema built on a draft-07 one, such as the CycloneDX schema, keeps that dialect).
 */
export type SchemaHeader = { readonly $schema?: string; readonly $id: string; readonly title: string; readonly description: string };

type Schema = Record<string, unknown>;

const SAFE = Number.MAX_SAFE_INTEGER;
// The patterns of validate.ts, as JSON Schema (ECMA-262) text.
const SHA256 = "^[0-9a-f]{64}$";
const TIMESTAMP = "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?Z$";
const URI = "^[a-zA-Z][a-zA-Z0-9+.-]*:\\S+$";
const DIGEST_ALGORITHM = "^[a-z][a-zA-Z0-9_-]{0,31}$";

/**
 * The JSON Schema (2020-12) of a spec: the shape, every bound the parser checks, and the schema
 * counterparts of refinements that have one. Rules only a refinement enforces are left to the parser
 * (the schema accepts what the parser refuses there, never the other way round).
 */
export function specSchema(spec: AnySpec, header: SchemaHeader): Schema {
  return { $schema: "https://json-schema.org/draft/2020-12/schema", ...header, ...schemaOf(spec) };
}

export function schemaOf(spec: AnySpec): Schema {
  const description = describeSpec(spec);
  const out: Schema = { ...(description === undefined ? {} : { description }), ...nodeSchema(spec.node) };
  const extra = spec.refinements.flatMap((r) => (r.schema ? [r.schema] : []));
  // One refinement's schema joins the node's own, unless it would overwrite one of its keywords.
  if (extra.length === 1 && Object.keys(extra[0]!).every((k) => !(k in out))) Object.assign(out, extra[0]);
  else if (extra.length > 0) out.allOf = extra;
  return out;
}

/** A spec's description followed by what its refinements enforce. */
export function describeSpec(spec: AnySpec): string | undefined {
  const parts = [spec.description, ...spec.refinements.map((r) => r.doc)].filter((p): p is string => p !== undefined);
  return parts.length ? parts.join("; ") : undefined;
}

function stringSchema(min: number, max: number, pattern?: RegExp | string): Schema {
  const source = pattern instanceof RegExp ? pattern.source : pattern;
  if (pattern instanceof RegExp && pattern.flags.replace(/[gu]/g, "") !== "")
    throw new Error(`pattern ${pattern} has flags a JSON Schema cannot carry: use s.custom`);
  return { type: "string", minLength: min, maxLength: max, ...(source === undefined ? {} : { pattern: source }) };
}

function nodeSchema(node: Node): Schema {
  switch (node.kind) {
    case "string":
      return stringSchema(node.options.min ?? 1, node.options.max ?? 4096, node.options.pattern);
    case "sha256":
      return stringSchema(64, 64, SHA256);
    case "hex":
      return { type: "string", pattern: `^0x[0-9a-fA-F]{${node.bytes * 2}}$` };
    case "timestamp":
      return { ...stringSchema(1, 40, TIMESTAMP), ...(node.dateTime === false ? {} : { format: "date-time" }) };
    case "uri":
      return stringSchema(1, 2048, URI);
    case "name":
      return stringSchema(1, node.max);
    case "integer":
      return { type: "integer", minimum: node.min, maximum: node.max };
    case "number": {
      const out: Schema = { type: "number" };
      out[node.exclusiveMin ? "exclusiveMinimum" : "minimum"] = node.min ?? -SAFE;
      out[node.exclusiveMax ? "exclusiveMaximum" : "maximum"] = node.max ?? SAFE;
      return out;
    }
    case "boolean":
      return { type: "boolean" };
    case "literal":
      return node.values.length === 1 ? { const: node.values[0] } : { enum: [...node.values] };
    case "json":
      return { type: "object" };
    case "digestSet":
      return {
        type: "object",
        minProperties: 1,
        propertyNames: { pattern: DIGEST_ALGORITHM },
        properties: { sha256: { type: "string", pattern: SHA256 } },
        additionalProperties: { type: "string", minLength: 1, maxLength: 256, pattern: "^[0-9a-f]+$" },
        ...(node.requireSha256 ? { required: ["sha256"] } : {}),
      };
    case "array":
      return { type: "array", minItems: node.min, maxItems: node.max, items: schemaOf(node.items) };
    case "object": {
      const entries = Object.entries(node.fields);
      const required = entries.filter(([, f]) => !f.optional).map(([k]) => k);
      return {
        type: "object",
        ...(node.open ? {} : { additionalProperties: false }),
        ...(required.length ? { required } : {}),
        properties: Object.fromEntries(entries.map(([k, f]) => [k, schemaOf(f)])),
      };
    }
    case "map": {
      const keys = node.keys;
      return {
        type: "object",
        ...(node.min ? { minProperties: node.min } : {}),
        maxProperties: node.max,
        ...(keys ? { propertyNames: stringSchema(keys.min ?? 1, keys.max ?? 4096, keys.pattern) } : {}),
        additionalProperties: schemaOf(node.values),
      };
    }
    case "union": {
      const tags = Object.keys(node.variants);
      return {
        type: "object",
        required: [node.tag],
        properties: { [node.tag]: { enum: tags } },
        oneOf: tags.map((tag) => {
          const variant = schemaOf(node.variants[tag]!);
          return { ...variant, properties: { ...(variant.properties as Schema), [node.tag]: { const: tag } } };
        }),
      };
    }
    case "nullable":
      return { oneOf: [schemaOf(node.value), { type: "null" }] };
    case "custom":
      return node.schema;
  }
}

/**
 * JSON text as the hand-written schemas were laid out: two-space indents, and any object or array
 * that fits on one line of `width` characters written on one line, `{ "a": 1 }` style.
 */
export function formatJson(value: unknown, width = 160, indent = ""): string {
  const inline = JSON.stringify(value, null, 1)!.replace(/\n\s*/g, " ").replace(/\[ /g, "[").replace(/ \]/g, "]");
  if (value === null || typeof value !== "object" || indent.length + inline.length <= width) return inline;
  const inner = `${indent}  `;
  const items = Array.isArray(value)
    ? value.map((v) => inner + formatJson(v, width, inner))
    : Object.entries(value).map(([k, v]) => `${inner}${JSON.stringify(k)}: ${formatJson(v, width - k.length - 4, inner)}`);
  return Array.isArray(value) ? `[\n${items.join(",\n")}\n${indent}]` : `{\n${items.join(",\n")}\n${indent}}`;
}
