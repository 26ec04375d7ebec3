import assert from "node:assert/strict";
import { type SpawnSyncReturns, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { Ajv2020 } from "ajv/dist/2020.js";
import { canonicalJson } from "../src/canonicalJson.js";
import { hashModel } from "../src/hashing/hashModel.js";
import { hashModelManifest } from "../src/hashing/hashModelManifest.js";
import type { ModelDigest, ModelManifest } from "../src/hashing/modelManifest.js";
import { parseModelManifest } from "../src/hashing/parseModelManifest.js";

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

const REPO = join(dirname(fileURLToPath(import.meta.url)), "..");
const vectors = JSON.parse(readFileSync(join(REPO, "test/vectors/model-v1.json"), "utf8")) as Vectors;
const docs = readFileSync(join(REPO, "docs/model-hashing.md"), "utf8");
const schema = JSON.parse(readFileSync(join(REPO, "schemas/model-manifest-v1.schema.json"), "utf8")) as object;
const validateSchema = new Ajv2020({ strict: true }).compile(schema);

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

describe("model-v1 golden vectors", () => {
  it("default", () => {
    assert.equal(vectors.format, "provenance-model-manifest-v1");
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
      assert.equal(createHash("sha256").update(canonicalManifest, "utf8").digest("hex"), expected.sha256);
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
      const run: SpawnSyncReturns<string> = spawnSync("python3", ["-c", `${reference}\nimport sys\nprint(json.dumps(hash_model(sys.argv[1])))`, root], { encoding: "utf8" });
      assert.equal(run.status, 0, run.stderr);
      assert.deepEqual(JSON.parse(run.stdout), await hashModel(root), vector.name);
    }
  });
});
