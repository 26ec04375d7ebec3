import { compareBytes, utf8Bytes } from "../../core/bytes.js";
import { compareUtf8 } from "../../core/compareUtf8.js";
import { ModelManifestError } from "../../core/errors/hashing.js";
import { typeName } from "../../core/hex.js";
import {
  MODEL_MANIFEST_ALGORITHM,
  MODEL_MANIFEST_FORMAT,
  MODEL_MANIFEST_FORMAT_V3,
  MODEL_MANIFEST_FORMATS,
  type ModelManifest,
  type ModelManifestFile,
} from "./modelManifest.js";
import { modelPathProblem } from "./modelPath.js";

const SHA256_HEX = /^[0-9a-f]{64}$/;
const MANIFEST_KEYS = ["format", "algorithm", "files"] as const;
const MANIFEST_KEYS_V3 = ["format", "algorithm", "ignorePaths", "symlinks", "files"] as const;
const FILE_KEYS = ["path", "size", "sha256"] as const;

export type ParseModelManifestErrorType = ModelManifestError;

/**
 * Validates untrusted JSON (already `JSON.parse`d) as a model manifest (`provenance-model-manifest-v2`,
 * or a v1 one, which keeps its format: `hashModelManifest` then gives its v1 digest) and returns a fresh copy.
 * Refuses an unknown `format` or `algorithm` (`UNSUPPORTED_FORMAT`) and, with the offending
 * field named (e.g. `files[3].path`), anything else a manifest made by `hashModel` could not
 * contain (`INVALID_MANIFEST`): unknown or missing keys; a path that is not a relative POSIX
 * path (leading `/`, `.`/`..`/empty segments, backslash, NUL, lone surrogate); a size that is
 * not a safe non-negative integer; a `sha256` that is not 64 lower-case hex digits; files out
 * of UTF-8 byte order or repeated; a file listed under a path that is itself a file; no files.
 * Unknown keys are refused, not dropped: they would change the canonical JSON and so the digest.
 *
 * @example
 * import { parseModelManifest, hashModelManifest } from "provenance-ledger";
 * const manifest = parseModelManifest(JSON.parse(await readFile("manifest.json", "utf8")));
 * console.log(hashModelManifest(manifest));
 */
export function parseModelManifest(json: unknown): ModelManifest {
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw invalid(`expected an object, got ${typeName(json)}`, "manifest");
  // format and algorithm first: a later version's manifest is UNSUPPORTED_FORMAT, not "unknown key".
  const object = json as Record<string, unknown>;
  if (typeof object.format !== "string") throw invalid(`expected a string, got ${typeName(object.format)}`, "format");
  const format = MODEL_MANIFEST_FORMATS.find((f) => f === object.format);
  if (format === undefined)
    throw new ModelManifestError(
      "UNSUPPORTED_FORMAT",
      `unknown manifest format ${JSON.stringify(object.format)} (expected ${JSON.stringify(MODEL_MANIFEST_FORMAT)})`,
      {
        field: "format",
      },
    );
  if (typeof object.algorithm !== "string") throw invalid(`expected a string, got ${typeName(object.algorithm)}`, "algorithm");
  if (object.algorithm !== MODEL_MANIFEST_ALGORITHM)
    throw new ModelManifestError(
      "UNSUPPORTED_FORMAT",
      `unknown algorithm ${JSON.stringify(object.algorithm)} (expected ${JSON.stringify(MODEL_MANIFEST_ALGORITHM)})`,
      {
        field: "algorithm",
      },
    );
  expectKeys(object, format === MODEL_MANIFEST_FORMAT_V3 ? MANIFEST_KEYS_V3 : MANIFEST_KEYS, "");
  let settings: { ignorePaths: string[]; symlinks: "follow" | "refuse" } | undefined;
  if (format === MODEL_MANIFEST_FORMAT_V3) {
    // v3 records how the directory was walked (docs/model-hashing.md#hugging-face-layouts).
    if (object.symlinks !== "follow" && object.symlinks !== "refuse")
      throw invalid(`must be "follow" or "refuse", got ${JSON.stringify(object.symlinks) ?? typeName(object.symlinks)}`, "symlinks");
    if (!Array.isArray(object.ignorePaths) || object.ignorePaths.length > 1024) throw invalid("expected an array of at most 1024 paths", "ignorePaths");
    const ignorePaths: string[] = [];
    for (const [i, p] of (object.ignorePaths as unknown[]).entries()) {
      if (typeof p !== "string") throw invalid(`expected a string, got ${typeName(p)}`, `ignorePaths[${i}]`);
      const problem = modelPathProblem(p);
      if (problem !== undefined) throw invalid(`path ${problem}`, `ignorePaths[${i}]`);
      if (i > 0 && compareUtf8(ignorePaths[i - 1]!, p) >= 0) throw invalid("paths must be sorted by their UTF-8 bytes, without repeats", `ignorePaths[${i}]`);
      ignorePaths.push(p);
    }
    if (ignorePaths.length === 0 && object.symlinks === "refuse")
      throw invalid("a v3 manifest records a non-default walk: follow symlinks or ignore at least one path (else it is v2)", "format");
    settings = { ignorePaths, symlinks: object.symlinks };
  }
  if (!Array.isArray(object.files)) throw invalid(`expected an array, got ${typeName(object.files)}`, "files");
  if (object.files.length === 0) throw invalid("a model manifest lists at least one file", "files");

  const files: ModelManifestFile[] = [];
  const filePaths = new Set<string>();
  let previous: Uint8Array | undefined;
  for (const [i, item] of (object.files as unknown[]).entries()) {
    const field = `files[${i}]`;
    if (typeof item !== "object" || item === null || Array.isArray(item)) throw invalid(`expected an object, got ${typeName(item)}`, field);
    const entry = expectKeys(item, FILE_KEYS, `${field}.`);
    const { path, size, sha256 } = entry;

    if (typeof path !== "string") throw invalid(`expected a string, got ${typeName(path)}`, `${field}.path`);
    const problem = modelPathProblem(path);
    if (problem !== undefined) throw invalid(`path ${problem}`, `${field}.path`);
    const bytes = utf8Bytes(path);
    if (previous !== undefined) {
      const order = compareBytes(previous, bytes);
      if (order === 0) throw invalid(`duplicate path ${JSON.stringify(path)}`, `${field}.path`);
      if (order > 0) throw invalid(`paths must be sorted by their UTF-8 bytes; ${JSON.stringify(path)} comes before files[${i - 1}].path`, `${field}.path`);
    }
    previous = bytes;
    const segments = path.split("/");
    for (let n = 1; n < segments.length; n++) {
      const ancestor = segments.slice(0, n).join("/");
      if (filePaths.has(ancestor)) throw invalid(`path lies under ${JSON.stringify(ancestor)}, which is listed as a file`, `${field}.path`);
    }
    filePaths.add(path);

    if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0)
      throw invalid(`size must be a non-negative safe integer, got ${typeof size === "number" ? String(size) : typeName(size)}`, `${field}.size`);
    if (typeof sha256 !== "string" || !SHA256_HEX.test(sha256)) throw invalid("sha256 must be 64 lower-case hex digits without 0x", `${field}.sha256`);
    files.push({ path, size, sha256 });
  }
  for (const file of files)
    if (settings?.ignorePaths.some((i) => file.path === i || file.path.startsWith(`${i}/`)))
      throw invalid(`lists ${JSON.stringify(file.path)}, which the manifest's ignorePaths leave out`, "files");
  return settings === undefined ? { format, algorithm: MODEL_MANIFEST_ALGORITHM, files } : { format, algorithm: MODEL_MANIFEST_ALGORITHM, ...settings, files };
}

function expectKeys<K extends string>(value: object, keys: readonly K[], prefix: string): Record<K, unknown> {
  for (const key of Object.keys(value)) {
    if (!(keys as readonly string[]).includes(key)) throw invalid(`unknown key ${JSON.stringify(key)}`, `${prefix}${key}`);
  }
  for (const key of keys) {
    if (!Object.hasOwn(value, key)) throw invalid("is missing", `${prefix}${key}`);
  }
  return value as Record<K, unknown>;
}

function invalid(message: string, field: string): ModelManifestError {
  return new ModelManifestError("INVALID_MANIFEST", message, { field });
}
