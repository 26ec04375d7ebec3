import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { predicateCase, refusedToCreate } from "../helpers/predicateHarness.js";
import { APPROVAL_PREDICATE_TYPE, createApprovalPredicate, parseApprovalPredicate } from "../../src/formats/predicates/approval.js";

const ADDRESS = "0x8ba1f109551bd432803012645ac136ddd64dba72";

const example = createApprovalPredicate({
  decision: "approved",
  policy: { id: "eu-ai-act/high-risk-release", version: "2026-09" },
  approver: { keyid: ADDRESS, name: "Dr. Ana Ruiz", role: "approver" },
  approvedAt: new Date("2026-11-23T15:00:00Z"),
  comment: "Meets the release thresholds on the 2026-Q3 holdout; false-positive rate for claimants over 65 reviewed with the fairness board.",
  conditions: ["monitor the false-positive rate for claimants over 65 weekly", "re-evaluate before 2027-03-01"],
});

const { validateSchema, refusedAt, refusedEach } = predicateCase("approval", APPROVAL_PREDICATE_TYPE, parseApprovalPredicate, example);

describe("approval predicate", () => {
  it("behavior: accepts an ed25519 or P-256 keyid and a bare rejection", () => {
    // A bare rejection: no version, comment or conditions; the approver's key is ed25519 or P-256.
    const approver = { keyid: `sha256:${"3f".repeat(32)}`, name: "Jonas Weber", role: "release-manager" };
    const rejection = { decision: "rejected", policy: { id: "eu-ai-act/high-risk-release" }, approver, approvedAt: "2026-11-23T16:10:00Z" };
    assert.deepEqual(parseApprovalPredicate(rejection), rejection);
    assert.equal(validateSchema(rejection), true, JSON.stringify(validateSchema.errors));
  });

  it("error: unknown fields, at any depth", () => {
    refusedEach([
      ["signature", "0x00"],
      ["model", { sha256: "ab".repeat(32) }],
      ["approver.email", "ana.ruiz@acme.example"],
      ["policy.uri", "https://acme.example/policies/release"],
    ]);
  });

  it("error: wrong types and values", () => {
    refusedAt("decision", ["approve", "APPROVED", true]);
    refusedAt("conditions", ["monitor weekly", []]);
    refusedAt("conditions[1]", [2027]);
    refusedAt("comment", ["", "x".repeat(4097)]);
    refusedAt("policy.version", [3]);
  });

  it("error: a keyid that is not a canonical DSSE keyid", () => {
    refusedAt("approver.keyid", [
      "0x8Ba1f109551bD432803012645Ac136ddd64DBA72", // EIP-55 checksum case: two spellings of one key
      ADDRESS.slice(2),
      `${ADDRESS}00`,
      `sha256:${"3F".repeat(32)}`,
      `sha512:${"3f".repeat(64)}`,
      `ed25519:${"3f".repeat(32)}`,
      "SHA256:" + "3f".repeat(32),
      "",
    ]);
  });

  it("error: a role or policy id that would not compare exactly", () => {
    refusedAt("approver.role", ["Approver", "release manager", "approver-", "-approver", ""]);
    refusedAt("policy.id", ["eu ai act", " eu-ai-act", "/release", ""]);
  });

  it("error: a bad timestamp", () => {
    refusedAt("approvedAt", ["2026-11-23T15:00Z", "2026-11-23T15:00:00z", "23/11/2026 15:00", 1_764_000_000]);
    refusedToCreate(() => createApprovalPredicate({ ...example, approvedAt: new Date(Number.NaN) }), "predicate.approvedAt");
  });

  it("error: a rejection with conditions", () => {
    refusedEach([["decision", "rejected", "conditions"]]);
  });
});
