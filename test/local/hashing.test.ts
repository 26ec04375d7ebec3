import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { appendFileSync, chmodSync, renameSync, statSync, symlinkSync, truncateSync, unlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { BaseError } from "../../src/core/errors/base.js";
import { HashingError, type HashingErrorCode } from "../../src/core/errors/hashing.js";
import { compareUtf8 } from "../../src/core/compareUtf8.js";
import { HASH_CHUNK_SIZE, hashFile } from "../../src/local/hashing/hashFile.js";
import { hashModel } from "../../src/local/hashing/hashModel.js";
import { listModelFiles } from "../../src/local/hashing/listModelFiles.js";
import type { HashProgress } from "../../src/formats/model/modelManifest.js";
import { modelPathProblem } from "../../src/formats/model/modelPath.js";
import { resolveModelPath } from "../../src/local/hashing/resolveModelPath.js";
import { scratchTrees } from "../helpers/fileTree.js";
import { changeWhileHashing } from "../helpers/changeWhileHashing.js";
import { assertProgressToTotal } from "../helpers/hashProgress.js";

const REPO = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
/** `makeModel(files, dirs)`: a fresh directory holding `files` (path → contents); `dirs` are extra (empty) directories. */
const { scratch, tree: makeModel } = scratchTrees("hashing-test-");

const sha256 = (data: string | Uint8Array) => createHash("sha256").update(data).digest("hex");

async function assertRefused(promise: Promise<unknown>, code: HashingErrorCode, path: string): Promise<HashingError> {
  const error = await promise.then(
    () => assert.fail(`expected HashingError ${code}`),
    (e: unknown) => e,
  );
  assert.ok(error instanceof HashingError, `expected a HashingError, got ${String(error)}`);
  assert.ok(error instanceof BaseError, "HashingError is a BaseError");
  assert.equal(error.code, code, `code (message: ${error.message})`);
  assert.equal(error.path, path, "error.path names the offending path");
  assert.ok(error.shortMessage.includes(path), `message names the path: ${error.shortMessage}`);
  return error;
}

describe("hashModel", () => {
  it("default", async () => {
    const root = makeModel({ "config.json": "{}\n", "weights/model.safetensors": "weights" });
    const digest = await hashModel(root);
    assert.equal(digest.kind, "directory");
    assert.equal(digest.fileCount, 2);
    assert.equal(digest.size, 10);
    assert.match(digest.sha256, /^[0-9a-f]{64}$/);
    assert.deepEqual(digest.manifest, {
      format: "provenance-model-manifest-v2",
      algorithm: "sha256",
      files: [
        { path: "config.json", size: 3, sha256: sha256("{}\n") },
        { path: "weights/model.safetensors", size: 7, sha256: sha256("weights") },
      ],
    });
  });

  it("behavior: a single file's digest equals sha256sum and node:crypto", async () => {
    const bytes = new Uint8Array(3 * HASH_CHUNK_SIZE + 12345).map((_, i) => (i * 31) & 0xff); // several chunks, ragged end
    const root = makeModel({ "model.bin": bytes });
    const path = join(root, "model.bin");
    const digest = await hashModel(path);
    const coreutils = execFileSync("sha256sum", [path], { encoding: "utf8" }).split(" ")[0];
    assert.deepEqual(digest, { kind: "file", sha256: coreutils, size: bytes.length, fileCount: 1 });
    assert.equal(digest.sha256, sha256(bytes), "equals node:crypto over the whole buffer");
    assert.equal(digest.manifest, undefined, "a file model has no manifest");
  });

  it("behavior: an empty file hashes to SHA-256 of nothing", async () => {
    const path = join(makeModel({ "empty.bin": "" }), "empty.bin");
    assert.equal((await hashModel(path)).sha256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  });

  it("behavior: files are sorted by UTF-8 bytes, not by UTF-16 code units", async () => {
    // U+FF61 is EF BD A1 in UTF-8 but FF61 in UTF-16; U+1F600 is F0 9F 98 80 / D83D DE00.
    const names = ["\u{1F600}.txt", "\uFF61.txt", "B.txt", "a.txt", "a-b.txt", "a/x.bin", "caf\u00e9.txt"];
    const root = makeModel(Object.fromEntries(names.map((name) => [name, name])));
    const paths = (await hashModel(root)).manifest?.files.map((file) => file.path);
    assert.deepEqual(paths, ["B.txt", "a-b.txt", "a.txt", "a/x.bin", "caf\u00e9.txt", "\uFF61.txt", "\u{1F600}.txt"]);
    assert.notDeepEqual([...names].sort(), paths, "JavaScript's default sort would order them differently");
    assert.deepEqual([...names].sort(compareUtf8), paths, "compareUtf8 gives the manifest order");
  });

  it("behavior: nested directories are walked; empty directories contribute nothing", async () => {
    const files = { "a/b/c/d.bin": "deep", "a/e.bin": "shallow", "top.bin": "top" };
    const plain = await hashModel(makeModel(files));
    const withEmpties = await hashModel(makeModel(files, ["empty", "a/b/empty/deeper"]));
    assert.deepEqual(
      plain.manifest?.files.map((file) => file.path),
      ["a/b/c/d.bin", "a/e.bin", "top.bin"],
    );
    assert.equal(withEmpties.sha256, plain.sha256, "empty directories do not change the digest");
  });

  it("behavior: the digest is SHA-256 of the directory tag and the manifest's canonical JSON (v2)", async () => {
    const root = makeModel({ "b.bin": "b", "a.bin": "a" });
    const digest = await hashModel(root);
    const canonical =
      `{"algorithm":"sha256","files":[{"path":"a.bin","sha256":"${sha256("a")}","size":1},` +
      `{"path":"b.bin","sha256":"${sha256("b")}","size":1}],"format":"provenance-model-manifest-v2"}`;
    assert.equal(digest.sha256, sha256(`provenance-ledger/model-directory/v2\n${canonical}`));
  });

  it("behavior: changing one byte of one file changes the digest", async () => {
    const root = makeModel({ "a.bin": "aaaa", "b.bin": "bbbb" });
    const before = await hashModel(root);
    writeFileSync(join(root, "b.bin"), "bbbc");
    const after = await hashModel(root);
    assert.notEqual(after.sha256, before.sha256);
    assert.equal(after.manifest?.files[0]?.sha256, before.manifest?.files[0]?.sha256, "the untouched file keeps its digest");
    assert.notEqual(after.manifest?.files[1]?.sha256, before.manifest?.files[1]?.sha256);
  });

  it("behavior: the same content at another path or under another name changes the digest", async () => {
    const a = await hashModel(makeModel({ "x/model.bin": "w" }));
    const b = await hashModel(makeModel({ "y/model.bin": "w" }));
    assert.notEqual(a.sha256, b.sha256, "paths are part of the manifest");
  });

  it("behavior: a trailing slash or '.' on the model path is accepted", async () => {
    const root = makeModel({ "a.bin": "a" });
    const digest = await hashModel(root);
    assert.equal((await hashModel(`${root}/`)).sha256, digest.sha256);
    assert.equal((await hashModel(`${root}/.`)).sha256, digest.sha256);
  });

  it("behavior: progress reports every file, grows monotonically and ends at the total", async () => {
    const root = makeModel({ "a.bin": new Uint8Array(HASH_CHUNK_SIZE * 2 + 5), "b/c.bin": "c", "empty.bin": "" });
    const events: HashProgress[] = [];
    const digest = await hashModel(root, { onProgress: (p) => events.push(p) });
    assertProgressToTotal(events, digest.size);
    assert.deepEqual([...new Set(events.flatMap((e) => (e.file === undefined ? [] : [e.file])))], ["a.bin", "b/c.bin", "empty.bin"]);
  });

  it("behavior: progress for a single file names the file", async () => {
    const path = join(makeModel({ "w.bin": "12345" }), "w.bin");
    const events: HashProgress[] = [];
    await hashModel(path, { onProgress: (p) => events.push(p) });
    assert.deepEqual(events, [
      { bytesHashed: 0, totalBytes: 5, file: "w.bin" },
      { bytesHashed: 5, totalBytes: 5, file: "w.bin" },
    ]);
  });

  it("error: a missing path is PATH_NOT_FOUND", async () => {
    const path = join(scratch, "does-not-exist");
    await assertRefused(hashModel(path), "PATH_NOT_FOUND", path);
    await assert.rejects(hashModel(""), (e: unknown) => e instanceof HashingError && e.code === "PATH_NOT_FOUND", "an empty path is not the current directory");
  });

  it("error: a symlink as the model path is refused, to a file or a directory, with or without a trailing slash", async () => {
    const root = makeModel({ "real/a.bin": "a" });
    symlinkSync(join(root, "real"), join(root, "dir-link"));
    symlinkSync(join(root, "real/a.bin"), join(root, "file-link"));
    await assertRefused(hashModel(join(root, "dir-link")), "SYMLINK_REFUSED", join(root, "dir-link"));
    await assertRefused(hashModel(join(root, "dir-link/")), "SYMLINK_REFUSED", join(root, "dir-link/"));
    await assertRefused(hashModel(`${root}/dir-link/.`), "SYMLINK_REFUSED", `${root}/dir-link/.`);
    await assertRefused(hashModel(`${root}/dir-link//`), "SYMLINK_REFUSED", `${root}/dir-link//`);
    await assertRefused(hashModel(join(root, "file-link")), "SYMLINK_REFUSED", join(root, "file-link"));
  });

  it("error: a symlink to a file inside the model is refused", async () => {
    const root = makeModel({ "a.bin": "a" });
    symlinkSync("a.bin", join(root, "b.bin"));
    await assertRefused(hashModel(root), "SYMLINK_REFUSED", join(root, "b.bin"));
  });

  it("error: a symlink to a directory inside the model is refused (even one pointing outside)", async () => {
    const root = makeModel({ "a.bin": "a" });
    symlinkSync(scratch, join(root, "sub"));
    await assertRefused(hashModel(root), "SYMLINK_REFUSED", join(root, "sub"));
  });

  it("error: a dangling symlink inside the model is refused", async () => {
    const root = makeModel({ "nested/a.bin": "a" });
    symlinkSync("/nonexistent/target", join(root, "nested/gone"));
    await assertRefused(hashModel(root), "SYMLINK_REFUSED", join(root, "nested/gone"));
  });

  it("error: a FIFO is refused without being opened (no hang)", { timeout: 5000 }, async () => {
    const root = makeModel({ "a.bin": "a" });
    execFileSync("mkfifo", [join(root, "pipe")]);
    await assertRefused(hashModel(root), "SPECIAL_FILE_REFUSED", join(root, "pipe"));
    await assertRefused(hashModel(join(root, "pipe")), "SPECIAL_FILE_REFUSED", join(root, "pipe"));
    await assertRefused(hashFile(join(root, "pipe")), "SPECIAL_FILE_REFUSED", join(root, "pipe"));
  });

  it("error: a socket is refused", async () => {
    const root = makeModel({ "a.bin": "a" });
    const path = join(root, "sock");
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(path, resolve));
    try {
      await assertRefused(hashModel(root), "SPECIAL_FILE_REFUSED", path);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("error: a character device is refused (/dev/null as the model path)", async () => {
    await assertRefused(hashModel("/dev/null"), "SPECIAL_FILE_REFUSED", "/dev/null");
    await assertRefused(hashFile("/dev/zero"), "SPECIAL_FILE_REFUSED", "/dev/zero"); // would never end if read
  });

  it("error: a character device inside the model is refused", async (t) => {
    const root = makeModel({ "a.bin": "a" });
    const made = spawnSync("mknod", [join(root, "null"), "c", "1", "3"]);
    if (made.status !== 0) return t.skip("mknod needs root (CAP_MKNOD); /dev/null is tested as the model path instead");
    await assertRefused(hashModel(root), "SPECIAL_FILE_REFUSED", join(root, "null"));
  });

  it("error: an empty model directory is EMPTY_MODEL, also when it holds only empty directories", async () => {
    const empty = makeModel({});
    await assertRefused(hashModel(empty), "EMPTY_MODEL", empty);
    const hollow = makeModel({}, ["a/b", "c"]);
    await assertRefused(hashModel(hollow), "EMPTY_MODEL", hollow);
  });

  it("error: a file name that is not valid UTF-8 is INVALID_PATH_NAME", async () => {
    const root = makeModel({ "a.bin": "a" });
    writeFileSync(Buffer.concat([Buffer.from(`${root}/bad-`), Buffer.from([0xff, 0xfe])]), "x");
    const error = await hashModel(root).then(
      () => assert.fail("expected INVALID_PATH_NAME"),
      (e: unknown) => e,
    );
    assert.ok(error instanceof HashingError);
    assert.equal(error.code, "INVALID_PATH_NAME");
    assert.ok(error.path?.startsWith(`${root}/bad-`), `names the file: ${error.path}`);
  });

  it("error: a file name with a backslash is INVALID_PATH_NAME (a manifest could not hold it)", async () => {
    const root = makeModel({ "a\\b.bin": "x" });
    await assertRefused(hashModel(root), "INVALID_PATH_NAME", join(root, "a\\b.bin"));
  });

  it("error: a file that grows while being hashed is FILE_CHANGED", async () => {
    const root = makeModel({ "big.bin": new Uint8Array(4 * HASH_CHUNK_SIZE) });
    const path = join(root, "big.bin");
    const onProgress = changeWhileHashing(() => appendFileSync(path, "more"));
    await assertRefused(hashModel(root, { onProgress }), "FILE_CHANGED", path);
  });

  it("error: a file that shrinks while being hashed is FILE_CHANGED", async () => {
    const root = makeModel({ "big.bin": new Uint8Array(4 * HASH_CHUNK_SIZE) });
    const path = join(root, "big.bin");
    const onProgress = changeWhileHashing(() => truncateSync(path, HASH_CHUNK_SIZE + 1));
    await assertRefused(hashModel(path, { onProgress }), "FILE_CHANGED", path);
  });

  it("error: a file replaced between listing and hashing is FILE_CHANGED", async () => {
    const root = makeModel({ "a.bin": "a", "b.bin": "b" });
    const onProgress = (p: HashProgress) => {
      if (p.file === "a.bin" && p.bytesHashed === 0) {
        // Same name and size, another inode (created before the old one is gone, so never reused).
        writeFileSync(join(root, "b.tmp"), "b");
        renameSync(join(root, "b.tmp"), join(root, "b.bin"));
      }
    };
    await assertRefused(hashModel(root, { onProgress }), "FILE_CHANGED", join(root, "b.bin"));
  });

  it("error: a file replaced by a symlink between listing and hashing is SYMLINK_REFUSED (O_NOFOLLOW)", async () => {
    const root = makeModel({ "a.bin": "a", "b.bin": "b" });
    const onProgress = (p: HashProgress) => {
      if (p.file === "a.bin" && p.bytesHashed === 0) {
        unlinkSync(join(root, "b.bin"));
        symlinkSync("a.bin", join(root, "b.bin"));
      }
    };
    await assertRefused(hashModel(root, { onProgress }), "SYMLINK_REFUSED", join(root, "b.bin"));
  });

  it("error: a file replaced by a FIFO between listing and hashing is refused without blocking", { timeout: 5000 }, async () => {
    const root = makeModel({ "a.bin": "a", "b.bin": "b" });
    const onProgress = (p: HashProgress) => {
      if (p.file === "a.bin" && p.bytesHashed === 0) {
        unlinkSync(join(root, "b.bin"));
        execFileSync("mkfifo", [join(root, "b.bin")]);
      }
    };
    await assertRefused(hashModel(root, { onProgress }), "SPECIAL_FILE_REFUSED", join(root, "b.bin"));
  });

  it("error: a file removed between listing and hashing is PATH_NOT_FOUND", async () => {
    const root = makeModel({ "a.bin": "a", "b.bin": "b" });
    const onProgress = (p: HashProgress) => {
      if (p.file === "a.bin" && p.bytesHashed === 0) unlinkSync(join(root, "b.bin"));
    };
    await assertRefused(hashModel(root, { onProgress }), "PATH_NOT_FOUND", join(root, "b.bin"));
  });

  it("error: a file whose read fails (EIO) is PATH_UNREADABLE", async (t) => {
    // /proc/self/mem is a regular file whose read at offset 0 fails with EIO, even for root.
    if (process.platform !== "linux") return t.skip("needs Linux /proc");
    await assertRefused(hashFile("/proc/self/mem"), "PATH_UNREADABLE", "/proc/self/mem");
  });

  it("error: a file or directory without read permission is PATH_UNREADABLE", async (t) => {
    // Tests run as root, for whom chmod 000 does not stop reads: then the check runs in a child
    // process that drops to uid/gid 65534 (nobody) before hashing, so the model's folder must be
    // reachable by that user (the checkout need not be: the child loads the code while still root).
    const asRoot = process.getuid?.() === 0;
    const closed = asRoot ? closedAncestor(scratch) : undefined;
    if (closed)
      return t.skip(`${closed} is not searchable by other users, so an unprivileged child cannot reach ${scratch} (set TMPDIR to a world-searchable folder)`);
    const root = makeModel({ "ok.bin": "ok", "secret.bin": "s", "locked/x.bin": "x" });
    // Every mode the check relies on is set here, whatever the umask made.
    chmodSync(scratch, 0o755);
    chmodSync(root, 0o755);
    chmodSync(join(root, "ok.bin"), 0o644);
    chmodSync(join(root, "locked"), 0o755);
    chmodSync(join(root, "locked", "x.bin"), 0o644);
    chmodSync(join(root, "secret.bin"), 0o000);
    const results = await hashAsUnprivileged([join(root, "secret.bin"), root], asRoot);
    assert.deepEqual(results[0], { code: "PATH_UNREADABLE", path: join(root, "secret.bin") }, "unreadable file as the model path");
    assert.deepEqual(results[1], { code: "PATH_UNREADABLE", path: join(root, "secret.bin") }, "unreadable file inside the model");
    chmodSync(join(root, "secret.bin"), 0o644);
    chmodSync(join(root, "locked"), 0o000);
    const [locked] = await hashAsUnprivileged([root], asRoot);
    assert.deepEqual(locked, { code: "PATH_UNREADABLE", path: join(root, "locked") }, "unreadable directory inside the model");
  });

  it("error: an aborted signal stops hashing with ABORTED", async () => {
    const root = makeModel({ "a.bin": new Uint8Array(3 * HASH_CHUNK_SIZE) });
    await assertRefused(hashModel(root, { signal: AbortSignal.abort() }), "ABORTED", root);
    const controller = new AbortController();
    const onProgress = (p: HashProgress) => {
      if (p.bytesHashed > 0) controller.abort();
    };
    await assertRefused(hashModel(root, { signal: controller.signal, onProgress }), "ABORTED", join(root, "a.bin"));
  });
});

describe("listModelFiles", () => {
  it("default", async () => {
    const root = makeModel({ "b/c.bin": "cc", "a.bin": "a" }, ["empty"]);
    const files = await listModelFiles(root);
    assert.deepEqual(
      files.map(({ path, fsPath, size }) => ({ path, fsPath, size })),
      [
        { path: "a.bin", fsPath: join(root, "a.bin"), size: 1 },
        { path: "b/c.bin", fsPath: join(root, "b/c.bin"), size: 2 },
      ],
    );
  });
});

describe("hashFile", () => {
  it("default", async () => {
    const path = join(makeModel({ "w.bin": "weights" }), "w.bin");
    assert.deepEqual(await hashFile(path), { sha256: sha256("weights"), size: 7 });
  });

  it("error: a directory is PATH_UNREADABLE", async () => {
    const root = makeModel({ "a.bin": "a" });
    await assertRefused(hashFile(root), "PATH_UNREADABLE", root);
  });

  it("error: a symlink is refused", async () => {
    const root = makeModel({ "a.bin": "a" });
    symlinkSync("a.bin", join(root, "link"));
    await assertRefused(hashFile(join(root, "link")), "SYMLINK_REFUSED", join(root, "link"));
  });
});

describe("modelPathProblem / resolveModelPath", () => {
  it("default", () => {
    assert.equal(modelPathProblem("weights/model-00001.safetensors"), undefined);
    assert.equal(resolveModelPath("/models/m", "weights/a.bin"), "/models/m/weights/a.bin");
  });

  it("behavior: names that merely contain dots are valid", () => {
    for (const path of [".hidden", "..x", "x..", "a/.b", "a/..b", "...", "caf\u00e9/\u{1F600}"]) assert.equal(modelPathProblem(path), undefined, path);
  });

  it("error: paths that would escape the root or are not canonical POSIX are refused", () => {
    const bad = ["", "/etc/passwd", "../x", "a/../../x", "a/..", "..", ".", "./a", "a/./b", "a//b", "a/", "a\\b", "a\0b", "\uD800"];
    for (const path of bad) {
      assert.notEqual(modelPathProblem(path), undefined, JSON.stringify(path));
      assert.throws(
        () => resolveModelPath("/models/m", path),
        (e: unknown) => e instanceof HashingError && e.code === "PATH_ESCAPES_ROOT" && e.shortMessage.includes("/models/m"),
        JSON.stringify(path),
      );
    }
  });
});

/** The first folder above `path` (from the root down) that other users cannot search, if any. */
function closedAncestor(path: string): string | undefined {
  const ancestors: string[] = [];
  for (let dir = dirname(path); !ancestors.includes(dir); dir = dirname(dir)) ancestors.unshift(dir);
  return ancestors.find((dir) => (statSync(dir).mode & 0o001) === 0);
}

/**
 * Runs hashModel on each path in a child process as uid/gid 65534 when we are root (root reads
 * anything), in-process otherwise. Returns each refusal's code and path. The child starts as root
 * in the checkout, imports hashModel (the whole module graph, and tsx, load then), and only then
 * drops to 65534: the checkout may sit under a private folder (a clone in root's home, or in
 * `mktemp -d`) that user 65534 cannot enter. Dropping all of root's uids clears its capabilities,
 * so the reads that follow meet the real file permissions.
 */
async function hashAsUnprivileged(paths: string[], asRoot: boolean): Promise<{ code: string; path: string | undefined }[]> {
  if (!asRoot) {
    const results = [];
    for (const path of paths) {
      const error = await hashModel(path).then(
        () => undefined,
        (e: unknown) => e,
      );
      results.push(error instanceof HashingError ? { code: error.code, path: error.path } : { code: "NONE", path: undefined });
    }
    return results;
  }
  const script = `
    const { hashModel } = await import(${JSON.stringify(join(REPO, "src/local/hashing/hashModel.ts"))});
    process.setgroups([]);
    process.setgid(65534);
    process.setuid(65534);
    if (process.getuid() !== 65534 || process.geteuid() !== 65534) throw new Error("still uid " + process.geteuid());
    const results = [];
    for (const path of JSON.parse(process.argv[1])) {
      try { await hashModel(path); results.push({ code: "NONE" }); }
      catch (e) { results.push({ code: e.code ?? String(e), path: e.path }); }
    }
    process.stdout.write(JSON.stringify(results));`;
  const child = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script, JSON.stringify(paths)], {
    cwd: REPO,
    encoding: "utf8",
    env: { ...process.env, HOME: scratch },
  });
  assert.equal(child.status, 0, `unprivileged child failed: ${child.error ?? child.stderr}`);
  return JSON.parse(child.stdout) as { code: string; path: string | undefined }[];
}
