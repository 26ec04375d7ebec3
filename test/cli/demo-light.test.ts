import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { describe, it } from "node:test";
import { main } from "../../src/cli/main.js";
import { testValidators } from "../../src/local/qbftDevNode/sealer.js";
import { parseQbftTrust } from "../../src/verify/lightclient/trustFile.js";

// `provenance demo --trust-mode light`: the whole demo on the embedded chain presented as a QBFT
// chain (real EDR chain, headers sealed by four test validators), every verification in light mode.

async function demo(args: string[]): Promise<{ code: number; document: any; stderr: string }> {
  let stdout = "";
  let stderr = "";
  // Under --json the narration goes to the process's stderr: captured here.
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  try {
    const code = await main(["demo", ...args, "--json"], { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
    return { code, document: JSON.parse(stdout), stderr };
  } finally {
    process.stderr.write = write;
  }
}

describe("demo in light mode", () => {
  it("default: --trust-mode light runs the whole pipeline; every verdict says trust mode light, the tamperings and a lying node are refused", async () => {
    const { code, document, stderr } = await demo(["--trust-mode", "light"]);
    assert.equal(code, 0, stderr);
    assert.equal(document.ok, true);
    assert.equal(document.trustMode, "light");
    const step = (n: number) => document.steps.find((s: { step: number }) => s.step === n);
    assert.deepEqual(
      document.steps.map((s: { step: number }) => s.step),
      [1, 2, 3, 4, 5, 6, 7, 8, 9],
    );

    // The verifier's pin: the test node's four validators at genesis, in a trust file it reads back.
    const trust = parseQbftTrust(JSON.parse(await readFile(step(1).validatorTrustFile, "utf8")));
    assert.deepEqual(
      trust.validators,
      testValidators(4)
        .map((v) => v.address)
        .sort(),
    );
    assert.equal(trust.block.number, 0);
    assert.equal(trust.registry, document.registry.toLowerCase());

    // Step 6: verified, proven against headers sealed by that set (walked from genesis).
    assert.equal(step(6).verdict, "verified");
    assert.equal(step(6).trustMode, "light");
    assert.equal(step(6).trusted.trustMode, "light");
    assert.deepEqual(step(6).trusted.validators, trust.validators);
    assert.equal(step(6).trusted.checkpoint.number, 0);
    assert.ok(step(6).trusted.headersVerified >= 5, `walked ${step(6).trusted.headersVerified} headers`);
    assert.equal(step(6).trusted.head.number, step(6).trusted.headersVerified);

    // Step 7: every tampering refused, in light mode, each by a named check.
    const refusals = step(7).refusals;
    assert.equal(refusals.length, 5);
    for (const r of refusals) {
      assert.equal(r.refused, true, r.input);
      assert.equal(r.trustMode, "light", r.input);
      assert.equal(typeof r.check, "string", r.input);
    }
    assert.deepEqual(
      refusals.map((r: { check: string }) => r.check),
      ["artifact-digest", "signature", "approval-quorum", "lineage", "lineage-reference"],
    );

    // Step 8: the revocation read from proven storage at a newer verified head; a node hiding it is refused.
    assert.equal(step(8).verdictAfter, "derived-from-revoked");
    assert.equal(step(8).seenOnChain, true);
    assert.equal(step(8).trustMode, "light");
    assert.deepEqual(step(8).lyingNode, { refused: true, check: "storage-proof" });
    assert.equal(document.afterRevocation.verdict, "derived-from-revoked");
    assert.equal(step(9).detected, true);

    // The narration names the trust mode in each verdict.
    // The first verdict starts from the pinned validators, the second from the checkpoint the first saved: each says which.
    assert.equal((stderr.match(/trust mode: light: trusted the 4 pinned QBFT validators .* from pinned block 0,/g) ?? []).length, 1, stderr);
    assert.equal(
      (stderr.match(/trust mode: light: trusted the checkpoint the demo saved at block \d+ .* from checkpoint block \d+,/g) ?? []).length,
      1,
      stderr,
    );
    assert.equal((stderr.match(/NOT VERIFIED in trust mode light/g) ?? []).length, 6, stderr);
    assert.match(stderr, /matches commitment .* trust mode light\)/);
  });

  it("error: --trust-mode quorum is refused by name (the demo runs rpc or light)", async () => {
    const { code, document } = await demo(["--trust-mode", "quorum"]);
    assert.equal(code, 2);
    assert.equal(document.error.code, "INVALID_ARGUMENT");
    assert.match(document.error.message, /rpc or light/);
  });
});
