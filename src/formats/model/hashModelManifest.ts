import { concatBytes, sha256Hex, utf8Bytes } from "../../core/bytes.js";
import { canonicalJsonBytes } from "../../core/canonicalJson.js";
import { MODEL_DIRECTORY_TAG, MODEL_MANIFEST_FORMAT_V1, type ModelManifest } from "./modelManifest.js";

/**
 * The digest of a model directory, as 64 lower-case hex digits, by the manifest's own version:
 *
 * - `provenance-model-manifest-v2`: SHA-256 of `MODEL_DIRECTORY_TAG`
 *   (`provenance-ledger/model-directory/v2\n`) followed by the manifest's RFC 8785 canonical
 *   JSON (UTF-8). The tag keeps a directory's digest apart from any file's (docs/model-hashing.md).
 * - `provenance-model-manifest-v1`: SHA-256 of the canonical JSON alone (kept to name old
 *   digests; a file holding those bytes has the same digest, which is why v1 is not verified).
 *
 * The manifest must already be valid (`parseModelManifest` or `hashModel` output); this
 * function only encodes and hashes.
 *
 * @example
 * import { hashModelManifest, parseModelManifest } from "provenance-ledger";
 * const digest = hashModelManifest(parseModelManifest(JSON.parse(text)));
 */
export function hashModelManifest(manifest: ModelManifest): string {
  const json = canonicalJsonBytes(manifest);
  return sha256Hex(manifest.format === MODEL_MANIFEST_FORMAT_V1 ? json : concatBytes(utf8Bytes(MODEL_DIRECTORY_TAG), json));
}
