import { encodeAbiParameters, stringToBytes } from "viem";
import { invalid } from "../../core/errors/input.js";
import { keccak256Hex } from "../../core/keccak.js";
import { type Hex, hexEquals, hexToBytes, parseAddress, parseHexBytes, toHex } from "../../core/hex.js";
import type { Signer } from "./signer.js";
import { expectDocument, expectInteger, expectOneOf, expectString } from "../../core/validate.js";
import {
  KEY_ALGORITHMS,
  type KeyAlgorithm,
  type PublicKeyInfo,
  derToPem,
  keyidOfSpki,
  onChainKeyId,
  parsePublicKeyInfo,
  parseSpki,
  spkiOfPublicKey,
  verifySignature,
} from "./publicKeys.js";
import { UINT32_MAX } from "../../core/validate.js";

/**
 * Proof of possession of a signing key (docs/attestations.md#proof-of-possession, docs/registry.md "Signing keys").
 *
 * Registering a key needs the key's signature over a message that binds the chain ID, the registry, the
 * organisation, the key id and the role, so that no organisation can register (squat) a key id whose private key
 * it does not hold, nor replay a proof made for another chain, registry, organisation or role. The registry checks
 * secp256k1 proofs itself; ed25519 and P-256 proofs are emitted in `SigningKeyRegistered` (their hash stored) and
 * checked by every verifier with {@link checkKeyPossession}. Pure: no I/O.
 */

/** Algorithm codes of `IProvenanceRegistry.KEY_ALGORITHM_*`. */
export const KEY_ALGORITHM_CODES: Readonly<Record<KeyAlgorithm, number>> = { secp256k1: 1, ed25519: 2, p256: 3 };

/** `keccak256("ProvenanceRegistry.SIGNING_KEY_POSSESSION")`: the first word of every possession message. */
export const SIGNING_KEY_POSSESSION_TAG: Hex = keccak256Hex(stringToBytes("ProvenanceRegistry.SIGNING_KEY_POSSESSION"));

/** What a proof of possession binds: where, for whom and as what the key is registered. */
export type PossessionBinding = {
  readonly chainId: number;
  readonly registry: Hex;
  readonly orgId: number;
  /** The 32-byte on-chain key id (`onChainKeyId(keyid)`). */
  readonly keyId: Hex;
  /** The 32-byte on-chain role (`onChainRole(name)`, zero for none). */
  readonly role: Hex;
};

/** A key's proof of possession as the registry takes it and `SigningKeyRegistered` carries it. */
export type KeyPossession = {
  readonly algorithm: KeyAlgorithm;
  /** The 20-byte address (secp256k1) or the DER SubjectPublicKeyInfo (ed25519, P-256), as hex. */
  readonly publicKey: Hex;
  /** The key's signature over {@link possessionMessage}, as a DSSE signature of its algorithm is made. */
  readonly proof: Hex;
};

/**
 * The message a key signs to prove possession: `abi.encode(SIGNING_KEY_POSSESSION_TAG, chainId, registry, orgId,
 * keyId, role)`, 192 bytes, byte for byte what `IProvenanceRegistry.possessionMessage` returns. Its first word is a
 * hash, so it can never be a DSSE PAE (which starts with "DSSEv1 "), and the reverse.
 */
export function possessionMessage(binding: PossessionBinding): Uint8Array {
  const encoded = encodeAbiParameters(
    [{ type: "bytes32" }, { type: "uint256" }, { type: "address" }, { type: "uint32" }, { type: "bytes32" }, { type: "bytes32" }],
    [
      SIGNING_KEY_POSSESSION_TAG,
      BigInt(binding.chainId),
      parseAddress(binding.registry, "registry"),
      binding.orgId,
      parseHexBytes(binding.keyId, "keyId"),
      parseHexBytes(binding.role, "role"),
    ],
  );
  return hexToBytes(encoded);
}

/** The public key as the registry takes it: the address bytes (secp256k1) or the SPKI DER (ed25519, P-256). */
export function publicKeyBytes(key: PublicKeyInfo): Hex {
  if (key.algorithm === "secp256k1") return parseAddress(key.publicKey, "publicKey");
  return toHex(spkiOfPublicKey(key.algorithm, key.publicKey, "publicKey").der);
}

/** The {@link PublicKeyInfo} of registry public-key bytes; throws `InputError("INVALID_KEY")` if they are not a key of `algorithm`. */
export function publicKeyInfoFromBytes(algorithm: KeyAlgorithm, publicKey: Hex): PublicKeyInfo {
  if (algorithm === "secp256k1") {
    const address = parseAddress(publicKey, "publicKey");
    return { algorithm, keyid: address, publicKey: address };
  }
  let der: Uint8Array;
  try {
    der = hexToBytes(publicKey);
  } catch {
    der = new Uint8Array(0); // not hex: refused below like any other non-key
  }
  const spki = parseSpki(der);
  if (spki === undefined) {
    // A P-256 key with a compressed point is a key, but not the one encoding the key id is derived from.
    const compressed = der.length === 59 && der[0] === 0x30 && der[1] === 0x39;
    invalid(
      "INVALID_KEY",
      compressed ? "is not the canonical (uncompressed) DER encoding of its key" : `is not a DER SubjectPublicKeyInfo of a ${algorithm} key`,
      "publicKey",
    );
  }
  const pem = derToPem(spki.der);
  const keyid = keyidOfSpki(spki.der);
  return parsePublicKeyInfo({ algorithm, keyid, publicKey: pem }, "publicKey");
}

/**
 * Signs the possession message for `binding` (its `keyId` is the signer's) with `signer`.
 *
 * @example
 * import { onChainRole, proveKeyPossession, signerFromKeyFile } from "provenance-ledger";
 * const possession = await proveKeyPossession(signerFromKeyFile(key), { chainId, registry, orgId, role: onChainRole("approver") });
 */
export async function proveKeyPossession(signer: Signer, binding: Omit<PossessionBinding, "keyId">): Promise<KeyPossession & { readonly keyid: string }> {
  const keyId = onChainKeyId(signer.keyid);
  const signature = await signer.sign(possessionMessage({ ...binding, keyId }));
  return { algorithm: signer.algorithm, keyid: signer.keyid, publicKey: publicKeyBytes(signer), proof: toHex(signature) };
}

/** `keccak256(abi.encode(uint8 algorithm, bytes publicKey, bytes proof))`: the `possessionHash` the registry stores. */
export function possessionHash(possession: KeyPossession): Hex {
  return keccak256Hex(
    encodeAbiParameters(
      [{ type: "uint8" }, { type: "bytes" }, { type: "bytes" }],
      [KEY_ALGORITHM_CODES[possession.algorithm], possession.publicKey, possession.proof],
    ),
  );
}

/**
 * Checks a proof of possession for `binding`: the public key is a well-formed key of its algorithm whose key id is
 * `binding.keyId` (and, if given, whose DSSE keyid is `keyid`), the stored hash (if given) is this proof's, and the
 * proof is the key's valid signature over the possession message of `binding`. Returns `null` when it holds, else
 * why not (never throws on hostile input).
 */
export async function checkKeyPossession(
  possession: KeyPossession,
  binding: PossessionBinding,
  expected: { readonly keyid?: string; readonly possessionHash?: Hex } = {},
): Promise<string | null> {
  if (expected.possessionHash !== undefined && !hexEquals(possessionHash(possession), expected.possessionHash))
    return "the proof in the registration log does not hash to the registry's stored possessionHash";
  let key: PublicKeyInfo;
  try {
    key = publicKeyInfoFromBytes(possession.algorithm, possession.publicKey);
  } catch (error) {
    return `the registered public key ${(error as Error).message}`;
  }
  if (onChainKeyId(key.keyid) !== binding.keyId.toLowerCase())
    return `the registered public key has key id ${key.keyid}, whose on-chain id is not ${binding.keyId}`;
  if (expected.keyid !== undefined && key.keyid !== expected.keyid) return `the registered public key is ${key.keyid}, not the signer's ${expected.keyid}`;
  let signature: Uint8Array;
  try {
    signature = hexToBytes(parseHexBytes(possession.proof, "proof", (possession.proof.length - 2) / 2));
  } catch {
    return "the proof is not hex";
  }
  if (!(await verifySignature(key, possessionMessage(binding), signature)))
    return `the proof is not ${key.keyid}'s signature binding chain ${binding.chainId}, registry ${binding.registry}, organisation ${binding.orgId} and role ${binding.role}`;
  return null;
}

/** File format of a proof of possession handed from the key holder to the organisation admin. */
export const POSSESSION_FORMAT = "provenance-key-possession-v1";

/** A proof of possession file (`provenance key prove` writes it, `provenance key register` reads it). */
export type KeyPossessionFile = KeyPossession & {
  readonly format: typeof POSSESSION_FORMAT;
  readonly chainId: number;
  readonly registry: Hex;
  readonly orgId: number;
  /** The role name the proof binds (its on-chain value is `onChainRole(role)`), or null for none. */
  readonly role: string | null;
  readonly keyid: string;
};

/**
 * Validates an untrusted proof-of-possession file (schemas/key-possession-v1.schema.json): its shape, and that the
 * public key is a well-formed key of its algorithm whose keyid is `keyid`. Whether the proof verifies, and for
 * which binding, is {@link checkKeyPossession}'s question.
 */
export function parseKeyPossessionFile(value: unknown, path = "possession"): KeyPossessionFile {
  const o = expectDocument(
    value,
    path,
    "INVALID_KEY",
    { what: "proof of possession", format: POSSESSION_FORMAT },
    { required: ["format", "chainId", "registry", "orgId", "role", "algorithm", "keyid", "publicKey", "proof"] },
  );
  const chainId = expectInteger(o.chainId, `${path}.chainId`, "INVALID_KEY", 1);
  const registry = parseAddress(o.registry, `${path}.registry`);
  const orgId = expectInteger(o.orgId, `${path}.orgId`, "INVALID_KEY", 1, UINT32_MAX);
  const role = o.role === null ? null : expectString(o.role, `${path}.role`, "INVALID_KEY", { max: 64 });
  const algorithm = expectOneOf(o.algorithm, `${path}.algorithm`, "INVALID_KEY", KEY_ALGORITHMS);
  const keyid = expectString(o.keyid, `${path}.keyid`, "INVALID_KEY", { max: 80 });
  const publicKey = expectString(o.publicKey, `${path}.publicKey`, "INVALID_KEY", { max: 256 });
  const proof = expectString(o.proof, `${path}.proof`, "INVALID_KEY", { max: 300 });
  if (!/^0x([0-9a-f]{2})+$/.test(publicKey)) invalid("INVALID_HEX", "expected lower-case 0x hex bytes", `${path}.publicKey`);
  if (!/^0x([0-9a-f]{2})+$/.test(proof)) invalid("INVALID_HEX", "expected lower-case 0x hex bytes", `${path}.proof`);
  const key = publicKeyInfoFromBytes(algorithm, publicKey as Hex);
  if (key.keyid !== keyid) invalid("INVALID_KEY", `the public key's keyid is ${key.keyid}, not ${keyid}`, `${path}.keyid`);
  return { format: POSSESSION_FORMAT, chainId, registry, orgId, role, algorithm, keyid, publicKey: publicKey as Hex, proof: proof as Hex };
}
