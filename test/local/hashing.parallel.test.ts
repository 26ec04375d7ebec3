import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { appendFileSync, lstatSync, readFileSync, renameSync, symlinkSync, truncateSync, unlinkSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { HashingError, type HashingErrorCode } from "../../src/core/errors/hashing.js";
import { InputError } from "../../src/core/errors/input.js";
import { PARALLEL_MIN_BYTES, WORKER_CHUNK_SIZE, hashFileRanges, resolveWorkers } from "../../src/local/hashing/hashFileRanges.js";
import { hashModel } from "../../src/local/hashing/hashModel.js";
import { DEFAULT_SHARD_SIZE, hashModelShards, iterateShardRanges, shardRanges } from "../../src/local/hashing/hashModelShards.js";
import type { HashProgress, ModelDigest, ModelManifest } from "../../src/formats/model/modelManifest.js";
import { scratchTrees } from "../helpers/fileTree.js";
import { changeWhileHashing } from "../helpers/changeWhileHashing.js";
import { assertProgressToTotal } from "../helpers/hashProgress.js";

// Small data only (the machine is shared): a few MiB at most. Big data lives in bench/hashing.ts.

const REPO = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const { scratch, tree: makeModel } = scratchTrees("hashing-parallel-");

const sha256 = (data: string | Uint8Array) => createHash("sha256").update(data).digest("hex");
/** Deterministic bytes, different for each seed. */
const bytes = (length: number, seed: number) => new Uint8Array(length).map((_, i) => (i * 131 + seed * 17 + (i >>> 8)) & 0xff);

/** A model with files of several chunks (ragged ends), a tiny one, an empty one, nested paths. */
function mixedModel(): { root: string; files: Record<string, Uint8Array> } {
  const files = {
    "config.json": new TextEncoder().encode('{"model_type":"demo"}\n'),
    "weights/model-00001-of-00003.safetensors": bytes(3 * WORKER_CHUNK_SIZE + 4321, 1),
    "weights/model-00002-of-00003.safetensors": bytes(WORKER_CHUNK_SIZE * 5, 2),
    "weights/model-00003-of-00003.safetensors": bytes(777, 3),
    "weights/empty.bin": new Uint8Array(0),
    "tokenizer/\u{1F600}.json": bytes(WORKER_CHUNK_SIZE + 1, 4),
  };
  return { root: makeModel(files), files };
}

async function assertRefused(promise: Promise<unknown>, code: HashingErrorCode, path: string): Promise<void> {
  const error = await promise.then(
    () => assert.fail(`expected HashingError ${code}`),
    (e: unknown) => e,
  );
  assert.ok(error instanceof HashingError, `expected a HashingError, got ${String(error)}`);
  assert.equal(error.code, code, `code (message: ${error.message})`);
  assert.equal(error.path, path, "error.path names the offending path");
  assert.ok(error.shortMessage.includes(path), `message names the path: ${error.shortMessage}`);
}

type Vectors = {
  directories: { name: string; layout: { files: { path: string; contentHex: string }[] }; expected: ModelDigest & { manifest: ModelManifest } }[];
};

describe("hashModel on worker threads", () => {
  it("default", async () => {
    const { root, files } = mixedModel();
    const inThread = await hashModel(root, { workers: 1 });
    const parallel = await hashModel(root, { workers: 2 });
    assert.deepEqual(parallel, inThread, "same manifest and digest as the calling thread");
    for (const file of parallel.manifest?.files ?? []) assert.equal(file.sha256, sha256(files[file.path as keyof typeof files] as Uint8Array), file.path);
  });

  it("behavior: the frozen model-v2 vectors hold with 2, 3 and 8 workers", async () => {
    const vectors = JSON.parse(readFileSync(join(REPO, "test/vectors/model-v2.json"), "utf8")) as Vectors;
    for (const vector of vectors.directories) {
      const files = Object.fromEntries(vector.layout.files.map((f) => [f.path, Buffer.from(f.contentHex, "hex")]));
      const root = makeModel(files);
      for (const workers of [2, 3, 8]) {
        const { canonicalManifest: _, ...expected } = vector.expected as ModelDigest & { canonicalManifest?: string };
        assert.deepEqual(await hashModel(root, { workers }), expected, `${vector.name}, ${workers} workers`);
      }
    }
  });

  it("behavior: progress grows monotonically to the total, names every file, ends without a file", async () => {
    const { root } = mixedModel();
    const events: HashProgress[] = [];
    const digest = await hashModel(root, { workers: 2, onProgress: (p) => events.push(p) });
    assertProgressToTotal(events, digest.size);
    assert.deepEqual(new Set(events.flatMap((e) => (e.file === undefined ? [] : [e.file]))), new Set(digest.manifest?.files.map((f) => f.path)));
    assert.ok(events.length > 10, `reports as it goes (${events.length} events)`);
  });

  it("behavior: the default is one worker per core, but small models stay on the calling thread", () => {
    assert.equal(resolveWorkers(undefined, PARALLEL_MIN_BYTES - 1, 100), 1, "small: calling thread");
    assert.equal(resolveWorkers(undefined, PARALLEL_MIN_BYTES, 100), Math.min(100, availableParallelism()), "one per core");
    assert.equal(resolveWorkers(8, 1, 3), 3, "never more workers than jobs");
    assert.equal(resolveWorkers(4, 10 * PARALLEL_MIN_BYTES, 1), 1, "one job: the calling thread");
  });

  it("behavior: workers are terminated: a process that hashed (and failed to hash) on workers exits by itself", { timeout: 30_000 }, () => {
    const { root } = mixedModel();
    const missing = join(scratch, "does-not-exist");
    const script = `
      const { hashModel } = await import(${JSON.stringify(join(REPO, "src/local/hashing/hashModel.ts"))});
      const { hashModelShards } = await import(${JSON.stringify(join(REPO, "src/local/hashing/hashModelShards.ts"))});
      const ok = await hashModel(process.argv[1], { workers: 3 });
      await hashModelShards(process.argv[1], { workers: 2, shardSize: 65536 });
      const controller = new AbortController();
      const aborted = await hashModel(process.argv[1], { workers: 2, signal: controller.signal, onProgress: (p) => p.bytesHashed > 0 && controller.abort() }).catch((e) => e.code);
      const failed = await hashModel(process.argv[2], { workers: 2 }).catch((e) => e.code);
      process.stdout.write(JSON.stringify({ ok: ok.fileCount, aborted, failed }));
      // no process.exit(): a worker left running would keep the process alive until the timeout`;
    const child = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script, root, missing], {
      cwd: REPO,
      encoding: "utf8",
      timeout: 20_000,
    });
    assert.equal(child.signal, null, "exited on its own (not killed at the timeout)");
    assert.equal(child.status, 0, child.stderr);
    assert.deepEqual(JSON.parse(child.stdout), { ok: 6, aborted: "ABORTED", failed: "PATH_NOT_FOUND" });
  });

  it("error: an invalid workers count is an InputError naming workers", async () => {
    const { root } = mixedModel();
    for (const workers of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      await assert.rejects(
        hashModel(root, { workers }),
        (e: unknown) => e instanceof InputError && e.code === "INVALID_ARGUMENT" && e.path === "workers",
        String(workers),
      );
      await assert.rejects(hashModelShards(root, { workers }), (e: unknown) => e instanceof InputError && e.path === "workers", String(workers));
    }
  });

  it("error: a file that grows while a worker hashes it is FILE_CHANGED", async () => {
    const root = makeModel({ "a.bin": bytes(8 * WORKER_CHUNK_SIZE, 1), "b.bin": bytes(8 * WORKER_CHUNK_SIZE, 2) });
    const path = join(root, "a.bin");
    const onProgress = changeWhileHashing(() => appendFileSync(path, "more"), "a.bin");
    await assertRefused(hashModel(root, { workers: 2, onProgress }), "FILE_CHANGED", path);
  });

  it("error: a file that shrinks while a worker hashes it is FILE_CHANGED", async () => {
    const root = makeModel({ "a.bin": bytes(8 * WORKER_CHUNK_SIZE, 1), "b.bin": bytes(8 * WORKER_CHUNK_SIZE, 2) });
    const path = join(root, "a.bin");
    const onProgress = changeWhileHashing(() => truncateSync(path, WORKER_CHUNK_SIZE + 1), "a.bin");
    await assertRefused(hashModel(root, { workers: 2, onProgress }), "FILE_CHANGED", path);
  });

  // The biggest file is dispatched first; the others wait for a free worker, so a change made
  // when the biggest starts happens between listing and their opening.
  const swapWhenBigStarts = (swap: () => void) => (p: HashProgress) => {
    if (p.file === "big.bin" && p.bytesHashed === 0) swap();
  };
  const threeFiles = () => makeModel({ "big.bin": bytes(4 * WORKER_CHUNK_SIZE, 1), "mid.bin": bytes(2 * WORKER_CHUNK_SIZE, 2), "small.bin": "s" });

  it("error: a file replaced between listing and hashing is FILE_CHANGED", async () => {
    const root = threeFiles();
    const onProgress = swapWhenBigStarts(() => {
      writeFileSync(join(root, "small.tmp"), "s");
      renameSync(join(root, "small.tmp"), join(root, "small.bin"));
    });
    await assertRefused(hashModel(root, { workers: 2, onProgress }), "FILE_CHANGED", join(root, "small.bin"));
  });

  it("error: a file replaced by a symlink between listing and hashing is SYMLINK_REFUSED (O_NOFOLLOW)", async () => {
    const root = threeFiles();
    const onProgress = swapWhenBigStarts(() => {
      unlinkSync(join(root, "small.bin"));
      symlinkSync("big.bin", join(root, "small.bin"));
    });
    await assertRefused(hashModel(root, { workers: 2, onProgress }), "SYMLINK_REFUSED", join(root, "small.bin"));
  });

  it("error: a file removed between listing and hashing is PATH_NOT_FOUND", async () => {
    const root = threeFiles();
    const onProgress = swapWhenBigStarts(() => unlinkSync(join(root, "small.bin")));
    await assertRefused(hashModel(root, { workers: 2, onProgress }), "PATH_NOT_FOUND", join(root, "small.bin"));
  });

  it("error: a read error in a worker is PATH_UNREADABLE naming the file", async (t) => {
    // /proc/self/mem is a regular file (size 0) whose read at offset 0 fails with EIO; the
    // descriptor opened by the calling thread is read by the worker (same process).
    if (process.platform !== "linux") return t.skip("needs Linux /proc");
    const mem = "/proc/self/mem";
    const memStats = lstatSync(mem, { bigint: true });
    const other = join(makeModel({ "a.bin": bytes(WORKER_CHUNK_SIZE, 1) }), "a.bin");
    const otherStats = lstatSync(other, { bigint: true });
    const jobs = [
      { path: other, expected: { size: Number(otherStats.size), dev: otherStats.dev, ino: otherStats.ino }, start: 0, end: Number(otherStats.size) },
      { path: mem, expected: { size: 0, dev: memStats.dev, ino: memStats.ino }, start: 0, end: 0 },
    ];
    await assertRefused(hashFileRanges(jobs, { workers: 2 }), "PATH_UNREADABLE", mem);
  });

  it("error: aborting stops the workers with ABORTED naming a file", async () => {
    const { root } = mixedModel();
    await assertRefused(hashModel(root, { workers: 2, signal: AbortSignal.abort() }), "ABORTED", root);
    const controller = new AbortController();
    const error = await hashModel(root, { workers: 2, signal: controller.signal, onProgress: (p) => p.bytesHashed > 0 && controller.abort() }).then(
      () => assert.fail("expected ABORTED"),
      (e: unknown) => e,
    );
    assert.ok(error instanceof HashingError && error.code === "ABORTED", String(error));
    assert.ok(error.path?.startsWith(`${root}/`), `names a file of the model: ${error.path}`);
  });
});

describe("hashModelShards", () => {
  it("default", async () => {
    const data = bytes(10 * 1024 + 5, 7);
    const root = makeModel({ "w.bin": data, "e.bin": "" });
    const { shardSize, shards, digest } = await hashModelShards(root, { shardSize: 4096, workers: 2 });
    assert.equal(shardSize, 4096);
    assert.equal(digest, undefined, "no model digest unless asked");
    assert.deepEqual(shards, [
      { path: "e.bin", start: 0, end: 0, sha256: sha256("") },
      { path: "w.bin", start: 0, end: 4096, sha256: sha256(data.subarray(0, 4096)) },
      { path: "w.bin", start: 4096, end: 8192, sha256: sha256(data.subarray(4096, 8192)) },
      { path: "w.bin", start: 8192, end: 10245, sha256: sha256(data.subarray(8192)) },
    ]);
  });

  it("behavior: agrees with OpenSSF model signing's golden shards ('This is a simple model', shard size 8)", async () => {
    // sigstore/model-transparency, tests/_signing/testdata/signing/TestPayload/sample_model_file_small_shards:
    // resources ".:0:8", ".:8:16", ".:16:22" of their 22-byte sample file.
    const path = join(makeModel({ "model.bin": "This is a simple model" }), "model.bin");
    const { shards } = await hashModelShards(path, { shardSize: 8 });
    assert.deepEqual(
      shards.map((s) => [`${s.path}:${s.start}:${s.end}`, s.sha256]),
      [
        [".:0:8", "a37010c994067764d86540bf479d93b4d0c3bb3955de7b61f951caf2fd0301b0"],
        [".:8:16", "bd762002a3528a27fb9a8822f822b949d3c9ab7e860af33039c9aa70ebbbe682"],
        [".:16:22", "a791e1e893ea4260c77475725101fb4cc6ad85f6340f21f10b239184e318cd21"],
      ],
    );
  });

  it("behavior: the model digest comes out of the same pass and equals hashModel's", async () => {
    const { root, files } = mixedModel();
    for (const workers of [1, 2, 3]) {
      const { shards, digest } = await hashModelShards(root, { shardSize: 100_000, workers, modelDigest: true });
      assert.deepEqual(digest, await hashModel(root, { workers: 1 }), `directory, ${workers} workers`);
      for (const shard of shards)
        assert.equal(
          shard.sha256,
          sha256((files[shard.path as keyof typeof files] as Uint8Array).subarray(shard.start, shard.end)),
          `${shard.path}:${shard.start}`,
        );
    }
    const file = join(root, "weights/model-00001-of-00003.safetensors");
    const single = await hashModelShards(file, { shardSize: 300_000, workers: 2, modelDigest: true });
    assert.deepEqual(single.digest, await hashModel(file));
    assert.ok(
      single.shards.every((s) => s.path === "."),
      "a single-file model's file is '.' (as OpenSSF names it)",
    );
  });

  it("behavior: the same shards on the calling thread and on 2 or 5 workers", async () => {
    const { root } = mixedModel();
    const inThread = await hashModelShards(root, { shardSize: 65_536, workers: 1 });
    assert.deepEqual(await hashModelShards(root, { shardSize: 65_536, workers: 2 }), inThread);
    assert.deepEqual(await hashModelShards(root, { shardSize: 65_536, workers: 5 }), inThread);
  });

  it("behavior: progress ends at the total (a file hashed whole and by shards counts twice)", async () => {
    const { root } = mixedModel();
    const events: HashProgress[] = [];
    await hashModelShards(root, { shardSize: 1_000_000, workers: 2, modelDigest: true, onProgress: (p) => events.push(p) });
    const last = events.at(-1);
    assert.ok(last && last.bytesHashed === last.totalBytes && last.file === undefined, JSON.stringify(last));
  });

  it("behavior: shardRanges cuts like OpenSSF (the last shard shorter, an empty file one empty shard)", () => {
    assert.deepEqual(shardRanges(22, 8), [
      { start: 0, end: 8 },
      { start: 8, end: 16 },
      { start: 16, end: 22 },
    ]);
    assert.deepEqual(shardRanges(16, 8), [
      { start: 0, end: 8 },
      { start: 8, end: 16 },
    ]);
    assert.deepEqual(shardRanges(0, 8), [{ start: 0, end: 0 }]);
    assert.deepEqual(shardRanges(5, DEFAULT_SHARD_SIZE), [{ start: 0, end: 5 }]);
    assert.deepEqual([...iterateShardRanges(22, 8)], shardRanges(22, 8));
  });

  it("error: an invalid shard size is an InputError; so is one that makes more than 2^25 shards", async () => {
    const root = makeModel({ "a.bin": bytes(100, 1) });
    for (const shardSize of [0, -8, 1.5, Number.NaN])
      await assert.rejects(hashModelShards(root, { shardSize }), (e: unknown) => e instanceof InputError && e.path === "shardSize", String(shardSize));
    const big = join(scratch, "sparse.bin");
    writeFileSync(big, "");
    truncateSync(big, 2 ** 25 + 1); // sparse: no data written
    await assert.rejects(
      hashModelShards(big, { shardSize: 1 }),
      (e: unknown) => e instanceof InputError && e.path === "shardSize" && /more than/.test(e.message),
    );
  });

  it("error: refusals are hashModel's (a symlink in the model)", async () => {
    const root = makeModel({ "a.bin": "a" });
    symlinkSync("a.bin", join(root, "b.bin"));
    await assertRefused(hashModelShards(root, { workers: 2 }), "SYMLINK_REFUSED", join(root, "b.bin"));
  });
});
