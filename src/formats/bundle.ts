import {
  KEY_ALGORITHMS,
  MAX_PUBLIC_KEY_KEYID,
  MAX_PUBLIC_KEY_TEXT,
  PUBLIC_KEY_FORMAT,
  type PublicKeyInfo,
  parsePublicKeyInfo,
} from "./attestation/publicKeys.js";
import { InputError, invalid, unsupportedFormat } from "../core/errors/input.js";
import type { Hex } from "../core/hex.js";
import { parseJson } from "../core/parseJson.js";
import { type OfflineKit, parseOfflineKit } from "./offlineKit.js";
import { type Receipt, parseReceipt } from "./receipt.js";
import { schemaOf } from "../core/spec/jsonSchema.js";
import { type AnySpec, parseSpec, type Spec, s } from "../core/spec/spec.js";

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

/** A v1 bundle, as its spec reads it. */
export type EvidenceBundleV1 = Omit<EvidenceBundle, "format" | "offlineKit"> & { readonly format: typeof BUNDLE_FORMAT };
/** A v2 bundle: v1 and its offline verifier kit. */
export type EvidenceBundleV2 = Omit<EvidenceBundle, "format" | "offlineKit"> & { readonly format: typeof BUNDLE_V2_FORMAT; readonly offlineKit: OfflineKit };

const CODE = "INVALID_BUNDLE";

// parsePublicKeyInfo (formats/attestation/publicKeys.ts) checks a key with its own code (INVALID_KEY); this is its JSON Schema.
const PUBLIC_KEY_SCHEMA = {
  ...schemaOf(
    s
      .object({
        format: s.optional(s.literal(PUBLIC_KEY_FORMAT)),
        algorithm: s.literal(...KEY_ALGORITHMS),
        keyid: s.string({ max: MAX_PUBLIC_KEY_KEYID }),
        publicKey: s.string({ max: MAX_PUBLIC_KEY_TEXT }),
      })
      .describe(
        "Public key of a signer (provenance-public-key-v1). For secp256k1 the keyid and publicKey are the same lower-case address (the signature recovers it). For ed25519 and P-256 the keyid is sha256: + hex SHA-256 of the SPKI DER key, which the verifier recomputes from publicKey (SPKI PEM) before using it.",
      ),
  ),
  if: { properties: { algorithm: { const: "secp256k1" } } },
  then: { properties: { keyid: { type: "string", pattern: "^0x[0-9a-f]{40}$" }, publicKey: { type: "string", pattern: "^0x[0-9a-f]{40}$" } } },
  else: { properties: { keyid: { type: "string", pattern: "^sha256:[0-9a-f]{64}$" }, publicKey: { type: "string", pattern: "^-----BEGIN PUBLIC KEY-----" } } },
};

// A receipt's errors keep their code and own paths (`receipt.proof[0]`), prefixed with where it is in the bundle.
function bundleReceipt(value: unknown, path: string): Receipt {
  try {
    return parseReceipt(value);
  } catch (error) {
    if (error instanceof InputError) invalid(error.code, `${path}: ${error.shortMessage}`, undefined, error);
    throw error;
  }
}

// Any refusal of the kit (LightClientError `offline-kit`) is the bundle's, at bundle.offlineKit.
function bundleOfflineKit(value: unknown, path: string): OfflineKit {
  try {
    return parseOfflineKit(value, path);
  } catch (error) {
    return invalid(CODE, error instanceof Error ? ((error as { shortMessage?: string }).shortMessage ?? error.message) : String(error), path, error);
  }
}

/** A bundle's spec in one version (v2 adds `offlineKit`). */
function bundleSpec<const F extends string, const K extends Record<string, AnySpec>>(format: F, kit: K) {
  return s.object({
    format: s.literal(format),
    subject: s
      .object({ name: s.string({ max: 1024 }), digest: s.object({ sha256: s.sha256() }) })
      .describe("The model the bundle is about: its name and the SHA-256 of its files (docs/model-hashing.md)."),
    chain: s
      .object({ chainId: s.integer(1), registry: s.hex(20) })
      .describe("Where the producer says it anchored. Informative only: a verifier pins its own chain ID and registry."),
    createdAt: s.timestamp({ dateTime: false }).describe("RFC 3339 UTC time the bundle was built."),
    keys: s
      .array(
        s.custom((value, path) => parsePublicKeyInfo(value, path), PUBLIC_KEY_SCHEMA, "public key"),
        0,
        1000,
      )
      .refine((keys, fail) => {
        const seen = new Set<string>();
        for (const [i, k] of keys.entries()) {
          if (seen.has(k.keyid)) fail(`[${i}]`, `key ${k.keyid} is listed twice`);
          seen.add(k.keyid);
        }
      })
      .describe("Distinct keyids (a rule JSON Schema cannot state; parsers enforce it)."),
    receipts: s
      .array(s.custom(bundleReceipt, { $ref: "receipt-v1.schema.json" }, "receipt"), 1, MAX_BUNDLE_ENTRIES)
      .describe("One receipt per attestation of the model's lineage, in the order they were stored."),
    ...kit,
  });
}

/** The v1 bundle's spec: parser and `schemas/bundle-v1.schema.json`. */
export const bundleV1Spec = bundleSpec(BUNDLE_FORMAT, {}) satisfies Spec<EvidenceBundleV1>;
/** The v2 bundle's spec: parser and `schemas/bundle-v2.schema.json`. */
export const bundleV2Spec = bundleSpec(BUNDLE_V2_FORMAT, {
  offlineKit: s.custom(bundleOfflineKit, { $ref: "offline-kit-v1.schema.json" }, "offline kit"),
}) satisfies Spec<EvidenceBundleV2>;

const anyBundleSpec = s.union(
  "format",
  { [BUNDLE_FORMAT]: bundleV1Spec, [BUNDLE_V2_FORMAT]: bundleV2Spec },
  { unknown: (format, path) => unsupportedFormat("bundle", format, `"${BUNDLE_FORMAT}" and "${BUNDLE_V2_FORMAT}"`, path) },
) satisfies Spec<EvidenceBundleV1 | EvidenceBundleV2>;

/** Parses a bundle from JSON text (strictly: duplicate keys, lone surrogates, big numbers refused) or a value. */
export function parseBundle(input: unknown): EvidenceBundle {
  return parseSpec(anyBundleSpec, typeof input === "string" ? parseJson(input, "bundle") : input, "bundle", CODE);
}

/** The bundle as pretty JSON text. */
export function serializeBundle(bundle: EvidenceBundle): string {
  return `${JSON.stringify(bundle, null, 2)}\n`;
}
