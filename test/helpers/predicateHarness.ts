// The harness of the predicate tests (test/predicate-*.test.ts): each predicate's JSON Schema compiled
// as the tests need it, the frozen vectors, tampered copies, and the check that parser and schema agree.
import assert from "node:assert/strict";
import { it } from "node:test";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import Ajv from "ajv";
import Ajv2020, { type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { InputError } from "../../src/core/errors/input.js";
import { parseJson } from "../../src/core/parseJson.js";
import { createModelBom } from "../../src/formats/sbom/createModelBom.js";
import type { AnySpec } from "../../src/core/spec/spec.js";

/** A predicate that has a JSON Schema: `schemas/predicates/<name>-v<version>.schema.json` (model-manifest: v2; the others v1). */
export type PredicateSchemaName =
  | "approval"
  | "dataset"
  | "deployment"
  | "environment"
  | "evaluation"
  | "model-manifest"
  | "model-update"
  | "model-watermark"
  | "revocation"
  | "training-run";

/** A path into a JSON value: object keys and array indexes. */
export type JsonPath = readonly (string | number)[];

/**
 * The validator of `schemas/predicates/<name>-v<version>.schema.json` (default: the current version): Ajv's JSON Schema 2020-12 dialect,
 * strict (an unknown keyword or format is an error when compiling), all errors reported, and the
 * ajv-formats formats (`date-time` is checked). A fresh Ajv instance each call.
 *
 * @example
 * const validateSchema = predicateSchema("approval");
 * assert.equal(validateSchema(example), true, JSON.stringify(validateSchema.errors));
 */
export function predicateSchema(name: PredicateSchemaName, version = name === "model-manifest" ? 2 : 1): ValidateFunction {
  const ajv = new Ajv2020.default({ strict: true, allErrors: true });
  addFormats.default(ajv);
  return ajv.compile(JSON.parse(readFileSync(new URL(`../../schemas/predicates/${name}-v${version}.schema.json`, import.meta.url), "utf8")));
}

/**
 * The validator of `schemas/predicates/sbom-v1.schema.json` on top of the CycloneDX 1.6 schema that
 * @cyclonedx/cyclonedx-library ships (draft-07; it refers to its SPDX licence and JSF schemas by their
 * SNAPSHOT names, loaded next to it). Not strict: the CycloneDX schema uses keywords Ajv does not know.
 */
export function sbomPredicateSchema(): ValidateFunction {
  const schemaDir = createRequire(import.meta.url)
    .resolve("@cyclonedx/cyclonedx-library/package.json")
    .replace(/package\.json$/, "res/schema/");
  const load = (file: string) => JSON.parse(readFileSync(`${schemaDir}${file}`, "utf8")) as Record<string, unknown>;
  const ajv = new Ajv.default({ strict: false, allErrors: true });
  addFormats.default(ajv);
  ajv.addFormat("idn-email", true).addFormat("iri-reference", true);
  ajv.addSchema({ ...load("spdx.SNAPSHOT.schema.json"), $id: "http://cyclonedx.org/schema/spdx.SNAPSHOT.schema.json" });
  ajv.addSchema({ ...load("jsf-0.82.SNAPSHOT.schema.json"), $id: "http://cyclonedx.org/schema/jsf-0.82.SNAPSHOT.schema.json" });
  ajv.addSchema(load("bom-1.6.SNAPSHOT.schema.json"));
  return ajv.compile(JSON.parse(readFileSync(new URL("../../schemas/predicates/sbom-v1.schema.json", import.meta.url), "utf8")));
}

/**
 * An SBOM predicate as a signer would send it (plain JSON, parsed strictly): the ML-BOM createModelBom
 * writes for a model whose SHA-256 is `model`, with a dataset, a base model and one library.
 */
export function sbomPredicateExample(model = sha256Hex("model")): Record<string, any> {
  const bom = createModelBom({
    model: { name: "acme/detector", version: "1.0.0", digest: { sha256: model, kind: "file", size: 5, fileCount: 1 } },
    modelCard: { task: "object-detection" },
    datasets: [{ name: "coco", digest: { sha256: sha256Hex("coco") } }],
    baseModels: [{ name: "yolos", sha256: sha256Hex("yolos") }],
    software: [
      {
        name: "numpy",
        version: "1.26.4",
        purl: "pkg:pypi/numpy@1.26.4",
        type: "library",
        hashes: [{ alg: "SHA-256", content: sha256Hex("numpy") }],
        licenses: [],
        foundBy: "python-environment",
      },
    ],
    serialNumber: "urn:uuid:0f8fad5b-d9cb-469f-a165-70867728950e",
    timestamp: new Date("2026-11-24T13:45:00Z"),
  });
  return parseJson(JSON.stringify(bom)) as Record<string, any>;
}

const sha256Hex = (text: string) => createHash("sha256").update(text).digest("hex");

/** The frozen predicate vectors, `test/vectors/predicates-v1.json`: each predicate type's example predicate. */
export function predicateVectors(): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL("../vectors/predicates-v1.json", import.meta.url), "utf8")) as Record<string, unknown>;
}

/**
 * A deep copy of `example` with `edit` applied: untrusted JSON. `example` itself is untouched.
 *
 * @example
 * const tampered = (edit: (p: any) => void) => tamperedCopy(example, edit);
 * refused(tampered((p) => delete p.approver.name), "predicate.approver.name");
 */
export function tamperedCopy(example: unknown, edit: (p: any) => void): unknown {
  const copy = structuredClone(example) as any;
  edit(copy);
  return copy;
}

/** Options of {@link refusedBy}. */
export type RefusedByOptions = {
  /** Also require the error's short message to start with `<path>: `, naming the field (default false). */
  readonly namesField?: boolean;
};

/**
 * `refused(value, path, schema = true)` for one predicate: asserts that `parse` refuses `value` with an
 * InputError INVALID_PREDICATE naming `path`, and that the JSON Schema (`validate`) refuses it too or,
 * for a rule it cannot express (`schema` false), accepts it.
 *
 * @example
 * const refused = refusedBy(parseApprovalPredicate, predicateSchema("approval"));
 * refused(tampered((p) => (p.signature = "0x00")), "predicate.signature");
 * refused(tampered((p) => (p.passed = false)), "predicate.passed", false); // the parser's rule only
 */
export function refusedBy(
  parse: (value: unknown) => unknown,
  validate: ValidateFunction,
  options: RefusedByOptions = {},
): (value: unknown, path: string, schema?: boolean) => void {
  return (value, path, schema = true) => {
    assert.throws(
      () => parse(value),
      (e: unknown) => {
        assert.ok(e instanceof InputError, `expected an InputError, got ${String(e)}`);
        assert.equal(e.code, "INVALID_PREDICATE", e.message);
        assert.equal(e.path, path, e.message);
        if (options.namesField) assert.ok(e.shortMessage.startsWith(`${path}: `), "the message names the field");
        return true;
      },
    );
    assert.equal(validate(value), !schema, schema ? `the schema refuses it too (${path})` : `the schema cannot express this rule (${path})`);
  };
}

/** Paths to every value inside `value`, the root excluded, parents before their children. */
export function pathsOf(value: unknown, prefix: JsonPath = []): (string | number)[][] {
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([key, child]) => {
    const path = [...prefix, Array.isArray(value) ? Number(key) : key];
    return [path, ...pathsOf(child, path)];
  });
}

/**
 * A copy of `root` with the value at `path` (not empty) replaced, or removed when `replacement` is
 * undefined (spliced out of an array, deleted from an object).
 */
export function replaced(root: unknown, path: JsonPath, replacement: unknown): unknown {
  const copy = structuredClone(root) as any;
  let parent = copy;
  for (const key of path.slice(0, -1)) parent = parent[key];
  const last = path[path.length - 1] as string | number;
  if (replacement !== undefined) parent[last] = replacement;
  else if (Array.isArray(parent)) parent.splice(last as number, 1);
  else delete parent[last];
  return copy;
}

/**
 * What a predicate's own test file starts from: its schema's validator, its frozen vector, tampered
 * copies of `example` and `refused` (see {@link refusedBy}). Registers the test that the frozen vector
 * is `example` (what the file's create function builds) and that the schema accepts it.
 *
 * @example
 * const { validateSchema, vector, tampered, refused } = predicateCase("approval", APPROVAL_PREDICATE_TYPE, parseApprovalPredicate, example);
 */
export function predicateCase(name: PredicateSchemaName, type: string, parse: (value: unknown) => unknown, example: unknown) {
  const validateSchema = predicateSchema(name);
  const vector = predicateVectors()[type];
  it(`default: the frozen ${name} vector is what its create function builds`, () => {
    assert.equal(validateSchema(example), true, JSON.stringify(validateSchema.errors));
    assert.deepEqual(vector, example);
  });
  return { validateSchema, vector, ...refusalsOf(parse, validateSchema, example) };
}

/** A field below `predicate` as the parsers name it, without the root: `approver.keyid`, `conditions[1]`, `consent[0].digest`. */
export type FieldPath = string;

/** The JsonPath of a {@link FieldPath}: `consent[0].digest` is `["consent", 0, "digest"]`. */
export function jsonPathOf(field: FieldPath): JsonPath {
  return field.split(/\.|(?=\[)/).map((key) => (key.startsWith("[") ? Number(key.slice(1, -1)) : key));
}

/** One refusal of a table: the example with `value` at `field` (the field removed when `value` is undefined) is refused naming `named` (default: `field`). */
export type FieldRefusal = readonly [field: FieldPath, value: unknown, named?: FieldPath];

/**
 * The refusals of one predicate, all starting from `example`: `tampered` copies, `refused` (see
 * {@link refusedBy}), and two table forms of it, so that a test lists only its cases:
 * `refusedAt(field, values)`, each value at one field, and `refusedEach(rows)`, one {@link FieldRefusal}
 * a row. `schema` false: a rule the JSON Schema cannot express (it must accept the value).
 *
 * @example
 * refusedAt("approver.role", ["Approver", "release manager", ""]);
 * refusedEach([["signature", "0x00"], ["approver.email", "ana.ruiz@acme.example"]]);
 */
export function refusalsOf(parse: (value: unknown) => unknown, validate: ValidateFunction, example: unknown) {
  const refused = refusedBy(parse, validate);
  const refusedEach = (rows: readonly FieldRefusal[], schema = true): void => {
    for (const [field, value, named = field] of rows) refused(replaced(example, jsonPathOf(field), value), pathText(jsonPathOf(named)), schema);
  };
  return {
    tampered: (edit: (p: any) => void) => tamperedCopy(example, edit),
    refused,
    refusedEach,
    refusedAt: (field: FieldPath, values: readonly unknown[], schema = true): void =>
      refusedEach(
        values.map((value) => [field, value]),
        schema,
      ),
  };
}

/** Asserts that building a predicate (`create()`) is refused with INVALID_PREDICATE naming `path`: an invalid predicate cannot be created either. */
export function refusedToCreate(create: () => unknown, path: string): void {
  assert.throws(create, (e: unknown) => e instanceof InputError && e.code === "INVALID_PREDICATE" && e.path === path);
}

/** An object a spec declares, found in a value: where it is, the fields the spec requires of it, and whether it is open to unknown keys. */
export type SpecObject = { readonly path: JsonPath; readonly required: readonly string[]; readonly open: boolean };

/**
 * Every object that `spec` declares inside `value` (the root included, parents first): what the shared
 * predicate suite (test/formats/predicates.test.ts) tampers with, so the rules every spec'd predicate
 * shares (a missing required field, an unknown field) are tested from the spec, not listed by hand.
 */
export function specObjects(spec: AnySpec, value: unknown, path: JsonPath = []): SpecObject[] {
  const node = spec.node;
  if (value === null || typeof value !== "object") return [];
  const at = value as Record<string, unknown>;
  switch (node.kind) {
    case "object": {
      const fields = Object.entries(node.fields);
      const here = { path, required: fields.filter(([, f]) => !f.optional).map(([k]) => k), open: node.open === true };
      return [here, ...fields.flatMap(([k, f]) => (at[k] === undefined ? [] : specObjects(f, at[k], [...path, k])))];
    }
    case "array":
      return (value as unknown[]).flatMap((item, i) => specObjects(node.items, item, [...path, i]));
    case "map":
      return Object.entries(at).flatMap(([k, v]) => specObjects(node.values, v, [...path, k]));
    case "nullable":
      return specObjects(node.value, value, path);
    case "union": {
      const variant = node.variants[String(at[node.tag])];
      return variant === undefined ? [] : specObjects(variant, value, path);
    }
    default:
      return [];
  }
}

/** A JsonPath as the parsers name it: `predicate.metrics[2].value`. */
export function pathText(path: JsonPath, root = "predicate"): string {
  return root + path.map((key) => (typeof key === "number" ? `[${key}]` : `.${key}`)).join("");
}
