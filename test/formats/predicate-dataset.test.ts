import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { predicateCase, refusedToCreate } from "../helpers/predicateHarness.js";
import { DATASET_PREDICATE_TYPE, createDatasetPredicate, parseDatasetPredicate } from "../../src/formats/predicates/dataset.js";

const POLICY = "be0e18a54db9c6d50927957dac1fcabe72e3e20884721075b3139c58fb6ced10";
const CONSENT = "ad62981ea45c5a6e3f054366d3a55f36a80acc94bba8202026befe2958aecf90";

const example = createDatasetPredicate({
  name: "acme/claims-tickets",
  version: "2026-10",
  description: "Insurance claim tickets with the adjuster's decision, used to train and evaluate the claims-triage model.",
  source: { uri: "s3://acme-claims/tickets/2026-10/", collectedFrom: "claims handling system (EU customers)", collectedAt: new Date("2026-10-01T00:00:00Z") },
  content: { kind: "directory", files: 12_400, size: 3_221_225_472 },
  licence: { spdxId: "LicenseRef-acme-internal", name: "Acme data use policy", document: { name: "data-use-policy-2026.pdf", digest: { sha256: POLICY } } },
  consent: [{ name: "claims-consent-v4.pdf", digest: { sha256: CONSENT }, scope: "model training and evaluation" }],
  personalData: true,
  accessEvents: [
    { actor: "ingest-service", action: "collected", at: new Date("2026-10-01T00:00:00Z"), purpose: "monthly export" },
    {
      actor: "data-eng@acme.example",
      action: "transformed",
      at: new Date("2026-10-03T09:12:00Z"),
      purpose: "pseudonymisation of claimant names and policy numbers",
    },
    { actor: "trainer@gpu-cluster-a", action: "read", at: new Date("2026-11-20T08:00:00Z"), purpose: "training acme/claims-triage 1.4.0" },
  ],
});

const { validateSchema, tampered, refused, refusedAt, refusedEach } = predicateCase("dataset", DATASET_PREDICATE_TYPE, parseDatasetPredicate, example);

describe("dataset predicate", () => {
  it("behavior: accepts SPDX licence expressions", () => {
    const expressions = [
      "MIT",
      "CC-BY-4.0",
      "Apache-2.0 OR MIT",
      "(MIT AND BSD-3-Clause) OR Apache-2.0",
      "MIT AND (BSD-3-Clause OR Apache-2.0) AND CC0-1.0",
      "GPL-2.0-or-later WITH Classpath-exception-2.0",
      "GPL-2.0+",
      "LicenseRef-acme-internal",
      "DocumentRef-spdx-tool-1.2:LicenseRef-MIT-Style-2",
      "((MIT))",
    ];
    for (const spdxId of expressions) {
      const input = tampered((p) => (p.licence = { spdxId }));
      assert.deepEqual(parseDatasetPredicate(input).licence, { spdxId }, spdxId);
      assert.equal(validateSchema(input), true, spdxId);
    }
  });

  it("behavior: a licence document alone will do; minimal predicate; a single file", () => {
    const minimal = {
      name: "acme/faq",
      source: { uri: "https://acme.example/faq" },
      content: { kind: "file", files: 1, size: 48_213 },
      licence: { document: { name: "terms.txt", digest: { sha256: POLICY } } },
      personalData: false,
      accessEvents: [{ actor: "crawler", action: "copied", at: "2026-10-01T00:00:00Z" }],
    };
    assert.deepEqual(parseDatasetPredicate(minimal), minimal);
    assert.equal(validateSchema(minimal), true, JSON.stringify(validateSchema.errors));
  });

  it("behavior: events at the same time, or ordered only by fractions of a second, are in order", () => {
    const input = tampered((p) => {
      p.accessEvents[1].at = "2026-10-01T00:00:00Z";
      p.accessEvents[2].at = "2026-10-01T00:00:00.000000001Z";
    });
    assert.deepEqual(parseDatasetPredicate(input), input);
  });

  it("error: unknown fields, at any depth", () => {
    refusedEach([
      ["owner", "acme"],
      ["source.region", "eu-west-1"],
      ["content.hashing", "sha256"],
      ["licence.url", "https://acme.example/policy"],
      ["licence.document.version", "3"],
      ["consent[0].signedBy", "claimant"],
      ["accessEvents[1].ip", "10.0.0.7"],
    ]);
  });

  it("error: wrong types and out-of-range values", () => {
    refusedEach([
      ["personalData", "yes"],
      ["content.files", "12400"],
      ["content.files", 0],
      ["content.size", -1],
      ["content.size", 2 ** 53],
      ["content.kind", "archive"],
      ["accessEvents", { 0: example.accessEvents[0] }],
      ["accessEvents", []],
      ["accessEvents[1].action", "anonymised"],
      ["consent", []],
      ["source.uri", "tickets/2026-10"],
      ["version", ""],
    ]);
  });

  it("error: a bad digest", () => {
    refusedEach([
      ["licence.document.digest.sha256", POLICY.toUpperCase()],
      ["consent[0].digest", { md5: "ab".repeat(16) }, "consent[0].digest.sha256"],
      ["consent[0].digest.sha256", CONSENT.slice(2)],
    ]);
  });

  it("error: a bad timestamp", () => {
    refusedAt("source.collectedAt", ["2026-10-01"]);
    refusedAt("accessEvents[2].at", ["2026-11-20T08:00:00.000+00:00", "2026-11-31T08:00:00Z"]);
    refusedToCreate(
      () => createDatasetPredicate({ ...example, source: { uri: example.source.uri, collectedAt: new Date(Number.NaN) }, accessEvents: [] }),
      "predicate.source.collectedAt",
    );
  });

  it("error: a licence with neither spdxId nor document", () => {
    refusedAt("licence", [{ name: "Acme data use policy" }]);
  });

  it("error: a licence expression that is not SPDX", () => {
    refusedAt("licence.spdxId", ["MIT/Apache-2.0", "Apache 2.0 ", "", "MIT, Apache-2.0"]);
    // The schema checks the characters only; the grammar is the parser's.
    const schemaCannotTell = [
      "MIT and Apache-2.0",
      "MIT OR",
      "(MIT",
      "MIT)",
      "MIT WITH",
      "(MIT OR Apache-2.0) WITH Classpath-exception-2.0",
      "Apache 2.0",
      "LicenseRef-x+",
      "AND",
    ];
    refusedAt("licence.spdxId", schemaCannotTell, false);
  });

  it("error: a file that claims more than one file", () => {
    refusedEach([["content", { kind: "file", files: 3, size: 10 }, "content.files"]]);
  });

  it("error: access events out of time order (parser only)", () => {
    refusedAt("accessEvents[2].at", ["2026-10-03T09:11:59.999Z"], false);
    refused(
      tampered((p) => p.accessEvents.reverse()),
      "predicate.accessEvents[1].at",
      false,
    );
  });
});
