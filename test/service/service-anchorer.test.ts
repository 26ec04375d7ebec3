import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { JsonRpcProvider, Wallet } from "ethers";
import { encodeEventTopics, parseTransaction, toHex } from "viem";
import { buildBatch } from "../../src/formats/batchMetadata.js";
import { fromEthers } from "../../src/chain/ethers.js";
import { deployRegistry, encodeAnchor, readAnchor, readOrganisation, registerOrganisation, setAnchorer } from "../../src/chain/registry.js";
import { sendAndWait } from "../../src/chain/transactions.js";
import { provenanceRegistryAbi } from "../../src/chain/registryArtifact.js";
import type { ChainWriter, FeeData } from "../../src/chain/types.js";
import { ChainError } from "../../src/core/errors/chain.js";
import type { Hex } from "../../src/core/hex.js";
import { loadMerkleTree } from "../../src/merkle/loadMerkleTree.js";
import { type Anchorer, type AnchorerConfig, createAnchorer } from "../../src/service/anchorer/anchorer.js";
import { createBackoff } from "../../src/service/backoff.js";
import { bumpedFees, initialFees } from "../../src/ledger/anchoring/feePolicy.js";
import type { NewEntry, OutboxTransaction, ServiceStore } from "../../src/service/store/serviceStore.js";
import { openSqliteServiceStore } from "../../src/service/store/sqlite.js";
import type { AnchorerEvents, Logger } from "../../src/service/types.js";
import { freePort } from "../helpers/localNode.js";
import { type AnvilNode, anvilPrivateKey, anvilWriter, startAnvil } from "../helpers/anvilNode.js";
import { modelRecordEntry } from "../helpers/serviceEntries.js";

// Faults need a real node: anvil (Foundry, via npm) has anvil_reorg, anvil_dropTransaction,
// evm_setAutomine and anvil_setNextBlockBaseFeePerGas. One anvil for the file; each test anchors
// from its own account (anvil --accounts 28) so nonces never interfere.

const GWEI = 1_000_000_000n;
/** The default anchorer's rebroadcastAfterMs (see setup). */
const REBROADCAST_AFTER_MS = 60_000;

let node: AnvilNode;
let rpcUrl: string;
let work: string;
let admin: ChainWriter;
let registry: Hex;
const stores: ServiceStore[] = [];
const anchorers: Anchorer[] = [];

const rpc = (method: string, params: unknown[] = []): Promise<unknown> => node.rpc(method, params);

const automine = (on: boolean) => rpc("evm_setAutomine", [on]);
/** Runs `run` with automine off (blocks come only from `mine()`), and turns it back on whatever happens. */
async function withoutAutomine(run: () => Promise<void>): Promise<void> {
  await automine(false);
  try {
    await run();
  } finally {
    await automine(true);
  }
}
const mine = (blocks = 1) => rpc("anvil_mine", [toHex(blocks)]);

/** A writer from development account `index` to `url` (the file's anvil, a second one, or a dead port), with a short timeout. */
const writerFor = (url: string, index: number, timeoutMs = 5_000): ChainWriter => anvilWriter(url, index, timeoutMs);
const privateKeyOf = anvilPrivateKey;

const newEntry = (orgId: number, name: string): NewEntry => modelRecordEntry(orgId, { name, version: "1.0.0" });

type Recorded = {
  sealed: Parameters<NonNullable<AnchorerEvents["onBatchSealed"]>>[0][];
  sent: Parameters<NonNullable<AnchorerEvents["onTransactionSent"]>>[0][];
  anchored: Parameters<NonNullable<AnchorerEvents["onBatchAnchored"]>>[0][];
  confirmed: Parameters<NonNullable<AnchorerEvents["onBatchConfirmed"]>>[0][];
  reorgs: Parameters<NonNullable<AnchorerEvents["onReorg"]>>[0][];
  rpcErrors: { operation: string; error: unknown; at: number }[];
  logs: { level: string; message: string; fields: Record<string, unknown> | undefined }[];
};

function recorder(): { recorded: Recorded; events: AnchorerEvents; logger: Logger } {
  const recorded: Recorded = { sealed: [], sent: [], anchored: [], confirmed: [], reorgs: [], rpcErrors: [], logs: [] };
  const log = (level: string) => (message: string, fields?: Record<string, unknown>) => void recorded.logs.push({ level, message, fields });
  return {
    recorded,
    logger: { debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") },
    events: {
      onBatchSealed: (b) => void recorded.sealed.push(b),
      onTransactionSent: (t) => void recorded.sent.push(t),
      onBatchAnchored: (b) => void recorded.anchored.push(b),
      onBatchConfirmed: (b) => void recorded.confirmed.push(b),
      onReorg: (b) => void recorded.reorgs.push(b),
      onRpcError: (operation, error) => void recorded.rpcErrors.push({ operation, error, at: Date.now() }),
    },
  };
}

/** An organisation whose anchorer is dev account `index`, a fresh SQLite store, a movable clock, and a factory of anchorers over them. */
async function setup(index: number, options: { anchorers?: number[]; store?: ServiceStore } = {}) {
  const writer = writerFor(rpcUrl, index);
  const anchorerAccounts = (options.anchorers ?? [index]).map((i) => writerFor(rpcUrl, i).account);
  const { orgId } = await registerOrganisation(admin, registry, { name: `Org ${index}`, anchorers: anchorerAccounts });
  const store = options.store ?? (await openSqliteServiceStore(join(work, `service-${index}.db`)));
  if (!options.store) stores.push(store);
  const clock = { offset: 0 };
  const { recorded, events, logger } = recorder();
  const make = (overrides: Partial<AnchorerConfig> = {}): Anchorer => {
    const anchorer = createAnchorer({
      store,
      writer,
      registry,
      chainId: 31337,
      orgIds: [orgId],
      intervalMs: 60_000,
      maxPending: 3,
      maxLeaves: 100,
      confirmations: 1,
      // A minute: real time never gets there within a test, only the movable clock does. With 1 s, a
      // loaded machine's slow passes could reach it before the test moved the clock, and rebroadcast
      // or replace a transaction the test expected to be left alone.
      fees: { bumpPercent: 20, maxFeePerGasCap: 100n * GWEI, rebroadcastAfterMs: REBROADCAST_AFTER_MS },
      leaseName: "anchorer",
      leaseHolder: `holder-${index}`,
      leaseTtlMs: 30_000,
      pollIntervalMs: 50,
      logger,
      events,
      now: () => new Date(Date.now() + clock.offset),
      ...overrides,
    });
    anchorers.push(anchorer);
    return anchorer;
  };
  const add = async (count: number): Promise<NewEntry[]> => {
    const entries = Array.from({ length: count }, (_, i) => newEntry(orgId, `org${index}/model-${i}-${randomBytes(3).toString("hex")}`));
    const results = await store.addEntries(entries);
    assert.ok(results.every((r) => r.status === "created"));
    return entries;
  };
  return { writer, orgId, store, clock, recorded, make, add };
}

/**
 * Every entry is in exactly one batch whose stored tree holds its leaf, and every batch root is
 * anchored on chain exactly once (one BatchAnchored log), by the organisation, where the store says.
 */
async function assertAnchoredOnce(store: ServiceStore, orgId: number, entries: readonly NewEntry[], status: "anchored" | "confirmed"): Promise<void> {
  const batches = new Map<number, Hex[]>();
  for (const e of entries) {
    const stored = await store.getEntry(orgId, e.entryHash);
    assert.ok(stored?.batchId, `entry ${e.entryHash} is in a batch`);
    assert.equal(stored.status, status, `entry ${e.entryHash} is ${status}`);
    batches.set(stored.batchId, [...(batches.get(stored.batchId) ?? []), e.leaf]);
  }
  for (const [id, leaves] of batches) {
    const batch = (await store.getBatch(id))!;
    const tree = loadMerkleTree(await store.getBatchTree(id));
    assert.equal(tree.root, batch.root);
    assert.equal(tree.leafCount, leaves.length, `batch ${id} holds exactly its entries`);
    for (const leaf of leaves) assert.ok(tree.indexOf(leaf) >= 0, `batch ${id}'s tree holds leaf ${leaf}`);
    const onChain = await readAnchor(admin, registry, orgId, batch.root);
    assert.equal(onChain?.orgId, orgId, `batch ${id} is anchored by organisation ${orgId}`);
    assert.equal(onChain.leafCount, leaves.length);
    assert.equal(onChain.blockNumber, batch.anchor?.blockNumber, "the store's anchor block is the chain's");
    const topics = encodeEventTopics({ abi: provenanceRegistryAbi, eventName: "BatchAnchored", args: { orgId, root: batch.root } } as never) as (Hex | null)[];
    const logs = await admin.getLogs({ address: registry, topics, fromBlock: 0n, toBlock: "latest" });
    assert.equal(logs.length, 1, `root of batch ${id} anchored exactly once`);
    assert.equal(logs[0]!.transactionHash, batch.anchor!.txHash);
    assert.equal(logs[0]!.blockHash, batch.anchor!.blockHash);
  }
  assert.equal((await readOrganisation(admin, registry, orgId))!.batchCount, batches.size, "no other root was anchored for the organisation");
}

/** Runs `count` passes: a mined transaction is recorded in one pass and confirmed (depth 1) in the next. */
async function ticks(anchorer: Anchorer, count: number): Promise<void> {
  for (let i = 0; i < count; i++) await anchorer.tick();
}

/**
 * Organisation `index` with three entries, automine off, and a default anchorer's first pass done (the batch sealed and
 * its transaction sent, not mined): `body` acts while the transaction waits.
 */
async function withOneInFlight(
  index: number,
  body: (t: Awaited<ReturnType<typeof setup>>, anchorer: Anchorer, entries: NewEntry[]) => Promise<void>,
): Promise<void> {
  const t = await setup(index);
  const anchorer = t.make();
  const entries = await t.add(3);
  await withoutAutomine(async () => {
    await anchorer.tick();
    await body(t, anchorer, entries);
  });
}

/** An anchorer killed after persisting its signed transaction and before broadcasting it: that transaction, as the store holds it. */
async function killedBeforeBroadcast(t: Awaited<ReturnType<typeof setup>>): Promise<OutboxTransaction | undefined> {
  const killed = t.make({ writer: { ...t.writer, sendRawTransaction: () => Promise.reject(new Error("killed before broadcasting")) } });
  await assert.rejects(killed.tick(), /killed before broadcasting/);
  return (await t.store.pendingTransactions())[0];
}

/**
 * A running anchorer (poll interval 60 s) of `t`, then one pass during which two entries arrive:
 * the pass reads pendingStats (nothing yet), and before that answer comes back the entries are
 * committed and notifyIngested runs. A race made certain; `entries` are those two.
 */
async function entriesArriveDuringAPass(
  t: Awaited<ReturnType<typeof setup>>,
  overrides: Partial<AnchorerConfig>,
): Promise<{ anchorer: Anchorer; entries: NewEntry[] }> {
  let racing = false;
  const entries: NewEntry[] = [];
  const store = new Proxy(t.store, {
    get(target, property, receiver) {
      if (property === "pendingStats")
        return async () => {
          const stats = await target.pendingStats();
          if (racing) {
            racing = false;
            entries.push(...(await t.add(2)));
            anchorer.notifyIngested(t.orgId, 2);
          }
          return stats;
        };
      const value = Reflect.get(target, property, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  const anchorer = t.make({ store, pollIntervalMs: 60_000, ...overrides });
  await anchorer.start();
  racing = true;
  await anchorer.tick(); // a pass, as the loop's would be
  assert.equal(racing, false, "the entries arrived during the pass's read");
  return { anchorer, entries };
}

/** Within 5 s (not at the 60 s poll), `entries` are sealed as one batch (`when`); then the anchorer stops and they are confirmed. */
async function sealedSoonThenConfirmed(t: Awaited<ReturnType<typeof setup>>, anchorer: Anchorer, entries: NewEntry[], when: string): Promise<void> {
  await waitUntil(() => t.recorded.sealed.length > 0);
  assert.deepEqual(
    t.recorded.sealed.map((b) => b.leafCount),
    [entries.length],
    `sealed ${when}, within 5 s: not at the 60 s poll`,
  );
  await anchorer.stop();
  await ticksThenConfirmed(t, anchorer, 2, entries);
}

/** `count` passes of `anchorer`; then every entry of `entries` is anchored exactly once and confirmed. */
async function ticksThenConfirmed(t: { store: ServiceStore; orgId: number }, anchorer: Anchorer, count: number, entries: readonly NewEntry[]): Promise<void> {
  await ticks(anchorer, count);
  await assertAnchoredOnce(t.store, t.orgId, entries, "confirmed");
}

/** Polls `done` every `stepMs` until it holds or 5 s have passed (the caller asserts which). */
async function waitUntil(done: () => boolean, stepMs = 10): Promise<void> {
  const from = Date.now();
  while (!done() && Date.now() - from < 5_000) await new Promise((resolve) => setTimeout(resolve, stepMs));
}

async function pendingNonce(writer: ChainWriter): Promise<number> {
  return writer.getTransactionCount(writer.account, "pending");
}

before(async () => {
  work = await mkdtemp(join(tmpdir(), "provenance-anchorer-"));
  node = await startAnvil({ accounts: 28 });
  rpcUrl = node.rpcUrl;
  admin = writerFor(rpcUrl, 0);
  registry = (await deployRegistry(admin)).registry;
});

after(async () => {
  await Promise.all(anchorers.map((a) => a.stop()));
  for (const store of stores) await store.close();
  await node?.stop();
  await rm(work, { recursive: true, force: true });
});

describe("ChainWriter adapters: nonce, fees, pool", () => {
  for (const adapter of ["viem", "ethers"] as const) {
    it(`default: ${adapter} signs with an explicit nonce, gas and fees (EIP-1559 and legacy) and reads the account's nonce and pool`, async () => {
      const index = adapter === "viem" ? 15 : 16;
      const provider = new JsonRpcProvider(rpcUrl, undefined, { staticNetwork: true, cacheTimeout: -1 });
      try {
        const writer = adapter === "viem" ? writerFor(rpcUrl, index) : await fromEthers({ provider, signer: new Wallet(privateKeyOf(index), provider) });
        const fees = await writer.getFees();
        assert.equal(fees.type, "eip1559");
        if (fees.type === "eip1559") {
          assert.ok(fees.baseFeePerGas > 0n);
          assert.equal(fees.maxFeePerGas, 2n * fees.baseFeePerGas + fees.maxPriorityFeePerGas);
        }
        await withoutAutomine(async () => {
          const nonce = await writer.getTransactionCount(writer.account, "latest");
          const signed = await writer.signTransaction({
            to: writer.account,
            data: "0x",
            nonce,
            gas: 50_000n,
            maxFeePerGas: 7n * GWEI,
            maxPriorityFeePerGas: 2n * GWEI,
          });
          const parsed = parseTransaction(signed.raw);
          assert.deepEqual(
            [parsed.type, parsed.nonce, parsed.gas, parsed.maxFeePerGas, parsed.maxPriorityFeePerGas],
            ["eip1559", nonce, 50_000n, 7n * GWEI, 2n * GWEI],
          );
          assert.equal(await writer.getTransaction(signed.hash), null, "unknown before it is sent");
          await writer.sendRawTransaction(signed.raw);
          const pooled = await writer.getTransaction(signed.hash);
          assert.deepEqual([pooled?.hash, pooled?.nonce, pooled?.from, pooled?.blockNumber], [signed.hash, nonce, writer.account, null]);
          assert.equal(await writer.getTransactionCount(writer.account, "pending"), nonce + 1);
          assert.equal(await writer.getTransactionCount(writer.account, "latest"), nonce);
          // Legacy (and zero-gas networks): a gas price instead of EIP-1559 fees.
          const legacy = await writer.signTransaction({ to: writer.account, data: "0x", nonce: nonce + 1, gasPrice: 5n * GWEI });
          const parsedLegacy = parseTransaction(legacy.raw);
          assert.deepEqual([parsedLegacy.type, parsedLegacy.nonce, parsedLegacy.gasPrice], ["legacy", nonce + 1, 5n * GWEI]);
          await writer.sendRawTransaction(legacy.raw);
          await mine();
          const minedTx = await writer.getTransaction(legacy.hash);
          assert.ok(minedTx?.blockNumber !== null && minedTx?.blockHash !== null, "mined: block number and hash set");
          assert.equal(await writer.getTransactionCount(writer.account, "latest"), nonce + 2);
        });
      } finally {
        provider.destroy();
      }
    });
  }
});

describe("fee policy and backoff", () => {
  const policy = { bumpPercent: 10, maxFeePerGasCap: 100n };
  const network = (maxFeePerGas: bigint, maxPriorityFeePerGas: bigint): FeeData => ({ type: "eip1559", baseFeePerGas: 1n, maxFeePerGas, maxPriorityFeePerGas });

  it("default: a replacement raises both fees by the bump percentage, rounded up, or to the network's fees if higher", () => {
    assert.deepEqual(bumpedFees({ maxFeePerGas: 50n, maxPriorityFeePerGas: 5n }, network(10n, 1n), policy), { maxFeePerGas: 55n, maxPriorityFeePerGas: 6n });
    assert.deepEqual(bumpedFees({ maxFeePerGas: 50n, maxPriorityFeePerGas: 5n }, network(70n, 9n), policy), { maxFeePerGas: 70n, maxPriorityFeePerGas: 9n });
    assert.deepEqual(bumpedFees({ maxFeePerGas: 50n, maxPriorityFeePerGas: 50n }, { type: "legacy", gasPrice: 1n }, policy), { gasPrice: 55n });
  });

  it("behavior: fees never exceed the cap; at the cap there is nothing to bump", () => {
    assert.deepEqual(bumpedFees({ maxFeePerGas: 95n, maxPriorityFeePerGas: 95n }, network(500n, 400n), policy), {
      maxFeePerGas: 100n,
      maxPriorityFeePerGas: 100n,
    });
    assert.equal(bumpedFees({ maxFeePerGas: 100n, maxPriorityFeePerGas: 3n }, network(500n, 4n), policy), null);
    assert.deepEqual(initialFees(network(500n, 200n), 100n), { fees: { maxFeePerGas: 100n, maxPriorityFeePerGas: 100n }, capped: true });
    assert.deepEqual(initialFees({ type: "legacy", gasPrice: 7n }, 100n), { fees: { gasPrice: 7n }, capped: false });
  });

  it("behavior: on a free-gas network (gas price 0) there is nothing to bump", () => {
    assert.equal(bumpedFees({ maxFeePerGas: 0n, maxPriorityFeePerGas: 0n }, { type: "legacy", gasPrice: 0n }, policy), null);
    assert.equal(bumpedFees({ maxFeePerGas: 0n, maxPriorityFeePerGas: 0n }, network(0n, 0n), policy), null);
  });

  it("behavior: backoff delays never shrink, stay within the cap, and start over after a success", () => {
    for (const random of [() => 0, () => 0.999, Math.random]) {
      const backoff = createBackoff({ initialMs: 250, maxMs: 30_000, random });
      const delays = Array.from({ length: 12 }, () => backoff.next());
      // 250 · 2^7 = 32 s: from the 8th failure on the delay is jittered within [15 s, 30 s].
      for (let i = 1; i < 8; i++) assert.ok(delays[i]! >= delays[i - 1]!, `delays never shrink: ${delays.join(", ")}`);
      assert.ok(delays[0]! >= 125 && delays[0]! <= 250);
      assert.ok(
        delays.slice(7).every((d) => d >= 15_000 && d <= 30_000),
        `capped: ${delays.join(", ")}`,
      );
      backoff.reset();
      assert.ok(backoff.next() <= 250);
    }
  });
});

describe("anchorer", () => {
  it("default: N pending entries are sealed, anchored, then confirmed only at the configured depth", async () => {
    const t = await setup(1);
    const anchorer = t.make({ confirmations: 3 });
    const entries = await t.add(3);
    await anchorer.tick(); // seals (3 = N) and sends
    assert.equal(t.recorded.sealed.length, 1);
    assert.equal(t.recorded.sealed[0]!.leafCount, 3);
    assert.equal(t.recorded.sent.length, 1);
    await anchorer.tick(); // mined: anchored
    await assertAnchoredOnce(t.store, t.orgId, entries, "anchored");
    assert.equal(t.recorded.anchored.length, 1);
    assert.ok(t.recorded.anchored[0]!.gasUsed > 0n && t.recorded.anchored[0]!.latencySeconds >= 0);
    await mine(1);
    await anchorer.tick(); // 2 of 3 confirmations
    assert.equal(t.recorded.confirmed.length, 0, "no receipt before the depth");
    await mine(1);
    await anchorer.tick();
    await assertAnchoredOnce(t.store, t.orgId, entries, "confirmed");
    assert.equal(t.recorded.confirmed.length, 1);
    const batch = (await t.store.getBatch(t.recorded.sealed[0]!.batchId))!;
    assert.equal(batch.status, "confirmed");
    assert.equal((await t.store.transactionsOf(batch.id)).map((tx) => tx.status).join(), "mined");
    const [metadata] = [JSON.parse(batch.metadata)];
    assert.equal(metadata.format, "provenance-batch-metadata-v1", "the ledger's batch metadata");
    assert.equal(
      batch.metadataHash,
      buildBatch(
        entries.map((e) => e.leaf),
        new Date(batch.sealedAt),
      ).metadataHash,
    );
  });

  it("behavior: reaching N wakes the running loop at once, without waiting for T or the poll interval", async () => {
    const t = await setup(2);
    const anchorer = t.make({ intervalMs: 3_600_000, pollIntervalMs: 60_000 });
    await anchorer.start();
    await new Promise((resolve) => setTimeout(resolve, 100)); // the first pass found nothing
    assert.equal(t.recorded.sealed.length, 0);
    const entries = await t.add(3);
    const woken = Date.now();
    anchorer.notifyIngested(t.orgId, 3);
    await waitUntil(() => t.recorded.sent.length > 0, 20);
    assert.equal(t.recorded.sealed.length, 1, "sealed after notifyIngested");
    assert.equal(t.recorded.sent.length, 1);
    assert.ok(Date.now() - woken < 2_000, "well before the 60 s poll interval");
    await anchorer.stop();
    await ticksThenConfirmed(t, anchorer, 2, entries);
  });

  it("behavior: the running loop seals when the oldest pending entry reaches T, not at its next poll", async () => {
    const t = await setup(20);
    const anchorer = t.make({ maxPending: 100, intervalMs: 400, pollIntervalMs: 60_000 });
    await anchorer.start();
    await new Promise((resolve) => setTimeout(resolve, 100)); // the first pass found nothing
    const entries = await t.add(2);
    const added = Date.now();
    anchorer.notifyIngested(t.orgId, 2);
    await waitUntil(() => t.recorded.sealed.length > 0);
    const waited = Date.now() - added;
    assert.equal(t.recorded.sealed.length, 1, "sealed");
    assert.ok(waited >= 390 && waited < 1_500, `sealed ${waited} ms after ingest: at T (400 ms), well before the 60 s poll`);
    await anchorer.stop();
    await ticksThenConfirmed(t, anchorer, 2, entries);
  });

  it("behavior: entries acknowledged while a pass reads what is pending are still sealed at T, not at the next poll", async () => {
    const t = await setup(26);
    // The pass must not overwrite the wake-up at T that the notification set with "nothing
    // pending" from its older read.
    const { anchorer, entries } = await entriesArriveDuringAPass(t, { maxPending: 100, intervalMs: 400 });
    assert.equal(t.recorded.sealed.length, 0, "not yet: younger than T");
    await sealedSoonThenConfirmed(t, anchorer, entries, "at T (400 ms)");
  });

  it("behavior: entries acknowledged while a pass reads what is pending still count towards N", async () => {
    const t = await setup(27);
    // Two entries arrive during the pass's read, which says "nothing pending"; the third, after
    // the pass, reaches N = 3 and must wake the loop.
    const { anchorer, entries } = await entriesArriveDuringAPass(t, { maxPending: 3, intervalMs: 3_600_000 });
    assert.equal(t.recorded.sealed.length, 0, "not yet: 2 < N");
    entries.push(...(await t.add(1)));
    anchorer.notifyIngested(t.orgId, 1);
    await sealedSoonThenConfirmed(t, anchorer, entries, "once N was reached, not at T (an hour)");
  });

  it("behavior: while a batch awaits its block or its confirmations, each new block starts a pass at once", async () => {
    const t = await setup(21);
    const anchorer = t.make({ confirmations: 2, pollIntervalMs: 60_000, headPollMs: 20 });
    const entries = await t.add(3);
    await anchorer.start(); // the first pass seals (N = 3) and sends; automine mines it at once
    const wait = async (what: string, done: () => boolean) => {
      const from = Date.now();
      await waitUntil(done);
      assert.ok(done(), `${what} within 5 s (the poll interval is 60 s)`);
      return Date.now() - from;
    };
    await wait("anchored once its block is seen", () => t.recorded.anchored.length === 1);
    assert.equal(t.recorded.confirmed.length, 0, "1 of 2 confirmations");
    await mine(1);
    const ms = await wait("confirmed once the next block is seen", () => t.recorded.confirmed.length === 1);
    assert.ok(ms < 1_000, `confirmed ${ms} ms after the block`);
    await anchorer.stop();
    await assertAnchoredOnce(t.store, t.orgId, entries, "confirmed");
  });

  it("behavior: fewer than N entries are sealed once the oldest has waited T", async () => {
    const t = await setup(3);
    const anchorer = t.make({ maxPending: 100, intervalMs: 5_000 });
    const entries = await t.add(2);
    await anchorer.tick();
    assert.equal(t.recorded.sealed.length, 0, "not yet: 2 < N and younger than T");
    t.clock.offset += 5_000;
    await anchorer.tick();
    assert.deepEqual(
      t.recorded.sealed.map((b) => b.leafCount),
      [2],
    );
    await ticksThenConfirmed(t, anchorer, 2, entries);
  });

  it("behavior: while a transaction is in flight, one batch per organisation waits behind it; later entries grow the next batch rather than queue as batches", async () => {
    const t = await setup(22);
    const anchorer = t.make({ maxPending: 3, maxLeaves: 100, fees: { bumpPercent: 20, maxFeePerGasCap: 100n * GWEI, rebroadcastAfterMs: 600_000 } });
    await withoutAutomine(async () => {
      const entries = await t.add(3);
      await anchorer.tick(); // batch 1 sealed and sent; no block comes
      entries.push(...(await t.add(3)));
      await anchorer.tick(); // batch 2 sealed: it waits behind batch 1's transaction
      for (let i = 0; i < 3; i++) {
        entries.push(...(await t.add(3))); // N reached each time, yet nothing more is sealed
        await anchorer.tick();
      }
      assert.deepEqual(
        t.recorded.sealed.map((b) => b.leafCount),
        [3, 3],
        "one batch in flight, one waiting",
      );
      assert.equal(t.recorded.sent.length, 1);
      assert.equal((await t.store.pendingStats()).find((s) => s.orgId === t.orgId)?.pending, 9);
      await mine();
      await anchorer.tick(); // batch 1 mined; batch 2 sent; the 9 pending sealed as one batch to wait behind it
      assert.deepEqual(
        t.recorded.sealed.map((b) => b.leafCount),
        [3, 3, 9],
      );
      assert.equal(t.recorded.sent.length, 2);
      for (let i = 0; i < 3; i++) {
        await mine();
        await ticks(anchorer, 2);
      }
      await assertAnchoredOnce(t.store, t.orgId, entries, "confirmed");
    });
  });

  it("behavior: killed between persisting and broadcasting, a new anchorer rebroadcasts the same bytes and anchors once", async () => {
    const t = await setup(4);
    const entries = await t.add(3);
    const persisted = await killedBeforeBroadcast(t);
    assert.ok(persisted, "the signed transaction was persisted first");
    assert.equal(await t.writer.getTransaction(persisted.hash), null, "and never reached the node");
    const nonce = await pendingNonce(t.writer);

    await ticksThenConfirmed(t, t.make(), 2, entries); // reconcile: unknown to the node → rebroadcast; mined → anchored; confirmed
    const batch = (await t.store.getBatch(persisted.batchId))!;
    assert.equal(batch.anchor!.txHash, persisted.hash, "the very transaction persisted before the crash");
    assert.deepEqual(
      (await t.store.transactionsOf(batch.id)).map((tx) => tx.status),
      ["mined"],
    );
    assert.equal(await pendingNonce(t.writer), nonce + 1, "one transaction, not two");
  });

  it("behavior: after the anchorer key is rotated, a transaction the old key persisted is rebroadcast while the old key may still anchor; anchored once", async () => {
    const t = await setup(14, { anchorers: [14, 15] });
    const entries = await t.add(3);
    const old = await killedBeforeBroadcast(t);
    await ticksThenConfirmed(t, t.make({ writer: writerFor(rpcUrl, 15) }), 3, entries);
    assert.equal((await t.store.getBatch(old!.batchId))!.anchor!.txHash, old!.hash, "the old key's signed bytes were still valid");
  });

  it("behavior: once the old key's anchorer role is revoked, the batch is anchored by the new key; anchored once", async () => {
    const t = await setup(16, { anchorers: [16, 15] });
    const entries = await t.add(3);
    const old = await killedBeforeBroadcast(t);
    await setAnchorer(admin, registry, { orgId: t.orgId, account: t.writer.account, grant: false });

    const rotated = writerFor(rpcUrl, 15);
    await ticksThenConfirmed(t, t.make({ writer: rotated }), 4, entries);
    const batch = (await t.store.getBatch(old!.batchId))!;
    const txs = await t.store.transactionsOf(batch.id);
    assert.equal(txs.filter((tx) => tx.status === "mined").length, 1);
    const mined = txs.find((tx) => tx.status === "mined")!;
    assert.equal(mined.from.toLowerCase(), rotated.account.toLowerCase(), "the new key anchored");
    assert.equal(batch.anchor!.txHash, mined.hash);
  });

  it("behavior: killed between broadcast and bookkeeping, a new anchorer adopts the anchor from the chain and sends nothing", async () => {
    const t = await setup(5);
    const entries = await t.add(3);
    const crashingStore = new Proxy(t.store, {
      get(target, property) {
        if (property === "markAnchored") return () => Promise.reject(new Error("killed before markAnchored"));
        const value = Reflect.get(target, property) as unknown;
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const killed = t.make({ store: crashingStore });
    await killed.tick(); // sealed, sent, mined
    await assert.rejects(killed.tick(), /killed before markAnchored/);
    const nonce = await pendingNonce(t.writer);
    const [sent] = t.recorded.sent;

    await ticksThenConfirmed(t, t.make(), 2, entries);
    assert.equal((await t.store.getBatch(sent!.batchId))!.anchor!.txHash, sent!.hash);
    assert.equal(await pendingNonce(t.writer), nonce, "nothing new was sent");
    assert.equal(t.recorded.sent.length, 1);
  });

  it("behavior: attack — a root anchored first by another organisation (which learned it) is still anchored for ours, not adopted", async () => {
    const t = await setup(25);
    const { orgId: squatter } = await registerOrganisation(admin, registry, { name: "Squatter", anchorers: [admin.account] });
    let squatted: Hex | undefined;
    // Between sealing and signing, the squatter anchors the sealed root under its own organisation.
    const writer = new Proxy(t.writer, {
      get(target, property) {
        if (property === "getFees" && squatted === undefined)
          return async () => {
            const batch = (await t.store.getBatch(t.recorded.sealed[0]!.batchId))!;
            squatted = batch.root;
            await sendAndWait(
              admin,
              { to: registry, data: encodeAnchor({ orgId: squatter, root: batch.root, leafCount: batch.leafCount, metadataHash: batch.metadataHash }) },
              {},
            );
            return target.getFees();
          };
        const value = Reflect.get(target, property) as unknown;
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const entries = await t.add(3);
    await ticks(t.make({ writer }), 3);
    assert.ok(squatted, "the squatter anchored first");
    assert.equal((await readAnchor(admin, registry, squatter, squatted))?.orgId, squatter);
    await assertAnchoredOnce(t.store, t.orgId, entries, "confirmed");
    assert.equal(t.recorded.sent.length, 1, "our own transaction, sent once");
  });

  it("behavior: a transaction dropped from the node's pool is rebroadcast byte for byte", () =>
    withOneInFlight(6, async (t, anchorer, entries) => {
      const [tx] = await t.store.pendingTransactions();
      assert.ok(tx && (await t.writer.getTransaction(tx.hash)), "in the pool");
      await rpc("anvil_dropTransaction", [tx.hash]);
      assert.equal(await t.writer.getTransaction(tx.hash), null, "dropped");
      await anchorer.tick();
      assert.equal(await t.writer.getTransaction(tx.hash), null, "not rebroadcast before rebroadcastAfterMs");
      t.clock.offset += REBROADCAST_AFTER_MS;
      await anchorer.tick();
      assert.ok(await t.writer.getTransaction(tx.hash), "rebroadcast: the node has it again");
      assert.equal((await t.store.transactionsOf(tx.batchId)).length, 1, "the same bytes, not a new transaction");
      await mine();
      await ticksThenConfirmed(t, anchorer, 2, entries);
      assert.equal((await t.store.getBatch(tx.batchId))!.anchor!.txHash, tx.hash);
    }));

  it("behavior: a transaction held but not mined is replaced at the same nonce with bumped fees; the older one is marked replaced", () =>
    withOneInFlight(7, async (t, anchorer, entries) => {
      t.clock.offset += REBROADCAST_AFTER_MS;
      await anchorer.tick(); // known to the node, not mined after rebroadcastAfterMs: stuck
      const [first, second] = await t.store.transactionsOf(t.recorded.sealed[0]!.batchId);
      assert.ok(first && second, "a replacement was signed");
      assert.equal(second.nonce, first.nonce);
      assert.ok(BigInt(second.maxFeePerGas) >= (BigInt(first.maxFeePerGas) * 120n) / 100n, "by at least bumpPercent");
      assert.ok(BigInt(second.maxPriorityFeePerGas) >= (BigInt(first.maxPriorityFeePerGas) * 120n) / 100n);
      assert.deepEqual(
        t.recorded.sent.map((s) => s.replacement),
        [false, true],
      );
      await mine();
      await ticksThenConfirmed(t, anchorer, 2, entries);
      assert.deepEqual(
        (await t.store.transactionsOf(first.batchId)).map((tx) => tx.status),
        ["replaced", "mined"],
      );
    }));

  it("behavior: a transaction priced out by the base fee is bumped step by step up to the cap, never above it, then rebroadcast at the cap", async () => {
    const t = await setup(8);
    const cap = (5n * GWEI) / 2n;
    // A fee oracle that lags the market: it keeps suggesting 1.2 gwei.
    const staleFees = async (): Promise<FeeData> => ({
      type: "eip1559",
      baseFeePerGas: GWEI,
      maxFeePerGas: (12n * GWEI) / 10n,
      maxPriorityFeePerGas: GWEI / 10n,
    });
    const anchorer = t.make({ writer: { ...t.writer, getFees: staleFees }, fees: { bumpPercent: 20, maxFeePerGasCap: cap, rebroadcastAfterMs: 1_000 } });
    const entries = await t.add(3);
    await withoutAutomine(async () => {
      await anchorer.tick(); // 1.2 gwei, accepted while the base fee is 1 gwei
      await rpc("anvil_setNextBlockBaseFeePerGas", [toHex(3n * GWEI)]);
      await mine(); // the base fee jumps to 3 gwei: anvil evicts the transaction
      const atCap = () => t.recorded.logs.some((l) => l.level === "warn" && /at the cap/.test(l.message));
      for (let i = 0; i < 12 && !atCap(); i++) {
        t.clock.offset += 1_000;
        await anchorer.tick();
      }
      assert.ok(atCap(), "a warning once the cap is reached");
      const batchId = t.recorded.sealed[0]!.batchId;
      const txs = await t.store.transactionsOf(batchId);
      const fees = txs.map((tx) => BigInt(tx.maxFeePerGas));
      assert.deepEqual(fees, [1_200_000_000n, 1_440_000_000n, 1_728_000_000n, 2_073_600_000n, 2_488_320_000n, cap], "20 % steps, then the cap");
      for (const tx of txs) {
        const signed = parseTransaction(tx.raw);
        assert.ok(signed.maxFeePerGas! <= cap && signed.maxPriorityFeePerGas! <= signed.maxFeePerGas!, "the signed bytes never exceed the cap");
        assert.equal(signed.nonce, txs[0]!.nonce, "always the same nonce");
      }
      t.clock.offset += 1_000;
      await anchorer.tick();
      assert.equal((await t.store.transactionsOf(batchId)).length, txs.length, "at the cap: no new transaction, only rebroadcasts");

      await rpc("anvil_setNextBlockBaseFeePerGas", [toHex(GWEI)]); // the market calms down
      t.clock.offset += 1_000;
      await anchorer.tick(); // the transaction at the cap is accepted now
      await mine();
      await ticksThenConfirmed(t, anchorer, 2, entries);
      const statuses = (await t.store.transactionsOf(batchId)).map((tx) => tx.status);
      assert.deepEqual(statuses, ["replaced", "replaced", "replaced", "replaced", "replaced", "mined"]);
      assert.equal((await t.store.getBatch(batchId))!.anchor!.txHash, txs.at(-1)!.hash);
    });
  });

  it("behavior: when another transaction takes our nonce, the batch is re-signed with a fresh nonce and anchored once", () =>
    withOneInFlight(9, async (t, anchorer, entries) => {
      const [ours] = await t.store.pendingTransactions();
      // Someone else with the key (another tool, an operator) sends at the same nonce with higher fees.
      const foreign = await t.writer.signTransaction({
        to: t.writer.account,
        data: "0x",
        nonce: ours!.nonce,
        maxFeePerGas: 50n * GWEI,
        maxPriorityFeePerGas: 10n * GWEI,
      });
      await t.writer.sendRawTransaction(foreign.raw);
      await mine();
      assert.equal((await t.writer.getTransactionReceipt(foreign.hash))?.status, "success");
      await anchorer.tick(); // nonce taken, root not anchored: re-sign
      const txs = await t.store.transactionsOf(ours!.batchId);
      assert.equal(txs.length, 2);
      assert.equal(txs[1]!.nonce, ours!.nonce + 1, "the next free nonce");
      await mine();
      await ticksThenConfirmed(t, anchorer, 2, entries);
      assert.deepEqual(
        (await t.store.transactionsOf(ours!.batchId)).map((tx) => tx.status),
        ["dropped", "mined"],
      );
    }));

  it("behavior: a block made while the anchorer looks is not mistaken for a foreign use of its nonce", async () => {
    const t = await setup(24);
    let mineOnce = true;
    // The node makes a block right after answering "no receipt yet" for our transaction.
    const writer: ChainWriter = {
      ...t.writer,
      getTransactionReceipt: async (hash) => {
        const receipt = await t.writer.getTransactionReceipt(hash);
        if (!receipt && mineOnce) {
          mineOnce = false;
          await mine();
        }
        return receipt;
      },
    };
    const anchorer = t.make({ writer });
    const entries = await t.add(3);
    await withoutAutomine(async () => {
      await anchorer.tick(); // sealed and sent; not mined
      await anchorer.tick(); // asks: no receipt, then the block comes
      await ticksThenConfirmed(t, anchorer, 2, entries);
      assert.deepEqual(
        t.recorded.logs.filter((l) => l.level === "warn").map((l) => l.message),
        [],
        "no warning: nothing was amiss",
      );
      assert.deepEqual(
        (await t.store.transactionsOf(t.recorded.sealed[0]!.batchId)).map((tx) => tx.status),
        ["mined"],
      );
    });
  });

  it("behavior: a stored transaction above the node's next nonce (a gap) is re-signed at the node's nonce", async () => {
    const t = await setup(10);
    const entries = await t.add(3);
    // What a crash can leave: a batch whose transaction was signed after one that the node lost.
    const sealedAt = new Date();
    const batch = (await t.store.sealBatch(
      t.orgId,
      100,
      (leaves) => {
        const { tree, metadata, metadataHash } = buildBatch(leaves, sealedAt);
        return { root: tree.root, tree: tree.toBytes(), metadata, metadataHash };
      },
      sealedAt,
    ))!;
    const nonce = await pendingNonce(t.writer);
    const data = encodeAnchor({ orgId: t.orgId, root: batch.root, leafCount: batch.leafCount, metadataHash: batch.metadataHash });
    const gapped = await t.writer.signTransaction({ to: registry, data, nonce: nonce + 1 });
    await t.store.addTransaction(
      {
        batchId: batch.id,
        chainId: 31337,
        from: t.writer.account,
        nonce: nonce + 1,
        hash: gapped.hash,
        raw: gapped.raw,
        maxFeePerGas: "1",
        maxPriorityFeePerGas: "1",
      },
      new Date(),
    );
    const anchorer = t.make();
    await anchorer.tick(); // reconcile rebroadcasts it; it waits behind the gap
    assert.equal(await t.writer.getTransactionReceipt(gapped.hash), null, "not minable");
    t.clock.offset += REBROADCAST_AFTER_MS;
    await anchorer.tick(); // the gap is seen: re-signed at the node's nonce (and mined)
    await ticksThenConfirmed(t, anchorer, 2, entries);
    const txs = await t.store.transactionsOf(batch.id);
    assert.deepEqual(
      txs.map((tx) => [tx.nonce, tx.status]),
      [
        [nonce + 1, "dropped"],
        [nonce, "mined"],
      ],
    );
  });

  it("behavior: a reorg that removes the anchor block sends the batch back to sealed; it is anchored again and confirmed only at depth", async () => {
    const t = await setup(11);
    const anchorer = t.make({ confirmations: 3 });
    const entries = await t.add(3);
    await anchorer.tick();
    await anchorer.tick();
    const batchId = t.recorded.sealed[0]!.batchId;
    const first = (await t.store.getBatch(batchId))!.anchor!;
    await mine(1);
    const head = Number(await t.writer.getBlockNumber());
    await rpc("anvil_reorg", [head - first.blockNumber + 1, []]); // replaces the anchor block and the one after
    assert.notEqual((await t.writer.getBlock(BigInt(first.blockNumber)))!.hash, first.blockHash);
    assert.equal(await readAnchor(admin, registry, t.orgId, (await t.store.getBatch(batchId))!.root), null, "the reorg undid the anchor");

    await anchorer.tick(); // reorg seen → sealed; the same transaction is rebroadcast
    assert.deepEqual(t.recorded.reorgs, [{ orgId: t.orgId, batchId, blockNumber: first.blockNumber }]);
    assert.equal(t.recorded.confirmed.length, 0);
    await anchorer.tick();
    const second = (await t.store.getBatch(batchId))!;
    assert.equal(second.status, "anchored");
    assert.notEqual(second.anchor!.blockHash, first.blockHash, "anchored again, in another block");
    assert.equal(second.anchor!.txHash, first.txHash, "by the same signed transaction");
    assert.equal(t.recorded.anchored.length, 2);
    await mine(1);
    await anchorer.tick();
    assert.equal((await t.store.getBatch(batchId))!.status, "anchored", "2 of 3 confirmations: no receipt yet");
    await mine(1);
    await anchorer.tick();
    await assertAnchoredOnce(t.store, t.orgId, entries, "confirmed");
    assert.equal(t.recorded.confirmed.length, 1);
    assert.deepEqual((await t.store.getBatch(batchId))!.anchor, second.anchor);
  });

  it("error: a node serving another chain ID is refused at start, before anything is sent", async () => {
    const t = await setup(12);
    await t.add(3);
    const nonce = await pendingNonce(t.writer);
    const anchorer = t.make({ chainId: 1 });
    const error = await anchorer.start().then(
      () => assert.fail("expected the start to be refused"),
      (e: unknown) => e,
    );
    assert.ok(error instanceof ChainError && error.code === "CHAIN_ID_MISMATCH", String(error));
    assert.match(error.shortMessage, /serves chain 31337, but the service is configured for chain 1/);
    assert.equal(anchorer.status().running, false);
    assert.equal(await pendingNonce(t.writer), nonce, "nothing was sent");
    assert.equal(await t.store.acquireLease("anchorer", "someone-else", 1_000, new Date()), true, "the lease was released");
  });

  it("error: an account that is not an anchorer of a served organisation is refused at start, by name", async () => {
    const t = await setup(13);
    const outsider = t.make({ writer: writerFor(rpcUrl, 14) });
    const error = await outsider.start().then(
      () => assert.fail("expected the start to be refused"),
      (e: unknown) => e,
    );
    assert.ok(error instanceof ChainError && error.revertName === "ProvenanceRegistryUnauthorizedAnchorer", String(error));
    assert.match(error.shortMessage, /is not an anchorer of organisation/);
  });

  it("behavior: with the RPC node unreachable, calls back off (growing delays, no busy loop) while sealing goes on", async () => {
    const t = await setup(17);
    const down = writerFor(`http://127.0.0.1:${await freePort()}`, 17, 1_000);
    const anchorer = t.make({ writer: down, pollIntervalMs: 20 });
    const entries = await t.add(3);
    let startSettled = false;
    const started = anchorer.start().finally(() => (startSettled = true));
    const from = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const attempts = t.recorded.rpcErrors.filter((e) => e.at - from <= 3_000);
    assert.ok(attempts.length >= 3 && attempts.length <= 8, `${attempts.length} attempts in 3 s`);
    const gaps = attempts.slice(1).map((e, i) => e.at - attempts[i]!.at);
    // Delays grow: the n-th failure waits at least half of 250 ms · 2^(n−1) (equal jitter), so gap i
    // is at least 125 · 2^i ms. Not "each gap at least the one before": jitter may draw two equal
    // delays (half of the ceiling, then the whole previous one), and a pass that a loaded machine
    // slowed by 20 ms more than the next one then makes the gaps shrink.
    for (const [i, gap] of gaps.entries()) assert.ok(gap >= 125 * 2 ** i, `delays grow: ${gaps.join(", ")} ms (gap ${i} under ${125 * 2 ** i} ms)`);
    assert.ok(attempts.every((e) => e.error instanceof ChainError && e.error.code === "RPC_UNREACHABLE"));
    assert.equal(attempts[0]!.operation, "getChainId");
    assert.match(anchorer.status().problem ?? "", /unreachable/);
    assert.equal(startSettled, false, "start waits for the chain");
    for (const e of entries) assert.equal((await t.store.getEntry(t.orgId, e.entryHash))?.status, "sealed", "sealed while the chain is down");
    await anchorer.stop();
    await started;
    // The node is back (here: the real one): the same store's batch is anchored, nothing lost.
    await ticksThenConfirmed(t, t.make(), 3, entries);
  });

  it("behavior: with the store failing when entries fall due, passes back off too (no busy loop), and sealing resumes when it is back", async () => {
    const t = await setup(23);
    let failing = false;
    let leaseCalls = 0;
    const flaky = new Proxy(t.store, {
      get(target, property, receiver) {
        if (property === "acquireLease")
          return (...args: Parameters<ServiceStore["acquireLease"]>) => {
            leaseCalls++;
            return failing ? Promise.reject(new Error("disk I/O error")) : target.acquireLease(...args);
          };
        const value = Reflect.get(target, property, receiver);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const anchorer = t.make({ store: flaky, maxPending: 100, intervalMs: 300, pollIntervalMs: 60_000 });
    await anchorer.start(); // the first pass finds nothing pending
    failing = true;
    const from = leaseCalls;
    // Added once the store is failing, not before the start: a first pass that a loaded machine
    // delayed past T would have sealed them while the store still worked.
    const entries = await t.add(2);
    anchorer.notifyIngested(t.orgId, 2); // due in 300 ms
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const calls = leaseCalls - from;
    assert.ok(calls >= 1 && calls <= 6, `${calls} passes in 2 s with the store down (backoff 250 ms doubling)`);
    assert.match(anchorer.status().problem ?? "", /disk I\/O error/);
    assert.equal(t.recorded.sealed.length, 0);
    failing = false;
    await anchorer.stop();
    await ticksThenConfirmed(t, t.make({ maxPending: 2 }), 3, entries);
  });

  it("behavior: two anchorers on one store: only the lease holder seals and anchors; the other takes over when it stops", async () => {
    const t = await setup(18, { anchorers: [18, 19] });
    const first = t.make({ leaseHolder: "instance-a" });
    const second = t.make({ leaseHolder: "instance-b", writer: writerFor(rpcUrl, 19) });
    const entries = await t.add(3);
    for (let i = 0; i < 3; i++) {
      await first.tick();
      await second.tick();
    }
    assert.equal(first.status().leader, true);
    assert.equal(second.status().leader, false);
    assert.equal(t.recorded.sealed.length, 1, "sealed once");
    await assertAnchoredOnce(t.store, t.orgId, entries, "confirmed");
    const [batch1] = t.recorded.sealed;
    assert.deepEqual(
      (await t.store.transactionsOf(batch1!.batchId)).map((tx) => tx.from),
      [t.writer.account],
      "only the holder sent",
    );

    await first.stop(); // releases the lease
    const more = await t.add(3);
    await ticks(second, 3);
    assert.equal(second.status().leader, true);
    await assertAnchoredOnce(t.store, t.orgId, [...entries, ...more], "confirmed");
    const batch2 = t.recorded.sealed[1]!;
    assert.deepEqual(
      (await t.store.transactionsOf(batch2.batchId)).map((tx) => tx.from),
      [writerFor(rpcUrl, 19).account],
    );
  });
});

describe("anchorer on a free-gas network (base fee and gas price 0, like Besu with free gas)", () => {
  let freeNode: AnvilNode;
  let freeUrl: string;

  before(async () => {
    freeNode = await startAnvil({ args: ["--base-fee", "0", "--gas-price", "0", "--no-priority-fee"] });
    freeUrl = freeNode.rpcUrl;
  });

  after(async () => {
    await freeNode?.stop();
  });

  it("behavior: both adapters suggest zero fees; the anchorer signs at zero, and one not mined is rebroadcast, never bumped", async () => {
    const writer = writerFor(freeUrl, 1);
    const provider = new JsonRpcProvider(freeUrl, undefined, { staticNetwork: true, cacheTimeout: -1 });
    try {
      const zero: FeeData = { type: "eip1559", baseFeePerGas: 0n, maxFeePerGas: 0n, maxPriorityFeePerGas: 0n };
      assert.deepEqual(await writer.getFees(), zero);
      assert.deepEqual(await (await fromEthers({ provider, signer: new Wallet(privateKeyOf(1), provider) })).getFees(), zero);
    } finally {
      provider.destroy();
    }
    const freeAdmin = writerFor(freeUrl, 0);
    const freeRegistry = (await deployRegistry(freeAdmin)).registry;
    const { orgId } = await registerOrganisation(freeAdmin, freeRegistry, { name: "Free Gas Org", anchorers: [writer.account] });
    const store = await openSqliteServiceStore(join(work, "service-free-gas.db"));
    stores.push(store);
    const { recorded, events, logger } = recorder();
    let offset = 0;
    const anchorer = createAnchorer({
      store,
      writer,
      registry: freeRegistry,
      chainId: 31337,
      orgIds: [orgId],
      intervalMs: 60_000,
      maxPending: 2,
      maxLeaves: 100,
      confirmations: 1,
      fees: { bumpPercent: 10, maxFeePerGasCap: 100n * GWEI, rebroadcastAfterMs: 1_000 },
      leaseName: "anchorer",
      leaseHolder: "free",
      leaseTtlMs: 30_000,
      logger,
      events,
      now: () => new Date(Date.now() + offset),
    });
    anchorers.push(anchorer);
    const entries = [newEntry(orgId, "free/a"), newEntry(orgId, "free/b")];
    await store.addEntries(entries);
    await freeNode.rpc("evm_setAutomine", [false]);
    await anchorer.tick();
    offset += 1_000;
    await anchorer.tick(); // not mined after rebroadcastAfterMs: nothing to bump
    const txs = await store.transactionsOf(recorded.sealed[0]!.batchId);
    assert.equal(txs.length, 1, "no replacement: the same transaction, rebroadcast");
    const signed = parseTransaction(txs[0]!.raw);
    // RLP encodes 0 as the empty string, which viem parses back as "absent".
    assert.deepEqual([signed.type, signed.maxFeePerGas ?? 0n, signed.maxPriorityFeePerGas ?? 0n], ["eip1559", 0n, 0n]);
    assert.deepEqual([txs[0]!.maxFeePerGas, txs[0]!.maxPriorityFeePerGas], ["0", "0"]);
    assert.ok(recorded.logs.some((l) => l.level === "debug" && /free-gas network/.test(l.message)));
    await freeNode.rpc("evm_mine");
    await freeNode.rpc("evm_setAutomine", [true]);
    await ticks(anchorer, 2);
    assert.equal((await store.getEntry(orgId, entries[0]!.entryHash))?.status, "confirmed");
    assert.equal((await readAnchor(writer, freeRegistry, orgId, (await store.getBatch(txs[0]!.batchId))!.root))?.orgId, orgId);
    assert.equal(recorded.anchored[0]!.gasUsed > 0n, true, "gas is used, at price 0");
  });
});
