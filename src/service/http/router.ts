// Routing: which handler answers a method and path, and what a request that matches none gets
// (404, or 405 with Allow). Handlers live in entryRoutes.ts, verifyRoute.ts and opsRoutes.ts.
import type { IncomingMessage } from "node:http";
import { HttpError } from "./httpError.js";
import type { Reply } from "./reply.js";

export type Method = "GET" | "POST";
export type Context = { readonly request: IncomingMessage; readonly params: Readonly<Record<string, string>>; readonly orgId: number };
export type Route = {
  readonly method: Method;
  readonly path: string;
  readonly segments: readonly string[];
  readonly auth: boolean;
  readonly handler: (context: Context) => Promise<Reply>;
};

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

/** A handler per `"METHOD /path"` of ROUTES. */
export type Handlers = Readonly<Record<`${Method} ${string}`, (context: Context) => Promise<Reply>>>;

/** The route a request was matched to (for metrics and logs) and its organisation once authenticated. */
export type RouteLabel = { route: string; orgId?: number };

/**
 * The router over ROUTES: finds the route of a request, authenticates `/v1/` routes (their
 * organisation is the handler's `orgId`), and runs its handler.
 *
 * @example
 * import { createRouter } from "./service/http/router.js";
 * const route = createRouter(handlers, authenticate);
 * const reply = await route(request, { route: "unmatched" });
 */
export function createRouter(handlers: Handlers, authenticate: (request: IncomingMessage) => Promise<number>) {
  const routes: Route[] = ROUTES.map((r) => ({
    ...r,
    segments: r.path.split("/"),
    auth: r.path.startsWith("/v1/"),
    handler: handlers[`${r.method} ${r.path}`]!,
  }));
  return async (request: IncomingMessage, label: RouteLabel): Promise<Reply> => {
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
    return found.route.handler({ request, params: found.params, orgId });
  };
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
