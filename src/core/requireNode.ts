// Imported first by every entry point: on an older Node.js the package says which one it needs
// instead of failing later on a missing built-in (node:sqlite) with a stack trace.
import { BaseError } from "./errors/base.js";

/** The oldest Node.js this package runs on (`engines` in package.json): node:sqlite, Hardhat 3. */
export const MINIMUM_NODE_VERSION = "22.13.0";

/** The Node.js running this, or undefined in another runtime (a browser has no Node.js to check). */
const RUNNING_NODE = (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node;

/** A sentence naming the Node.js needed, or undefined when `version` (e.g. `22.13.1`) is recent enough, or absent. */
export function nodeVersionProblem(version: string | undefined = RUNNING_NODE): string | undefined {
  if (version === undefined) return undefined;
  const [major = 0, minor = 0] = version.split(".").map(Number);
  const [needMajor, needMinor] = MINIMUM_NODE_VERSION.split(".").map(Number) as [number, number];
  if (major > needMajor || (major === needMajor && minor >= needMinor)) return undefined;
  return `provenance-ledger needs Node.js ${MINIMUM_NODE_VERSION} or later; this is Node.js ${version}`;
}

const problem = nodeVersionProblem();
if (problem) throw new BaseError("UNSUPPORTED_NODE", problem);
