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

const { validateSchema, tampered, refused } = predicateCase("approval", APPROVAL_PREDICATE_TYPE, parseApprovalPredicate, example);

describe("approval predicate", () => {
  it("behavior: accepts an ed25519 or P-256 keyid and a bare rejection", () => {
    // A bare rejection: no version, comment or conditions; the approver's key is ed25519 or P-256.
    const approver = { keyid: `sha256:${"3f".repeat(32)}`, name: "Jonas Weber", role: "release-manager" };
    const rejection = { decision: "rejected", policy: { id: "eu-ai-act/high-risk-release" }, approver, approvedAt: "2026-11-23T16:10:00Z" };
    assert.deepEqual(parseApprovalPredicate(rejection), rejection);
    assert.equal(validateSchema(rejection), true, JSON.stringify(validateSchema.errors));
  });

  it("error: unknown fields, at any depth", () => {
    refused(
      tampered((p) => (p.signature = "0x00")),
      "predicate.signature",
    );
    refused(
      tampered((p) => (p.model = { sha256: "ab".repeat(32) })),
      "predicate.model",
    );
    refused(
      tampered((p) => (p.approver.email = "ana.ruiz@acme.example")),
      "predicate.approver.email",
    );
    refused(
      tampered((p) => (p.policy.uri = "https://acme.example/policies/release")),
      "predicate.policy.uri",
    );
  });

  it("error: wrong types and values", () => {
    for (const decision of ["approve", "APPROVED", true])
      refused(
        tampered((p) => (p.decision = decision)),
        "predicate.decision",
      );
    refused(
      tampered((p) => (p.conditions = "monitor weekly")),
      "predicate.conditions",
    );
    refused(
      tampered((p) => (p.conditions = [])),
      "predicate.conditions",
    );
    refused(
      tampered((p) => (p.conditions[1] = 2027)),
      "predicate.conditions[1]",
    );
    refused(
      tampered((p) => (p.comment = "")),
      "predicate.comment",
    );
    refused(
      tampered((p) => (p.comment = "x".repeat(4097))),
      "predicate.comment",
    );
    refused(
      tampered((p) => (p.policy.version = 3)),
      "predicate.policy.version",
    );
  });

  it("error: a keyid that is not a canonical DSSE keyid", () => {
    const bad = [
      "0x8Ba1f109551bD432803012645Ac136ddd64DBA72", // EIP-55 checksum case: two spellings of one key
      ADDRESS.slice(2),
      `${ADDRESS}00`,
      `sha256:${"3F".repeat(32)}`,
      `sha512:${"3f".repeat(64)}`,
      `ed25519:${"3f".repeat(32)}`,
      "SHA256:" + "3f".repeat(32),
      "",
    ];
    for (const keyid of bad)
      refused(
        tampered((p) => (p.approver.keyid = keyid)),
        "predicate.approver.keyid",
      );
  });

  it("error: a role or policy id that would not compare exactly", () => {
    for (const role of ["Approver", "release manager", "approver-", "-approver", ""])
      refused(
        tampered((p) => (p.approver.role = role)),
        "predicate.approver.role",
      );
    for (const id of ["eu ai act", " eu-ai-act", "/release", ""])
      refused(
        tampered((p) => (p.policy.id = id)),
        "predicate.policy.id",
      );
  });

  it("error: a bad timestamp", () => {
    for (const at of ["2026-11-23T15:00Z", "2026-11-23T15:00:00z", "23/11/2026 15:00", 1_764_000_000])
      refused(
        tampered((p) => (p.approvedAt = at)),
        "predicate.approvedAt",
      );
    refusedToCreate(() => createApprovalPredicate({ ...example, approvedAt: new Date(Number.NaN) }), "predicate.approvedAt");
  });

  it("error: a rejection with conditions", () => {
    refused(
      tampered((p) => (p.decision = "rejected")),
      "predicate.conditions",
    );
  });
});
