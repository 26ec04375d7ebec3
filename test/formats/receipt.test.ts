import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import Ajv2020 from "ajv/dist/2020.js";
import { InputError } from "../../src/core/errors/input.js";
import { createHash } from "node:crypto";
import { canonicalJson } from "../../src/core/canonicalJson.js";
import { VerificationError } from "../../src/core/errors/verification.js";
import { MAX_PROOF_LENGTH, parseReceipt, receiptEntry } from "../../src/formats/receipt.js";
import { checkHashingVersion } from "../../src/verify/artifact.js";
import { createRecord, leafOfRecord, parseRecord, recordHash } from "../../src/formats/record.js";
import { exampleAnchor } from "../helpers/bundleSchemas.js";

const schema = (name: string) => JSON.parse(readFileSync(new URL(`../../schemas/${name}`, import.meta.url), "utf8"));
const ajv = new Ajv2020.default({ strict: true, allErrors: true });
ajv.addSchema(schema("record-v1.schema.json"));
ajv.addSchema(schema("record-v2.schema.json"));
const validateReceipt = ajv.compile(schema("receipt-v1.schema.json"));
const validateRecord = ajv.getSchema("https://provenance-ledger.dev/schemas/record-v2.schema.json")!;
const validateRecordV1 = ajv.getSchema("https://provenance-ledger.dev/schemas/record-v1.schema.json")!;

const h = (byte: string) => `0x${byte.repeat(32)}`;
const record = createRecord({
  subject: { name: "acme/detector", version: "1.0.0", digest: { sha256: "ab".repeat(32) }, artifact: { kind: "file", hashing: "sha256", size: 10, files: 1 } },
  createdAt: new Date("2026-11-24T12:00:00.000Z"),
});
const valid = () => ({
  format: "provenance-receipt-v1",
  record: structuredClone(record),
  leaf: leafOfRecord(record),
  proof: [h("11"), h("22")],
  root: h("33"),
  batch: { leafCount: 3, metadataHash: h("44") },
  anchor: exampleAnchor(),
});

/** Asserts `mutate(receipt)` is refused with `code`, naming `path`. */
function refused(mutate: (r: any) => unknown, code: string, path: string | RegExp): void {
  const r = valid();
  const input = mutate(r) ?? r;
  assert.throws(
    () => parseReceipt(typeof input === "string" ? input : JSON.stringify(input)),
    (e: unknown) => {
      assert.ok(e instanceof InputError, `expected InputError, got ${e}`);
      assert.equal(e.code, code);
      if (typeof path === "string") assert.equal(e.path, path);
      else assert.match(e.message, path);
      return true;
    },
  );
  if (typeof input !== "string") assert.equal(validateReceipt(input), false, "the JSON Schema must refuse it too");
}

describe("parseReceipt", () => {
  it("default: parses a well-formed receipt, and the JSON Schema accepts it", () => {
    const r = parseReceipt(JSON.stringify(valid()));
    assert.equal(r.anchor.blockNumber, 7);
    assert.deepEqual(r.record, record);
    assert.equal(validateReceipt(valid()), true, JSON.stringify(validateReceipt.errors));
  });

  it("behavior: lower-cases hex so comparisons are exact", () => {
    const r = parseReceipt({ ...valid(), root: h("AB") });
    assert.equal(r.root, h("ab"));
  });

  it("error: malformed JSON", () => refused(() => '{"format": "provenance-receipt-v1",', "INVALID_JSON", /not valid JSON/));
  it("error: unknown format version", () => refused((r) => void (r.format = "provenance-receipt-v2"), "UNSUPPORTED_FORMAT", "receipt.format"));
  it("error: odd-length hex", () => refused((r) => void (r.proof[1] = `${h("22")}0`), "INVALID_HEX", "receipt.proof[1]"));
  it("error: wrong-length hex", () => refused((r) => void (r.root = "0x1234"), "INVALID_HEX", "receipt.root"));
  it("error: non-hex characters", () => refused((r) => void (r.leaf = `0x${"zz".repeat(32)}`), "INVALID_HEX", "receipt.leaf"));
  it("error: hex without 0x", () => refused((r) => void (r.anchor.txHash = "66".repeat(32)), "INVALID_HEX", "receipt.anchor.txHash"));
  it("error: a registry that is not 20 bytes", () => refused((r) => void (r.anchor.registry = h("55")), "INVALID_HEX", "receipt.anchor.registry"));
  it("error: a proof longer than 64 elements", () =>
    refused((r) => void (r.proof = Array.from({ length: MAX_PROOF_LENGTH + 1 }, () => h("11"))), "INVALID_RECEIPT", "receipt.proof"));
  it("error: a proof that is not an array", () => refused((r) => void (r.proof = h("11")), "INVALID_RECEIPT", "receipt.proof"));
  it("error: unknown and missing fields", () => {
    refused((r) => void (r.anchor.extra = 1), "INVALID_RECEIPT", "receipt.anchor.extra");
    refused((r) => void delete r.anchor.blockHash, "INVALID_RECEIPT", "receipt.anchor.blockHash");
  });
  it("error: numbers out of range or not integers", () => {
    refused((r) => void (r.anchor.chainId = 0), "INVALID_RECEIPT", "receipt.anchor.chainId");
    refused((r) => void (r.anchor.blockNumber = 1.5), "INVALID_RECEIPT", "receipt.anchor.blockNumber");
    refused((r) => void (r.anchor.blockNumber = "7"), "INVALID_RECEIPT", "receipt.anchor.blockNumber");
    refused((r) => void (r.batch.leafCount = 2 ** 32), "INVALID_RECEIPT", "receipt.batch.leafCount");
    refused((r) => void (r.anchor.timestamp = 2 ** 60), "NUMBER_OUT_OF_RANGE", "$.anchor.timestamp"); // refused by the strict parser, before the receipt is read
  });
  it("error: a record that is not a v1 or v2 record", () => {
    refused((r) => void (r.record.format = "provenance-record-v0"), "UNSUPPORTED_FORMAT", "receipt.record.format");
    refused((r) => void (r.record!.subject.digest.sha256 = "AB".repeat(32)), "INVALID_RECORD", "receipt.record.subject.digest.sha256");
    refused((r) => void (r.record.createdAt = "2026-11-24"), "INVALID_RECORD", "receipt.record.createdAt");
  });
});

describe("records", () => {
  it("default: the record hash is SHA-256 over the canonical JSON, independent of key order", () => {
    const reordered = JSON.parse(JSON.stringify({ subject: record.subject, createdAt: record.createdAt, type: record.type, format: record.format }));
    assert.equal(recordHash(parseRecord(reordered)), recordHash(record));
    assert.equal(validateRecord(record), true);
  });

  it("behavior: any change to the record changes its leaf", () => {
    const other = parseRecord({ ...record, subject: { ...record.subject, version: "1.0.1" } });
    assert.notEqual(leafOfRecord(other), leafOfRecord(record));
  });

  it("error: refuses fields JCS cannot represent (lone surrogates, numbers beyond 2^53)", () => {
    assert.throws(
      () => parseRecord({ ...record, fields: { note: "\ud800" } }),
      (e: unknown) => e instanceof InputError && /lone surrogate/.test(e.message),
    );
    assert.throws(
      () => parseRecord({ ...record, fields: { epochs: 2 ** 53 + 2 } }),
      (e: unknown) => e instanceof InputError && /2\^53/.test(e.message),
    );
  });

  it("error: refuses a bad type and a mismatched artifact hashing", () => {
    assert.throws(
      () => parseRecord({ ...record, type: "Model Registered" }),
      (e: unknown) => e instanceof InputError && e.path === "record.type",
    );
    assert.throws(
      () => parseRecord({ ...record, subject: { ...record.subject, artifact: { kind: "directory", hashing: "sha256", size: 1, files: 1 } } }),
      (e: unknown) => e instanceof InputError && e.path === "record.subject.artifact.hashing",
    );
  });
});

describe("record formats: v2 binds the kind, v1 is read and refused by verifiers", () => {
  it("default: createRecord makes a v2 record, which the v2 schema accepts", () => {
    assert.equal(record.format, "provenance-record-v2");
    assert.equal(validateRecord(record), true, JSON.stringify(validateRecord.errors));
  });

  it("error: a v2 record without subject.artifact (the kind) is refused, naming the field; the schema agrees", () => {
    const { artifact: _artifact, ...subject } = record.subject;
    const bare = { ...record, subject };
    assert.throws(
      () => parseRecord(bare),
      (e: unknown) => e instanceof InputError && e.code === "INVALID_RECORD" && e.path === "record.subject.artifact",
    );
    assert.equal(validateRecord(bare), false);
  });

  it("error: a v2 directory hashed with the v1 manifest is refused (hashing must be provenance-model-manifest-v2)", () => {
    const v1Hashing = {
      ...record,
      subject: { ...record.subject, artifact: { kind: "directory", hashing: "provenance-model-manifest-v1", size: 1, files: 1 } },
    };
    assert.throws(
      () => parseRecord(v1Hashing),
      (e: unknown) => e instanceof InputError && e.path === "record.subject.artifact.hashing" && /provenance-model-manifest-v2/.test(e.message),
    );
    assert.equal(validateRecord(v1Hashing), false);
  });

  it("behavior: a v1 record still parses under v1 rules (artifact optional, -v1 hashing) and keeps its format and hash", () => {
    const v1 = {
      format: "provenance-record-v1",
      type: "model-registered",
      subject: { name: "m", version: "1", digest: { sha256: "cd".repeat(32) } },
      createdAt: "2026-11-24T00:00:00.000Z",
    };
    const parsed = parseRecord(JSON.parse(JSON.stringify(v1)));
    assert.equal(parsed.format, "provenance-record-v1");
    assert.equal(recordHash(parsed), `0x${createHash("sha256").update(canonicalJson(v1)).digest("hex")}`);
    assert.equal(validateRecordV1(v1), true);
    const dir = { ...v1, subject: { ...v1.subject, artifact: { kind: "directory", hashing: "provenance-model-manifest-v1", size: 2, files: 2 } } };
    assert.equal(parseRecord(dir).subject.artifact?.hashing, "provenance-model-manifest-v1");
  });

  it("error: hashing-version for a v1 record (named by its format, saying to re-record)", () => {
    const v1 = parseRecord({
      format: "provenance-record-v1",
      type: "model-registered",
      subject: { name: "m", version: "1", digest: { sha256: "cd".repeat(32) } },
      createdAt: "2026-11-24T00:00:00.000Z",
    });
    assert.throws(
      () => checkHashingVersion({ kind: "record", record: v1 }),
      (e: unknown) => e instanceof VerificationError && e.check === "hashing-version" && /provenance-record-v1/.test(e.message) && /re-record/.test(e.message),
    );
    assert.doesNotThrow(() => checkHashingVersion({ kind: "record", record }));
  });

  const frozen = JSON.parse(readFileSync(new URL("../vectors/record-v2.json", import.meta.url), "utf8")) as {
    records: { name: string; record: unknown; canonical: string; recordHash: string }[];
  };
  for (const vector of frozen.records) {
    it(`behavior: frozen record-v2 vector (${vector.name}) parses, validates, and hashes to its frozen id`, () => {
      const parsed = parseRecord(vector.record);
      assert.equal(canonicalJson(parsed), vector.canonical);
      assert.equal(recordHash(parsed), vector.recordHash);
      assert.equal(validateRecord(vector.record), true, JSON.stringify(validateRecord.errors));
    });
  }
});

describe("frozen receipt vector (test/vectors/receipt-v1.json)", () => {
  const vector = JSON.parse(readFileSync(new URL("../vectors/receipt-v1.json", import.meta.url), "utf8"));

  it("default: still parses, validates against the schema, and its leaf and proof check offline", async () => {
    const { processProof } = await import("../../src/merkle/proof.js");
    const r = parseReceipt(vector.receipt);
    assert.equal(validateReceipt(vector.receipt), true, JSON.stringify(validateReceipt.errors));
    assert.equal(recordHash(r.record!), vector.expected.recordHash);
    assert.equal(leafOfRecord(r.record!), vector.expected.leaf);
    assert.equal(processProof(r.leaf, r.proof), vector.expected.root);
  });

  it("error: the frozen v1 receipt is refused by verifiers with hashing-version (model hashing v1), before any chain access", async () => {
    const r = parseReceipt(vector.receipt);
    assert.equal(r.record!.format, "provenance-record-v1");
    assert.throws(
      () => checkHashingVersion(receiptEntry(r)),
      (e: unknown) => e instanceof VerificationError && e.check === "hashing-version" && /model hashing v1/.test(e.message),
    );
  });
});
