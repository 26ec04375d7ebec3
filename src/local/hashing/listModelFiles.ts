import { lstat, readdir, readlink, realpath, stat } from "node:fs/promises";
import { isAbsolute, join, relative, sep } from "node:path";
import { HashingError } from "../../core/errors/hashing.js";
import { sortByUtf8 } from "../../core/compareUtf8.js";
import { fileSystemError, refuseUnhashable, throwIfAborted } from "./fileSystemError.js";
import type { FileIdentity } from "./hashFile.js";
import { modelPathProblem } from "../../formats/model/modelPath.js";
import { resolveModelPath } from "./resolveModelPath.js";

/** A regular file found under a model directory. */
export type ModelFileEntry = FileIdentity & {
  /** Model-relative POSIX path, as recorded in the manifest. */
  path: string;
  /** Filesystem path to open: the model path as given, joined with `path`. */
  fsPath: string;
};

/**
 * How a directory is walked beyond the default (docs/model-hashing.md#hugging-face-layouts). Either
 * setting makes the manifest a `provenance-model-manifest-v3` that records both.
 */
export type ModelWalkOptions = {
  /**
   * A directory: a symlink under the model is followed when its target is relative and resolves
   * (every hop, by `realpath`) to a regular file inside it; any other link is refused
   * (`SYMLINK_ESCAPES_ROOT`, `SYMLINK_TO_DIRECTORY`). For the Hugging Face cache, the model's
   * `models--<org>--<name>` folder, whose `snapshots/<rev>/` files link to `../../blobs/<sha256>`.
   */
  followSymlinks?: string | undefined;
  /** Model-relative POSIX paths left out, each with everything under it (`.git`, `.cache/huggingface`). */
  ignorePaths?: readonly string[] | undefined;
};

export type ListModelFilesParameters = { signal?: AbortSignal } & ModelWalkOptions;

/**
 * Validates `--ignore-paths` values as model-relative POSIX paths (a trailing `/` is dropped) and
 * returns them sorted by UTF-8 bytes without repeats, as a v3 manifest records them.
 */
export function normalizeIgnorePaths(paths: readonly string[]): string[] {
  const out = new Set<string>();
  for (const raw of paths) {
    const path = raw.replace(/\/+$/, "");
    const problem = modelPathProblem(path);
    if (problem !== undefined)
      throw new HashingError("INVALID_IGNORE_PATH", `an ignored path must be relative to the model directory, POSIX: ${JSON.stringify(raw)} ${problem}`, {
        path: raw,
      });
    out.add(path);
  }
  return sortByUtf8([...out], (p) => p);
}

const isIgnored = (path: string, ignored: readonly string[]): boolean => ignored.some((i) => path === i || path.startsWith(`${i}/`));

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
  const ignored = normalizeIgnorePaths(parameters.ignorePaths ?? []);
  const linkRoot =
    parameters.followSymlinks === undefined
      ? undefined
      : await realpath(parameters.followSymlinks).catch((cause: unknown) => {
          throw fileSystemError(cause, parameters.followSymlinks as string);
        });
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
      if (isIgnored(path, ignored)) continue; // never examined: an ignored .cache may hold anything
      resolveModelPath(root, path); // readdir never yields "/", "." or ".."; checked anyway
      const fsPath = join(root, path);
      const stats = await lstat(fsPath, { bigint: true }).catch((cause: unknown) => {
        throw fileSystemError(cause, fsPath);
      });
      if (stats.isSymbolicLink() && linkRoot !== undefined) {
        files.push({ path, ...(await followLink(fsPath, linkRoot)) });
        continue;
      }
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

/**
 * The regular file a symlink names, when the link is relative and resolves inside `linkRoot`
 * (already a real path). Why so strict: a model folder is untrusted input, and a link to
 * `/home/me/.ssh/id_ed25519` or `../../../../etc` would otherwise be hashed (and its digest
 * published) as part of the model. The file is then opened at its real path (O_NOFOLLOW).
 */
async function followLink(fsPath: string, linkRoot: string): Promise<FileIdentity & { fsPath: string }> {
  const target = await readlink(fsPath).catch((cause: unknown) => {
    throw fileSystemError(cause, fsPath);
  });
  if (isAbsolute(target))
    throw new HashingError(
      "SYMLINK_ESCAPES_ROOT",
      `symbolic link to an absolute path ${JSON.stringify(target)} is refused (--follow-symlinks follows relative links inside ${linkRoot} only)`,
      { path: fsPath },
    );
  const real = await realpath(fsPath).catch((cause: unknown) => {
    throw fileSystemError(cause, fsPath);
  });
  const inside = relative(linkRoot, real);
  if (inside === "" || inside === ".." || inside.startsWith(`..${sep}`) || isAbsolute(inside))
    throw new HashingError("SYMLINK_ESCAPES_ROOT", `symbolic link resolves to ${real}, outside the --follow-symlinks root ${linkRoot}`, { path: fsPath });
  const stats = await stat(real, { bigint: true }).catch((cause: unknown) => {
    throw fileSystemError(cause, real);
  });
  if (stats.isDirectory())
    throw new HashingError("SYMLINK_TO_DIRECTORY", "symbolic link to a directory is refused (only links to files are followed)", { path: fsPath });
  refuseUnhashable(stats, real);
  return { fsPath: real, size: Number(stats.size), dev: stats.dev, ino: stats.ino };
}
