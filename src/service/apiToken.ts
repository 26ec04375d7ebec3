import { createHash, randomBytes } from "node:crypto";
import type { Hex } from "../core/hex.js";

/** Every API token starts with this, so scanners and the logger recognise one. */
export const API_TOKEN_PREFIX = "pvl_";

const API_TOKEN_RE = /^pvl_[A-Za-z0-9_-]{43}$/;

/**
 * A new API token: `pvl_` + 256 random bits in base64url. Shown once; the store keeps only
 * {@link hashApiToken} of it.
 *
 * @example
 * import { generateApiToken, hashApiToken } from "./service/apiToken.js";
 * const token = generateApiToken();
 * await store.createToken({ orgId: 1, name: "ci", tokenHash: hashApiToken(token) });
 */
export function generateApiToken(): string {
  return `${API_TOKEN_PREFIX}${randomBytes(32).toString("base64url")}`;
}

/** Whether `value` has the shape of an API token (checked before any store lookup). */
export function isApiToken(value: string): boolean {
  return API_TOKEN_RE.test(value);
}

/**
 * SHA-256 of the token, as stored and looked up. Lookup by hash means the comparison happens on
 * a digest of a 256-bit secret, so timing reveals nothing useful about the token itself.
 */
export function hashApiToken(token: string): Hex {
  return `0x${createHash("sha256").update(token, "utf8").digest("hex")}`;
}
