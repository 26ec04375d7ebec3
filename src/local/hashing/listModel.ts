import type { BigIntStats } from "node:fs";
import { lstat } from "node:fs/promises";
import { basename, normalize } from "node:path";
import { HashingError } from "../../core/errors/hashing.js";
import { fileSystemError, refuseUnhashable, throwIfAborted } from "./fileSystemError.js";
import { type ModelFileEntry, type ModelWalkOptions, listModelFiles } from "./listModelFiles.js";

/** A model path, resolved: one file, or the files of a directory (sorted by UTF-8 path). */
export type ListedModel = {
  kind: "file" | "directory";
  /** For a file, one entry whose `path` is the file's name. */
  files: ModelFileEntry[];
  totalBytes: number;
};

/**
 * What `hashModel` hashes at `path`: the file itself, or every regular file under the
 * directory. Refuses an empty path, a symlink as the model path (also written `link/` or
 * `link/.`), special files, and a directory without files (`EMPTY_MODEL`), naming `path`.
 */
export async function listModel(path: string, signal?: AbortSignal, walk: ModelWalkOptions = {}): Promise<ListedModel> {
  throwIfAborted(signal, path);
  const { root, stats } = await lstatModelPath(path);
  if (stats.isFile()) {
    const size = Number(stats.size);
    return { kind: "file", files: [{ path: basename(root), fsPath: root, size, dev: stats.dev, ino: stats.ino }], totalBytes: size };
  }
  const files = await listModelFiles(root, { ...(signal && { signal }), ...walk });
  if (files.length === 0) throw new HashingError("EMPTY_MODEL", "model directory contains no files (empty directories contribute nothing)", { path });
  return { kind: "directory", files, totalBytes: files.reduce((sum, file) => sum + file.size, 0) };
}

/**
 * `lstat`s a model path, never following it: refuses an empty path (`PATH_NOT_FOUND`), a symlink
 * (`SYMLINK_REFUSED`, also written `link/` or `link/.`) and a FIFO, socket or device
 * (`SPECIAL_FILE_REFUSED`), naming `path`. `root` is the path with those endings removed: the
 * one whose `lstat` was checked. Model hashing and the safetensors reader both start here.
 */
export async function lstatModelPath(path: string): Promise<{ root: string; stats: BigIntStats }> {
  if (path === "") throw new HashingError("PATH_NOT_FOUND", "the model path is empty", { path });
  // "link/" and "link/." would make lstat follow a symlinked final component: normalise them
  // away (lexically) so the component that is checked is the one that is read.
  const root = normalize(path).replace(/(.)\/+$/, "$1");
  const stats = await lstat(root, { bigint: true }).catch((cause: unknown) => {
    throw fileSystemError(cause, path);
  });
  refuseUnhashable(stats, path);
  return { root, stats };
}
