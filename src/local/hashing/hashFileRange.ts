import { createHash } from "node:crypto";
import { fileSystemError, throwIfAborted } from "./fileSystemError.js";
import { type FileIdentity, assertUnchanged, openListedFile, rangeReadProblem } from "./openListedFile.js";

/** Bytes read per `read(2)` on the calling thread; two such buffers are in use per file being hashed. */
export const HASH_CHUNK_SIZE = 1024 * 1024;

/** A byte range `[start, end)` of a file. */
export type FileRange = { start: number; end: number };

export type HashFileRangeParameters = {
  /** Called after each chunk with the number of bytes just hashed. */
  onBytes?: ((bytes: number) => void) | undefined;
  /** Called with each chunk before it is hashed (the first ones let a caller look at the file's first bytes). */
  onChunk?: ((chunk: Buffer) => void) | undefined;
  signal?: AbortSignal | undefined;
};

/**
 * SHA-256 of the bytes `[start, end)` of the listed file at `path`, on the calling thread, with
 * two reused {@link HASH_CHUNK_SIZE} buffers (the next read overlaps hashing the current chunk).
 * A range that ends at the listed end of file also reads one byte further, so a file that grew
 * is refused; a file that ends early, is replaced or is modified while being read is refused
 * too (`FILE_CHANGED`). Returns 64 lower-case hex digits.
 */
export async function hashFileRange(path: string, expected: FileIdentity, range: FileRange, parameters: HashFileRangeParameters = {}): Promise<string> {
  const { onBytes, onChunk, signal } = parameters;
  const { start, end } = range;
  throwIfAborted(signal, path);
  const opened = await openListedFile(path, expected);
  const { handle } = opened;
  // Past the end of the range only when it is the end of the file: one byte more proves nothing follows.
  const limit = end === expected.size ? end + 1 : end;
  const length = Math.max(1, Math.min(HASH_CHUNK_SIZE, limit - start));
  let buffer = Buffer.allocUnsafe(length);
  let spare = Buffer.allocUnsafe(length);
  const readAt = (position: number) => {
    const want = Math.min(length, limit - position);
    return want > 0 ? handle.read(buffer, 0, want, position) : Promise.resolve({ bytesRead: 0 });
  };
  let read: Promise<{ bytesRead: number }> | undefined;
  try {
    const hash = createHash("sha256");
    let position = start;
    read = readAt(position);
    for (;;) {
      const { bytesRead } = await read;
      if (bytesRead === 0) break;
      position += bytesRead;
      if (position > end) break;
      throwIfAborted(signal, path);
      const chunk = buffer.subarray(0, bytesRead);
      [buffer, spare] = [spare, buffer];
      read = readAt(position);
      onChunk?.(chunk);
      hash.update(chunk);
      onBytes?.(bytesRead);
    }
    const problem = rangeReadProblem(path, expected.size, end, position);
    if (problem) throw problem;
    await assertUnchanged(opened, path);
    return hash.digest("hex");
  } catch (cause) {
    throw fileSystemError(cause, path);
  } finally {
    await read?.catch(() => undefined); // never close under an in-flight read
    await handle.close();
  }
}
