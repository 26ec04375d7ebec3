// The verifier's pins file, version 2: version 1 plus the QBFT validator trust for light mode.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import Ajv2020 from "ajv/dist/2020.js";
import { InputError } from "../../src/core/errors/input.js";
import { TRUST_FORMAT, TRUST_FORMAT_V2, parseTrustFile } from "../../src/verify/trustFile.js";

const schema = (name: string) => JSON.parse(readFileSync(new URL(`../../schemas/${name}`, import.meta.url), "utf8"));
const ajv = new Ajv2020.default({ strict: true, allErrors: true });
ajv.addSchema(schema("qbft-trust-v1.schema.json"));
const validate = ajv.compile(schema("trust-v2.schema.json"));
const vector = JSON.parse(readFileSync(new URL("../vectors/trust-v2.json", import.meta.url), "utf8")) as Record<string, unknown>;
const refused = (value: unknown, path: string) =>
  assert.throws(
    () => parseTrustFile(value),
    (e: unknown) => e instanceof InputError && e.code === "INVALID_ARGUMENT" && e.path === path,
    path,
  );

describe("trust files (provenance-trust-v2: the QBFT validator trust embedded)", () => {
  it("default: the frozen v2 vector matches its schema and parses, with the validators of the embedded provenance-qbft-trust-v1", () => {
    assert.equal(validate(vector), true, JSON.stringify(validate.errors));
    const trust = parseTrustFile(vector);
    assert.equal(trust.format, TRUST_FORMAT_V2);
    assert.equal(trust.qbft?.validators.length, 4);
    assert.equal(trust.qbft?.block.number, 7528);
  });
  it("behavior: a v2 file without qbft is version 1 with another format name; v1 files still load (and still refuse qbft)", () => {
    const { qbft: _, ...plain } = vector;
    assert.equal(validate(plain), true);
    assert.equal(parseTrustFile(plain).qbft, undefined);
    const v1 = { ...plain, format: TRUST_FORMAT };
    assert.equal(parseTrustFile(v1).format, TRUST_FORMAT);
    refused({ ...v1, qbft: vector.qbft }, "trust.qbft");
  });
  it("error: validators for another chain or registry than the file pins, and a malformed embedded trust, are refused naming the field", () => {
    refused({ ...vector, chainId: 1 }, "trust.qbft.chainId");
    refused({ ...vector, registry: `0x${"11".repeat(20)}` }, "trust.qbft.registry");
    refused({ ...vector, qbft: { ...(vector.qbft as object), validators: [] } }, "trust.qbft.validators");
    assert.equal(validate({ ...vector, qbft: { ...(vector.qbft as object), validators: [] } }), false);
  });
  it("error: a malformed embedded trust's message names its field once", () => {
    const qbft = vector.qbft as { validatorSelection: object };
    assert.throws(
      () => parseTrustFile({ ...vector, qbft: { ...qbft, validatorSelection: { ...qbft.validatorSelection, note: 1 } } }, "trust file t.json"),
      (e: unknown) =>
        e instanceof InputError && e.code === "INVALID_ARGUMENT" && e.shortMessage === "trust file t.json.qbft.validatorSelection.note: unknown field",
    );
  });
});
