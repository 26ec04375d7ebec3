import { CUDA_VERSION, RUNTIME_VERSION } from "../../formats/predicates/environment.js";
import { MAX_RUNTIME_VERSION } from "../../formats/predicates/environmentLimits.js";
import type { ParseOutcome } from "./parseOutcome.js";

const JAVA_VERSION_LINE = new RegExp(`^\\S+ version "([^"]{1,${MAX_RUNTIME_VERSION}})"`, "m");

/** `nvcc --version`: the CUDA toolkit release (`12.2`) and the full compiler version (`12.2.140`). */
export type NvccVersion = { readonly release: string; readonly version: string };

/**
 * Reads `nvcc --version` (`Cuda compilation tools, release 12.2, V12.2.140`).
 *
 * @example
 * import { parseNvccVersion } from "provenance-ledger";
 * parseNvccVersion("Cuda compilation tools, release 12.2, V12.2.140\n"); // { ok: true, value: { release: "12.2", version: "12.2.140" } }
 */
export function parseNvccVersion(output: string): ParseOutcome<NvccVersion> {
  const match = /release (\d+\.\d+), V(\d+(?:\.\d+){1,3})\b/.exec(output);
  if (!match || !CUDA_VERSION.test(match[1]!)) return { ok: false, problem: "no 'release X.Y, VX.Y.Z' line" };
  return { ok: true, value: { release: match[1]!, version: match[2]! } };
}

/**
 * Reads `gcc -dumpfullversion -dumpversion`: one line, the version (`12.2.0`; older GCC print `7`).
 *
 * @example
 * import { parseGccVersion } from "provenance-ledger";
 * parseGccVersion("12.2.0\n"); // { ok: true, value: "12.2.0" }
 */
export function parseGccVersion(output: string): ParseOutcome<string> {
  const version = output.trim();
  return /^\d+(\.\d+){0,3}$/.test(version) ? { ok: true, value: version } : { ok: false, problem: "not a version number" };
}

/**
 * Reads `java -version` (printed on stderr): `openjdk version "17.0.15" 2025-04-15`. Lines the
 * JVM prints first (`Picked up JAVA_TOOL_OPTIONS: …`) are skipped.
 *
 * @example
 * import { parseJavaVersion } from "provenance-ledger";
 * parseJavaVersion('openjdk version "17.0.15" 2025-04-15\n'); // { ok: true, value: "17.0.15" }
 */
export function parseJavaVersion(output: string): ParseOutcome<string> {
  const version = JAVA_VERSION_LINE.exec(output)?.[1];
  return version !== undefined && RUNTIME_VERSION.test(version) ? { ok: true, value: version } : { ok: false, problem: "no 'version \"…\"' line" };
}
