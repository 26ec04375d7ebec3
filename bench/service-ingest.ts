// Anchoring-service benchmark (issue 4): durable ingest through the SDK and through HTTP, and the
// delay from acceptance to anchoring under that load, printed side by side in one run.
//   node_modules/.bin/tsx bench/service-ingest.ts          (BENCH_HTTP_SECONDS=10 BENCH_CLIENTS=256)
// The chain is anvil with one block per second, so "interval + 2 blocks" means 1 s + 2 s.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { Agent, request } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { promisify } from "node:util";
import { canonicalJson } from "../src/canonicalJson.js";
import { deployRegistry, registerOrganisation } from "../src/chain/registry.js";
import { connectWriter } from "../src/cli/connect.js";
import { DEV_PRIVATE_KEY } from "../src/embeddedChain.js";
import { type LedgerEntry, entryHash, entryJson, entrySubjectSha256, leafOfEntry } from "../src/entry.js";
import { createRecord } from "../src/record.js";
import { createIngestQueue } from "../src/service/ingestQueue.js";
import { openPostgresServiceStore } from "../src/service/postgresServiceStore.js";
import type { NewEntry, ServiceStore } from "../src/service/serviceStore.js";
import { openSqliteServiceStore } from "../src/service/sqliteServiceStore.js";
import { startPostgresCluster } from "../scripts/postgresCluster.js";

const root = join(import.meta.dirname, "..");
const node = process.execPath;
const HTTP_SECONDS = Number(process.env.BENCH_HTTP_SECONDS ?? 10);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 256);
const INTERVAL_S = 1;
const BLOCK_S = 1;
const run = promisify(execFile);

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });

function record(i: number) {
  return createRecord({ type: "training-event", subject: { name: `bench/model-${i % 97}`, version: "1.0.0", digest: { sha256: randomBytes(32).toString("hex") } }, fields: { step: String(i) } });
}

function newEntry(orgId: number, i: number): NewEntry {
  const entry: LedgerEntry = { kind: "record", record: record(i) };
  return { orgId, kind: "record", entryHash: entryHash(entry), leaf: leafOfEntry(entry), subjectSha256: entrySubjectSha256(entry), body: canonicalJson(entryJson(entry)) };
}

/** SDK ingest: entries built (canonical JSON, SHA-256, leaf) and committed durably in group commits of 500. */
async function sdkIngest(store: ServiceStore, count: number): Promise<number> {
  const ingest = createIngestQueue({ store, maxEntries: 500 });
  const started = performance.now();
  const pending: Promise<unknown>[] = [];
  for (let i = 0; i < count; i += 500) {
    const chunk = Array.from({ length: Math.min(500, count - i) }, (_, j) => newEntry(1, i + j));
    pending.push(ingest.add(chunk));
    if (pending.length >= 4) await pending.shift();
  }
  await Promise.all(pending);
  await ingest.close();
  return count / ((performance.now() - started) / 1000);
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function rpc(url: string, method: string, params: unknown[] = []): Promise<unknown> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) });
  return ((await res.json()) as { result: unknown }).result;
}

function post(agent: Agent, port: number, path: string, token: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method: "POST", agent, headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "content-length": Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** Runs `clients` concurrent loops posting bodies from `next` for `seconds`; counts acknowledged entries. */
async function load(port: number, token: string, path: string, clients: number, seconds: number, next: () => { body: string; entries: number }) {
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  let acked = 0;
  let failed = 0;
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < deadline) {
        const { body, entries } = next();
        const status = await post(agent, port, path, token, body).catch(() => 0);
        if (status === 200 || status === 201) acked += entries;
        else failed++;
      }
    }),
  );
  agent.destroy();
  return { acked, failed, perSecond: acked / ((performance.now() - started) / 1000) };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), "bench-service-"));
  const children: ChildProcess[] = [];
  try {
    // 1. SDK ingest, SQLite and PostgreSQL.
    const sqlite = await openSqliteServiceStore(join(work, "sdk.db"));
    await sdkIngest(sqlite, 5_000); // warm-up
    const sdkSqlite = await sdkIngest(sqlite, 100_000);
    await sqlite.close();
    let sdkPostgres: number | string = "n/a";
    try {
      const cluster = await startPostgresCluster();
      try {
        const pg = await openPostgresServiceStore(cluster.connectionString);
        await sdkIngest(pg, 5_000);
        sdkPostgres = await sdkIngest(pg, 50_000);
        await pg.close();
      } finally {
        await cluster.stop();
      }
    } catch (error) {
      sdkPostgres = `not measured: ${(error as Error).message.split("\n")[0]}`;
    }

    // 2. The service as its own process on anvil (1 s blocks), loaded over HTTP from this one.
    const anvilPort = await freePort();
    const anvil = spawn(join(root, "node_modules", ".bin", "anvil"), ["--port", String(anvilPort), "--block-time", String(BLOCK_S), "--silent"], { stdio: "ignore" });
    children.push(anvil);
    const rpcUrl = `http://127.0.0.1:${anvilPort}`;
    await waitFor(async () => (await rpc(rpcUrl, "eth_chainId")) !== undefined, 20_000, "anvil");
    const writer = await connectWriter(rpcUrl, DEV_PRIVATE_KEY, 30_000);
    const { registry } = await deployRegistry(writer);
    const { orgId } = await registerOrganisation(writer, registry, { name: "Bench Lab" });
    const store = join(work, "service.db");
    const env = { PATH: process.env.PATH, HOME: work, PROVENANCE_STORE: store, PROVENANCE_RPC_URL: rpcUrl, PROVENANCE_REGISTRY: registry, PROVENANCE_CHAIN_ID: "31337", PROVENANCE_PRIVATE_KEY: DEV_PRIVATE_KEY, PROVENANCE_ORG: String(orgId) };
    const { stdout } = await run(node, [join(root, "bin", "provenance.js"), "token", "create", "--org", String(orgId), "--name", "bench", "--json"], { env });
    const token = (JSON.parse(stdout) as { token: string }).token;
    const port = await freePort();
    const service = spawn(node, [join(root, "bin", "provenance.js"), "serve", "--listen", `127.0.0.1:${port}`, "--interval", `${INTERVAL_S}s`, "--batch-size", "20000", "--log-level", "warn"], { env, stdio: ["ignore", "ignore", "inherit"] });
    children.push(service);
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok, 30_000, "the service");

    const singleBodies = Array.from({ length: 5_000 }, (_, i) => JSON.stringify({ record: record(i) }));
    let n = 0;
    const single = await load(port, token, "/v1/entries", CLIENTS, HTTP_SECONDS, () => ({ body: singleBodies[n++ % singleBodies.length]!.replace('"step":"', `"step":"${n}-`), entries: 1 }));
    const singleEnd = new Date().toISOString();
    const batchBody = () => JSON.stringify({ entries: Array.from({ length: 1000 }, (_, i) => ({ record: record(i) })) });
    const batches = await load(port, token, "/v1/entries:batch", 4, Math.max(3, HTTP_SECONDS / 2), () => ({ body: batchBody(), entries: 1000 }));

    // Drain: every acknowledged entry confirmed (depth 1 = mined), then the delays from the store.
    const db = new DatabaseSync(store, { readOnly: true });
    await waitFor(async () => Number((db.prepare("SELECT count(*) AS n FROM entries e LEFT JOIN batches b ON b.id = e.batch_id WHERE b.status IS NULL OR b.status <> 'confirmed'").get() as { n: number }).n) === 0, 120_000, "every entry to be confirmed");
    const rows = db.prepare("SELECT e.received_at AS r, b.confirmed_at AS c FROM entries e JOIN batches b ON b.id = e.batch_id WHERE e.received_at <= ?").all(singleEnd) as { r: string; c: string }[];
    const delays = rows.map((row) => (Date.parse(row.c) - Date.parse(row.r)) / 1000).sort((a, b) => a - b);
    const batchCount = Number((db.prepare("SELECT count(*) AS n FROM batches").get() as { n: number }).n);
    db.close();
    service.kill("SIGTERM");

    const target = INTERVAL_S + 2 * BLOCK_S;
    const f = (x: number | string) => (typeof x === "number" ? Math.round(x).toLocaleString("en-US") : x);
    console.log("\nAnchoring service, this machine (2 cores shared by the service, its clients and the node)\n");
    console.log("| measure | ours | target | reference |");
    console.log("|---|---|---|---|");
    console.log(`| durable ingest through the SDK, SQLite (group commits of 500, fsync each) | ${f(sdkSqlite)} records/s | ≥ 10,000/s | Tessera POSIX: ~10,000 writes/s on NVMe, >1,500/s on a small VM |`);
    console.log(`| durable ingest through the SDK, PostgreSQL | ${f(sdkPostgres)}${typeof sdkPostgres === "number" ? " records/s" : ""} | | |`);
    console.log(`| HTTP, one entry per POST, ${CLIENTS} clients, ${HTTP_SECONDS} s | ${f(single.perSecond)} records/s (${f(single.acked)} acknowledged, ${single.failed} failed) | ≥ 5,000/s | |`);
    console.log(`| HTTP, POST /v1/entries:batch of 1000, 4 clients | ${f(batches.perSecond)} records/s (${f(batches.acked)} acknowledged, ${batches.failed} failed) | | |`);
    console.log(`| accepted → anchored (confirmed at depth 1), p50 / p99 / max, ${f(delays.length)} entries of the single-entry run | ${percentile(delays, 50).toFixed(2)} s / ${percentile(delays, 99).toFixed(2)} s / ${(delays.at(-1) ?? Number.NaN).toFixed(2)} s | p99 ≤ interval + 2 blocks = ${target} s | |`);
    console.log(`| batches anchored | ${batchCount} | | |`);
    console.log("");
  } finally {
    for (const child of children) child.kill("SIGKILL");
    await rm(work, { recursive: true, force: true });
  }
}

await main();
process.exit(0);
