import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { type PredicateSchemaName, pathsOf, predicateSchema, predicateVectors, refusedBy, replaced } from "../helpers/predicateHarness.js";
import { PREDICATE_PARSERS, parsePredicate } from "../../src/formats/predicates/index.js";
import { canonicalJson } from "../../src/core/canonicalJson.js";
import { InputError } from "../../src/core/errors/input.js";

// What every predicate shares, table-driven over the frozen vectors (test/vectors/predicates-v1.json):
// the vector parses to itself and its schema accepts it; the parser returns a fresh copy; any value
// anywhere is accepted by both parser and schema or refused with INVALID_PREDICATE; a non-object is
// refused at the caller's path. Each predicate's own rules stay in test/predicate-<name>.test.ts.
const SCHEMAS: Readonly<Record<string, PredicateSchemaName>> = {
  "https://slsa.dev/provenance/v1": "training-run",
  "https://provenance-ledger.dev/dataset/v1": "dataset",
  "https://provenance-ledger.dev/evaluation/v1": "evaluation",
  "https://provenance-ledger.dev/approval/v1": "approval",
  "https://provenance-ledger.dev/deployment/v1": "deployment",
  "https://provenance-ledger.dev/model-update/v1": "model-update",
  "https://provenance-ledger.dev/revocation/v1": "revocation",
  "https://provenance-ledger.dev/model-watermark/v1": "model-watermark",
};

/** Every object and array inside `parsed` is a new one, not the input's at the same place. */
function assertFresh(parsed: unknown, input: unknown, at = "predicate"): void {
  if (parsed === null || typeof parsed !== "object") return;
  assert.notEqual(parsed, input, `${at} is a fresh copy`);
  for (const [key, child] of Object.entries(parsed)) assertFresh(child, (input as Record<string, unknown>)[key], `${at}.${key}`);
}

describe("every predicate (shared rules)", () => {
  const vectors = predicateVectors();
  it("default: one frozen vector per predicate type with a schema", () => {
    assert.deepEqual(Object.keys(vectors).sort(), Object.keys(SCHEMAS).sort());
    for (const type of Object.keys(SCHEMAS)) assert.ok(Object.hasOwn(PREDICATE_PARSERS, type), `${type} is registered`);
  });

  for (const [type, name] of Object.entries(SCHEMAS)) {
    const validateSchema = predicateSchema(name);
    const parse = (value: unknown, path?: string) => PREDICATE_PARSERS[type]!(value, path ?? "predicate");
    const refused = refusedBy(parse, validateSchema);
    const vector = vectors[type];

    describe(name, () => {
      it("default: the frozen vector parses to itself, and its schema accepts it", () => {
        assert.equal(validateSchema(vector), true, JSON.stringify(validateSchema.errors));
        assert.deepEqual(parse(vector), vector);
        assert.equal(canonicalJson(parse(vector)), canonicalJson(vector));
        assert.deepEqual(parsePredicate(type, vector), vector, "registered with the other predicates");
      });

      it("behavior: returns a fresh copy", () => {
        const input = structuredClone(vector);
        assertFresh(parse(input), input);
      });

      it("behavior: whatever the parser accepts, the schema accepts; refusals are INVALID_PREDICATE (property)", () => {
        fc.assert(
          fc.property(fc.constantFrom(...pathsOf(vector)), fc.option(fc.jsonValue(), { nil: undefined }), (path, replacement) => {
            const input = replaced(vector, path, replacement);
            let parsed: unknown;
            try {
              parsed = parse(input);
            } catch (e) {
              assert.ok(e instanceof InputError && e.code === "INVALID_PREDICATE" && e.path?.startsWith("predicate"), String(e));
              return;
            }
            assert.equal(validateSchema(input), true, `${JSON.stringify(input)}: ${JSON.stringify(validateSchema.errors)}`);
            assert.equal(canonicalJson(parsed), canonicalJson(input), "nothing dropped, nothing added");
          }),
        );
      });

      it("error: not an object, at the caller's path", () => {
        for (const value of [null, [], name, 0, 1, true, false]) refused(value, "predicate");
        assert.throws(() => parse(null, "statement.predicate"), (e: unknown) => e instanceof InputError && e.path === "statement.predicate");
      });
    });
  }
});
