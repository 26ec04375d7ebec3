import { readFileSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import dotenv from "dotenv";
import { cannotRead, invalidArgument } from "./usage.js";
import { type Hex, parseAddress, parseHexBytes } from "../core/hex.js";

/** One flag of the CLI: its value's placeholder (none for a switch), whether it repeats, its help line. */
export type FlagSpec = {
  /** The value's placeholder in help (`<url>`); a flag without one is a switch. */
  readonly value?: string;
  /** Given more than once, it collects every value (`--org 1 --org 2`). */
  readonly multiple?: true;
  readonly short?: string;
  readonly description: string;
  /** Accepted, not shown in help (an older spelling). */
  readonly hidden?: true;
};

/**
 * Every flag the CLI knows, described once; each command declares the subset it takes
 * (src/cli/program.ts), and a flag it does not take is refused (exit 2).
 */
export const FLAGS = {
  // Repeatable: several nodes for --trust-mode quorum; every other use takes one (the first).
  rpc: { value: "<url>", multiple: true, description: "JSON-RPC endpoint (PROVENANCE_RPC_URL); once per node in quorum mode" },
  registry: { value: "<address>", description: "registry contract (PROVENANCE_REGISTRY)" },
  "private-key": { value: "<hex>", description: "signing key; prefer PROVENANCE_PRIVATE_KEY or .env: a flag is visible in ps and shell history" },
  org: { value: "<id>", multiple: true, description: "organisation id (PROVENANCE_ORG)" },
  "chain-id": { value: "<id>", description: "chain ID (PROVENANCE_CHAIN_ID)" },
  "data-dir": { value: "<dir>", description: "ledger store folder (PROVENANCE_DATA_DIR; default: nearest .provenance/)" },
  artifact: { value: "<path>", description: "the model's file or folder, hashed by the verifier" },
  // Digests named explicitly: a path argument is always hashed, whatever its name looks like.
  "artifact-digest": { value: "sha256:<hex>", description: "the model's digest instead of its files (exit 3: no file was read)" },
  "subject-digest": { value: "sha256:<hex>", multiple: true, description: "a subject by digest instead of by path" },
  "model-digest": { value: "sha256:<hex>", description: "the model by digest instead of by path" },
  output: { value: "<file>", short: "o", description: "write the result to this file" },
  name: { value: "<name>", description: "name to record" },
  // The model's version (record, sbom); `--version` after those commands is the same flag.
  version: { value: "<version>", description: "older spelling of --model-version", hidden: true },
  "model-version": { value: "<version>", description: "the model's version" },
  type: { value: "<type>", description: "entry type" },
  field: { value: "<k=v>", multiple: true, description: "an extra record field" },
  admin: { value: "<address>", description: "admin account (default: the caller)" },
  anchorer: { value: "<address>", multiple: true, description: "another anchorer account" },
  confirmations: { value: "<n>", description: "blocks to wait for / require (PROVENANCE_CONFIRMATIONS, default 1)" },
  timeout: { value: "<seconds>", description: "per RPC request and per wait (PROVENANCE_TIMEOUT, default 30)" },
  json: { description: "one JSON document on stdout (docs/cli.md)" },
  // Attestations, SBOMs, environment, lineage, bundles
  key: { value: "<key.json>", description: "key file (PROVENANCE_SIGNING_KEY)" },
  // Encrypted key files (docs/keys.md): the passphrase never comes from a flag's value.
  encrypt: { description: "encrypt the key file under a passphrase (asked, or --passphrase-file)" },
  "passphrase-file": { value: "<file>", description: "passphrase of an encrypted key file (PROVENANCE_KEY_PASSPHRASE; else asked)" },
  algorithm: { value: "<alg>", description: "ed25519, p256 or secp256k1 (default ed25519)" },
  subject: { value: "<path>", multiple: true, description: "a subject file or folder (hashed)" },
  predicate: { value: "<file.json>", description: "the predicate (JSON file)" },
  role: { value: "<role>", description: "signer's role (e.g. approver)" },
  decision: { value: "<decision>", description: "approved or rejected (default approved)" },
  policy: { value: "<policy>", description: "approval policy id (approve) or verification policy file (verify)" },
  comment: { value: "<text>", description: "a comment" },
  "python-env": { value: "<venv|python>", multiple: true, description: "a Python venv, site-packages folder or interpreter" },
  npm: { value: "<dir>", multiple: true, description: "an npm project folder" },
  ingest: { value: "<sbom.json>", multiple: true, description: "merge components of an existing SBOM" },
  dataset: { value: "<name=path>", multiple: true, description: "a training dataset" },
  hyperparameter: { value: "<k=v>", multiple: true, description: "a hyperparameter" },
  architecture: { value: "<arch>", description: "model architecture" },
  task: { value: "<task>", description: "model task" },
  spdx: { value: "<file>", description: "also write an SPDX 3.0.1 export" },
  format: { value: "<format>", description: "text, mermaid or dot" },
  lineage: { description: "verify the model's whole lineage from this store" },
  "require-approvals": { value: "<n>", description: "approvals the policy needs at least" },
  // Hugging Face layouts (docs/model-hashing.md#hugging-face-layouts): recorded in a v3 manifest.
  "follow-symlinks": { value: "<root>", description: "follow symbolic links that resolve inside this folder (docs/model-hashing.md)" },
  "ignore-paths": { value: "<path>", multiple: true, description: "leave these relative paths out of the model (comma-separated too)" },
  // Anchoring service (provenance serve, provenance token)
  listen: { value: "<host:port>", description: "service address (PROVENANCE_LISTEN, default 127.0.0.1:8080)" },
  store: { value: "<file|url>", description: "service store: SQLite file or postgres:// URL (PROVENANCE_STORE)" },
  interval: { value: "<duration>", description: "sealing interval (PROVENANCE_INTERVAL, default 10s)" },
  "batch-size": { value: "<n>", description: "entries per batch at most (PROVENANCE_BATCH_SIZE)" },
  "max-body": { value: "<size>", description: "request body limit (PROVENANCE_MAX_BODY, default 1MiB)" },
  "fee-cap": { value: "<gwei>", description: "highest fee per gas (PROVENANCE_FEE_CAP)" },
  "lease-ttl": { value: "<duration>", description: "anchoring lease (PROVENANCE_LEASE_TTL, default 30s)" },
  "log-level": { value: "<level>", description: "debug, info, warn or error (PROVENANCE_LOG_LEVEL)" },
  // Verifier pins
  trust: { value: "<trust.json>", description: "verifier's pins: chain ID, registry, organisations (PROVENANCE_TRUST)" },
  // Trust modes (docs/trust-model.md)
  "trust-mode": { value: "<mode>", description: "rpc, light or quorum (default: light when validators are pinned, else rpc)" },
  "qbft-trust": { value: "<file>", description: "pinned QBFT validator set (provenance-qbft-trust-v1)" },
  checkpoint: { value: "<file>", description: "a saved light-client checkpoint to start from" },
  "save-checkpoint": { value: "<file>", description: "light mode: save the checkpoint after the verified head" },
  "max-head-age": { value: "<duration>", description: "refuse a verified head older than this (light default 1h)" },
  quorum: { value: "<k>", description: "quorum mode: answers k of the --rpc nodes must give identically (default a majority)" },
  offline: { description: "verify-bundle: verify from the bundle's offline kit with no network (needs --qbft-trust)" },
  "embed-proofs": { description: "bundle: embed the sealed headers and proofs for verify-bundle --offline (bundle v2)" },
  // Watermarks (provenance watermark)
  original: { value: "<model>", description: "the unmarked model (non-blind detection)" },
  strength: { value: "<s>", description: "embedding strength" },
  bundle: { value: "<bundle.json>", multiple: true, description: "an evidence bundle naming the watermark" },
  kind: { value: "<kind>", description: "weights or text (default weights)" },
  gamma: { value: "<g>", description: "text watermark: green-list fraction" },
  delta: { value: "<d>", description: "text watermark: logit bias" },
} as const satisfies Record<string, FlagSpec>;

export type FlagName = keyof typeof FLAGS;

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
  key?: string;
  encrypt?: boolean;
  "passphrase-file"?: string;
  algorithm?: string;
  subject?: string[];
  predicate?: string;
  role?: string;
  decision?: string;
  policy?: string;
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
  /** verify, verify-bundle (light mode): write the checkpoint after the verified head here. */
  "save-checkpoint"?: string;
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

/**
 * `--model-version` and its older spelling `--version` (record, sbom) are one flag; both must agree.
 * `--rpc` repeats (quorum mode): `rpc` is the first node, `rpc-endpoints` every one in order.
 */
export function normaliseFlags(flags: ParsedFlags): ParsedFlags {
  const rpcs = flags.rpc as unknown as string[] | string | undefined;
  if (Array.isArray(rpcs)) {
    if (rpcs.length > 0) flags.rpc = rpcs[0]!;
    else delete flags.rpc;
    flags["rpc-endpoints"] = rpcs;
  }
  if (flags["model-version"] !== undefined) {
    if (flags.version !== undefined && flags.version !== flags["model-version"]) invalidArgument("--model-version and --version (its older spelling) disagree");
    flags.version = flags["model-version"];
  }
  return flags;
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
 * The names a `.env` may set: the project's own settings (`PROVENANCE_*`, README's settings
 * table). Any other (`PYTHONPATH`, `NODE_OPTIONS`, `LD_PRELOAD`, `PATH`…) is left out: it would
 * reach every process the CLI starts (`env capture` runs python3 and other probes).
 */
export const DOTENV_NAME = /^PROVENANCE_[A-Z0-9_]+$/;

/**
 * Loads the project's `.env` (the nearest one in the working directory or a parent) into the
 * environment: only the project's own settings ({@link DOTENV_NAME}), never overriding a variable
 * the process already has. For the organisation's own commands only: the commands that verify
 * (`verifier: true` in program.ts) never call it, since a `.env` in the folder they run in was put
 * there by whoever supplied the files (docs/environment.md). Returns the file read, if any.
 */
export function loadDotenv(cwd = process.cwd()): string | undefined {
  const path = findUp(".env", "file", cwd);
  if (path === undefined) return undefined;
  const parsed = dotenv.parse(readFileSyncSafe(path));
  for (const [name, value] of Object.entries(parsed)) {
    if (!DOTENV_NAME.test(name) || process.env[name] !== undefined) continue;
    process.env[name] = value;
    fromDotenv.add(name);
  }
  return path;
}

function readFileSyncSafe(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (cause) {
    cannotRead(path, cause);
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
 * A file the verifier's own environment names (`PROVENANCE_TRUST`, `PROVENANCE_POLICY`): it must be
 * an absolute path. An environment variable outlives the folder it was set in; a relative one would
 * be read from whatever folder the verifier runs in, such as the one a supplier handed over.
 */
export function verifierEnvironmentFile(name: string): string | undefined {
  const value = verifierEnvironment(name);
  if (value !== undefined && !isAbsolute(value))
    invalidArgument(
      `${name} must be an absolute path, not "${value}": a relative one would be read from the folder you run in (which may be the one you were handed)`,
    );
  return value;
}

/**
 * `--follow-symlinks <root>` and `--ignore-paths <path>`… as hashing options (a v3 manifest records
 * them). An `--ignore-paths` value may hold several paths separated by commas.
 */
export function walkOptions(flags: ParsedFlags): { followSymlinks?: string; ignorePaths?: string[] } {
  const ignorePaths = (flags["ignore-paths"] ?? []).flatMap((v) => v.split(",")).filter((v) => v !== "");
  if (flags["follow-symlinks"] === "") invalidArgument("--follow-symlinks needs the directory inside which links may resolve");
  return { ...(flags["follow-symlinks"] !== undefined && { followSymlinks: flags["follow-symlinks"] }), ...(ignorePaths.length > 0 && { ignorePaths }) };
}

/** The command's first argument (a file, a path, a key), or the command's usage as an INVALID_ARGUMENT error. */
export function firstArgument(args: readonly string[], usage: string): string {
  const first = args[0];
  if (!first) invalidArgument(usage);
  return first;
}

/** Flag, then environment (which includes `.env` for the organisation's commands), then `fallback`. */
export function setting(flag: string | undefined, env: string, fallback?: string | null): string | undefined {
  return flag ?? (process.env[env] || undefined) ?? fallback ?? undefined;
}

export function requireSetting(value: string | undefined, flag: string, env: string): string {
  if (value === undefined || value === "") invalidArgument(`missing ${flag} (or set ${env})`);
  return value;
}

export function parseRpcUrl(value: string, what = "--rpc"): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    invalidArgument(`${what} is not a URL: expected e.g. http://127.0.0.1:8545`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") invalidArgument(`${what} must be an http(s) URL, got ${url.protocol}`);
  return value;
}

/**
 * Which node an http(s) URL (already checked by `parseRpcUrl`) reaches, for telling repeated
 * `--rpc` nodes apart: the scheme, the host lower-cased and without a trailing dot, the port (the
 * scheme's default left out), the path without trailing slashes, and the query. Credentials and the
 * fragment are left out: they do not change which node answers. Aliases (`127.0.0.1` and
 * `localhost`, two names of one provider) still give different keys: that cannot be seen from a URL.
 *
 * @example
 * rpcNodeKey("HTTP://LocalHost:80/rpc/") === rpcNodeKey("http://localhost/rpc"); // true
 */
export function rpcNodeKey(value: string): string {
  const url = new URL(value);
  const port = url.port === "" ? "" : `:${url.port}`;
  return `${url.protocol}//${url.hostname.replace(/\.$/, "")}${port}${url.pathname.replace(/\/+$/, "")}${url.search}`;
}

export function parsePrivateKey(value: string): Hex {
  // Never echo the value: a typo'd key is still mostly a key.
  try {
    return parseHexBytes(value.startsWith("0x") ? value : `0x${value}`, "--private-key");
  } catch {
    invalidArgument("--private-key (PROVENANCE_PRIVATE_KEY) must be 32 bytes of hex (64 hex digits, optionally 0x-prefixed)");
  }
}

export function parseRegistry(value: string): Hex {
  return parseAddress(value, "--registry");
}

export function parseInteger(value: string, flag: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^\d+$/.test(value.trim())) invalidArgument(`${flag} must be a whole number, got "${value}"`);
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min || n > max) invalidArgument(`${flag} must be from ${min} to ${max}, got ${value}`);
  return n;
}

/** A duration: a whole number with a unit s, m, h or d (`90s`, `15m`, `1h`, `2d`), in seconds. */
export function parseDuration(value: string, flag: string): number {
  const match = /^(\d{1,9})(s|m|h|d)$/.exec(value.trim());
  if (!match) invalidArgument(`${flag} must be a duration such as 90s, 15m, 1h or 2d, got "${value}"`);
  return Number(match[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[match[2] as "s" | "m" | "h" | "d"];
}
