import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { before, describe, it } from "node:test";
import Ajv2020 from "ajv/dist/2020.js";
import { generateKeyFile, publicKeyInfo, signerFromKeyFile } from "../../src/local/keys/keys.js";
import { EVALUATION_PREDICATE_TYPE, createEvaluationPredicate } from "../../src/formats/predicates/evaluation.js";
import { signStatement } from "../../src/formats/attestation/signStatement.js";
import { STATEMENT_TYPE } from "../../src/formats/attestation/statement.js";
import { parseBundle } from "../../src/formats/bundle.js";
import { attestationEntry, leafOfEntry } from "../../src/formats/entry.js";
import { InputError } from "../../src/core/errors/input.js";
import { parseReceipt } from "../../src/formats/receipt.js";
import { DEFAULT_VERIFICATION_POLICY, parseVerificationPolicy } from "../../src/verify/verificationPolicy.js";
import { bundleSchemaValidators, exampleAnchor, schema } from "../helpers/bundleSchemas.js";

// The JSON Schemas of receipts (record or envelope) and evidence bundles, checked against the
// parsers offline: what one refuses, the other refuses too. The bundle a real pipeline produces is
// validated in test/verify/attestation-chain.test.ts.

const { validateBundle, validateReceipt } = bundleSchemaValidators();

const h = (byte: string) => `0x${byte.repeat(32)}`;
const ed25519 = generateKeyFile("ed25519");
const secp256k1 = generateKeyFile("secp256k1");
let envelopeReceipt: any;
let bundle: any;

before(async () => {
  const predicate = createEvaluationPredicate({
    dataset: { name: "holdout", digest: { sha256: "cd".repeat(32) } },
    metrics: [{ name: "auc", value: 0.91 }],
    evaluatedAt: new Date("2026-11-24T12:00:00Z"),
  });
  const statement = {
    _type: STATEMENT_TYPE,
    subject: [{ name: "acme/detector", digest: { sha256: "ab".repeat(32) } }],
    predicateType: EVALUATION_PREDICATE_TYPE,
    predicate,
  } as const;
  const envelope = await signStatement(statement, [signerFromKeyFile(ed25519), signerFromKeyFile(secp256k1)]);
  envelopeReceipt = {
    format: "provenance-receipt-v1",
    envelope,
    leaf: leafOfEntry(attestationEntry(envelope)),
    proof: [h("11")],
    root: h("33"),
    batch: { leafCount: 2, metadataHash: h("44") },
    anchor: exampleAnchor(),
  };
  bundle = {
    format: "provenance-bundle-v1",
    subject: { name: "acme/detector", digest: { sha256: "ab".repeat(32) } },
    chain: { chainId: 31337, registry: `0x${"5f".repeat(20)}` },
    createdAt: "2026-11-24T12:00:01.123Z",
    keys: [publicKeyInfo(ed25519)],
    receipts: [envelopeReceipt],
  };
});

/** Asserts both the parser and the schema refuse `mutate(copy)`; the parser with `code`. */
function refusedByBoth(what: "receipt" | "bundle", mutate: (value: any) => void, code: string): void {
  const value = structuredClone(what === "receipt" ? envelopeReceipt : bundle);
  mutate(value);
  const validate = what === "receipt" ? validateReceipt : validateBundle;
  assert.equal(validate(value), false, `the ${what} schema must refuse it`);
  assert.throws(
    () => (what === "receipt" ? parseReceipt(JSON.stringify(value)) : parseBundle(JSON.stringify(value))),
    (e: unknown) => e instanceof InputError && e.code === code,
    `parse${what === "receipt" ? "Receipt" : "Bundle"} must refuse it with ${code}`,
  );
}

describe("schemas/receipt-v1.schema.json", () => {
  it("default: the frozen record receipt vector still validates", () => {
    const vector = JSON.parse(readFileSync(new URL("../vectors/receipt-v1.json", import.meta.url), "utf8"));
    assert.equal(validateReceipt(vector.receipt), true, JSON.stringify(validateReceipt.errors));
  });

  it("default: a receipt carrying a DSSE envelope validates and parses", () => {
    assert.equal(validateReceipt(envelopeReceipt), true, JSON.stringify(validateReceipt.errors));
    assert.deepEqual(parseReceipt(JSON.stringify(envelopeReceipt)).envelope, envelopeReceipt.envelope);
  });

  it("error: both record and envelope, or neither", () => {
    const vector = JSON.parse(readFileSync(new URL("../vectors/receipt-v1.json", import.meta.url), "utf8"));
    refusedByBoth("receipt", (r) => void (r.record = vector.receipt.record), "INVALID_RECEIPT");
    refusedByBoth("receipt", (r) => void delete r.envelope, "INVALID_RECEIPT");
  });

  it("error: an envelope that is not DSSE with an in-toto payload", () => {
    refusedByBoth("receipt", (r) => void (r.envelope.payloadType = "application/json"), "WRONG_PAYLOAD_TYPE");
    refusedByBoth("receipt", (r) => void (r.envelope.payload = `${r.envelope.payload.replace(/=+$/, "")}`), "INVALID_BASE64");
    refusedByBoth(
      "receipt",
      (r) => void (r.envelope.payload = r.envelope.payload.replace(/\+/g, "-").replace(/\//g, "_").replace(/^./, "-")),
      "INVALID_BASE64",
    );
    refusedByBoth("receipt", (r) => void (r.envelope.signatures = []), "INVALID_ENVELOPE");
    refusedByBoth("receipt", (r) => void (r.envelope.signatures[0].sig = "not base64!"), "INVALID_BASE64");
    refusedByBoth("receipt", (r) => void delete r.envelope.signatures[1].keyid, "INVALID_ENVELOPE");
  });
});

describe("schemas/bundle-v1.schema.json", () => {
  it("default: a bundle validates and parses", () => {
    assert.equal(validateBundle(bundle), true, JSON.stringify(validateBundle.errors));
    assert.equal(parseBundle(JSON.stringify(bundle)).receipts.length, 1);
  });

  it("behavior: a public key may carry its format, as key.pub.json files do", () => {
    const withFormat = { ...bundle, keys: [{ format: "provenance-public-key-v1", ...publicKeyInfo(ed25519) }] };
    assert.equal(validateBundle(withFormat), true, JSON.stringify(validateBundle.errors));
    assert.equal(parseBundle(JSON.stringify(withFormat)).keys[0]!.keyid, ed25519.keyid);
  });

  it("error: unknown format, no receipts, a bad digest, time or key", () => {
    refusedByBoth("bundle", (b) => void (b.format = "provenance-bundle-v3"), "UNSUPPORTED_FORMAT");
    refusedByBoth("bundle", (b) => void (b.receipts = []), "INVALID_BUNDLE");
    refusedByBoth("bundle", (b) => void (b.subject.digest.sha256 = "AB".repeat(32)), "INVALID_BUNDLE");
    refusedByBoth("bundle", (b) => void (b.createdAt = "2026-11-24 12:00:00"), "INVALID_BUNDLE");
    refusedByBoth("bundle", (b) => void (b.chain.chainId = 0), "INVALID_BUNDLE");
    refusedByBoth("bundle", (b) => void (b.keys[0].algorithm = "rsa"), "INVALID_KEY");
    refusedByBoth("bundle", (b) => void (b.keys[0].keyid = secp256k1.keyid), "INVALID_KEY");
    refusedByBoth("bundle", (b) => void (b.keys = [publicKeyInfo(secp256k1), { ...publicKeyInfo(secp256k1), publicKey: ed25519.publicKey }]), "INVALID_KEY");
  });

  it("error: a receipt in the bundle that the receipt schema refuses", () => {
    refusedByBoth("bundle", (b) => void (b.receipts[0].envelope.payloadType = "text/plain"), "WRONG_PAYLOAD_TYPE");
    refusedByBoth("bundle", (b) => void (b.receipts[0].proof[0] = "0x12"), "INVALID_HEX");
  });

  it("error: unknown fields, at every level (what is not understood is not signed off)", () => {
    refusedByBoth("bundle", (b) => void (b.note = "trust me"), "INVALID_BUNDLE");
    refusedByBoth("bundle", (b) => void (b.subject.version = "1.0.0"), "INVALID_BUNDLE");
    refusedByBoth("bundle", (b) => void (b.subject.digest.md5 = "00"), "INVALID_BUNDLE");
    refusedByBoth("bundle", (b) => void (b.chain.rpc = "http://127.0.0.1:8545"), "INVALID_BUNDLE");
  });
});

describe("schemas/verification-policy-v1.schema.json and parseVerificationPolicy", () => {
  const validatePolicy = new Ajv2020.default({ strict: true, allErrors: true }).compile(schema("verification-policy-v1.schema.json"));
  const example = {
    format: "provenance-verification-policy-v1",
    require: [["model-manifest"], ["training-run", "model-update"], ["sbom"], ["evaluation"], ["deployment"]],
    organisations: [1, 4],
    deployment: { roles: ["deployer"] },
    approvals: { minimum: 2, roles: ["approver"] },
    revocation: { organisations: [7] },
  };

  it("default: a full policy validates and parses to itself; the default policy validates too", () => {
    assert.equal(validatePolicy(example), true, JSON.stringify(validatePolicy.errors));
    assert.deepEqual(parseVerificationPolicy(JSON.stringify(example)), example);
    assert.equal(validatePolicy(DEFAULT_VERIFICATION_POLICY), true, JSON.stringify(validatePolicy.errors));
    assert.deepEqual(DEFAULT_VERIFICATION_POLICY.require, [["model-manifest"], ["training-run", "model-update"]]);
    assert.deepEqual(DEFAULT_VERIFICATION_POLICY.deployment.roles, ["deployer", "ml-pipeline"]);
  });

  it("error: both refuse unknown fields, unknown predicate names, bad roles and organisation ids, a missing deployment", () => {
    const refused = (mutate: (p: any) => void, path: string) => {
      const value = structuredClone(example) as any;
      mutate(value);
      assert.equal(validatePolicy(value), false, `the schema must refuse it (${path})`);
      assert.throws(
        () => parseVerificationPolicy(JSON.stringify(value)),
        (e: unknown) => e instanceof InputError && e.code === "INVALID_POLICY" && e.path === path,
        `parseVerificationPolicy must refuse it at ${path}`,
      );
    };
    refused((p) => (p.trustBundle = true), "policy.trustBundle");
    refused((p) => (p.require[1][0] = "training"), "policy.require[1][0]");
    refused((p) => (p.require[2] = []), "policy.require[2]");
    refused((p) => (p.deployment.roles = ["Deployer"]), "policy.deployment.roles[0]");
    refused((p) => (p.deployment.roles = []), "policy.deployment.roles");
    refused((p) => delete p.deployment, "policy.deployment");
    refused((p) => (p.organisations = [0]), "policy.organisations[0]");
    refused((p) => (p.organisations = [1, 1]), "policy.organisations");
    refused((p) => (p.revocation = {}), "policy.revocation.organisations");
    refused((p) => (p.approvals.minimum = 0), "policy.approvals.minimum");
  });

  it("error: another format is UNSUPPORTED_FORMAT; a duplicate key is refused by the strict parser", () => {
    assert.throws(
      () => parseVerificationPolicy({ ...example, format: "provenance-verification-policy-v2" }),
      (e: unknown) => e instanceof InputError && e.code === "UNSUPPORTED_FORMAT",
    );
    const text = JSON.stringify(example).replace('"require":', '"require":[],"require":');
    assert.throws(
      () => parseVerificationPolicy(text),
      (e: unknown) => e instanceof InputError && e.code === "DUPLICATE_KEY",
    );
  });
});
