/**
 * Trust-mode benchmark (issue 12): the same verifications in `rpc`, `light`, `quorum` and offline
 * mode, side by side, on a real local chain (Hardhat EDR) presented as a QBFT chain by the test node
 * (src/local/qbftDevNode/: four validators then five, joined by vote).
 *
 *     npm run bench:trust-modes          # ≈ 1–2 min on 2 cores
 *
 * Environment: BENCH_RUNS (timed rounds, default 7; the median, p50, is reported), BENCH_ENTRIES
 * (bundle entries, default 20).
 *
 * First the figures of issue 12 (Deliver 6), light from the genesis pin and from a checkpoint at the
 * head, with rpc beside them: one receipt's verification (`verifyReceipt` of a plain record) with node
 * latency excluded (wall time minus the time during which a JSON-RPC request was in flight: the
 * verifier's own time); a BENCH_ENTRIES-entry bundle (`verifyBundle`), total and node latency
 * excluded; the same bundle offline (verified from its embedded kit, no node at all), compared like
 * with like with online light from the same pin (a kit recorded from the genesis pin against online
 * light from the genesis pin, a kit from the checkpoint against online light from that checkpoint:
 * the same headers walked, the same proofs checked, only the node differs); proof bytes per entry
 * (the kit's JSON per entry). Then every mode side by side, with JSON-RPC request counts, and the
 * offline figure with the bundle's JSON parsed as the CLI does. Seal recovery is libsecp256k1's as
 * the CLI installs it (native where secp256k1-node ships a binary, else WebAssembly: the header line
 * names it); the light verifier-CPU rows are measured a
 * second time with @noble/curves' recovery (what a browser uses) so the difference shows in one run. keccak256
 * is the project's WebAssembly (src/local/nodeKeccak.ts), as the CLI installs it; the offline bundle row is
 * measured a second time with @noble/hashes' keccak256 (a browser's). Light mode from the genesis pin walks
 * every header of the chain each time (the count is printed); a saved checkpoint near the head makes
 * that part vanish. Quorum mode here asks three transports over the one local node: it measures the
 * combinator's cost, not independence.
 */
// As the CLI and the package root do: core's SHA-256 on node:crypto, seal recovery on libsecp256k1, keccak256 in WebAssembly.
import "../src/local/nodeSha256.js";
import "../src/local/nodeSignatures.js";
import { WASM_KECCAK_NAME, wasmKeccak256 } from "../src/local/nodeKeccak.js";
import { installKeccak256 as installCoreKeccak256 } from "../src/core/keccak.js";
import { installKeccak256 as installLightClientKeccak256, keccak256 } from "../src/verify/lightclient/bytes.js";
import { libsecp256k1Name, libsecp256k1Recover } from "../src/local/nodeSecp256k1.js";
import { secp256k1Recovery } from "../src/formats/attestation/publicKeys.js";
import { installSecp256k1Recover, secp256k1RecoverName } from "../src/verify/lightclient/secp256k1.js";
import { forgetMemos } from "../src/core/memo.js";
import { parseBundle, serializeBundle } from "../src/formats/bundle.js";
import { buildBundle } from "../src/ledger/buildBundle.js";
import { embedOfflineKit, offlineChainReader } from "../src/verify/offlineBundle.js";
import { verifyBundle } from "../src/verify/verifyBundle.js";
import { fromEip1193 } from "../src/chain/eip1193.js";
import { createLightChainReader } from "../src/verify/lightclient/lightReader.js";
import type { ChainReader } from "../src/chain/types.js";
import { type JsonRpcTransport, httpTransport } from "../src/chain/trustMode.js";
import { anchorBatches, sealBatch } from "../src/ledger/ledger.js";
import { quorumRequest } from "../src/chain/quorum.js";
import { recordEvaluation } from "../src/ledger/pipeline/modelPipeline.js";
import { parseReceipt } from "../src/formats/receipt.js";
import { verifyReceipt } from "../src/verify/verifyReceipt.js";
import { recordingRequest, replayRequest } from "../src/verify/lightclient/offlineKit.js";
import { createQbftEvidence } from "../test/helpers/qbftEvidence.js";

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const ENTRIES = Number(process.env.BENCH_ENTRIES ?? 20);

/** A transport that measures the wall time during which at least one request is in flight (overlaps counted once). */
function metered(inner: JsonRpcTransport): JsonRpcTransport & { busy(): number; requests(): number; reset(): void } {
  let inFlight = 0;
  let since = 0;
  let busy = 0;
  let requests = 0;
  const transport: JsonRpcTransport = async (args) => {
    requests++;
    if (inFlight++ === 0) since = performance.now();
    try {
      return await inner(args);
    } finally {
      if (--inFlight === 0) busy += performance.now() - since;
    }
  };
  return Object.assign(transport, {
    busy: () => busy,
    requests: () => requests,
    reset: () => {
      busy = 0;
      requests = 0;
    },
  });
}

type Sample = { total: number; own: number; requests?: number | undefined };
const p50 = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
async function measure(transport: ReturnType<typeof metered> | undefined, run: () => Promise<unknown>): Promise<Sample> {
  // A first verification's work, as in a new process: no signature recovered or key decoded by an earlier run.
  forgetMemos();
  transport?.reset();
  const started = performance.now();
  await run();
  const total = performance.now() - started;
  return { total, own: total - (transport?.busy() ?? 0), requests: transport?.requests() };
}
async function series(
  transport: ReturnType<typeof metered> | undefined,
  run: () => Promise<unknown>,
): Promise<{ total: number; own: number; requests: number }> {
  await run(); // warm-up (JIT, the test node's header cache)
  const samples: Sample[] = [];
  for (let i = 0; i < RUNS; i++) samples.push(await measure(transport, run));
  return { total: p50(samples.map((s) => s.total)), own: p50(samples.map((s) => s.own)), requests: samples[0]!.requests ?? 0 };
}

/**
 * p50 CPU time (this process, all threads) of `run` over a node's answers recorded once and replayed:
 * no node is at work while it runs, so this is the verifier's own work, and it moves much less than
 * wall time when other processes load the machine.
 */
async function verifierCpu(transport: JsonRpcTransport, run: (transport: JsonRpcTransport) => Promise<unknown>): Promise<number> {
  const recording = recordingRequest(transport);
  await run(recording);
  const kit = recording.kit();
  await run(replayRequest(kit)); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const replay = replayRequest(kit);
    forgetMemos();
    const started = process.cpuUsage();
    await run(replay);
    const used = process.cpuUsage(started);
    samples.push((used.user + used.system) / 1000);
  }
  return p50(samples);
}

const { evidence, node, nodeUrl: url, trust } = await createQbftEvidence();
try {
  // Grow the fine-tune's lineage to ENTRIES attestations (more evaluations, anchored in a second batch).
  const context = { store: evidence.store, key: evidence.keys.pipeline };
  let bundle = parseBundle(evidence.bundle);
  for (let i = bundle.receipts.length; i < ENTRIES; i++)
    await recordEvaluation(context, evidence.model, {
      dataset: { name: `holdout-${i}`, digest: { sha256: evidence.model.sha256 } },
      metrics: [{ name: "auc", value: 0.9 }],
    });
  if (bundle.receipts.length < ENTRIES) {
    sealBatch(evidence.store);
    await anchorBatches(evidence.store, evidence.writer, { registry: evidence.registry, orgId: evidence.orgId, confirmations: 1 });
    bundle = parseBundle(serializeBundle(buildBundle(evidence.store, evidence.model.sha256)));
  }
  const pins = { chainId: trust.chainId, registry: evidence.registry };
  const receipt = parseReceipt(JSON.parse(evidence.recordReceipts[0]!));

  const http = metered(httpTransport(url, 30_000));
  const readers: Record<"rpc" | "light" | "quorum", { transport: ReturnType<typeof metered>; reader: () => ChainReader }> = {
    rpc: { transport: http, reader: () => fromEip1193(http) },
    light: { transport: http, reader: () => createLightChainReader({ transport: http, trust }) },
    // A fresh quorum per verification: its head is pinned per verification.
    quorum: {
      transport: http,
      reader: () => fromEip1193(quorumRequest({ quorum: 2, endpoints: [1, 2, 3].map((i) => ({ name: `node ${i}`, request: http })) })),
    },
  };

  // A verifier that saved its checkpoint at the head (the usual case after the first run) walks no headers.
  const first = createLightChainReader({ transport: http, trust });
  const checkpoint = await first.checkpoint();
  readers["light, checkpoint" as "light"] = { transport: http, reader: () => createLightChainReader({ transport: http, trust, checkpoint }) };

  const results: Record<string, { receipt: { total: number; own: number }; bundle: { total: number; own: number; requests: number } }> = {};
  for (const [mode, { transport, reader }] of Object.entries(readers)) {
    results[mode] = {
      receipt: await series(transport, () => verifyReceipt({ receipt, chain: reader(), ...pins })),
      bundle: await series(transport, () => verifyBundle({ bundle, chain: reader(), ...pins })),
    };
  }

  // The verifier's CPU time, node answers replayed (rpc, light from the genesis pin, light from the checkpoint).
  const cpuReaders: Record<"rpc" | "light" | "light, checkpoint", (t: JsonRpcTransport) => ChainReader> = {
    rpc: (t) => fromEip1193(t),
    light: (t) => createLightChainReader({ transport: t, trust }),
    "light, checkpoint": (t) => createLightChainReader({ transport: t, trust, checkpoint }),
  };
  const cpu: Record<string, { receipt: number; bundle: number }> = {};
  for (const [mode, reader] of Object.entries(cpuReaders))
    cpu[mode] = {
      receipt: await verifierCpu(http, (t) => verifyReceipt({ receipt, chain: reader(t), ...pins })),
      bundle: await verifierCpu(http, (t) => verifyBundle({ bundle, chain: reader(t), ...pins })),
    };

  // The same light verifier-CPU figures with @noble/curves' recovery (the platform-neutral default, a browser's).
  const cpuNoble: Record<string, { receipt: number; bundle: number }> = {};
  installSecp256k1Recover(undefined);
  try {
    for (const mode of ["light", "light, checkpoint"] as const)
      cpuNoble[mode] = {
        receipt: await verifierCpu(http, (t) => verifyReceipt({ receipt, chain: cpuReaders[mode](t), ...pins })),
        bundle: await verifierCpu(http, (t) => verifyBundle({ bundle, chain: cpuReaders[mode](t), ...pins })),
      };
  } finally {
    installSecp256k1Recover(libsecp256k1Recover, libsecp256k1Name);
  }

  // Offline, like with like: a kit recorded from the same starting point as the online light figure it is compared with.
  const { bundle: withKit } = await embedOfflineKit({ bundle, transport: http, trust });
  const { bundle: withCheckpointKit } = await embedOfflineKit({ bundle, transport: http, trust: checkpoint });
  const offline = await series(undefined, () => verifyBundle({ bundle: withKit, chain: offlineChainReader({ bundle: withKit, trust }), ...pins }));
  const offlineCheckpoint = await series(undefined, () =>
    verifyBundle({ bundle: withCheckpointKit, chain: offlineChainReader({ bundle: withCheckpointKit, trust: checkpoint }), ...pins }),
  );
  // As the CLI does it: the bundle file's JSON parsed (strictly) and checked first.
  const kitText = serializeBundle(withKit);
  const offlineParsed = await series(undefined, () => {
    const parsed = parseBundle(kitText);
    return verifyBundle({ bundle: parsed, chain: offlineChainReader({ bundle: parsed, trust }), ...pins });
  });
  // The offline figures with @noble/hashes' keccak256 (the platform-neutral default, a browser's).
  const nobleKeccak = async (run: () => Promise<unknown>) => {
    installCoreKeccak256(undefined);
    installLightClientKeccak256(undefined);
    try {
      return await series(undefined, run);
    } finally {
      installCoreKeccak256(wasmKeccak256);
      installLightClientKeccak256(wasmKeccak256);
    }
  };
  const offlineNoble = await nobleKeccak(() => verifyBundle({ bundle: withKit, chain: offlineChainReader({ bundle: withKit, trust }), ...pins }));
  const offlineCheckpointNoble = await nobleKeccak(() =>
    verifyBundle({ bundle: withCheckpointKit, chain: offlineChainReader({ bundle: withCheckpointKit, trust: checkpoint }), ...pins }),
  );
  const bytesOf = (b: typeof withKit) => new TextEncoder().encode(JSON.stringify(b.offlineKit)).length;
  const kit = withKit.offlineKit!;
  const count = (method: string) => kit.answers.filter((a) => a.method === method).length;
  const head = Number(BigInt(kit.answers.find((a) => a.method === "eth_blockNumber")!.result as string));
  const entries = bundle.receipts.length;
  const light = results.light!;
  const fromCheckpoint = results["light, checkpoint"]!;
  const rpc = results.rpc!;

  const ms = (v: number) => `${v.toFixed(1)} ms`;
  const times = (online: number, off: number) => `${(online / off).toFixed(1)}×`;
  const verdict = (ok: boolean) => (ok ? "met" : "MISSED");
  // The node's share of an online run, per request; and the share at which the same run would take
  // ten times the offline one: online = own + requests × t, so t = (10 × offline − own) / requests.
  const nodeTime = (run: { total: number; own: number; requests: number }) => (run.total - run.own) / run.requests;
  const breakEven = (run: { own: number; requests: number }, off: number) => Math.max(0, (10 * off - run.own) / run.requests);
  const table = (rows: readonly (readonly string[])[]) => {
    const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
    for (const r of rows) console.log(`  ${r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join("   ")}`);
  };
  console.log(
    `trust modes: ${entries}-entry bundle, one plain-record receipt; p50 of ${RUNS} runs after a warm-up; chain head ${head} (from the genesis pin light mode walks and seal-checks all ${head} headers)`,
  );
  console.log(
    "node latency excluded = wall time minus the time during which at least one JSON-RPC request was in flight (the test node runs in this process, so its own work falls in the excluded part): the verifier's own time",
  );
  console.log(
    `secp256k1 recovery: ${secp256k1RecoverName()} for seals, ${secp256k1Recovery === libsecp256k1Recover ? libsecp256k1Name() : "@noble/curves (JavaScript)"} for DSSE signatures; @noble/curves (JavaScript) beside it in the rows marked "noble" (seals only)`,
  );
  console.log(
    "each timed run starts with the process's memos forgotten (secp256k1 signers recovered, keys decoded): a first verification's work, as in a new process; only the JIT is warm",
  );
  console.log(
    `keccak256: ${keccak256 === wasmKeccak256 ? WASM_KECCAK_NAME : "@noble/hashes (JavaScript)"}; @noble/hashes (JavaScript) beside it in the row marked "noble keccak"`,
  );
  console.log("\nissue 12, Deliver 6 (light from the genesis pin and from a checkpoint at the head; rpc beside it):");
  table([
    ["", "light (genesis pin)", "light (checkpoint)", "rpc", "target"],
    ["one receipt, node latency excluded", ms(light.receipt.own), ms(fromCheckpoint.receipt.own), ms(rpc.receipt.own), "light ≤ 50 ms"],
    ["one receipt, verifier CPU (answers replayed)", ms(cpu.light!.receipt), ms(cpu["light, checkpoint"]!.receipt), ms(cpu.rpc!.receipt), "light ≤ 50 ms"],
    ["one receipt, verifier CPU, noble recovery", ms(cpuNoble.light!.receipt), ms(cpuNoble["light, checkpoint"]!.receipt), "—", "(browser default)"],
    [`${entries}-entry bundle, total`, ms(light.bundle.total), ms(fromCheckpoint.bundle.total), ms(rpc.bundle.total), "light ≤ 1 s"],
    [`${entries}-entry bundle, node latency excluded`, ms(light.bundle.own), ms(fromCheckpoint.bundle.own), ms(rpc.bundle.own), ""],
    [`${entries}-entry bundle, verifier CPU (answers replayed)`, ms(cpu.light!.bundle), ms(cpu["light, checkpoint"]!.bundle), ms(cpu.rpc!.bundle), ""],
    [`${entries}-entry bundle, verifier CPU, noble recovery`, ms(cpuNoble.light!.bundle), ms(cpuNoble["light, checkpoint"]!.bundle), "—", ""],
    [`offline ${entries}-entry bundle (kit from the same pin)`, ms(offline.total), ms(offlineCheckpoint.total), "—", ""],
    [`offline ${entries}-entry bundle, noble keccak`, ms(offlineNoble.total), ms(offlineCheckpointNoble.total), "—", "(browser default)"],
    [
      "offline speed-up vs online light, same pin",
      times(light.bundle.total, offline.total),
      times(fromCheckpoint.bundle.total, offlineCheckpoint.total),
      `${times(rpc.bundle.total, offline.total)} / ${times(rpc.bundle.total, offlineCheckpoint.total)}`,
      "≥ 10×",
    ],
    ["test node's time per JSON-RPC request (in-process)", ms(nodeTime(light.bundle)), ms(nodeTime(fromCheckpoint.bundle)), ms(nodeTime(rpc.bundle)), ""],
    [
      "node time per request at which offline is 10×",
      ms(breakEven(light.bundle, offline.total)),
      ms(breakEven(fromCheckpoint.bundle, offlineCheckpoint.total)),
      "—",
      "(derived)",
    ],
    [
      "proof bytes per entry (kit JSON / entries)",
      `${Math.round(bytesOf(withKit) / entries)} B`,
      `${Math.round(bytesOf(withCheckpointKit) / entries)} B`,
      "0 B",
      "reported",
    ],
  ]);
  console.log(
    "  (rpc column of the speed-up: online rpc against the genesis kit / against the checkpoint kit; rpc proves nothing, so it carries no proof bytes; a node over a network answers each request in its own time plus a round trip, and offline is 10× faster wherever that exceeds the derived row)",
  );
  console.log(
    `  targets: light receipt ≤ 50 ms (verifier CPU; wall with node time subtracted in brackets): ${verdict(cpu.light!.receipt <= 50)} (${verdict(light.receipt.own <= 50)}) from the genesis pin, ${verdict(cpu["light, checkpoint"]!.receipt <= 50)} (${verdict(fromCheckpoint.receipt.own <= 50)}) from a checkpoint; light ${entries}-entry bundle ≤ 1 s: ${verdict(light.bundle.total <= 1000)} / ${verdict(fromCheckpoint.bundle.total <= 1000)}; offline ≥ 10× online light: ${verdict(light.bundle.total / offline.total >= 10)} / ${verdict(fromCheckpoint.bundle.total / offlineCheckpoint.total >= 10)} (offline does the online verifier's own work, all of it, so the ratio is 1 + node time / verifier time)`,
  );

  console.log("\nevery mode (quorum: three transports over the one local node, 2 of 3: the combinator's cost, not independence):");
  const modes = ["rpc", "light", "light, checkpoint", "quorum"] as const;
  table([
    ["", "rpc", "light (genesis pin)", "light (checkpoint)", "quorum (2 of 3)"],
    ["one receipt, total", ...modes.map((m) => ms(results[m]!.receipt.total))],
    ["one receipt, node latency excluded", ...modes.map((m) => ms(results[m]!.receipt.own))],
    [`${entries}-entry bundle, total`, ...modes.map((m) => ms(results[m]!.bundle.total))],
    [`${entries}-entry bundle, node latency excluded`, ...modes.map((m) => ms(results[m]!.bundle.own))],
    [`${entries}-entry bundle, JSON-RPC requests`, ...modes.map((m) => String(results[m]!.bundle.requests))],
  ]);
  console.log(
    `  offline, genesis kit with the bundle's JSON parsed as verify-bundle --offline does (process start excluded): ${ms(offlineParsed.total)}; the genesis kit holds ${count("eth_getBlockByNumber")} headers, ${count("eth_getProof")} eth_getProof answers, ${count("eth_getTransactionReceipt")} receipts`,
  );
} finally {
  await node.close();
  await evidence.close();
}
