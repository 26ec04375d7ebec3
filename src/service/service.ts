import { existsSync, readFileSync } from "node:fs";
import { type Server, createServer } from "node:http";
import { fileURLToPath } from "node:url";
import { isAnchorer, readOrganisation } from "../chain/registry.js";
import { connectWriter } from "../chain/connect.js";
import { BaseError } from "../core/errors/base.js";
import { ChainError, redactUrl } from "../core/errors/chain.js";
import { InputError, invalid } from "../core/errors/input.js";
import { StoreError } from "../core/errors/store.js";
import { type Hex, hexEquals } from "../core/hex.js";
import { createAnchorer } from "./anchorer/anchorer.js";
import { DEFAULT_FEE_POLICY } from "../ledger/anchoring/feePolicy.js";
import { createHttpApi } from "./http/httpApi.js";
import { createIngestQueue } from "./ingestQueue.js";
import { isDeadLocalHolder, leaseHolderName, thisProcess } from "./leaseHolder.js";
import { silentLogger } from "./logger.js";
import { type ServiceMetrics, createServiceMetrics } from "./metrics.js";
import { openServiceStore } from "./store/openServiceStore.js";
import type { ServiceStore } from "./store/serviceStore.js";
import type { SqliteServiceStoreOptions } from "./store/sqlite.js";
import type { Logger } from "./types.js";

/** Store meta keys pinning what a store was first used with. */
export const PINNED_CHAIN_ID = "chain_id";
export const PINNED_REGISTRY = "registry";

/** Fees unless configured: replacements 12 % higher, at most 200 gwei per gas, a transaction unmined for a minute rebroadcast or replaced. */
export { DEFAULT_FEE_POLICY } from "../ledger/anchoring/feePolicy.js";

/** The lease every instance competes for; its holder is the one anchorer. */
export const ANCHOR_LEASE = "anchorer";

export type ServiceConfig = {
  /** A SQLite file path or a `postgres://` URL (opened and closed by the service), or an open store (left open). */
  readonly store: string | ServiceStore;
  /** Options for a SQLite store opened from a path (a size quota, read-only: also how tests make a full disk; the ingest thread is on unless `ingestThread: false`). */
  readonly sqlite?: SqliteServiceStoreOptions | undefined;
  readonly rpcUrl: string;
  /** The chain the service anchors on: the node must serve it, and the store must not have been used with another. */
  readonly chainId: number;
  readonly registry: Hex;
  /** The anchoring account's key: an anchorer of every served organisation. Never logged. */
  readonly privateKey: Hex;
  /** Organisations served: tokens of others are refused, and the anchorer seals and anchors for these. */
  readonly orgIds: readonly number[];
  /** Where to listen (default 127.0.0.1:8080; port 0 picks a free port). */
  readonly listen?: { readonly host: string; readonly port: number } | undefined;
  /** How often the anchorer seals and anchors (default 10 s). */
  readonly intervalMs?: number | undefined;
  /** Most entries per batch; also how many pending entries trigger sealing before the interval (default 10000). */
  readonly batchSize?: number | undefined;
  /** Confirmations before an entry is `confirmed` and its receipt issued (default 1). */
  readonly confirmations?: number | undefined;
  /** Highest max fee per gas (wei) the anchorer will pay, fee bumps included (default 200 gwei). */
  readonly maxFeePerGasWei?: bigint | undefined;
  /** How long the anchoring lease lasts without renewal (default 30 s). */
  readonly leaseTtlMs?: number | undefined;
  /**
   * This instance's lease holder name (default host/pid/random plus boot, PID namespace and start
   * time: a restart on the same host takes over the lease of its killed predecessor at once).
   */
  readonly instanceId?: string | undefined;
  /** Request body limit (default 1 MiB). */
  readonly maxBodyBytes?: number | undefined;
  /** Per JSON-RPC request (default 30 s). */
  readonly rpcTimeoutMs?: number | undefined;
  /** How long shutdown waits for requests in flight (default 10 s). */
  readonly drainTimeoutMs?: number | undefined;
  readonly logger?: Logger | undefined;
  /** Close on SIGTERM and SIGINT (the CLI); off by default for embedding and tests. */
  readonly handleSignals?: boolean | undefined;
};

export type RunningService = {
  /** `http://host:port` the API answers on. */
  readonly url: string;
  readonly store: ServiceStore;
  readonly metrics: ServiceMetrics;
  /** Graceful shutdown: stop accepting, answer requests in flight, drain the ingest queue, stop the anchorer, close the store. Idempotent. */
  close(): Promise<void>;
  /** Resolves once the service has shut down (by `close` or a signal). */
  readonly closed: Promise<void>;
};

/**
 * Starts the anchoring service: checks that the node serves the configured chain (refusing to
 * start otherwise), opens the store and pins the chain ID and registry in it (refusing a store
 * used with another chain or registry), checks every served organisation is registered with this
 * account as an anchorer, then serves the HTTP API and runs the anchorer. Every instance ingests;
 * the one holding the store's lease anchors.
 *
 * @example
 * import { startService } from "./service/service.js";
 * const service = await startService({ store: "/var/lib/provenance/service.db", rpcUrl, chainId: 31337, registry, privateKey, orgIds: [1] });
 * console.log(`listening on ${service.url}`);
 * await service.close();
 */
export async function startService(config: ServiceConfig): Promise<RunningService> {
  const logger = config.logger ?? silentLogger;
  const rpcTimeoutMs = config.rpcTimeoutMs ?? 30_000;
  const confirmations = config.confirmations ?? 1;
  if (config.orgIds.length === 0) invalid("INVALID_ARGUMENT", "the service needs at least one organisation to serve");

  // 1. The chain: the node must serve the configured chain before anything is touched.
  const where = redactUrl(config.rpcUrl);
  const writer = await connectWriter(config.rpcUrl, config.privateKey, rpcTimeoutMs); // names the (redacted) URL if unreachable
  const nodeChainId = await writer.getChainId();
  if (nodeChainId !== config.chainId)
    throw new ChainError(
      "CHAIN_ID_MISMATCH",
      `the node at ${where} serves chain ${nodeChainId}, but the service is configured for chain ${config.chainId}; refusing to start`,
    );

  // 2. The store, pinned to this chain and registry on first use.
  const ownStore = typeof config.store === "string";
  // SQLite: group commits run on an ingest thread, so the event loop parses requests during each fsync.
  const store = typeof config.store === "string" ? await openServiceStore(config.store, { sqlite: { ingestThread: true, ...config.sqlite } }) : config.store;
  try {
    await pin(
      store,
      PINNED_CHAIN_ID,
      String(config.chainId),
      (was) =>
        new ChainError(
          "CHAIN_ID_MISMATCH",
          `the store ${store.description} was used with chain ${was}; this service is configured for chain ${config.chainId}; refusing to start`,
        ),
    );
    await pin(
      store,
      PINNED_REGISTRY,
      config.registry.toLowerCase(),
      (was) =>
        new StoreError(
          "STORE_CONFLICT",
          `the store ${store.description} anchors in registry ${was}, not ${config.registry}; use another store for another registry`,
        ),
    );
    // 3. Every organisation exists and this account may anchor for it.
    for (const orgId of config.orgIds) {
      if (!(await readOrganisation(writer, config.registry, orgId)))
        invalid("INVALID_ARGUMENT", `organisation ${orgId} is not registered in ${config.registry} on chain ${config.chainId}`);
      if (!(await isAnchorer(writer, config.registry, orgId, writer.account)))
        invalid(
          "INVALID_ARGUMENT",
          `account ${writer.account} is not an anchorer of organisation ${orgId}: its admin must add it before this service can anchor`,
        );
    }
  } catch (error) {
    if (ownStore) await store.close();
    throw error;
  }

  // 4. Metrics, ingest, anchorer, HTTP.
  const metrics = createServiceMetrics();
  const ingest = createIngestQueue({
    store,
    onCommit: (c) => {
      if (c.error !== undefined)
        logger.error("ingest commit failed; nothing of it was acknowledged", { requests: c.requests, entries: c.entries, error: c.error });
    },
  });
  // This process (host, boot, PID namespace, PID, start time), read from /proc once: it names the
  // lease holder and tells a killed predecessor's lease from a live instance's.
  const self = thisProcess();
  const anchorer = createAnchorer({
    store,
    writer,
    registry: config.registry,
    chainId: config.chainId,
    orgIds: config.orgIds,
    intervalMs: config.intervalMs ?? 10_000,
    maxPending: config.batchSize ?? 10_000,
    maxLeaves: config.batchSize ?? 10_000,
    confirmations,
    fees: { ...DEFAULT_FEE_POLICY, ...(config.maxFeePerGasWei === undefined ? {} : { maxFeePerGasCap: config.maxFeePerGasWei }) },
    leaseName: ANCHOR_LEASE,
    leaseHolder: config.instanceId ?? leaseHolderName(self),
    isDeadHolder: (holder) => isDeadLocalHolder(holder, self),
    leaseTtlMs: config.leaseTtlMs ?? 30_000,
    logger,
    // The anchorer logs its own work; the events feed the metrics.
    events: metrics.anchorerEvents,
  });
  const api = createHttpApi({
    store,
    ingest,
    chain: writer,
    chainId: config.chainId,
    registry: config.registry,
    confirmations,
    orgIds: config.orgIds,
    metrics,
    logger,
    openApiDocument: readOpenApiDocument(),
    maxBodyBytes: config.maxBodyBytes,
    onIngested: (orgId, count) => anchorer.notifyIngested(orgId, count),
    anchorerStatus: () => anchorer.status(),
  });
  const server = createServer({ requestTimeout: 60_000, headersTimeout: 20_000, keepAliveTimeout: 5_000 }, (request, response) =>
    api.handle(request, response),
  );
  const listen = config.listen ?? { host: "127.0.0.1", port: 8080 };
  try {
    await listenOn(server, listen.host, listen.port);
  } catch (error) {
    if (ownStore) await store.close();
    throw error;
  }
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : listen.port;
  const url = `http://${listen.host.includes(":") ? `[${listen.host}]` : listen.host}:${port}`;
  // Not awaited: the anchorer retries an unreachable node or store with backoff while ingestion
  // goes on (/readyz reports it). Fatal misconfigurations were refused above, before listening.
  anchorer.start().catch((error: unknown) => logger.error("the anchorer stopped; entries are still accepted but not anchored", { error }));
  logger.info("service started", {
    url,
    store: store.description,
    rpc: where,
    chainId: config.chainId,
    registry: config.registry,
    orgIds: config.orgIds,
    anchorer: writer.account,
  });
  // A store without tokens refuses every request (401): the usual cause is `token create` run against another store.
  const tokenOrgs = new Set((await store.listTokens().catch(() => null))?.map((t) => t.orgId) ?? config.orgIds);
  const tokenless = config.orgIds.filter((id) => !tokenOrgs.has(id));
  if (tokenless.length > 0)
    logger.warn(
      "the store holds no API token for these organisations: their requests will be refused (401) until one is created with `provenance token create --org <id> --name <name> --store <this store>`",
      {
        store: store.description,
        orgIds: tokenless,
      },
    );

  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  let closing: Promise<void> | null = null;
  const onSignal = (signal: NodeJS.Signals): void => {
    logger.info("signal received: shutting down", { signal });
    void close();
  };
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      if (config.handleSignals) {
        process.off("SIGTERM", onSignal);
        process.off("SIGINT", onSignal);
      }
      // Stop accepting, answer what is in flight, then commit what is queued: every acknowledged entry is stored.
      api.drain();
      const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const drained = await Promise.race([api.idle().then(() => true), sleep(config.drainTimeoutMs ?? 10_000).then(() => false)]);
      if (!drained) logger.warn("requests still in flight after the drain timeout; closing their connections");
      server.closeAllConnections();
      await serverClosed;
      await ingest.close();
      await anchorer.stop();
      if (ownStore) await store.close();
      logger.info("service stopped");
      resolveClosed();
    })());
  if (config.handleSignals) {
    process.once("SIGTERM", onSignal);
    process.once("SIGINT", onSignal);
  }
  return { url, store, metrics, close, closed };
}

/** `host:port`, `[v6]:port`, `:port` or `port` (host 127.0.0.1). */
export function parseListen(value: string): { host: string; port: number } {
  const match = /^(?:(\[[0-9a-fA-F:.]+\]|[^:[\]]*):)?(\d{1,5})$/.exec(value.trim());
  const port = match ? Number(match[2]) : NaN;
  if (!match || port > 65535) invalid("INVALID_ARGUMENT", `--listen must look like 127.0.0.1:8080, [::1]:8080 or :8080, got "${value}"`);
  const host = match[1] === undefined || match[1] === "" ? "127.0.0.1" : match[1].replace(/^\[|\]$/g, "");
  return { host, port };
}

/** Sets `key` on first use; refuses (with `refuse(previous)`) a store pinned to another value. */
async function pin(store: ServiceStore, key: string, value: string, refuse: (previous: string) => Error): Promise<void> {
  const previous = await store.getMeta(key);
  if (previous === null) await store.setMeta(key, value);
  else if (previous !== value && !(previous.startsWith("0x") && hexEquals(previous, value))) throw refuse(previous);
}

/** docs/openapi.json, next to src/ (from source) or dist/src/ (built). */
function readOpenApiDocument(): string {
  const file = ["../../docs/openapi.json", "../../../docs/openapi.json"].map((p) => fileURLToPath(new URL(p, import.meta.url))).find((p) => existsSync(p));
  if (!file) throw new BaseError("OPENAPI_MISSING", "docs/openapi.json is missing from this installation (reinstall the package)");
  return readFileSync(file, "utf8");
}

function listenOn(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    // The usual causes (port taken, no permission, no such address) are the caller's to fix: one line, no stack.
    const refuse = (error: NodeJS.ErrnoException) => {
      const why = {
        EADDRINUSE: "the address is already in use (another process listens there)",
        EACCES: "permission denied (a port below 1024?)",
        EADDRNOTAVAIL: "no such local address",
      }[error.code ?? ""];
      reject(
        why
          ? new InputError("INVALID_ARGUMENT", `cannot listen on ${host}:${port}: ${why}; choose another with --listen or PROVENANCE_LISTEN`, { cause: error })
          : error,
      );
    };
    server.once("error", refuse);
    server.listen(port, host, () => {
      server.off("error", refuse);
      resolve();
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
