import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { StoreError } from "../../src/core/errors/store.js";
import { addRecord, buildReceipt, sealBatch } from "../../src/ledger/ledger.js";
import { loadMerkleTree } from "../../src/merkle/loadMerkleTree.js";
import { processProof } from "../../src/merkle/proof.js";
import { createRecord } from "../../src/formats/record.js";
import { LedgerStore } from "../../src/ledger/store/ledgerStore.js";

const record = (name: string) =>
  createRecord({
    subject: { name, version: "1", digest: { sha256: randomBytes(32).toString("hex") }, artifact: { kind: "file", hashing: "sha256", size: 1, files: 1 } },
  });

/** Runs test/helpers/recordLoop.ts, kills it with SIGKILL after `ms`, returns what it acknowledged. */
function recordUntilKilled(dir: string, ms: number): Promise<string[]> {
  const script = fileURLToPath(new URL("../helpers/recordLoop.ts", import.meta.url));
  const child = spawn(process.execPath, ["--no-warnings", "--import", import.meta.resolve("tsx"), script, dir], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  return new Promise((resolve) => {
    child.stdout.on("data", (chunk: Buffer) => {
      if (out === "") setTimeout(() => child.kill("SIGKILL"), ms);
      out += chunk.toString();
    });
    child.on("exit", () =>
      resolve(
        out
          .split("\n")
          .filter((l) => l.startsWith("ack "))
          .map((l) => l.slice(4)),
      ),
    );
  });
}

describe("LedgerStore", () => {
  it("default: a record is stored once; a duplicate is not stored or sealed twice", async () => {
    const store = LedgerStore.open(await mkdtemp(join(tmpdir(), "provenance-store-")));
    try {
      const r = record("dup/model");
      assert.equal(addRecord(store, r).created, true);
      assert.equal(addRecord(store, structuredClone(r)).created, false);
      const batch = sealBatch(store)!;
      assert.equal(batch.leafCount, 1);
      assert.equal(sealBatch(store), null, "nothing left to seal");
    } finally {
      store.close();
    }
  });

  it("behavior: a sealed batch keeps its whole tree, so every proof can be produced later", async () => {
    const dir = await mkdtemp(join(tmpdir(), "provenance-store-"));
    let store = LedgerStore.open(dir);
    for (let i = 0; i < 100; i++) addRecord(store, record(`tree/${i}`));
    const batch = sealBatch(store)!;
    store.close();
    store = LedgerStore.open(dir);
    try {
      const tree = loadMerkleTree(store.getBatchTree(batch.id));
      assert.equal(tree.root, batch.root);
      assert.equal(tree.leafCount, 100);
      const members = store.recordsInBatch(batch.id);
      assert.equal(members.length, 100);
      for (const r of members) assert.equal(processProof(r.leaf, tree.getProof(r.leaf)), batch.root);
    } finally {
      store.close();
    }
  });

  it("behavior: every record acknowledged survives kill -9 at random points, and batches are all-or-nothing", async () => {
    const dir = await mkdtemp(join(tmpdir(), "provenance-kill-"));
    const acked: string[] = [];
    for (let round = 0; round < 12; round++) acked.push(...(await recordUntilKilled(dir, 150 + Math.floor(Math.random() * 400))));
    assert.ok(acked.length > 100, `only ${acked.length} records were acknowledged`);
    const store = LedgerStore.open(dir);
    try {
      for (const hash of acked) assert.ok(store.findRecordByHash(hash as `0x${string}`), `acknowledged record ${hash} was lost`);
      for (const batch of store.listBatches()) {
        const tree = loadMerkleTree(store.getBatchTree(batch.id));
        assert.equal(tree.root, batch.root, `batch ${batch.id} tree and root agree`);
        assert.equal(tree.leafCount, batch.leafCount);
      }
      const { records, pending } = store.stats();
      const inBatches = store.listBatches().reduce((n, b) => n + b.leafCount, 0);
      assert.equal(records, pending + inBatches, "every record is pending or in exactly one batch");
    } finally {
      store.close();
    }
  });

  it("error: a receipt for a record that is not anchored yet says so", async () => {
    const store = LedgerStore.open(await mkdtemp(join(tmpdir(), "provenance-store-")));
    try {
      const r = record("pending/model");
      addRecord(store, r);
      assert.throws(
        () => buildReceipt(store, r.subject.digest.sha256),
        (e: unknown) => e instanceof StoreError && /pending/.test(e.message),
      );
      assert.throws(() => buildReceipt(store, "0x1234"), /neither a record id/);
      assert.throws(
        () => buildReceipt(store, "ab".repeat(32)),
        (e: unknown) => e instanceof StoreError && e.code === "NOT_FOUND",
      );
    } finally {
      store.close();
    }
  });
});
