import { VerificationError } from "../../core/errors/verification.js";
import type { Hex } from "../../core/hex.js";
import { type DsseEnvelope, parseEnvelopeBytes, parsedEnvelopeHash, preAuthEncoding } from "./dsse.js";
import { type PublicKeyInfo, verifySignature } from "./publicKeys.js";
import { statementOfPayload } from "./parseStatement.js";
import type { Statement } from "./statement.js";

export type VerifyEnvelopeParameters = {
  /** Untrusted envelope JSON (already parsed from text with the strict parser, or from a receipt). */
  readonly envelope: unknown;
  /**
   * Public keys for ed25519 and P-256 signers, by keyid (each must already be checked with
   * `parsePublicKeyInfo`). secp256k1 signers need none: the address is recovered.
   */
  readonly publicKeys?: readonly PublicKeyInfo[] | undefined;
};

export type VerifiedEnvelope = {
  readonly envelope: DsseEnvelope;
  /** SHA-256 of the envelope's canonical JSON: the entry hash its Merkle leaf commits to. */
  readonly entryHash: Hex;
  readonly statement: Statement;
  /** Every signer, each of whose signature verified over the PAE. */
  readonly signers: readonly PublicKeyInfo[];
};

/**
 * Checks an envelope offline: its shape (wrong payload type, bad base64: InputError), its
 * statement and predicate, and every signature over the PAE. Every signature must verify; a
 * signature that verifies only over a PAE with wrong lengths fails check `pae`. It does not say
 * whom the keys belong to: `verifyAttestation` checks that on chain.
 *
 * @example
 * import { verifyEnvelope } from "provenance-ledger";
 * const { statement, signers } = await verifyEnvelope({ envelope, publicKeys });
 */
export async function verifyEnvelope(parameters: VerifyEnvelopeParameters): Promise<VerifiedEnvelope> {
  // The payload and signatures decoded once: parsing decodes them to check them.
  const { envelope, payload, signatures } = parseEnvelopeBytes(parameters.envelope);
  const statement = statementOfPayload(payload);
  const message = preAuthEncoding(envelope.payloadType, payload);
  const signers: PublicKeyInfo[] = [];
  for (const [i, signature] of envelope.signatures.entries()) {
    const key = keyFor(signature.keyid, parameters.publicKeys);
    if (!key)
      throw new VerificationError(
        "signing-key",
        `signature ${i} is by key ${signature.keyid}, whose public key was not provided (ed25519 and P-256 keys travel in the bundle's keys)`,
      );
    const sig = signatures[i]!;
    if (await verifySignature(key, message, sig)) {
      signers.push(key);
      continue;
    }
    for (const [what, length] of wrongLengths(envelope, payload))
      if (await verifySignature(key, withBodyLength(envelope.payloadType, payload, length), sig))
        throw new VerificationError(
          "pae",
          `signature ${i} by ${signature.keyid} was made over a PAE whose body length is ${what} (${length}) instead of the byte length (${payload.length}): a signer bug, refused`,
        );
    throw new VerificationError(
      "signature",
      `signature ${i} by ${signature.keyid} does not verify over the envelope's PAE (payload or signature altered, or the wrong key)`,
    );
  }
  return { envelope, entryHash: parsedEnvelopeHash(envelope), statement, signers };
}

function keyFor(keyid: string, keys: readonly PublicKeyInfo[] | undefined): PublicKeyInfo | undefined {
  if (/^0x[0-9a-f]{40}$/.test(keyid)) return { algorithm: "secp256k1", keyid, publicKey: keyid };
  return keys?.find((k) => k.keyid === keyid && k.algorithm !== "secp256k1");
}

/** Lengths a buggy signer might have used for the body: UTF-16 units, base64 characters. */
function wrongLengths(envelope: DsseEnvelope, payload: Uint8Array): [string, number][] {
  const utf16 = new TextDecoder().decode(payload).length;
  const candidates: [string, number][] = [
    ["the UTF-16 length of the text", utf16],
    ["the length of the base64 text", envelope.payload.length],
  ];
  return candidates.filter(([, n]) => n !== payload.length);
}

function withBodyLength(payloadType: string, payload: Uint8Array, length: number): Uint8Array {
  const encoder = new TextEncoder();
  const head = encoder.encode(`DSSEv1 ${encoder.encode(payloadType).length} ${payloadType} ${length} `);
  const out = new Uint8Array(head.length + payload.length);
  out.set(head);
  out.set(payload, head.length);
  return out;
}
