// `npm run fuzz`: a million mutations of genuine receipts, envelopes and bundles, each verified as a
// third party would against a real (embedded) chain, shared between one worker thread per core.
// Prints the count, the time and every false VERIFIED (there must be none); exits 1 if there is
// one or if a mutant crashed the verifier. FUZZ_MUTATIONS and FUZZ_SEED change the run; a finding
// is replayed alone with its seed (FUZZ_MUTATIONS=1 FUZZ_SEED=<seed>).
import { availableParallelism } from "node:os";
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import { connectReader } from "../src/cli/connect.js";
import { createGenuineEvidence } from "../test/helpers/genuineEvidence.js";
import { type FuzzEvidence, type FuzzReport, fuzzEvidence, runVerifierFuzz, verifierTargets } from "../test/helpers/verifierFuzz.js";

type Job = { evidence: FuzzEvidence; mutations: number; seed: number; stride: number; offset: number };

if (isMainThread) {
  const mutations = Number(process.env.FUZZ_MUTATIONS ?? 1_000_000);
  const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000_000);
  const workers = Math.max(1, Math.min(Number(process.env.FUZZ_WORKERS ?? availableParallelism()), mutations));
  const genuine = await createGenuineEvidence();
  try {
    console.log(`fuzzing the verifiers: ${mutations.toLocaleString("en")} mutations from seed ${seed}, ${workers} worker thread(s)`);
    const evidence = fuzzEvidence(genuine);
    const started = performance.now();
    const done = new Array<number>(workers).fill(0);
    const reports = await Promise.all(
      Array.from({ length: workers }, (_, offset) =>
        new Promise<FuzzReport>((resolve, reject) => {
          const job: Job = { evidence, mutations, seed, stride: workers, offset };
          const worker = new Worker(new URL(import.meta.url), { workerData: job });
          worker.on("message", (m: { progress?: number; report?: FuzzReport }) => {
            if (m.progress !== undefined) {
              done[offset] = m.progress;
              process.stderr.write(`\r  ${done.reduce((a, b) => a + b, 0).toLocaleString("en")} mutations`);
            }
            if (m.report) resolve(m.report);
          });
          worker.on("error", reject);
        }),
      ),
    );
    process.stderr.write("\n");
    const seconds = (performance.now() - started) / 1000;
    const falseVerified = reports.flatMap((r) => r.falseVerified);
    const crashes = reports.flatMap((r) => r.crashes);
    console.log("| target | mutations | refused | verified, every claim true |");
    console.log("|---|---:|---:|---:|");
    for (const [i, t] of reports[0]!.perTarget.entries()) {
      const sum = (f: (x: FuzzReport["perTarget"][number]) => number) => reports.reduce((n, r) => n + f(r.perTarget[i]!), 0).toLocaleString("en");
      console.log(`| ${t.name} | ${sum((x) => x.mutations)} | ${sum((x) => x.refused)} | ${sum((x) => x.equivalent)} |`);
    }
    const total = reports.reduce((n, r) => n + r.mutations, 0);
    console.log(`${total.toLocaleString("en")} mutations in ${seconds.toFixed(1)} s (${Math.round(total / seconds).toLocaleString("en")}/s); false VERIFIED: ${falseVerified.length}; crashes: ${crashes.length}`);
    for (const f of falseVerified.slice(0, 10)) console.log(`FALSE VERIFIED (${f.target}, seed ${f.seed}): ${f.claims.join("; ")}\n${f.text}`);
    for (const c of crashes.slice(0, 10)) console.log(`CRASH (${c.target}, seed ${c.seed}): ${c.error}`);
    process.exitCode = falseVerified.length || crashes.length ? 1 : 0;
  } finally {
    await genuine.close();
  }
} else {
  const job = workerData as Job;
  const targets = verifierTargets(job.evidence, connectReader(job.evidence.rpcUrl, 60_000));
  const report = await runVerifierFuzz({ ...job, targets, onProgress: (progress) => parentPort!.postMessage({ progress }) });
  parentPort!.postMessage({ report });
}
