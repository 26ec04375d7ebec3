// Importing this module puts node:crypto (OpenSSL) in front of @noble/curves for the ed25519 and
// P-256 signatures a verifier checks (DSSE envelopes, proofs of key possession): a yes from OpenSSL
// is taken where it implies noble's, anything else is decided by noble (src/formats/attestation/
// publicKeys.ts), so the verdicts are noble's, about twenty times faster on honest signatures. The
// platform-neutral layers keep @noble/curves alone wherever this is not loaded (a browser).
import { type KeyObject, createPublicKey, verify } from "node:crypto";
import { bytesToHexDigits } from "../core/bytes.js";
import { type FastSignatureVerify, installFastSignatureVerify } from "../formats/attestation/publicKeys.js";

// Importing a key into OpenSSL costs more than a verification: a key signs many envelopes.
const keyObjects = new Map<string, KeyObject>();
const KEY_OBJECTS_MAX = 256;
function keyObject(spki: Uint8Array): KeyObject {
  const id = bytesToHexDigits(spki);
  let key = keyObjects.get(id);
  if (key === undefined) {
    key = createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" });
    if (keyObjects.size >= KEY_OBJECTS_MAX) keyObjects.delete(keyObjects.keys().next().value!);
    keyObjects.set(id, key);
  }
  return key;
}

/** node:crypto's ed25519 (RFC 8032 on the message) and P-256 (ECDSA over SHA-256, r ‖ s) verification, as a `FastSignatureVerify`. */
export const nodeSignatureVerify: FastSignatureVerify = (algorithm, spki, message, signature) =>
  algorithm === "ed25519"
    ? verify(null, message, keyObject(spki), signature)
    : verify("sha256", message, { key: keyObject(spki), dsaEncoding: "ieee-p1363" }, signature);

installFastSignatureVerify(nodeSignatureVerify);
