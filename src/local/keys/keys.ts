// Signing keys held by this process (Node.js: node:crypto generates, loads and signs). The
// verifier's half (parsing untrusted public keys, checking signatures, on-chain ids) is
// platform-neutral in formats/attestation/publicKeys.ts and re-exported here.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign as nodeSign, type KeyObject } from "node:crypto";
import { serializeSignature } from "viem";
import { generatePrivateKey, privateKeyToAddress, sign as secp256k1Sign } from "viem/accounts";
import { InputError, invalid } from "../../core/errors/input.js";
import { type Hex, parseHexBytes } from "../../core/hex.js";
import { expectDocument, expectOneOf, expectString } from "../../core/validate.js";
import { KEY_ALGORITHMS, type KeyAlgorithm, type PublicKeyInfo, publicKeyInfo } from "../../formats/attestation/publicKeys.js";
import type { Signer } from "../../formats/attestation/signer.js";

export {
  KEY_ALGORITHMS,
  type KeyAlgorithm,
  PUBLIC_KEY_FORMAT,
  type PublicKeyInfo,
  keyidOfSpki,
  onChainKeyId,
  onChainRole,
  parsePublicKeyInfo,
  publicKeyInfo,
  verifySignature,
} from "../../formats/attestation/publicKeys.js";

export const KEY_FORMAT = "provenance-key-v1";

/** A signing key held by this process. `sign` signs the DSSE PAE bytes. */
export type { Signer } from "../../formats/attestation/signer.js";

/** A private key file (`provenance-key-v1`): keep it 0600, never commit it. */
export type KeyFile = PublicKeyInfo & { readonly format: typeof KEY_FORMAT; readonly privateKey: string };

const sha256 = (bytes: Uint8Array): Uint8Array => new Uint8Array(createHash("sha256").update(bytes).digest());
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");

/** `sha256:` + hex SHA-256 of the DER SubjectPublicKeyInfo: the keyid of an ed25519 or P-256 key. */
export function keyidOfPublicKey(publicKey: KeyObject): string {
  return `sha256:${hex(sha256(publicKey.export({ type: "spki", format: "der" })))}`;
}

/**
 * Generates a new key pair.
 *
 * @example
 * import { generateKeyFile } from "provenance-ledger";
 * const key = generateKeyFile("ed25519"); // write it with mode 0o600
 */
export function generateKeyFile(algorithm: KeyAlgorithm): KeyFile {
  if (algorithm === "secp256k1") {
    const privateKey = generatePrivateKey();
    return {
      format: KEY_FORMAT,
      algorithm,
      keyid: privateKeyToAddress(privateKey).toLowerCase(),
      publicKey: privateKeyToAddress(privateKey).toLowerCase(),
      privateKey,
    };
  }
  const { privateKey, publicKey } = algorithm === "ed25519" ? generateKeyPairSync("ed25519") : generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  return {
    format: KEY_FORMAT,
    algorithm,
    keyid: keyidOfPublicKey(publicKey),
    publicKey: publicKey.export({ type: "spki", format: "pem" }).toString(),
    privateKey: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
  };
}

/** An Ethereum private key (e.g. the anchorer's account) as a secp256k1 key file. */
export function keyFileFromEthereumKey(privateKey: Hex): KeyFile {
  const address = privateKeyToAddress(parseHexBytes(privateKey, "privateKey")).toLowerCase();
  return { format: KEY_FORMAT, algorithm: "secp256k1", keyid: address, publicKey: address, privateKey };
}

/** Validates an untrusted key file, checking that its public half matches its private half. */
export function parseKeyFile(value: unknown, path = "key"): KeyFile {
  const o = expectDocument(
    value,
    path,
    "INVALID_KEY",
    { what: "key", format: KEY_FORMAT },
    { required: ["format", "algorithm", "keyid", "publicKey", "privateKey"] },
  );
  const algorithm = expectOneOf(o.algorithm, `${path}.algorithm`, "INVALID_KEY", KEY_ALGORITHMS);
  const privateKey = expectString(o.privateKey, `${path}.privateKey`, "INVALID_KEY", { max: 4096 });
  const derived = derivePublic(algorithm, privateKey, `${path}.privateKey`);
  if (o.keyid !== derived.keyid || o.publicKey !== derived.publicKey)
    invalid("INVALID_KEY", "the public key or keyid does not belong to the private key", `${path}.keyid`);
  return { format: KEY_FORMAT, ...derived, privateKey };
}

function derivePublic(algorithm: KeyAlgorithm, privateKey: string, path: string): PublicKeyInfo {
  try {
    if (algorithm === "secp256k1") {
      const address = privateKeyToAddress(parseHexBytes(privateKey, path)).toLowerCase();
      return { algorithm, keyid: address, publicKey: address };
    }
    const key = createPublicKey(createPrivateKey(privateKey));
    checkKeyType(key, algorithm, path);
    return { algorithm, keyid: keyidOfPublicKey(key), publicKey: key.export({ type: "spki", format: "pem" }).toString() };
  } catch (cause) {
    if (cause instanceof InputError) throw cause;
    invalid("INVALID_KEY", `is not a ${algorithm} private key`, path, cause);
  }
}

function checkKeyType(key: KeyObject, algorithm: KeyAlgorithm, path: string): void {
  const ok =
    algorithm === "ed25519" ? key.asymmetricKeyType === "ed25519" : key.asymmetricKeyType === "ec" && key.asymmetricKeyDetails?.namedCurve === "prime256v1";
  if (!ok)
    invalid(
      "INVALID_KEY",
      `is a ${key.asymmetricKeyType}${key.asymmetricKeyDetails?.namedCurve ? ` (${key.asymmetricKeyDetails.namedCurve})` : ""} key, not ${algorithm}`,
      path,
    );
}

/** A {@link Signer} for a key file. */
export function signerFromKeyFile(key: KeyFile): Signer {
  const info = publicKeyInfo(key);
  if (key.algorithm === "secp256k1") {
    const privateKey = parseHexBytes(key.privateKey, "privateKey");
    return {
      ...info,
      async sign(message) {
        const signature = await secp256k1Sign({ hash: `0x${hex(sha256(message))}`, privateKey });
        return Buffer.from(serializeSignature(signature).slice(2), "hex");
      },
    };
  }
  const privateKey = createPrivateKey(key.privateKey);
  return {
    ...info,
    async sign(message) {
      return new Uint8Array(
        key.algorithm === "ed25519" ? nodeSign(null, message, privateKey) : nodeSign("sha256", message, { key: privateKey, dsaEncoding: "der" }),
      );
    },
  };
}
