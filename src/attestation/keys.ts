import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign as nodeSign, verify as nodeVerify, type KeyObject } from "node:crypto";
import { keccak256, recoverAddress, serializeSignature } from "viem";
import { generatePrivateKey, privateKeyToAddress, sign as secp256k1Sign } from "viem/accounts";
import { InputError } from "../errors/input.js";
import { type Hex, parseHexBytes } from "../hex.js";
import { expectObject, expectOneOf, expectString } from "../validate.js";

/** Signature algorithms (docs/attestations.md#keys). */
export type KeyAlgorithm = "secp256k1" | "ed25519" | "p256";
export const KEY_ALGORITHMS: readonly KeyAlgorithm[] = ["secp256k1", "ed25519", "p256"];

export const KEY_FORMAT = "provenance-key-v1";
export const PUBLIC_KEY_FORMAT = "provenance-public-key-v1";

/** What a verifier needs to check a signature: for secp256k1 the address is the key. */
export type PublicKeyInfo = {
  readonly algorithm: KeyAlgorithm;
  /** DSSE keyid: lower-case Ethereum address (secp256k1) or `sha256:<hex of SPKI DER>`. */
  readonly keyid: string;
  /** The address (secp256k1), or the SPKI public key in PEM. */
  readonly publicKey: string;
};

/** A signing key held by this process. `sign` signs the DSSE PAE bytes. */
export type Signer = PublicKeyInfo & { sign(message: Uint8Array): Promise<Uint8Array> };

/** A private key file (`provenance-key-v1`): keep it 0600, never commit it. */
export type KeyFile = PublicKeyInfo & { readonly format: typeof KEY_FORMAT; readonly privateKey: string };

const sha256 = (bytes: Uint8Array): Uint8Array => new Uint8Array(createHash("sha256").update(bytes).digest());
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");

/** `sha256:` + hex SHA-256 of the DER SubjectPublicKeyInfo: the keyid of an ed25519 or P-256 key. */
export function keyidOfPublicKey(publicKey: KeyObject): string {
  return `sha256:${hex(sha256(publicKey.export({ type: "spki", format: "der" })))}`;
}

/** The 32-byte key id registered on chain: SHA-256 of the UTF-8 keyid string. */
export function onChainKeyId(keyid: string): Hex {
  return `0x${hex(sha256(new TextEncoder().encode(keyid)))}`;
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
    return { format: KEY_FORMAT, algorithm, keyid: privateKeyToAddress(privateKey).toLowerCase(), publicKey: privateKeyToAddress(privateKey).toLowerCase(), privateKey };
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
  const o = expectObject(value, path, "INVALID_KEY", { required: ["format", "algorithm", "keyid", "publicKey", "privateKey"] });
  if (o.format !== KEY_FORMAT) throw new InputError("UNSUPPORTED_FORMAT", `unknown key format ${JSON.stringify(o.format)}; this version reads "${KEY_FORMAT}"`, { path: `${path}.format` });
  const algorithm = expectOneOf(o.algorithm, `${path}.algorithm`, "INVALID_KEY", KEY_ALGORITHMS);
  const privateKey = expectString(o.privateKey, `${path}.privateKey`, "INVALID_KEY", { max: 4096 });
  const derived = derivePublic(algorithm, privateKey, `${path}.privateKey`);
  if (o.keyid !== derived.keyid || o.publicKey !== derived.publicKey)
    throw new InputError("INVALID_KEY", "the public key or keyid does not belong to the private key", { path: `${path}.keyid` });
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
    throw new InputError("INVALID_KEY", `is not a ${algorithm} private key`, { path, cause });
  }
}

function checkKeyType(key: KeyObject, algorithm: KeyAlgorithm, path: string): void {
  const ok = algorithm === "ed25519" ? key.asymmetricKeyType === "ed25519" : key.asymmetricKeyType === "ec" && key.asymmetricKeyDetails?.namedCurve === "prime256v1";
  if (!ok) throw new InputError("INVALID_KEY", `is a ${key.asymmetricKeyType}${key.asymmetricKeyDetails?.namedCurve ? ` (${key.asymmetricKeyDetails.namedCurve})` : ""} key, not ${algorithm}`, { path });
}

/** The public half of a key file, safe to publish and to put in a bundle. */
export function publicKeyInfo(key: PublicKeyInfo): PublicKeyInfo {
  return { algorithm: key.algorithm, keyid: key.keyid, publicKey: key.publicKey };
}

/**
 * Validates an untrusted public key and checks that it hashes to its keyid (for secp256k1 the
 * keyid is the address itself).
 */
export function parsePublicKeyInfo(value: unknown, path = "key"): PublicKeyInfo {
  const o = expectObject(value, path, "INVALID_KEY", { required: ["algorithm", "keyid", "publicKey"], allowed: ["format"] });
  if (o.format !== undefined && o.format !== PUBLIC_KEY_FORMAT)
    throw new InputError("UNSUPPORTED_FORMAT", `unknown public key format ${JSON.stringify(o.format)}; this version reads "${PUBLIC_KEY_FORMAT}"`, { path: `${path}.format` });
  const algorithm = expectOneOf(o.algorithm, `${path}.algorithm`, "INVALID_KEY", KEY_ALGORITHMS);
  const keyid = expectString(o.keyid, `${path}.keyid`, "INVALID_KEY", { max: 80 });
  const publicKey = expectString(o.publicKey, `${path}.publicKey`, "INVALID_KEY", { max: 4096 });
  if (algorithm === "secp256k1") {
    if (!/^0x[0-9a-f]{40}$/.test(keyid) || publicKey !== keyid) throw new InputError("INVALID_KEY", "a secp256k1 keyid and publicKey are the same lower-case 0x address", { path: `${path}.keyid` });
    return { algorithm, keyid, publicKey };
  }
  let key: KeyObject;
  try {
    key = createPublicKey(publicKey);
  } catch (cause) {
    throw new InputError("INVALID_KEY", "is not a PEM public key", { path: `${path}.publicKey`, cause });
  }
  checkKeyType(key, algorithm, `${path}.publicKey`);
  if (keyidOfPublicKey(key) !== keyid) throw new InputError("INVALID_KEY", "the keyid is not the SHA-256 of this public key", { path: `${path}.keyid` });
  return { algorithm, keyid, publicKey };
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
      return new Uint8Array(key.algorithm === "ed25519" ? nodeSign(null, message, privateKey) : nodeSign("sha256", message, { key: privateKey, dsaEncoding: "der" }));
    },
  };
}

// Public-key recovery is the costly step of a secp256k1 check and a pure function of its exact
// inputs (digest and signature bytes), so recent answers are remembered: a verifier that checks the
// same signature again (a bundle's envelopes, a fuzz run's mutants) pays once. The comparison with
// the keyid still runs every time.
const recovered = new Map<string, Promise<string>>();
const RECOVERED_MAX = 1024;
function recoverSigner(hash: Hex, signature: Hex): Promise<string> {
  const id = hash + signature.slice(2);
  let address = recovered.get(id);
  if (!address) {
    address = recoverAddress({ hash, signature }).then((a) => a.toLowerCase());
    if (recovered.size >= RECOVERED_MAX) recovered.delete(recovered.keys().next().value!);
    recovered.set(id, address);
    address.catch(() => recovered.delete(id));
  }
  return address;
}

const SECP256K1_HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;

/**
 * Verifies `signature` over `message` (the PAE) by `key`. Never throws on a bad signature:
 * returns false. A secp256k1 signature must be 65 bytes with low s and v 27/28, and recover the
 * keyid's address.
 */
export async function verifySignature(key: PublicKeyInfo, message: Uint8Array, signature: Uint8Array): Promise<boolean> {
  try {
    if (key.algorithm === "secp256k1") {
      if (signature.length !== 65) return false;
      const s = BigInt(`0x${hex(signature.subarray(32, 64))}`);
      const v = signature[64];
      if (s === 0n || s > SECP256K1_HALF_N || (v !== 27 && v !== 28)) return false;
      const address = await recoverSigner(`0x${hex(sha256(message))}`, `0x${hex(signature)}`);
      return address === key.keyid;
    }
    const publicKey = createPublicKey(key.publicKey);
    // The label must match the key: a P-256 key labelled ed25519 would otherwise verify ECDSA.
    checkKeyType(publicKey, key.algorithm, "key");
    return key.algorithm === "ed25519" ? nodeVerify(null, message, publicKey, signature) : nodeVerify("sha256", message, { key: publicKey, dsaEncoding: "der" }, signature);
  } catch {
    return false;
  }
}

/** The 32-byte role label registered on chain: keccak256 of the UTF-8 role name (zero for none). */
export function onChainRole(role: string | undefined): Hex {
  return role ? keccak256(new TextEncoder().encode(role)) : `0x${"00".repeat(32)}`;
}
