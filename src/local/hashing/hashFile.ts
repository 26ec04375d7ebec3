import type { HashingError } from "../../core/errors/hashing.js";
import { throwIfAborted } from "./fileSystemError.js";
import { hashFileRange } from "./hashFileRange.js";
import { type FileIdentity, identifyFile } from "./openListedFile.js";

export { HASH_CHUNK_SIZE } from "./hashFileRange.js";
export type { FileIdentity } from "./openListedFile.js";

export type HashFileParameters = {
  /** The file as listed; the opened file must still be it. Taken with `lstat` now when absent. */
  expected?: FileIdentity;
  /** Called after each chunk with the number of bytes just hashed (for progress). */
  onBytes?: (bytes: number) => void;
  /** Called with each chunk of bytes before it is hashed. */
  onChunk?: (chunk: Buffer) => void;
  signal?: AbortSignal;
};

export type HashFileReturnType = {
  /** SHA-256 of the file's bytes, 64 lower-case hex digits (equals `sha256sum`). */
  sha256: string;
  size: number;
};

export type HashFileErrorType = HashingError;

/**
 * Streams one regular file through SHA-256 on the calling thread with two reused
 * {@link HASH_CHUNK_SIZE} buffers (the next read overlaps hashing the current chunk), so memory
 * stays constant for files of any size. Refuses symlinks and special files without opening
 * them, and refuses with `FILE_CHANGED` a file that is replaced, grows, shrinks or is modified
 * while being read: the bytes read must equal the size from `lstat`. `hashModel` hashes the
 * files of a directory the same way, several at a time on worker threads.
 *
 * @example
 * import { hashFile } from "provenance-ledger";
 * const { sha256, size } = await hashFile("model.safetensors");
 */
export async function hashFile(path: string, parameters: HashFileParameters = {}): Promise<HashFileReturnType> {
  const { onBytes, onChunk, signal } = parameters;
  throwIfAborted(signal, path);
  const expected = parameters.expected ?? (await identifyFile(path));
  const sha256 = await hashFileRange(path, expected, { start: 0, end: expected.size }, { onBytes, onChunk, signal });
  return { sha256, size: expected.size };
}
