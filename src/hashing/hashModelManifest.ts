import { createHash } from "node:crypto";
import { canonicalJsonBytes } from "../canonicalJson.js";
import type { ModelManifest } from "./modelManifest.js";

/**
 * The digest of a model directory: SHA-256 of the manifest's RFC 8785 canonical JSON (UTF-8),
 * as 64 lower-case hex digits. The manifest must already be valid (`parseModelManifest` or
 * `hashModel` output); this function only encodes and hashes.
 *
 * @example
 * import { hashModelManifest, parseModelManifest } from "provenance-ledger";
 * const digest = hashModelManifest(parseModelManifest(JSON.parse(text)));
 */
export function hashModelManifest(manifest: ModelManifest): string {
  return createHash("sha256").update(canonicalJsonBytes(manifest)).digest("hex");
}
