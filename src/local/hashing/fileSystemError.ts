import type { BigIntStats } from "node:fs";
import { describeCause } from "../../core/errors/base.js";
import { HashingError } from "../../core/errors/hashing.js";

/** Maps a Node filesystem error on `path` to a coded `HashingError` that names the path. */
export function fileSystemError(cause: unknown, path: string): HashingError {
  if (cause instanceof HashingError) return cause;
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  const details = describeCause(cause);
  switch (code) {
    case "ENOENT":
    case "ENOTDIR":
      return new HashingError("PATH_NOT_FOUND", "no such file or directory", { path, details, cause });
    case "ELOOP":
      return new HashingError("SYMLINK_REFUSED", "symbolic links are refused (never followed)", { path, details, cause });
    default:
      return new HashingError("PATH_UNREADABLE", `cannot read${code ? ` (${code})` : ""}`, { path, details, cause });
  }
}

/** Refuses anything `lstat` says is neither a regular file nor a directory, naming `path`. */
export function refuseUnhashable(stats: BigIntStats, path: string): void {
  if (stats.isFile() || stats.isDirectory()) return;
  if (stats.isSymbolicLink()) throw new HashingError("SYMLINK_REFUSED", "symbolic links are refused (never followed)", { path });
  throw new HashingError("SPECIAL_FILE_REFUSED", `${describeFileType(stats)} is refused (only regular files are read)`, { path });
}

/** "a FIFO (named pipe)", "a socket", "a character device"…: what `stats` describes, when it is not a regular file or a directory. */
export function describeFileType(stats: BigIntStats): string {
  if (stats.isFIFO()) return "a FIFO (named pipe)";
  if (stats.isSocket()) return "a socket";
  if (stats.isCharacterDevice()) return "a character device";
  if (stats.isBlockDevice()) return "a block device";
  return "a special file";
}

/** Throws `ABORTED` if `signal` has fired. */
export function throwIfAborted(signal: AbortSignal | undefined, path: string): void {
  if (signal?.aborted) throw new HashingError("ABORTED", "hashing was aborted", { path, cause: signal.reason });
}
