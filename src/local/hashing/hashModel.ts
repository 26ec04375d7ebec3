import type { HashingError } from "../../core/errors/hashing.js";
import type { InputError } from "../../core/errors/input.js";
import { directoryTagGuard } from "./directoryTag.js";
import { hashFile } from "./hashFile.js";
import { checkWorkers, hashFileRanges, resolveWorkers } from "./hashFileRanges.js";
import { hashModelManifest } from "../../formats/model/hashModelManifest.js";
import { listModel } from "./listModel.js";
import { type ModelFileEntry, type ModelWalkOptions, normalizeIgnorePaths } from "./listModelFiles.js";
import {
  type HashProgress,
  MODEL_MANIFEST_ALGORITHM,
  MODEL_MANIFEST_FORMAT,
  MODEL_MANIFEST_FORMAT_V3,
  type ModelDigest,
  type ModelManifest,
  type ModelWalkSettings,
} from "../../formats/model/modelManifest.js";

export type HashModelParameters = ModelWalkOptions & {
  /**
   * Called when a file starts and as it is read (after every chunk, ≈ every MiB, from whichever
   * file was read); throttle in the callback.
   */
  onProgress?: (progress: HashProgress) => void;
  /** Aborting rejects with `HashingError` code `ABORTED`. */
  signal?: AbortSignal;
  /**
   * Worker threads hashing files at once. Default: one per core (`os.availableParallelism()`),
   * except that a model under 64 MiB is hashed on the calling thread (starting workers would take
   * longer). 1 hashes every file on the calling thread, one after the other. The digest is the
   * same whatever the count.
   */
  workers?: number;
};

export type HashModelReturnType = ModelDigest;

export type HashModelErrorType = HashingError | InputError;

/**
 * Hashes a model: one file or a directory.
 *
 * - A file: `sha256` is SHA-256 of its bytes (equal to `sha256sum`), `kind: "file"`. A file
 *   that starts with `MODEL_DIRECTORY_TAG` is refused (`DIRECTORY_TAG_IN_FILE`): its digest
 *   could be a directory's.
 * - A directory: every regular file under it is hashed into a manifest
 *   (`provenance-model-manifest-v2`: relative POSIX path, size and SHA-256 per file, sorted by
 *   the UTF-8 bytes of the path), and `sha256` is SHA-256 of `MODEL_DIRECTORY_TAG` followed by
 *   the manifest's RFC 8785 canonical JSON (model hashing v2); `kind: "directory"`, the
 *   manifest is returned too. Empty directories contribute
 *   nothing; a directory without any file is refused (`EMPTY_MODEL`).
 *
 * The files of a directory are hashed in parallel on worker threads (`workers`, one per core
 * by default); a single file is one SHA-256 stream, hashed on the calling thread. Symlinks (the
 * model path itself or anything under it) are refused, never followed; so are FIFOs, sockets
 * and devices, which are never opened. A file that changes while being read is refused
 * (`FILE_CHANGED`). Every error is a `HashingError` naming the offending path (an invalid
 * `workers` is an `InputError`). Files are streamed, so memory stays constant for multi-GB
 * weights. See docs/model-hashing.md.
 *
 * @example
 * import { hashModel } from "provenance-ledger";
 * const digest = await hashModel("./llama-3-8b", { onProgress: (p) => console.log(p.bytesHashed) });
 * console.log(digest.kind, digest.sha256, digest.fileCount);
 */
export async function hashModel(path: string, parameters: HashModelParameters = {}): Promise<HashModelReturnType> {
  const { onProgress, signal } = parameters;
  const workers = checkWorkers(parameters.workers);
  const model = await listModel(path, signal, { followSymlinks: parameters.followSymlinks, ignorePaths: parameters.ignorePaths });
  const { files, totalBytes } = model;

  if (model.kind === "file") {
    const entry = files[0] as ModelFileEntry;
    const file = entry.path;
    let bytesHashed = 0;
    onProgress?.({ bytesHashed, totalBytes, file });
    const guard = directoryTagGuard(entry.fsPath);
    const { sha256 } = await hashFile(entry.fsPath, {
      expected: entry,
      onChunk: guard.onChunk,
      ...(signal && { signal }),
      ...(onProgress && { onBytes: (bytes: number) => onProgress({ bytesHashed: (bytesHashed += bytes), totalBytes, file }) }),
    });
    guard.check();
    return { kind: "file", sha256, size: totalBytes, fileCount: 1 };
  }

  let bytesHashed = 0;
  const fileOf = (index: number) => (files[index] as ModelFileEntry).path;
  const digests = await hashFileRanges(
    files.map((entry) => ({ path: entry.fsPath, expected: entry, start: 0, end: entry.size })),
    {
      workers: resolveWorkers(workers, totalBytes, files.length),
      signal,
      onStart: onProgress && ((index) => onProgress({ bytesHashed, totalBytes, file: fileOf(index) })),
      onBytes: onProgress && ((index, bytes) => onProgress({ bytesHashed: (bytesHashed += bytes), totalBytes, file: fileOf(index) })),
    },
  );
  onProgress?.({ bytesHashed, totalBytes });
  return directoryDigest(files, digests, walkSettings(parameters));
}

/** The settings a v3 manifest records, or undefined for the default walk (a v2 manifest, unchanged). */
export function walkSettings(options: ModelWalkOptions): ModelWalkSettings | undefined {
  const ignorePaths = normalizeIgnorePaths(options.ignorePaths ?? []);
  if (options.followSymlinks === undefined && ignorePaths.length === 0) return undefined;
  return { ignorePaths, symlinks: options.followSymlinks === undefined ? "refuse" : "follow" };
}

/** The `ModelDigest` of a directory whose files (sorted by UTF-8 path) have the SHA-256 `digests`. */
export function directoryDigest(files: readonly ModelFileEntry[], digests: readonly string[], settings?: ModelWalkSettings): ModelDigest {
  const listed = files.map((entry, i) => ({ path: entry.path, size: entry.size, sha256: digests[i] as string }));
  const manifest: ModelManifest =
    settings === undefined
      ? { format: MODEL_MANIFEST_FORMAT, algorithm: MODEL_MANIFEST_ALGORITHM, files: listed }
      : {
          format: MODEL_MANIFEST_FORMAT_V3,
          algorithm: MODEL_MANIFEST_ALGORITHM,
          ignorePaths: settings.ignorePaths,
          symlinks: settings.symlinks,
          files: listed,
        };
  const size = files.reduce((sum, entry) => sum + entry.size, 0);
  return { kind: "directory", sha256: hashModelManifest(manifest), size, fileCount: files.length, manifest };
}
