import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { predicateCase, refusedToCreate } from "../helpers/predicateHarness.js";
import { DEPLOYMENT_PREDICATE_TYPE, createDeploymentPredicate, parseDeploymentPredicate } from "../../src/formats/predicates/deployment.js";

const APPROVAL_1 = "0xb5e544e454ef78250f5c18b949868cb58a8918d22a1d04d8f1f634a0f1930b5b";
const APPROVAL_2 = "0x118ca434e72e5e418eabf71d5a069fb2afe643825293d35fa9de1a704b1abb47";

const example = createDeploymentPredicate({
  environment: "production",
  target: { name: "claims-triage-api", uri: "https://claims.acme.example/api/triage" },
  deployedAt: new Date("2026-11-24T09:00:00Z"),
  deployer: { name: "release-bot", role: "release-manager" },
  approvalPolicy: { id: "eu-ai-act/high-risk-release", threshold: 2, role: "approver" },
  approvals: [APPROVAL_1, APPROVAL_2],
});

const { validateSchema, tampered, refusedAt, refusedEach } = predicateCase("deployment", DEPLOYMENT_PREDICATE_TYPE, parseDeploymentPredicate, example);

describe("deployment predicate", () => {
  it("behavior: accepts a minimal deployment, and fewer approvals than the threshold (the verifier reports that)", () => {
    const minimal = {
      environment: "staging",
      target: { name: "claims-triage-api" },
      deployedAt: "2026-11-24T08:00:00Z",
      deployer: { name: "Jonas Weber" },
      approvalPolicy: { id: "internal/staging", threshold: 1, role: "ml-engineer" },
    };
    assert.deepEqual(parseDeploymentPredicate(minimal), minimal);
    assert.equal(validateSchema(minimal), true, JSON.stringify(validateSchema.errors));
    const short = tampered((p) => (p.approvalPolicy.threshold = 3));
    assert.deepEqual(parseDeploymentPredicate(short), short);
  });

  it("error: unknown fields, at any depth", () => {
    refusedEach([
      ["region", "eu-west-1"],
      ["target.port", 443],
      ["deployer.email", "bot@acme.example"],
      ["approvalPolicy.of", 3],
    ]);
  });

  it("error: a threshold that is not an integer from 1 to 100", () => {
    refusedAt("approvalPolicy.threshold", [0, -1, 101, 1.5, "2", null]);
  });

  it("error: environment, roles and policy id that would not compare exactly", () => {
    refusedAt("environment", ["Production", "prod env", "", "production_eu"]);
    refusedEach([
      ["approvalPolicy.role", "Approver"],
      ["deployer.role", "release manager"],
      ["approvalPolicy.id", "eu ai act"],
    ]);
  });

  it("error: wrong types", () => {
    refusedAt("target", ["claims-triage-api"]);
    refusedAt("target.uri", ["claims.acme.example"]);
    refusedAt("approvals", [APPROVAL_1, []]);
  });

  it("error: an approval that is not an entry id", () => {
    refusedAt("approvals[1]", [APPROVAL_1.toUpperCase().replace("0X", "0x"), APPROVAL_1.slice(2), APPROVAL_1.slice(0, -1), `${APPROVAL_1}00`, 7]);
  });

  it("error: the same approval listed twice", () => {
    refusedAt("approvals[1]", [APPROVAL_1]);
  });

  it("error: a bad timestamp", () => {
    refusedAt("deployedAt", ["2026-11-24T09:00:00", "2026-11-24T09:00:60Z", "now"]);
    refusedToCreate(() => createDeploymentPredicate({ ...example, deployedAt: new Date(Number.NaN) }), "predicate.deployedAt");
  });
});
