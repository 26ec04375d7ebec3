import { base64ToBytes, bytesToBase64, sha256Hex } from "../../core/bytes.js";
import { canonicalJsonBytes } from "../../core/canonicalJson.js";
import { invalid } from "../../core/errors/input.js";
import type { Hex } from "../../core/hex.js";
import { KEYID, MAX_KEYID_LENGTH, expectArray, expectObject, expectString } from "../../core/validate.js";

/** The only payload type this project signs or accepts: an in-toto Statement. */
export const IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json";

/** Most signatures accepted on one envelope; more is hostile. */
export const MAX_SIGNATURES = 64;

/** Largest payload accepted (decoded bytes): an SBOM of a large environment fits easily. */
export const MAX_PAYLOAD_BYTES = 32 * 1024 * 1024;

/** Longest signature accepted (base64 characters): a P-256 DER signature is at most 72 bytes, an RSA one would not fit either way. */
export const MAX_SIGNATURE_BASE64 = 1024;

export type DsseSignature = {
  /** Who signed: an Ethereum address (secp256k1) or `sha256:<hex of SPKI DER>` (docs/attestations.md). */
  readonly keyid: string;
  /** The signature, standard base64. */
  readonly sig: string;
};

/** A DSSE v1 envelope (JSON serialisation). */
export type DsseEnvelope = {
  readonly payloadType: string;
  /** The signed bytes, standard base64. */
  readonly payload: string;
  readonly signatures: readonly DsseSignature[];
};

const encoder = new TextEncoder();

/**
 * DSSE pre-authentication encoding: `"DSSEv1" SP len(type) SP type SP len(body) SP body`, lengths
 * in bytes as ASCII decimal. This, not the payload, is what a signature covers.
 *
 * @example
 * import { preAuthEncoding } from "provenance-ledger";
 * preAuthEncoding("application/vnd.in-toto+json", new TextEncoder().encode("{}"));
 */
export function preAuthEncoding(payloadType: string, payload: Uint8Array): Uint8Array {
  const type = encoder.encode(payloadType);
  const head = encoder.encode(`DSSEv1 ${type.length} ${payloadType} ${payload.length} `);
  const out = new Uint8Array(head.length + payload.length);
  out.set(head);
  out.set(payload, head.length);
  return out;
}

/**
 * Decodes standard base64 (RFC 4648 §4, padded) strictly: any other alphabet, missing padding,
 * whitespace or non-zero trailing bits is refused, so one value has exactly one encoding.
 */
export function decodeBase64(value: string, path: string): Uint8Array {
  const bytes = base64ToBytes(value);
  if (bytes === "alphabet") invalid("INVALID_BASE64", "is not standard padded base64 (RFC 4648 §4)", path);
  if (bytes === "padding-bits") invalid("INVALID_BASE64", "is not the canonical base64 encoding of its bytes (non-zero padding bits)", path);
  return bytes;
}

export function encodeBase64(bytes: Uint8Array): string {
  return bytesToBase64(bytes);
}

/**
 * Checks the shape of an untrusted envelope: exactly the three DSSE fields, the in-toto payload
 * type (anything else is `WRONG_PAYLOAD_TYPE`), a payload and signatures in strict base64
 * (`INVALID_BASE64`), 1 to {@link MAX_SIGNATURES} signatures with distinct keyids, each a lower-case
 * `0x` address or `sha256:<64 hex>` (docs/attestations.md, "Keyids"). Says nothing
 * about whether the signatures are valid: `verifyEnvelope` does.
 *
 * @example
 * import { parseEnvelope } from "provenance-ledger";
 * const envelope = parseEnvelope(parseJson(await readFile("model.intoto.json", "utf8")));
 */
export function parseEnvelope(value: unknown, path = "envelope"): DsseEnvelope {
  return parseEnvelopeBytes(value, path).envelope;
}

/** A parsed envelope with the bytes {@link parseEnvelope} decoded to check it: the payload's and each signature's. */
export type ParsedEnvelope = { readonly envelope: DsseEnvelope; readonly payload: Uint8Array; readonly signatures: readonly Uint8Array[] };

/**
 * {@link parseEnvelope}, also handing back the bytes it decoded, so that a verifier decodes the payload
 * (up to 32 MiB) once, not once to check it and again to read it.
 */
export function parseEnvelopeBytes(value: unknown, path = "envelope"): ParsedEnvelope {
  const o = expectObject(value, path, "INVALID_ENVELOPE", { required: ["payloadType", "payload", "signatures"] });
  const payloadType = expectString(o.payloadType, `${path}.payloadType`, "INVALID_ENVELOPE", { max: 256 });
  if (payloadType !== IN_TOTO_PAYLOAD_TYPE)
    invalid(
      "WRONG_PAYLOAD_TYPE",
      `payloadType is ${JSON.stringify(payloadType)}; only "${IN_TOTO_PAYLOAD_TYPE}" (an in-toto Statement) is accepted`,
      `${path}.payloadType`,
    );
  const payload = expectString(o.payload, `${path}.payload`, "INVALID_ENVELOPE", { max: Math.ceil(MAX_PAYLOAD_BYTES / 3) * 4 });
  const payloadBytes = decodeBase64(payload, `${path}.payload`);
  const signatureBytes: Uint8Array[] = [];
  const signatures = expectArray(o.signatures, `${path}.signatures`, "INVALID_ENVELOPE", 1, MAX_SIGNATURES).map((s, i) => {
    const p = `${path}.signatures[${i}]`;
    const sig = expectObject(s, p, "INVALID_ENVELOPE", { required: ["keyid", "sig"] });
    // Keyids are printed and looked up: only the two forms this project makes are accepted.
    const keyid = expectString(sig.keyid, `${p}.keyid`, "INVALID_ENVELOPE", {
      max: MAX_KEYID_LENGTH,
      pattern: KEYID,
      hint: "a keyid: a lower-case 0x Ethereum address or sha256:<64 lower-case hex digits>",
    });
    const signature = expectString(sig.sig, `${p}.sig`, "INVALID_ENVELOPE", { max: MAX_SIGNATURE_BASE64 });
    signatureBytes.push(decodeBase64(signature, `${p}.sig`));
    return { keyid, sig: signature };
  });
  const seen = new Set<string>();
  for (const [i, s] of signatures.entries()) {
    if (seen.has(s.keyid)) invalid("INVALID_ENVELOPE", `key ${s.keyid} signed twice; each key signs an envelope once`, `${path}.signatures[${i}].keyid`);
    seen.add(s.keyid);
  }
  return { envelope: { payloadType, payload, signatures }, payload: payloadBytes, signatures: signatureBytes };
}

/** The payload's bytes (the envelope must have been parsed). */
export function envelopePayload(envelope: DsseEnvelope): Uint8Array {
  return decodeBase64(envelope.payload, "envelope.payload");
}

/**
 * The envelope's identity, `SHA-256(JCS(envelope))` as 0x hex: the entry hash the Merkle leaf
 * commits to, so the leaf covers the payload and every signature.
 */
export function envelopeHash(envelope: DsseEnvelope): Hex {
  const canonical = {
    payloadType: envelope.payloadType,
    payload: envelope.payload,
    signatures: envelope.signatures.map((s) => ({ keyid: s.keyid, sig: s.sig })),
  };
  return `0x${sha256Hex(canonicalJsonBytes(canonical))}`;
}

/**
 * {@link envelopeHash} of an envelope {@link parseEnvelope} returned, its canonical JSON written
 * straight into bytes: every string in it is then the in-toto payload type, a keyid or strict
 * base64, none of which JSON escapes, so the text is exactly canonicalJson's without serialising
 * and copying the payload again (test/formats/dsse.test.ts compares the two).
 */
export function parsedEnvelopeHash(envelope: DsseEnvelope): Hex {
  const parts = [`{"payload":"`, envelope.payload, `","payloadType":"${envelope.payloadType}","signatures":[`];
  envelope.signatures.forEach((s, i) => parts.push(`${i === 0 ? "" : ","}{"keyid":"${s.keyid}","sig":"`, s.sig, `"}`));
  parts.push("]}");
  // All ASCII: one byte per character.
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let o = 0;
  for (const part of parts) o += encoder.encodeInto(part, out.subarray(o)).written;
  return `0x${sha256Hex(out)}`;
}
