import { readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import dotenv from "dotenv";
import { InputError } from "../errors/input.js";
import { type Hex, parseAddress, parseHexBytes } from "../hex.js";

/** Every flag the CLI knows; each command uses a subset. */
export const FLAGS = {
  // Repeatable: several nodes for --trust-mode quorum; every other use takes one.
  rpc: { type: "string", multiple: true },
  registry: { type: "string" },
  "private-key": { type: "string" },
  org: { type: "string", multiple: true },
  "chain-id": { type: "string" },
  "data-dir": { type: "string" },
  artifact: { type: "string" },
  // Digests named explicitly: a path argument is always hashed, whatever its name looks like.
  "artifact-digest": { type: "string" },
  "subject-digest": { type: "string", multiple: true },
  "model-digest": { type: "string" },
  output: { type: "string", short: "o" },
  name: { type: "string" },
  version: { type: "string" },
  // The model's version (record, sbom); `--version` after those commands is the same flag.
  "model-version": { type: "string" },
  type: { type: "string" },
  field: { type: "string", multiple: true },
  admin: { type: "string" },
  anchorer: { type: "string", multiple: true },
  confirmations: { type: "string" },
  timeout: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  // Attestations, SBOMs, environment, lineage, bundles
  key: { type: "string" },
  // Encrypted key files (docs/keys.md): the passphrase never comes from a flag's value.
  encrypt: { type: "boolean" },
  "passphrase-file": { type: "string" },
  algorithm: { type: "string" },
  subject: { type: "string", multiple: true },
  predicate: { type: "string" },
  role: { type: "string" },
  decision: { type: "string" },
  policy: { type: "string" },
  threshold: { type: "string" },
  comment: { type: "string" },
  "python-env": { type: "string", multiple: true },
  npm: { type: "string", multiple: true },
  ingest: { type: "string", multiple: true },
  dataset: { type: "string", multiple: true },
  hyperparameter: { type: "string", multiple: true },
  architecture: { type: "string" },
  task: { type: "string" },
  spdx: { type: "string" },
  format: { type: "string" },
  lineage: { type: "boolean" },
  "require-approvals": { type: "string" },
  workers: { type: "string" },
  // Hugging Face layouts (docs/model-hashing.md#hugging-face-layouts): recorded in a v3 manifest.
  "follow-symlinks": { type: "string" },
  "ignore-paths": { type: "string", multiple: true },
  // Anchoring service (provenance serve, provenance token)
  listen: { type: "string" },
  store: { type: "string" },
  interval: { type: "string" },
  "batch-size": { type: "string" },
  "max-body": { type: "string" },
  "fee-cap": { type: "string" },
  "lease-ttl": { type: "string" },
  "log-level": { type: "string" },
  // Verifier pins
  trust: { type: "string" },
  // Trust modes (docs/trust-model.md)
  "trust-mode": { type: "string" },
  "qbft-trust": { type: "string" },
  checkpoint: { type: "string" },
  "max-head-age": { type: "string" },
  quorum: { type: "string" },
  offline: { type: "boolean" },
  "embed-proofs": { type: "boolean" },
  // Watermarks (provenance watermark)
  original: { type: "string" },
  strength: { type: "string" },
  bundle: { type: "string", multiple: true },
  kind: { type: "string" },
  gamma: { type: "string" },
  delta: { type: "string" },
} as const;

export type ParsedFlags = {
  rpc?: string;
  registry?: string;
  "private-key"?: string;
  org?: string[];
  "chain-id"?: string;
  "data-dir"?: string;
  artifact?: string;
  "artifact-digest"?: string;
  "subject-digest"?: string[];
  "model-digest"?: string;
  output?: string;
  name?: string;
  version?: string;
  "model-version"?: string;
  type?: string;
  field?: string[];
  admin?: string;
  anchorer?: string[];
  confirmations?: string;
  timeout?: string;
  json?: boolean;
  help?: boolean;
  key?: string;
  encrypt?: boolean;
  "passphrase-file"?: string;
  algorithm?: string;
  subject?: string[];
  predicate?: string;
  role?: string;
  decision?: string;
  policy?: string;
  threshold?: string;
  comment?: string;
  "python-env"?: string[];
  npm?: string[];
  ingest?: string[];
  dataset?: string[];
  hyperparameter?: string[];
  architecture?: string;
  task?: string;
  spdx?: string;
  format?: string;
  lineage?: boolean;
  "require-approvals"?: string;
  workers?: string;
  "follow-symlinks"?: string;
  "ignore-paths"?: string[];
  listen?: string;
  store?: string;
  interval?: string;
  "batch-size"?: string;
  "max-body"?: string;
  "fee-cap"?: string;
  "lease-ttl"?: string;
  "log-level"?: string;
  trust?: string;
  "trust-mode"?: string;
  "qbft-trust"?: string;
  checkpoint?: string;
  "max-head-age"?: string;
  /** k of quorum mode. */
  quorum?: string;
  /** verify-bundle: verify from the bundle's offline kit, with no network. */
  offline?: boolean;
  /** bundle: record the light verification's answers into the bundle (v2). */
  "embed-proofs"?: boolean;
  /** Every --rpc given, in order (`rpc` is the first). */
  "rpc-endpoints"?: string[];
  original?: string;
  strength?: string;
  bundle?: string[];
  kind?: string;
  gamma?: string;
  delta?: string;
};

/** Parses argv; unknown flags and missing values are usage errors (exit 2). */
export function parseCommandLine(argv: readonly string[]): { positionals: string[]; flags: ParsedFlags } {
  try {
    const { values, positionals } = parseArgs({ args: [...argv], options: FLAGS, allowPositionals: true, strict: true });
    const { rpc: rpcs, ...rest } = values as { rpc?: string[] };
    const flags = rest as ParsedFlags;
    if (rpcs?.length) {
      flags.rpc = rpcs[0]!;
      flags["rpc-endpoints"] = rpcs;
    }
    if (flags["model-version"] !== undefined) {
      if (flags.version !== undefined && flags.version !== flags["model-version"]) throw new Error("--model-version and --version (its older spelling) disagree");
      flags.version = flags["model-version"];
    }
    return { positionals, flags };
  } catch (cause) {
    throw new InputError("INVALID_ARGUMENT", (cause as Error).message.split("\n")[0] ?? "invalid arguments", { cause });
  }
}

/**
 * The nearest `name` in `from` or one of its parents (as git finds `.git`), of the given kind;
 * undefined when none is found. Like git's `safe.directory` rule, the search stays in folders the
 * user controls: it stops below a folder that another user owns or that others may write to
 * (`/tmp`, where anyone can leave a `.env` for every work folder under it), and ignores a
 * candidate that another user owns.
 */
export function findUp(name: string, kind: "file" | "directory", from = process.cwd()): string | undefined {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    if (!controlledByUser(dir)) return undefined;
    const candidate = join(dir, name);
    try {
      const s = statSync(candidate);
      if ((kind === "file" ? s.isFile() : s.isDirectory()) && ownedByUser(s)) return candidate;
    } catch {
      // not here: look in the parent
    }
    if (dirname(dir) === dir) return undefined;
  }
}

const uid = process.getuid?.();
const ownedByUser = (s: { uid: number }): boolean => uid === undefined || s.uid === uid;

function controlledByUser(dir: string): boolean {
  try {
    const s = statSync(dir);
    // World-writable (a sticky /tmp too): a folder where other users create files.
    return ownedByUser(s) && (uid === undefined || (s.mode & 0o002) === 0);
  } catch {
    return false;
  }
}

// Names that came from a `.env` file rather than from the real environment of the process.
const fromDotenv = new Set<string>();

/**
 * Loads the project's `.env` (the nearest one in the working directory or a parent) into the
 * environment, never overriding a variable the process already has. For the organisation's own
 * commands only: `verify` and `verify-bundle` never call it, since a `.env` in the folder they
 * run in was put there by whoever supplied the files (docs/environment.md).
 */
export function loadDotenv(cwd = process.cwd()): string | undefined {
  const path = findUp(".env", "file", cwd);
  if (path === undefined) return undefined;
  const parsed = dotenv.parse(readFileSyncSafe(path));
  for (const [name, value] of Object.entries(parsed)) {
    if (process.env[name] !== undefined) continue;
    process.env[name] = value;
    fromDotenv.add(name);
  }
  return path;
}

function readFileSyncSafe(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (cause) {
    throw new InputError("INVALID_ARGUMENT", `cannot read ${path}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`, { cause });
  }
}

/**
 * A variable of the process's own environment, as the verifier set it: a value that a `.env`
 * file supplied does not count, even if one was loaded (a verifier's pins never come from a file
 * in the working folder).
 */
export function verifierEnvironment(name: string): string | undefined {
  return fromDotenv.has(name) ? undefined : process.env[name] || undefined;
}

/**
 * `--follow-symlinks <root>` and `--ignore-paths <path>`… as hashing options (a v3 manifest records
 * them). An `--ignore-paths` value may hold several paths separated by commas.
 */
export function walkOptions(flags: ParsedFlags): { followSymlinks?: string; ignorePaths?: string[] } {
  const ignorePaths = (flags["ignore-paths"] ?? []).flatMap((v) => v.split(",")).filter((v) => v !== "");
  if (flags["follow-symlinks"] === "") throw new InputError("INVALID_ARGUMENT", "--follow-symlinks needs the directory inside which links may resolve");
  return { ...(flags["follow-symlinks"] !== undefined && { followSymlinks: flags["follow-symlinks"] }), ...(ignorePaths.length > 0 && { ignorePaths }) };
}

/** Flag, then environment (which includes `.env` for the organisation's commands), then `fallback`. */
export function setting(flag: string | undefined, env: string, fallback?: string | null): string | undefined {
  return flag ?? (process.env[env] || undefined) ?? fallback ?? undefined;
}

export function requireSetting(value: string | undefined, flag: string, env: string): string {
  if (value === undefined || value === "") throw new InputError("INVALID_ARGUMENT", `missing ${flag} (or set ${env})`);
  return value;
}

export function parseRpcUrl(value: string, what = "--rpc"): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InputError("INVALID_ARGUMENT", `${what} is not a URL: expected e.g. http://127.0.0.1:8545`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new InputError("INVALID_ARGUMENT", `${what} must be an http(s) URL, got ${url.protocol}`);
  return value;
}

export function parsePrivateKey(value: string): Hex {
  // Never echo the value: a typo'd key is still mostly a key.
  try {
    return parseHexBytes(value.startsWith("0x") ? value : `0x${value}`, "--private-key");
  } catch {
    throw new InputError("INVALID_ARGUMENT", "--private-key (PROVENANCE_PRIVATE_KEY) must be 32 bytes of hex (64 hex digits, optionally 0x-prefixed)");
  }
}

export function parseRegistry(value: string): Hex {
  return parseAddress(value, "--registry");
}

export function parseInteger(value: string, flag: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^\d+$/.test(value.trim())) throw new InputError("INVALID_ARGUMENT", `${flag} must be a whole number, got "${value}"`);
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new InputError("INVALID_ARGUMENT", `${flag} must be from ${min} to ${max}, got ${value}`);
  return n;
}

/** A duration: a whole number with a unit s, m, h or d (`90s`, `15m`, `1h`, `2d`), in seconds. */
export function parseDuration(value: string, flag: string): number {
  const match = /^(\d{1,9})(s|m|h|d)$/.exec(value.trim());
  if (!match) throw new InputError("INVALID_ARGUMENT", `${flag} must be a duration such as 90s, 15m, 1h or 2d, got "${value}"`);
  return Number(match[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[match[2] as "s" | "m" | "h" | "d"];
}
