import { open, readdir, realpath, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { type PythonPackage, normalizePythonPackageName } from "../../formats/predicates/environment.js";
import { MAX_MACHINE_TEXT } from "../../formats/predicates/environmentLimits.js";
import { invalid } from "../../core/errors/input.js";
import { sortByUtf8 } from "../../core/compareUtf8.js";
import { cleanText } from "./cleanText.js";

const HEADER_BYTES = 64 * 1024;

/**
 * `Name` and `Version` from Python core metadata (a `*.dist-info/METADATA` or `PKG-INFO` file:
 * RFC 822 headers, then a blank line and the description). Undefined when either is missing.
 *
 * @example
 * import { parseCoreMetadata } from "provenance-ledger";
 * parseCoreMetadata("Metadata-Version: 2.1\nName: numpy\nVersion: 1.26.4\n\n…"); // { name: "numpy", version: "1.26.4" }
 */
export function parseCoreMetadata(text: string): PythonPackage | undefined {
  let name: string | undefined;
  let version: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (line === "") break;
    const match = /^(Name|Version):[ \t]*(.*)$/i.exec(line);
    if (!match) continue;
    const value = match[2]!.trim();
    if (match[1]!.toLowerCase() === "name") name ??= value;
    else version ??= value;
  }
  if (!name || !version || /[\u0000-\u001f\u007f]/.test(name + version) || name.length > MAX_MACHINE_TEXT || version.length > MAX_MACHINE_TEXT)
    return undefined;
  return { name, version };
}

export type ReadPythonPackagesReturnType = {
  /** One per distribution name (PEP 503), the first found in `sitePackages` order: the one Python imports. */
  readonly packages: PythonPackage[];
  /** Metadata directories without a readable Name and Version. */
  readonly unreadable: number;
};

/**
 * The distributions installed in some site-packages directories: every `*.dist-info/METADATA`
 * and `*.egg-info` (`PKG-INFO` inside, or the file itself). Only the headers are read (first
 * 64 KiB). A directory that cannot be read counts nothing; entries are visited in UTF-8 order.
 *
 * @example
 * import { readPythonPackages } from "./listPythonPackages.js";
 * const { packages } = await readPythonPackages(["/usr/lib/python3/dist-packages"]);
 */
export async function readPythonPackages(sitePackages: readonly string[]): Promise<ReadPythonPackagesReturnType> {
  const byName = new Map<string, PythonPackage>();
  let unreadable = 0;
  for (const dir of sitePackages) {
    let entries: string[];
    try {
      entries = await readdir(dir);
    } catch {
      continue;
    }
    for (const entry of sortByUtf8(entries, (e) => e)) {
      let candidates: string[];
      if (entry.endsWith(".dist-info")) candidates = [join(dir, entry, "METADATA")];
      else if (entry.endsWith(".egg-info")) candidates = [join(dir, entry, "PKG-INFO"), join(dir, entry)];
      else continue;
      let found: PythonPackage | undefined;
      for (const file of candidates) {
        const text = await readHead(file);
        found = text === undefined ? undefined : parseCoreMetadata(text);
        if (found) break;
      }
      if (!found) {
        unreadable++;
        continue;
      }
      const key = normalizePythonPackageName(found.name);
      if (!byName.has(key)) byName.set(key, { name: cleanText(found.name), version: cleanText(found.version) });
    }
  }
  return { packages: [...byName.values()], unreadable };
}

/**
 * The site-packages directories of a `--python-env` argument: the directory itself when it holds
 * distributions (or is named `site-packages`/`dist-packages`), else those of a virtual
 * environment or conda prefix under it (`lib/python3.*\/site-packages`, `lib64/…`,
 * `Lib/site-packages`). Refuses (`INVALID_ARGUMENT`) a path that is not a directory or has none.
 *
 * @example
 * import { findSitePackages } from "./listPythonPackages.js";
 * await findSitePackages(".venv"); // ["/work/.venv/lib/python3.11/site-packages"]
 */
export async function findSitePackages(dir: string, where = "--python-env"): Promise<string[]> {
  let root: string;
  try {
    root = await realpath(dir);
    if (!(await stat(root)).isDirectory()) throw new Error("not a directory");
  } catch (cause) {
    invalid("INVALID_ARGUMENT", `${dir} is not a readable directory`, where, cause);
  }
  const entries = await readdir(root).catch(() => [] as string[]);
  const name = basename(root);
  if (name === "site-packages" || name === "dist-packages" || entries.some((e) => e.endsWith(".dist-info") || e.endsWith(".egg-info"))) return [root];
  const found: string[] = [];
  for (const lib of ["lib", "lib64"]) {
    const versions = await readdir(join(root, lib)).catch(() => [] as string[]);
    for (const version of sortByUtf8(
      versions.filter((v) => /^python\d/.test(v)),
      (v) => v,
    ))
      await addIfDirectory(found, join(root, lib, version, "site-packages"));
  }
  await addIfDirectory(found, join(root, "Lib", "site-packages"));
  if (found.length === 0)
    invalid("INVALID_ARGUMENT", `no site-packages under ${dir}: give a virtual environment, a conda prefix or a site-packages directory`, where);
  return found;
}

async function addIfDirectory(found: string[], path: string): Promise<void> {
  try {
    const real = await realpath(path);
    // lib64 is often a symbolic link to lib in a virtual environment: list each directory once.
    if ((await stat(real)).isDirectory() && !found.includes(real)) found.push(real);
  } catch {
    // not there
  }
}

async function readHead(path: string): Promise<string | undefined> {
  try {
    // Not a regular file (a FIFO would block the read): nothing to read.
    if (!(await stat(path)).isFile()) return undefined;
    const handle = await open(path, "r");
    try {
      const buffer = Buffer.alloc(HEADER_BYTES);
      const { bytesRead } = await handle.read(buffer, 0, HEADER_BYTES, 0);
      return buffer.subarray(0, bytesRead).toString("utf8");
    } finally {
      await handle.close();
    }
  } catch {
    return undefined;
  }
}
