// `npm run fuzz`: a million mutations of genuine receipts, envelopes and bundles, each verified as a
// third party would against a real (embedded) chain. Prints the count, the time and every false
// VERIFIED (there must be none); exits 1 if there is one or if a mutant crashed the verifier.
// FUZZ_MUTATIONS and FUZZ_SEED change the run; a finding is replayed alone with its seed.
import { createGenuineEvidence } from "../test/helpers/genuineEvidence.js";
import { runVerifierFuzz, verifierTargets } from "../test/helpers/verifierFuzz.js";

const mutations = Number(process.env.FUZZ_MUTATIONS ?? 1_000_000);
const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000_000);
const evidence = await createGenuineEvidence();
try {
  console.log(`fuzzing the verifiers: ${mutations.toLocaleString("en")} mutations from seed ${seed}`);
  const report = await runVerifierFuzz({
    targets: verifierTargets(evidence),
    mutations,
    seed,
    onProgress: (done) => process.stderr.write(`\r  ${done.toLocaleString("en")} mutations`),
  });
  process.stderr.write("\n");
  console.log("| target | mutations | refused | verified, every claim true |");
  console.log("|---|---:|---:|---:|");
  for (const t of report.perTarget) console.log(`| ${t.name} | ${t.mutations.toLocaleString("en")} | ${t.refused.toLocaleString("en")} | ${t.equivalent.toLocaleString("en")} |`);
  console.log(`${report.mutations.toLocaleString("en")} mutations in ${(report.milliseconds / 1000).toFixed(1)} s; false VERIFIED: ${report.falseVerified.length}; crashes: ${report.crashes.length}`);
  for (const f of report.falseVerified.slice(0, 10)) console.log(`FALSE VERIFIED (${f.target}, seed ${f.seed}): ${f.claims.join("; ")}\n${f.text}`);
  for (const c of report.crashes.slice(0, 10)) console.log(`CRASH (${c.target}, seed ${c.seed}): ${c.error}`);
  process.exitCode = report.falseVerified.length || report.crashes.length ? 1 : 0;
} finally {
  await evidence.close();
}
