import assert from "node:assert/strict";
import { describe, it } from "node:test";

describe("package exports", () => {
  it("default: the built package exports the SDK under its own name", async () => {
    const sdk = await import("provenance-ledger");
    for (const name of ["createRecord", "addRecord", "sealBatch", "anchorBatches", "buildReceipt", "verifyReceipt", "parseReceipt", "hashModel", "fromViem", "fromEthers", "buildMerkleTree", "processProof", "LedgerStore"])
      assert.equal(typeof (sdk as Record<string, unknown>)[name], "function", name);
    assert.equal(sdk.RECEIPT_FORMAT, "provenance-receipt-v1");
  });

  it("default: the light client is a platform-neutral subpath export, provenance-ledger/lightclient", async () => {
    const lightclient = await import("provenance-ledger/lightclient");
    for (const name of ["verifyQbftHeader", "walkQbftHeaders", "syncQbftHeaders", "parseQbftTrust", "verifyGetProof", "verifyReceiptProof", "verifyMptProof", "anchorSlot"])
      assert.equal(typeof (lightclient as Record<string, unknown>)[name], "function", name);
    assert.equal(lightclient.QBFT_TRUST_FORMAT, "provenance-qbft-trust-v1");
  });
});
