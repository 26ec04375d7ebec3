/**
 * Anchoring-service benchmark, every figure side by side in one run: durable ingest through the
 * SDK (SQLite, PostgreSQL), through HTTP (one entry per POST from many keep-alive clients in
 * another process, and the batch endpoint), and under that load the delay from acceptance to
 * anchoring (mined) and to confirmation, against the anchoring interval + 2 blocks. Tessera's
 * published figures are printed beside ours.
 *
 *     npm run build && node_modules/.bin/tsx bench/service.ts      # ≈ 3–4 min on 2 cores
 *
 * Environment:
 *   BENCH_SECONDS    length of each HTTP run (default 10)
 *   BENCH_CLIENTS    requests in flight for the single-entry runs, a comma list (default 256,1024)
 *   BENCH_POSTGRES   0 to leave PostgreSQL out (default: measured when its binaries are installed)
 *   BENCH_SDK        0 to leave the SDK measurements out (default: measured)
 *   BENCH_PROFILE    a directory: the service runs with `--cpu-prof` and writes its profile there
 *   BENCH_WAIT_IDLE  0 to not wait for an idle CPU before each measurement (default: up to 30 s
 *                    for 2 s at ≥ 90 % idle; the machine may be shared)
 *
 * What runs where: the service is `provenance serve` from dist/ (bin/provenance.js) as its own
 * process, on anvil with one block per second (`--block-time 1`: "2 blocks" are 2 s), interval
 * 1 s, 2 confirmations. The clients are test/helpers/entryLoad.ts in a third process (node:http,
 * keep-alive Agent, one idempotency key per entry). All three share the machine's cores, so the
 * service's CPU per entry is printed too. Delays are per entry, from the store: `received_at`
 * (the commit that acknowledged it) to the first time this process saw the anchoring block
 * (polled every 25 ms) and to `confirmed_at`.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type AnvilNode, ANVIL_CHAIN_ID, freePort, startAnvil } from "../test/helpers/anvilNode.js";
import { type EntryLoadParameters, type EntryLoadSummary, percentile } from "../test/helpers/entryLoad.js";
import { type PostgresCluster, startPostgresCluster } from "../test/helpers/postgresCluster.js";
import { type ServiceProcess, spawnService } from "../test/helpers/serviceProcess.js";
import "../src/local/nodeSha256.js"; // as the package root, the service and the CLI do: core's SHA-256 on node:crypto
import "../src/local/nodeKeccak.js"; // likewise: keccak256 in WebAssembly
import { deployRegistry, registerOrganisation } from "../src/chain/registry.js";
import { generateApiToken, hashApiToken } from "../src/service/apiToken.js";
import { createIngestQueue } from "../src/service/ingestQueue.js";
import { openServiceStore } from "../src/service/store/openServiceStore.js";
import type { NewEntry, ServiceStore } from "../src/service/store/serviceStore.js";
import { openSqliteServiceStore } from "../src/service/store/sqlite.js";
import { modelRecordEntry } from "../test/helpers/serviceEntries.js";

const run = promisify(execFile);
const env = (name: string, fallback: string) => process.env[name] ?? fallback;
const SECONDS = Number(env("BENCH_SECONDS", "10"));
const CLIENTS = env("BENCH_CLIENTS", "256,1024").split(",").map(Number);
const POSTGRES = env("BENCH_POSTGRES", "1") !== "0" && existsSync("/usr/lib/postgresql");
const WAIT_IDLE = env("BENCH_WAIT_IDLE", "1") !== "0";
const SDK = env("BENCH_SDK", "1") !== "0";
const PROFILE = process.env.BENCH_PROFILE;
const INTERVAL_S = 1;
const BLOCK_S = 1;
const CONFIRMATIONS = 2;
/** Entries per SDK measurement, and rounds of each (the median is reported). */
const SDK_ENTRIES = 20_000;
const ROUNDS = 3;
const LOAD_SCRIPT = fileURLToPath(new URL("../test/helpers/entryLoad.ts", import.meta.url));
const TSX = import.meta.resolve("tsx");

// ---- the machine ---------------------------------------------------------------------------

/** Idle share of all CPUs over the next `ms` (Linux /proc/stat), or undefined elsewhere. */
async function idleShare(ms: number): Promise<number | undefined> {
  const sample = () => {
    const fields = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
    return { total: fields.reduce((sum, x) => sum + x, 0), idle: fields[3]! + fields[4]! };
  };
  if (!existsSync("/proc/stat")) return undefined;
  const a = sample();
  await sleep(ms);
  const b = sample();
  return b.total === a.total ? 1 : (b.idle - a.idle) / (b.total - a.total);
}

/** Waits (up to 30 s) for 2 s at ≥ 90 % idle: someone else's work would count against us. */
async function waitForIdleCpu(): Promise<void> {
  if (!WAIT_IDLE) return;
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) if (((await idleShare(2_000)) ?? 1) >= 0.9) return;
  console.error("  (the CPU did not go idle within 30 s: measuring anyway)");
}

/** CPU seconds a process has used so far, its threads included (Linux). */
function cpuSecondsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// ---- SDK ingest ----------------------------------------------------------------------------

/** Entries as the API builds them: validated record, canonical JSON, SHA-256 id, Merkle leaf. */
function buildEntries(count: number, orgId: number): NewEntry[] {
  const prefix = randomBytes(24).toString("hex");
  return Array.from({ length: count }, (_, i) =>
    modelRecordEntry(orgId, {
      type: "training-event",
      name: "bench/model",
      version: String(i),
      sha256: prefix + i.toString(16).padStart(16, "0"),
      idempotencyKey: `bench-${prefix}-${i}`,
    }),
  );
}

/** store.addEntries, 500 entries per transaction (one fsync each): entries per second. */
async function addEntriesRate(store: ServiceStore, entries: readonly NewEntry[]): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < entries.length; i += 500) await store.addEntries(entries.slice(i, i + 500));
  return entries.length / ((performance.now() - started) / 1000);
}

/** The ingest queue as the HTTP layer uses it: one entry per call, `concurrency` calls waiting at once. */
async function ingestQueueRate(store: ServiceStore, entries: readonly NewEntry[], concurrency: number): Promise<number> {
  const ingest = createIngestQueue({ store });
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < entries.length) await ingest.add([entries[next++]!]);
    }),
  );
  await ingest.close();
  return entries.length / ((performance.now() - started) / 1000);
}

type SdkFigures = { build: number; addEntries: number; queue: number; queueNoThread?: number };

/**
 * Median over ROUNDS of each case, run round-robin (a burst of someone else's work spreads over
 * the cases instead of wiping out one), each on fresh entries: addEntries in transactions of 500,
 * and the ingest queue (on `queueStore`, and on `plainStore` when given: no ingest thread).
 */
async function sdkIngest(plainStore: ServiceStore, queueStore: ServiceStore, compareWithoutThread: boolean): Promise<SdkFigures> {
  const started = performance.now();
  const cases = compareWithoutThread ? 3 : 2;
  const entries = buildEntries(ROUNDS * cases * SDK_ENTRIES, 1);
  const build = entries.length / ((performance.now() - started) / 1000);
  await addEntriesRate(plainStore, buildEntries(5_000, 2)); // warm-up: statements, page cache
  await ingestQueueRate(queueStore, buildEntries(5_000, 3), 512);
  const rates: number[][] = Array.from({ length: cases }, () => []);
  let next = 0;
  const take = () => entries.slice(next, (next += SDK_ENTRIES));
  for (let round = 0; round < ROUNDS; round++) {
    await waitForIdleCpu();
    rates[0]!.push(await addEntriesRate(plainStore, take()));
    await waitForIdleCpu();
    rates[1]!.push(await ingestQueueRate(queueStore, take(), 512));
    if (compareWithoutThread) {
      await waitForIdleCpu();
      rates[2]!.push(await ingestQueueRate(plainStore, take(), 512));
    }
  }
  const median = (values: readonly number[]) => percentile(values, 50);
  return { build, addEntries: median(rates[0]!), queue: median(rates[1]!), ...(compareWithoutThread ? { queueNoThread: median(rates[2]!) } : {}) };
}

// ---- the service over HTTP -------------------------------------------------------------------

type HttpRun = { label: string; load: EntryLoadSummary; serviceCpuSeconds: number; from: string; to: string };

/** The first time each block number was seen (Date.now()), polled every 25 ms. */
function watchBlocks(node: AnvilNode): { seen: Map<number, number>; stop(): void } {
  const seen = new Map<number, number>();
  let stopped = false;
  void (async () => {
    while (!stopped) {
      const head = Number(await node.rpc("eth_blockNumber").catch(() => "0x0"));
      const at = Date.now();
      for (let n = head; n >= 0 && !seen.has(n); n--) seen.set(n, at);
      await sleep(25);
    }
  })();
  return { seen, stop: () => void (stopped = true) };
}

/** Runs the load generator in its own process for BENCH_SECONDS. */
async function httpRun(label: string, service: ServiceProcess, url: string, token: string, parameters: Partial<EntryLoadParameters>): Promise<HttpRun> {
  await waitForIdleCpu();
  const cpuBefore = cpuSecondsOf(service.pid);
  const from = new Date().toISOString();
  const options = { url, token, concurrency: 256, checkIds: false, durationMs: SECONDS * 1000, ...parameters };
  const { stdout } = await run(process.execPath, ["--import", TSX, LOAD_SCRIPT, JSON.stringify(options)], { maxBuffer: 64 * 1024 * 1024 });
  const to = new Date().toISOString();
  const load = JSON.parse(stdout) as EntryLoadSummary;
  if (load.errors.length > 0) throw new Error(`${label}: ${load.errors.length} unexpected answers, e.g. ${load.errors[0]}`);
  return { label, load, serviceCpuSeconds: cpuSecondsOf(service.pid) - cpuBefore, from, to };
}

type Delays = { entries: number; minedP50: number; minedP99: number; confirmedP50: number; confirmedP99: number; batches: number; meanBatch: number };

/** Per entry received in [from, to]: received → anchoring block first seen, and → confirmed. */
function delaysOf(file: string, seen: ReadonlyMap<number, number>, from: string, to: string): Delays {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    const rows = db
      .prepare(
        "SELECT e.received_at AS received, b.id AS batch, b.block_number AS block, b.confirmed_at AS confirmed FROM entries e JOIN batches b ON b.id = e.batch_id WHERE e.received_at BETWEEN ? AND ?",
      )
      .all(from, to) as { received: string; batch: number; block: number; confirmed: string }[];
    return delaysOfRows(
      rows.map((r) => ({ received: Date.parse(r.received), batch: r.batch, block: r.block, confirmed: Date.parse(r.confirmed) })),
      seen,
    );
  } finally {
    db.close();
  }
}

/** The delays of entries (times in ms since the epoch), whichever store they were read from. */
function delaysOfRows(rows: readonly { received: number; batch: number; block: number; confirmed: number }[], seen: ReadonlyMap<number, number>): Delays {
  const mined = rows.flatMap((r) => (seen.has(r.block) ? [(seen.get(r.block)! - r.received) / 1000] : []));
  const confirmed = rows.map((r) => (r.confirmed - r.received) / 1000);
  const batches = new Set(rows.map((r) => r.batch)).size;
  return {
    entries: rows.length,
    minedP50: percentile(mined, 50),
    minedP99: percentile(mined, 99),
    confirmedP50: percentile(confirmed, 50),
    confirmedP99: percentile(confirmed, 99),
    batches,
    meanBatch: rows.length / Math.max(1, batches),
  };
}

/** The upper bound of the bucket holding the 99th percentile of a Prometheus histogram. */
async function histogramP99(url: string, name: string): Promise<string> {
  const lines = (await (await fetch(`${url}/metrics`)).text()).split("\n").filter((l) => l.startsWith(`${name}_bucket`));
  const buckets = lines.map((l) => ({ le: /le="([^"]+)"/.exec(l)![1]!, count: Number(l.split(" ").at(-1)) }));
  const total = buckets.at(-1)?.count ?? 0;
  return total === 0 ? "n/a" : `≤ ${buckets.find((b) => b.count >= 0.99 * total)!.le} s`;
}

type HttpFigures = { runs: HttpRun[]; delays: Delays; startMs: number; histogram: string; drainSeconds: number };

/** One service (SQLite file or PostgreSQL URL) on a fresh anvil, loaded by every run in `plan`. */
async function httpBench(
  work: string,
  storeLocation: (orgId: number) => Promise<string>,
  plan: { label: string; parameters: Partial<EntryLoadParameters> }[],
): Promise<HttpFigures> {
  const node = await startAnvil({ blockTime: BLOCK_S });
  const blocks = watchBlocks(node);
  let service: ServiceProcess | undefined;
  try {
    const admin = node.writerFor(0);
    const { registry } = await deployRegistry(admin);
    const { orgId } = await registerOrganisation(admin, registry, { name: "Bench Lab", anchorers: [node.writerFor(1).account] });
    const location = await storeLocation(orgId);
    const setup = await openServiceStore(location);
    const token = generateApiToken();
    await setup.createToken({ orgId, name: "bench", tokenHash: hashApiToken(token) });
    await setup.close();
    service = spawnService({
      args: ["--listen", `127.0.0.1:${await freePort()}`, "--interval", `${INTERVAL_S}s`, "--confirmations", String(CONFIRMATIONS), "--log-level", "warn"],
      env: {
        PROVENANCE_RPC_URL: node.rpcUrl,
        PROVENANCE_REGISTRY: registry,
        PROVENANCE_CHAIN_ID: String(ANVIL_CHAIN_ID),
        PROVENANCE_PRIVATE_KEY: node.privateKeyOf(1),
        PROVENANCE_ORG: String(orgId),
        PROVENANCE_STORE: location,
      },
      cwd: work,
      nodeArgs: PROFILE ? ["--cpu-prof", "--cpu-prof-dir", PROFILE] : [],
    });
    const url = await service.listening;
    const runs: HttpRun[] = [];
    for (const step of plan) runs.push(await httpRun(step.label, service, url, token, step.parameters));
    const drainStarted = performance.now();
    const store = await openServiceStore(location, location.startsWith("postgres") ? {} : { sqlite: { readOnly: true } });
    try {
      for (const deadline = Date.now() + 180_000; ; await sleep(250)) {
        const pending = (await store.pendingStats()).some((s) => s.pending > 0);
        if (!pending && (await store.unconfirmedBatches()).length === 0) break;
        if (Date.now() > deadline) throw new Error("entries still unconfirmed 3 minutes after the load");
      }
    } finally {
      await store.close();
    }
    const drainSeconds = (performance.now() - drainStarted) / 1000;
    const headline = runs[0]!;
    const delays = location.startsWith("postgres")
      ? await postgresDelays(location, blocks.seen, headline.from, headline.to)
      : delaysOf(location, blocks.seen, headline.from, headline.to);
    return { runs, delays, startMs: service.startMs!, histogram: await histogramP99(url, "provenance_accept_to_confirm_seconds"), drainSeconds };
  } finally {
    blocks.stop();
    await service?.stop("SIGTERM");
    await node.stop();
  }
}

async function postgresDelays(url: string, seen: ReadonlyMap<number, number>, from: string, to: string): Promise<Delays> {
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ received: Date; batch: string; block: string; confirmed: Date }>(
      "SELECT e.received_at AS received, b.id AS batch, b.block_number AS block, b.confirmed_at AS confirmed FROM entries e JOIN batches b ON b.id = e.batch_id WHERE e.received_at BETWEEN $1 AND $2",
      [from, to],
    );
    return delaysOfRows(
      rows.map((r) => ({ received: r.received.getTime(), batch: Number(r.batch), block: Number(r.block), confirmed: r.confirmed.getTime() })),
      seen,
    );
  } finally {
    await client.end();
  }
}

// ---- the report ------------------------------------------------------------------------------

const n = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? "n/a" : Math.round(x).toLocaleString("en-US"));
const s2 = (x: number) => (Number.isNaN(x) ? "n/a" : `${x.toFixed(2)} s`);

function httpRows(store: string, figures: HttpFigures): string[] {
  const rows = figures.runs.map((r) => {
    const perEntryMs = (r.serviceCpuSeconds * 1e6) / Math.max(1, r.load.acknowledgedEntries);
    return `| HTTP ${r.label}, ${store} | **${n(r.load.entriesPerSecond)} records/s** (${n(r.load.acknowledgedEntries)} in ${r.load.seconds.toFixed(1)} s; request p50 ${r.load.latencyMs.p50.toFixed(0)} ms, p99 ${r.load.latencyMs.p99.toFixed(0)} ms; service ${perEntryMs.toFixed(0)} µs CPU/record, client ${((r.load.cpuSeconds * 1e6) / Math.max(1, r.load.acknowledgedEntries)).toFixed(0)} µs) | ${r.label.startsWith("POST /v1/entries ") ? "≥ 5,000/s" : ""} |`;
  });
  const d = figures.delays;
  const target = INTERVAL_S + 2 * BLOCK_S;
  rows.push(
    `| accepted → anchored (mined), ${store}, ${n(d.entries)} records of the first run | p50 ${s2(d.minedP50)}, **p99 ${s2(d.minedP99)}** | interval + 2 blocks = ${target} s |`,
    `| accepted → confirmed (${CONFIRMATIONS} blocks), ${store} | p50 ${s2(d.confirmedP50)}, **p99 ${s2(d.confirmedP99)}** (the service's own histogram, every run: p99 ${figures.histogram}) | none: the target is for anchoring; a receipt at depth ${CONFIRMATIONS} waits ${CONFIRMATIONS - 1} block(s) more, so up to interval + ${CONFIRMATIONS} blocks + processing |`,
    `| batches for those records, ${store} | ${n(d.batches)} (mean ${n(d.meanBatch)} records); backlog confirmed ${figures.drainSeconds.toFixed(1)} s after the last run | |`,
    `| service start (spawn → listening), ${store} | ${figures.startMs.toFixed(0)} ms | |`,
  );
  return rows;
}

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), "bench-service-"));
  let cluster: PostgresCluster | undefined;
  try {
    console.log(
      `Service benchmark: ${SECONDS} s per HTTP run, clients ${CLIENTS.join(", ")}, interval ${INTERVAL_S} s, anvil --block-time ${BLOCK_S}, ${CONFIRMATIONS} confirmations`,
    );
    let sqliteSdk: SdkFigures | undefined;
    let postgresSdk: SdkFigures | undefined;
    if (SDK) {
      console.log("SDK ingest, SQLite …");
      const plain = await openSqliteServiceStore(join(work, "sdk.db"));
      const threaded = await openSqliteServiceStore(join(work, "sdk-thread.db"), { ingestThread: true });
      try {
        sqliteSdk = await sdkIngest(plain, threaded, true);
      } finally {
        await plain.close();
        await threaded.close();
      }
    }
    if (POSTGRES) cluster = await startPostgresCluster();
    if (SDK && cluster) {
      console.log("SDK ingest, PostgreSQL …");
      const store = await openServiceStore(await cluster.createDatabase("bench_sdk"));
      try {
        postgresSdk = await sdkIngest(store, store, false);
      } finally {
        await store.close();
      }
    }

    const plan = [
      ...CLIENTS.map((c) => ({ label: `POST /v1/entries (one record each), ${c} clients`, parameters: { concurrency: c } })),
      { label: "POST /v1/entries:batch (100 records each), 32 clients", parameters: { concurrency: 32, entriesPerRequest: 100 } },
    ];
    console.log("HTTP, SQLite …");
    const sqliteHttp = await httpBench(work, async () => join(work, "service.db"), plan);
    let postgresHttp: HttpFigures | undefined;
    if (cluster) {
      console.log("HTTP, PostgreSQL …");
      const url = await cluster.createDatabase("bench_http");
      postgresHttp = await httpBench(work, async () => url, plan.slice(0, 1));
    }

    const rows = [
      "| measure | ours (this machine: 2 cores shared by service, clients and node) | target |",
      "|---|---|---|",
      ...(sqliteSdk
        ? [
            `| building entries (validate, canonical JSON, SHA-256, leaf): not part of ingest | ${n(sqliteSdk.build)} records/s | |`,
            `| SDK durable ingest, SQLite: store.addEntries, 500 per transaction (fsync each); median of ${ROUNDS} | **${n(sqliteSdk.addEntries)} records/s** | ≥ 10,000/s |`,
            `| SDK durable ingest, SQLite: ingest queue, one record per call, 512 waiting (group commit on the ingest thread, as the service does) | **${n(sqliteSdk.queue)} records/s** (on the caller's thread: ${n(sqliteSdk.queueNoThread)}/s) | ≥ 10,000/s |`,
          ]
        : []),
      ...(postgresSdk
        ? [
            `| SDK durable ingest, PostgreSQL: store.addEntries, 500 per transaction; median of ${ROUNDS} | ${n(postgresSdk.addEntries)} records/s | |`,
            `| SDK durable ingest, PostgreSQL: ingest queue, one record per call, 512 waiting; median of ${ROUNDS} | ${n(postgresSdk.queue)} records/s | |`,
          ]
        : []),
      ...httpRows("SQLite", sqliteHttp),
      ...(postgresHttp ? httpRows("PostgreSQL", postgresHttp) : []),
      "| Tessera (transparency log, for comparison; its published figures, not run here) | ~10,000 writes/s on NVMe; > 1,500 writes/s on a small VM | |",
    ];
    console.log(`\n${rows.join("\n")}\n`);
  } finally {
    await cluster?.stop();
    await rm(work, { recursive: true, force: true });
  }
}

await main();
