import { createHash } from "node:crypto";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { type InputError, invalid } from "../../core/errors/input.js";
import { compareUtf8 } from "../../core/compareUtf8.js";
import { readSbomInput } from "./readSbomInput.js";
import type { SoftwarePackage } from "../../formats/sbom/softwarePackage.js";

export type ScanPythonEnvironmentParameters = {
  /** More `*.dist-info` folders than this is refused (`INVALID_SBOM`). Default 100 000. */
  maxPackages?: number;
};

export type ScanPythonEnvironmentReturnType = SoftwarePackage[];

export type ScanPythonEnvironmentErrorType = InputError;

const MAX_METADATA_BYTES = 16 * 1024 * 1024;
const MAX_RECORD_BYTES = 64 * 1024 * 1024;
// PEP 508 project names.
const NAME = /^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$/i;
const VERSION = /^\S{1,256}$/;

/**
 * Lists the packages installed in a Python environment: every `*.dist-info` folder directly in
 * `directory` (a `site-packages`; `python3 -c "import site; print(site.getsitepackages())"`
 * prints it), in UTF-8 order of the folder names.
 *
 * - `METADATA` (core metadata, RFC 822 headers) gives `Name`, `Version` and the licence:
 *   `License-Expression` (PEP 639) when present, else a one-line `License`, else the
 *   `License ::` trove classifiers. Name and version are required (`INVALID_SBOM` otherwise).
 * - The hash is SHA-256 of the **`RECORD` file itself**. RECORD lists every installed file with
 *   its own SHA-256 and size, so its hash commits to the whole installed file set as the
 *   installer recorded it. It is not the wheel's hash (pip does not keep the wheel) and the files
 *   are not re-read. Distributions without RECORD (Debian's `dist-packages` strip it) get no hash.
 * - purl: `pkg:pypi/<name lower-cased, runs of -_. as ->@<version>`.
 *
 * `*.egg-info` (legacy `setup.py develop` installs) is not read. Symlinks are refused, never
 * followed.
 *
 * @example
 * import { scanPythonEnvironment } from "provenance-ledger";
 * const packages = await scanPythonEnvironment("/opt/venv/lib/python3.12/site-packages");
 */
export async function scanPythonEnvironment(directory: string, parameters: ScanPythonEnvironmentParameters = {}): Promise<ScanPythonEnvironmentReturnType> {
  const { maxPackages = 100_000 } = parameters;
  let entries;
  try {
    entries = await readdir(directory, { withFileTypes: true });
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    invalid("INVALID_ARGUMENT", `cannot read the Python environment${code ? ` (${code})` : ""}`, directory, cause);
  }
  const distInfos = entries.filter((e) => e.name.endsWith(".dist-info")).sort((a, b) => compareUtf8(a.name, b.name));
  if (distInfos.length > maxPackages) invalid("INVALID_SBOM", `more than ${maxPackages} *.dist-info folders`, directory);
  const packages: SoftwarePackage[] = [];
  for (const entry of distInfos) {
    const folder = join(directory, entry.name);
    if (entry.isSymbolicLink()) invalid("INVALID_SBOM", "is a symbolic link (never followed)", folder);
    if (!entry.isDirectory()) continue;
    packages.push(await readDistInfo(folder));
  }
  return packages;
}

async function readDistInfo(folder: string): Promise<SoftwarePackage> {
  const metadataPath = join(folder, "METADATA");
  const metadata = await readSbomInput(metadataPath, { maxBytes: MAX_METADATA_BYTES });
  const headers = parseCoreMetadata(metadata!.toString("utf8"));
  const name = headers.get("name")?.[0];
  const version = headers.get("version")?.[0];
  if (name === undefined || !NAME.test(name))
    invalid("INVALID_SBOM", name === undefined ? "no Name header" : `Name "${name}" is not a Python project name`, metadataPath);
  if (version === undefined || !VERSION.test(version))
    invalid("INVALID_SBOM", version === undefined ? "no Version header" : "Version is empty, too long or has spaces", metadataPath);

  const record = await readSbomInput(join(folder, "RECORD"), { maxBytes: MAX_RECORD_BYTES, optional: true });
  const normalised = name.toLowerCase().replace(/[-_.]+/g, "-");
  return {
    name,
    version,
    purl: `pkg:pypi/${normalised}@${encodeURIComponent(version)}`,
    type: "library",
    hashes: record ? [{ alg: "SHA-256", content: createHash("sha256").update(record).digest("hex") }] : [],
    licenses: licensesOf(headers),
    foundBy: "python-environment",
    ...(record ? { hashOf: "RECORD" } : {}),
  };
}

function licensesOf(headers: Map<string, string[]>): string[] {
  const expression = headers.get("license-expression")?.[0]?.trim();
  if (expression) return [expression];
  const license = headers.get("license")?.[0]?.trim();
  // `License` often holds the whole licence text; only a short one-liner is a licence name.
  if (license && !license.includes("\n") && license.length <= 128 && license.toUpperCase() !== "UNKNOWN") return [license];
  return (headers.get("classifier") ?? []).filter((c) => c.startsWith("License :: ")).map((c) => c.split(" :: ").pop()!.trim());
}

/** Headers of a core metadata file (email header format), lower-cased name → values in order. */
function parseCoreMetadata(text: string): Map<string, string[]> {
  const headers = new Map<string, string[]>();
  let last: string[] | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (line === "") break; // the body (long description) follows the first empty line
    if ((line.startsWith(" ") || line.startsWith("\t")) && last) {
      last[last.length - 1] += `\n${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    const values = headers.get(key) ?? [];
    values.push(line.slice(colon + 1).trim());
    headers.set(key, values);
    last = values;
  }
  return headers;
}
