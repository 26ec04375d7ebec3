import { createHash } from "node:crypto";
import { constants } from "node:fs";
import { lstat, open } from "node:fs/promises";
import { HashingError } from "../errors/hashing.js";
import { fileSystemError, refuseUnhashable, throwIfAborted } from "./fileSystemError.js";

/** Bytes read per `read(2)`; two such buffers are in use per file being hashed. */
export const HASH_CHUNK_SIZE = 1024 * 1024;

// O_NOFOLLOW: a file swapped for a symlink after listing fails with ELOOP instead of being followed.
// O_NONBLOCK: a file swapped for a FIFO after listing cannot block the open (it is then refused by fstat).
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

/** Which file `hashFile` must find at `path`: what `lstat` said when the model was listed. */
export type FileIdentity = {
  size: number;
  dev: bigint;
  ino: bigint;
};

export type HashFileParameters = {
  /** The file as listed; the opened file must still be it. Taken with `lstat` now when absent. */
  expected?: FileIdentity;
  /** Called after each chunk with the number of bytes just hashed (for progress). */
  onBytes?: (bytes: number) => void;
  signal?: AbortSignal;
};

export type HashFileReturnType = {
  /** SHA-256 of the file's bytes, 64 lower-case hex digits (equals `sha256sum`). */
  sha256: string;
  size: number;
};

export type HashFileErrorType = HashingError;

/**
 * Streams one regular file through SHA-256 with two reused {@link HASH_CHUNK_SIZE} buffers
 * (the next read overlaps hashing the current chunk), so memory stays constant for files of
 * any size. Refuses symlinks and special files without opening them, and refuses with
 * `FILE_CHANGED` a file that is replaced, grows, shrinks or is modified while being read: the
 * bytes read must equal the size from `lstat`. Takes and returns plain data only, so it can
 * run in a worker thread.
 *
 * @example
 * import { hashFile } from "provenance-ledger";
 * const { sha256, size } = await hashFile("model.safetensors");
 */
export async function hashFile(path: string, parameters: HashFileParameters = {}): Promise<HashFileReturnType> {
  const { onBytes, signal } = parameters;
  throwIfAborted(signal, path);
  const expected = parameters.expected ?? (await identify(path));
  const size = expected.size;

  const handle = await open(path, OPEN_FLAGS).catch((cause: unknown) => {
    throw fileSystemError(cause, path);
  });
  let read: Promise<{ bytesRead: number }> | undefined;
  try {
    const before = await handle.stat({ bigint: true });
    if (!before.isFile()) refuseUnhashable(before, path);
    if (!before.isFile() || before.dev !== expected.dev || before.ino !== expected.ino || before.size !== BigInt(size))
      throw changed(path, "was replaced or resized between listing and reading");

    const length = Math.min(HASH_CHUNK_SIZE, size + 1); // size + 1: a small file needs one read plus the EOF read
    let buffer = Buffer.allocUnsafe(length);
    let spare = Buffer.allocUnsafe(length);
    const hash = createHash("sha256");
    let position = 0;
    read = handle.read(buffer, 0, length, 0);
    for (;;) {
      const { bytesRead } = await read;
      if (bytesRead === 0) break;
      position += bytesRead;
      if (position > size) throw changed(path, `grew while being read (listed as ${size} bytes)`);
      throwIfAborted(signal, path);
      const chunk = buffer.subarray(0, bytesRead);
      [buffer, spare] = [spare, buffer];
      read = handle.read(buffer, 0, length, position);
      hash.update(chunk);
      onBytes?.(bytesRead);
    }
    if (position !== size) throw changed(path, `shrank while being read (listed as ${size} bytes, read ${position})`);

    const after = await handle.stat({ bigint: true });
    if (after.size !== before.size || after.mtimeNs !== before.mtimeNs || after.ctimeNs !== before.ctimeNs)
      throw changed(path, "was modified while being read");
    return { sha256: hash.digest("hex"), size };
  } catch (cause) {
    throw fileSystemError(cause, path);
  } finally {
    await read?.catch(() => undefined); // never close under an in-flight read
    await handle.close();
  }
}

async function identify(path: string): Promise<FileIdentity> {
  const stats = await lstat(path, { bigint: true }).catch((cause: unknown) => {
    throw fileSystemError(cause, path);
  });
  refuseUnhashable(stats, path);
  if (stats.isDirectory()) throw new HashingError("PATH_UNREADABLE", "is a directory, not a file", { path });
  return { size: Number(stats.size), dev: stats.dev, ino: stats.ino };
}

function changed(path: string, what: string): HashingError {
  return new HashingError("FILE_CHANGED", `file ${what}`, { path });
}
