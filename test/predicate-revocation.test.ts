import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import fc from "fast-check";
import { REVOCATION_PREDICATE_TYPE, REVOCATION_REASONS, createRevocationPredicate, parseRevocationPredicate } from "../src/attestation/predicates/revocation.js";
import { canonicalJson } from "../src/canonicalJson.js";
import { InputError } from "../src/errors/input.js";

const ajv = new Ajv2020.default({ strict: true, allErrors: true });
addFormats.default(ajv);
const validateSchema = ajv.compile(JSON.parse(readFileSync(new URL("../schemas/predicates/revocation-v1.schema.json", import.meta.url), "utf8")));
const vectors = JSON.parse(readFileSync(new URL("./vectors/predicates-v1.json", import.meta.url), "utf8")) as Record<string, unknown>;

const V141 = "0672c1d061783dfceb6dee8e3cf0ba3c587e5e9a8be8e971b1428b7c6be23dde";

const example = createRevocationPredicate({
  reason: "data-licence",
  description: "acme/claims-tickets@2026-10 included forum posts collected under a licence that forbids commercial use; 1.4.1 is retrained without them.",
  revokedAt: new Date("2026-12-01T00:00:00Z"),
  supersededBy: { name: "acme/claims-triage@1.4.1", digest: { sha256: V141 } },
});

/** A deep copy of the example with `edit` applied: untrusted JSON. */
function tampered(edit: (p: any) => void): unknown {
  const copy = structuredClone(example) as any;
  edit(copy);
  return copy;
}

/**
 * The parser refuses `value` with INVALID_PREDICATE naming `path`; the JSON Schema refuses it too
 * or, for a rule it cannot express (`schema` false), accepts it.
 */
function refused(value: unknown, path: string, schema = true): void {
  assert.throws(
    () => parseRevocationPredicate(value),
    (e: unknown) => {
      assert.ok(e instanceof InputError, `expected an InputError, got ${String(e)}`);
      assert.equal(e.code, "INVALID_PREDICATE", e.message);
      assert.equal(e.path, path, e.message);
      return true;
    },
  );
  assert.equal(validateSchema(value), !schema, schema ? `the schema refuses it too (${path})` : `the schema cannot express this rule (${path})`);
}

/** Paths to every value inside `value`, the root excluded. */
function pathsOf(value: unknown, prefix: readonly (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([key, child]) => {
    const path = [...prefix, Array.isArray(value) ? Number(key) : key];
    return [path, ...pathsOf(child, path)];
  });
}

/** A copy of `root` with the value at `path` replaced, or removed when `replacement` is undefined. */
function replaced(root: unknown, path: readonly (string | number)[], replacement: unknown): unknown {
  const copy = structuredClone(root) as any;
  let parent = copy;
  for (const key of path.slice(0, -1)) parent = parent[key];
  const last = path[path.length - 1] as string | number;
  if (replacement !== undefined) parent[last] = replacement;
  else if (Array.isArray(parent)) parent.splice(last as number, 1);
  else delete parent[last];
  return copy;
}

describe("revocation predicate", () => {
  it("default", () => {
    assert.equal(validateSchema(example), true, JSON.stringify(validateSchema.errors));
    const vector = vectors[REVOCATION_PREDICATE_TYPE];
    assert.deepEqual(vector, example, "the frozen vector is what createRevocationPredicate builds");
    assert.deepEqual(parseRevocationPredicate(vector), vector);
    assert.equal(canonicalJson(parseRevocationPredicate(vector)), canonicalJson(vector));
    assert.equal(validateSchema(vector), true, JSON.stringify(validateSchema.errors));
  });

  it("behavior: returns a fresh copy", () => {
    const input = structuredClone(example);
    const parsed = parseRevocationPredicate(input);
    assert.notEqual(parsed, input);
    assert.notEqual(parsed.supersededBy, input.supersededBy);
    assert.notEqual(parsed.supersededBy?.digest, input.supersededBy?.digest);
  });

  it("behavior: every reason but superseded may stand without a replacement", () => {
    for (const reason of REVOCATION_REASONS.filter((r) => r !== "superseded")) {
      const input = { reason, description: "CVE-2026-0001: pickle deserialisation in the tokenizer files", revokedAt: "2026-12-01T00:00:00Z" };
      assert.deepEqual(parseRevocationPredicate(input), input, reason);
      assert.equal(validateSchema(input), true, reason);
    }
    const superseded = tampered((p) => (p.reason = "superseded"));
    assert.deepEqual(parseRevocationPredicate(superseded), superseded);
  });

  it("behavior: whatever the parser accepts, the schema accepts; refusals are INVALID_PREDICATE (property)", () => {
    fc.assert(
      fc.property(fc.constantFrom(...pathsOf(example)), fc.option(fc.jsonValue(), { nil: undefined }), (path, replacement) => {
        const input = replaced(example, path, replacement);
        let parsed: unknown;
        try {
          parsed = parseRevocationPredicate(input);
        } catch (e) {
          assert.ok(e instanceof InputError && e.code === "INVALID_PREDICATE" && e.path?.startsWith("predicate"), String(e));
          return;
        }
        assert.equal(validateSchema(input), true, `${JSON.stringify(input)}: ${JSON.stringify(validateSchema.errors)}`);
        assert.equal(canonicalJson(parsed), canonicalJson(input), "nothing dropped, nothing added");
      }),
    );
  });

  it("error: not an object", () => {
    for (const value of [null, [], "revoked", false]) refused(value, "predicate");
  });

  it("error: unknown fields, at any depth", () => {
    refused(tampered((p) => (p.severity = "high")), "predicate.severity");
    refused(tampered((p) => (p.supersededBy.uri = "https://models.acme.example/claims-triage/1.4.1")), "predicate.supersededBy.uri");
  });

  it("error: missing required fields", () => {
    for (const field of ["reason", "description", "revokedAt"]) refused(tampered((p) => delete p[field]), `predicate.${field}`);
    refused(tampered((p) => delete p.supersededBy.name), "predicate.supersededBy.name");
    refused(tampered((p) => delete p.supersededBy.digest), "predicate.supersededBy.digest");
  });

  it("error: wrong types and values", () => {
    for (const reason of ["licence", "Data-Licence", "", null]) refused(tampered((p) => (p.reason = reason)), "predicate.reason");
    refused(tampered((p) => (p.description = "")), "predicate.description");
    refused(tampered((p) => (p.description = "x".repeat(4097))), "predicate.description");
    refused(tampered((p) => (p.supersededBy = "acme/claims-triage@1.4.1")), "predicate.supersededBy");
  });

  it("error: a bad digest", () => {
    refused(tampered((p) => (p.supersededBy.digest.sha256 = V141.toUpperCase())), "predicate.supersededBy.digest.sha256");
    refused(tampered((p) => (p.supersededBy.digest = { sha512: "ab".repeat(64) })), "predicate.supersededBy.digest.sha256");
    refused(tampered((p) => (p.supersededBy.digest = {})), "predicate.supersededBy.digest");
  });

  it("error: a bad timestamp", () => {
    for (const at of ["2026-12-01T00:00:00+01:00", "2026-12-01T00:00:00.Z", "1 Dec 2026"]) refused(tampered((p) => (p.revokedAt = at)), "predicate.revokedAt");
    assert.throws(
      () => createRevocationPredicate({ ...example, revokedAt: new Date(Number.NaN) }),
      (e: unknown) => e instanceof InputError && e.code === "INVALID_PREDICATE" && e.path === "predicate.revokedAt",
    );
  });

  it("error: superseded without naming the replacement", () => {
    refused(
      tampered((p) => {
        p.reason = "superseded";
        delete p.supersededBy;
      }),
      "predicate.supersededBy",
    );
  });
});
