import { type InputError, invalid } from "../../core/errors/input.js";
import { ModelManifestError, type HashingError } from "../../core/errors/hashing.js";
import { hexEquals } from "../../core/hex.js";
import { type CompareManifestsReturnType, compareManifests } from "../../formats/model/compareManifests.js";
import { type HashModelParameters, hashModel } from "./hashModel.js";
import { hashModelManifest } from "../../formats/model/hashModelManifest.js";
import { MODEL_MANIFEST_FORMAT, MODEL_MANIFEST_FORMAT_V1, type ModelDigest } from "../../formats/model/modelManifest.js";
import { parseModelManifest } from "../../formats/model/parseModelManifest.js";

export type VerifyModelDigestParameters = HashModelParameters;

/** What the model was anchored with. Untrusted: every field is validated. */
export type ExpectedModelDigest = {
  /** 64 hex digits (an optional `0x` and upper case are accepted). */
  sha256: string;
  /** When given, must match the model's kind. */
  kind?: "file" | "directory";
  /** The anchored manifest of a directory model; lets the result name the differing files. */
  manifest?: unknown;
};

export type VerifyModelDigestReturnType =
  | { valid: true; actual: ModelDigest }
  | {
      valid: false;
      /** `KIND_MISMATCH`: a file where a directory was expected or vice versa; `DIGEST_MISMATCH`: different bytes. */
      reason: "KIND_MISMATCH" | "DIGEST_MISMATCH";
      actual: ModelDigest;
      /** Present when both sides are directories and the expected manifest was given. */
      differences?: CompareManifestsReturnType;
    };

export type VerifyModelDigestErrorType = HashingError | InputError | ModelManifestError;

/**
 * Re-hashes the model at `path` and checks it against the digest it was anchored with
 * (constant-time comparison). A mismatch is a result, not an error: `valid: false` with the
 * reason and, when the expected manifest is given, `differences` naming the added, removed and
 * changed files. Throws only when the model cannot be hashed (`HashingError`) or the expectation
 * itself is malformed: bad hex (`InputError`), or a manifest that is invalid or does not hash
 * to `expected.sha256` (`ModelManifestError`), checked before any file is read.
 *
 * @example
 * import { verifyModelDigest } from "provenance-ledger";
 * const result = await verifyModelDigest("./model", { sha256: anchored.sha256, manifest: anchored.manifest });
 * if (!result.valid) console.error(result.reason, result.differences?.changed.map((f) => f.path));
 */
export async function verifyModelDigest(
  path: string,
  expected: ExpectedModelDigest,
  parameters: VerifyModelDigestParameters = {},
): Promise<VerifyModelDigestReturnType> {
  const sha256 = parseSha256(expected.sha256);
  const manifest = expected.manifest === undefined ? undefined : parseModelManifest(expected.manifest);
  // A v1 digest is ambiguous (a file holding the v1 manifest's bytes has the same digest): not verified.
  if (manifest?.format === MODEL_MANIFEST_FORMAT_V1)
    throw new ModelManifestError(
      "UNSUPPORTED_FORMAT",
      `the expected manifest is ${MODEL_MANIFEST_FORMAT_V1} (model hashing v1, where a file and a directory can share a digest); re-hash the model with this version (${MODEL_MANIFEST_FORMAT})`,
      { field: "format" },
    );
  if (manifest !== undefined && !hexEquals(hashModelManifest(manifest), sha256))
    throw new ModelManifestError("INVALID_MANIFEST", "the expected manifest does not hash to the expected sha256", { field: "manifest" });

  const actual = await hashModel(path, parameters);
  const expectedKind = expected.kind ?? (manifest ? "directory" : undefined);
  if (expectedKind !== undefined && expectedKind !== actual.kind) return { valid: false, reason: "KIND_MISMATCH", actual };
  if (hexEquals(actual.sha256, sha256)) return { valid: true, actual };
  if (manifest !== undefined && actual.manifest !== undefined)
    return { valid: false, reason: "DIGEST_MISMATCH", actual, differences: compareManifests(manifest, actual.manifest) };
  return { valid: false, reason: "DIGEST_MISMATCH", actual };
}

function parseSha256(value: unknown): string {
  if (typeof value !== "string") invalid("INVALID_HEX", "expected a SHA-256 hex string", "sha256");
  const body = value.startsWith("0x") ? value.slice(2) : value;
  if (!/^[0-9a-fA-F]{64}$/.test(body)) invalid("INVALID_HEX", "expected 64 hex digits (SHA-256)", "sha256");
  return body.toLowerCase();
}
