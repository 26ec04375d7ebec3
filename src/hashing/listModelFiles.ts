import { lstat, readdir } from "node:fs/promises";
import { join } from "node:path";
import { HashingError } from "../errors/hashing.js";
import { sortByUtf8 } from "./compareUtf8.js";
import { fileSystemError, refuseUnhashable, throwIfAborted } from "./fileSystemError.js";
import type { FileIdentity } from "./hashFile.js";
import { resolveModelPath } from "./modelPath.js";

/** A regular file found under a model directory. */
export type ModelFileEntry = FileIdentity & {
  /** Model-relative POSIX path, as recorded in the manifest. */
  path: string;
  /** Filesystem path to open: the model path as given, joined with `path`. */
  fsPath: string;
};

export type ListModelFilesParameters = { signal?: AbortSignal };

export type ListModelFilesErrorType = HashingError;

const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Walks a model directory with `lstat` (never following anything) and returns every regular
 * file, sorted by the UTF-8 bytes of its model-relative path. Directories only contribute the
 * files under them, so empty directories contribute nothing. Refuses symlinks
 * (`SYMLINK_REFUSED`), FIFOs, sockets and devices (`SPECIAL_FILE_REFUSED`, never opened),
 * names that are not valid UTF-8 or contain a backslash (`INVALID_PATH_NAME`: a manifest could
 * not name them faithfully), and anything resolving outside `root` (`PATH_ESCAPES_ROOT`).
 * Errors name the offending path; each directory is read in byte order, so the same tree always
 * reports the same first offender.
 *
 * @example
 * import { listModelFiles } from "provenance-ledger";
 * for (const file of await listModelFiles("./model")) console.log(file.path, file.size);
 */
export async function listModelFiles(root: string, parameters: ListModelFilesParameters = {}): Promise<ModelFileEntry[]> {
  const files: ModelFileEntry[] = [];
  const pending: string[] = [""]; // model-relative directories still to read ("" is the root)
  while (pending.length > 0) {
    const directory = pending.pop() as string;
    const fsDirectory = directory === "" ? root : join(root, directory);
    throwIfAborted(parameters.signal, fsDirectory);
    const names = await readdir(fsDirectory, { encoding: "buffer" }).catch((cause: unknown) => {
      throw fileSystemError(cause, fsDirectory);
    });
    for (const rawName of names.sort(Buffer.compare)) {
      const name = decodeName(rawName, fsDirectory);
      const path = directory === "" ? name : `${directory}/${name}`;
      resolveModelPath(root, path); // readdir never yields "/", "." or ".."; checked anyway
      const fsPath = join(root, path);
      const stats = await lstat(fsPath, { bigint: true }).catch((cause: unknown) => {
        throw fileSystemError(cause, fsPath);
      });
      refuseUnhashable(stats, fsPath);
      if (stats.isDirectory()) pending.push(path);
      else files.push({ path, fsPath, size: Number(stats.size), dev: stats.dev, ino: stats.ino });
    }
  }
  return sortByUtf8(files, (file) => file.path);
}

function decodeName(rawName: Buffer, fsDirectory: string): string {
  let name: string;
  try {
    name = UTF8.decode(rawName);
  } catch (cause) {
    throw new HashingError("INVALID_PATH_NAME", "file name is not valid UTF-8", {
      path: join(fsDirectory, rawName.toString("latin1")),
      details: `name bytes: ${rawName.toString("hex")}`,
      cause,
    });
  }
  if (name.includes("\\"))
    throw new HashingError("INVALID_PATH_NAME", "file name contains a backslash (manifest paths are POSIX and refuse it)", {
      path: join(fsDirectory, name),
    });
  return name;
}
