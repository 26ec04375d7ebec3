// The spec engine as it was before it was compiled into closures with a first pass without paths
// (commit 0f41c82's src/core/spec/spec.ts, verbatim but for names, the number bounds message, shared,
// and an object's version, `s.format`, checked before its keys): the reference the engine's
// refusals and results are compared with (test/core/spec-engine.test.ts). Test-only.
import type { InputErrorCode } from "../../src/core/errors/input.js";
import { parseHexBytes } from "../../src/core/hex.js";
import { type AnySpec, isVersionTag, type Node, type Spec, numberOf } from "../../src/core/spec/spec.js";
import * as v from "../../src/core/validate.js";

export function referenceParseSpec<T>(spec: Spec<T>, value: unknown, path: string, code: InputErrorCode): T {
  const out = parseNode(spec.node, value, path, code) as T;
  for (const r of spec.refinements) r.check(out, (relative, message) => v.invalid(code, message, `${path}${relative}`), path);
  return out;
}

type ObjectNode = Extract<Node, { kind: "object" }>;
type ObjectShape = { readonly entries: readonly (readonly [string, AnySpec])[]; readonly keys: Parameters<typeof v.expectObject>[3] };
// An object node's fields and key lists, worked out once per node, not once per value parsed
// (the service parses every record it takes in through these).
const objectShapes = new WeakMap<ObjectNode, ObjectShape>();

function objectShape(node: ObjectNode): ObjectShape {
  let shape = objectShapes.get(node);
  if (shape === undefined) {
    const entries = Object.entries(node.fields);
    const keys = {
      required: entries.filter(([, f]) => !f.optional).map(([k]) => k),
      allowed: entries.filter(([, f]) => f.optional).map(([k]) => k),
      known: new Set(Object.keys(node.fields)),
      ...(node.open ? { open: true } : {}),
    };
    shape = { entries, keys };
    objectShapes.set(node, shape);
  }
  return shape;
}

function parseNode(node: Node, value: unknown, path: string, code: InputErrorCode): unknown {
  switch (node.kind) {
    case "string":
      return v.expectString(value, path, code, node.options);
    case "sha256":
      return v.expectSha256(value, path, code);
    case "hex":
      return parseHexBytes(value, path, node.bytes);
    case "timestamp":
      return v.expectTimestamp(value, path, code);
    case "uri":
      return v.expectUri(value, path, code);
    case "name":
      return v.expectName(value, path, code, { max: node.max });
    case "integer":
      return v.expectInteger(value, path, code, node.min, node.max);
    case "number":
      return numberOf(node, value, path, code);
    case "boolean":
      return v.expectBoolean(value, path, code);
    case "literal":
      return v.expectOneOf(value, path, code, node.values);
    case "json":
      return v.expectJsonObject(value, path, code);
    case "digestSet":
      return v.expectDigestSet(value, path, code, node.requireSha256);
    case "array":
      return v.expectArray(value, path, code, node.min, node.max).map((item, i) => referenceParseSpec(node.items, item, `${path}[${i}]`, code));
    case "object": {
      const { entries, keys } = objectShape(node);
      // A document's version first (added with the engine's rule: a later version is refused by its version).
      const fields = v.expectObject(value, path, code);
      for (const [key, field] of entries) if (isVersionTag(field) && fields[key] !== undefined) referenceParseSpec(field, fields[key], `${path}.${key}`, code);
      const o = v.expectObject(value, path, code, keys);
      const out: Record<string, unknown> = {};
      for (const [key, field] of entries) if (o[key] !== undefined) out[key] = referenceParseSpec(field, o[key], `${path}.${key}`, code);
      return out;
    }
    case "map": {
      const o = v.expectObject(value, path, code);
      const keys = Object.keys(o);
      if (keys.length < node.min || keys.length > node.max) v.invalid(code, `must have ${node.min} to ${node.max} entries, got ${keys.length}`, path);
      const out: Record<string, unknown> = {};
      for (const key of keys) {
        if (node.keys) v.expectString(key, `${path}.${key}`, code, node.keys);
        // defineProperty: a key "__proto__" is data, never a prototype.
        Object.defineProperty(out, key, {
          value: referenceParseSpec(node.values, o[key], `${path}.${key}`, code),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return out;
    }
    case "union": {
      const tag = v.expectObject(value, path, code)[node.tag];
      if (node.unknown && !Object.keys(node.variants).includes(tag as string)) node.unknown(tag, `${path}.${node.tag}`);
      const which = v.expectOneOf(tag, `${path}.${node.tag}`, code, Object.keys(node.variants));
      return referenceParseSpec(node.variants[which]!, value, path, code);
    }
    case "nullable":
      return value === null ? null : referenceParseSpec(node.value, value, path, code);
    case "custom":
      return node.parse(value, path, code);
  }
}
