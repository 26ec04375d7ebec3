import { type PublicKeyInfo, parsePublicKeyInfo } from "./attestation/publicKeys.js";
import { InputError, invalid, unsupportedFormat } from "../core/errors/input.js";
import { parseAddress, type Hex } from "../core/hex.js";
import { parseJson } from "../core/parseJson.js";
import { type OfflineKit, parseOfflineKit } from "./offlineKit.js";
import { type Receipt, parseReceipt } from "./receipt.js";
import { expectArray, expectInteger, expectObject, expectSha256, expectString, expectTimestamp } from "../core/validate.js";

/** The `format` of a v1 evidence bundle. Loaders refuse any format but this and {@link BUNDLE_V2_FORMAT}. */
export const BUNDLE_FORMAT = "provenance-bundle-v1";

/** The `format` of a v2 evidence bundle: a v1 bundle plus the offline verifier kit (`offlineKit`, docs/offline-kit.md). */
export const BUNDLE_V2_FORMAT = "provenance-bundle-v2";

/** Most entries accepted in one bundle. */
export const MAX_BUNDLE_ENTRIES = 10_000;

/**
 * Everything needed to verify a model's history except the chain itself (format
 * `provenance-bundle-v1`, schema `schemas/bundle-v1.schema.json`, docs/bundle.md): the model,
 * the receipt of every attestation in its lineage, and the public keys of ed25519/P-256 signers.
 * `chain` says where the producer anchored; a verifier pins its own chain ID and registry.
 */
export type EvidenceBundle = {
  readonly format: typeof BUNDLE_FORMAT | typeof BUNDLE_V2_FORMAT;
  readonly subject: { readonly name: string; readonly digest: { readonly sha256: string } };
  readonly chain: { readonly chainId: number; readonly registry: Hex };
  readonly createdAt: string;
  readonly keys: readonly PublicKeyInfo[];
  readonly receipts: readonly Receipt[];
  /**
   * v2 only (and required there): the recorded JSON-RPC answers a light verification needs, so
   * `verify-bundle --offline` runs with no network. Unsigned and untrusted: every answer is proven
   * against the verifier's pinned validator set.
   */
  readonly offlineKit?: OfflineKit | undefined;
};

/** Parses a bundle from JSON text (strictly: duplicate keys, lone surrogates, big numbers refused) or a value. */
export function parseBundle(input: unknown): EvidenceBundle {
  const value = typeof input === "string" ? parseJson(input, "bundle") : input;
  const format = (value as { format?: unknown } | null)?.format;
  if (format !== BUNDLE_FORMAT && format !== BUNDLE_V2_FORMAT)
    return unsupportedFormat("bundle", format, `"${BUNDLE_FORMAT}" and "${BUNDLE_V2_FORMAT}"`, "bundle.format");
  const v1Fields = ["format", "subject", "chain", "createdAt", "keys", "receipts"];
  const o = expectObject(value, "bundle", "INVALID_BUNDLE", { required: format === BUNDLE_V2_FORMAT ? [...v1Fields, "offlineKit"] : v1Fields });
  const subject = expectObject(o.subject, "bundle.subject", "INVALID_BUNDLE", { required: ["name", "digest"] });
  const digest = expectObject(subject.digest, "bundle.subject.digest", "INVALID_BUNDLE", { required: ["sha256"] });
  const chain = expectObject(o.chain, "bundle.chain", "INVALID_BUNDLE", { required: ["chainId", "registry"] });
  const keys = expectArray(o.keys, "bundle.keys", "INVALID_BUNDLE", 0, 1000).map((k, i) => parsePublicKeyInfo(k, `bundle.keys[${i}]`));
  const seen = new Set<string>();
  for (const [i, k] of keys.entries()) {
    if (seen.has(k.keyid)) invalid("INVALID_BUNDLE", `key ${k.keyid} is listed twice`, `bundle.keys[${i}]`);
    seen.add(k.keyid);
  }
  const receipts = expectArray(o.receipts, "bundle.receipts", "INVALID_BUNDLE", 1, MAX_BUNDLE_ENTRIES).map((r, i) => {
    try {
      return parseReceipt(r);
    } catch (error) {
      if (error instanceof InputError) invalid(error.code, `bundle.receipts[${i}]: ${error.shortMessage}`, undefined, error);
      throw error;
    }
  });
  let offlineKit: OfflineKit | undefined;
  if (format === BUNDLE_V2_FORMAT) {
    try {
      offlineKit = parseOfflineKit(o.offlineKit, "bundle.offlineKit");
    } catch (error) {
      invalid(
        "INVALID_BUNDLE",
        error instanceof Error ? ((error as { shortMessage?: string }).shortMessage ?? error.message) : String(error),
        "bundle.offlineKit",
        error,
      );
    }
  }
  return {
    format,
    subject: {
      name: expectString(subject.name, "bundle.subject.name", "INVALID_BUNDLE", { max: 1024 }),
      digest: { sha256: expectSha256(digest.sha256, "bundle.subject.digest.sha256", "INVALID_BUNDLE") },
    },
    chain: {
      chainId: expectInteger(chain.chainId, "bundle.chain.chainId", "INVALID_BUNDLE", 1),
      registry: parseAddress(chain.registry, "bundle.chain.registry"),
    },
    createdAt: expectTimestamp(o.createdAt, "bundle.createdAt", "INVALID_BUNDLE"),
    keys,
    receipts,
    ...(offlineKit ? { offlineKit } : {}),
  };
}

/** The bundle as pretty JSON text. */
export function serializeBundle(bundle: EvidenceBundle): string {
  return `${JSON.stringify(bundle, null, 2)}\n`;
}
