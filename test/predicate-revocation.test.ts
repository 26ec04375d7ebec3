import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { pathsOf, predicateSchema, predicateVectors, refusedBy, replaced, tamperedCopy } from "../scripts/predicateHarness.js";
import { REVOCATION_PREDICATE_TYPE, REVOCATION_REASONS, createRevocationPredicate, parseRevocationPredicate } from "../src/attestation/predicates/revocation.js";
import { canonicalJson } from "../src/canonicalJson.js";
import { InputError } from "../src/errors/input.js";

const validateSchema = predicateSchema("revocation");
const vectors = predicateVectors();

const V141 = "0672c1d061783dfceb6dee8e3cf0ba3c587e5e9a8be8e971b1428b7c6be23dde";

const example = createRevocationPredicate({
  reason: "data-licence",
  description: "acme/claims-tickets@2026-10 included forum posts collected under a licence that forbids commercial use; 1.4.1 is retrained without them.",
  revokedAt: new Date("2026-12-01T00:00:00Z"),
  supersededBy: { name: "acme/claims-triage@1.4.1", digest: { sha256: V141 } },
});

/** A deep copy of the example with `edit` applied: untrusted JSON. */
const tampered = (edit: (p: any) => void) => tamperedCopy(example, edit);
const refused = refusedBy(parseRevocationPredicate, validateSchema);

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
