import { stat } from "node:fs/promises";
import { type EnvironmentProbe, type EnvironmentRuntime, RUNTIME_VERSION } from "../../formats/predicates/environment.js";
import { MAX_MACHINE_LONG_TEXT, MAX_RUNTIME_VERSION, MAX_SITE_PACKAGES_DIRS } from "../../formats/predicates/environmentLimits.js";
import { cleanText } from "./cleanText.js";
import type { ParseOutcome } from "./parseOutcome.js";
import { redactHome } from "./redactHome.js";
import { probeFailed, runProbe } from "./runProbe.js";

// Prints what the interpreter would import from: its site-packages (and the user's, when enabled),
// in sys.path order. getsitepackages is missing in some old virtualenvs, hence sysconfig too.
// One line (statements joined by ";"): the recorded argv holds no control characters.
const SCRIPT = [
  "import json, platform, site, sys, sysconfig",
  "c = list(getattr(site, 'getsitepackages', lambda: [])())",
  "c += [sysconfig.get_paths().get(k) for k in ('purelib', 'platlib')]",
  "c += [site.getusersitepackages()] if site.ENABLE_USER_SITE else []",
  "c = [p for p in dict.fromkeys(c) if p]",
  "c = [p for p in sys.path if p in c] + [p for p in c if p not in sys.path]",
  "print(json.dumps({'version': platform.python_version(), 'executable': sys.executable, 'sitePackages': list(dict.fromkeys(c))}))",
].join("; ");

/** The arguments `python3` runs with. */
export const PYTHON_PROBE_ARGS = ["-c", SCRIPT] as const;

/** What the Python probe prints. */
export type PythonReport = { readonly version: string; readonly executable: string; readonly sitePackages: readonly string[] };

/**
 * Reads the JSON line the Python probe prints: `{"version", "executable", "sitePackages"}`.
 *
 * @example
 * import { parsePythonReport } from "./probePython.js";
 * parsePythonReport('{"version": "3.11.7", "executable": "/usr/bin/python3", "sitePackages": []}\n').ok; // true
 */
export function parsePythonReport(output: string): ParseOutcome<PythonReport> {
  let value: unknown;
  try {
    value = JSON.parse(output);
  } catch {
    return { ok: false, problem: "not JSON" };
  }
  const o = value as { version?: unknown; executable?: unknown; sitePackages?: unknown };
  if (typeof o !== "object" || o === null || typeof o.version !== "string" || !RUNTIME_VERSION.test(o.version) || o.version.length > MAX_RUNTIME_VERSION)
    return { ok: false, problem: "no version" };
  if (typeof o.executable !== "string") return { ok: false, problem: "no executable" };
  if (
    !Array.isArray(o.sitePackages) ||
    o.sitePackages.length > MAX_SITE_PACKAGES_DIRS ||
    !o.sitePackages.every((p): p is string => typeof p === "string" && p.length <= 4096)
  )
    return { ok: false, problem: "no list of site-packages directories" };
  return { ok: true, value: { version: o.version, executable: o.executable, sitePackages: o.sitePackages } };
}

export type ProbePythonParameters = { readonly env: NodeJS.ProcessEnv; readonly timeoutMs: number; readonly home: string };
export type ProbePythonReturnType = {
  readonly runtime: EnvironmentRuntime | null;
  /** The site-packages directories that exist, in import order (real paths, not redacted). */
  readonly sitePackages: readonly string[];
  readonly probe: EnvironmentProbe;
};

/**
 * Runs `python3` (the one on PATH, as a training script would) for its version, executable and
 * site-packages directories.
 *
 * @example
 * import { homedir } from "node:os";
 * import { probePython } from "./probePython.js";
 * const { runtime, sitePackages } = await probePython({ env: process.env, timeoutMs: 10_000, home: homedir() });
 */
export async function probePython(parameters: ProbePythonParameters): Promise<ProbePythonReturnType> {
  const run = await runProbe({ ...parameters, name: "python3", command: "python3", args: PYTHON_PROBE_ARGS });
  if (run.probe.status !== "ok") return { runtime: null, sitePackages: [], probe: run.probe };
  const report = parsePythonReport(run.stdout);
  if (!report.ok) return { runtime: null, sitePackages: [], probe: probeFailed(run.probe, report.problem, parameters.home) };
  const existing: string[] = [];
  for (const dir of report.value.sitePackages) if (await isDirectory(dir)) existing.push(dir);
  const executable = report.value.executable === "" ? null : cleanText(redactHome(report.value.executable, parameters.home), MAX_MACHINE_LONG_TEXT);
  return { runtime: { name: "python3", version: report.value.version, executable }, sitePackages: existing, probe: run.probe };
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
