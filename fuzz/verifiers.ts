// `npm run fuzz`: a million mutations of genuine receipts, envelopes and bundles, each verified as a
// third party would against a real (embedded) chain, shared between one worker thread per core.
// Prints the count, the time and every false VERIFIED (there must be none); exits 1 if there is
// one or if a mutant crashed the verifier. FUZZ_MUTATIONS and FUZZ_SEED change the run. A finding
// prints its seed and its text: the genuine documents (keys, chain) are made anew per run, so the
// same seed mutates different documents next time; keep the printed text to replay it.
// FUZZ_FROM=k starts at mutant k of the run (mutant k uses seed FUZZ_SEED + k), so a long run can
// be split or resumed: FUZZ_FROM=500000
// FUZZ_MUTATIONS=1000000 runs the second half. A status line (count, rate, false VERIFIED and crashes
// so far) is printed every FUZZ_REPORT_EVERY mutations (default 25,000), and a finding as soon as it is found.
// Verified as the CLI verifies: node:crypto's SHA-256 and signatures, libsecp256k1's recovery (native
// where it ships), keccak-256 in WebAssembly (each worker thread loads them too).
import "../src/local/nodeSha256.js";
import "../src/local/nodeSignatures.js";
import "../src/local/nodeSecp256k1.js";
import "../src/local/nodeKeccak.js";
import { availableParallelism } from "node:os";
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import { connectReader } from "../src/chain/connect.js";
import { createGenuineEvidence } from "../test/helpers/genuineEvidence.js";
import { createQbftEvidence } from "../test/helpers/qbftEvidence.js";
import { httpTransport } from "../src/chain/trustMode.js";
import { parseBundle, serializeBundle } from "../src/formats/bundle.js";
import { embedOfflineKit } from "../src/verify/offlineBundle.js";
import { serializeQbftTrust } from "../src/verify/lightclient/trustFile.js";
import { type FuzzEvidence, type FuzzReport, fuzzEvidence, runVerifierFuzz, verifierTargets } from "../test/helpers/verifierFuzz.js";

type Job = { evidence: FuzzEvidence; mutations: number; seed: number; stride: number; offset: number };
type Finding = { falseVerified?: FuzzReport["falseVerified"][number]; crash?: FuzzReport["crashes"][number] };

if (isMainThread) {
  const mutations = Number(process.env.FUZZ_MUTATIONS ?? 1_000_000);
  const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000_000);
  const from = Number(process.env.FUZZ_FROM ?? 0);
  const reportEvery = Number(process.env.FUZZ_REPORT_EVERY ?? 25_000);
  const workers = Math.max(1, Math.min(Number(process.env.FUZZ_WORKERS ?? availableParallelism()), mutations - from));
  // The offline target's evidence: a bundle with its kit, made through the QBFT test node, and the
  // validator set pinned at its genesis (its chain is closed once the kit is made: offline needs none).
  const qbft = await createQbftEvidence();
  let offline: FuzzEvidence["offline"];
  try {
    const { bundle } = await embedOfflineKit({ bundle: parseBundle(qbft.evidence.bundle), transport: httpTransport(qbft.nodeUrl, 30_000), trust: qbft.trust });
    offline = { bundle: serializeBundle(bundle), trust: serializeQbftTrust(qbft.trust), modelSha256: qbft.evidence.model.sha256, orgId: qbft.evidence.orgId };
  } finally {
    await qbft.node.close();
    await qbft.evidence.close();
  }
  const genuine = await createGenuineEvidence();
  try {
    console.log(
      `fuzzing the verifiers: mutants ${from.toLocaleString("en")} to ${(mutations - 1).toLocaleString("en")} from seed ${seed}, ${workers} worker thread(s)`,
    );
    const evidence = fuzzEvidence(genuine, offline);
    const started = performance.now();
    const done = new Array<number>(workers).fill(0);
    let found = { falseVerified: 0, crashes: 0 };
    let nextReport = reportEvery;
    const reports = await Promise.all(
      Array.from(
        { length: workers },
        (_, offset) =>
          new Promise<FuzzReport>((resolve, reject) => {
            const job: Job = { evidence, mutations, seed, stride: workers, offset: from + offset };
            const worker = new Worker(new URL(import.meta.url), { workerData: job });
            worker.on("message", (m: { progress?: number; report?: FuzzReport; finding?: Finding }) => {
              if (m.finding?.falseVerified) {
                found = { ...found, falseVerified: found.falseVerified + 1 };
                console.log(
                  `FALSE VERIFIED (${m.finding.falseVerified.target}, seed ${m.finding.falseVerified.seed}): ${m.finding.falseVerified.claims.join("; ")}`,
                );
              }
              if (m.finding?.crash) {
                found = { ...found, crashes: found.crashes + 1 };
                console.log(`CRASH (${m.finding.crash.target}, seed ${m.finding.crash.seed}): ${m.finding.crash.error}`);
              }
              if (m.progress !== undefined) {
                done[offset] = m.progress;
                const total = done.reduce((a, b) => a + b, 0);
                process.stderr.write(`\r  ${total.toLocaleString("en")} mutations`);
                if (total >= nextReport) {
                  nextReport += reportEvery;
                  const seconds = (performance.now() - started) / 1000;
                  console.log(
                    `status: ${total.toLocaleString("en")} mutations (mutants ${from.toLocaleString("en")}…) in ${seconds.toFixed(0)} s (${Math.round(total / seconds)}/s); false VERIFIED so far: ${found.falseVerified}; crashes so far: ${found.crashes}`,
                  );
                }
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
    console.log(
      `${total.toLocaleString("en")} mutations in ${seconds.toFixed(1)} s (${Math.round(total / seconds).toLocaleString("en")}/s); false VERIFIED: ${falseVerified.length}; crashes: ${crashes.length}`,
    );
    for (const f of falseVerified.slice(0, 10)) console.log(`FALSE VERIFIED (${f.target}, seed ${f.seed}): ${f.claims.join("; ")}\n${f.text}`);
    for (const c of crashes.slice(0, 10)) console.log(`CRASH (${c.target}, seed ${c.seed}): ${c.error}`);
    process.exitCode = falseVerified.length || crashes.length ? 1 : 0;
  } finally {
    await genuine.close();
  }
} else {
  const job = workerData as Job;
  const targets = verifierTargets(job.evidence, connectReader(job.evidence.rpcUrl, 60_000));
  const report = await runVerifierFuzz({
    ...job,
    targets,
    onProgress: (progress) => parentPort!.postMessage({ progress }),
    onFinding: (finding) => parentPort!.postMessage({ finding }),
  });
  parentPort!.postMessage({ report });
}
