import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ChainReader } from "../../chain/types.js";
import type { Hex } from "../../core/hex.js";
import type { AnchorerState } from "../anchorer/config.js";
import type { IngestQueue } from "../ingestQueue.js";
import type { ServiceMetrics } from "../metrics.js";
import type { ServiceStore } from "../store/serviceStore.js";
import type { Logger } from "../types.js";
import { createAuthenticator } from "./auth.js";
import { createEntryRoutes } from "./entryRoutes.js";
import { createOpsRoutes } from "./opsRoutes.js";
import { send, toHttpError, writeError } from "./reply.js";
import { createRouter } from "./router.js";
import { createVerifyRoute } from "./verifyRoute.js";

export { MAX_BATCH_ENTRIES } from "./entryRoutes.js";
export { MAX_VERIFY_PUBLIC_KEYS } from "./verifyRoute.js";
export { ROUTES } from "./router.js";

/** Default request body limit: 1 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

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
 * import { createHttpApi } from "./service/http/httpApi.js";
 * const api = createHttpApi({ store, ingest, chain, chainId, registry, confirmations: 2, orgIds: [1], metrics, logger, openApiDocument });
 * createServer((req, res) => api.handle(req, res)).listen(8080);
 */
export function createHttpApi(parameters: CreateHttpApiParameters): HttpApi {
  const { metrics, logger } = parameters;
  const maxBodyBytes = parameters.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  let draining = false;
  let inFlight = 0;
  let idleWaiters: (() => void)[] = [];
  const isDraining = () => draining;

  const entries = createEntryRoutes(parameters, maxBodyBytes, isDraining);
  const ops = createOpsRoutes(parameters, isDraining);
  const route = createRouter(
    {
      "POST /v1/entries": entries.postEntry,
      "POST /v1/entries:batch": entries.postEntriesBatch,
      "GET /v1/entries/{entryHash}": entries.getEntry,
      "GET /v1/entries/{entryHash}/receipt": entries.getReceipt,
      "POST /v1/verify": createVerifyRoute(parameters, maxBodyBytes),
      "GET /healthz": ops.healthz,
      "GET /readyz": ops.readyz,
      "GET /metrics": ops.metricsRoute,
      "GET /openapi.json": ops.openApi,
    },
    createAuthenticator(parameters.store, parameters.orgIds),
  );

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
        logger.debug("request", {
          requestId,
          method: request.method,
          route: label.route,
          status: response.statusCode,
          ms: Math.round(seconds * 1e4) / 10,
          org: label.orgId,
        });
        if (--inFlight === 0) {
          const waiters = idleWaiters;
          idleWaiters = [];
          for (const w of waiters) w();
        }
      });
      route(request, label)
        .then((reply) => send(response, reply, draining))
        .catch((error: unknown) => {
          const e = toHttpError(error);
          if (e.status >= 500) logger.error("request failed", { requestId, method: request.method, route: label.route, status: e.status, code: e.code, error });
          if (response.headersSent) response.destroy();
          else writeError(response, e, draining);
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
