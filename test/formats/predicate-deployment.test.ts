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

const { validateSchema, tampered, refused } = predicateCase("deployment", DEPLOYMENT_PREDICATE_TYPE, parseDeploymentPredicate, example);

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
    refused(
      tampered((p) => (p.region = "eu-west-1")),
      "predicate.region",
    );
    refused(
      tampered((p) => (p.target.port = 443)),
      "predicate.target.port",
    );
    refused(
      tampered((p) => (p.deployer.email = "bot@acme.example")),
      "predicate.deployer.email",
    );
    refused(
      tampered((p) => (p.approvalPolicy.of = 3)),
      "predicate.approvalPolicy.of",
    );
  });

  it("error: a threshold that is not an integer from 1 to 100", () => {
    for (const threshold of [0, -1, 101, 1.5, "2", null])
      refused(
        tampered((p) => (p.approvalPolicy.threshold = threshold)),
        "predicate.approvalPolicy.threshold",
      );
  });

  it("error: environment, roles and policy id that would not compare exactly", () => {
    for (const environment of ["Production", "prod env", "", "production_eu"])
      refused(
        tampered((p) => (p.environment = environment)),
        "predicate.environment",
      );
    refused(
      tampered((p) => (p.approvalPolicy.role = "Approver")),
      "predicate.approvalPolicy.role",
    );
    refused(
      tampered((p) => (p.deployer.role = "release manager")),
      "predicate.deployer.role",
    );
    refused(
      tampered((p) => (p.approvalPolicy.id = "eu ai act")),
      "predicate.approvalPolicy.id",
    );
  });

  it("error: wrong types", () => {
    refused(
      tampered((p) => (p.target = "claims-triage-api")),
      "predicate.target",
    );
    refused(
      tampered((p) => (p.target.uri = "claims.acme.example")),
      "predicate.target.uri",
    );
    refused(
      tampered((p) => (p.approvals = APPROVAL_1)),
      "predicate.approvals",
    );
    refused(
      tampered((p) => (p.approvals = [])),
      "predicate.approvals",
    );
  });

  it("error: an approval that is not an entry id", () => {
    for (const id of [APPROVAL_1.toUpperCase().replace("0X", "0x"), APPROVAL_1.slice(2), APPROVAL_1.slice(0, -1), `${APPROVAL_1}00`, 7])
      refused(
        tampered((p) => (p.approvals[1] = id)),
        "predicate.approvals[1]",
      );
  });

  it("error: the same approval listed twice", () => {
    refused(
      tampered((p) => (p.approvals[1] = APPROVAL_1)),
      "predicate.approvals[1]",
    );
  });

  it("error: a bad timestamp", () => {
    for (const at of ["2026-11-24T09:00:00", "2026-11-24T09:00:60Z", "now"])
      refused(
        tampered((p) => (p.deployedAt = at)),
        "predicate.deployedAt",
      );
    refusedToCreate(() => createDeploymentPredicate({ ...example, deployedAt: new Date(Number.NaN) }), "predicate.deployedAt");
  });
});
