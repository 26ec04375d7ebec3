import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { assembleReceipt } from "../assembleReceipt.js";
import { type PublicKeyInfo, parsePublicKeyInfo } from "../attestation/keys.js";
import { canonicalJson } from "../canonicalJson.js";
import type { ChainReader } from "../chain/types.js";
import { type LedgerEntry, describeEntry, entryHash, entryJson, entrySubjectSha256, entrySubjects, parseEntry } from "../entry.js";
import { BaseError, describeCause } from "../errors/base.js";
import { ChainError } from "../errors/chain.js";
import { InputError } from "../errors/input.js";
import { StoreError } from "../errors/store.js";
import { VerificationError } from "../errors/verification.js";
import type { Hex } from "../hex.js";
import { recordLeaf } from "../merkle/leaf.js";
import { parseJson, parseJsonBytes } from "../json/parseJson.js";
import { parseReceipt, serializeReceipt } from "../receipt.js";
import { expectArray, expectObject, expectSha256, expectString } from "../validate.js";
import { type VerifiedSigner, verifyAttestation } from "../verify/verifyAttestation.js";
import { type VerifiedReceipt, verifyReceipt } from "../verify/verifyReceipt.js";
import type { AnchorerState } from "./anchorer.js";
import { hashApiToken, isApiToken } from "./apiToken.js";
import { type ErrorBody, errorBody as sharedErrorBody } from "../errors/errorBody.js";
import { HttpError } from "./httpError.js";
import type { IngestQueue } from "./ingestQueue.js";
import { PROMETHEUS_CONTENT_TYPE, type ServiceMetrics } from "./metrics.js";
import type { AddEntryResult, NewEntry, ServiceStore, StoredEntry } from "./serviceStore.js";
import type { Logger } from "./types.js";

/** Default request body limit: 1 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/** Most entries in one `POST /v1/entries:batch`. */
export const MAX_BATCH_ENTRIES = 1000;
/** Most public keys in one `POST /v1/verify`. */
export const MAX_VERIFY_PUBLIC_KEYS = 64;

export type CreateHttpApiParameters = {
  readonly store: ServiceStore;
  readonly ingest: IngestQueue;
  /** Used by `/v1/verify` and `/readyz`: the service's own node. */
  readonly chain: ChainReader;
  /** The pins `/v1/verify` checks receipts against (never the receipt's own claims). */
  readonly chainId: number;
  readonly registry: Hex;
  /** Confirmations a receipt needs (`/v1/verify`); shown in entry status. */
  readonly confirmations: number;
  /** Organisations this instance serves; a token of another organisation gets 403. */
  readonly orgIds: readonly number[];
  readonly metrics: ServiceMetrics;
  readonly logger: Logger;
  /** The OpenAPI document served at `/openapi.json` (docs/openapi.json). */
  readonly openApiDocument: string;
  readonly maxBodyBytes?: number | undefined;
  /** Entries were stored (the anchorer's `notifyIngested`). */
  readonly onIngested?: ((orgId: number, count: number) => void) | undefined;
  /** The anchorer's state for `/readyz` (running, lease, last failure) and `/metrics`. */
  readonly anchorerStatus?: (() => AnchorerState) | undefined;
  /** Per check of `/readyz` (default 2000 ms). */
  readonly readinessTimeoutMs?: number | undefined;
};

/** The HTTP API as a request handler for `node:http`. */
export type HttpApi = {
  handle(request: IncomingMessage, response: ServerResponse): void;
  /** Shutdown has begun: refuse new entries (503 SHUTTING_DOWN), report not ready, close connections after each answer. */
  drain(): void;
  /** Resolves once no request is being handled. */
  idle(): Promise<void>;
};

type Method = "GET" | "POST";
type Context = { readonly request: IncomingMessage; readonly params: Readonly<Record<string, string>>; readonly orgId: number };
type Reply = { readonly status: number; readonly body: unknown; readonly contentType?: string; readonly headers?: Record<string, string> };
type Route = { readonly method: Method; readonly path: string; readonly segments: readonly string[]; readonly auth: boolean; readonly handler: (context: Context) => Promise<Reply> };

/** Every route the API answers (method and path template), as docs/openapi.json must describe them. */
export const ROUTES: readonly { readonly method: Method; readonly path: string }[] = [
  { method: "POST", path: "/v1/entries" },
  { method: "POST", path: "/v1/entries:batch" },
  { method: "GET", path: "/v1/entries/{entryHash}" },
  { method: "GET", path: "/v1/entries/{entryHash}/receipt" },
  { method: "POST", path: "/v1/verify" },
  { method: "GET", path: "/healthz" },
  { method: "GET", path: "/readyz" },
  { method: "GET", path: "/metrics" },
  { method: "GET", path: "/openapi.json" },
];

/**
 * The anchoring service's HTTP API (docs/service-api.md, docs/openapi.json), on plain `node:http`.
 * Every `/v1` route needs `Authorization: Bearer <token>`; the token's organisation is the only one
 * the request sees (another organisation's entry is 404, as if it did not exist). Entries are
 * acknowledged only after the transaction holding them committed (group commit through `ingest`);
 * a store that cannot write answers 503 and nothing is acknowledged.
 *
 * Envelopes are checked for shape, statement and predicate here, not for their signatures: a
 * signature means something only against the keys the organisation registered on chain at the
 * anchor block, which verifiers (`verifyAttestation`, `POST /v1/verify`) check.
 *
 * @example
 * import { createServer } from "node:http";
 * import { createHttpApi } from "./service/httpApi.js";
 * const api = createHttpApi({ store, ingest, chain, chainId, registry, confirmations: 2, orgIds: [1], metrics, logger, openApiDocument });
 * createServer((req, res) => api.handle(req, res)).listen(8080);
 */
export function createHttpApi(parameters: CreateHttpApiParameters): HttpApi {
  const { store, ingest, metrics, logger } = parameters;
  const maxBodyBytes = parameters.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const readinessTimeoutMs = parameters.readinessTimeoutMs ?? 2000;
  let draining = false;
  let inFlight = 0;
  let idleWaiters: (() => void)[] = [];

  // ---- /v1 ----------------------------------------------------------------------------------

  const ingestEntries = async (orgId: number, entries: readonly NewEntry[]): Promise<AddEntryResult[]> => {
    if (draining) throw new HttpError(503, "SHUTTING_DOWN", "the service is shutting down; send the entry again (to another instance)", { headers: { "retry-after": "1" } });
    const results = await ingest.add(entries);
    const counts = { created: 0, existing: 0, conflict: 0 };
    for (const r of results) counts[r.status]++;
    for (const status of ["created", "existing", "conflict"] as const) metrics.observeIngested(orgId, status, counts[status]);
    if (counts.created > 0) parameters.onIngested?.(orgId, counts.created);
    return results;
  };

  /** The lifecycle status to report for a stored result (`pending` when just created). */
  const statusOf = async (orgId: number, result: Extract<AddEntryResult, { status: "created" | "existing" }>): Promise<StoredEntry["status"]> => {
    if (result.status === "created") return "pending";
    return (await store.getEntry(orgId, result.entryHash))?.status ?? "pending";
  };

  const postEntry = async ({ request, orgId }: Context): Promise<Reply> => {
    const body = await readJson(request, maxBodyBytes);
    const o = expectObject(body, "$", "INVALID_ARGUMENT", { allowed: ["record", "envelope"] });
    const idempotencyKey = idempotencyKeyHeader(request);
    const [result] = await ingestEntries(orgId, [newEntry(orgId, entryOfRequest(o, "$"), idempotencyKey)]);
    if (result!.status === "conflict") throw conflict(idempotencyKey!, result!.existingEntryHash, "Idempotency-Key");
    const view = entryView(result!.entryHash, await statusOf(orgId, result!), result!.receivedAt);
    return { status: result!.status === "created" ? 201 : 200, body: view, headers: { location: view.links.self } };
  };

  const postEntriesBatch = async ({ request, orgId }: Context): Promise<Reply> => {
    if (request.headers["idempotency-key"] !== undefined)
      throw new HttpError(400, "INVALID_IDEMPOTENCY_KEY", "a batch takes an idempotencyKey per entry, not an Idempotency-Key header", { path: "Idempotency-Key" });
    const body = await readJson(request, maxBodyBytes);
    const o = expectObject(body, "$", "INVALID_ARGUMENT", { required: ["entries"] });
    const items = expectArray(o.entries, "$.entries", "INVALID_ARGUMENT", 1, MAX_BATCH_ENTRIES);
    // All or nothing: one invalid entry refuses the batch (naming it) before anything is stored.
    const entries = items.map((item, i) => {
      const path = `$.entries[${i}]`;
      const fields = expectObject(item, path, "INVALID_ARGUMENT", { allowed: ["record", "envelope", "idempotencyKey"] });
      const key = fields.idempotencyKey === undefined ? undefined : checkIdempotencyKey(fields.idempotencyKey, `${path}.idempotencyKey`);
      return newEntry(orgId, entryOfRequest(fields, path), key);
    });
    const results = await ingestEntries(orgId, entries);
    const views = await Promise.all(
      results.map(async (r, i) => {
        if (r.status === "conflict") {
          const e = conflict(entries[i]!.idempotencyKey!, r.existingEntryHash, `$.entries[${i}].idempotencyKey`);
          return { result: "conflict", error: errorBody(e).error, existingId: r.existingEntryHash };
        }
        return { result: r.status, ...entryView(r.entryHash, await statusOf(orgId, r), r.receivedAt) };
      }),
    );
    return { status: 200, body: { entries: views } };
  };

  const getEntry = async ({ params, orgId }: Context): Promise<Reply> => {
    const stored = await findEntry(orgId, params.entryHash!);
    const batch = stored.batchId === null ? null : await store.getBatch(stored.batchId);
    const anchored = (stored.status === "anchored" || stored.status === "confirmed") && batch?.anchor ? batch.anchor : null;
    return {
      status: 200,
      body: {
        ...entryView(stored.entryHash, stored.status, stored.receivedAt),
        kind: stored.kind,
        subjectSha256: stored.subjectSha256,
        leaf: stored.leaf,
        batchId: stored.batchId,
        ...(anchored ? { anchor: anchored } : {}),
        ...(stored.status === "confirmed" && batch?.confirmedAt ? { confirmedAt: batch.confirmedAt } : {}),
        requiredConfirmations: parameters.confirmations,
      },
    };
  };

  const getReceipt = async ({ params, orgId }: Context): Promise<Reply> => {
    const stored = await findEntry(orgId, params.entryHash!);
    if (stored.status !== "confirmed")
      throw new HttpError(409, "NOT_CONFIRMED", `entry ${stored.entryHash} is ${stored.status}: its receipt is issued once its batch is anchored with ${parameters.confirmations} confirmation(s)`, {
        extra: { status: stored.status },
      });
    const batch = stored.batchId === null ? null : await store.getBatch(stored.batchId);
    if (!batch?.anchor) throw new HttpError(500, "STORE_INCONSISTENT", `entry ${stored.entryHash} is confirmed but its batch ${stored.batchId} has no anchor`);
    const receipt = assembleReceipt({ entry: storedEntry(stored), leaf: stored.leaf, batch: { ...batch, anchor: batch.anchor }, tree: await store.getBatchTree(batch.id) });
    return { status: 200, body: serializeReceipt(receipt), contentType: "application/json" };
  };

  const postVerify = async ({ request }: Context): Promise<Reply> => {
    const body = await readJson(request, maxBodyBytes);
    const o = expectObject(body, "$", "INVALID_ARGUMENT", { required: ["receipt"], allowed: ["artifactSha256", "publicKeys"] });
    const receipt = atPath("$", () => parseReceipt(o.receipt));
    const artifactSha256 = o.artifactSha256 === undefined ? undefined : expectSha256(o.artifactSha256, "$.artifactSha256", "INVALID_ARGUMENT");
    const publicKeys: PublicKeyInfo[] | undefined =
      o.publicKeys === undefined
        ? undefined
        : expectArray(o.publicKeys, "$.publicKeys", "INVALID_ARGUMENT", 0, MAX_VERIFY_PUBLIC_KEYS).map((k, i) => parsePublicKeyInfo(k, `$.publicKeys[${i}]`));
    const common = { receipt, artifactSha256, chain: parameters.chain, chainId: parameters.chainId, registry: parameters.registry, confirmations: parameters.confirmations };
    let result: VerifiedReceipt;
    let signers: readonly VerifiedSigner[] | undefined;
    try {
      if (receipt.envelope !== undefined) {
        const attestation = await verifyAttestation({ ...common, publicKeys });
        signers = attestation.signers;
        result = attestation;
      } else result = await verifyReceipt(common);
    } catch (error) {
      if (error instanceof VerificationError) return { status: 422, body: { verified: false, check: error.check, message: error.shortMessage } };
      // "Could not check" is never "not verified", and never "verified".
      if (error instanceof ChainError) throw new HttpError(503, "CHAIN_UNAVAILABLE", `could not verify: the chain did not answer (${error.shortMessage})`, { cause: error, headers: { "retry-after": "5" } });
      throw error;
    }
    return {
      status: 200,
      body: {
        verified: true,
        kind: result.entry.kind,
        entryHash: entryHash(result.entry),
        description: describeEntry(result.entry),
        subjects: entrySubjects(result.entry),
        organisation: result.organisation,
        chainId: result.chainId,
        registry: result.registry,
        sequence: result.sequence,
        root: result.root,
        txHash: result.txHash,
        blockNumber: result.blockNumber,
        blockHash: result.blockHash,
        timestamp: result.timestamp,
        confirmations: result.confirmations,
        artifactChecked: artifactSha256 !== undefined,
        // The service reads no model files: a supplied digest is "digest-only" (issue 9), never "files".
        artifact: result.artifact,
        checks: result.checks,
        ...(signers ? { signers: signers.map((s) => ({ algorithm: s.algorithm, keyid: s.keyid, role: s.role, registeredAt: s.registeredAt })) } : {}),
      },
    };
  };

  const findEntry = async (orgId: number, raw: string): Promise<StoredEntry> => {
    if (!/^0x[0-9a-fA-F]{64}$/.test(raw)) throw new InputError("INVALID_ARGUMENT", "an entry id is 0x + 64 hex digits (the entry's SHA-256)", { path: "entryHash" });
    const hash = raw.toLowerCase() as Hex;
    const stored = await store.getEntry(orgId, hash);
    // Another organisation's entry answers exactly like one that does not exist.
    if (!stored) throw new HttpError(404, "NOT_FOUND", `no entry ${hash} in this organisation`);
    return stored;
  };

  // ---- operations -----------------------------------------------------------------------------

  const healthz = async (): Promise<Reply> => ({ status: 200, body: { status: "ok" } });

  const readyz = async (): Promise<Reply> => {
    const reasons: string[] = [];
    const checks: Record<string, unknown> = {};
    const [storeCheck, chainCheck] = await Promise.allSettled([
      withTimeout(store.getMeta("chain_id"), readinessTimeoutMs, "the store"),
      withTimeout(parameters.chain.getChainId(), readinessTimeoutMs, "the chain node"),
    ]);
    checks.store = storeCheck.status === "fulfilled" ? "ok" : describeCause(storeCheck.reason);
    if (storeCheck.status === "rejected") reasons.push(`store: ${describeCause(storeCheck.reason)}`);
    if (chainCheck.status === "rejected") {
      checks.chain = describeCause(chainCheck.reason);
      reasons.push(`chain: ${describeCause(chainCheck.reason)}`);
    } else if (chainCheck.value !== parameters.chainId) {
      checks.chain = `serves chain ${chainCheck.value}`;
      reasons.push(`chain: the node serves chain ${chainCheck.value}, not the configured ${parameters.chainId}`);
    } else checks.chain = "ok";
    const anchorer = parameters.anchorerStatus?.();
    if (anchorer) {
      checks.anchorer = { running: anchorer.running, leader: anchorer.leader ?? null, ...(anchorer.problem ? { problem: anchorer.problem } : {}) };
      if (!anchorer.running) reasons.push("anchorer: not running");
      if (anchorer.problem) reasons.push(`anchorer: ${anchorer.problem}`);
    }
    if (draining) reasons.push("shutting down");
    const ready = reasons.length === 0;
    return { status: ready ? 200 : 503, body: { ready, checks, ...(ready ? {} : { reasons }) } };
  };

  const metricsRoute = async (): Promise<Reply> => {
    const pending = await store.pendingStats().catch((error: unknown) => {
      logger.warn("metrics: the store did not answer pendingStats", { error });
      return null;
    });
    const text = metrics.render({ pending, orgIds: parameters.orgIds, anchorerLeader: parameters.anchorerStatus?.().leader, now: new Date() });
    return { status: 200, body: text, contentType: PROMETHEUS_CONTENT_TYPE };
  };

  const openApi = async (): Promise<Reply> => ({ status: 200, body: parameters.openApiDocument, contentType: "application/json" });

  const handlers: Record<string, Route["handler"]> = {
    "POST /v1/entries": postEntry,
    "POST /v1/entries:batch": postEntriesBatch,
    "GET /v1/entries/{entryHash}": getEntry,
    "GET /v1/entries/{entryHash}/receipt": getReceipt,
    "POST /v1/verify": postVerify,
    "GET /healthz": healthz,
    "GET /readyz": readyz,
    "GET /metrics": metricsRoute,
    "GET /openapi.json": openApi,
  };
  const routes: Route[] = ROUTES.map((r) => ({ ...r, segments: r.path.split("/"), auth: r.path.startsWith("/v1/"), handler: handlers[`${r.method} ${r.path}`]! }));

  // ---- plumbing ---------------------------------------------------------------------------------

  const authenticate = async (request: IncomingMessage): Promise<number> => {
    const challenge = { "www-authenticate": 'Bearer realm="provenance"' };
    const header = request.headers.authorization;
    if (header === undefined) throw new HttpError(401, "UNAUTHENTICATED", "missing Authorization header: send Authorization: Bearer <token>", { headers: challenge, path: "Authorization" });
    const match = /^Bearer +(\S+) *$/i.exec(header);
    if (!match) throw new HttpError(401, "UNAUTHENTICATED", "the Authorization header must be Bearer <token>", { headers: challenge, path: "Authorization" });
    const token = match[1]!;
    if (!isApiToken(token)) throw new HttpError(401, "INVALID_TOKEN", "the bearer token is not a provenance API token (pvl_…)", { headers: challenge, path: "Authorization" });
    // Looked up by SHA-256: the store holds only hashes, and no comparison runs over the secret itself.
    const found = await store.findToken(hashApiToken(token));
    if (!found) throw new HttpError(401, "INVALID_TOKEN", "the token is unknown or revoked", { headers: challenge, path: "Authorization" });
    if (!parameters.orgIds.includes(found.orgId))
      throw new HttpError(403, "FORBIDDEN", `the token belongs to organisation ${found.orgId}, which this instance does not serve`, { path: "Authorization" });
    return found.orgId;
  };

  const dispatch = async (request: IncomingMessage, response: ServerResponse, label: { route: string; orgId?: number }): Promise<void> => {
    const pathname = new URL(request.url ?? "/", "http://service.invalid").pathname;
    const segments = pathname.split("/");
    const matched: { route: Route; params: Record<string, string> }[] = [];
    for (const route of routes) {
      const params = matchPath(route.segments, segments);
      if (params !== null) matched.push({ route, params });
    }
    if (matched.length === 0) throw new HttpError(404, "NOT_FOUND", `no route ${pathname}; the API is described at /openapi.json`);
    label.route = matched[0]!.route.path;
    const found = matched.find((m) => m.route.method === request.method);
    if (!found) {
      const allow = matched.map((m) => m.route.method).join(", ");
      throw new HttpError(405, "METHOD_NOT_ALLOWED", `${request.method} is not allowed on ${label.route}; allowed: ${allow}`, { headers: { allow } });
    }
    const orgId = found.route.auth ? await authenticate(request) : 0;
    if (orgId) label.orgId = orgId;
    send(response, await found.route.handler({ request, params: found.params, orgId }), draining);
  };

  return {
    handle(request, response) {
      const started = performance.now();
      const requestId = randomUUID();
      const label: { route: string; orgId?: number } = { route: "unmatched" };
      inFlight++;
      response.setHeader("x-request-id", requestId);
      response.once("close", () => {
        const seconds = (performance.now() - started) / 1000;
        metrics.observeHttp(label.route, response.statusCode, seconds);
        logger.debug("request", { requestId, method: request.method, route: label.route, status: response.statusCode, ms: Math.round(seconds * 1e4) / 10, org: label.orgId });
        if (--inFlight === 0) {
          const waiters = idleWaiters;
          idleWaiters = [];
          for (const w of waiters) w();
        }
      });
      dispatch(request, response, label).catch((error: unknown) => {
        const e = toHttpError(error);
        if (e.status >= 500) logger.error("request failed", { requestId, method: request.method, route: label.route, status: e.status, code: e.code, error });
        if (response.headersSent) response.destroy();
        else send(response, { status: e.status, body: errorBody(e), headers: { ...e.headers } }, draining || e.close);
      });
    },
    drain() {
      draining = true;
    },
    idle() {
      return inFlight === 0 ? Promise.resolve() : new Promise((resolve) => idleWaiters.push(resolve));
    },
  };
}

/** The JSON body of an entry's acknowledgement and status. */
function entryView(id: Hex, status: StoredEntry["status"], receivedAt: string) {
  return { id, status, receivedAt, links: { self: `/v1/entries/${id}`, receipt: `/v1/entries/${id}/receipt` } };
}

/** `{ record }` or `{ envelope }` of a request, validated (an envelope's statement and predicate too, not its signatures). */
function entryOfRequest(o: Record<string, unknown>, path: string): LedgerEntry {
  const hasRecord = o.record !== undefined;
  if (hasRecord === (o.envelope !== undefined)) throw new InputError("INVALID_ARGUMENT", "give exactly one of record or envelope", { path });
  const value = hasRecord ? o.record : o.envelope;
  const isEnvelope = value !== null && typeof value === "object" && !Array.isArray(value) && "payloadType" in value;
  if (hasRecord && isEnvelope) throw new InputError("INVALID_RECORD", "this is a DSSE envelope: send it as envelope, not record", { path: `${path}.record` });
  if (!hasRecord && !isEnvelope) throw new InputError("INVALID_ENVELOPE", "a DSSE envelope has payloadType, payload and signatures", { path: `${path}.envelope` });
  return parseEntry(value, `${path}.${hasRecord ? "record" : "envelope"}`);
}

function newEntry(orgId: number, entry: LedgerEntry, idempotencyKey: string | undefined): NewEntry {
  const hash = entryHash(entry);
  const subjectSha256 = entrySubjectSha256(entry);
  return {
    orgId,
    kind: entry.kind,
    entryHash: hash,
    // leafOfEntry(entry), without hashing the entry a second time.
    leaf: recordLeaf(`0x${subjectSha256}`, hash),
    subjectSha256,
    // Canonical JSON: the stored text is the entry exactly as hashed and as receipts will carry it.
    body: canonicalJson(entryJson(entry)),
    idempotencyKey,
  };
}

/** An entry as stored, parsed back; a stored entry that no longer parses is the store's fault, not the client's. */
function storedEntry(stored: StoredEntry): LedgerEntry {
  try {
    return parseEntry(parseJson(stored.body, "stored entry"));
  } catch (cause) {
    throw new HttpError(500, "STORE_INCONSISTENT", `the stored entry ${stored.entryHash} does not parse: ${describeCause(cause)}`, { cause });
  }
}

function idempotencyKeyHeader(request: IncomingMessage): string | undefined {
  const value = request.headers["idempotency-key"];
  if (value === undefined) return undefined;
  if (Array.isArray(value)) throw new HttpError(400, "INVALID_IDEMPOTENCY_KEY", "send one Idempotency-Key header", { path: "Idempotency-Key" });
  return checkIdempotencyKey(value, "Idempotency-Key");
}

function checkIdempotencyKey(value: unknown, path: string): string {
  if (typeof value !== "string" || !/^[\x20-\x7e]{1,200}$/.test(value))
    throw new HttpError(400, "INVALID_IDEMPOTENCY_KEY", "an idempotency key is 1 to 200 printable ASCII characters", { path });
  return value;
}

function conflict(key: string, existing: Hex, path: string): HttpError {
  return new HttpError(409, "IDEMPOTENCY_KEY_REUSED", `idempotency key ${JSON.stringify(key)} was already used for entry ${existing}, not this one; nothing was stored`, {
    path,
    extra: { existingId: existing },
  });
}

/** Reads and strictly parses a JSON request body (UTF-8, no duplicate keys, no lone surrogates). */
async function readJson(request: IncomingMessage, limit: number): Promise<unknown> {
  const type = request.headers["content-type"];
  const [media, ...params] = (type ?? "").split(";").map((s) => s.trim().toLowerCase());
  const charset = params.find((p) => p.startsWith("charset="))?.slice(8).replace(/"/g, "");
  if (media !== "application/json" || (charset !== undefined && charset !== "utf-8"))
    throw new HttpError(415, "UNSUPPORTED_MEDIA_TYPE", `expected Content-Type: application/json (UTF-8), got ${type === undefined ? "none" : JSON.stringify(type)}`, { path: "Content-Type" });
  return parseJsonBytes(await readBody(request, limit), "request body");
}

/**
 * The request body, at most `limit` bytes. Beyond it: 413. A moderately oversized body is read to
 * its end and discarded, so the client sees the answer (not a reset) and the connection stays
 * usable; a huge one is cut off and the connection closed.
 */
function readBody(request: IncomingMessage, limit: number): Promise<Uint8Array> {
  const drainCap = Math.max(4 * limit, 4 * 1024 * 1024);
  const tooLarge = (close: boolean) =>
    new HttpError(413, "BODY_TOO_LARGE", `the request body is larger than ${limit} bytes, this service's limit (--max-body)`, { close, extra: { limit } });
  return new Promise((resolve, reject) => {
    const declared = request.headers["content-length"] === undefined ? undefined : Number(request.headers["content-length"]);
    if (declared !== undefined && declared > drainCap) {
      request.pause();
      reject(tooLarge(true));
      return;
    }
    const chunks: Buffer[] = [];
    let total = 0;
    const onData = (chunk: Buffer): void => {
      total += chunk.length;
      if (total <= limit) chunks.push(chunk);
      else if (total > drainCap) {
        request.off("data", onData);
        request.pause();
        reject(tooLarge(true));
      } else chunks.length = 0;
    };
    request.on("data", onData);
    request.once("end", () => (total > limit ? reject(tooLarge(false)) : resolve(Buffer.concat(chunks))));
    // The client went away mid-body: its fault, not ours (and nobody is left to read the answer).
    request.once("error", (cause) => reject(new HttpError(400, "INVALID_ARGUMENT", "the request body was not received completely (the connection closed)", { cause })));
  });
}

function matchPath(want: readonly string[], got: readonly string[]): Record<string, string> | null {
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const g = got[i]!;
    if (w.startsWith("{") && w.endsWith("}")) {
      if (g === "") return null;
      try {
        params[w.slice(1, -1)] = decodeURIComponent(g);
      } catch {
        return null;
      }
    } else if (w !== g) return null;
  }
  return params;
}

function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof InputError) return new HttpError(400, error.code, error.shortMessage, { path: error.path ?? "$", cause: error });
  if (error instanceof StoreError) {
    if (error.code === "STORE_UNAVAILABLE" || error.code === "STORE_VERSION")
      return new HttpError(503, error.code, `the store cannot take or serve requests now; nothing was acknowledged: ${error.shortMessage}`, {
        cause: error,
        headers: { "retry-after": "1" },
      });
    if (error.code === "NOT_FOUND") return new HttpError(404, "NOT_FOUND", error.shortMessage, { cause: error });
    return new HttpError(409, error.code, error.shortMessage, { cause: error });
  }
  if (error instanceof ChainError) return new HttpError(503, "CHAIN_UNAVAILABLE", `the chain did not answer: ${error.shortMessage}`, { cause: error });
  if (error instanceof BaseError) return new HttpError(500, "INTERNAL", `${error.code}: ${error.shortMessage}`, { cause: error });
  return new HttpError(500, "INTERNAL", "internal error (logged with this request's x-request-id)", { cause: error });
}

function errorBody(e: HttpError): { error: ErrorBody } & Record<string, unknown> {
  // The CLI's --json errors have the same shape (src/errors/errorBody.ts).
  return { error: sharedErrorBody(e), ...e.extra };
}

function send(response: ServerResponse, reply: Reply, close: boolean): void {
  const text = typeof reply.body === "string" ? reply.body : `${JSON.stringify(reply.body)}\n`;
  response.writeHead(reply.status, {
    "content-type": reply.contentType ?? "application/json",
    "content-length": Buffer.byteLength(text),
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    ...reply.headers,
    ...(close ? { connection: "close" } : {}),
  });
  response.end(text);
}

/** Runs a parser whose paths start at its own root (`receipt.format`), reporting them from the body's (`$.receipt.format`). */
function atPath<T>(prefix: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof InputError && error.path !== undefined)
      throw new InputError(error.code, error.shortMessage.slice(error.path.length + 2), { path: `${prefix}.${error.path}`, cause: error });
    throw error;
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BaseError("TIMEOUT", `${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
