import assert from "node:assert/strict";
import { type SpawnSyncReturns, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { Ajv2020 } from "ajv/dist/2020.js";
import { canonicalJson } from "../../src/core/canonicalJson.js";
import { HashingError, ModelManifestError } from "../../src/core/errors/hashing.js";
import { hashModel } from "../../src/local/hashing/hashModel.js";
import { hashModelShards } from "../../src/local/hashing/hashModelShards.js";
import { verifyModelDigest } from "../../src/local/hashing/verifyModelDigest.js";
import { hashModelManifest } from "../../src/formats/model/hashModelManifest.js";
import { MODEL_DIRECTORY_TAG, MODEL_MANIFEST_FORMAT_V1, type ModelDigest, type ModelManifest } from "../../src/formats/model/modelManifest.js";
import { parseModelManifest } from "../../src/formats/model/parseModelManifest.js";

// Frozen: generated once by the Python reference in docs/model-hashing.md; never regenerated here.
type Vectors = {
  format: string;
  files: { name: string; contentHex: string; expected: ModelDigest }[];
  directories: {
    name: string;
    layout: { files: { path: string; contentHex: string }[]; emptyDirectories: string[] };
    expected: ModelDigest & { manifest: ModelManifest; canonicalManifest: string };
  }[];
};
type KindConfusion = { directory: string; v1Sha256: string; v2Sha256: string; manifestFile: { sha256: string }; taggedFile: { sha256: string } };

const REPO = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const vectors = JSON.parse(readFileSync(join(REPO, "test/vectors/model-v2.json"), "utf8")) as Vectors & {
  directoryTag: string;
  kindConfusion: KindConfusion[];
};
// v1: kept as a fixture (docs/model-hashing.md, "Versions"): its digests are still computed to name old receipts, never verified.
const vectorsV1 = JSON.parse(readFileSync(join(REPO, "test/vectors/model-v1.json"), "utf8")) as Vectors;
const docs = readFileSync(join(REPO, "docs/model-hashing.md"), "utf8");
const schema = JSON.parse(readFileSync(join(REPO, "schemas/model-manifest-v2.schema.json"), "utf8")) as object;
const validateSchema = new Ajv2020({ strict: true }).compile(schema);
const validateSchemaV1 = new Ajv2020({ strict: true }).compile(JSON.parse(readFileSync(join(REPO, "schemas/model-manifest-v1.schema.json"), "utf8")) as object);

const scratch = mkdtempSync(join(tmpdir(), "hashing-vectors-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

function build(name: string, layout: Vectors["directories"][number]["layout"]): string {
  const root = join(scratch, name);
  for (const file of layout.files) {
    mkdirSync(dirname(join(root, file.path)), { recursive: true });
    writeFileSync(join(root, file.path), Buffer.from(file.contentHex, "hex"));
  }
  for (const dir of layout.emptyDirectories) mkdirSync(join(root, dir), { recursive: true });
  return root;
}

describe("model-v2 golden vectors", () => {
  it("default", () => {
    assert.equal(vectors.format, "provenance-model-manifest-v2");
    assert.equal(vectors.directoryTag, MODEL_DIRECTORY_TAG);
    assert.ok(vectors.files.length >= 2 && vectors.directories.length >= 2, "vectors present");
  });

  for (const vector of vectors.files) {
    it(`behavior: file ${vector.name}`, async () => {
      const path = join(scratch, vector.name);
      writeFileSync(path, Buffer.from(vector.contentHex, "hex"));
      assert.deepEqual(await hashModel(path), vector.expected);
    });
  }

  for (const vector of vectors.directories) {
    it(`behavior: directory ${vector.name}`, async () => {
      const { canonicalManifest, ...expected } = vector.expected;
      const digest = await hashModel(build(vector.name, vector.layout));
      assert.deepEqual(digest, expected);
      assert.equal(canonicalJson(digest.manifest), canonicalManifest, "RFC 8785 bytes of the manifest");
      assert.equal(
        createHash("sha256")
          .update(MODEL_DIRECTORY_TAG + canonicalManifest, "utf8")
          .digest("hex"),
        expected.sha256,
        "SHA-256(tag ‖ JCS(manifest))",
      );
      assert.equal(hashModelManifest(parseModelManifest(expected.manifest)), expected.sha256, "the frozen manifest parses and hashes back");
      assert.equal(validateSchema(expected.manifest), true, JSON.stringify(validateSchema.errors));
    });
  }

  it("behavior: the canonical JSON example in docs/model-hashing.md is what hashModel hashes", async () => {
    const root = build("docs-example", {
      files: [
        { path: "a.bin", contentHex: "61" },
        { path: "b.bin", contentHex: "62" },
      ],
      emptyDirectories: [],
    });
    const digest = await hashModel(root);
    const line = docs.split("\n").find((l) => l.startsWith('{"algorithm":"sha256"'));
    assert.equal(line, canonicalJson(digest.manifest));
  });

  it("behavior: the Python reference in docs/model-hashing.md agrees with hashModel", async (t) => {
    const python = spawnSync("python3", ["--version"]);
    if (python.status !== 0) return t.skip("python3 is not installed");
    const reference = /```python\n([\s\S]*?)```/.exec(docs)?.[1];
    assert.ok(reference, "docs/model-hashing.md has a python block");
    for (const vector of vectors.directories) {
      const root = build(`python-${vector.name}`, vector.layout);
      const run: SpawnSyncReturns<string> = spawnSync("python3", ["-c", `${reference}\nimport sys\nprint(json.dumps(hash_model(sys.argv[1])))`, root], {
        encoding: "utf8",
      });
      assert.equal(run.status, 0, run.stderr);
      assert.deepEqual(JSON.parse(run.stdout), await hashModel(root), vector.name);
    }
  });
});

describe("model-v1 frozen vectors (fixtures: computed, never verified)", () => {
  it("default", () => {
    assert.equal(vectorsV1.format, MODEL_MANIFEST_FORMAT_V1);
    assert.equal(vectorsV1.files.length, vectors.files.length);
  });

  it("behavior: a single file's digest is the same in v1 and v2 (SHA-256 of its bytes)", async () => {
    for (const [i, vector] of vectorsV1.files.entries()) assert.deepEqual(vector.expected, vectors.files[i]!.expected, vector.name);
  });

  for (const vector of vectorsV1.directories) {
    it(`behavior: v1 directory ${vector.name} still hashes to its frozen v1 digest from its v1 manifest, and differs from v2`, async () => {
      const { canonicalManifest, ...expected } = vector.expected;
      assert.equal(hashModelManifest(parseModelManifest(expected.manifest)), expected.sha256, "the v1 manifest parses and keeps its v1 digest");
      assert.equal(validateSchemaV1(expected.manifest), true, JSON.stringify(validateSchemaV1.errors));
      const current = await hashModel(build(`v1-${vector.name}`, vector.layout));
      assert.equal(canonicalJson({ ...current.manifest!, format: MODEL_MANIFEST_FORMAT_V1 }), canonicalManifest, "same files, same order");
      assert.notEqual(current.sha256, expected.sha256);
    });

    it(`error: verifyModelDigest refuses the v1 manifest of ${vector.name} with UNSUPPORTED_FORMAT naming v1 and what to do`, async () => {
      const root = build(`v1-verify-${vector.name}`, vector.layout);
      await assert.rejects(
        verifyModelDigest(root, { sha256: vector.expected.sha256, manifest: vector.expected.manifest }),
        (e: unknown) =>
          e instanceof ModelManifestError && e.code === "UNSUPPORTED_FORMAT" && /provenance-model-manifest-v1/.test(e.message) && /re-hash/.test(e.message),
      );
    });
  }
});

describe("kind confusion: a file never has a directory's digest (golden)", () => {
  it("default", () => assert.equal(vectors.kindConfusion.length, vectors.directories.length));

  for (const golden of vectors.kindConfusion) {
    const vector = vectors.directories.find((d) => d.name === golden.directory)!;
    const v1 = vectorsV1.directories.find((d) => d.name === golden.directory)!;

    it(`behavior: a file whose bytes are ${golden.directory}'s v1 manifest collides under v1, not under v2`, async () => {
      const file = join(scratch, `${golden.directory}.manifest.json`);
      writeFileSync(file, v1.expected.canonicalManifest);
      const digest = await hashModel(file);
      assert.equal(digest.kind, "file");
      assert.equal(digest.sha256, golden.manifestFile.sha256);
      assert.equal(digest.sha256, golden.v1Sha256, "v1: the file and the directory share a digest (why v1 is refused)");
      const directory = await hashModel(build(`confusion-${golden.directory}`, vector.layout));
      assert.equal(directory.sha256, golden.v2Sha256);
      assert.notEqual(digest.sha256, directory.sha256, "v2: they do not");
    });

    it(`behavior: a file whose bytes are ${golden.directory}'s v2 manifest does not collide either`, async () => {
      const file = join(scratch, `${golden.directory}.manifest-v2.json`);
      writeFileSync(file, vector.expected.canonicalManifest);
      assert.notEqual((await hashModel(file)).sha256, golden.v2Sha256);
    });

    it(`error: DIRECTORY_TAG_IN_FILE for a file holding the tag and ${golden.directory}'s v2 manifest (hashModel, hashModelShards, 1 and 2 workers)`, async () => {
      const file = join(scratch, `${golden.directory}.tagged`);
      writeFileSync(file, MODEL_DIRECTORY_TAG + vector.expected.canonicalManifest);
      assert.equal(createHash("sha256").update(readFileSync(file)).digest("hex"), golden.taggedFile.sha256);
      assert.equal(golden.taggedFile.sha256, golden.v2Sha256, "its SHA-256 is the directory's v2 digest: that is why it is refused");
      const refused = (e: unknown) => e instanceof HashingError && e.code === "DIRECTORY_TAG_IN_FILE" && e.path === file;
      for (const workers of [1, 2]) await assert.rejects(hashModel(file, { workers }), refused);
      await assert.rejects(hashModelShards(file, { shardSize: 16, modelDigest: true }), refused);
    });
  }

  it("behavior: a file that only starts with part of the tag, or holds it later, is hashed as usual", async () => {
    for (const [name, content] of [
      ["partial", MODEL_DIRECTORY_TAG.slice(0, -1)],
      ["later", `x${MODEL_DIRECTORY_TAG}`],
      ["v1-tag", "provenance-ledger/model-directory/v1\n{}"],
    ] as const) {
      const file = join(scratch, `tag-${name}`);
      writeFileSync(file, content);
      assert.equal((await hashModel(file)).sha256, createHash("sha256").update(content).digest("hex"), name);
    }
  });
});
