import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { main } from "../../src/cli/main.js";
import { ChainError } from "../../src/core/errors/chain.js";
import { BaseError } from "../../src/core/errors/base.js";
import { CORPUS, type CorpusTarget, type DocumentCase } from "../adversarial/corpus.js";
import { type CliCase, type CliFiles, type ScenarioCase, writeCliFiles } from "../adversarial/scenarios.js";
import { createGenuineEvidence, type GenuineEvidence } from "../helpers/genuineEvidence.js";
import { type FuzzTarget, fuzzEvidence, runVerifierFuzz, verifierTargets } from "../helpers/verifierFuzz.js";

let evidence: GenuineEvidence;
let targets: Map<CorpusTarget, FuzzTarget>;
let files: CliFiles;

before(async () => {
  evidence = await createGenuineEvidence();
  targets = new Map(verifierTargets(fuzzEvidence(evidence), evidence.reader).map((t) => [t.name as CorpusTarget, t]));
  files = await writeCliFiles(evidence);
});
after(async () => evidence?.close());

// What must never reach a terminal raw: C0 (but the line feed ending a line), DEL, C1, format
// characters (bidi, zero-width, BOM), line and paragraph separators (as test/cli/cli-output.test.ts).
const UNSAFE = /[\x00-\x09\x0b-\x1f\x7f-\x9f\p{Cf}\p{Zl}\p{Zp}]/u;

const refusalName = (r: CorpusCaseRefusal): string =>
  "check" in r ? `check ${r.check}` : "code" in r ? r.code : "revert" in r ? `revert ${r.revert}` : `verdict without "${r.ignored}"`;
type CorpusCaseRefusal = (typeof CORPUS)[number]["refusal"];

async function expectRefusal(name: string, refusal: CorpusCaseRefusal, attempt: Promise<readonly string[] | void>): Promise<void> {
  if ("ignored" in refusal) {
    const claims = await attempt;
    assert.ok(claims && claims.length > 0, `${name}: the verifier returned no verdict`);
    assert.ok(
      !claims.some((c) => c.includes(refusal.ignored)),
      `${name}: the verdict carries the attacker's claim "${refusal.ignored}" (${claims.join("; ")})`,
    );
    return;
  }
  const error = await attempt.then(
    (claims) => assert.fail(`${name} VERIFIED (${(claims ?? []).join("; ").slice(0, 300)})`),
    (e: unknown) => e,
  );
  assert.ok(error instanceof BaseError, `expected a named refusal, got ${error instanceof Error ? error.stack : error}`);
  if ("revert" in refusal) {
    assert.ok(error instanceof ChainError, `${name}: expected a revert, got ${error.message}`);
    assert.equal(error.revertName, refusal.revert, `${name}: ${error.message}`);
    return;
  }
  const got = "check" in refusal ? (error as { check?: string }).check : error.code;
  assert.equal(got, "check" in refusal ? refusal.check : refusal.code, `${name}: ${error.code}: ${error.message}`);
}

async function runDocument(c: DocumentCase): Promise<void> {
  const target = targets.get(c.target)!;
  const genuine =
    target.genuine.find((g) => !g.includes('"record"') || c.target !== "record receipt" || g.includes(evidence.fileModel.sha256)) ?? target.genuine[0]!;
  const attacked = await c.attack(JSON.parse(genuine), evidence);
  const text = typeof attacked === "string" ? attacked : JSON.stringify(attacked, null, 2);
  await expectRefusal(c.name, c.refusal, target.verify(text));
}

async function runScenario(c: ScenarioCase): Promise<void> {
  await expectRefusal(c.name, c.refusal, c.run(evidence));
}

/** Runs the CLI in this process, in `cwd`, capturing both streams (the printer a process writes with). */
async function cli(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const previous = process.cwd();
  process.chdir(cwd);
  try {
    const code = await main(args, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
    return { code, stdout, stderr };
  } finally {
    process.chdir(previous);
  }
}

async function runCli(c: CliCase): Promise<void> {
  const args = await c.args(files, evidence);
  const cwd = c.cwd ? await c.cwd(files) : files.verifierDir;
  const text = await cli(args, cwd);
  assert.equal(text.code, c.exit, `${c.name}: exit ${text.code}\n${text.stdout}${text.stderr}`);
  for (const [stream, out] of [
    ["stdout", text.stdout],
    ["stderr", text.stderr],
  ] as const) {
    const bad = UNSAFE.exec(out);
    assert.equal(bad, null, `${c.name}: ${stream} holds U+${bad?.[0].codePointAt(0)?.toString(16)} raw: ${JSON.stringify(out.slice(0, 400))}`);
  }
  const json = await cli([...args, "--json"], cwd);
  assert.equal(json.code, c.exit, `${c.name} --json: exit ${json.code}\n${json.stdout}${json.stderr}`);
  const result = JSON.parse(json.stdout) as { verified: boolean; error?: { code: string; message: string } };
  if ("ignored" in c.refusal) {
    // Verified, but the attacker's text is nowhere in the verdict, in either form.
    assert.ok(!text.stdout.includes(c.refusal.ignored) && !json.stdout.includes(c.refusal.ignored), `${c.name}: the verdict prints "${c.refusal.ignored}"`);
    return;
  }
  const want = "check" in c.refusal ? c.refusal.check : c.refusal.code;
  assert.ok(!/^VERIFIED/m.test(text.stdout), `${c.name}: printed VERIFIED\n${text.stdout}`);
  if ("check" in c.refusal) assert.ok(text.stderr.includes(`NOT VERIFIED: check "${want}" failed`), `${c.name}: ${text.stderr}`);
  assert.equal(result.verified, false);
  assert.equal(result.error?.code, want, `${c.name}: ${result.error?.message}`);
}

describe("adversarial corpus", () => {
  it("default: every genuine document verifies, every case has a unique name, and there are at least 160", async () => {
    for (const t of targets.values()) for (const g of t.genuine) await t.verify(g);
    assert.equal(new Set(CORPUS.map((c) => c.name)).size, CORPUS.length);
    assert.ok(CORPUS.length >= 160, `${CORPUS.length} cases`);
  });

  for (const c of CORPUS)
    it(`error: ${c.name} is refused (${refusalName(c.refusal)})`, async () => {
      if (c.target === "scenario") await runScenario(c);
      else if (c.target === "cli") await runCli(c);
      else await runDocument(c);
    });
});

describe("verifier fuzz (the test suite's slice of npm run fuzz)", () => {
  it("behavior: 10,000 mutations of genuine receipts, envelopes and bundles give no false VERIFIED and no crash", async () => {
    const report = await runVerifierFuzz({ targets: [...targets.values()], mutations: 10_000, seed: 20261203 });
    console.log(
      `verifier fuzz: ${report.mutations} mutations in ${(report.milliseconds / 1000).toFixed(1)} s; ${report.perTarget.map((t) => `${t.name}: ${t.refused} refused, ${t.equivalent} verified with true claims only`).join("; ")}`,
    );
    assert.deepEqual(report.falseVerified, []);
    assert.deepEqual(report.crashes, []);
    for (const t of report.perTarget) assert.ok(t.refused > t.mutations / 2, `${t.name}: most mutants must be refused (${t.refused} of ${t.mutations})`);
  });
});
