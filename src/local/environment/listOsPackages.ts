import { type EnvironmentProbe, type OsPackage, type OsPackageList, osPackageKey } from "../../formats/predicates/environment.js";
import { MAX_MACHINE_TEXT } from "../../formats/predicates/environmentLimits.js";
import { capPackageList } from "./listPackages.js";
import type { ParseOutcome } from "./parseOutcome.js";
import { probeFailed, runProbe } from "./runProbe.js";

/** `dpkg-query` arguments: every known package with its state, so that removed ones can be left out. */
export const DPKG_QUERY_ARGS = ["-W", "-f=${Package}\\t${Version}\\t${Architecture}\\t${db:Status-Abbrev}\\n"] as const;
/** `rpm` arguments: name, `[epoch:]version-release` and architecture of every installed package. */
export const RPM_QUERY_ARGS = ["-qa", "--queryformat", "%{NAME}\\t%|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE}\\t%{ARCH}\\n"] as const;

const DPKG_NAME = /^[a-z0-9][a-z0-9+.-]*$/;
const ARCH = /^[A-Za-z0-9_()-]{1,32}$/;
const TEXT = new RegExp(`^[^\\u0000-\\u001f\\u007f]{1,${MAX_MACHINE_TEXT}}$`);

/** Installed packages and how many known-but-not-installed ones (removed, config files left) were left out. */
export type ParsedPackages = { readonly packages: OsPackage[]; readonly notInstalled: number };

/**
 * Reads `dpkg-query -W -f='${Package}\t${Version}\t${Architecture}\t${db:Status-Abbrev}\n'`.
 * Only fully installed packages (status `?i?`, e.g. `ii `) are kept: dpkg also lists removed
 * packages whose configuration files remain (`rc `).
 *
 * @example
 * import { parseDpkgPackages } from "provenance-ledger";
 * parseDpkgPackages("bash\t5.2.15-2+b7\tamd64\tii \nold\t1.0\tall\trc \n");
 * // { ok: true, value: { packages: [{ name: "bash", version: "5.2.15-2+b7", architecture: "amd64" }], notInstalled: 1 } }
 */
export function parseDpkgPackages(output: string): ParseOutcome<ParsedPackages> {
  const packages: OsPackage[] = [];
  let notInstalled = 0;
  for (const [i, line] of output.split("\n").entries()) {
    if (line === "") continue;
    const fields = line.split("\t");
    if (fields.length !== 4) return { ok: false, problem: `line ${i + 1}: expected 4 tab-separated fields, got ${fields.length}` };
    const [name, version, architecture, status] = fields as [string, string, string, string];
    if (!/^[uihrp][ncHUFWti][ R]?$/.test(status)) return { ok: false, problem: `line ${i + 1}: unknown status ${JSON.stringify(status.slice(0, 8))}` };
    if (status[1] !== "i") {
      notInstalled++;
      continue;
    }
    if (!DPKG_NAME.test(name) || name.length > MAX_MACHINE_TEXT)
      return { ok: false, problem: `line ${i + 1}: ${JSON.stringify(name.slice(0, 64))} is not a package name` };
    if (!TEXT.test(version)) return { ok: false, problem: `line ${i + 1}: version of ${name} is empty or not text` };
    if (!ARCH.test(architecture)) return { ok: false, problem: `line ${i + 1}: architecture of ${name} is not understood` };
    packages.push({ name, version, architecture });
  }
  return { ok: true, value: { packages, notInstalled } };
}

/**
 * Reads `rpm -qa --queryformat '%{NAME}\t%|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE}\t%{ARCH}\n'`
 * (`gpg-pubkey` entries have the architecture `(none)`).
 *
 * @example
 * import { parseRpmPackages } from "provenance-ledger";
 * parseRpmPackages("bash\t5.1.8-9.el9\tx86_64\n").ok; // true
 */
export function parseRpmPackages(output: string): ParseOutcome<ParsedPackages> {
  const packages: OsPackage[] = [];
  for (const [i, line] of output.split("\n").entries()) {
    if (line === "") continue;
    const fields = line.split("\t");
    if (fields.length !== 3) return { ok: false, problem: `line ${i + 1}: expected 3 tab-separated fields, got ${fields.length}` };
    const [name, version, architecture] = fields as [string, string, string];
    if (!TEXT.test(name) || !TEXT.test(version)) return { ok: false, problem: `line ${i + 1}: name or version is empty or not text` };
    if (!ARCH.test(architecture)) return { ok: false, problem: `line ${i + 1}: architecture of ${name} is not understood` };
    packages.push({ name, version, architecture });
  }
  return { ok: true, value: { packages, notInstalled: 0 } };
}

export type ListOsPackagesParameters = { readonly env: NodeJS.ProcessEnv; readonly timeoutMs: number; readonly home: string };
export type ListOsPackagesReturnType = { readonly list: OsPackageList | null; readonly probes: readonly EnvironmentProbe[] };

/**
 * The installed OS packages, from dpkg (Debian, Ubuntu) or, when there is no `dpkg-query`, rpm
 * (Fedora, RHEL, SUSE). Null when neither is there or the query failed; `probes` says which.
 *
 * @example
 * import { homedir } from "node:os";
 * import { listOsPackages } from "./listOsPackages.js";
 * const { list } = await listOsPackages({ env: process.env, timeoutMs: 10_000, home: homedir() });
 */
export async function listOsPackages(parameters: ListOsPackagesParameters): Promise<ListOsPackagesReturnType> {
  const dpkg = await runProbe({ ...parameters, name: "dpkg-query", command: "dpkg-query", args: DPKG_QUERY_ARGS });
  if (dpkg.probe.status !== "absent") return finish("dpkg", dpkg.probe, dpkg.stdout, parseDpkgPackages, [], parameters.home);
  const rpm = await runProbe({ ...parameters, name: "rpm", command: "rpm", args: RPM_QUERY_ARGS });
  return finish("rpm", rpm.probe, rpm.stdout, parseRpmPackages, [dpkg.probe], parameters.home);
}

function finish(
  manager: OsPackageList["manager"],
  probe: EnvironmentProbe,
  stdout: string,
  parse: (output: string) => ParseOutcome<ParsedPackages>,
  before: readonly EnvironmentProbe[],
  home: string,
): ListOsPackagesReturnType {
  if (probe.status !== "ok") return { list: null, probes: [...before, probe] };
  const parsed = parse(stdout);
  if (!parsed.ok) return { list: null, probes: [...before, probeFailed(probe, parsed.problem, home)] };
  const list = capPackageList(parsed.value.packages, osPackageKey);
  const note = `${list.count} installed${parsed.value.notInstalled ? `, ${parsed.value.notInstalled} removed or half-installed left out` : ""}${list.truncated ? `, first ${list.packages.length} listed` : ""}`;
  return { list: { manager, ...list }, probes: [...before, { ...probe, detail: note }] };
}
