import { canonicalJsonBytes } from "../../core/canonicalJson.js";
import { type DsseEnvelope, IN_TOTO_PAYLOAD_TYPE, decodeBase64, encodeBase64, preAuthEncoding } from "./dsse.js";
import type { Signer } from "./signer.js";
import { parseStatement } from "./parseStatement.js";
import type { Statement } from "./statement.js";

/**
 * Validates a statement (statement layer and predicate), serialises it as RFC 8785 canonical
 * JSON, and wraps it in a DSSE envelope signed by each signer over the PAE.
 *
 * @example
 * import { generateKeyFile, signStatement, signerFromKeyFile } from "provenance-ledger";
 * const envelope = await signStatement(statement, [signerFromKeyFile(generateKeyFile("ed25519"))]);
 */
export async function signStatement(statement: Statement, signers: readonly Signer[]): Promise<DsseEnvelope> {
  const payload = canonicalJsonBytes(parseStatement(statement));
  const message = preAuthEncoding(IN_TOTO_PAYLOAD_TYPE, payload);
  const signatures = [];
  for (const signer of signers) signatures.push({ keyid: signer.keyid, sig: encodeBase64(await signer.sign(message)) });
  return { payloadType: IN_TOTO_PAYLOAD_TYPE, payload: encodeBase64(payload), signatures };
}

/** Adds signatures to an envelope (a second approver co-signing the same statement). */
export async function addSignatures(envelope: DsseEnvelope, signers: readonly Signer[]): Promise<DsseEnvelope> {
  const message = preAuthEncoding(envelope.payloadType, decodeBase64(envelope.payload, "envelope.payload"));
  const signatures = [...envelope.signatures];
  for (const signer of signers) signatures.push({ keyid: signer.keyid, sig: encodeBase64(await signer.sign(message)) });
  return { ...envelope, signatures };
}
