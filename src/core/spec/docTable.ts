import { describeSpec } from "./jsonSchema.js";
import type { AnySpec, Node } from "./spec.js";

/** One row of a docs field table. */
export type SpecRow = { readonly field: string; readonly type: string; readonly meaning: string };

const SAFE = Number.MAX_SAFE_INTEGER;
const n = (x: number) => (x === SAFE ? "2^53−1" : x >= 10_000 ? x.toLocaleString("en").replace(/,/g, " ") : String(x));

/**
 * The rows of a spec's field table: one per leaf field, nested objects flattened to dotted paths
 * (`runDetails.builder.id`, `tensors[].name`), optional fields marked `?`, a union's fields marked
 * with the variants they belong to.
 */
export function specRows(spec: AnySpec, prefix = ""): SpecRow[] {
  const node = spec.node;
  if (node.kind === "object") {
    return Object.entries(node.fields).flatMap(([key, field]) => {
      return rowsOf(field, `${prefix}${prefix ? "." : ""}${key}${field.optional ? "?" : ""}`);
    });
  }
  if (node.kind === "union") {
    const rows = new Map<string, { row: SpecRow; tags: string[] }>();
    const tags = Object.keys(node.variants);
    for (const tag of tags)
      for (const row of specRows(node.variants[tag]!, prefix)) {
        const key = `${row.field}|${row.type}|${row.meaning}`;
        const seen = rows.get(key);
        if (seen) seen.tags.push(tag);
        else rows.set(key, { row, tags: [tag] });
      }
    return [...rows.values()].map(({ row, tags: t }) => (t.length === tags.length ? row : { ...row, field: `${row.field} (${t.join(", ")})` }));
  }
  return rowsOf(spec, prefix);
}

function rowsOf(spec: AnySpec, field: string): SpecRow[] {
  const node = spec.node;
  const meaning = describeSpec(spec) ?? "";
  // A described object is one row; an undescribed one lists its fields.
  if ((node.kind === "object" || node.kind === "union") && spec.description === undefined) return specRows(spec, field);
  if (node.kind === "nullable" && (node.value.node.kind === "object" || node.value.node.kind === "union") && node.value.description === undefined)
    return [{ field, type: "object or null", meaning }, ...specRows(node.value, field.replace(/\?$/, ""))];
  if (node.kind === "array" && (node.items.node.kind === "object" || node.items.node.kind === "union") && node.items.description === undefined)
    return [{ field, type: `array ${bounds(node.min, node.max)}`.trim(), meaning }, ...specRows(node.items, `${field.replace(/\?$/, "")}[]`)];
  return [{ field, type: typeOf(node), meaning }];
}

function bounds(min: number, max: number): string {
  if (min === 0 && max === 1_000_000) return "";
  return min === max ? `of ${n(min)}` : `${n(min)}…${n(max)}`;
}

/** How a node reads in a table's Type column. */
export function typeOf(node: Node): string {
  switch (node.kind) {
    case "string": {
      const { min = 1, max = 4096 } = node.options;
      if (node.docType) return node.docType;
      if (node.options.hint) return node.options.hint;
      return min === 1 && max === 4096 ? "string" : min === 1 ? `string ≤ ${n(max)}` : `string ${n(min)}…${n(max)}`;
    }
    case "sha256":
      return "64 hex";
    case "hex":
      return node.bytes === 20 ? "address (0x hex)" : `${node.bytes} bytes (0x hex)`;
    case "timestamp":
      return "RFC 3339 UTC";
    case "uri":
      return "URI";
    case "name":
      return node.max === 256 ? "name" : `name ≤ ${n(node.max)}`;
    case "integer":
      return node.min === 0 && node.max === SAFE ? "integer ≥ 0" : node.max === SAFE ? `integer ≥ ${n(node.min)}` : `integer ${n(node.min)}…${n(node.max)}`;
    case "number": {
      if (node.min === undefined && node.max === undefined) return "number";
      return `number ${node.exclusiveMin ? "(" : "["}${node.min ?? "−∞"}, ${node.max ?? "∞"}${node.exclusiveMax ? ")" : "]"}`;
    }
    case "boolean":
      return "boolean";
    case "literal":
      return node.values.map((v) => `\`${JSON.stringify(v)}\``).join(" \\| ");
    case "json":
      return "JSON object";
    case "digestSet":
      return node.requireSha256 ? "DigestSet (sha256 required)" : "DigestSet";
    case "array":
      return `${typeOf(node.items.node)}[] ${bounds(node.min, node.max)}`.trim();
    case "object":
      return `{ ${Object.entries(node.fields)
        .map(([k, f]) => `\`${k}\`${f.optional ? "?" : ""}`)
        .join(", ")} }`;
    case "map":
      return `{ ${node.keys?.hint ?? "key"}: ${typeOf(node.values.node)} }`;
    case "union":
      return Object.keys(node.variants).join(" \\| ");
    case "nullable":
      return `${typeOf(node.value.node)} or null`;
    case "custom":
      return node.docType;
  }
}

/** A Markdown table of the rows. */
export function specTable(spec: AnySpec): string {
  const rows = specRows(spec);
  // `a.b?` reads as the field `a.b`, optional; a variant's fields end in (variant).
  const field = (f: string) => f.replace(/^([^ ]*?)(\??)( \(.*\))?$/, (_, name: string, optional: string, tags = "") => `\`${name}\`${optional}${tags}`);
  return ["| Field | Type | Meaning |", "|---|---|---|", ...rows.map((r) => `| ${field(r.field)} | ${r.type} | ${r.meaning.replace(/\|/g, "\\|")} |`)].join(
    "\n",
  );
}
