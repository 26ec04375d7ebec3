import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { open, rename, rm } from "node:fs/promises";
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
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(16).toString("hex")}.tmp`);
  const file = await open(temporary, CREATE_NEW, mode);
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
