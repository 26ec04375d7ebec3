import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { predicateCase, refusedToCreate } from "../helpers/predicateHarness.js";
import { REVOCATION_PREDICATE_TYPE, REVOCATION_REASONS, createRevocationPredicate, parseRevocationPredicate } from "../../src/formats/predicates/revocation.js";

const V141 = "0672c1d061783dfceb6dee8e3cf0ba3c587e5e9a8be8e971b1428b7c6be23dde";

const example = createRevocationPredicate({
  reason: "data-licence",
  description: "acme/claims-tickets@2026-10 included forum posts collected under a licence that forbids commercial use; 1.4.1 is retrained without them.",
  revokedAt: new Date("2026-12-01T00:00:00Z"),
  supersededBy: { name: "acme/claims-triage@1.4.1", digest: { sha256: V141 } },
});

const { validateSchema, tampered, refused, refusedAt, refusedEach } = predicateCase("revocation", REVOCATION_PREDICATE_TYPE, parseRevocationPredicate, example);

describe("revocation predicate", () => {
  it("behavior: every reason but superseded may stand without a replacement", () => {
    for (const reason of REVOCATION_REASONS.filter((r) => r !== "superseded")) {
      const input = { reason, description: "CVE-2026-0001: pickle deserialisation in the tokenizer files", revokedAt: "2026-12-01T00:00:00Z" };
      assert.deepEqual(parseRevocationPredicate(input), input, reason);
      assert.equal(validateSchema(input), true, reason);
    }
    const superseded = tampered((p) => (p.reason = "superseded"));
    assert.deepEqual(parseRevocationPredicate(superseded), superseded);
  });

  it("error: unknown fields, at any depth", () => {
    refusedEach([
      ["severity", "high"],
      ["supersededBy.uri", "https://models.acme.example/claims-triage/1.4.1"],
    ]);
  });

  it("error: wrong types and values", () => {
    refusedAt("reason", ["licence", "Data-Licence", "", null]);
    refusedAt("description", ["", "x".repeat(4097)]);
    refusedAt("supersededBy", ["acme/claims-triage@1.4.1"]);
  });

  it("error: a bad digest", () => {
    refusedEach([
      ["supersededBy.digest.sha256", V141.toUpperCase()],
      ["supersededBy.digest", { sha512: "ab".repeat(64) }, "supersededBy.digest.sha256"],
      ["supersededBy.digest", {}],
    ]);
  });

  it("error: a bad timestamp", () => {
    refusedAt("revokedAt", ["2026-12-01T00:00:00+01:00", "2026-12-01T00:00:00.Z", "1 Dec 2026"]);
    refusedToCreate(() => createRevocationPredicate({ ...example, revokedAt: new Date(Number.NaN) }), "predicate.revokedAt");
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
