import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { Ajv2020 } from "ajv/dist/2020.js";
import fc from "fast-check";
import { canonicalJson } from "../../src/core/canonicalJson.js";
import { ModelManifestError, type ModelManifestErrorCode } from "../../src/core/errors/hashing.js";
import { compareManifests } from "../../src/formats/model/compareManifests.js";
import { compareUtf8 } from "../../src/core/compareUtf8.js";
import { hashModelManifest } from "../../src/formats/model/hashModelManifest.js";
import type { ModelManifest, ModelManifestFile } from "../../src/formats/model/modelManifest.js";
import { parseModelManifest } from "../../src/formats/model/parseModelManifest.js";

const REPO = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const schema = JSON.parse(readFileSync(join(REPO, "schemas/model-manifest-v2.schema.json"), "utf8")) as object;
const validateSchema = new Ajv2020({ strict: true, allErrors: true }).compile(schema);

const A = "a".repeat(64);
const B = "b".repeat(64);
const C = "c".repeat(64);

function manifest(files: ModelManifestFile[]): ModelManifest {
  return { format: "provenance-model-manifest-v2", algorithm: "sha256", files };
}

const valid = manifest([
  { path: "config.json", size: 3, sha256: A },
  { path: "weights/model.safetensors", size: 9_000_000_000, sha256: B },
  { path: "\uFF61.txt", size: 0, sha256: C },
  { path: "\u{1F600}.txt", size: 1, sha256: C },
]);

/** Deep copy of `valid` with `edit` applied, as untrusted JSON. */
function tampered(edit: (m: { [key: string]: unknown; files: Record<string, unknown>[] }) => void): unknown {
  const copy = JSON.parse(JSON.stringify(valid)) as { [key: string]: unknown; files: Record<string, unknown>[] };
  edit(copy);
  return copy;
}

function assertManifestError(json: unknown, code: ModelManifestErrorCode, field: string) {
  assert.throws(
    () => parseModelManifest(json),
    (e: unknown) => {
      assert.ok(e instanceof ModelManifestError, `expected ModelManifestError, got ${String(e)}`);
      assert.equal(e.code, code, e.message);
      assert.equal(e.field, field, e.message);
      assert.ok(e.shortMessage.startsWith(`${field}: `), "the message names the field");
      return true;
    },
  );
  assert.equal(validateSchema(json), false, `the JSON Schema refuses it too (${field})`);
}

describe("parseModelManifest", () => {
  it("default", () => {
    const parsed = parseModelManifest(JSON.parse(JSON.stringify(valid)));
    assert.deepEqual(parsed, valid);
    assert.equal(validateSchema(valid), true, JSON.stringify(validateSchema.errors));
  });

  it("behavior: returns a fresh copy", () => {
    const input = JSON.parse(JSON.stringify(valid)) as ModelManifest;
    const parsed = parseModelManifest(input);
    assert.notEqual(parsed, input);
    assert.notEqual(parsed.files[0], input.files[0]);
  });

  it("behavior: accepts any valid sorted manifest (property)", () => {
    const segment = fc.string({ minLength: 1, maxLength: 6, unit: "grapheme" }).filter((s) => !/[/\\\0]/.test(s) && s !== "." && s !== "..");
    const path = fc.array(segment, { minLength: 1, maxLength: 3 }).map((segments) => segments.join("/"));
    const file = fc.record({ path, size: fc.nat(), sha256: fc.stringMatching(/^[0-9a-f]{64}$/) }).map((f) => ({ ...f }));
    fc.assert(
      fc.property(fc.uniqueArray(file, { minLength: 1, maxLength: 8, selector: (f) => f.path }), (files) => {
        const paths = new Set(files.map((f) => f.path));
        // A path under another listed path cannot exist on disk (a file is not a directory).
        const consistent = files.filter((f) => !f.path.split("/").some((_, i, s) => i > 0 && paths.has(s.slice(0, i).join("/"))));
        if (consistent.length === 0) return;
        const sorted = manifest([...consistent].sort((x, y) => compareUtf8(x.path, y.path)));
        assert.deepEqual(parseModelManifest(JSON.parse(JSON.stringify(sorted))), sorted);
        assert.equal(validateSchema(sorted), true, JSON.stringify(validateSchema.errors));
      }),
    );
  });

  it("behavior: a v1 manifest still parses, keeps its format and its v1 digest (no directory tag)", () => {
    const v1 = { ...valid, format: "provenance-model-manifest-v1" };
    const parsed = parseModelManifest(JSON.parse(JSON.stringify(v1)));
    assert.equal(parsed.format, "provenance-model-manifest-v1");
    assert.equal(hashModelManifest(parsed), createHash("sha256").update(canonicalJson(v1)).digest("hex"));
    assert.equal(
      hashModelManifest(valid),
      createHash("sha256")
        .update(`provenance-ledger/model-directory/v2\n${canonicalJson(valid)}`)
        .digest("hex"),
    );
  });

  it("error: an unknown format or algorithm is UNSUPPORTED_FORMAT, even with new keys", () => {
    assertManifestError({ ...valid, format: "provenance-model-manifest-v4", shards: 1024 }, "UNSUPPORTED_FORMAT", "format");
    assertManifestError({ ...valid, algorithm: "sha256-sharded-1024" }, "UNSUPPORTED_FORMAT", "algorithm");
    assertManifestError({ ...valid, algorithm: "SHA256" }, "UNSUPPORTED_FORMAT", "algorithm");
    assertManifestError({ ...valid, format: 1 }, "INVALID_MANIFEST", "format");
  });

  it("error: not an object, missing or unknown keys", () => {
    assertManifestError(null, "INVALID_MANIFEST", "manifest");
    assertManifestError([valid], "INVALID_MANIFEST", "manifest");
    assertManifestError(
      tampered((m) => delete (m as Record<string, unknown>).files),
      "INVALID_MANIFEST",
      "files",
    );
    assertManifestError(
      tampered((m) => (m.comment = "x")),
      "INVALID_MANIFEST",
      "comment",
    );
    assertManifestError(
      tampered((m) => (m.files = {} as never)),
      "INVALID_MANIFEST",
      "files",
    );
    assertManifestError(
      tampered((m) => (m.files = [])),
      "INVALID_MANIFEST",
      "files",
    );
    assertManifestError(
      tampered((m) => (m.files[2] = "x" as never)),
      "INVALID_MANIFEST",
      "files[2]",
    );
    assertManifestError(
      tampered((m) => delete m.files[1]?.size),
      "INVALID_MANIFEST",
      "files[1].size",
    );
    assertManifestError(
      tampered((m) => ((m.files[3] as Record<string, unknown>).mode = 0o644)),
      "INVALID_MANIFEST",
      "files[3].mode",
    );
  });

  it("error: a path that is not relative POSIX names files[i].path", () => {
    const bad = ["/etc/passwd", "../x", "a/../b", "a/./b", ".", "..", "a//b", "weights/", "a\\b", "a\0b", "", "\uDC00x"];
    for (const path of bad)
      assertManifestError(
        tampered((m) => ((m.files[0] as Record<string, unknown>).path = path)),
        "INVALID_MANIFEST",
        "files[0].path",
      );
    assertManifestError(
      tampered((m) => ((m.files[1] as Record<string, unknown>).path = 7)),
      "INVALID_MANIFEST",
      "files[1].path",
    );
  });

  it("error: a size that is not a safe non-negative integer names files[i].size", () => {
    for (const size of [-1, 1.5, 2 ** 53, Number.NaN, "3", null])
      assertManifestError(
        tampered((m) => ((m.files[1] as Record<string, unknown>).size = size)),
        "INVALID_MANIFEST",
        "files[1].size",
      );
  });

  it("error: a sha256 that is not 64 lower-case hex names files[i].sha256", () => {
    for (const sha256 of [A.toUpperCase(), `0x${A}`, A.slice(1), `${A}0`, "g".repeat(64), 1])
      assertManifestError(
        tampered((m) => ((m.files[2] as Record<string, unknown>).sha256 = sha256)),
        "INVALID_MANIFEST",
        "files[2].sha256",
      );
  });

  it("error: files out of UTF-8 order (e.g. in UTF-16 order) or repeated are refused", () => {
    const utf16Order = tampered((m) => m.files.reverse().sort((x, y) => ((x.path as string) < (y.path as string) ? -1 : 1)));
    assert.throws(
      () => parseModelManifest(utf16Order),
      (e: unknown) => e instanceof ModelManifestError && e.field === "files[3].path" && /sorted/.test(e.message),
    );
    const repeated = manifest([
      { path: "a", size: 1, sha256: A },
      { path: "a", size: 1, sha256: A },
    ]);
    assert.throws(
      () => parseModelManifest(repeated),
      (e: unknown) => e instanceof ModelManifestError && e.field === "files[1].path" && /duplicate/.test(e.message),
    );
  });

  it("error: a file listed under another file is refused", () => {
    const impossible = manifest([
      { path: "a", size: 1, sha256: A },
      { path: "a/b", size: 1, sha256: B },
    ]);
    assert.throws(
      () => parseModelManifest(impossible),
      (e: unknown) => e instanceof ModelManifestError && e.field === "files[1].path",
    );
  });
});

describe("hashModelManifest", () => {
  it("default", () => {
    assert.equal(hashModelManifest(valid), hashModelManifest(parseModelManifest(JSON.parse(canonicalJson(valid)))));
    assert.match(hashModelManifest(valid), /^[0-9a-f]{64}$/);
  });
});

describe("compareManifests", () => {
  it("default", () => {
    assert.deepEqual(compareManifests(valid, valid), { equal: true, added: [], removed: [], changed: [] });
  });

  it("behavior: names the added, removed and changed files", () => {
    const actual = manifest([
      { path: "config.json", size: 3, sha256: A },
      { path: "extra.bin", size: 5, sha256: A },
      { path: "weights/model.safetensors", size: 9_000_000_000, sha256: C },
      { path: "\u{1F600}.txt", size: 2, sha256: C },
    ]);
    assert.deepEqual(compareManifests(valid, actual), {
      equal: false,
      added: ["extra.bin"],
      removed: ["\uFF61.txt"],
      changed: [
        { path: "weights/model.safetensors", expected: valid.files[1], actual: actual.files[2] },
        { path: "\u{1F600}.txt", expected: valid.files[3], actual: actual.files[3] },
      ],
    });
  });
});
