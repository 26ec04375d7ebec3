import assert from "node:assert/strict";
import { unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { HashingError, ModelManifestError } from "../../src/core/errors/hashing.js";
import { InputError } from "../../src/core/errors/input.js";
import { hashModel } from "../../src/local/hashing/hashModel.js";
import { verifyModelDigest } from "../../src/local/hashing/verifyModelDigest.js";
import { scratchTrees } from "../helpers/fileTree.js";

const { scratch, tree: makeModel } = scratchTrees("hashing-verify-");

const FILES = { "config.json": "{}", "weights/a.safetensors": "aaaa", "weights/b.safetensors": "bbbb" };

describe("verifyModelDigest", () => {
  it("default", async () => {
    const root = makeModel(FILES);
    const anchored = await hashModel(root);
    const result = await verifyModelDigest(root, anchored);
    assert.equal(result.valid, true);
    assert.deepEqual(result.actual, anchored);
  });

  it("behavior: accepts the digest alone, with 0x or in upper case", async () => {
    const root = makeModel(FILES);
    const { sha256 } = await hashModel(root);
    assert.equal((await verifyModelDigest(root, { sha256 })).valid, true);
    assert.equal((await verifyModelDigest(root, { sha256: `0x${sha256.toUpperCase()}` })).valid, true);
  });

  it("behavior: one changed byte is DIGEST_MISMATCH naming the modified file", async () => {
    const root = makeModel(FILES);
    const anchored = await hashModel(root);
    writeFileSync(join(root, "weights/b.safetensors"), "bbbc");
    const result = await verifyModelDigest(root, anchored);
    assert.equal(result.valid, false);
    if (result.valid) return;
    assert.equal(result.reason, "DIGEST_MISMATCH");
    assert.deepEqual(result.differences?.added, []);
    assert.deepEqual(result.differences?.removed, []);
    assert.deepEqual(
      result.differences?.changed.map((f) => f.path),
      ["weights/b.safetensors"],
    );
  });

  it("behavior: an added and a removed file are named", async () => {
    const root = makeModel(FILES);
    const anchored = await hashModel(root);
    unlinkSync(join(root, "weights/a.safetensors"));
    writeFileSync(join(root, "weights/c.safetensors"), "cccc");
    const result = await verifyModelDigest(root, anchored);
    assert.ok(!result.valid);
    assert.deepEqual(result.differences, {
      equal: false,
      added: ["weights/c.safetensors"],
      removed: ["weights/a.safetensors"],
      changed: [],
    });
  });

  it("behavior: without the manifest a mismatch has no differences", async () => {
    const root = makeModel(FILES);
    const { sha256 } = await hashModel(root);
    writeFileSync(join(root, "config.json"), "{ }");
    const result = await verifyModelDigest(root, { sha256 });
    assert.ok(!result.valid);
    assert.equal(result.reason, "DIGEST_MISMATCH");
    assert.equal(result.differences, undefined);
  });

  it("behavior: a file where a directory was anchored is KIND_MISMATCH", async () => {
    const root = makeModel(FILES);
    const anchored = await hashModel(root);
    const result = await verifyModelDigest(join(root, "config.json"), anchored);
    assert.ok(!result.valid);
    assert.equal(result.reason, "KIND_MISMATCH");
  });

  it("error: a manifest that does not hash to the expected digest is refused before hashing", async () => {
    const root = makeModel(FILES);
    const anchored = await hashModel(root);
    const other = await hashModel(makeModel({ "x.bin": "x" }));
    await assert.rejects(
      verifyModelDigest(join(scratch, "missing"), { sha256: anchored.sha256, manifest: other.manifest }),
      (e: unknown) => e instanceof ModelManifestError && e.code === "INVALID_MANIFEST" && e.field === "manifest",
    );
  });

  it("error: a malformed expected digest or manifest is refused", async () => {
    const root = makeModel(FILES);
    await assert.rejects(verifyModelDigest(root, { sha256: "abc" }), (e: unknown) => e instanceof InputError && e.code === "INVALID_HEX");
    await assert.rejects(
      verifyModelDigest(root, { sha256: "0".repeat(64), manifest: { format: "x" } }),
      (e: unknown) => e instanceof ModelManifestError && e.code === "UNSUPPORTED_FORMAT",
    );
  });

  it("error: a model that cannot be hashed rejects with HashingError", async () => {
    await assert.rejects(
      verifyModelDigest(join(scratch, "missing"), { sha256: "0".repeat(64) }),
      (e: unknown) => e instanceof HashingError && e.code === "PATH_NOT_FOUND",
    );
  });
});
