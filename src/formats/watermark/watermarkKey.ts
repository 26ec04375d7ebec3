// Watermark key files: a versioned JSON object holding a 256-bit secret and the scheme's
// detection parameters. Only its commitment is ever published (in a model-watermark attestation).

import { sha256 } from "viem";
import { WatermarkError } from "../../core/errors/watermark.js";

/** The `format` of a watermark key file. */
export const WATERMARK_KEY_FORMAT = "provenance-ledger/watermark-key/v1";

/** Domain separation of the key commitment (a NUL ends the label). */
export const KEY_COMMITMENT_DOMAIN = "provenance-ledger/watermark-key-commitment/v1\0";

/** A weights key's parameters: what detection needs besides the secret. */
export type WeightsKeyParameters = {
  /** Mean distance between marked elements of a tensor (1: every element). */
  readonly spacing: number;
};

/** A text key's parameters (Kirchenbauer et al. 2023): green fraction γ and logit bias δ. */
export type TextKeyParameters = {
  readonly gamma: number;
  readonly delta: number;
};

/**
 * A parsed watermark key file.
 *
 * @example
 * import type { WatermarkKey } from "provenance-ledger";
 * const key: WatermarkKey = parseWatermarkKey(JSON.parse(text));
 */
export type WatermarkKey =
  | { readonly format: typeof WATERMARK_KEY_FORMAT; readonly kind: "weights"; readonly secret: Uint8Array; readonly parameters: WeightsKeyParameters }
  | { readonly format: typeof WATERMARK_KEY_FORMAT; readonly kind: "text"; readonly secret: Uint8Array; readonly parameters: TextKeyParameters };

export const DEFAULT_WEIGHTS_KEY_PARAMETERS: WeightsKeyParameters = { spacing: 1 };
export const DEFAULT_TEXT_KEY_PARAMETERS: TextKeyParameters = { gamma: 0.25, delta: 2 };

const HEX64 = /^[0-9a-f]{64}$/;

function bad(message: string, path: string): WatermarkError {
  return new WatermarkError("INVALID_KEY_FILE", `${path}: ${message}`);
}

/**
 * A new key of `kind` from 32 bytes of `randomness` (from a CSPRNG: `crypto.getRandomValues`).
 *
 * @example
 * import { createWatermarkKey } from "provenance-ledger";
 * const key = createWatermarkKey("weights", crypto.getRandomValues(new Uint8Array(32)));
 */
export function createWatermarkKey(
  kind: "weights" | "text",
  randomness: Uint8Array,
  parameters?: Partial<WeightsKeyParameters & TextKeyParameters>,
): WatermarkKey {
  if (randomness.byteLength !== 32) throw new WatermarkError("INVALID_PARAMETERS", `a key needs 32 random bytes, got ${randomness.byteLength}`);
  const secret = Uint8Array.from(randomness);
  const json =
    kind === "weights"
      ? { format: WATERMARK_KEY_FORMAT, kind, secret: hex(secret), parameters: { spacing: parameters?.spacing ?? DEFAULT_WEIGHTS_KEY_PARAMETERS.spacing } }
      : {
          format: WATERMARK_KEY_FORMAT,
          kind,
          secret: hex(secret),
          parameters: { gamma: parameters?.gamma ?? DEFAULT_TEXT_KEY_PARAMETERS.gamma, delta: parameters?.delta ?? DEFAULT_TEXT_KEY_PARAMETERS.delta },
        };
  return parseWatermarkKey(json);
}

/**
 * Validates untrusted JSON as a watermark key file. Errors are `WatermarkError` `INVALID_KEY_FILE`
 * naming the field: an unknown `format` (another version, or a signing key file given by mistake),
 * a `kind` other than `weights`/`text`, a secret that is not 64 lower-case hex digits, parameters
 * out of range (`spacing` 1 to 64; `gamma` in (0, 1) exclusive; `delta` in (0, 20]).
 */
export function parseWatermarkKey(value: unknown, path = "key file"): WatermarkKey {
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw bad("expected a JSON object", path);
  const o = value as Record<string, unknown>;
  if (o.format !== WATERMARK_KEY_FORMAT)
    throw bad(
      `format must be "${WATERMARK_KEY_FORMAT}", got ${JSON.stringify(o.format) ?? "nothing"}${o.algorithm !== undefined || o.privateKey !== undefined ? " (this looks like a signing key, not a watermark key)" : ""}`,
      path,
    );
  for (const k of Object.keys(o)) if (!["format", "kind", "secret", "parameters"].includes(k)) throw bad("unknown field", `${path}.${k}`);
  if (typeof o.secret !== "string" || !HEX64.test(o.secret)) throw bad("must be 64 lower-case hex digits (256 bits)", `${path}.secret`);
  const secret = Uint8Array.from(o.secret.match(/../g)!.map((b) => Number.parseInt(b, 16)));
  const p = o.parameters;
  if (p === null || typeof p !== "object" || Array.isArray(p)) throw bad("expected an object", `${path}.parameters`);
  const params = p as Record<string, unknown>;
  if (o.kind === "weights") {
    for (const k of Object.keys(params)) if (k !== "spacing") throw bad("unknown field", `${path}.parameters.${k}`);
    const spacing = params.spacing;
    if (typeof spacing !== "number" || !Number.isInteger(spacing) || spacing < 1 || spacing > 64)
      throw bad("must be an integer from 1 to 64", `${path}.parameters.spacing`);
    return { format: WATERMARK_KEY_FORMAT, kind: "weights", secret, parameters: { spacing } };
  }
  if (o.kind === "text") {
    for (const k of Object.keys(params)) if (k !== "gamma" && k !== "delta") throw bad("unknown field", `${path}.parameters.${k}`);
    const { gamma, delta } = params;
    if (typeof gamma !== "number" || !(gamma > 0 && gamma < 1)) throw bad("must be a number between 0 and 1 (exclusive)", `${path}.parameters.gamma`);
    if (typeof delta !== "number" || !(delta > 0 && delta <= 20)) throw bad("must be a number in (0, 20]", `${path}.parameters.delta`);
    return { format: WATERMARK_KEY_FORMAT, kind: "text", secret, parameters: { gamma, delta } };
  }
  throw bad(`must be "weights" or "text", got ${JSON.stringify(o.kind) ?? "nothing"}`, `${path}.kind`);
}

/** The key file's JSON (holds the secret: write it with mode 0600). */
export function serializeWatermarkKey(key: WatermarkKey): string {
  return `${JSON.stringify({ format: key.format, kind: key.kind, secret: hex(key.secret), parameters: key.parameters }, null, 2)}\n`;
}

/**
 * The commitment to a key: `sha256:` + hex SHA-256 of the UTF-8 domain label
 * {@link KEY_COMMITMENT_DOMAIN}, the kind (UTF-8) and a NUL, then the 32-byte secret. Published in
 * the model-watermark attestation; the secret stays private until a dispute (commit and reveal).
 *
 * @example
 * import { keyCommitment } from "provenance-ledger";
 * keyCommitment(key); // "sha256:3f…"
 */
export function keyCommitment(key: WatermarkKey): string {
  const label = new TextEncoder().encode(`${KEY_COMMITMENT_DOMAIN}${key.kind}\0`);
  const bytes = new Uint8Array(label.byteLength + 32);
  bytes.set(label);
  bytes.set(key.secret, label.byteLength);
  return `sha256:${sha256(bytes).slice(2)}`;
}

/** SHA-256 of `parts` concatenated (bytes; strings as UTF-8). */
export function sha256Bytes(...parts: (Uint8Array | string)[]): Uint8Array {
  const encoded = parts.map((p) => (typeof p === "string" ? new TextEncoder().encode(p) : p));
  const all = new Uint8Array(encoded.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of encoded) {
    all.set(p, at);
    at += p.byteLength;
  }
  return sha256(all, "bytes");
}

export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
