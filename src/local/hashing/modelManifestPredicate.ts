// Model-manifest predicates from the files of a model on disk: hashing a model into a predicate,
// and a model against one. The predicate itself (types, parsing, resource order, Merkle root) is
// platform-neutral in formats/predicates/modelManifest.ts.
import type { HashingError } from "../../core/errors/hashing.js";
import { type InputError, invalid } from "../../core/errors/input.js";
import type { MerkleError } from "../../core/errors/merkle.js";
import type { HashProgress } from "../../formats/model/modelManifest.js";
import { DEFAULT_SHARD_SIZE, SINGLE_FILE_PATH, iterateShardRanges } from "../../formats/model/shards.js";
import {
  type ModelManifestDifference,
  type ModelManifestPredicate,
  type ModelManifestResource,
  type ModelManifestSerialization,
  type NamedResource,
  compareKeys,
  firstDifference,
  modelManifestPredicateOf,
  parseModelManifestPredicate,
  parseModelManifestPredicateV1,
  pathKey,
  resourceKey,
  sortResources,
} from "../../formats/predicates/modelManifest.js";
import { hashModel } from "./hashModel.js";
import { hashModelShards } from "./hashModelShards.js";
import { type ListedModel, listModel } from "./listModel.js";

export type CreateModelManifestPredicateParameters = {
  /** `files` (default): one resource per file. `shards`: one per `shardSize`-byte shard of each file. */
  method?: "files" | "shards";
  /** Bytes per shard for `shards` (default 1,000,000,000, OpenSSF's default). */
  shardSize?: number;
  /** Worker threads (see `hashModel`). */
  workers?: number;
  onProgress?: (progress: HashProgress) => void;
  signal?: AbortSignal;
};

export type CreateModelManifestPredicateReturnType = {
  predicate: ModelManifestPredicate;
  /** The model digest of `hashModel` for the same path: the statement's subject digest. */
  subjectSha256: string;
};

export type CreateModelManifestPredicateErrorType = HashingError | InputError | MerkleError;

/**
 * Hashes the model at `path` into a model-manifest predicate and its subject digest, in one
 * pass over the bytes: with `shards`, the whole-file SHA-256 that the subject digest needs runs
 * beside the shards on the worker pool.
 *
 * @example
 * import { MODEL_MANIFEST_PREDICATE_TYPE, createModelManifestPredicate } from "provenance-ledger";
 * const { predicate, subjectSha256 } = await createModelManifestPredicate("./model", { method: "shards" });
 * const statement = { _type: "https://in-toto.io/Statement/v1", subject: [{ name: "model", digest: { sha256: subjectSha256 } }],
 *   predicateType: MODEL_MANIFEST_PREDICATE_TYPE, predicate };
 */
export async function createModelManifestPredicate(
  path: string,
  parameters: CreateModelManifestPredicateParameters = {},
): Promise<CreateModelManifestPredicateReturnType> {
  const method = parameters.method ?? "files";
  if (method !== "files" && method !== "shards") invalid("INVALID_ARGUMENT", `method must be "files" or "shards", got ${JSON.stringify(method)}`, "method");
  if (method === "files" && parameters.shardSize !== undefined) invalid("INVALID_ARGUMENT", 'shardSize is only for method "shards"', "shardSize");
  const serialization: ModelManifestSerialization =
    method === "files"
      ? { method, hash_type: "sha256", allow_symlinks: false, ignore_paths: [] }
      : { method, hash_type: "sha256", allow_symlinks: false, ignore_paths: [], shard_size: parameters.shardSize ?? DEFAULT_SHARD_SIZE };
  const { resources, subjectSha256, kind } = await hashResources(path, serialization, parameters, true);
  return { predicate: modelManifestPredicateOf(kind, serialization, resources), subjectSha256: subjectSha256 as string };
}

export type VerifyModelAgainstManifestParameters = Omit<CreateModelManifestPredicateParameters, "method" | "shardSize">;

export type VerifyModelAgainstManifestReturnType = { valid: true; resourceCount: number } | ({ valid: false } & ModelManifestDifference);

export type VerifyModelAgainstManifestErrorType = HashingError | InputError | MerkleError;

/**
 * Recomputes the resources of the model at `path` as `predicate.serialization` says and
 * compares them with the predicate's. A difference is a result, not an error: `valid: false`
 * naming the first differing file. The file list and sizes (and so the shard names) are
 * compared before any byte is read, so a missing, added or resized file is reported without
 * hashing; otherwise the first resource, in predicate order, whose digest differs. The predicate
 * is parsed first (`parseModelManifestPredicate`); throws only for a malformed predicate
 * (`InputError`) or a model that cannot be hashed (`HashingError`).
 *
 * @example
 * import { verifyModelAgainstManifest } from "provenance-ledger";
 * const result = await verifyModelAgainstManifest("./model", statement.predicate);
 * if (!result.valid) console.error(`${result.reason}: ${result.file}`);
 */
export async function verifyModelAgainstManifest(
  path: string,
  predicate: unknown,
  parameters: VerifyModelAgainstManifestParameters = {},
): Promise<VerifyModelAgainstManifestReturnType> {
  // Either version: the resources are compared the same way; a v2 predicate's kind is checked too.
  const isV2 = typeof predicate === "object" && predicate !== null && Object.hasOwn(predicate, "artifact");
  const { artifact, serialization, resources } = isV2 ? parseModelManifestPredicate(predicate) : parseModelManifestPredicateV1(predicate);
  const model = await listModel(path, parameters.signal);
  if (artifact !== undefined && artifact.kind !== model.kind)
    return { valid: false, reason: "KIND_MISMATCH", file: ".", resource: ".", kind: { expected: artifact.kind, actual: model.kind } };

  // Names and sizes first, walking both sorted lists (the model's lazily: a tiny shard_size
  // must not make a huge list).
  const onDisk = modelResourceNames(model, serialization);
  for (let i = 0, next = onDisk.next(); !next.done || i < resources.length; i++, next = onDisk.next()) {
    const found = firstDifference(resources[i], next.done ? undefined : next.value, serialization);
    if (found) return { valid: false, ...found };
  }
  // Then the digests. The model is listed again to be hashed: names and sizes are compared again.
  const { resources: hashed } = await hashResources(path, serialization, parameters, false);
  for (let i = 0; i < Math.max(resources.length, hashed.length); i++) {
    const actual = hashed[i];
    const found = firstDifference(resources[i], actual && { ...actual, key: resourceKey(actual.name, serialization, "") }, serialization);
    if (found) return { valid: false, ...found };
  }
  return { valid: true, resourceCount: resources.length };
}

/** Hashes the model's resources as `serialization` says, sorted; with `subject`, hashModel's digest from the same pass. */
async function hashResources(
  path: string,
  serialization: ModelManifestSerialization,
  parameters: VerifyModelAgainstManifestParameters,
  subject: boolean,
): Promise<{ resources: ModelManifestResource[]; subjectSha256?: string; kind: "file" | "directory" }> {
  const hashing = {
    ...(parameters.workers !== undefined && { workers: parameters.workers }),
    ...(parameters.onProgress && { onProgress: parameters.onProgress }),
    ...(parameters.signal && { signal: parameters.signal }),
  };
  if (serialization.method === "files") {
    const digest = await hashModel(path, hashing);
    const files = digest.manifest?.files ?? [{ path: SINGLE_FILE_PATH, size: digest.size, sha256: digest.sha256 }];
    const resources = files.map((file) => ({ name: file.path, algorithm: "sha256", digest: file.sha256, size: file.size }));
    return { resources: sortResources(resources, serialization), subjectSha256: digest.sha256, kind: digest.kind };
  }
  const { shardSize, shards, digest } = await hashModelShards(path, { ...hashing, shardSize: serialization.shard_size, modelDigest: subject });
  const kind = shards[0]?.path === SINGLE_FILE_PATH ? "file" : "directory";
  const resources = shards.map((shard) => ({
    name: `${shard.path}:${shard.start}:${shard.end}`,
    algorithm: `sha256-sharded-${shardSize}`,
    digest: shard.sha256,
    size: shard.end - shard.start,
  }));
  return { resources: sortResources(resources, serialization), ...(digest && { subjectSha256: digest.sha256 }), kind };
}

/** The names and sizes of the model's resources, in OpenSSF order, generated lazily (the cut of `iterateShardRanges`). */
function* modelResourceNames(model: ListedModel, serialization: ModelManifestSerialization): Generator<NamedResource> {
  const files = model.files
    .map((file) => ({ file, key: pathKey(model.kind === "file" ? SINGLE_FILE_PATH : file.path, 0, 0) }))
    .sort((x, y) => compareKeys(x.key, y.key));
  for (const { file, key } of files) {
    if (serialization.method === "files") {
      yield { name: key.path, algorithm: "sha256", size: file.size, key };
      continue;
    }
    const algorithm = `sha256-sharded-${serialization.shard_size}`;
    for (const { start, end } of iterateShardRanges(file.size, serialization.shard_size))
      yield { name: `${key.path}:${start}:${end}`, algorithm, size: end - start, key: { ...key, start, end } };
  }
}
