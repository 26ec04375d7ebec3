// Authentication of `/v1` requests: a bearer API token, looked up by its SHA-256.
import type { IncomingMessage } from "node:http";
import { hashApiToken, isApiToken } from "../apiToken.js";
import type { ServiceStore } from "../store/serviceStore.js";
import { HttpError } from "./httpError.js";

/**
 * The organisation of a request's bearer token: 401 without one or with an unknown or revoked
 * one, 403 for an organisation this instance does not serve.
 *
 * @example
 * import { createAuthenticator } from "./service/http/auth.js";
 * const orgId = await createAuthenticator(store, [1])(request);
 */
export function createAuthenticator(store: Pick<ServiceStore, "findToken">, orgIds: readonly number[]): (request: IncomingMessage) => Promise<number> {
  return async (request: IncomingMessage): Promise<number> => {
    const challenge = { "www-authenticate": 'Bearer realm="provenance"' };
    const header = request.headers.authorization;
    if (header === undefined)
      throw new HttpError(401, "UNAUTHENTICATED", "missing Authorization header: send Authorization: Bearer <token>", {
        headers: challenge,
        path: "Authorization",
      });
    const match = /^Bearer +(\S+) *$/i.exec(header);
    if (!match) throw new HttpError(401, "UNAUTHENTICATED", "the Authorization header must be Bearer <token>", { headers: challenge, path: "Authorization" });
    const token = match[1]!;
    if (!isApiToken(token))
      throw new HttpError(401, "INVALID_TOKEN", "the bearer token is not a provenance API token (pvl_…)", { headers: challenge, path: "Authorization" });
    // Looked up by SHA-256: the store holds only hashes, and no comparison runs over the secret itself.
    const found = await store.findToken(hashApiToken(token));
    if (!found) throw new HttpError(401, "INVALID_TOKEN", "the token is unknown or revoked", { headers: challenge, path: "Authorization" });
    if (!orgIds.includes(found.orgId))
      throw new HttpError(403, "FORBIDDEN", `the token belongs to organisation ${found.orgId}, which this instance does not serve`, { path: "Authorization" });
    return found.orgId;
  };
}
