import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { cp, mkdir, mkdtemp, readFile, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { Ajv2020 } from "ajv/dist/2020.js";
import { HashingError, ModelManifestError } from "../../src/core/errors/hashing.js";
import { hashModel } from "../../src/local/hashing/hashModel.js";
import { hashModelManifest } from "../../src/formats/model/hashModelManifest.js";
import { parseModelManifest } from "../../src/formats/model/parseModelManifest.js";
import { verifyModelDigest } from "../../src/local/hashing/verifyModelDigest.js";
import { artifactOfDigest, createRecord, parseRecord } from "../../src/formats/record.js";

// Hugging Face layouts (docs/model-hashing.md#hugging-face-layouts): a model folder of the hub
// cache, whose snapshot files are relative symlinks to ../../blobs/<sha256>, hashed with
// --follow-symlinks <root> and --ignore-paths; the v3 manifest records both settings.

const root = fileURLToPath(new URL("../..", import.meta.url));
const CLI = join(root, "bin", "provenance.js");
const sha256 = (text: string): string => createHash("sha256").update(text).digest("hex");
const vector = JSON.parse(await readFile(join(root, "test/vectors/model-v3.json"), "utf8")) as {
  files: Record<string, string>;
  ignorePaths: string[];
  manifest: unknown;
  sha256: string;
  v2Sha256OfPlainCopy: string;
};
const validateSchema = new Ajv2020({ strict: true, allErrors: true }).compile(
  JSON.parse(await readFile(join(root, "schemas/model-manifest-v3.schema.json"), "utf8")) as object,
);

/**
 * A hub cache as huggingface_hub lays it out: models--acme--tiny/{blobs/<sha256>, refs/main,
 * snapshots/<rev>/<file> -> ../../blobs/<sha256> (deeper files: ../../../blobs/…)}, plus a `.git`
 * folder and `.cache/huggingface` download metadata inside the snapshot (as `local_dir` downloads
 * leave them). Returns the cache root (the models--… folder) and the snapshot.
 */
async function hubCache(): Promise<{ cache: string; snapshot: string; work: string }> {
  const work = await mkdtemp(join(tmpdir(), "provenance-hf-"));
  const cache = join(work, "hub", "models--acme--tiny");
  const rev = "0123456789abcdef0123456789abcdef01234567";
  const snapshot = join(cache, "snapshots", rev);
  await mkdir(join(cache, "blobs"), { recursive: true });
  await mkdir(join(cache, "refs"), { recursive: true });
  await writeFile(join(cache, "refs", "main"), rev);
  for (const [path, content] of Object.entries(vector.files)) {
    const blob = sha256(content);
    await writeFile(join(cache, "blobs", blob), content);
    const depth = path.split("/").length - 1;
    await mkdir(join(snapshot, ...path.split("/").slice(0, -1)), { recursive: true });
    await symlink(`${"../".repeat(depth + 2)}blobs/${blob}`, join(snapshot, ...path.split("/")));
  }
  await mkdir(join(snapshot, ".git", "objects"), { recursive: true });
  await writeFile(join(snapshot, ".git", "HEAD"), "ref: refs/heads/main\n");
  await mkdir(join(snapshot, ".cache", "huggingface", "download"), { recursive: true });
  await writeFile(join(snapshot, ".cache", "huggingface", "download", "config.json.metadata"), `${rev}\n${sha256("x")}\n1700000000.0\n`);
  await writeFile(join(snapshot, ".cache", "huggingface", ".gitignore"), "*\n");
  return { cache, snapshot, work };
}

const OPTIONS = (cache: string) => ({ followSymlinks: cache, ignorePaths: [".git/", ".cache/huggingface"] });

describe("hashing a Hugging Face cache folder (model hashing v3)", () => {
  it("default: --follow-symlinks <cache> and --ignore-paths hash the snapshot into the frozen v3 manifest and digest", async () => {
    const { cache, snapshot } = await hubCache();
    const digest = await hashModel(snapshot, OPTIONS(cache));
    assert.equal(digest.kind, "directory");
    assert.deepEqual(digest.manifest, vector.manifest);
    assert.equal(digest.sha256, vector.sha256);
    assert.ok(validateSchema(digest.manifest), JSON.stringify(validateSchema.errors));
    assert.equal(hashModelManifest(parseModelManifest(vector.manifest)), vector.sha256);
    assert.deepEqual(digest.manifest?.ignorePaths, [".cache/huggingface", ".git"]);
    assert.equal(digest.manifest?.symlinks, "follow");
    assert.ok(!digest.manifest?.files.some((f) => f.path.startsWith(".git") || f.path.startsWith(".cache")));
  });

  it("behavior: the settings are part of the digest; a plain copy hashed with the same settings gives the same digest, and without them v2's", async () => {
    const { cache, snapshot, work } = await hubCache();
    const plain = join(work, "plain");
    await cp(snapshot, plain, { recursive: true, dereference: true });
    assert.equal((await hashModel(plain, OPTIONS(cache))).sha256, vector.sha256, "same files, same settings");
    assert.equal(
      (await hashModel(plain, { ignorePaths: [".git", ".cache/huggingface"] })).sha256 === vector.sha256,
      false,
      "symlinks: refuse is another digest",
    );
    const withoutSettings = await hashModel(join(plain), { ignorePaths: [] });
    assert.equal(withoutSettings.manifest?.format, "provenance-model-manifest-v2");
    // v2 hashes .git and .cache too: the frozen v2 digest of the copy.
    assert.equal(withoutSettings.sha256, vector.v2Sha256OfPlainCopy);
    // verifyModelDigest recomputes with the same settings.
    assert.equal((await verifyModelDigest(snapshot, { sha256: vector.sha256, manifest: vector.manifest }, OPTIONS(cache))).valid, true);
    const changed = await verifyModelDigest(snapshot, { sha256: vector.sha256, manifest: vector.manifest }, { ...OPTIONS(cache), ignorePaths: [".git"] });
    assert.equal(changed.valid, false);
  });

  it("behavior: a record of a v3 digest names its hashing provenance-model-manifest-v3 and parses back", async () => {
    const { cache, snapshot } = await hubCache();
    const digest = await hashModel(snapshot, OPTIONS(cache));
    const record = createRecord({ subject: { name: "acme/tiny", version: "1", digest: { sha256: digest.sha256 }, artifact: artifactOfDigest(digest) } });
    assert.equal(record.subject.artifact?.hashing, "provenance-model-manifest-v3");
    assert.deepEqual(parseRecord(JSON.parse(JSON.stringify(record))), record);
  });

  it("error: without --follow-symlinks the snapshot's links are refused (SYMLINK_REFUSED)", async () => {
    const { snapshot } = await hubCache();
    await assert.rejects(hashModel(snapshot, { ignorePaths: [".git"] }), (e: unknown) => e instanceof HashingError && e.code === "SYMLINK_REFUSED");
  });

  it("error: links resolving outside the root (by .. or absolute) and links to directories are refused by name", async () => {
    const cases: [string, (snapshot: string, cache: string, work: string) => Promise<void>, string, RegExp][] = [
      [
        "../ out of the root",
        async (s, _c, w) => {
          await writeFile(join(w, "secret.txt"), "secret");
          await symlink("../../../../secret.txt", join(s, "leak.txt"));
        },
        "SYMLINK_ESCAPES_ROOT",
        /outside the --follow-symlinks root/,
      ],
      [
        "an absolute link, even inside the root",
        async (s, c) => void (await symlink(join(c, "refs", "main"), join(s, "abs.txt"))),
        "SYMLINK_ESCAPES_ROOT",
        /absolute path/,
      ],
      ["a link to a directory", async (s) => void (await symlink("../../blobs", join(s, "dir"))), "SYMLINK_TO_DIRECTORY", /directory/],
      ["a dangling link", async (s) => void (await symlink("../../blobs/none", join(s, "gone.bin"))), "PATH_NOT_FOUND", /no such file/],
    ];
    for (const [what, add, code, message] of cases) {
      const { cache, snapshot, work } = await hubCache();
      await add(snapshot, cache, work);
      await assert.rejects(hashModel(snapshot, OPTIONS(cache)), (e: unknown) => {
        assert.ok(e instanceof HashingError, `${what}: ${String(e)}`);
        assert.equal(e.code, code, `${what}: ${e.message}`);
        assert.match(e.message, message, what);
        return true;
      });
    }
    // The root itself is named: a root that does not exist is a named error too.
    const { snapshot } = await hubCache();
    await assert.rejects(
      hashModel(snapshot, { followSymlinks: join(snapshot, "nope") }),
      (e: unknown) => e instanceof HashingError && e.code === "PATH_NOT_FOUND",
    );
  });

  it("error: an ignored path that is not model-relative is INVALID_IGNORE_PATH; a v3 manifest's settings are validated", async () => {
    const { snapshot } = await hubCache();
    for (const bad of ["/etc", "../x", "a//b", "."])
      await assert.rejects(hashModel(snapshot, { ignorePaths: [bad] }), (e: unknown) => e instanceof HashingError && e.code === "INVALID_IGNORE_PATH", bad);
    const m = vector.manifest as Record<string, unknown>;
    const invalid = (value: unknown, field: RegExp) =>
      assert.throws(
        () => parseModelManifest(value),
        (e: unknown) => e instanceof ModelManifestError && e.code === "INVALID_MANIFEST" && field.test(e.message),
      );
    invalid({ ...m, symlinks: "sometimes" }, /symlinks/);
    invalid({ ...m, ignorePaths: [".git", ".cache/huggingface"] }, /ignorePaths\[1\]/);
    invalid({ ...m, ignorePaths: ["../x"] }, /ignorePaths\[0\]/);
    invalid({ ...m, ignorePaths: ["config.json"] }, /leave out/);
    invalid({ ...m, ignorePaths: [], symlinks: "refuse" }, /non-default walk/);
    invalid({ ...m, format: "provenance-model-manifest-v2" }, /unknown key/);
  });

  it("behavior: the CLI's hash, record --follow-symlinks/--ignore-paths print the v3 digest", async () => {
    const { cache, snapshot, work } = await hubCache();
    const run = (args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
        execFile(process.execPath, [CLI, ...args], { cwd: work, env: { PATH: process.env.PATH!, HOME: work }, timeout: 120_000 }, (error, stdout, stderr) =>
          resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        ),
      );
    const flags = ["--follow-symlinks", cache, "--ignore-paths", ".git/", "--ignore-paths", ".cache/huggingface"];
    const h = await run(["hash", snapshot, ...flags, "--json"]);
    assert.equal(h.code, 0, h.stderr);
    assert.equal(JSON.parse(h.stdout).sha256, vector.sha256);
    assert.equal(JSON.parse(h.stdout).hashing, "provenance-model-manifest-v3");
    const plain = await run(["hash", snapshot]);
    assert.equal(plain.code, 2);
    assert.match(plain.stderr, /symbolic links are refused/);
    assert.equal((await run(["init"])).code, 0);
    const r = await run(["record", snapshot, "--name", "acme/tiny", ...flags, "--json"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(vector.sha256));
  });
});
