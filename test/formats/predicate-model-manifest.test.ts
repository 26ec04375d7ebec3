import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import fc from "fast-check";
import { predicateSchema, refusedBy } from "../helpers/predicateHarness.js";
import { parsePredicate } from "../../src/formats/predicates/index.js";
import { STATEMENT_TYPE } from "../../src/formats/attestation/statement.js";
import { VerificationError } from "../../src/core/errors/verification.js";
import { checkHashingVersion } from "../../src/verify/artifact.js";
import {
  MODEL_MANIFEST_PREDICATE_TYPE,
  MODEL_MANIFEST_PREDICATE_TYPE_V1,
  MODEL_RESOURCE_LEAF_ENCODING,
  type ModelManifestPredicate,
  type ModelManifestResource,
  modelResourceLeaf,
  parseModelManifestPredicate,
  parseModelManifestPredicateV1,
  proveResource,
  verifyResourceProof,
} from "../../src/formats/predicates/modelManifest.js";
import { createModelManifestPredicate, verifyModelAgainstManifest } from "../../src/local/hashing/modelManifestPredicate.js";
import { HashingError } from "../../src/core/errors/hashing.js";
import { InputError } from "../../src/core/errors/input.js";
import { hashModel } from "../../src/local/hashing/hashModel.js";
import type { HashProgress } from "../../src/formats/model/modelManifest.js";
import type { Hex } from "../../src/core/hex.js";
import { processProof } from "../../src/merkle/proof.js";

const REPO = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const validateSchema = predicateSchema("model-manifest");
const ENCODING = [...MODEL_RESOURCE_LEAF_ENCODING];

const scratch = mkdtempSync(join(tmpdir(), "predicate-model-manifest-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

let counter = 0;
function makeModel(files: Record<string, string | Uint8Array>): string {
  const root = join(scratch, `model-${counter++}`);
  mkdirSync(root);
  for (const [path, contents] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), contents);
  }
  return root;
}

const sha256 = (data: string | Uint8Array) => createHash("sha256").update(data).digest("hex");
const ozValues = (resources: readonly ModelManifestResource[]) => resources.map((r) => [r.name, r.size, `0x${r.digest}`]);
const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

// "a/x.bin" sorts before "a.txt" in OpenSSF order (path segments: "a" < "a.txt"), after it in
// whole-path UTF-8 order ("." < "/"): the predicate follows OpenSSF, the manifest UTF-8.
const FILES = { "a.txt": "a", "a/x.bin": "0123456789", "a-b.txt": "ab", "w/empty.bin": "", "w/m.bin": "abcdefghijklm" };

describe("createModelManifestPredicate", () => {
  it("default", async () => {
    const root = makeModel(FILES);
    const { predicate, subjectSha256 } = await createModelManifestPredicate(root);
    assert.equal(MODEL_MANIFEST_PREDICATE_TYPE, "https://provenance-ledger.dev/model-manifest/v2");
    assert.deepEqual(predicate.artifact, { kind: "directory", hashing: "provenance-model-manifest-v2" }, "the kind is signed with the resources");
    assert.equal(subjectSha256, (await hashModel(root)).sha256, "the subject is the model digest of hashModel");
    assert.deepEqual(predicate.serialization, { method: "files", hash_type: "sha256", allow_symlinks: false, ignore_paths: [] });
    assert.deepEqual(
      predicate.resources,
      ["a/x.bin", "a-b.txt", "a.txt", "w/empty.bin", "w/m.bin"].map((name) => ({
        name,
        algorithm: "sha256",
        digest: sha256(FILES[name as keyof typeof FILES]),
        size: FILES[name as keyof typeof FILES].length,
      })),
    );
    assert.deepEqual(predicate.merkle, { root: StandardMerkleTree.of(ozValues(predicate.resources), ENCODING).root, leafCount: 5, leafEncoding: ENCODING });
    assert.deepEqual(parseModelManifestPredicate(copy(predicate)), predicate, "parses back");
    assert.equal(validateSchema(predicate), true, JSON.stringify(validateSchema.errors));
  });

  it("behavior: shards are path:start:end with SHA-256 of each slice; an empty file is one empty shard", async () => {
    const root = makeModel(FILES);
    const { predicate, subjectSha256 } = await createModelManifestPredicate(root, { method: "shards", shardSize: 4, workers: 2 });
    assert.equal(subjectSha256, (await hashModel(root)).sha256, "same subject as the files method");
    assert.deepEqual(predicate.serialization, { method: "shards", hash_type: "sha256", allow_symlinks: false, ignore_paths: [], shard_size: 4 });
    const expected = [
      ["a/x.bin", 0, 4],
      ["a/x.bin", 4, 8],
      ["a/x.bin", 8, 10],
      ["a-b.txt", 0, 2],
      ["a.txt", 0, 1],
      ["w/empty.bin", 0, 0],
      ["w/m.bin", 0, 4],
      ["w/m.bin", 4, 8],
      ["w/m.bin", 8, 12],
      ["w/m.bin", 12, 13],
    ] as const;
    assert.deepEqual(
      predicate.resources,
      expected.map(([path, start, end]) => ({
        name: `${path}:${start}:${end}`,
        algorithm: "sha256-sharded-4",
        digest: sha256(FILES[path].slice(start, end)),
        size: end - start,
      })),
    );
    assert.equal(predicate.merkle.root, StandardMerkleTree.of(ozValues(predicate.resources), ENCODING).root);
    assert.deepEqual(
      (await createModelManifestPredicate(root, { method: "shards", shardSize: 4, workers: 1 })).predicate,
      predicate,
      "1 or 2 workers: same predicate",
    );
    assert.equal(validateSchema(predicate), true, JSON.stringify(validateSchema.errors));
  });

  it("behavior: a single-file model is named '.', as OpenSSF names it", async () => {
    const path = join(makeModel({ "model.bin": "This is a simple model" }), "model.bin");
    const files = await createModelManifestPredicate(path);
    assert.deepEqual(files.predicate.resources, [{ name: ".", algorithm: "sha256", digest: sha256("This is a simple model"), size: 22 }]);
    assert.equal(files.subjectSha256, sha256("This is a simple model"), "the subject is the file's sha256sum");
    const shards = await createModelManifestPredicate(path, { method: "shards", shardSize: 8 });
    assert.deepEqual(
      shards.predicate.resources.map((r) => r.name),
      [".:0:8", ".:8:16", ".:16:22"],
    );
    assert.equal(shards.predicate.merkle.leafCount, 3);
  });

  it("behavior: the default shard size is OpenSSF's 1,000,000,000 bytes", async () => {
    const { predicate } = await createModelManifestPredicate(makeModel({ "a.bin": "a" }), { method: "shards" });
    assert.deepEqual(predicate.serialization, { method: "shards", hash_type: "sha256", allow_symlinks: false, ignore_paths: [], shard_size: 1_000_000_000 });
    assert.equal(predicate.resources[0]?.algorithm, "sha256-sharded-1000000000");
  });

  it("error: a bad method, or a shard size without shards, is an InputError", async () => {
    const root = makeModel({ "a.bin": "a" });
    await assert.rejects(createModelManifestPredicate(root, { method: "blocks" as never }), (e: unknown) => e instanceof InputError && e.path === "method");
    await assert.rejects(createModelManifestPredicate(root, { shardSize: 4 }), (e: unknown) => e instanceof InputError && e.path === "shardSize");
    await assert.rejects(
      createModelManifestPredicate(root, { method: "shards", shardSize: 0 }),
      (e: unknown) => e instanceof InputError && e.path === "shardSize",
    );
  });
});

describe("Merkle root and single-resource proofs", () => {
  it("default", async () => {
    const root = makeModel(FILES);
    const { predicate } = await createModelManifestPredicate(root, { method: "shards", shardSize: 4 });
    const oz = StandardMerkleTree.of(ozValues(predicate.resources), ENCODING);
    assert.equal(predicate.merkle.root, oz.root, "root = StandardMerkleTree.of(values, ['string','uint256','bytes32']).root");
    for (const [i, resource] of predicate.resources.entries()) {
      const proved = proveResource(predicate, resource.name);
      assert.deepEqual(proved.resource, resource);
      assert.deepEqual(proved.proof, oz.getProof(i), `same proof as OZ getProof (${resource.name})`);
      assert.equal(
        StandardMerkleTree.verify(oz.root, ENCODING, [resource.name, resource.size, `0x${resource.digest}`], proved.proof),
        true,
        "OZ StandardMerkleTree.verify",
      );
      assert.equal(processProof(modelResourceLeaf(resource), proved.proof), predicate.merkle.root, "our processProof");
      assert.equal(verifyResourceProof(predicate.merkle.root, resource, proved.proof), true, "verifyResourceProof");
    }
  });

  it("behavior: the leaf is OZ's leafHash of [name, size, 0x+digest]", () => {
    const resource = { name: "weights/a.bin:0:4", algorithm: "sha256-sharded-4", digest: sha256("abcd"), size: 4 };
    const oz = StandardMerkleTree.of([[resource.name, resource.size, `0x${resource.digest}`]], ENCODING);
    assert.equal(modelResourceLeaf(resource), oz.leafHash([resource.name, resource.size, `0x${resource.digest}`]));
    assert.equal(modelResourceLeaf(resource), oz.root, "a one-leaf tree's root is its leaf");
  });

  it("behavior: a proof does not verify for another digest, size, name or root", async () => {
    const { predicate } = await createModelManifestPredicate(makeModel(FILES));
    const { resource, proof } = proveResource(predicate, "w/m.bin");
    const root = predicate.merkle.root;
    assert.equal(verifyResourceProof(root, { ...resource, digest: sha256("other") }, proof), false, "digest");
    assert.equal(verifyResourceProof(root, { ...resource, size: resource.size + 1 }, proof), false, "size");
    assert.equal(verifyResourceProof(root, { ...resource, name: "w/n.bin" }, proof), false, "name");
    assert.equal(verifyResourceProof(`0x${"00".repeat(32)}`, resource, proof), false, "root");
    assert.equal(verifyResourceProof(root, resource, proof.slice(1)), false, "a shortened proof");
  });

  it("error: hostile arguments are refused with the field named", async () => {
    const { predicate } = await createModelManifestPredicate(makeModel(FILES));
    const { resource, proof } = proveResource(predicate, "a.txt");
    const refuses = (fn: () => unknown, path: string) =>
      assert.throws(fn, (e: unknown) => e instanceof InputError && e.path === path && e.shortMessage.startsWith(`${path}: `), path);
    refuses(() => verifyResourceProof(predicate.merkle.root, { ...resource, digest: "zz" }, proof), "resource.digest");
    refuses(() => verifyResourceProof(predicate.merkle.root, { ...resource, size: -1 }, proof), "resource.size");
    refuses(() => verifyResourceProof(predicate.merkle.root, { ...resource, extra: 1 } as ModelManifestResource, proof), "resource.extra");
    refuses(() => verifyResourceProof(predicate.merkle.root, null as never, proof), "resource");
    refuses(() => verifyResourceProof("0x12" as Hex, resource, proof), "root");
    refuses(() => verifyResourceProof(predicate.merkle.root, resource, ["nope" as Hex]), "proof[0]");
    refuses(() => proveResource(predicate, "missing.bin"), "name");
    refuses(() => proveResource({ ...predicate, merkle: { ...predicate.merkle, root: `0x${"11".repeat(32)}` } }, "a.txt"), "predicate.merkle.root");
  });
});

describe("parseModelManifestPredicate", () => {
  const valid = async (): Promise<ModelManifestPredicate> =>
    (await createModelManifestPredicate(makeModel(FILES), { method: "shards", shardSize: 4 })).predicate;
  type Json = Record<string, unknown> & { serialization: Record<string, unknown>; resources: Record<string, unknown>[]; merkle: Record<string, unknown> };

  const refused = refusedBy(parseModelManifestPredicate, validateSchema, { namesField: true });
  /** Both the parser and the JSON Schema refuse it; the parser names `path`. */
  const refusedByBoth = (value: unknown, path: string) => refused(value, path);
  /** Only the parser can see it (order, arithmetic, the root): the schema accepts the shape. */
  const refusedByParserOnly = (value: unknown, path: string) => refused(value, path, false);
  /** `predicate` edited, with merkle recomputed so that only the edit is wrong. */
  function edited(predicate: ModelManifestPredicate, edit: (p: Json) => void, remerkle = true): Json {
    const json = copy(predicate) as unknown as Json;
    edit(json);
    if (remerkle) {
      const resources = json.resources as unknown as ModelManifestResource[];
      try {
        json.merkle.root = StandardMerkleTree.of(ozValues(resources), ENCODING).root;
        json.merkle.leafCount = resources.length;
      } catch {
        // a resource the OZ encoder cannot take: the edit itself is what must be refused
      }
    }
    return json;
  }

  it("default", async () => {
    const predicate = await valid();
    const input = copy(predicate);
    const parsed = parseModelManifestPredicate(input, "statement.predicate");
    assert.deepEqual(parsed, predicate);
    assert.notEqual(parsed.resources[0], input.resources[0], "a fresh copy");
  });

  it("error: not an object, missing or unknown fields (parser and schema agree)", async () => {
    const p = await valid();
    refusedByBoth(null, "predicate");
    refusedByBoth([p], "predicate");
    refusedByBoth(
      edited(p, (j) => delete (j as Record<string, unknown>).merkle),
      "predicate.merkle",
    );
    refusedByBoth(
      edited(p, (j) => (j.comment = "x")),
      "predicate.comment",
    );
    refusedByBoth(
      edited(p, (j) => delete j.serialization.ignore_paths),
      "predicate.serialization.ignore_paths",
    );
    refusedByBoth(
      edited(p, (j) => (j.serialization.blake3 = true)),
      "predicate.serialization.blake3",
    );
    refusedByBoth(
      edited(p, (j) => ((j.resources[3] as Record<string, unknown>).annotations = {})),
      "predicate.resources[3].annotations",
    );
    refusedByBoth(
      edited(p, (j) => delete (j.resources[2] as Record<string, unknown>).size),
      "predicate.resources[2].size",
    );
    refusedByBoth(
      edited(p, (j) => (j.resources = [])),
      "predicate.resources",
    );
    refusedByBoth(
      edited(p, (j) => (j.merkle.extra = 1)),
      "predicate.merkle.extra",
    );
  });

  it("error: serialization values (parser and schema agree)", async () => {
    const p = await valid();
    refusedByBoth(
      edited(p, (j) => (j.serialization.method = "blocks")),
      "predicate.serialization.method",
    );
    refusedByBoth(
      edited(p, (j) => (j.serialization.hash_type = "blake3")),
      "predicate.serialization.hash_type",
    );
    refusedByBoth(
      edited(p, (j) => (j.serialization.allow_symlinks = true)),
      "predicate.serialization.allow_symlinks",
    );
    refusedByBoth(
      edited(p, (j) => (j.serialization.allow_symlinks = "false")),
      "predicate.serialization.allow_symlinks",
    );
    refusedByBoth(
      edited(p, (j) => (j.serialization.ignore_paths = [".git"])),
      "predicate.serialization.ignore_paths",
    );
    refusedByBoth(
      edited(p, (j) => delete j.serialization.shard_size),
      "predicate.serialization.shard_size",
    );
    refusedByBoth(
      edited(p, (j) => (j.serialization.shard_size = 0)),
      "predicate.serialization.shard_size",
    );
    refusedByBoth(
      edited(p, (j) => (j.serialization.shard_size = 8.5)),
      "predicate.serialization.shard_size",
    );
    const files = (await createModelManifestPredicate(makeModel(FILES))).predicate;
    refusedByBoth(
      edited(files, (j) => (j.serialization.shard_size = 4)),
      "predicate.serialization.shard_size",
    );
  });

  it("error: resource fields (parser and schema agree)", async () => {
    const p = await valid();
    const files = (await createModelManifestPredicate(makeModel(FILES))).predicate;
    for (const digest of [sha256("x").toUpperCase(), `0x${sha256("x")}`, sha256("x").slice(1), 7])
      refusedByBoth(
        edited(p, (j) => ((j.resources[1] as Record<string, unknown>).digest = digest), false),
        "predicate.resources[1].digest",
      );
    for (const size of [-1, 1.5, 2 ** 53, "4", null])
      refusedByBoth(
        edited(p, (j) => ((j.resources[1] as Record<string, unknown>).size = size), false),
        "predicate.resources[1].size",
      );
    for (const name of ["a/x.bin", "a/x.bin:0", "a/x.bin:00:4", "/etc/passwd:0:4", "../x:0:4", "a//b:0:4", "a\\b:0:4", 4])
      refusedByBoth(
        edited(p, (j) => ((j.resources[0] as Record<string, unknown>).name = name), false),
        "predicate.resources[0].name",
      );
    for (const name of ["/etc/passwd", "../x", "a/./b", "a//b", "w/", "a\\b", "a\0b", "", "\uDC00x"])
      refusedByBoth(
        edited(files, (j) => ((j.resources[2] as Record<string, unknown>).name = name), false),
        "predicate.resources[2].name",
      );
    refusedByBoth(
      edited(p, (j) => ((j.resources[0] as Record<string, unknown>).algorithm = "sha256"), false),
      "predicate.resources[0].algorithm",
    );
    refusedByBoth(
      edited(files, (j) => ((j.resources[0] as Record<string, unknown>).algorithm = "sha256-sharded-4"), false),
      "predicate.resources[0].algorithm",
    );
  });

  it("error: merkle fields (parser and schema agree)", async () => {
    const p = await valid();
    refusedByBoth(
      edited(p, (j) => (j.merkle.root = (j.merkle.root as string).toUpperCase().replace("0X", "0x")), false),
      "predicate.merkle.root",
    );
    refusedByBoth(
      edited(p, (j) => (j.merkle.root = (j.merkle.root as string).slice(2)), false),
      "predicate.merkle.root",
    );
    refusedByBoth(
      edited(p, (j) => (j.merkle.leafCount = 0), false),
      "predicate.merkle.leafCount",
    );
    refusedByBoth(
      edited(p, (j) => (j.merkle.leafEncoding = ["string", "uint256"]), false),
      "predicate.merkle.leafEncoding",
    );
    refusedByBoth(
      edited(p, (j) => (j.merkle.leafEncoding = ["bytes32", "uint256", "string"]), false),
      "predicate.merkle.leafEncoding[0]",
    );
  });

  it("error: what only the parser checks: order, duplicates, shard arithmetic, '.', the root", async () => {
    const p = await valid();
    const files = (await createModelManifestPredicate(makeModel(FILES))).predicate;
    // Whole-path UTF-8 order is not OpenSSF order: "a.txt" before "a/x.bin" is refused.
    refusedByParserOnly(
      edited(files, (j) => j.resources.sort((x, y) => Buffer.compare(Buffer.from(x.name as string), Buffer.from(y.name as string)))),
      "predicate.resources[2].name",
    );
    refusedByParserOnly(
      edited(files, (j) => (j.resources[1] = { ...(j.resources[0] as object) })),
      "predicate.resources[1].name",
    );
    refusedByParserOnly(
      edited(p, (j) => (j.serialization.shard_size = 8)),
      "predicate.resources[0].algorithm",
    );
    refusedByParserOnly(
      edited(p, (j) => {
        j.resources.splice(1, 1); // a/x.bin:0:4, a/x.bin:8:10: a gap
      }),
      "predicate.resources[1].name",
    );
    refusedByParserOnly(
      edited(p, (j) => ((j.resources[1] as Record<string, unknown>).size = 3)),
      "predicate.resources[1].size",
    );
    refusedByParserOnly(
      edited(p, (j) => {
        j.resources.splice(0, 1); // a/x.bin starts at 4
      }),
      "predicate.resources[0].name",
    );
    refusedByParserOnly(
      edited(p, (j) => ((j.resources[2] as Record<string, unknown>).name = "a/x.bin:8:13")),
      "predicate.resources[2].name",
    );
    refusedByParserOnly(
      edited(files, (j) => ((j.resources[0] as Record<string, unknown>).name = ".")),
      "predicate.resources[0].name",
    );
    refusedByParserOnly(
      edited(files, (j) => ((j.resources[4] as Record<string, unknown>).name = "w/empty.bin/x")),
      "predicate.resources[4].name",
    );
    refusedByParserOnly(
      edited(p, (j) => (j.merkle.leafCount = 3), false),
      "predicate.merkle.leafCount",
    );
    refusedByParserOnly(
      edited(p, (j) => (j.merkle.root = `0x${"ab".repeat(32)}`), false),
      "predicate.merkle.root",
    );
    refusedByParserOnly(
      edited(p, (j) => ((j.resources[0] as Record<string, unknown>).digest = sha256("tampered")), false),
      "predicate.merkle.root",
    );
  });

  it("behavior: any value anywhere is either accepted or refused with INVALID_PREDICATE (property)", async () => {
    const p = await valid();
    const fields = [
      ["serialization", "method"],
      ["serialization", "shard_size"],
      ["serialization", "ignore_paths"],
      ["resources"],
      ["resources", 0],
      ["resources", 0, "name"],
      ["resources", 1, "size"],
      ["resources", 2, "digest"],
      ["merkle", "root"],
      ["merkle", "leafEncoding"],
      [],
    ] as const;
    fc.assert(
      fc.property(fc.constantFrom(...fields), fc.anything(), (field, value) => {
        const json = copy(p) as unknown as Record<string | number, unknown>;
        let target: unknown = json;
        for (const key of field.slice(0, -1)) target = (target as Record<string | number, unknown>)[key];
        const replaced = field.length === 0 ? value : json;
        if (field.length > 0) (target as Record<string | number, unknown>)[field.at(-1) as string | number] = value;
        try {
          parseModelManifestPredicate(replaced);
        } catch (e) {
          assert.ok(e instanceof InputError && e.code === "INVALID_PREDICATE", `${String(e)} for ${JSON.stringify(field)}`);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("verifyModelAgainstManifest", () => {
  it("default", async () => {
    const root = makeModel(FILES);
    for (const options of [{}, { method: "shards", shardSize: 4 }] as const) {
      const { predicate } = await createModelManifestPredicate(root, options);
      assert.deepEqual(await verifyModelAgainstManifest(root, copy(predicate)), { valid: true, resourceCount: predicate.resources.length });
      assert.deepEqual(await verifyModelAgainstManifest(root, copy(predicate), { workers: 2 }), { valid: true, resourceCount: predicate.resources.length });
    }
  });

  it("behavior: one changed byte is CHANGED naming the file (and, for shards, the shard)", async () => {
    const root = makeModel(FILES);
    const files = (await createModelManifestPredicate(root)).predicate;
    const shards = (await createModelManifestPredicate(root, { method: "shards", shardSize: 4 })).predicate;
    writeFileSync(join(root, "w/m.bin"), "abcdefgXijklm");
    const byFile = await verifyModelAgainstManifest(root, files);
    assert.equal(byFile.valid, false);
    assert.deepEqual(byFile.valid ? undefined : [byFile.reason, byFile.file, byFile.resource, byFile.actual?.digest], [
      "CHANGED",
      "w/m.bin",
      "w/m.bin",
      sha256("abcdefgXijklm"),
    ]);
    const byShard = await verifyModelAgainstManifest(root, shards);
    assert.deepEqual(byShard.valid ? undefined : [byShard.reason, byShard.file, byShard.resource, byShard.expected?.digest, byShard.actual?.digest], [
      "CHANGED",
      "w/m.bin",
      "w/m.bin:4:8",
      sha256("efgh"),
      sha256("efgX"),
    ]);
  });

  it("behavior: added, removed and resized files are reported before any byte is read", async () => {
    const root = makeModel(FILES);
    const files = (await createModelManifestPredicate(root)).predicate;
    const shards = (await createModelManifestPredicate(root, { method: "shards", shardSize: 4 })).predicate;
    const events: HashProgress[] = [];
    const onProgress = (p: HashProgress) => events.push(p);
    const check = async (predicate: ModelManifestPredicate) => {
      const result = await verifyModelAgainstManifest(root, predicate, { onProgress });
      return result.valid ? "valid" : `${result.reason} ${result.file} ${result.resource}`;
    };

    writeFileSync(join(root, "a/new.bin"), "n");
    assert.equal(await check(files), "UNEXPECTED a/new.bin a/new.bin");
    assert.equal(await check(shards), "UNEXPECTED a/new.bin a/new.bin:0:1");
    unlinkSync(join(root, "a/new.bin"));

    unlinkSync(join(root, "a-b.txt"));
    assert.equal(await check(files), "MISSING a-b.txt a-b.txt");
    assert.equal(await check(shards), "MISSING a-b.txt a-b.txt:0:2");
    writeFileSync(join(root, "a-b.txt"), "ab");

    writeFileSync(join(root, "w/m.bin"), "abcdefghijklmn");
    assert.equal(await check(files), "CHANGED w/m.bin w/m.bin");
    assert.equal(await check(shards), "CHANGED w/m.bin w/m.bin:12:13");
    assert.deepEqual(events, [], "nothing was hashed");
    writeFileSync(join(root, "w/m.bin"), FILES["w/m.bin"]);
    assert.equal(await check(shards), "valid");
  });

  it("behavior: a single-file model", async () => {
    const path = join(makeModel({ "m.bin": "This is a simple model" }), "m.bin");
    const { predicate } = await createModelManifestPredicate(path, { method: "shards", shardSize: 8 });
    assert.deepEqual(await verifyModelAgainstManifest(path, predicate), { valid: true, resourceCount: 3 });
    writeFileSync(path, "This is a simple mode!");
    const result = await verifyModelAgainstManifest(path, predicate);
    assert.deepEqual(result.valid ? undefined : [result.reason, result.file, result.resource], ["CHANGED", ".", ".:16:22"]);
  });

  it("error: a malformed predicate is an InputError before the model is read; an unreadable model a HashingError", async () => {
    const root = makeModel(FILES);
    const { predicate } = await createModelManifestPredicate(root);
    await assert.rejects(
      verifyModelAgainstManifest(join(scratch, "missing"), { ...predicate, merkle: { ...predicate.merkle, leafCount: 1 } }),
      (e: unknown) => e instanceof InputError && e.path === "predicate.merkle.leafCount",
    );
    await assert.rejects(
      verifyModelAgainstManifest(join(scratch, "missing"), predicate),
      (e: unknown) => e instanceof HashingError && e.code === "PATH_NOT_FOUND",
    );
    symlinkSync("a.txt", join(root, "link"));
    await assert.rejects(verifyModelAgainstManifest(root, predicate), (e: unknown) => e instanceof HashingError && e.code === "SYMLINK_REFUSED");
  });
});

describe("model-manifest predicate v2 frozen vectors", () => {
  type Expected = { parameters: { method: "files" | "shards"; shardSize?: number }; subjectSha256: string; predicate: ModelManifestPredicate };
  type Vectors = {
    format: string;
    predicateType: string;
    models: {
      name: string;
      layout?: { files: { path: string; contentHex: string }[]; emptyDirectories: string[] };
      file?: { name: string; contentHex: string };
      expected: Expected[];
    }[];
  };
  const vectors = JSON.parse(readFileSync(join(REPO, "test/vectors/model-manifest-predicate-v2.json"), "utf8")) as Vectors;

  it("default", () => {
    assert.equal(vectors.format, "provenance-model-manifest-predicate-v2-vectors");
    assert.equal(vectors.predicateType, MODEL_MANIFEST_PREDICATE_TYPE);
    assert.ok(vectors.models.length >= 2 && vectors.models.every((m) => m.expected.length >= 2), "vectors present");
  });

  for (const model of vectors.models) {
    it(`behavior: ${model.name} recomputes to the frozen predicates and subject digest`, async () => {
      let path: string;
      if (model.file) path = join(makeModel({ [model.file.name]: Buffer.from(model.file.contentHex, "hex") }), model.file.name);
      else {
        path = makeModel(Object.fromEntries((model.layout?.files ?? []).map((f) => [f.path, Buffer.from(f.contentHex, "hex")])));
        for (const dir of model.layout?.emptyDirectories ?? []) mkdirSync(join(path, dir), { recursive: true });
      }
      for (const expected of model.expected) {
        const options = expected.parameters.shardSize === undefined ? { method: expected.parameters.method } : { ...expected.parameters };
        for (const workers of [1, 2]) {
          const { predicate, subjectSha256 } = await createModelManifestPredicate(path, { ...options, workers });
          assert.deepEqual(predicate, expected.predicate, `${model.name} ${expected.parameters.method}, ${workers} workers`);
          assert.equal(subjectSha256, expected.subjectSha256);
        }
        assert.deepEqual(parseModelManifestPredicate(copy(expected.predicate)), expected.predicate, "the frozen predicate parses");
        assert.equal(validateSchema(expected.predicate), true, JSON.stringify(validateSchema.errors));
        assert.deepEqual(await verifyModelAgainstManifest(path, expected.predicate), { valid: true, resourceCount: expected.predicate.resources.length });
      }
    });
  }
});

describe("model-manifest predicate v1 frozen vectors (fixtures: still parsed, refused by verifiers)", () => {
  type V1 = {
    models: {
      name: string;
      layout?: { files: { path: string; contentHex: string }[]; emptyDirectories: string[] };
      file?: { name: string; contentHex: string };
      expected: { parameters: { method: "files" | "shards"; shardSize?: number }; subjectSha256: string; predicate: ModelManifestPredicate }[];
    }[];
  };
  const v1 = JSON.parse(readFileSync(join(REPO, "test/vectors/model-manifest-predicate-v1.json"), "utf8")) as V1;
  const validateV1 = predicateSchema("model-manifest", 1);

  for (const model of v1.models) {
    it(`behavior: ${model.name}: the v1 predicates parse under v1 rules, and v2 has the same resources with the kind added`, async () => {
      let path: string;
      if (model.file) path = join(makeModel({ [model.file.name]: Buffer.from(model.file.contentHex, "hex") }), model.file.name);
      else path = makeModel(Object.fromEntries((model.layout?.files ?? []).map((f) => [f.path, Buffer.from(f.contentHex, "hex")])));
      for (const expected of model.expected) {
        assert.deepEqual(parseModelManifestPredicateV1(copy(expected.predicate)), expected.predicate);
        assert.equal(validateV1(expected.predicate), true, JSON.stringify(validateV1.errors));
        assert.equal(validateSchema(expected.predicate), false, "the v2 schema requires artifact");
        assert.throws(
          () => parseModelManifestPredicate(copy(expected.predicate)),
          (e: unknown) => e instanceof InputError && e.path === "predicate.artifact",
        );
        const options = expected.parameters.shardSize === undefined ? { method: expected.parameters.method } : { ...expected.parameters };
        const { predicate, subjectSha256 } = await createModelManifestPredicate(path, options);
        const { artifact, ...rest } = predicate;
        assert.deepEqual(rest, expected.predicate, "resources and merkle are unchanged by v2");
        assert.equal(subjectSha256 === expected.subjectSha256, artifact!.kind === "file", "only a directory's subject digest changed");
        assert.deepEqual(await verifyModelAgainstManifest(path, expected.predicate), { valid: true, resourceCount: expected.predicate.resources.length });
      }
    });
  }

  it("error: a v1 model-manifest statement is refused by verifiers with hashing-version", () => {
    const predicate = v1.models[0]!.expected[0]!.predicate;
    const statement = {
      _type: STATEMENT_TYPE,
      subject: [{ name: "m", digest: { sha256: v1.models[0]!.expected[0]!.subjectSha256 } }],
      predicateType: MODEL_MANIFEST_PREDICATE_TYPE_V1,
      predicate,
    } as const;
    assert.deepEqual(parsePredicate(MODEL_MANIFEST_PREDICATE_TYPE_V1, copy(predicate)), predicate, "still loads from old envelopes");
    assert.throws(
      () => checkHashingVersion({ kind: "attestation", statement, envelope: undefined as never }),
      (e: unknown) => e instanceof VerificationError && e.check === "hashing-version" && /model-manifest\/v1/.test(e.message) && /re-attest/.test(e.message),
    );
  });
});
