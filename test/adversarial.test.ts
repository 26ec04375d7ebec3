import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { BaseError } from "../src/errors/base.js";
import { CORPUS, type CorpusTarget } from "./adversarial/corpus.js";
import { createGenuineEvidence, type GenuineEvidence } from "./helpers/genuineEvidence.js";
import { type FuzzTarget, fuzzEvidence, runVerifierFuzz, verifierTargets } from "./helpers/verifierFuzz.js";

let evidence: GenuineEvidence;
let targets: Map<CorpusTarget, FuzzTarget>;

before(async () => {
  evidence = await createGenuineEvidence();
  targets = new Map(verifierTargets(fuzzEvidence(evidence), evidence.reader).map((t) => [t.name as CorpusTarget, t]));
});
after(async () => evidence?.close());

describe("adversarial corpus", () => {
  it("default: every genuine document verifies, and every case has a unique name", async () => {
    for (const t of targets.values()) for (const g of t.genuine) await t.verify(g);
    assert.equal(new Set(CORPUS.map((c) => c.name)).size, CORPUS.length);
  });

  for (const c of CORPUS)
    it(`error: ${c.name} is refused (${"check" in c.refusal ? `check ${c.refusal.check}` : c.refusal.code})`, async () => {
      const target = targets.get(c.target)!;
      const genuine = target.genuine.find((g) => !g.includes('"record"') || c.target !== "record receipt" || g.includes(evidence.fileModel.sha256)) ?? target.genuine[0]!;
      const attacked = await c.attack(JSON.parse(genuine), evidence);
      const text = typeof attacked === "string" ? attacked : JSON.stringify(attacked, null, 2);
      const error = await target.verify(text).then(
        (claims) => assert.fail(`${c.name} VERIFIED (${claims.join("; ").slice(0, 300)})`),
        (e: unknown) => e,
      );
      assert.ok(error instanceof BaseError, `expected a named refusal, got ${error}`);
      const got = "check" in c.refusal ? (error as { check?: string }).check : error.code;
      const want = "check" in c.refusal ? c.refusal.check : c.refusal.code;
      assert.equal(got, want, `${c.name}: ${error.message}`);
    });
});

describe("verifier fuzz (the test suite's slice of npm run fuzz)", () => {
  it("behavior: 10,000 mutations of genuine receipts, envelopes and bundles give no false VERIFIED and no crash", async () => {
    const report = await runVerifierFuzz({ targets: [...targets.values()], mutations: 10_000, seed: 20261203 });
    console.log(`verifier fuzz: ${report.mutations} mutations in ${(report.milliseconds / 1000).toFixed(1)} s; ${report.perTarget.map((t) => `${t.name}: ${t.refused} refused, ${t.equivalent} verified with true claims only`).join("; ")}`);
    assert.deepEqual(report.falseVerified, []);
    assert.deepEqual(report.crashes, []);
    for (const t of report.perTarget) assert.ok(t.refused > t.mutations / 2, `${t.name}: most mutants must be refused (${t.refused} of ${t.mutations})`);
  });
});
