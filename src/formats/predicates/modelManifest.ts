import { encodeAbiParameters } from "viem";
import { compareBytes, utf8Bytes } from "../../core/bytes.js";
import type { InputError } from "../../core/errors/input.js";
import { keccak256Bytes, keccak256Hex } from "../../core/keccak.js";
import { SINGLE_FILE_PATH } from "../model/shards.js";
import { MODEL_MANIFEST_FORMAT, type ModelHashing, hashingOfKind } from "../model/modelManifest.js";
import { modelPathProblem } from "../model/modelPath.js";
import { type Hex, hexEquals, hexToBytes, parseHexBytes } from "../../core/hex.js";
import { MAX_LEAF_COUNT } from "../../merkle/arrayMerkleTree.js";
import { buildMerkleTree } from "../../merkle/buildMerkleTree.js";
import { verifyMerkleProof } from "../../merkle/proof.js";
import { type Fail, type Spec, s } from "../../core/spec/spec.js";
import { parsePredicate } from "./fields.js";
import { expectArray, expectBoolean, expectInteger, expectObject, expectOneOf, invalid } from "../../core/validate.js";

/**
 * The in-toto `predicateType` of a model manifest made by this version (v2): the subject digest
 * is model hashing v2, and `artifact` binds the kind (file or directory) under the signature.
 */
export const MODEL_MANIFEST_PREDICATE_TYPE = "https://provenance-ledger.dev/model-manifest/v2";

/**
 * The v1 predicate type: no `artifact`, and the subject digest of a directory is model hashing v1
 * (ambiguous with a file holding the manifest's bytes). Still parsed, never made; verifiers refuse
 * it (check `hashing-version`).
 */
export const MODEL_MANIFEST_PREDICATE_TYPE_V1 = "https://provenance-ledger.dev/model-manifest/v1";

/**
 * What the subject is, signed with the resources: its kind, and how its digest was computed
 * (`sha256` of the file's bytes, or the `provenance-model-manifest-v2` directory digest).
 */
export type ModelManifestArtifact = { kind: "file" | "directory"; hashing: ModelHashing };

/** The leaf encoding of `merkle.root`, as @openzeppelin/merkle-tree's `StandardMerkleTree` takes it. */
export const MODEL_RESOURCE_LEAF_ENCODING = ["string", "uint256", "bytes32"] as const;

/**
 * How the resources were computed, in OpenSSF model signing's words, so a verifier can redo it:
 * whole files (`files`, algorithm `sha256`) or `shard_size`-byte shards (`shards`, algorithm
 * `sha256-sharded-<shard_size>`). Symlinks are never followed and nothing is ignored.
 */
export type ModelManifestSerialization =
  | { method: "files"; hash_type: "sha256"; allow_symlinks: false; ignore_paths: string[] }
  | { method: "shards"; hash_type: "sha256"; allow_symlinks: false; ignore_paths: string[]; shard_size: number };

/** One file or shard of the model: an OpenSSF resource descriptor, plus the bytes it covers. */
export type ModelManifestResource = {
  /** Model-relative POSIX path (`.` for a single-file model); for shards `path:start:end`. */
  name: string;
  /** `sha256`, or `sha256-sharded-<shard_size>` for shards. */
  algorithm: string;
  /** SHA-256 of the file or shard: 64 lower-case hex digits. */
  digest: string;
  /** Bytes covered: the file's size, or `end - start` of the shard. */
  size: number;
};

/** A Merkle root over the resources, so one file or shard can be proven without the others. */
export type ModelManifestMerkle = {
  /** `StandardMerkleTree.of(resources.map(r => [r.name, r.size, "0x" + r.digest]), leafEncoding).root`. */
  root: Hex;
  leafCount: number;
  leafEncoding: ["string", "uint256", "bytes32"];
};

/**
 * The model-manifest predicate (`MODEL_MANIFEST_PREDICATE_TYPE`): the layout of OpenSSF model
 * signing's `https://model_signing/signature/v1.0` predicate (`serialization`, `resources`
 * sorted as `model_signing` sorts them), plus each resource's `size` and a Merkle root over
 * the resources. The statement's subject is the model digest of `hashModel`. See
 * docs/model-hashing.md.
 */
export type ModelManifestPredicate = {
  /** v2 (required): the subject's kind and hashing. Absent from a v1 predicate. */
  artifact?: ModelManifestArtifact;
  serialization: ModelManifestSerialization;
  resources: readonly ModelManifestResource[];
  merkle: ModelManifestMerkle;
};

const CODE = "INVALID_PREDICATE";
const ROOT = /^0x[0-9a-f]{64}$/;
const SHARD_NAME = /^(.+):(0|[1-9][0-9]*):(0|[1-9][0-9]*)$/;
/** Longest resource name: a 4096-byte path plus `:start:end`. */
const MAX_NAME_LENGTH = 4096 + 34;

/**
 * The Merkle leaf of a resource, shared with Solidity and @openzeppelin/merkle-tree:
 *
 *     keccak256(bytes.concat(keccak256(abi.encode(string name, uint256 size, bytes32 digest))))
 *
 * @example
 * import { modelResourceLeaf } from "provenance-ledger";
 * const leaf = modelResourceLeaf({ name: "config.json", algorithm: "sha256", digest, size: 42 });
 */
export function modelResourceLeaf(resource: ModelManifestResource): Hex {
  return keccak256Hex(
    keccak256Bytes(
      hexToBytes(
        encodeAbiParameters([{ type: "string" }, { type: "uint256" }, { type: "bytes32" }], [resource.name, BigInt(resource.size), `0x${resource.digest}`]),
      ),
    ),
  );
}

export type ParseModelManifestPredicateErrorType = InputError;

/**
 * Validates untrusted JSON (already parsed) as a model-manifest predicate and returns a fresh
 * copy. Every field is checked and unknown fields are refused; each refusal is an `InputError`
 * `INVALID_PREDICATE` naming the field (`predicate.resources[3].digest`). Beyond the shape
 * (also in schemas/predicates/model-manifest-v1.schema.json), it checks what a schema cannot:
 * resources sorted as OpenSSF model signing sorts them and unique; the algorithm matching
 * `shard_size`; shards contiguous from offset 0, all but the last of each file full, `size`
 * equal to `end - start`; `merkle.leafCount` equal to the number of resources and `merkle.root`
 * equal to the root recomputed from them.
 *
 * @example
 * import { parseModelManifestPredicate } from "provenance-ledger";
 * const predicate = parseModelManifestPredicate(statement.predicate, "statement.predicate");
 */
export function parseModelManifestPredicate(value: unknown, path = "predicate"): ModelManifestPredicate {
  return parsePredicate(modelManifestSpec, value, path);
}

/**
 * Validates a v1 model-manifest predicate (`MODEL_MANIFEST_PREDICATE_TYPE_V1`: no `artifact`), so
 * that old envelopes still load; verifiers refuse it (docs/model-hashing.md, "Versions").
 */
export function parseModelManifestPredicateV1(value: unknown, path = "predicate"): ModelManifestPredicate {
  return parsePredicate(modelManifestSpecV1, value, path);
}

// A model path (modelPathProblem) or ".", as a JSON Schema pattern: relative, no "." or ".." segment, no backslash, NUL or lone surrogate.
const MODEL_PATH = "(?:\\.|(?!\\.\\.?(?:/|$))(?!.*/\\.\\.?(?:/|$))[^/\\\\\\u0000\\uD800-\\uDFFF]+(?:/[^/\\\\\\u0000\\uD800-\\uDFFF]+)*)";
const SYMLINKS = { description: "Symbolic links are never followed.", const: false };
const IGNORE_PATHS = {
  description: "Always empty: every file is hashed (the subject digest covers them all).",
  type: "array",
  items: { type: "string" },
  maxItems: 0,
};
const SERIALIZATION_SCHEMA = {
  description:
    "How the resources were computed (OpenSSF model signing's serialization): files, one resource per file; shards, one per shard_size-byte shard of each file.",
  oneOf: [
    {
      type: "object",
      required: ["method", "hash_type", "allow_symlinks", "ignore_paths"],
      additionalProperties: false,
      properties: { method: { const: "files" }, hash_type: { const: "sha256" }, allow_symlinks: SYMLINKS, ignore_paths: IGNORE_PATHS },
    },
    {
      type: "object",
      required: ["method", "hash_type", "allow_symlinks", "ignore_paths", "shard_size"],
      additionalProperties: false,
      properties: {
        method: { const: "shards" },
        hash_type: { const: "sha256" },
        allow_symlinks: SYMLINKS,
        ignore_paths: IGNORE_PATHS,
        shard_size: { description: "Bytes per shard; only with method shards.", type: "integer", minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
      },
    },
  ],
};

const resourceSpec = s.object({
  name: s.string({ max: MAX_NAME_LENGTH }).describe("model-relative POSIX path (`.` for a single-file model); for a shard `path:start:end`"),
  algorithm: s.string({ max: 64 }).describe("`sha256`, or `sha256-sharded-<shard_size>` for shards"),
  digest: s.sha256().describe("SHA-256 of the file or shard: 64 lower-case hex digits, no 0x"),
  size: s.integer().describe("bytes covered: the file's size, or end - start of the shard"),
});

const merkleSpec = s.object({
  root: s
    .string<Hex>({ min: 66, max: 66, pattern: ROOT, hint: "0x and 64 lower-case hex digits" })
    .describe("`StandardMerkleTree.of(resources.map(r => [r.name, r.size, '0x' + r.digest]), leafEncoding).root` (@openzeppelin/merkle-tree)"),
  leafCount: s.integer(1, MAX_LEAF_COUNT),
  leafEncoding: s.custom<ModelManifestMerkle["leafEncoding"]>(
    (value, path) => {
      const encoding = expectArray(value, path, CODE, 3, 3);
      MODEL_RESOURCE_LEAF_ENCODING.forEach((type, i) => expectOneOf(encoding[i], `${path}[${i}]`, CODE, [type]));
      return [...MODEL_RESOURCE_LEAF_ENCODING];
    },
    { const: [...MODEL_RESOURCE_LEAF_ENCODING] },
    `\`${JSON.stringify(MODEL_RESOURCE_LEAF_ENCODING)}\``,
  ),
});

const artifactSpec = s
  .custom(
    parseArtifact,
    {
      description:
        "The subject's kind and how its digest was computed: a verifier that hashed the files refuses a file where a directory was attested, and the reverse.",
      type: "object",
      additionalProperties: false,
      required: ["kind", "hashing"],
      properties: { kind: { enum: ["file", "directory"] }, hashing: { enum: ["sha256", MODEL_MANIFEST_FORMAT] } },
      if: { properties: { kind: { const: "file" } } },
      then: { properties: { hashing: { const: "sha256" } } },
      else: { properties: { hashing: { const: MODEL_MANIFEST_FORMAT } } },
    },
    `{ kind: \`"file"\` with hashing \`"sha256"\` \\| \`"directory"\` with \`"${MODEL_MANIFEST_FORMAT}"\` }`,
  )
  .describe("the subject's kind and how its digest was computed; must be the kind the resources describe");

/** What a schema cannot say about the resources, checked in order: the rules of docs/model-hashing.md. */
function checkResources(predicate: ModelManifestPredicate, fail: Fail): void {
  const { serialization, resources, merkle, artifact } = predicate;
  const keys: ResourceKey[] = [];
  const filePaths = new Set<string>();
  const algorithm = serialization.method === "files" ? "sha256" : `sha256-sharded-${serialization.shard_size}`;
  for (const [i, resource] of resources.entries()) {
    const at = `.resources[${i}]`;
    if (resource.algorithm !== algorithm) fail(`${at}.algorithm`, `must be one of ${JSON.stringify(algorithm)}, got ${JSON.stringify(resource.algorithm)}`);
    const key = resourceKey(resource.name, serialization, "", (message) => fail(`${at}.name`, message));
    const single = key.path === SINGLE_FILE_PATH;
    if (single !== ((keys[0] ?? key).path === SINGLE_FILE_PATH) || (single && serialization.method === "files" && resources.length !== 1))
      fail(`${at}.name`, `"${SINGLE_FILE_PATH}" names the model itself: only a single-file model has it, and then it is its only file`);
    const previous = keys.at(-1);
    if (previous !== undefined) {
      const order = compareKeys(previous, key);
      if (order === 0) fail(`${at}.name`, `duplicate resource ${JSON.stringify(resource.name)}`);
      if (order > 0)
        fail(`${at}.name`, `resources must be sorted by path segments, then offset (as OpenSSF model signing sorts them); it comes before resources[${i - 1}]`);
    }
    if (serialization.method === "shards") {
      const sameFile = previous?.path === key.path;
      if (sameFile && (previous.end - previous.start !== serialization.shard_size || key.start !== previous.end))
        fail(
          `${at}.name`,
          `shards of a file are contiguous and all but the last are shard_size (${serialization.shard_size}) bytes; expected it to start at ${previous.end} after a full shard`,
        );
      if (!sameFile && key.start !== 0) fail(`${at}.name`, "the first shard of a file starts at offset 0");
      if (key.end - key.start > serialization.shard_size || (key.end === key.start && key.start !== 0))
        fail(`${at}.name`, `a shard covers 1 to shard_size (${serialization.shard_size}) bytes (an empty file: one shard 0:0)`);
      if (resource.size !== key.end - key.start) fail(`${at}.size`, `size must be end - start = ${key.end - key.start}`);
    }
    if (!filePaths.has(key.path)) {
      const segments = key.path.split("/");
      for (let n = 1; n < segments.length; n++) {
        const ancestor = segments.slice(0, n).join("/");
        if (filePaths.has(ancestor)) fail(`${at}.name`, `path lies under ${JSON.stringify(ancestor)}, which is listed as a file`);
      }
      filePaths.add(key.path);
    }
    keys.push(key);
  }
  if (merkle.leafCount !== resources.length) fail(".merkle.leafCount", `must equal the number of resources (${resources.length})`);
  const recomputed = merkleOf(resources).root;
  if (!hexEquals(merkle.root, recomputed)) fail(".merkle.root", `does not match the resources (they give ${recomputed})`);
  // The signed kind must be the one the resources describe: "." names a single-file model.
  if (artifact !== undefined && (artifact.kind === "file") !== (keys[0]?.path === SINGLE_FILE_PATH))
    fail(
      ".artifact.kind",
      `kind is "${artifact.kind}", but the resources describe a ${artifact.kind === "file" ? "directory" : `single file ("${SINGLE_FILE_PATH}")`}`,
    );
}

/** The schema of every resource's name and algorithm under one serialization method. */
const resourcesOf = (name: Record<string, unknown>, algorithm: Record<string, unknown>) => ({
  properties: {
    resources: { type: "array", items: { type: "object", properties: { name: { type: "string", ...name }, algorithm: { type: "string", ...algorithm } } } },
  },
});

const RESOURCE_RULES = {
  schema: {
    if: { properties: { serialization: { type: "object", required: ["method"], properties: { method: { const: "shards" } } } } },
    then: resourcesOf(
      { description: "path:start:end, path relative POSIX or '.' (a single-file model).", pattern: `^${MODEL_PATH}:(?:0|[1-9][0-9]*):(?:0|[1-9][0-9]*)$` },
      { pattern: "^sha256-sharded-[1-9][0-9]*$" },
    ),
    else: resourcesOf({ description: "Relative POSIX path, or '.' (a single-file model).", pattern: `^${MODEL_PATH}$` }, { const: "sha256" }),
  },
  doc: "resources sorted as OpenSSF model signing sorts them and unique; algorithm, shards and sizes as serialization says; merkle.leafCount and merkle.root those of the resources (checked by the parser)",
};

const fields = {
  serialization: s
    .custom(parseSerialization, SERIALIZATION_SCHEMA, "`files` \\| `shards` serialization")
    .describe("how the resources were computed: OpenSSF model signing's `files` or `shards` (below)"),
  resources: s.array(resourceSpec, 1, MAX_LEAF_COUNT).describe("every file (or shard), sorted as OpenSSF model signing sorts them"),
  merkle: merkleSpec,
};

/** The model-manifest predicate's spec (v2): parser, `schemas/predicates/model-manifest-v2.schema.json` and the docs table. */
export const modelManifestSpec = s.object({ artifact: artifactSpec, ...fields }).refine(checkResources, RESOURCE_RULES) satisfies Spec<
  ModelManifestPredicate & { artifact: ModelManifestArtifact }
>;

/** The v1 spec: no `artifact` (`schemas/predicates/model-manifest-v1.schema.json`). */
export const modelManifestSpecV1 = s.object(fields).refine(checkResources, RESOURCE_RULES) satisfies Spec<Omit<ModelManifestPredicate, "artifact">>;

export type ModelManifestDifference = {
  /**
   * `MISSING`: in the predicate, not in the model. `UNEXPECTED`: in the model, not in the
   * predicate. `CHANGED`: in both, with a different size or digest. `KIND_MISMATCH`: a v2
   * predicate's `artifact.kind` is not the model's (checked before anything is hashed).
   */
  reason: "MISSING" | "UNEXPECTED" | "CHANGED" | "KIND_MISMATCH";
  /** The model-relative path of the file (`.` for a single-file model). */
  file: string;
  /** The resource name: the path, or `path:start:end` for a shard. */
  resource: string;
  /** The predicate's resource (absent for `UNEXPECTED`). */
  expected?: ModelManifestResource;
  /** The model's resource (absent for `MISSING`; without `digest` when it differed before hashing). */
  actual?: Omit<ModelManifestResource, "digest"> & { digest?: string };
  /** `KIND_MISMATCH`: the predicate's signed kind and the model's (a file where a directory was attested, or the reverse). */
  kind?: { expected: "file" | "directory"; actual: "file" | "directory" };
};

export type ProveResourceReturnType = {
  resource: ModelManifestResource;
  /** Sibling hashes from the resource's leaf up to `predicate.merkle.root` (OpenZeppelin's `getProof`). */
  proof: Hex[];
};

/**
 * The Merkle proof of one resource (a file, or one shard of a file) under
 * `predicate.merkle.root`, so it can be checked without the other resources. Throws
 * `InputError` when no resource has that name, or when the predicate's root does not match its
 * resources (parse untrusted predicates with `parseModelManifestPredicate` first).
 *
 * @example
 * import { proveResource, verifyResourceProof } from "provenance-ledger";
 * const { resource, proof } = proveResource(predicate, "model-00001-of-00002.safetensors:0:1000000000");
 * verifyResourceProof(predicate.merkle.root, resource, proof); // true
 */
export function proveResource(predicate: ModelManifestPredicate, name: string): ProveResourceReturnType {
  const index = predicate.resources.findIndex((resource) => resource.name === name);
  if (index < 0) invalid("INVALID_ARGUMENT", `the predicate has no resource named ${JSON.stringify(name)}`, "name");
  const leaves = predicate.resources.map(modelResourceLeaf);
  const tree = buildMerkleTree(leaves);
  if (!hexEquals(tree.root, predicate.merkle.root)) invalid(CODE, `does not match the resources (they give ${tree.root})`, "predicate.merkle.root");
  return { resource: { ...(predicate.resources[index] as ModelManifestResource) }, proof: tree.getProof(leaves[index] as Hex) };
}

/**
 * Whether `proof` proves `resource` under `root` (a predicate's `merkle.root`): the resource's
 * leaf (`modelResourceLeaf`) folded with the proof must give the root, compared in constant
 * time. Same result as `StandardMerkleTree.verify(root, ["string","uint256","bytes32"],
 * [name, size, "0x" + digest], proof)`. Every argument is hostile: a malformed resource is an
 * `InputError` `INVALID_PREDICATE` naming the field (`resource.digest`), a malformed root or
 * proof an `InputError` naming it, a proof longer than 64 a `MerkleError`.
 *
 * @example
 * import { verifyResourceProof } from "provenance-ledger";
 * if (!verifyResourceProof(anchored.merkle.root, resource, proof)) throw new Error("not part of the model");
 */
export function verifyResourceProof(root: Hex, resource: ModelManifestResource, proof: readonly Hex[]): boolean {
  const expectedRoot = parseHexBytes(root, "root");
  return verifyMerkleProof(expectedRoot, modelResourceLeaf(parsePredicate(resourceSpec, resource, "resource")), proof);
}

// ---------------------------------------------------------------------------------------------
// Resource names, their order and how two lists differ: pure, shared with
// local/hashing/modelManifestPredicate.ts (which hashes a model into a predicate, or against one).
// Not exported from the package.

/**
 * The predicate of a model whose resources are already hashed: `resources` sorted as OpenSSF
 * sorts them, and their Merkle root.
 */
export function modelManifestPredicateOf(
  kind: "file" | "directory",
  serialization: ModelManifestSerialization,
  resources: ModelManifestResource[],
): ModelManifestPredicate {
  const sorted = sortResources(resources, serialization);
  return { artifact: { kind, hashing: hashingOfKind(kind) }, serialization, resources: sorted, merkle: merkleOf(sorted) };
}

/** A resource name, split: the file's path and the byte range (`[0, size)` for a whole file). */
export type ResourceKey = { path: string; segments: Uint8Array[]; start: number; end: number };
export type NamedResource = Omit<ModelManifestResource, "digest"> & { key: ResourceKey };

/**
 * How the predicate's resource and the model's, at the same place in both sorted lists,
 * differ, or undefined when they are the same (the digest compared only when the model's is
 * known, in constant time).
 */
export function firstDifference(
  expected: ModelManifestResource | undefined,
  actual: (NamedResource & { digest?: string }) | undefined,
  serialization: ModelManifestSerialization,
): ModelManifestDifference | undefined {
  if (expected === undefined && actual === undefined) return undefined;
  const described = (reason: ModelManifestDifference["reason"], name: string): ModelManifestDifference => ({
    reason,
    file: resourceKey(name, serialization, "").path,
    resource: name,
    ...(reason !== "UNEXPECTED" && expected && { expected: { ...expected } }),
    ...(reason !== "MISSING" &&
      actual && {
        actual: { name: actual.name, algorithm: actual.algorithm, size: actual.size, ...(actual.digest !== undefined && { digest: actual.digest }) },
      }),
  });
  if (expected === undefined) return described("UNEXPECTED", (actual as NamedResource).name);
  if (actual === undefined) return described("MISSING", expected.name);
  const expectedKey = resourceKey(expected.name, serialization, "");
  const order = compareKeys(expectedKey, actual.key);
  // The same file cut differently (another size) is a changed file, not a missing and an added one.
  if (order !== 0 && expectedKey.path === actual.key.path) return described("CHANGED", expected.name);
  if (order < 0) return described("MISSING", expected.name);
  if (order > 0) return described("UNEXPECTED", actual.name);
  if (expected.size !== actual.size || (actual.digest !== undefined && !hexEquals(expected.digest, actual.digest))) return described("CHANGED", expected.name);
  return undefined;
}

function parseSerialization(value: unknown, path: string): ModelManifestSerialization {
  const object = expectObject(value, path, CODE, { required: ["method", "hash_type", "allow_symlinks", "ignore_paths"], allowed: ["shard_size"] });
  const method = expectOneOf(object.method, `${path}.method`, CODE, ["files", "shards"]);
  const hash_type = expectOneOf(object.hash_type, `${path}.hash_type`, CODE, ["sha256"]);
  if (expectBoolean(object.allow_symlinks, `${path}.allow_symlinks`, CODE))
    invalid(CODE, "must be false: symbolic links are never followed", `${path}.allow_symlinks`);
  if (expectArray(object.ignore_paths, `${path}.ignore_paths`, CODE).length > 0)
    invalid(CODE, "must be empty: every file of the model is hashed (the subject digest covers them all)", `${path}.ignore_paths`);
  if (method === "files") {
    if (object.shard_size !== undefined) invalid(CODE, 'shard_size is only for method "shards"', `${path}.shard_size`);
    return { method, hash_type, allow_symlinks: false, ignore_paths: [] };
  }
  if (object.shard_size === undefined) invalid(CODE, "required field is missing", `${path}.shard_size`);
  const shard_size = expectInteger(object.shard_size, `${path}.shard_size`, CODE, 1);
  return { method, hash_type, allow_symlinks: false, ignore_paths: [], shard_size };
}

function parseArtifact(value: unknown, path: string): ModelManifestArtifact {
  const object = expectObject(value, path, CODE, { allowed: [], required: ["kind", "hashing"] });
  const kind = expectOneOf(object.kind, `${path}.kind`, CODE, ["file", "directory"] as const);
  const hashing = expectOneOf(object.hashing, `${path}.hashing`, CODE, [hashingOfKind(kind)]);
  return { kind, hashing };
}

export function merkleOf(resources: readonly ModelManifestResource[]): ModelManifestMerkle {
  const tree = buildMerkleTree(resources.map(modelResourceLeaf));
  return { root: tree.root, leafCount: tree.leafCount, leafEncoding: [...MODEL_RESOURCE_LEAF_ENCODING] };
}

/**
 * Splits a resource name. `at` names the field in errors (or `refuse` reports them); pass "" for names already checked.
 * A file's path must be a model path (`modelPathProblem`) or `.`; a shard is `path:start:end`.
 */
export function resourceKey(
  name: string,
  serialization: ModelManifestSerialization,
  at: string,
  refuse: (message: string) => never = (message) => invalid(CODE, message, at),
): ResourceKey {
  let path = name;
  let start = 0;
  let end = 0;
  if (serialization.method === "shards") {
    const match = SHARD_NAME.exec(name);
    if (!match) refuse("a shard is named path:start:end (offsets in bytes)");
    path = match[1] as string;
    start = Number(match[2]);
    end = Number(match[3]);
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || end < start) refuse("shard offsets must be safe integers with start <= end");
  }
  const problem = path === SINGLE_FILE_PATH ? undefined : modelPathProblem(path);
  if (problem !== undefined) refuse(`path ${problem}`);
  return pathKey(path, start, end);
}

/** The key of a valid path and range. */
export function pathKey(path: string, start: number, end: number): ResourceKey {
  return { path, segments: path.split("/").map(utf8Bytes), start, end };
}

/**
 * OpenSSF model signing's order (Python's `sorted` over `PurePosixPath` keys, then offsets):
 * paths compared segment by segment (each by UTF-8 bytes, i.e. code points), a path before the
 * paths under it; then start, then end. Not the manifest's whole-path UTF-8 order: `a/x.bin`
 * comes before `a.txt` here.
 */
export function compareKeys(a: ResourceKey, b: ResourceKey): number {
  const n = Math.min(a.segments.length, b.segments.length);
  for (let i = 0; i < n; i++) {
    const order = compareBytes(a.segments[i]!, b.segments[i]!);
    if (order !== 0) return order;
  }
  return a.segments.length - b.segments.length || a.start - b.start || a.end - b.end;
}

export function sortResources(resources: ModelManifestResource[], serialization: ModelManifestSerialization): ModelManifestResource[] {
  return resources
    .map((resource) => ({ resource, key: resourceKey(resource.name, serialization, "") }))
    .sort((x, y) => compareKeys(x.key, y.key))
    .map(({ resource }) => resource);
}
