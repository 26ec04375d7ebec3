import type { HashingError } from "../../core/errors/hashing.js";
import { type InputError, invalid } from "../../core/errors/input.js";
import { type HashJob, checkWorkers, hashFileRanges, resolveWorkers } from "./hashFileRanges.js";
import { refuseDirectoryTag } from "./directoryTag.js";
import { type HashModelParameters, directoryDigest } from "./hashModel.js";
import { listModel } from "./listModel.js";
import type { ModelFileEntry } from "./listModelFiles.js";
import type { ModelDigest } from "../../formats/model/modelManifest.js";
import { DEFAULT_SHARD_SIZE, MAX_SHARD_COUNT, SINGLE_FILE_PATH, shardRanges } from "../../formats/model/shards.js";

export { DEFAULT_SHARD_SIZE, MAX_SHARD_COUNT, SINGLE_FILE_PATH, iterateShardRanges, shardRanges } from "../../formats/model/shards.js";

/** SHA-256 of the bytes `[start, end)` of one file of a model. */
export type ModelShard = {
  /** Model-relative POSIX path of the file; `"."` when the model is that single file. */
  path: string;
  start: number;
  end: number;
  /** 64 lower-case hex digits. */
  sha256: string;
};

export type HashModelShardsParameters = HashModelParameters & {
  /** Bytes per shard (default `DEFAULT_SHARD_SIZE`, OpenSSF's). A positive integer. */
  shardSize?: number;
  /**
   * Also compute the model digest of `hashModel` in the same pass (its whole-file SHA-256 runs
   * beside the shards on the pool; a file that fits in one shard is read once for both).
   */
  modelDigest?: boolean;
};

export type HashModelShardsReturnType = {
  shardSize: number;
  /** Every shard of every file: files in manifest order (UTF-8 bytes of the path), shards by offset. */
  shards: ModelShard[];
  /** Present when `modelDigest` was asked for: exactly what `hashModel` returns. */
  digest?: ModelDigest;
};

export type HashModelShardsErrorType = HashingError | InputError;

/**
 * Hashes a model the way OpenSSF model signing's `shards` serialization does: every file is
 * cut into `shardSize`-byte shards `[0, s), [s, 2s), …` (the last one shorter), and each shard's
 * SHA-256 is computed, in parallel on worker threads (`workers`, one per core by default), so
 * one large file uses every core. An empty file has one empty shard `[0, 0)` (the SHA-256 of
 * nothing), so it is witnessed too. Listing, refusals and errors are those of `hashModel`.
 *
 * @example
 * import { hashModelShards } from "provenance-ledger";
 * const { shards } = await hashModelShards("./model.safetensors", { shardSize: 1 << 30 });
 * for (const s of shards) console.log(`${s.path}:${s.start}:${s.end}`, s.sha256);
 */
export async function hashModelShards(path: string, parameters: HashModelShardsParameters = {}): Promise<HashModelShardsReturnType> {
  const { onProgress, signal } = parameters;
  const shardSize = checkShardSize(parameters.shardSize);
  const workers = checkWorkers(parameters.workers);
  const model = await listModel(path, signal);
  const { files } = model;
  const shardPath = (entry: ModelFileEntry) => (model.kind === "file" ? SINGLE_FILE_PATH : entry.path);

  const shardCount = files.reduce((sum, entry) => sum + Math.max(1, Math.ceil(entry.size / shardSize)), 0);
  if (shardCount > MAX_SHARD_COUNT)
    invalid("INVALID_ARGUMENT", `shardSize ${shardSize} cuts this model into ${shardCount} shards, more than ${MAX_SHARD_COUNT}`, "shardSize");

  const jobs: HashJob[] = [];
  const shards: ModelShard[] = [];
  /** For each shard, its job. */
  const shardJob: number[] = [];
  /** For each file, the job that gives its whole-file SHA-256 (when modelDigest). */
  const wholeFileJob: number[] = [];
  /** For each job, the file it reads (for progress). */
  const fileOfJob: string[] = [];
  for (const entry of files) {
    const first = jobs.length;
    for (const { start, end } of shardRanges(entry.size, shardSize)) {
      shardJob.push(jobs.length);
      jobs.push({ path: entry.fsPath, expected: entry, start, end });
      shards.push({ path: shardPath(entry), start, end, sha256: "" });
      fileOfJob.push(entry.path);
    }
    if (parameters.modelDigest) {
      // A file in one shard is that shard: its SHA-256 is the whole file's.
      if (jobs.length - first === 1) wholeFileJob.push(first);
      else {
        wholeFileJob.push(jobs.length);
        jobs.push({ path: entry.fsPath, expected: entry, start: 0, end: entry.size });
        fileOfJob.push(entry.path);
      }
    }
  }

  const totalBytes = jobs.reduce((sum, job) => sum + job.end - job.start, 0);
  let bytesHashed = 0;
  const digests = await hashFileRanges(jobs, {
    workers: resolveWorkers(workers, totalBytes, jobs.length),
    signal,
    onStart: onProgress && ((index) => onProgress({ bytesHashed, totalBytes, file: fileOfJob[index] as string })),
    onBytes: onProgress && ((index, bytes) => onProgress({ bytesHashed: (bytesHashed += bytes), totalBytes, file: fileOfJob[index] as string })),
  });
  onProgress?.({ bytesHashed, totalBytes });

  shards.forEach((shard, i) => (shard.sha256 = digests[shardJob[i] as number] as string));
  if (!parameters.modelDigest) return { shardSize, shards };
  const wholeFile = wholeFileJob.map((job) => digests[job] as string);
  // A single-file model's digest must not be a directory's (see MODEL_DIRECTORY_TAG).
  if (model.kind === "file") await refuseDirectoryTag(files[0]!.fsPath, files[0]!);
  const digest: ModelDigest =
    model.kind === "file" ? { kind: "file", sha256: wholeFile[0] as string, size: model.totalBytes, fileCount: 1 } : directoryDigest(files, wholeFile);
  return { shardSize, shards, digest };
}

/** The `shardSize` parameter, checked (default `DEFAULT_SHARD_SIZE`). */
function checkShardSize(shardSize: number | undefined): number {
  if (shardSize === undefined) return DEFAULT_SHARD_SIZE;
  if (!Number.isSafeInteger(shardSize) || shardSize < 1)
    invalid("INVALID_ARGUMENT", `shardSize must be a positive integer, got ${String(shardSize)}`, "shardSize");
  return shardSize;
}
