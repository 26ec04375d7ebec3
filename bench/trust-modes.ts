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
 * Figures, per mode:
 * - one receipt (`verifyReceipt` of a plain record): total, and with node latency excluded (the
 *   wall time during which no JSON-RPC request was in flight: the verifier's own work);
 * - a BENCH_ENTRIES-entry bundle (`verifyBundle`): the same two figures;
 * - offline: the bundle verified from its embedded kit (no node at all), like with like: a kit
 *   recorded from the genesis pin against online light from the genesis pin, a kit recorded from the
 *   checkpoint against online light from that checkpoint (the same headers walked, the same proofs
 *   checked: only the node differs); also with the bundle's JSON parsed, as the CLI does;
 * - proof bytes per entry: the kit's size (headers, eth_getProof answers, receipts) per entry.
 * Light mode starts from a validator set pinned at genesis, so it walks every header of the chain
 * each time (the count is printed); a saved checkpoint near the head makes that part vanish.
 * Quorum mode here asks three transports over the one local node: it measures the combinator's
 * cost, not independence.
 */
import { parseBundle, serializeBundle } from "../src/formats/bundle.js";
import { buildBundle } from "../src/ledger/buildBundle.js";
import { embedOfflineKit, offlineChainReader } from "../src/verify/offlineBundle.js";
import { verifyBundle } from "../src/verify/verifyBundle.js";
import { fromEip1193 } from "../src/chain/eip1193.js";
import { createLightChainReader } from "../src/verify/lightclient/lightReader.js";
import type { ChainReader } from "../src/chain/types.js";
import { type JsonRpcTransport, httpTransport } from "../src/chain/trustMode.js";
import type { Hex } from "../src/core/hex.js";
import { anchorBatches, sealBatch } from "../src/ledger/ledger.js";
import { quorumRequest } from "../src/chain/quorum.js";
import type { QbftTrust } from "../src/verify/lightclient/trustFile.js";
import { recordEvaluation } from "../src/ledger/pipeline/modelPipeline.js";
import { parseReceipt } from "../src/formats/receipt.js";
import { verifyReceipt } from "../src/verify/verifyReceipt.js";
import { testValidators } from "../src/local/qbftDevNode/sealer.js";
import { type QbftTestNode, startQbftTestNode } from "../src/local/qbftDevNode/testNode.js";
import { createGenuineEvidence } from "../test/helpers/genuineEvidence.js";

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

let node: QbftTestNode | undefined;
let url = "";
const keys = testValidators(5);
const votes = Object.fromEntries([2, 3, 4].map((n) => [n, { recipient: keys[4]!.address, add: true }]));
const evidence = await createGenuineEvidence({
  front: async (rpcUrl) => {
    const upstream = httpTransport(rpcUrl, 30_000);
    const chainId = Number(BigInt((await upstream({ method: "eth_chainId" })) as Hex));
    node = startQbftTestNode({
      upstream: (method, params) => upstream({ method, params }),
      chainId,
      registry: `0x${"00".repeat(20)}`,
      validators: keys.slice(0, 4),
      keyPool: keys,
      selection: { mode: "header", votes },
    });
    // One listener (a second listen() would leave the first server open and the process running).
    url = await node.listen();
    return url;
  },
});
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
  const trust: QbftTrust = { ...(await node!.trustAt(0n)), registry: evidence.registry.toLowerCase() as Hex };
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
  const kitBytes = new TextEncoder().encode(JSON.stringify(withKit.offlineKit)).length;
  const kit = withKit.offlineKit!;
  const count = (method: string) => kit.answers.filter((a) => a.method === method).length;
  const head = Number(BigInt(kit.answers.find((a) => a.method === "eth_blockNumber")!.result as string));

  const fmt = (v: number) => `${v.toFixed(1).padStart(8)} ms`;
  console.log(
    `trust modes: ${bundle.receipts.length}-entry bundle, one plain-record receipt; p50 of ${RUNS} runs; chain head ${head} (light walks ${head} headers from the genesis pin)`,
  );
  console.log(`                                         rpc          light     light (checkpoint)  quorum (2 of 3)`);
  const row = (label: string, pick: (r: (typeof results)[string]) => number) =>
    console.log(`  ${label.padEnd(38)}${["rpc", "light", "light, checkpoint", "quorum"].map((m) => fmt(pick(results[m]!))).join("   ")}`);
  row("one receipt, total", (r) => r.receipt.total);
  row("one receipt, node latency excluded", (r) => r.receipt.own);
  row(`${bundle.receipts.length}-entry bundle, total`, (r) => r.bundle.total);
  row(`${bundle.receipts.length}-entry bundle, node latency excluded`, (r) => r.bundle.own);
  console.log(
    `  ${`${bundle.receipts.length}-entry bundle, JSON-RPC requests`.padEnd(38)}${["rpc", "light", "light, checkpoint", "quorum"].map((m) => `${String(results[m]!.bundle.requests).padStart(8)}   `).join("   ")}`,
  );
  const ratio = (online: number, off: number) => `${(online / off).toFixed(1)}×`;
  console.log(`  offline ${bundle.receipts.length}-entry bundle (the kit replayed, no node), like with like:`);
  console.log(
    `    kit from the genesis pin        ${fmt(offline.total)}   vs online light (genesis pin) ${fmt(results.light!.bundle.total)}: ${ratio(results.light!.bundle.total, offline.total)} faster; vs rpc ${fmt(results.rpc!.bundle.total)}: ${ratio(results.rpc!.bundle.total, offline.total)}`,
  );
  console.log(
    `    kit from the checkpoint         ${fmt(offlineCheckpoint.total)}   vs online light (checkpoint)  ${fmt(results["light, checkpoint"]!.bundle.total)}: ${ratio(results["light, checkpoint"]!.bundle.total, offlineCheckpoint.total)} faster; vs rpc: ${ratio(results.rpc!.bundle.total, offlineCheckpoint.total)}`,
  );
  console.log(`    genesis kit, bundle JSON parsed ${fmt(offlineParsed.total)}   (as verify-bundle --offline does, process start excluded)`);
  console.log(
    `  proof bytes per entry (kit JSON / entries)        ${Math.round(kitBytes / bundle.receipts.length)} B  (kit ${kitBytes} B: ${count("eth_getBlockByNumber")} headers, ${count("eth_getProof")} eth_getProof, ${count("eth_getTransactionReceipt")} receipts)`,
  );
  const best = Math.max(results.light!.bundle.total / offline.total, results["light, checkpoint"]!.bundle.total / offlineCheckpoint.total);
  console.log(
    `  targets: light receipt ≤ 50 ms excl. node: ${results.light!.receipt.own <= 50 ? "met" : "MISSED"} (from a checkpoint: ${results["light, checkpoint"]!.receipt.own <= 50 ? "met" : "MISSED"}); ${bundle.receipts.length}-entry light bundle ≤ 1 s: ${results.light!.bundle.total <= 1000 ? "met" : "MISSED"} (from a checkpoint: ${results["light, checkpoint"]!.bundle.total <= 1000 ? "met" : "MISSED"}); offline ≥ 10× online light: ${best >= 10 ? "met" : `MISSED (${best.toFixed(1)}×: against a local node the online verifier does the same checks, so the gap is the node's latency alone)`}`,
  );
} finally {
  await node?.close();
  await evidence.close();
}
