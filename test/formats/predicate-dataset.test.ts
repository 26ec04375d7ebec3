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

const { validateSchema, tampered, refused } = predicateCase("dataset", DATASET_PREDICATE_TYPE, parseDatasetPredicate, example);

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
    refused(
      tampered((p) => (p.owner = "acme")),
      "predicate.owner",
    );
    refused(
      tampered((p) => (p.source.region = "eu-west-1")),
      "predicate.source.region",
    );
    refused(
      tampered((p) => (p.content.hashing = "sha256")),
      "predicate.content.hashing",
    );
    refused(
      tampered((p) => (p.licence.url = "https://acme.example/policy")),
      "predicate.licence.url",
    );
    refused(
      tampered((p) => (p.licence.document.version = "3")),
      "predicate.licence.document.version",
    );
    refused(
      tampered((p) => (p.consent[0].signedBy = "claimant")),
      "predicate.consent[0].signedBy",
    );
    refused(
      tampered((p) => (p.accessEvents[1].ip = "10.0.0.7")),
      "predicate.accessEvents[1].ip",
    );
  });

  it("error: wrong types and out-of-range values", () => {
    refused(
      tampered((p) => (p.personalData = "yes")),
      "predicate.personalData",
    );
    refused(
      tampered((p) => (p.content.files = "12400")),
      "predicate.content.files",
    );
    refused(
      tampered((p) => (p.content.files = 0)),
      "predicate.content.files",
    );
    refused(
      tampered((p) => (p.content.size = -1)),
      "predicate.content.size",
    );
    refused(
      tampered((p) => (p.content.size = 2 ** 53)),
      "predicate.content.size",
    );
    refused(
      tampered((p) => (p.content.kind = "archive")),
      "predicate.content.kind",
    );
    refused(
      tampered((p) => (p.accessEvents = { 0: p.accessEvents[0] })),
      "predicate.accessEvents",
    );
    refused(
      tampered((p) => (p.accessEvents = [])),
      "predicate.accessEvents",
    );
    refused(
      tampered((p) => (p.accessEvents[1].action = "anonymised")),
      "predicate.accessEvents[1].action",
    );
    refused(
      tampered((p) => (p.consent = [])),
      "predicate.consent",
    );
    refused(
      tampered((p) => (p.source.uri = "tickets/2026-10")),
      "predicate.source.uri",
    );
    refused(
      tampered((p) => (p.version = "")),
      "predicate.version",
    );
  });

  it("error: a bad digest", () => {
    refused(
      tampered((p) => (p.licence.document.digest.sha256 = POLICY.toUpperCase())),
      "predicate.licence.document.digest.sha256",
    );
    refused(
      tampered((p) => (p.consent[0].digest = { md5: "ab".repeat(16) })),
      "predicate.consent[0].digest.sha256",
    );
    refused(
      tampered((p) => (p.consent[0].digest.sha256 = CONSENT.slice(2))),
      "predicate.consent[0].digest.sha256",
    );
  });

  it("error: a bad timestamp", () => {
    refused(
      tampered((p) => (p.source.collectedAt = "2026-10-01")),
      "predicate.source.collectedAt",
    );
    refused(
      tampered((p) => (p.accessEvents[2].at = "2026-11-20T08:00:00.000+00:00")),
      "predicate.accessEvents[2].at",
    );
    refused(
      tampered((p) => (p.accessEvents[2].at = "2026-11-31T08:00:00Z")),
      "predicate.accessEvents[2].at",
    );
    refusedToCreate(
      () => createDatasetPredicate({ ...example, source: { uri: example.source.uri, collectedAt: new Date(Number.NaN) }, accessEvents: [] }),
      "predicate.source.collectedAt",
    );
  });

  it("error: a licence with neither spdxId nor document", () => {
    refused(
      tampered((p) => (p.licence = { name: "Acme data use policy" })),
      "predicate.licence",
    );
  });

  it("error: a licence expression that is not SPDX", () => {
    for (const spdxId of ["MIT/Apache-2.0", "Apache 2.0 ", "", "MIT, Apache-2.0"])
      refused(
        tampered((p) => (p.licence.spdxId = spdxId)),
        "predicate.licence.spdxId",
      );
    // The schema checks the characters only; the grammar is the parser's.
    for (const spdxId of [
      "MIT and Apache-2.0",
      "MIT OR",
      "(MIT",
      "MIT)",
      "MIT WITH",
      "(MIT OR Apache-2.0) WITH Classpath-exception-2.0",
      "Apache 2.0",
      "LicenseRef-x+",
      "AND",
    ])
      refused(
        tampered((p) => (p.licence.spdxId = spdxId)),
        "predicate.licence.spdxId",
        false,
      );
  });

  it("error: a file that claims more than one file", () => {
    refused(
      tampered((p) => (p.content = { kind: "file", files: 3, size: 10 })),
      "predicate.content.files",
    );
  });

  it("error: access events out of time order (parser only)", () => {
    refused(
      tampered((p) => (p.accessEvents[2].at = "2026-10-03T09:11:59.999Z")),
      "predicate.accessEvents[2].at",
      false,
    );
    refused(
      tampered((p) => p.accessEvents.reverse()),
      "predicate.accessEvents[1].at",
      false,
    );
  });
});
