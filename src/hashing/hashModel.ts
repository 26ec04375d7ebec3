import { lstat } from "node:fs/promises";
import { basename, normalize } from "node:path";
import { HashingError } from "../errors/hashing.js";
import { fileSystemError, refuseUnhashable, throwIfAborted } from "./fileSystemError.js";
import { hashFile } from "./hashFile.js";
import { hashModelManifest } from "./hashModelManifest.js";
import { listModelFiles } from "./listModelFiles.js";
import {
  type HashProgress,
  MODEL_MANIFEST_ALGORITHM,
  MODEL_MANIFEST_FORMAT,
  type ModelDigest,
  type ModelManifest,
  type ModelManifestFile,
} from "./modelManifest.js";

export type HashModelParameters = {
  /** Called when a file starts and after every chunk read (≈ every MiB); throttle in the callback. */
  onProgress?: (progress: HashProgress) => void;
  /** Aborting rejects with `HashingError` code `ABORTED`. */
  signal?: AbortSignal;
};

export type HashModelReturnType = ModelDigest;

export type HashModelErrorType = HashingError;

/**
 * Hashes a model: one file or a directory.
 *
 * - A file: `sha256` is SHA-256 of its bytes (equal to `sha256sum`), `kind: "file"`.
 * - A directory: every regular file under it is hashed into a manifest
 *   (`provenance-model-manifest-v1`: relative POSIX path, size and SHA-256 per file, sorted by
 *   the UTF-8 bytes of the path), and `sha256` is SHA-256 of the manifest's RFC 8785 canonical
 *   JSON; `kind: "directory"`, the manifest is returned too. Empty directories contribute
 *   nothing; a directory without any file is refused (`EMPTY_MODEL`).
 *
 * Symlinks (the model path itself or anything under it) are refused, never followed; so are
 * FIFOs, sockets and devices, which are never opened. A file that changes while being read is
 * refused (`FILE_CHANGED`). Every error is a `HashingError` naming the offending path. Files
 * are streamed, so memory stays constant for multi-GB weights. See docs/model-hashing.md.
 *
 * @example
 * import { hashModel } from "provenance-ledger";
 * const digest = await hashModel("./llama-3-8b", { onProgress: (p) => console.log(p.bytesHashed) });
 * console.log(digest.kind, digest.sha256, digest.fileCount);
 */
export async function hashModel(path: string, parameters: HashModelParameters = {}): Promise<HashModelReturnType> {
  const { onProgress, signal } = parameters;
  throwIfAborted(signal, path);
  if (path === "") throw new HashingError("PATH_NOT_FOUND", "the model path is empty", { path });
  // "link/" and "link/." would make lstat follow a symlinked final component: normalise them
  // away (lexically) so the component that is checked is the one that is hashed.
  const root = normalize(path).replace(/(.)\/+$/, "$1");
  const stats = await lstat(root, { bigint: true }).catch((cause: unknown) => {
    throw fileSystemError(cause, path);
  });
  refuseUnhashable(stats, path);

  if (stats.isFile()) {
    const size = Number(stats.size);
    const file = basename(root);
    let bytesHashed = 0;
    onProgress?.({ bytesHashed, totalBytes: size, file });
    const { sha256 } = await hashFile(root, {
      expected: { size, dev: stats.dev, ino: stats.ino },
      ...(signal && { signal }),
      ...(onProgress && { onBytes: (bytes: number) => onProgress({ bytesHashed: (bytesHashed += bytes), totalBytes: size, file }) }),
    });
    return { kind: "file", sha256, size, fileCount: 1 };
  }

  const entries = await listModelFiles(root, signal ? { signal } : {});
  if (entries.length === 0)
    throw new HashingError("EMPTY_MODEL", "model directory contains no files (empty directories contribute nothing)", { path });
  const totalBytes = entries.reduce((sum, entry) => sum + entry.size, 0);
  let bytesHashed = 0;
  const files: ModelManifestFile[] = [];
  for (const entry of entries) {
    const file = entry.path;
    onProgress?.({ bytesHashed, totalBytes, file });
    const { sha256, size } = await hashFile(entry.fsPath, {
      expected: entry,
      ...(signal && { signal }),
      ...(onProgress && { onBytes: (bytes: number) => onProgress({ bytesHashed: (bytesHashed += bytes), totalBytes, file }) }),
    });
    files.push({ path: entry.path, size, sha256 });
  }
  onProgress?.({ bytesHashed, totalBytes });
  const manifest: ModelManifest = { format: MODEL_MANIFEST_FORMAT, algorithm: MODEL_MANIFEST_ALGORITHM, files };
  return { kind: "directory", sha256: hashModelManifest(manifest), size: totalBytes, fileCount: files.length, manifest };
}
