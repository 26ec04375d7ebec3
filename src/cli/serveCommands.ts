import { existsSync } from "node:fs";
import { join } from "node:path";
import { StoreError } from "../core/errors/store.js";
import { ChainError, redactUrl } from "../core/errors/chain.js";
import { invalidArgument } from "./usage.js";
import { checkStore } from "../service/store/checkStore.js";
import { connectReader } from "../chain/connect.js";
import { generateApiToken, hashApiToken } from "../service/apiToken.js";
import { createLogger, isLogLevel, LOG_LEVELS } from "../service/logger.js";
import { isPostgresLocation, openServiceStore } from "../service/store/openServiceStore.js";
import { type ServiceConfig, parseListen, startService } from "../service/service.js";
import type { ServiceStore } from "../service/store/serviceStore.js";
import { type CommandContext, confirmations, dataDir, timeoutMs } from "./commands.js";
import { type ParsedFlags, parseInteger, parsePrivateKey, parseRegistry, parseRpcUrl, requireSetting, setting } from "./options.js";
import { UINT32_MAX } from "../core/validate.js";

/** The store of `serve` and `token`: --store, PROVENANCE_STORE, else `<data dir>/service.db`. */
export function storeLocation(flags: ParsedFlags): string {
  return setting(flags.store, "PROVENANCE_STORE") ?? join(dataDir(flags), "service.db");
}

/** Organisations from `--org` (repeatable, or comma lists) or PROVENANCE_ORG (a comma list). */
export function orgIds(flags: ParsedFlags): number[] {
  const values = flags.org ?? (process.env.PROVENANCE_ORG ? [process.env.PROVENANCE_ORG] : []);
  const ids = values
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter((v) => v !== "")
    .map((v) => parseInteger(v, "--org", 1, UINT32_MAX));
  return [...new Set(ids)];
}

/** `250ms`, `2s`, `1.5m`, `1h`, or a plain number of seconds. */
export function parseDuration(value: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  if (!match) invalidArgument(`${flag} must be a duration such as 500ms, 10s, 2m or a number of seconds, got "${value}"`);
  const ms = Number(match[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(match[2] ?? "s") as "ms" | "s" | "m" | "h"];
  if (!Number.isFinite(ms) || ms < 1 || ms > 86_400_000) invalidArgument(`${flag} must be from 1ms to 24h, got "${value}"`);
  return Math.round(ms);
}

/** `1048576`, `512KiB`, `1MiB` (also k/K/KB, m/M/MB as powers of 1024). */
export function parseByteSize(value: string, flag: string): number {
  const match = /^(\d+)\s*(b|k|kb|kib|m|mb|mib)?$/i.exec(value.trim());
  if (!match) invalidArgument(`${flag} must be a size such as 1048576, 512KiB or 4MiB, got "${value}"`);
  const unit = (match[2] ?? "b").toLowerCase();
  const bytes = Number(match[1]) * (unit.startsWith("k") ? 1024 : unit.startsWith("m") ? 1024 * 1024 : 1);
  if (!Number.isSafeInteger(bytes) || bytes < 1024 || bytes > 64 * 1024 * 1024) invalidArgument(`${flag} must be from 1KiB to 64MiB, got "${value}"`);
  return bytes;
}

/** Gwei (decimal, e.g. `50` or `0.5`) to wei. */
export function parseGwei(value: string, flag: string): bigint {
  const match = /^(\d{1,12})(?:\.(\d{1,9}))?$/.exec(value.trim());
  if (!match) invalidArgument(`${flag} must be a fee in gwei such as 50 or 0.5, got "${value}"`);
  const wei = BigInt(match[1]!) * 1_000_000_000n + BigInt((match[2] ?? "").padEnd(9, "0"));
  if (wei === 0n) invalidArgument(`${flag} must be more than 0 gwei`);
  return wei;
}

/** The settings of `provenance serve`: flag, else environment (and .env), else default. */
export function serveConfig(flags: ParsedFlags): ServiceConfig {
  const chainId = requireSetting(setting(flags["chain-id"], "PROVENANCE_CHAIN_ID"), "--chain-id", "PROVENANCE_CHAIN_ID");
  const orgs = orgIds(flags);
  if (orgs.length === 0) invalidArgument("missing --org (or set PROVENANCE_ORG to a comma list of the organisations this service serves)");
  const level = setting(flags["log-level"], "PROVENANCE_LOG_LEVEL", "info")!;
  if (!isLogLevel(level)) invalidArgument(`--log-level must be one of ${LOG_LEVELS.join(", ")}, got "${level}"`);
  const interval = setting(flags.interval, "PROVENANCE_INTERVAL");
  const batchSize = setting(flags["batch-size"], "PROVENANCE_BATCH_SIZE");
  const maxBody = setting(flags["max-body"], "PROVENANCE_MAX_BODY");
  const feeCap = setting(flags["fee-cap"], "PROVENANCE_FEE_CAP");
  const leaseTtl = setting(flags["lease-ttl"], "PROVENANCE_LEASE_TTL");
  return {
    store: storeLocation(flags),
    rpcUrl: parseRpcUrl(requireSetting(setting(flags.rpc, "PROVENANCE_RPC_URL"), "--rpc", "PROVENANCE_RPC_URL")),
    chainId: parseInteger(chainId, "--chain-id", 1),
    registry: parseRegistry(requireSetting(setting(flags.registry, "PROVENANCE_REGISTRY"), "--registry", "PROVENANCE_REGISTRY")),
    privateKey: parsePrivateKey(requireSetting(setting(flags["private-key"], "PROVENANCE_PRIVATE_KEY"), "--private-key", "PROVENANCE_PRIVATE_KEY")),
    orgIds: orgs,
    listen: parseListen(setting(flags.listen, "PROVENANCE_LISTEN", "127.0.0.1:8080")!),
    confirmations: confirmations(flags),
    rpcTimeoutMs: timeoutMs(flags),
    logger: createLogger({ level }),
    handleSignals: true,
    ...(interval === undefined ? {} : { intervalMs: parseDuration(interval, "--interval") }),
    ...(batchSize === undefined ? {} : { batchSize: parseInteger(batchSize, "--batch-size", 1, 2 ** 25) }),
    ...(maxBody === undefined ? {} : { maxBodyBytes: parseByteSize(maxBody, "--max-body") }),
    ...(feeCap === undefined ? {} : { maxFeePerGasWei: parseGwei(feeCap, "--fee-cap (gwei)") }),
    ...(leaseTtl === undefined ? {} : { leaseTtlMs: parseDuration(leaseTtl, "--lease-ttl") }),
  };
}

/** `provenance serve`: runs the anchoring service until SIGTERM or SIGINT. */
export async function serve({ flags, out }: CommandContext): Promise<void> {
  const service = await startService(serveConfig(flags));
  // Under --json: one document once listening (logs are JSON lines on stderr).
  out.result({ url: service.url, openapi: `${service.url}/openapi.json` }, [
    `provenance serve: listening on ${service.url} (API at ${service.url}/openapi.json); stop with Ctrl-C or SIGTERM`,
  ]);
  await service.closed;
}

async function withServiceStore<T>(flags: ParsedFlags, body: (store: ServiceStore) => Promise<T>, options: { existing?: boolean } = {}): Promise<T> {
  const location = storeLocation(flags);
  // Listing, revoking and checking never create an empty SQLite store where none was.
  if (options.existing && !isPostgresLocation(location) && !existsSync(location))
    throw new StoreError("NOT_FOUND", `no service store at ${location}: pass the store \`serve\` uses (--store or PROVENANCE_STORE)`);
  const store = await openServiceStore(location);
  try {
    return await body(store);
  } finally {
    await store.close();
  }
}

/** `provenance token create --org N --name NAME`: prints the new token once; the store keeps its SHA-256. */
export async function tokenCreate({ flags, out }: CommandContext): Promise<void> {
  const orgs = orgIds(flags);
  if (orgs.length !== 1) invalidArgument("usage: provenance token create --org <id> --name <name> (a token belongs to exactly one organisation)");
  const name = flags.name?.trim();
  if (!name || name.length > 100) invalidArgument("--name must be 1 to 100 characters: what the token is for (e.g. ci-pipeline)");
  await withServiceStore(flags, async (store) => {
    const token = generateApiToken();
    const stored = await store.createToken({ orgId: orgs[0]!, name, tokenHash: hashApiToken(token) });
    out.result({ ...stored, token }, [
      `Created token ${stored.id} "${stored.name}" for organisation ${stored.orgId}:`,
      "",
      `  ${token}`,
      "",
      "It is shown only now: the store keeps its SHA-256, not the token. Send it as Authorization: Bearer <token>.",
    ]);
  });
}

/** `provenance token list [--org N]`: live tokens (never the secrets). */
export async function tokenList({ flags, out }: CommandContext): Promise<void> {
  const orgs = orgIds(flags);
  if (orgs.length > 1) invalidArgument("token list takes at most one --org");
  await withServiceStore(
    flags,
    async (store) => {
      const tokens = await store.listTokens(orgs[0]);
      out.result(
        { tokens },
        tokens.length === 0 ? ["No live tokens."] : tokens.map((t) => `${String(t.id).padStart(4)}  organisation ${t.orgId}  ${t.createdAt}  ${t.name}`),
      );
    },
    { existing: true },
  );
}

/** `provenance token revoke <id>`: effective for the next request. */
export async function tokenRevoke({ flags, args, out }: CommandContext): Promise<void> {
  if (args[0] === undefined) invalidArgument("usage: provenance token revoke <id> (see provenance token list)");
  const id = parseInteger(args[0], "<id>", 1);
  await withServiceStore(
    flags,
    async (store) => {
      if (!(await store.revokeToken(id))) invalidArgument(`no live token ${id} in ${store.description} (already revoked, or never created)`);
      out.result({ revoked: id }, [`Revoked token ${id}.`]);
    },
    { existing: true },
  );
}

/**
 * `provenance store check --rpc URL --registry ADDR --chain-id N [--store …]`: after restoring a
 * service store from a backup, checks every stored batch against its own tree and the chain.
 * Exit 0 when everything matches, 1 when a batch disagrees (each one named).
 */
export async function storeCheck({ flags, out }: CommandContext): Promise<number> {
  const rpc = parseRpcUrl(requireSetting(setting(flags.rpc, "PROVENANCE_RPC_URL"), "--rpc", "PROVENANCE_RPC_URL"));
  const registry = parseRegistry(requireSetting(setting(flags.registry, "PROVENANCE_REGISTRY"), "--registry", "PROVENANCE_REGISTRY"));
  const chainId = parseInteger(requireSetting(setting(flags["chain-id"], "PROVENANCE_CHAIN_ID"), "--chain-id", "PROVENANCE_CHAIN_ID"), "--chain-id", 1);
  const chain = connectReader(rpc, timeoutMs(flags));
  const served = await chain.getChainId();
  if (served !== chainId) throw new ChainError("CHAIN_ID_MISMATCH", `the node at ${redactUrl(rpc)} serves chain ${served}, not ${chainId}`);
  return withServiceStore(
    flags,
    async (store) => {
      const result = await checkStore({ store, chain, registry, chainId });
      out.result({ ok: result.problems.length === 0, store: store.description, ...result }, [
        result.problems.length === 0
          ? `OK: ${store.description}: ${result.batches} batch(es); ${result.matched} anchored exactly as stored, ${result.sealed} sealed and not anchored yet`
          : `MISMATCH: ${store.description}: ${result.problems.length} of ${result.batches} batch(es) disagree with the chain or their tree:`,
        ...result.problems.map((p) => `  batch ${p.batchId} (root ${p.root}): ${p.problem}`),
      ]);
      return result.problems.length === 0 ? 0 : 1;
    },
    { existing: true },
  );
}
