import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { type FileHandle, open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

// O_EXCL with O_CREAT: the temporary must be a new file. A name planted in advance (a file, or a
// symlink to another file, dangling or not) makes the open fail with EEXIST instead of being
// written through; O_NOFOLLOW says the same of a symlink where the platform has it.
const CREATE_NEW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);

/**
 * Replaces `path` with `text` so a reader sees the old file or the new one, whole: the text goes to
 * a temporary beside it under an unpredictable name (`.<name>.<32 random hex digits>.tmp`), created
 * exclusively and never through a symlink, is synced to disk, then renamed over `path` (a symlink
 * at `path` is itself replaced, not followed). On any failure the temporary is removed and the
 * error propagates; `path` is then as it was.
 *
 * @example
 * await replaceFile("checkpoint.json", serializeQbftTrust(checkpoint), 0o644);
 */
export async function replaceFile(path: string, text: string, mode: number): Promise<void> {
  const { path: temporary, handle: file } = await openTemporaryBeside(path, mode);
  try {
    try {
      await file.writeFile(text);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temporary, path);
  } catch (cause) {
    await rm(temporary, { force: true });
    throw cause;
  }
}

/**
 * A new, empty temporary file beside `path` to be renamed over it once written: an unpredictable
 * name (`.<name>.<32 random hex digits>.tmp`), created exclusively and never through a symlink.
 *
 * @example
 * const { path: temporary, handle } = await openTemporaryBeside("model.safetensors", 0o644);
 */
export async function openTemporaryBeside(path: string, mode: number): Promise<{ readonly path: string; readonly handle: FileHandle }> {
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(16).toString("hex")}.tmp`);
  return { path: temporary, handle: await open(temporary, CREATE_NEW, mode) };
}
