import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import Ajv2020 from "ajv/dist/2020.js";
import { InputError } from "../src/errors/input.js";
import { MAX_PROOF_LENGTH, parseReceipt } from "../src/receipt.js";
import { createRecord, leafOfRecord, parseRecord, recordHash } from "../src/record.js";

const schema = (name: string) => JSON.parse(readFileSync(new URL(`../schemas/${name}`, import.meta.url), "utf8"));
const ajv = new Ajv2020.default({ strict: true, allErrors: true });
ajv.addSchema(schema("record-v1.schema.json"));
const validateReceipt = ajv.compile(schema("receipt-v1.schema.json"));
const validateRecord = ajv.getSchema("https://provenance-ledger.dev/schemas/record-v1.schema.json")!;

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
  anchor: { chainId: 31337, registry: `0x${"5f".repeat(20)}`, orgId: 1, sequence: 1, txHash: h("66"), blockNumber: 7, blockHash: h("77"), timestamp: 1_764_000_000 },
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
  it("error: a record that is not a v1 record", () => {
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
    assert.throws(() => parseRecord({ ...record, fields: { note: "\ud800" } }), (e: unknown) => e instanceof InputError && /lone surrogate/.test(e.message));
    assert.throws(() => parseRecord({ ...record, fields: { epochs: 2 ** 53 + 2 } }), (e: unknown) => e instanceof InputError && /2\^53/.test(e.message));
  });

  it("error: refuses a bad type and a mismatched artifact hashing", () => {
    assert.throws(() => parseRecord({ ...record, type: "Model Registered" }), (e: unknown) => e instanceof InputError && e.path === "record.type");
    assert.throws(
      () => parseRecord({ ...record, subject: { ...record.subject, artifact: { kind: "directory", hashing: "sha256", size: 1, files: 1 } } }),
      (e: unknown) => e instanceof InputError && e.path === "record.subject.artifact.hashing",
    );
  });
});

describe("frozen receipt vector (test/vectors/receipt-v1.json)", () => {
  const vector = JSON.parse(readFileSync(new URL("./vectors/receipt-v1.json", import.meta.url), "utf8"));

  it("default: still parses, validates against the schema, and its leaf and proof check offline", async () => {
    const { processProof } = await import("../src/merkle/proof.js");
    const r = parseReceipt(vector.receipt);
    assert.equal(validateReceipt(vector.receipt), true, JSON.stringify(validateReceipt.errors));
    assert.equal(recordHash(r.record!), vector.expected.recordHash);
    assert.equal(leafOfRecord(r.record!), vector.expected.leaf);
    assert.equal(processProof(r.leaf, r.proof), vector.expected.root);
  });
});
