import type { BigIntStats } from "node:fs";
import { constants } from "node:fs";
import { type FileHandle, lstat, open } from "node:fs/promises";
import { HashingError } from "../../core/errors/hashing.js";
import { fileSystemError, refuseUnhashable } from "./fileSystemError.js";

/**
 * How a file that must be a regular file is opened (here, and for the CLI's own files:
 * src/cli/readJsonFile.ts). O_NOFOLLOW: a symlink fails with ELOOP instead of being followed (a
 * file swapped for one after listing too). O_NONBLOCK: a FIFO cannot block the open; it is then
 * refused by `fstat`.
 */
export const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

/** Which file must be found at a path: what `lstat` said when the model was listed. */
export type FileIdentity = {
  size: number;
  dev: bigint;
  ino: bigint;
};

/** A listed file, opened and checked to still be the file that was listed. */
export type OpenedFile = { handle: FileHandle; before: BigIntStats };

/**
 * Opens `path` read-only without following a symlink (`SYMLINK_REFUSED`) or blocking on a FIFO,
 * and refuses, by `fstat`, anything that is neither a regular file nor a directory
 * (`SPECIAL_FILE_REFUSED`). Every failure is a `HashingError` naming `path`; the handle is
 * closed on failure. The one rule for opening a file of a model: model hashing and the
 * safetensors reader (src/local/safetensorsFile.ts) both open through it.
 */
export async function openNoFollow(path: string): Promise<OpenedFile> {
  const handle = await open(path, OPEN_FLAGS).catch((cause: unknown) => {
    throw fileSystemError(cause, path);
  });
  try {
    const before = await handle.stat({ bigint: true });
    refuseUnhashable(before, path);
    return { handle, before };
  } catch (cause) {
    await handle.close();
    throw fileSystemError(cause, path);
  }
}

/**
 * {@link openNoFollow} for a path that must be a regular file, for callers that did not list it:
 * a directory is `PATH_UNREADABLE` (as {@link identifyFile} says it).
 */
export async function openRegularFile(path: string): Promise<OpenedFile> {
  const opened = await openNoFollow(path);
  if (opened.before.isFile()) return opened;
  await opened.handle.close();
  throw notAFile(path);
}

/**
 * Opens `path` without following a symlink or blocking on a FIFO ({@link openNoFollow}) and
 * checks, with `fstat`, that it is still the regular file `expected` describes (same device,
 * inode and size). Every failure is a `HashingError` naming `path`; the handle is closed on failure.
 */
export async function openListedFile(path: string, expected: FileIdentity): Promise<OpenedFile> {
  const opened = await openNoFollow(path);
  const { before } = opened;
  if (before.isFile() && before.dev === expected.dev && before.ino === expected.ino && before.size === BigInt(expected.size)) return opened;
  await opened.handle.close();
  throw fileChanged(path, "was replaced or resized between listing and reading");
}

/** Refuses with `FILE_CHANGED` a file whose size, mtime or ctime moved since `before`. */
export async function assertUnchanged({ handle, before }: OpenedFile, path: string): Promise<void> {
  const after = await handle.stat({ bigint: true });
  if (after.size !== before.size || after.mtimeNs !== before.mtimeNs || after.ctimeNs !== before.ctimeNs)
    throw fileChanged(path, "was modified while being read");
}

/** `lstat`s a path that must be a regular file, for callers that did not list it. */
export async function identifyFile(path: string): Promise<FileIdentity> {
  const stats = await lstat(path, { bigint: true }).catch((cause: unknown) => {
    throw fileSystemError(cause, path);
  });
  refuseUnhashable(stats, path);
  if (stats.isDirectory()) throw notAFile(path);
  return { size: Number(stats.size), dev: stats.dev, ino: stats.ino };
}

function notAFile(path: string): HashingError {
  return new HashingError("PATH_UNREADABLE", "is a directory, not a file", { path });
}

/** `FILE_CHANGED`: `file ${what}`, naming `path`. */
export function fileChanged(path: string, what: string): HashingError {
  return new HashingError("FILE_CHANGED", `file ${what}`, { path });
}

/**
 * How a read of `[start, end)` of a file listed as `size` bytes ended, as a `FILE_CHANGED`
 * error, or `undefined` when exactly the range was read. `position` is the offset reached:
 * past `end` when bytes followed the listed end of file, short of it at an early end of file.
 */
export function rangeReadProblem(path: string, size: number, end: number, position: number): HashingError | undefined {
  if (position > end) return fileChanged(path, `grew while being read (listed as ${size} bytes)`);
  if (position < end) return fileChanged(path, `shrank while being read (listed as ${size} bytes, read ${position})`);
  return undefined;
}
