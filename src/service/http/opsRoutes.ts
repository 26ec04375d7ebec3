// The operations routes: liveness, readiness (store, chain, anchorer), Prometheus metrics and the
// OpenAPI document.
import { BaseError, describeCause } from "../../core/errors/base.js";
import { PROMETHEUS_CONTENT_TYPE } from "../metrics.js";
import type { CreateHttpApiParameters } from "./httpApi.js";
import type { Reply } from "./reply.js";

/**
 * @example
 * import { createOpsRoutes } from "./service/http/opsRoutes.js";
 * const { readyz } = createOpsRoutes(parameters, () => false);
 */
export function createOpsRoutes(parameters: CreateHttpApiParameters, isDraining: () => boolean) {
  const { store, metrics, logger } = parameters;
  const readinessTimeoutMs = parameters.readinessTimeoutMs ?? 2000;

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
    if (isDraining()) reasons.push("shutting down");
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

  return { healthz, readyz, metricsRoute, openApi };
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BaseError("TIMEOUT", `${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
