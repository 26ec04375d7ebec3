import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { type TestContext, after, describe, it } from "node:test";
import { promisify } from "node:util";
import pg from "pg";
import { encodeEventTopics } from "viem";
import { ANVIL_CHAIN_ID, type AnvilNode, type StartAnvilParameters, freePort, startAnvil } from "../helpers/anvilNode.js";
import { type Acknowledgement, type EntryLoad, type EntryLoadParameters, percentile, startEntryLoad } from "../helpers/entryLoad.js";
import { type PostgresCluster, postgresMissing, startPostgresCluster } from "../helpers/postgresCluster.js";
import { type ServiceProcess, type SpawnServiceParameters, spawnService } from "../helpers/serviceProcess.js";
import { startTcpProxy } from "../helpers/tcpProxy.js";
import { decodeBatchAnchored, deployRegistry, readAnchor, registerOrganisation } from "../../src/chain/registry.js";
import { provenanceRegistryAbi } from "../../src/chain/registryArtifact.js";
import type { ChainReader, LogEntry } from "../../src/chain/types.js";
import { connectReader } from "../../src/chain/connect.js";
import { findExecutable } from "../../src/local/environment/findExecutable.js";
import { StoreError } from "../../src/core/errors/store.js";
import type { Hex } from "../../src/core/hex.js";
import { loadMerkleTree } from "../../src/merkle/loadMerkleTree.js";
import type { MerkleTree } from "../../src/merkle/tree.js";
import { parseReceipt } from "../../src/formats/receipt.js";
import { sealBuilder } from "../../src/service/anchorer/anchorer.js";
import { generateApiToken, hashApiToken } from "../../src/service/apiToken.js";
import { ANCHOR_LEASE } from "../../src/service/service.js";
import { checkStore } from "../../src/service/store/checkStore.js";
import { openServiceStore } from "../../src/service/store/openServiceStore.js";
import type { NewEntry, ServiceBatch, ServiceStore } from "../../src/service/store/serviceStore.js";
import { openSqliteServiceStore } from "../../src/service/store/sqlite.js";
import { verifyReceipt } from "../../src/verify/verifyReceipt.js";
import { readAnswer } from "../helpers/httpAnswer.js";
import { modelRecordEntry } from "../helpers/serviceEntries.js";

// The real `provenance serve` (bin/provenance.js, a child process) against anvil, under the faults
// an operator meets: kill -9 at random moments under load, a reorg, a minute without the node, and
// a store that fills up. Clients behave as a careful client must: an idempotency key per entry, and
// every request that got no answer (or a 503) sent again, unchanged, until acknowledged. After each
// fault the service must have anchored every acknowledged entry exactly once, with receipts that
// verify against the node, and nothing it did not acknowledge.

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
// KILLS and POSTGRES_KILLS in the environment shorten a local run; the suite uses the defaults.
const KILLS = Number(process.env.KILLS ?? 100);
const POSTGRES_KILLS = Number(process.env.POSTGRES_KILLS ?? 20);

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

// A test that fails midway leaves neither clients sending nor a service running.
function startLoad(t: TestContext, parameters: EntryLoadParameters): EntryLoad {
  const load = startEntryLoad(parameters);
  t.after(() => load.abort());
  return load;
}

function startService(t: TestContext, parameters: SpawnServiceParameters): ServiceProcess {
  const service = spawnService(parameters);
  t.after(async () => void (await service.stop("SIGKILL")));
  return service;
}

/** An anvil with a registry and one organisation whose anchorer is development account 1, and a work directory. */
type Lab = {
  readonly node: AnvilNode;
  readonly registry: Hex;
  readonly orgId: number;
  /** The node directly (never through a proxy): what a verifier trusts. */
  readonly reader: ChainReader;
  readonly work: string;
  /** The service's PROVENANCE_* settings for `store`, talking to `rpcUrl` (default: the node). */
  env(store: string, rpcUrl?: string): Record<string, string>;
};

async function startLab(name: string, anvil: StartAnvilParameters = {}): Promise<Lab> {
  const node = await startAnvil(anvil);
  cleanups.push(() => node.stop());
  const admin = node.writerFor(0);
  const { registry } = await deployRegistry(admin);
  const { orgId } = await registerOrganisation(admin, registry, { name, anchorers: [node.writerFor(1).account] });
  const work = await mkdtemp(join(tmpdir(), "provenance-reliability-"));
  cleanups.push(() => rm(work, { recursive: true, force: true }));
  return {
    node,
    registry,
    orgId,
    reader: connectReader(node.rpcUrl, 20_000),
    work,
    env: (store, rpcUrl = node.rpcUrl) => ({
      PROVENANCE_RPC_URL: rpcUrl,
      PROVENANCE_REGISTRY: registry,
      PROVENANCE_CHAIN_ID: String(ANVIL_CHAIN_ID),
      PROVENANCE_PRIVATE_KEY: node.privateKeyOf(1),
      PROVENANCE_ORG: String(orgId),
      PROVENANCE_STORE: store,
    }),
  };
}

/** A token of `orgId` in the store at `location` (a SQLite file or a postgres:// URL). */
async function createToken(location: string, orgId: number): Promise<string> {
  const store = await openServiceStore(location);
  try {
    const token = generateApiToken();
    await store.createToken({ orgId, name: "reliability", tokenHash: hashApiToken(token) });
    return token;
  } finally {
    await store.close();
  }
}

/** Opens the store beside the running service (SQLite read-only: the service is its only writer). */
function inspect(location: string): Promise<ServiceStore> {
  return openServiceStore(location, location.startsWith("postgres") ? {} : { sqlite: { readOnly: true } });
}

/** Runs `body` with the store beside the running service open (see inspect), and closes it whatever happens. */
async function withInspected<T>(location: string, body: (store: ServiceStore) => Promise<T>): Promise<T> {
  const store = await inspect(location);
  try {
    return await body(store);
  } finally {
    await store.close();
  }
}

/** Runs `body` against the running service; then, whatever happens, stops it with SIGTERM and asserts a graceful exit (code 0). */
async function serveThenStop(service: ServiceProcess, body: () => Promise<unknown>, options: { afterStop?: () => void; message?: string } = {}): Promise<void> {
  try {
    await body();
  } finally {
    const exit = await service.stop("SIGTERM");
    options.afterStop?.();
    assert.equal(exit.code, 0, `${options.message ?? ""}${service.otherOutput}`);
  }
}

/**
 * `--interval 200ms --batch-size 50` (default): short cycles. The lease keeps its default TTL (30 s):
 * a restart takes over the lease of the process it replaces at once, since that process is gone.
 */
function serveArgs(port: number, options: { confirmations?: number; batchSize?: number } = {}): string[] {
  return [
    ...["--listen", `127.0.0.1:${port}`, "--interval", "200ms", "--batch-size", String(options.batchSize ?? 50), "--timeout", "5"],
    ...["--confirmations", String(options.confirmations ?? 1)],
  ];
}

async function waitFor(what: string, condition: () => Promise<boolean>, timeoutMs: number, everyMs = 100): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await condition()) return Date.now() - started;
    if (Date.now() - started > timeoutMs) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** True once nothing of the organisation is pending, sealed or anchored short of its confirmations. */
async function allConfirmed(store: ServiceStore, orgId: number): Promise<boolean> {
  const pending = (await store.pendingStats()).some((s) => s.orgId === orgId && s.pending > 0);
  return !pending && !(await store.unconfirmedBatches()).some((b) => b.orgId === orgId);
}

async function getJson(url: string, token?: string): Promise<{ status: number; body: any; text: string }> {
  return readAnswer(await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} }));
}

/** Sums a Prometheus counter over its labels. */
async function counter(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return text
    .split("\n")
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .reduce((sum, line) => sum + Number(line.split(" ").at(-1)), 0);
}

/**
 * The node's answers to verifyReceipt, remembered per question: thousands of receipts share a
 * few hundred batches, so the node is asked each question once. Every receipt still passes every
 * check against the node's answers.
 */
function rememberingReader(reader: ChainReader): ChainReader {
  const answers = new Map<string, Promise<unknown>>();
  const remember = <T>(key: string, ask: () => Promise<T>): Promise<T> => {
    let answer = answers.get(key);
    if (answer === undefined) {
      answer = ask();
      answers.set(key, answer);
      answer.catch(() => answers.delete(key));
    }
    return answer as Promise<T>;
  };
  return {
    getChainId: () => remember("chainId", () => reader.getChainId()),
    getBlockNumber: () => reader.getBlockNumber(),
    getBlock: (number) => remember(`block ${number}`, () => reader.getBlock(number)),
    getTransactionReceipt: (hash) => remember(`receipt ${hash}`, () => reader.getTransactionReceipt(hash)),
    call: (request) => remember(`call ${request.to} ${request.data}`, () => reader.call(request)),
    getLogs: (filter) => reader.getLogs(filter),
  };
}

/** Runs `body` over `items`, `concurrency` at a time. */
async function forEachConcurrently<T>(items: readonly T[], concurrency: number, body: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await body(items[next++]!);
    }),
  );
}

type AnchoredOnce = { readonly entries: number; readonly batches: number; readonly receipts: number };

/**
 * What must hold once the service has drained: every acknowledged entry is stored as acknowledged
 * (same id, same receivedAt, whichever answer the client got) and confirmed; each is in exactly one
 * batch, whose stored tree holds its leaf; nothing is stored that no client was acknowledged; each
 * batch root has exactly one BatchAnchored log, where the store says, and readAnchor agrees;
 * checkStore finds no problem; every receipt the API hands out verifies against the node.
 */
async function checkAnchoredOnce(p: {
  lab: Lab;
  store: ServiceStore;
  url: string;
  token: string;
  acknowledged: readonly Acknowledgement[];
  confirmations: number;
}): Promise<AnchoredOnce> {
  const { lab, store } = p;
  // One entry per key; every acknowledgement of an entry tells the same story.
  const byId = new Map<Hex, Acknowledgement>();
  const keys = new Set<string>();
  for (const ack of p.acknowledged) {
    assert.ok(!keys.has(ack.key), `key ${ack.key} acknowledged twice`);
    keys.add(ack.key);
    const seen = byId.get(ack.id);
    assert.ok(seen === undefined, `entry ${ack.id} acknowledged for keys ${seen?.key} and ${ack.key}`);
    byId.set(ack.id, ack);
  }

  const batches: ServiceBatch[] = [];
  for (let afterId = 0; ; ) {
    const page = (await store.listBatches(afterId, 500)).filter((b) => b.orgId === lab.orgId);
    if (page.length === 0) break;
    batches.push(...page);
    afterId = page.at(-1)!.id;
  }
  const trees = new Map<number, MerkleTree>();
  const leafUses = new Map<Hex, number>();
  for (const batch of batches) {
    assert.equal(batch.status, "confirmed", `batch ${batch.id} is ${batch.status}`);
    const tree = loadMerkleTree(await store.getBatchTree(batch.id));
    assert.equal(tree.root, batch.root);
    trees.set(batch.id, tree);
    for (let i = 0; i < tree.leafCount; i++) leafUses.set(tree.leafAt(i), (leafUses.get(tree.leafAt(i)) ?? 0) + 1);
  }
  const leaves = batches.reduce((sum, b) => sum + b.leafCount, 0);
  assert.equal(leaves, byId.size, `the batches hold ${leaves} entries; clients were acknowledged ${byId.size}`);

  const numericIds = new Set<number>();
  for (const [id, ack] of byId) {
    const stored = await store.getEntry(lab.orgId, id);
    assert.ok(stored, `acknowledged entry ${id} (key ${ack.key}, HTTP ${ack.status}) is not stored`);
    assert.equal(stored.status, "confirmed", `entry ${id} is ${stored.status}`);
    assert.equal(stored.receivedAt, ack.receivedAt, `entry ${id} was acknowledged as received at ${ack.receivedAt}, stored as ${stored.receivedAt}`);
    assert.ok(!numericIds.has(stored.id), `numeric id ${stored.id} used twice`);
    numericIds.add(stored.id);
    assert.equal(leafUses.get(stored.leaf), 1, `the leaf of ${id} is in ${leafUses.get(stored.leaf) ?? 0} batch trees`);
    assert.ok(trees.get(stored.batchId!)!.indexOf(stored.leaf) >= 0, `entry ${id} is not in the tree of its batch ${stored.batchId}`);
  }

  // The chain: one BatchAnchored log per root, where the store says.
  const topics = encodeEventTopics({ abi: provenanceRegistryAbi, eventName: "BatchAnchored" } as never) as (Hex | null)[];
  const logs = await lab.reader.getLogs({ address: lab.registry, topics: [topics[0]!], fromBlock: 0n, toBlock: "latest" });
  const logsByRoot = new Map<Hex, LogEntry[]>();
  for (const log of logs) {
    const event = decodeBatchAnchored(log, lab.registry);
    if (event?.orgId !== lab.orgId) continue;
    logsByRoot.set(event.root, [...(logsByRoot.get(event.root) ?? []), log]);
  }
  assert.equal(logsByRoot.size, batches.length, `${logsByRoot.size} roots anchored on chain, ${batches.length} batches stored`);
  for (const batch of batches) {
    const found = logsByRoot.get(batch.root) ?? [];
    assert.equal(found.length, 1, `root ${batch.root} of batch ${batch.id} has ${found.length} BatchAnchored logs`);
    const anchor = batch.anchor!;
    assert.deepEqual([found[0]!.transactionHash, Number(found[0]!.blockNumber), found[0]!.blockHash], [anchor.txHash, anchor.blockNumber, anchor.blockHash]);
    const onChain = await readAnchor(lab.reader, lab.registry, batch.orgId, batch.root);
    assert.deepEqual(onChain && [onChain.orgId, onChain.blockNumber, onChain.leafCount], [batch.orgId, anchor.blockNumber, batch.leafCount]);
  }
  const check = await checkStore({ store, chain: lab.reader, registry: lab.registry, chainId: ANVIL_CHAIN_ID });
  assert.deepEqual(check.problems, []);
  assert.equal(check.matched, batches.length);

  // Every receipt, from the API, verified against the node (not the service).
  const chain = rememberingReader(lab.reader);
  let receipts = 0;
  await forEachConcurrently([...byId.keys()], 8, async (id) => {
    const answer = await getJson(`${p.url}/v1/entries/${id}/receipt`, p.token);
    assert.equal(answer.status, 200, answer.text);
    const receipt = parseReceipt(answer.text);
    const verified = await verifyReceipt({
      receipt,
      chain,
      chainId: ANVIL_CHAIN_ID,
      registry: lab.registry,
      acceptedOrgIds: [lab.orgId],
      confirmations: p.confirmations,
    });
    assert.equal(verified.organisation.id, lab.orgId);
    receipts++;
  });
  return { entries: byId.size, batches: batches.length, receipts };
}

/** SQLite-level invariants of the file, read after the service stopped. */
function checkSqliteFile(file: string, orgId: number, acknowledged: number): void {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    const one = (sql: string, ...params: (number | string)[]) => db.prepare(sql).get(...params) as Record<string, number | string>;
    assert.equal(one("PRAGMA integrity_check").integrity_check, "ok");
    const counts = one("SELECT count(*) AS n, count(DISTINCT id) AS ids, count(DISTINCT entry_hash) AS hashes FROM entries WHERE org_id = ?", orgId);
    assert.deepEqual(
      [counts.n, counts.ids, counts.hashes],
      [acknowledged, acknowledged, acknowledged],
      "one row, one id per entry, and only acknowledged entries",
    );
    // Ids only grow: in id order, no entry was received before the one stored ahead of it.
    const backwards = one(
      "SELECT count(*) AS n FROM (SELECT received_at, lag(received_at) OVER (ORDER BY id) AS previous FROM entries) WHERE previous > received_at",
    );
    assert.equal(backwards.n, 0, "an id was handed out out of order");
    const sequence = one("SELECT seq FROM sqlite_sequence WHERE name = 'entries'");
    const max = one("SELECT max(id) AS id FROM entries");
    assert.ok(Number(sequence.seq) >= Number(max.id), "AUTOINCREMENT's high-water mark is behind the ids in use");
    const dangling = one(
      "SELECT count(*) AS n FROM idempotency_keys k LEFT JOIN entries e ON e.org_id = k.org_id AND e.entry_hash = k.entry_hash WHERE e.id IS NULL",
    );
    assert.equal(dangling.n, 0, "an idempotency key names no stored entry");
    const wrongCount = one("SELECT count(*) AS n FROM batches b WHERE leaf_count <> (SELECT count(*) FROM entries e WHERE e.batch_id = b.id)");
    assert.equal(wrongCount.n, 0, "a batch's leaf count differs from the entries assigned to it");
    const twiceMined = one("SELECT count(*) AS n FROM (SELECT batch_id FROM transactions WHERE status = 'mined' GROUP BY batch_id HAVING count(*) > 1)");
    assert.equal(twiceMined.n, 0, "a batch has two mined transactions");
    const unrecorded = one(
      "SELECT count(*) AS n FROM batches b WHERE NOT EXISTS (SELECT 1 FROM transactions t WHERE t.batch_id = b.id AND t.hash = b.tx_hash AND t.status = 'mined')",
    );
    assert.equal(unrecorded.n, 0, "a batch's anchoring transaction is not its mined outbox transaction");
  } finally {
    db.close();
  }
}

/** PostgreSQL-level invariants of the database. */
async function checkPostgresDatabase(url: string, orgId: number, acknowledged: number): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const one = async (sql: string, ...params: unknown[]) => (await client.query(sql, params)).rows[0] as Record<string, string>;
    const counts = await one("SELECT count(*) AS n, count(DISTINCT id) AS ids, count(DISTINCT entry_hash) AS hashes FROM entries WHERE org_id = $1", orgId);
    assert.deepEqual([counts.n, counts.ids, counts.hashes].map(Number), [acknowledged, acknowledged, acknowledged]);
    const dangling = await one(
      "SELECT count(*) AS n FROM idempotency_keys k LEFT JOIN entries e ON e.org_id = k.org_id AND e.entry_hash = k.entry_hash WHERE e.id IS NULL",
    );
    assert.equal(Number(dangling.n), 0, "an idempotency key names no stored entry");
    const wrongCount = await one("SELECT count(*) AS n FROM batches b WHERE leaf_count <> (SELECT count(*) FROM entries e WHERE e.batch_id = b.id)");
    assert.equal(Number(wrongCount.n), 0);
    const twiceMined = await one(
      "SELECT count(*) AS n FROM (SELECT batch_id FROM transactions WHERE status = 'mined' GROUP BY batch_id HAVING count(*) > 1) t",
    );
    assert.equal(Number(twiceMined.n), 0, "a batch has two mined transactions");
  } finally {
    await client.end();
  }
}

/** Where the anchoring was when the process died, read from the store and the node right after. */
/** What the store and the node hold after a kill, and the anchoring lease as the killed process left it. */
async function stateAtKill(lab: Lab, location: string): Promise<{ found: string[]; lease: { holder: string; expiresAt: Date } | null }> {
  return withInspected(location, async (store) => {
    const found: string[] = [];
    const pending = await store.pendingTransactions();
    for (const tx of pending) {
      if (await lab.node.rpc("eth_getTransactionReceipt", [tx.hash])) found.push("transaction mined, not recorded");
      else if (await lab.node.rpc("eth_getTransactionByHash", [tx.hash])) found.push("transaction in the pool");
      else found.push("transaction stored, not broadcast");
    }
    const unconfirmed = await store.unconfirmedBatches();
    const withTx = new Set(pending.map((t) => t.batchId));
    if (unconfirmed.some((b) => b.status === "sealed" && !withTx.has(b.id))) found.push("batch sealed, no transaction");
    if (unconfirmed.some((b) => b.status === "anchored")) found.push("anchored, short of confirmations");
    if ((await store.pendingStats()).some((s) => s.pending > 0)) found.push("entries pending");
    return { found, lease: await store.readLease(ANCHOR_LEASE) };
  });
}

const TAKEOVER = "anchoring lease taken over from a process that is gone";
const LEASE_TAKEN = "anchoring lease taken: this instance anchors";

type KillRun = {
  readonly acknowledged: readonly Acknowledgement[];
  readonly load: EntryLoad;
  readonly service: ServiceProcess;
  readonly url: string;
  readonly token: string;
  readonly kills: number;
  /** Spawn → listening, per start (ms). */
  readonly startMs: number[];
  /** Spawn → first acknowledgement, per start (ms). */
  readonly firstAckMs: number[];
  /** Spawn → "anchoring lease taken", per start that got that far (ms). */
  readonly leaseMs: number[];
  /** Starts that took over the lease of the killed process (rather than waiting out its 30 s TTL). */
  readonly takeovers: number;
  /**
   * Starts that took the lease before the killed holder's expired (as the store held it after the
   * kill): only a takeover could get it then. How many there are depends on how often a kill came
   * before the start had reached the lease (on a loaded machine, often: on PostgreSQL it took a
   * few hundred ms after listening), so it is these, not a share of all starts, that must take over.
   */
  readonly mustTakeOver: number;
  /** Of those, the ones (start numbers) that did not take it over: must stay empty. */
  readonly notTakenOver: number[];
  /** How many kills found each state (several per kill). */
  readonly states: Map<string, number>;
  readonly requestsInFlightAtKill: number;
};

/**
 * Starts the service, lets `load` run, SIGKILLs it a random 50–600 ms after it listens (the first
 * one after it took the anchoring lease), restarts it on the same store and port, `kills` times;
 * then starts it a last time and stops the load (every entry started is then acknowledged). The
 * service is left running.
 */
/** After the kills: waits for every acknowledged entry to be confirmed, then checks each was anchored exactly once (at depth 2, as the kill runs ask) and its receipt verifies. */
async function drainKillRun(lab: Lab, store: ServiceStore, run: KillRun, drainTimeoutMs: number): Promise<{ drainMs: number; checked: AnchoredOnce }> {
  const drainMs = await waitFor("every acknowledged entry to be confirmed", () => allConfirmed(store, lab.orgId), drainTimeoutMs, 250);
  const checked = await checkAnchoredOnce({ lab, store, url: run.url, token: run.token, acknowledged: run.acknowledged, confirmations: 2 });
  return { drainMs, checked };
}

async function killRepeatedly(t: TestContext, lab: Lab, location: string, kills: number, confirmations: number): Promise<KillRun> {
  const token = await createToken(location, lab.orgId);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const spawnOne = () => startService(t, { args: serveArgs(port, { confirmations }), env: lab.env(location), cwd: lab.work });
  const load = startLoad(t, { url, token, concurrency: 32, pauseMs: 50, retryDelayMs: 50 });
  const startMs: number[] = [];
  const spawnedAt: number[] = [];
  const leaseMs: number[] = [];
  const states = new Map<string, number>();
  let requestsInFlightAtKill = 0;
  let takeovers = 0;
  let mustTakeOver = 0;
  const notTakenOver: number[] = [];
  let leftLease: { holder: string; expiresAt: Date } | null = null; // as the last kill left it: nothing runs until the next start
  /** Counts start `start`'s takeover, if any, and whether it had to take over (see KillRun.mustTakeOver). */
  const noteLease = (service: ServiceProcess, start: number): void => {
    const takeover = service.logs.find((l) => l.msg === TAKEOVER);
    const taken = takeover ?? service.logs.find((l) => l.msg === LEASE_TAKEN);
    if (takeover) takeovers++;
    // Logged once taken, so after the attempt: an attempt before the dead holder's lease expired is refused but for a takeover.
    if (taken && leftLease !== null && Date.parse(String(taken.time)) < leftLease.expiresAt.getTime()) {
      mustTakeOver++;
      if (!takeover) notTakenOver.push(start);
    }
  };
  for (let i = 0; i < kills; i++) {
    spawnedAt.push(Date.now());
    const service = spawnOne();
    await service.listening;
    startMs.push(service.startMs!);
    // The first start is killed holding the lease, so that a later one has a dead holder's lease to take over.
    if (i === 0) await waitFor("the first start to take the anchoring lease", async () => service.logs.some((l) => l.msg === LEASE_TAKEN), 60_000, 20);
    await sleep(50 + Math.random() * 550);
    if (load.inFlightRequests > 0) requestsInFlightAtKill++;
    const exit = await service.stop("SIGKILL");
    assert.equal(exit.signal, "SIGKILL", `the service died on its own: ${service.otherOutput}`);
    const errors = service.logs.filter((l) => l.level === "error");
    assert.deepEqual(errors, [], "the service logged errors");
    const lease = service.logs.find((l) => l.msg === LEASE_TAKEN);
    if (lease) leaseMs.push(lease.readAt - service.spawnedAt);
    noteLease(service, i);
    const atKill = await stateAtKill(lab, location);
    for (const state of atKill.found) states.set(state, (states.get(state) ?? 0) + 1);
    leftLease = atKill.lease;
  }
  spawnedAt.push(Date.now());
  const service = spawnOne();
  await service.listening;
  startMs.push(service.startMs!);
  // The last start anchors at once: it takes over the killed process's lease instead of waiting 30 s.
  await waitFor("the last start to take the anchoring lease", async () => service.logs.some((l) => l.msg === LEASE_TAKEN), 10_000, 20);
  noteLease(service, kills);
  const stopped = load.stop();
  await waitFor("the clients' last entries to be acknowledged", async () => load.outstanding === 0, 60_000);
  await stopped;
  assert.deepEqual(load.stats.errors, [], "answers other than 2xx, 503 or no answer");
  const acks = [...load.acknowledged].sort((a, b) => a.ackedAt - b.ackedAt);
  const firstAckMs = spawnedAt.flatMap((at) => {
    const first = acks.find((a) => a.ackedAt >= at);
    return first ? [first.ackedAt - at] : [];
  });
  return {
    acknowledged: load.acknowledged,
    load,
    service,
    url,
    token,
    kills,
    startMs,
    firstAckMs,
    leaseMs,
    takeovers,
    mustTakeOver,
    notTakenOver,
    states,
    requestsInFlightAtKill,
  };
}

/** Every start that came before a killed process's lease expired took it over at once (rather than waiting out its TTL); some did. */
function assertTookOver(run: KillRun): void {
  assert.deepEqual(run.notTakenOver, [], `starts that waited for a killed process's lease instead of taking it over (of ${run.mustTakeOver} that had to)`);
  assert.ok(run.mustTakeOver > 0, `no start came before a killed process's lease expired (${run.takeovers} takeovers of ${run.kills + 1} starts)`);
}

const ms = (values: readonly number[]) =>
  `p50 ${percentile(values, 50).toFixed(0)} ms, p95 ${percentile(values, 95).toFixed(0)} ms, max ${percentile(values, 100).toFixed(0)} ms`;

/** The figures of a run, printed with the test (`npm test` shows console output, not diagnostics). */
function report(lines: string[]): void {
  for (const line of lines) console.log(`      ${line}`);
}

describe("provenance serve under faults (a real process against anvil)", () => {
  // Side by side (both mostly wait: on restarts, on the outage's backoff), to keep the suite short.
  describe("kill -9 under load, and a minute without the node", { concurrency: true }, () => {
    it(`behavior: kill -9 at random moments, ${KILLS} times under load (SQLite) — every acknowledged entry is anchored exactly once and its receipt verifies`, {
      timeout: 600_000,
    }, async (t) => {
      const started = performance.now();
      const lab = await startLab("Kill Lab");
      // Automining, plus a block every 250 ms so that confirmations (2) come between anchors.
      const ticker = setInterval(() => void lab.node.mine().catch(() => {}), 250);
      t.after(() => clearInterval(ticker));
      const file = join(lab.work, "service.db");
      const runResult = await killRepeatedly(t, lab, file, KILLS, 2);
      const { service, load } = runResult;
      await serveThenStop(
        service,
        () =>
          withInspected(file, async (store) => {
            const { drainMs, checked } = await drainKillRun(lab, store, runResult, 180_000);
            const retried = runResult.acknowledged.filter((a) => a.attempts > 1);
            report([
              `${runResult.kills} kills; ${checked.entries} entries acknowledged (${retried.length} after a retry, ${retried.filter((a) => a.status === 200).length} of them answered 200: stored before the kill, answer lost), ${checked.batches} batches, ${checked.receipts} receipts verified`,
              `requests sent ${load.stats.requests}, no answer ${load.stats.connectionErrors}, 503 ${JSON.stringify(load.stats.unavailable)}; kills with requests in flight: ${runResult.requestsInFlightAtKill}`,
              `restart: spawn → listening ${ms(runResult.startMs)}; spawn → first acknowledgement ${ms(runResult.firstAckMs)}; spawn → anchoring lease ${ms(runResult.leaseMs)} (${runResult.takeovers} takeovers of a killed process's 30 s lease; ${runResult.mustTakeOver} starts came before it expired)`,
              `state found at the kills: ${[...runResult.states].map(([state, n]) => `${state} ${n}`).join(", ")}`,
              `drain after the last restart ${drainMs} ms; whole test ${((performance.now() - started) / 1000).toFixed(0)} s`,
            ]);
            assert.ok(runResult.requestsInFlightAtKill >= KILLS / 4, "a good part of the kills landed with requests in flight");
            assert.ok(retried.length > 0, "some entries were only acknowledged after a restart");
            assertTookOver(runResult);
          }),
        { afterStop: () => clearInterval(ticker), message: "graceful stop: " },
      );
      checkSqliteFile(file, lab.orgId, new Set(runResult.acknowledged.map((a) => a.id)).size);
    });

    it("behavior: a minute without the node — entries are still acknowledged, /readyz names the chain, RPC attempts back off; then everything is anchored", {
      timeout: 240_000,
    }, async (t) => {
      const OUTAGE_MS = 60_000;
      const lab = await startLab("Outage Lab");
      const proxy = await startTcpProxy({ host: "127.0.0.1", port: lab.node.port });
      cleanups.push(() => proxy.close());
      const file = join(lab.work, "service.db");
      const token = await createToken(file, lab.orgId);
      // Batches of up to 1000: the outage's backlog is anchored in a few transactions.
      const service = startService(t, { args: serveArgs(await freePort(), { batchSize: 1000 }), env: lab.env(file, proxy.url), cwd: lab.work });
      await serveThenStop(service, async () => {
        const url = await service.listening;
        const load = startLoad(t, { url, token, concurrency: 4, pauseMs: 50 });
        await withInspected(file, async (store) => {
          await waitFor("a first batch to be confirmed", async () => (await store.listBatches(0, 1)).some((b) => b.status === "confirmed"), 20_000);
          assert.equal((await getJson(`${url}/readyz`)).status, 200);

          const errorsBefore = await counter(url, "provenance_rpc_errors_total");
          const acknowledgedBefore = load.stats.acknowledgedEntries;
          const connectionsBefore = proxy.connections;
          const cutAt = Date.now();
          proxy.cut();
          await sleep(5_000);
          const readyDuring = await getJson(`${url}/readyz`); // asks the node once more (up to 3 connections)
          assert.equal(readyDuring.status, 503, readyDuring.text);
          assert.ok(
            readyDuring.body.reasons.some((r: string) => r.startsWith("chain:")),
            `/readyz names the chain: ${readyDuring.text}`,
          );
          assert.ok(
            readyDuring.body.reasons.some((r: string) => r.startsWith("anchorer:")),
            `/readyz names the anchorer's problem: ${readyDuring.text}`,
          );
          await sleep(cutAt + OUTAGE_MS - Date.now());
          const errors = (await counter(url, "provenance_rpc_errors_total")) - errorsBefore;
          const connections = proxy.connections - connectionsBefore;
          const acknowledged = load.stats.acknowledgedEntries - acknowledgedBefore;
          proxy.restore();
          const restoredAt = Date.now();

          // Ingest went on, and the anchorer tried the node seldom, each time waiting longer.
          assert.ok(acknowledged > 100, `only ${acknowledged} entries were acknowledged during the outage`);
          assert.deepEqual(load.stats.unavailable, {}, "no 503 during the outage");
          const failures = service.logs
            .filter((l) => l.msg === "RPC call failed; retrying with backoff" && Date.parse(String(l.time)) >= cutAt)
            .map((l) => Date.parse(String(l.time)));
          const gaps = failures.slice(1).map((at, i) => at - failures[i]!);
          // 250 ms doubling (each delay drawn from the upper half of its step) to 30 s: about 10 failed passes in a minute.
          assert.ok(errors >= 5 && errors <= 15, `${errors} RPC errors counted during a ${OUTAGE_MS / 1000} s outage`);
          assert.ok(connections <= 3 * 15 + 3, `${connections} connections tried during the outage`);
          // Gap i is at least the floor of the (i+1)-th failure's delay, half of 250 ms · 2^i: the delays
          // grow. Not "each gap at least the one before, less 150 ms": jitter may draw two nearly equal
          // delays, and on a loaded machine (the kill test runs beside this one) one pass may take
          // 150 ms more than the next.
          for (let i = 0; i < Math.min(gaps.length, 7); i++)
            assert.ok(gaps[i]! >= 125 * 2 ** i, `the delays between attempts shrank: ${gaps.join(", ")} ms (gap ${i} under ${125 * 2 ** i} ms)`);

          const lastOfOutage = load.acknowledged.filter((a) => a.ackedAt < restoredAt).at(-1)!;
          await waitFor(
            "the entries of the outage to be confirmed",
            async () => (await store.getEntry(lab.orgId, lastOfOutage.id))?.status === "confirmed",
            90_000,
            250,
          );
          const recoveredMs = Date.now() - restoredAt;
          assert.equal((await getJson(`${url}/readyz`)).status, 200, "ready again");
          await load.stop();
          await waitFor("the last entries to be confirmed", () => allConfirmed(store, lab.orgId), 30_000);
          const checked = await checkAnchoredOnce({ lab, store, url, token, acknowledged: load.acknowledged, confirmations: 1 });
          // The backlog went out in a few large batches, not one small batch per interval of the outage.
          const outageBatches = new Set<number>();
          for (const ack of load.acknowledged)
            if (ack.ackedAt >= cutAt && ack.ackedAt < restoredAt) outageBatches.add((await store.getEntry(lab.orgId, ack.id))!.batchId!);
          assert.ok(outageBatches.size <= Math.ceil(acknowledged / 1000) + 2, `the outage's ${acknowledged} entries went into ${outageBatches.size} batches`);
          report([
            `outage ${OUTAGE_MS / 1000} s: ${acknowledged} entries acknowledged meanwhile, no 503; provenance_rpc_errors_total +${errors}; ${connections} connections tried at the proxy (about ${Math.round(OUTAGE_MS / 650)} passes without backoff)`,
            `delays between failed passes: ${gaps.map((g) => (g / 1000).toFixed(1)).join(", ")} s; everything confirmed ${(recoveredMs / 1000).toFixed(1)} s after the node came back`,
            `${checked.entries} entries, ${checked.batches} batches (${outageBatches.size} for the outage's entries), ${checked.receipts} receipts verified`,
          ]);
        });
      });
    });
  });

  it("behavior: a reorg forced through anvil_reorg sends the service's anchor back to pending; it is anchored again and receipts appear only at depth 3", {
    timeout: 120_000,
  }, async (t) => {
    const lab = await startLab("Reorg Lab");
    const file = join(lab.work, "service.db");
    const token = await createToken(file, lab.orgId);
    const service = startService(t, { args: serveArgs(await freePort(), { confirmations: 3 }), env: lab.env(file), cwd: lab.work });
    await serveThenStop(service, async () => {
      const url = await service.listening;
      // One request of ten entries: one commit, so one batch.
      const load = startLoad(t, { url, token, concurrency: 1, entriesPerRequest: 10, pauseMs: 1_000 });
      await waitFor("ten acknowledged entries", async () => load.acknowledged.length >= 10, 10_000, 20);
      await load.stop();
      assert.equal(load.acknowledged.length, 10);
      const ids = load.acknowledged.map((a) => a.id);
      const entry = async (id: Hex) =>
        (await getJson(`${url}/v1/entries/${id}`, token)).body as { status: string; anchor?: { blockNumber: number; blockHash: Hex; txHash: Hex } };
      const entries = async () => Promise.all(ids.map(entry));
      const receiptStatuses = async () => [
        ...new Set(await Promise.all(ids.map(async (id) => (await getJson(`${url}/v1/entries/${id}/receipt`, token)).status))),
      ];
      const settle = () => sleep(700); // three of the anchorer's passes (every 200 ms)

      await waitFor("the entries to be anchored", async () => (await entries()).every((e) => e.status === "anchored"), 20_000);
      const first = await entries();
      const firstBlock = Math.min(...first.map((e) => e.anchor!.blockNumber));
      assert.deepEqual(await receiptStatuses(), [409], "no receipt at depth 1");
      await lab.node.mine();
      await settle();
      assert.deepEqual([...new Set((await entries()).map((e) => e.status))], ["anchored"]);
      assert.deepEqual(await receiptStatuses(), [409], "no receipt at depth 2");

      const reorgsBefore = await counter(url, "provenance_reorgs_total");
      const head = Number(await lab.reader.getBlockNumber());
      await lab.node.rpc("anvil_reorg", [head - firstBlock + 1, []]); // replaces every block from the first anchor's on
      assert.notEqual((await lab.reader.getBlock(BigInt(firstBlock)))!.hash, first[0]!.anchor!.blockHash);
      const seen = new Set<string>();
      await waitFor(
        "the entries to be anchored again, in another block",
        async () => {
          const now = await entries();
          for (const e of now) seen.add(e.status);
          return now.every((e, i) => e.status === "anchored" && e.anchor!.blockHash !== first[i]!.anchor!.blockHash);
        },
        20_000,
        20,
      );
      assert.equal((await counter(url, "provenance_reorgs_total")) - reorgsBefore, new Set(first.map((e) => e.anchor!.txHash)).size, "one reorg per anchor");
      assert.ok(
        service.logs.some((l) => l.msg.startsWith("reorg: the block that anchored a batch left the chain")),
        "the reorg was logged",
      );
      const second = await entries();
      second.forEach((e, i) => assert.equal(e.anchor!.txHash, first[i]!.anchor!.txHash, "the same signed transaction, mined again"));

      assert.deepEqual(await receiptStatuses(), [409], "no receipt at depth 1 of the new anchor");
      await lab.node.mine();
      await settle();
      assert.deepEqual([...new Set((await entries()).map((e) => e.status))], ["anchored"], "2 of 3 confirmations: still anchored");
      assert.deepEqual(await receiptStatuses(), [409], "no receipt at depth 2 of the new anchor");
      await lab.node.mine();
      await waitFor("the entries to be confirmed at depth 3", async () => (await entries()).every((e) => e.status === "confirmed"), 10_000);
      await withInspected(file, async (store) => {
        const checked = await checkAnchoredOnce({ lab, store, url, token, acknowledged: load.acknowledged, confirmations: 3 });
        const batchIds = new Set<number>();
        for (const id of ids) batchIds.add((await store.getEntry(lab.orgId, id))!.batchId!);
        for (const batchId of batchIds) {
          const txs = await store.transactionsOf(batchId);
          assert.deepEqual(
            txs.map((tx) => tx.status),
            ["mined"],
            "one outbox transaction, mined (again), never re-signed",
          );
        }
        report([
          `${checked.entries} entries in ${checked.batches} batch(es): anchored at block ${firstBlock}, reorged out, anchored again at block ${second[0]!.anchor!.blockNumber}; statuses seen meanwhile: ${[...seen].join(", ")}; receipts only at depth 3, all verified`,
        ]);
      });
    });
  });

  it("error: a store that fills up while the service runs (a file-size limit on the process) answers 503 STORE_UNAVAILABLE and acknowledges nothing; retried later, each entry is stored once", {
    timeout: 120_000,
  }, async (t) => {
    if (!(await findExecutable("prlimit", { path: process.env.PATH })))
      return t.skip("prlimit (util-linux) is not on PATH: it sets the file-size limit of the running service");
    const lab = await startLab("Full Disk Lab");
    const file = join(lab.work, "service.db");
    const token = await createToken(file, lab.orgId);
    const service = startService(t, { args: serveArgs(await freePort()), env: lab.env(file), cwd: lab.work });
    let acknowledgedEntries = 0;
    await serveThenStop(service, async () => {
      const url = await service.listening;
      const load = startLoad(t, { url, token, concurrency: 8, pauseMs: 10 });
      await waitFor("some entries acknowledged", async () => load.acknowledged.length >= 300, 20_000, 20);
      // The disk is full: from now on no file of the service may grow past 64 KiB (RLIMIT_FSIZE;
      // writes beyond it fail with EFBIG, as on a full disk, whatever the user: root included).
      await run("prlimit", ["--pid", String(service.pid), "--fsize=65536:unlimited"]); // the soft limit: lowered and raised again without privileges
      await waitFor("503 answers", async () => (load.stats.unavailable.STORE_UNAVAILABLE ?? 0) >= 50, 20_000, 20);
      let last = load.stats.acknowledgedEntries;
      await waitFor(
        "acknowledgements to stop",
        async () => {
          const now = load.stats.acknowledgedEntries;
          const still = now === last;
          last = now;
          return still;
        },
        20_000,
        1_000,
      );

      const answer = await fetch(`${url}/v1/entries`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({
          record: {
            format: "provenance-record-v1",
            type: "model-registered",
            subject: { name: "full/disk", version: "1", digest: { sha256: "ab".repeat(32) } },
            createdAt: new Date().toISOString(),
          },
        }),
      });
      const body = (await answer.json()) as { error: { code: string; message: string } };
      assert.equal(answer.status, 503);
      assert.equal(body.error.code, "STORE_UNAVAILABLE");
      assert.match(body.error.message, /nothing was acknowledged/);
      assert.ok(answer.headers.get("retry-after"), "Retry-After");
      assert.equal((await getJson(`${url}/healthz`)).status, 200, "alive");
      const ready = await getJson(`${url}/readyz`);
      assert.equal(ready.status, 503, ready.text);
      assert.ok(
        ready.body.reasons.some((r: string) => /^anchorer: .*unavailable/.test(r)),
        `/readyz names the store: ${ready.text}`,
      );

      // Nothing stored that was not acknowledged: exactly the acknowledged entries are in the file.
      const acknowledgedIds = new Set(load.acknowledged.map((a) => a.id));
      const waiting = [...load.outstandingKeys];
      assert.ok(waiting.length > 0, "clients are waiting for entries to be stored");
      await withInspected(file, async (store) => {
        for (const key of waiting)
          assert.equal(await store.getEntryByIdempotencyKey(lab.orgId, key), null, `entry of key ${key} was stored without an acknowledgement`);
        const db = new DatabaseSync(file, { readOnly: true });
        const stored = (db.prepare("SELECT entry_hash FROM entries WHERE org_id = ?").all(lab.orgId) as { entry_hash: Hex }[]).map((r) => r.entry_hash);
        db.close();
        assert.equal(stored.length, acknowledgedIds.size, "stored entries = acknowledged entries");
        for (const hash of stored) assert.ok(acknowledgedIds.has(hash), `${hash} is stored but was never acknowledged`);
        const full = {
          unavailable: load.stats.unavailable.STORE_UNAVAILABLE,
          waiting: waiting.length,
          stored: stored.length,
          message: body.error.message,
          ready: ready.body.reasons,
        };

        // Space again: the clients' retries are stored, once each.
        await run("prlimit", ["--pid", String(service.pid), "--fsize=unlimited:unlimited"]);
        await waitFor("the waiting entries to be acknowledged", async () => waiting.every((key) => !load.outstandingKeys.has(key)), 20_000, 50);
        await load.stop();
        await waitFor("every entry to be confirmed", () => allConfirmed(store, lab.orgId), 60_000, 250);
        const checked = await checkAnchoredOnce({ lab, store, url, token, acknowledged: load.acknowledged, confirmations: 1 });
        acknowledgedEntries = checked.entries;
        report([
          `store full: ${full.unavailable} answers 503 (${JSON.stringify(full.message)}); ${full.waiting} entries waiting, none stored; ${full.stored} stored = acknowledged; /readyz: ${JSON.stringify(full.ready)}`,
          `after space came back: ${checked.entries} entries, ${checked.batches} batches, ${checked.receipts} receipts verified`,
        ]);
      });
    });
    checkSqliteFile(file, lab.orgId, acknowledgedEntries);
  });

  describe("on PostgreSQL", () => {
    // Skipped, naming the reason, on a machine without the PostgreSQL server binaries.
    const missing = postgresMissing();
    if (missing) return void it(`skipped: ${missing}`, { skip: true }, () => {});
    let cluster: PostgresCluster;

    it(`behavior: kill -9 at random moments, ${POSTGRES_KILLS} times under load (PostgreSQL) — every acknowledged entry is anchored exactly once and its receipt verifies`, {
      timeout: 300_000,
    }, async (t) => {
      cluster = await startPostgresCluster();
      cleanups.push(() => cluster.stop());
      const lab = await startLab("Kill Lab on PostgreSQL");
      const ticker = setInterval(() => void lab.node.mine().catch(() => {}), 250);
      t.after(() => clearInterval(ticker));
      const location = cluster.connectionString;
      const runResult = await killRepeatedly(t, lab, location, POSTGRES_KILLS, 2);
      const { service } = runResult;
      await serveThenStop(
        service,
        () =>
          withInspected(location, async (store) => {
            const { drainMs, checked } = await drainKillRun(lab, store, runResult, 120_000);
            report([
              `${runResult.kills} kills; ${checked.entries} entries acknowledged, ${checked.batches} batches, ${checked.receipts} receipts verified; drain ${drainMs} ms`,
              `restart: spawn → listening ${ms(runResult.startMs)}; spawn → first acknowledgement ${ms(runResult.firstAckMs)}; spawn → anchoring lease ${ms(runResult.leaseMs)} (${runResult.takeovers} takeovers; ${runResult.mustTakeOver} starts came before the killed process's lease expired)`,
              `state found at the kills: ${[...runResult.states].map(([state, n]) => `${state} ${n}`).join(", ")}`,
            ]);
            assertTookOver(runResult);
          }),
        { afterStop: () => clearInterval(ticker) },
      );
      await checkPostgresDatabase(location, lab.orgId, new Set(runResult.acknowledged.map((a) => a.id)).size);
    });
  });
});

// The service commits ingest on a worker thread with its own SQLite connection (the conformance
// suite covers the store's contract; these cover what the thread adds).
describe("the SQLite ingest thread (the service's commit path)", () => {
  let dir: string;
  const newEntry = (orgId: number, size = 0): NewEntry =>
    modelRecordEntry(orgId, { name: "thread/model", ...(size > 0 ? { fields: { card: "x".repeat(size) } } : {}) });

  it("behavior: the caller's writes take turns with the thread's commits — sealing during ingest never waits on a lock (busy timeout 0), and every entry lands in exactly one batch", async () => {
    dir = await mkdtemp(join(tmpdir(), "provenance-ingest-thread-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const store = await openSqliteServiceStore(join(dir, "turns.db"), { ingestThread: true, busyTimeoutMs: 0 });
    try {
      let ingesting = true;
      const sealed: ServiceBatch[] = [];
      let sealedWhileIngesting = 0;
      // An anchorer's writes (seal, lease) on its timer, while 20 clients each commit 100 entries, one at a time.
      const sealer = (async () => {
        while (ingesting) {
          const batch = await store.sealBatch(1, 50, sealBuilder(new Date()), new Date());
          if (batch) sealed.push(batch);
          await store.acquireLease("anchorer", "thread-test", 30_000, new Date());
          sealedWhileIngesting = sealed.length;
          await new Promise((resolve) => setImmediate(resolve));
        }
      })();
      const clients = Array.from({ length: 20 }, async () => {
        const results = [];
        for (let i = 0; i < 100; i++) results.push((await store.addEntries([newEntry(1)]))[0]!);
        return results;
      });
      const added = (await Promise.all(clients)).flat();
      ingesting = false;
      await sealer;
      for (
        let batch = await store.sealBatch(1, 50, sealBuilder(new Date()), new Date());
        batch;
        batch = await store.sealBatch(1, 50, sealBuilder(new Date()), new Date())
      )
        sealed.push(batch);
      const leaves = new Map<Hex, number>();
      for (const batch of sealed) {
        const tree = loadMerkleTree(await store.getBatchTree(batch.id));
        for (let i = 0; i < tree.leafCount; i++) leaves.set(tree.leafAt(i), (leaves.get(tree.leafAt(i)) ?? 0) + 1);
      }
      const ids = new Set<number>();
      for (const result of added) {
        assert.equal(result.status, "created");
        if (result.status !== "created") continue;
        ids.add(result.id);
        assert.equal(leaves.get((await store.getEntry(1, result.entryHash))!.leaf), 1, `entry ${result.entryHash} is not in exactly one batch`);
      }
      assert.equal(ids.size, 2_000, "one id per entry");
      assert.ok(sealedWhileIngesting >= 5, `only ${sealedWhileIngesting} batches were sealed while ingesting`);
    } finally {
      await store.close();
    }
  });

  it("error: a full store (size quota) fails the thread's commit with STORE_UNAVAILABLE and keeps nothing of it", async () => {
    const path = join(dir, "full.db");
    await (await openSqliteServiceStore(path)).close();
    const store = await openSqliteServiceStore(path, { ingestThread: true, maxSizeBytes: 256 * 1024 });
    try {
      const small = newEntry(1);
      assert.equal((await store.addEntries([small]))[0]!.status, "created");
      const big = [newEntry(1, 200 * 1024), newEntry(1, 200 * 1024)];
      await assert.rejects(store.addEntries(big), (e: unknown) => e instanceof StoreError && e.code === "STORE_UNAVAILABLE" && /SQLITE_FULL/.test(e.message));
      for (const entry of big) assert.equal(await store.getEntry(1, entry.entryHash), null);
      assert.equal((await store.addEntries([small]))[0]!.status, "existing", "the store goes on");
    } finally {
      await store.close();
    }
  });

  it("behavior: close() lets the commits in flight finish; what it acknowledged is stored", async () => {
    const path = join(dir, "close.db");
    const store = await openSqliteServiceStore(path, { ingestThread: true });
    const entries = Array.from({ length: 200 }, () => newEntry(1));
    const pending = entries.map((e) => store.addEntries([e]));
    await store.close();
    const results = await Promise.allSettled(pending);
    const acknowledged = results.flatMap((r, i) => (r.status === "fulfilled" ? [entries[i]!] : []));
    assert.ok(acknowledged.length > 0);
    const reopened = await openSqliteServiceStore(path, { readOnly: true });
    try {
      for (const entry of acknowledged) assert.ok(await reopened.getEntry(1, entry.entryHash), "acknowledged, so stored");
    } finally {
      await reopened.close();
    }
  });
});
