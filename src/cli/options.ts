import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import dotenv from "dotenv";
import { InputError } from "../errors/input.js";
import { type Hex, parseAddress, parseHexBytes } from "../hex.js";

/** Every flag the CLI knows; each command uses a subset. */
export const FLAGS = {
  rpc: { type: "string" },
  registry: { type: "string" },
  "private-key": { type: "string" },
  org: { type: "string", multiple: true },
  "chain-id": { type: "string" },
  "data-dir": { type: "string" },
  artifact: { type: "string" },
  output: { type: "string", short: "o" },
  name: { type: "string" },
  version: { type: "string" },
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
  // Anchoring service (provenance serve, provenance token)
  listen: { type: "string" },
  store: { type: "string" },
  interval: { type: "string" },
  "batch-size": { type: "string" },
  "max-body": { type: "string" },
  "fee-cap": { type: "string" },
  "lease-ttl": { type: "string" },
  "log-level": { type: "string" },
} as const;

export type ParsedFlags = {
  rpc?: string;
  registry?: string;
  "private-key"?: string;
  org?: string[];
  "chain-id"?: string;
  "data-dir"?: string;
  artifact?: string;
  output?: string;
  name?: string;
  version?: string;
  type?: string;
  field?: string[];
  admin?: string;
  anchorer?: string[];
  confirmations?: string;
  timeout?: string;
  json?: boolean;
  help?: boolean;
  key?: string;
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
  listen?: string;
  store?: string;
  interval?: string;
  "batch-size"?: string;
  "max-body"?: string;
  "fee-cap"?: string;
  "lease-ttl"?: string;
  "log-level"?: string;
};

/** Parses argv; unknown flags and missing values are usage errors (exit 2). */
export function parseCommandLine(argv: readonly string[]): { positionals: string[]; flags: ParsedFlags } {
  try {
    const { values, positionals } = parseArgs({ args: [...argv], options: FLAGS, allowPositionals: true, strict: true });
    return { positionals, flags: values as ParsedFlags };
  } catch (cause) {
    throw new InputError("INVALID_ARGUMENT", (cause as Error).message.split("\n")[0] ?? "invalid arguments", { cause });
  }
}

/** Loads `.env` from the working directory (never overriding the real environment). */
export function loadDotenv(cwd = process.cwd()): void {
  const path = resolve(cwd, ".env");
  if (existsSync(path)) dotenv.config({ path, quiet: true } as never);
}

/** Flag, then environment (which includes `.env`), then `fallback`. */
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
