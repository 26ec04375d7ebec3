import assert from "node:assert/strict";
import { copyFile, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, before, describe, it } from "node:test";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { ChainWriter } from "../../src/chain/types.js";
import type { EmbeddedChain } from "../../src/chain/embeddedChain.js";
import type { Hex } from "../../src/core/hex.js";
import { createAnchorer, sealBuilder } from "../../src/service/anchorer/anchorer.js";
import { checkStore } from "../../src/service/store/checkStore.js";
import type { NewEntry, ServiceStore } from "../../src/service/store/serviceStore.js";
import { openSqliteServiceStore } from "../../src/service/store/sqlite.js";
import { modelRecordEntry } from "../helpers/serviceEntries.js";
import { startRegistryChain } from "../helpers/registryChain.js";

const run = promisify(execFile);
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

const newEntry = (orgId: number): NewEntry => modelRecordEntry(orgId);

// The check an operator runs after restoring a service store from a backup (docs/deployment.md).
describe("checkStore (restore check)", () => {
  let chain: EmbeddedChain;
  let writer: ChainWriter;
  let registry: Hex;
  let orgId: number;
  let dir: string;

  before(async () => {
    ({ chain, writer, registry, orgId } = await startRegistryChain("Check Lab"));
    dir = await mkdtemp(join(tmpdir(), "provenance-check-"));
  });
  after(async () => void (await chain?.close()));

  /** Anchors `batches` batches, adding two entries before each unless `addFirst` is false for the first. */
  async function anchorBatches(store: ServiceStore, batches: number, addFirst = true): Promise<void> {
    const anchorer = createAnchorer({
      store,
      writer,
      registry,
      chainId: chain.chainId,
      orgIds: [orgId],
      intervalMs: 60_000,
      maxPending: 2,
      maxLeaves: 100,
      confirmations: 1,
      fees: { bumpPercent: 20, maxFeePerGasCap: 10n ** 12n, rebroadcastAfterMs: 5_000 },
      leaseName: "anchorer",
      leaseHolder: "check",
      leaseTtlMs: 30_000,
      logger: quiet,
    });
    for (let i = 0; i < batches; i++) {
      if (i > 0 || addFirst) await store.addEntries([newEntry(orgId), newEntry(orgId)]);
      for (let pass = 0; pass < 6; pass++) await anchorer.tick();
    }
    await anchorer.stop();
  }

  it("default: a restored backup of a store whose batches are anchored matches the chain, batch by batch", async () => {
    const path = join(dir, "live.db");
    const store = await openSqliteServiceStore(path);
    await anchorBatches(store, 3);
    await store.close();
    const restored = join(dir, "restored.db");
    new DatabaseSync(path).exec(`VACUUM INTO '${restored}'`); // the online backup of docs/service-storage.md
    const copy = await openSqliteServiceStore(restored);
    try {
      const result = await checkStore({ store: copy, chain: writer, registry, chainId: chain.chainId });
      assert.deepEqual(result, { batches: 3, matched: 3, sealed: 0, problems: [] });
    } finally {
      await copy.close();
    }
    // The same check from the CLI, as an operator runs it (docs/deployment.md).
    const cli = (store: string) =>
      run(
        process.execPath,
        [
          join(import.meta.dirname, "..", "..", "bin", "provenance.js"),
          "store",
          "check",
          "--store",
          store,
          "--rpc",
          chain.rpcUrl,
          "--registry",
          registry,
          "--chain-id",
          String(chain.chainId),
        ],
        {
          cwd: dir, // not the caller's folder: a .env there would be read
          env: { PATH: process.env.PATH, HOME: dir },
        },
      );
    const ok = await cli(restored);
    assert.match(ok.stdout, /^OK: sqlite:.*3 batch\(es\); 3 anchored exactly as stored/m);
  });

  it("error: a batch whose stored root, block or metadata disagrees with the chain is named; an old backup's sealed batch that the chain has anchored is reported", async () => {
    const path = join(dir, "tampered.db");
    const store = await openSqliteServiceStore(path);
    await store.addEntries([newEntry(orgId), newEntry(orgId)]);
    await store.close();
    const old = join(dir, "old-backup.db");
    await copyFile(path, old); // a backup taken before anchoring
    const live = await openSqliteServiceStore(path);
    await anchorBatches(live, 2, false); // the first batch is the two entries the backup holds
    await live.close();

    const db = new DatabaseSync(path);
    db.exec("UPDATE batches SET block_hash = '0x" + "ab".repeat(32) + "' WHERE id = 1");
    db.exec("UPDATE batches SET metadata_hash = '0x" + "cd".repeat(32) + "' WHERE id = 2");
    db.close();
    const tampered = await openSqliteServiceStore(path);
    try {
      const result = await checkStore({ store: tampered, chain: writer, registry, chainId: chain.chainId });
      assert.equal(result.matched, 0);
      assert.deepEqual(
        result.problems.map((p) => p.batchId),
        [1, 2],
      );
      assert.match(result.problems[0]!.problem, /block \d+ is 0x[0-9a-f]{64} on the node, the store says 0xabab/);
      assert.match(result.problems[1]!.problem, /metadata hash/);
    } finally {
      await tampered.close();
    }

    const oldStore = await openSqliteServiceStore(old);
    try {
      const sealed = await oldStore.sealBatch(orgId, 100, sealBuilder(new Date()), new Date());
      assert.ok(sealed);
      const result = await checkStore({ store: oldStore, chain: writer, registry, chainId: chain.chainId });
      assert.equal(result.problems.length, 1);
      assert.match(result.problems[0]!.problem, /the store says sealed, but the chain has it anchored/);
    } finally {
      await oldStore.close();
    }
  });
});
