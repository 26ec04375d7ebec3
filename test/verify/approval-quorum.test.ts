import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import { onChainRole } from "../../src/formats/attestation/publicKeys.js";
import { APPROVAL_PREDICATE_TYPE, createApprovalPredicate } from "../../src/formats/predicates/approval.js";
import { EVALUATION_PREDICATE_TYPE, createEvaluationPredicate } from "../../src/formats/predicates/evaluation.js";
import { parseStatement } from "../../src/formats/attestation/parseStatement.js";
import { STATEMENT_TYPE } from "../../src/formats/attestation/statement.js";
import { VerificationError } from "../../src/core/errors/verification.js";
import type { Hex } from "../../src/core/hex.js";
import { type ApprovalPolicy, type SignedAttestation, checkApprovalQuorum } from "../../src/verify/lineage/approvalQuorum.js";
import { assertVerificationRefusal } from "../helpers/refusals.js";

const sha = (label: string) => createHash("sha256").update(label).digest("hex");
const MODEL = sha("acme/claims-7b@1.0.0");
const OTHER_MODEL = sha("acme/claims-7b@0.9.0");
const APPROVER = onChainRole("approver");
const ENGINEER = onChainRole("ml-engineer");

// Three approvers: two secp256k1 (addresses) and one ed25519 (sha256 keyid), as registered on chain.
const ANA = `0x${"a1".repeat(20)}`;
const BEN = `0x${"b2".repeat(20)}`;
const CHO = `sha256:${sha("cho's public key")}`;
const MALLORY = `0x${"ee".repeat(20)}`;

const policy: ApprovalPolicy = { id: "eu-ai-act/high-risk-release", threshold: 2, role: "approver" };

type ApprovalOptions = {
  readonly decision?: "approved" | "rejected";
  readonly policyId?: string;
  readonly model?: string;
  /** Keys that signed the envelope, with the role each is registered with (default: the approver, as approver). */
  readonly signers?: readonly { keyid: string; role: Hex }[];
  readonly blockNumber?: number;
  /** The organisation that anchored it (default 1, the deploying one). */
  readonly orgId?: number;
  /** The signed decision time (default 2026-11-23T15:00:00Z). */
  readonly approvedAt?: Date;
};

let counter = 0;
/** One approval attestation by `approver`, checked by the real statement and predicate parsers. */
function approval(approver: string, options: ApprovalOptions = {}): SignedAttestation {
  const statement = parseStatement({
    _type: STATEMENT_TYPE,
    subject: [{ name: "acme/claims-7b@1.0.0", digest: { sha256: options.model ?? MODEL } }],
    predicateType: APPROVAL_PREDICATE_TYPE,
    predicate: createApprovalPredicate({
      decision: options.decision ?? "approved",
      policy: { id: options.policyId ?? policy.id, version: "2026-09" },
      approver: { keyid: approver, name: `approver ${approver.slice(0, 10)}`, role: "approver" },
      approvedAt: options.approvedAt ?? new Date("2026-11-23T15:00:00Z"),
      ...(options.decision === "rejected" ? { comment: "false-positive rate too high for the 65+ group" } : {}),
    }),
  });
  return {
    entryHash: `0x${sha(`approval ${counter++}`)}`,
    statement,
    signers: options.signers ?? [{ keyid: approver, role: APPROVER }],
    orgId: options.orgId ?? 1,
    ...(options.blockNumber === undefined ? {} : { blockNumber: options.blockNumber }),
  };
}

/** Asserts the quorum is not met: VerificationError `approval-quorum` whose message matches every pattern. */
const notMet = (run: () => unknown, ...patterns: RegExp[]): void => assertVerificationRefusal(run, "approval-quorum", ...patterns);

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

describe("checkApprovalQuorum", () => {
  it("default: 2-of-3 is met by two distinct approvers with the policy's role", () => {
    const result = checkApprovalQuorum({ orgId: 1, attestations: [approval(ANA), approval(BEN)], model: MODEL, policy });
    assert.deepEqual(result, { policy, required: 2, approvers: [ANA, BEN], duplicates: [], rejections: [], ignored: [] });
  });

  it("error: an approval anchored by another organisation does not count, and says why", () => {
    notMet(
      () => checkApprovalQuorum({ orgId: 1, attestations: [approval(ANA), approval(BEN, { orgId: 2 })], model: MODEL, policy }),
      /1 approved/,
      /of organisation 2, not of organisation 1/,
    );
  });

  it("behavior: all three approving is more than enough; an ed25519 keyid counts like an address", () => {
    const result = checkApprovalQuorum({ orgId: 1, attestations: [approval(ANA), approval(CHO), approval(BEN)], model: MODEL, policy });
    assert.deepEqual(result.approvers, [ANA, CHO, BEN]);
  });

  it("error: one approver is not two → approval-quorum, saying how many are needed and how many approved", () => {
    notMet(
      () => checkApprovalQuorum({ orgId: 1, attestations: [approval(ANA)], model: MODEL, policy }),
      new RegExp(`policy ${escapeRegExp(policy.id)} needs 2 distinct approvers with role "approver"; 1 approved`),
    );
    notMet(() => checkApprovalQuorum({ orgId: 1, attestations: [], model: MODEL, policy }), /needs 2 distinct approvers .*; 0 approved/);
  });

  describe("the same key twice", () => {
    it("error: two approvals by the same key count once, and the message names the key", () => {
      notMet(
        () => checkApprovalQuorum({ orgId: 1, attestations: [approval(ANA), approval(ANA)], model: MODEL, policy }),
        /1 approved/,
        new RegExp(`key ${ANA} approved more than once and counts once`),
      );
    });

    it("behavior: with a second approver the quorum is met and the duplicate is still reported", () => {
      const result = checkApprovalQuorum({ orgId: 1, attestations: [approval(ANA), approval(ANA), approval(BEN)], model: MODEL, policy });
      assert.deepEqual(result.approvers, [ANA, BEN]);
      assert.deepEqual(result.duplicates, [ANA]);
    });

    it("error: co-signatures on one approval count only for the approver it names", () => {
      // Ben co-signs Ana's approval: that is not Ben's approval.
      const cosigned = approval(ANA, {
        signers: [
          { keyid: ANA, role: APPROVER },
          { keyid: BEN, role: APPROVER },
        ],
      });
      notMet(() => checkApprovalQuorum({ orgId: 1, attestations: [cosigned], model: MODEL, policy }), /1 approved/);
    });
  });

  describe("approvals that do not count, and say why", () => {
    it("error: an approval naming a key that did not sign it is ignored", () => {
      const forged = approval(BEN, { signers: [{ keyid: MALLORY, role: APPROVER }] });
      notMet(
        () => checkApprovalQuorum({ orgId: 1, attestations: [approval(ANA), forged], model: MODEL, policy }),
        /1 approved/,
        new RegExp(`approval ${forged.entryHash} does not count: names approver key ${BEN} but is not signed by it`),
      );
      const result = checkApprovalQuorum({ orgId: 1, attestations: [approval(ANA), forged, approval(CHO)], model: MODEL, policy });
      assert.deepEqual(result.approvers, [ANA, CHO]);
      assert.deepEqual(result.ignored, [{ entryHash: forged.entryHash, reason: `names approver key ${BEN} but is not signed by it` }]);
    });

    it("error: a signer registered with another role (or none) is ignored", () => {
      const engineer = approval(BEN, { signers: [{ keyid: BEN, role: ENGINEER }] });
      const unregistered = approval(CHO, { signers: [{ keyid: CHO, role: onChainRole(undefined) }] });
      notMet(
        () => checkApprovalQuorum({ orgId: 1, attestations: [approval(ANA), engineer, unregistered], model: MODEL, policy }),
        /1 approved/,
        new RegExp(`approval ${engineer.entryHash} does not count: key ${BEN} is not registered with role "approver"`),
        new RegExp(`approval ${unregistered.entryHash} does not count: key ${escapeRegExp(CHO)} is not registered with role "approver"`),
      );
    });

    it("behavior: the role is compared as its on-chain hash, whatever the hex case", () => {
      const upper = approval(BEN, { signers: [{ keyid: BEN, role: `0x${APPROVER.slice(2).toUpperCase()}` as Hex }] });
      assert.deepEqual(checkApprovalQuorum({ orgId: 1, attestations: [approval(ANA), upper], model: MODEL, policy }).approvers, [ANA, BEN]);
    });

    it("error: an approval under another policy id is ignored", () => {
      const other = approval(BEN, { policyId: "internal/low-risk" });
      notMet(
        () => checkApprovalQuorum({ orgId: 1, attestations: [approval(ANA), other], model: MODEL, policy }),
        new RegExp(`approval ${other.entryHash} does not count: policy internal/low-risk, not ${escapeRegExp(policy.id)}`),
      );
    });

    it("error: an approval anchored after the deployment is ignored; one in the same block counts", () => {
      const late = approval(BEN, { blockNumber: 101 });
      notMet(
        () => checkApprovalQuorum({ orgId: 1, attestations: [approval(ANA, { blockNumber: 90 }), late], model: MODEL, policy, notAfterBlock: 100 }),
        new RegExp(`approval ${late.entryHash} does not count: anchored at block 101, after the deployment \\(block 100\\)`),
      );
      const sameBlock = checkApprovalQuorum({
        orgId: 1,
        attestations: [approval(ANA, { blockNumber: 90 }), approval(BEN, { blockNumber: 100 })],
        model: MODEL,
        policy,
        notAfterBlock: 100,
      });
      assert.deepEqual(sameBlock.approvers, [ANA, BEN]);
      assert.deepEqual(
        checkApprovalQuorum({ orgId: 1, attestations: [approval(ANA, { blockNumber: 5 }), late], model: MODEL, policy }).approvers,
        [ANA, BEN],
        "no deployment block: anchoring time is not checked",
      );
    });

    it("behavior: approvals of another model, and attestations that are not approvals, are not about this quorum at all", () => {
      const otherModel = approval(BEN, { model: OTHER_MODEL });
      const evaluation: SignedAttestation = {
        orgId: 1,
        entryHash: `0x${sha("evaluation")}`,
        statement: parseStatement({
          _type: STATEMENT_TYPE,
          subject: [{ name: "m", digest: { sha256: MODEL } }],
          predicateType: EVALUATION_PREDICATE_TYPE,
          predicate: createEvaluationPredicate({
            dataset: { name: "d", digest: { sha256: OTHER_MODEL } },
            metrics: [{ name: "accuracy", value: 1 }],
            evaluatedAt: new Date(0),
          }),
        }),
        signers: [{ keyid: BEN, role: APPROVER }],
      };
      assert.throws(
        () => checkApprovalQuorum({ orgId: 1, attestations: [approval(ANA), otherModel, evaluation], model: MODEL, policy }),
        (e: unknown) => {
          assert.ok(e instanceof VerificationError && e.check === "approval-quorum");
          assert.ok(!e.message.includes(otherModel.entryHash) && !e.message.includes(evaluation.entryHash), "neither is reported as an ignored approval");
          return true;
        },
      );
    });
  });

  describe("rejections", () => {
    it("error: a rejection does not count and is reported", () => {
      notMet(
        () => checkApprovalQuorum({ orgId: 1, attestations: [approval(ANA), approval(BEN, { decision: "rejected" })], model: MODEL, policy }),
        /1 approved/,
        new RegExp(`key ${BEN} rejected`),
      );
    });

    it("behavior: when the quorum is met anyway, the rejection is still in the result", () => {
      const result = checkApprovalQuorum({
        orgId: 1,
        attestations: [approval(ANA), approval(BEN, { decision: "rejected" }), approval(CHO)],
        model: MODEL,
        policy,
      });
      assert.deepEqual(result.approvers, [ANA, CHO]);
      assert.deepEqual(result.rejections, [BEN]);
    });

    it("behavior: a rejection only counts as a rejection when its signer holds the role", () => {
      const result = checkApprovalQuorum({
        orgId: 1,
        attestations: [approval(ANA), approval(CHO), approval(BEN, { decision: "rejected", signers: [{ keyid: BEN, role: ENGINEER }] })],
        model: MODEL,
        policy,
      });
      assert.deepEqual(result.rejections, []);
      assert.equal(result.ignored.length, 1);
    });
  });

  describe("a rejection after an approval (issue 9, class 7)", () => {
    const later = new Date("2026-11-24T09:00:00Z");
    it("error: a rejection anchored after the same key's approval cancels it, and says so", () => {
      const first = approval(BEN, { blockNumber: 10 });
      notMet(
        () =>
          checkApprovalQuorum({
            orgId: 1,
            attestations: [approval(ANA, { blockNumber: 10 }), first, approval(BEN, { decision: "rejected", blockNumber: 12 })],
            model: MODEL,
            policy,
          }),
        /1 approved/,
        new RegExp(`key ${BEN} rejected`),
        new RegExp(`approval ${first.entryHash} does not count: cancelled by the later rejection`),
      );
    });

    it("error: in the same block, the signed time orders them; the order in the bundle does not matter", () => {
      const rejection = approval(BEN, { decision: "rejected", blockNumber: 10, approvedAt: later });
      for (const attestations of [
        [approval(ANA), approval(BEN, { blockNumber: 10 }), rejection],
        [rejection, approval(BEN, { blockNumber: 10 }), approval(ANA)],
      ])
        notMet(() => checkApprovalQuorum({ orgId: 1, attestations, model: MODEL, policy }), /1 approved/, new RegExp(`key ${BEN} rejected`));
    });

    it("error: on a full tie (same block, same signed time) the rejection wins", () => {
      notMet(
        () =>
          checkApprovalQuorum({
            orgId: 1,
            attestations: [approval(ANA), approval(BEN, { blockNumber: 10 }), approval(BEN, { decision: "rejected", blockNumber: 10 })],
            model: MODEL,
            policy,
          }),
        /1 approved/,
      );
    });

    it("behavior: an approval after the rejection counts again; a rejection before an approval does not cancel it", () => {
      const result = checkApprovalQuorum({
        orgId: 1,
        attestations: [
          approval(ANA, { blockNumber: 9 }),
          approval(BEN, { decision: "rejected", blockNumber: 10 }),
          approval(BEN, { blockNumber: 11, approvedAt: later }),
        ],
        model: MODEL,
        policy,
      });
      assert.deepEqual([...result.approvers].sort(), [ANA, BEN].sort());
      assert.deepEqual(result.rejections, []);
    });
  });

  describe("requireApprovals", () => {
    it("error: a verifier may demand more approvers than the deployment states", () => {
      notMet(
        () => checkApprovalQuorum({ orgId: 1, attestations: [approval(ANA), approval(BEN)], model: MODEL, policy, requireApprovals: 3 }),
        /needs 3 distinct approvers .*; 2 approved/,
      );
      assert.equal(
        checkApprovalQuorum({ orgId: 1, attestations: [approval(ANA), approval(BEN), approval(CHO)], model: MODEL, policy, requireApprovals: 3 }).required,
        3,
      );
    });

    it("behavior: it never lowers the policy's threshold", () => {
      notMet(() => checkApprovalQuorum({ orgId: 1, attestations: [approval(ANA)], model: MODEL, policy, requireApprovals: 1 }), /needs 2 distinct approvers/);
      assert.equal(checkApprovalQuorum({ orgId: 1, attestations: [approval(ANA), approval(BEN)], model: MODEL, policy, requireApprovals: 0 }).required, 2);
    });
  });
});
