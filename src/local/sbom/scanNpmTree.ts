import type { Dirent } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { InputError, invalid } from "../../core/errors/input.js";
import { compareUtf8 } from "../../core/compareUtf8.js";
import { parseJsonBytes } from "../../core/parseJson.js";
import { expectObject, expectOptionalString } from "../../core/validate.js";
import type { CycloneDxHash } from "../../formats/sbom/cycloneDxBom.js";
import { readSbomInput } from "./readSbomInput.js";
import type { SoftwarePackage } from "../../formats/sbom/softwarePackage.js";

export type ScanNpmTreeParameters = {
  /** Stop after this many distinct packages (`truncated` says so). Default: no limit. */
  maxPackages?: number;
  /** How deep nested `node_modules` are followed; 0 reads only the top level. Default: no limit. */
  maxDepth?: number;
};

export type ScanNpmTreeReturnType = {
  packages: SoftwarePackage[];
  /** Where versions and integrity came from. */
  source: "node_modules" | "lockfile";
  /** The lockfile whose `integrity` values were used, if any. */
  lockfile: string | undefined;
  /** True when `maxPackages` or `maxDepth` cut the scan short. */
  truncated: boolean;
};

export type ScanNpmTreeErrorType = InputError;

const MAX_PACKAGE_JSON_BYTES = 4 * 1024 * 1024;
const MAX_LOCKFILE_BYTES = 256 * 1024 * 1024;
const NPM_NAME = /^(@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9._~-][a-z0-9._~-]*$/i;
const SRI_ALGORITHMS = { sha512: "SHA-512", sha384: "SHA-384", sha256: "SHA-256", sha1: "SHA-1" } as const;

type LockEntry = { version?: string; integrity?: string; license?: string; name?: string; link?: boolean };

/**
 * Lists the npm packages of a project folder (one holding `node_modules` and/or a lockfile).
 *
 * - What is **installed** counts: every `node_modules/<name>` and `node_modules/@scope/<name>`
 *   folder with a `package.json` (name, version, licence), nested `node_modules` included, in
 *   UTF-8 order of their paths. Symlinked packages (workspaces, `npm link`) are local code, not
 *   registry dependencies, and are skipped.
 * - **Hashes** come from the lockfile (`node_modules/.package-lock.json`, npm's record of the
 *   installed tree, else `package-lock.json`, lockfileVersion 2 or 3): `integrity`
 *   (`sha512-<base64>`) is the registry tarball's digest, converted to hex. It is attached only
 *   when the lockfile entry at the same path has the same version as the installed package.
 * - Without `node_modules`, the lockfile's `packages` are listed instead (`source: "lockfile"`).
 * - A package installed at several paths is listed once (one purl: `pkg:npm/%40scope/name@version`).
 *
 * Every JSON file is parsed strictly; a malformed one is `INVALID_SBOM` naming the file.
 *
 * @example
 * import { scanNpmTree } from "provenance-ledger";
 * const { packages } = await scanNpmTree("./my-inference-server");
 */
export async function scanNpmTree(directory: string, parameters: ScanNpmTreeParameters = {}): Promise<ScanNpmTreeReturnType> {
  const { maxPackages = Number.POSITIVE_INFINITY, maxDepth = Number.POSITIVE_INFINITY } = parameters;
  const lock = await readLockfile(directory);
  const scan = new Scan(lock?.packages ?? new Map(), maxPackages);
  const top = join(directory, "node_modules");
  const hasNodeModules = await listDirectory(top, true);
  if (hasNodeModules) {
    await scan.folder(directory, "node_modules", 0, maxDepth);
    return { packages: scan.result(), source: "node_modules", lockfile: lock?.path, truncated: scan.truncated };
  }
  if (!lock) invalid("INVALID_ARGUMENT", "neither node_modules nor a package-lock.json: nothing to scan", directory);
  for (const [key, entry] of [...lock.packages].sort(([a], [b]) => compareUtf8(a, b))) {
    if (key === "" || entry.link || !key.includes("node_modules/")) continue;
    const name = entry.name ?? key.slice(key.lastIndexOf("node_modules/") + "node_modules/".length);
    if (entry.version === undefined || !NPM_NAME.test(name)) continue;
    if ((key.match(/node_modules\//g)?.length ?? 1) - 1 > maxDepth) {
      scan.truncated = true;
      continue;
    }
    if (!scan.add({ name, version: entry.version, license: entry.license, integrity: entry.integrity, path: `${lock.path}: packages["${key}"]` })) break;
  }
  return { packages: scan.result(), source: "lockfile", lockfile: lock.path, truncated: scan.truncated };
}

class Scan {
  private readonly byPurl = new Map<string, SoftwarePackage>();
  truncated = false;

  constructor(
    private readonly lock: Map<string, LockEntry>,
    private readonly maxPackages: number,
  ) {}

  result(): SoftwarePackage[] {
    return [...this.byPurl.values()];
  }

  /** Adds one package; false once the limit is reached. */
  add(found: { name: string; version: string; license: string | undefined; integrity: string | undefined; path: string }): boolean {
    const scoped = found.name.startsWith("@");
    const purl = `pkg:npm/${scoped ? `%40${found.name.slice(1)}` : found.name}@${encodeURIComponent(found.version)}`;
    const hashes = found.integrity === undefined ? [] : integrityHashes(found.integrity, found.path);
    const existing = this.byPurl.get(purl);
    if (existing) {
      if (existing.hashes.length === 0 && hashes.length > 0) this.byPurl.set(purl, { ...existing, hashes });
      return true;
    }
    if (this.byPurl.size >= this.maxPackages) {
      this.truncated = true;
      return false;
    }
    this.byPurl.set(purl, {
      name: found.name,
      version: found.version,
      purl,
      type: "library",
      hashes,
      licenses: found.license ? [found.license] : [],
      foundBy: "npm-tree",
    });
    return true;
  }

  /** Reads `<root>/<relative>` (a node_modules folder) and its nested node_modules. */
  async folder(root: string, relative: string, depth: number, maxDepth: number): Promise<boolean> {
    const names = await listDirectory(join(root, relative), false);
    if (!names) return true;
    const packages: string[] = [];
    for (const entry of names) {
      if (entry.name.startsWith(".") || entry.isSymbolicLink() || !entry.isDirectory()) continue;
      if (entry.name.startsWith("@")) {
        for (const inner of (await listDirectory(join(root, relative, entry.name), false)) ?? [])
          if (!inner.isSymbolicLink() && inner.isDirectory()) packages.push(`${entry.name}/${inner.name}`);
      } else packages.push(entry.name);
    }
    for (const name of packages.sort(compareUtf8)) {
      const at = `${relative}/${name}`;
      const manifestPath = join(root, at, "package.json");
      const bytes = await readSbomInput(manifestPath, { maxBytes: MAX_PACKAGE_JSON_BYTES, optional: true });
      if (!bytes) continue; // a folder without package.json is not a package (e.g. a stray cache)
      const manifest = expectObject(parseStrict(bytes, manifestPath), manifestPath, "INVALID_SBOM");
      const packageName =
        expectOptionalString(manifest.name, `${manifestPath}: name`, "INVALID_SBOM", { max: 214, pattern: NPM_NAME, hint: "an npm package name" }) ?? name;
      const version = expectOptionalString(manifest.version, `${manifestPath}: version`, "INVALID_SBOM", { max: 256 });
      if (version === undefined) continue; // npm refuses to install a package without a version; a private stub
      const entry = this.lock.get(at);
      const integrity = entry?.version === version ? entry.integrity : undefined;
      if (
        !this.add({
          name: packageName,
          version,
          license: licenseOf(manifest.license ?? manifest.licenses),
          integrity,
          path: `lockfile packages["${at}"].integrity`,
        })
      )
        return false;
      if (depth < maxDepth) {
        if (!(await this.folder(root, `${at}/node_modules`, depth + 1, maxDepth))) return false;
      } else if (await listDirectory(join(root, at, "node_modules"), true)) this.truncated = true;
    }
    return true;
  }
}

async function listDirectory(path: string, probe: true): Promise<boolean>;
async function listDirectory(path: string, probe: false): Promise<Dirent[] | undefined>;
async function listDirectory(path: string, probe: boolean): Promise<boolean | Dirent[] | undefined> {
  try {
    const entries = await readdir(path, { withFileTypes: true });
    return probe ? true : entries;
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return probe ? false : undefined;
    invalid("INVALID_ARGUMENT", `cannot read${code ? ` (${code})` : ""}`, path, cause);
  }
}

async function readLockfile(directory: string): Promise<{ path: string; packages: Map<string, LockEntry> } | undefined> {
  for (const path of [join(directory, "node_modules", ".package-lock.json"), join(directory, "package-lock.json")]) {
    const bytes = await readSbomInput(path, { maxBytes: MAX_LOCKFILE_BYTES, optional: true });
    if (!bytes) continue;
    const lock = expectObject(parseStrict(bytes, path), path, "INVALID_SBOM");
    // lockfileVersion 1 (npm 6) has no `packages` map: its integrity values are not read.
    if (lock.lockfileVersion !== 2 && lock.lockfileVersion !== 3) continue;
    const packages = expectObject(lock.packages, `${path}: packages`, "INVALID_SBOM");
    const entries = new Map<string, LockEntry>();
    for (const [key, value] of Object.entries(packages)) {
      const at = `${path}: packages["${key}"]`;
      const entry = expectObject(value, at, "INVALID_SBOM");
      entries.set(key, {
        ...(entry.version !== undefined && { version: expectOptionalString(entry.version, `${at}.version`, "INVALID_SBOM", { max: 256 })! }),
        ...(entry.integrity !== undefined && { integrity: expectOptionalString(entry.integrity, `${at}.integrity`, "INVALID_SBOM", { max: 4096 })! }),
        ...(typeof entry.license === "string" && { license: entry.license }),
        ...(typeof entry.name === "string" && { name: entry.name }),
        ...(entry.link === true && { link: true }),
      });
    }
    return { path, packages: entries };
  }
  return undefined;
}

function parseStrict(bytes: Buffer, path: string): unknown {
  try {
    return parseJsonBytes(bytes, path);
  } catch (cause) {
    // Keep the parser's code (DUPLICATE_KEY, …) and name the file as well as the field.
    if (cause instanceof InputError)
      invalid(
        cause.code === "INVALID_JSON" ? "INVALID_SBOM" : cause.code,
        cause.path ? cause.shortMessage.slice(cause.path.length + 2) : cause.shortMessage,
        cause.path ? `${path}: ${cause.path}` : path,
        cause,
      );
    throw cause;
  }
}

/** Hex digests of an SRI string (`sha512-<base64> sha1-<base64>`); unknown algorithms are ignored. */
function integrityHashes(integrity: string, path: string): CycloneDxHash[] {
  const hashes: CycloneDxHash[] = [];
  for (const token of integrity.trim().split(/\s+/)) {
    const dash = token.indexOf("-");
    const algorithm = token.slice(0, dash) as keyof typeof SRI_ALGORITHMS;
    const alg = SRI_ALGORITHMS[algorithm];
    if (dash <= 0 || alg === undefined || hashes.some((h) => h.alg === alg)) continue;
    const base64 = token.slice(dash + 1).split("?")[0]!;
    const bytes = Buffer.from(base64, "base64");
    const expected = { "SHA-512": 64, "SHA-384": 48, "SHA-256": 32, "SHA-1": 20 }[alg];
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64) || bytes.length !== expected || bytes.toString("base64") !== base64)
      invalid("INVALID_SBOM", `integrity "${token.slice(0, 80)}" is not ${algorithm} in base64`, path);
    hashes.push({ alg, content: bytes.toString("hex") });
  }
  return hashes;
}

/** `license` as npm writes it: a string, or the legacy `{ type }` / `[{ type }]` forms. */
function licenseOf(value: unknown): string | undefined {
  if (typeof value === "string") return value.trim() || undefined;
  if (Array.isArray(value)) {
    const types = value.map((v) => (v && typeof v === "object" ? (v as { type?: unknown }).type : undefined)).filter((t): t is string => typeof t === "string");
    return types.length ? types.join(" OR ") : undefined;
  }
  if (value && typeof value === "object" && typeof (value as { type?: unknown }).type === "string") return (value as { type: string }).type;
  return undefined;
}
