import { createCipheriv, createDecipheriv, randomBytes, scrypt } from "node:crypto";
import { canonicalJson, type JsonValue } from "../../core/canonicalJson.js";
import { invalid } from "../../core/errors/input.js";
import { parseJson } from "../../core/parseJson.js";
import { expectDocument, expectInteger, expectObject, expectOneOf, expectString } from "../../core/validate.js";
import { decodeBase64, encodeBase64 } from "../../formats/attestation/dsse.js";
import { type KeyFile, type PublicKeyInfo, parseKeyFile, parsePublicKeyInfo, publicKeyInfo } from "./keys.js";

// A secret key file encrypted with a passphrase (docs/keys.md, schemas/encrypted-key-v1.schema.json).
// The clear header names the key (so `key show` and `key register` can say which key it is without
// the passphrase) and the KDF's parameters; the whole header is the AES-GCM associated data, so
// nothing in the clear can be changed or swapped without decryption failing.

export const ENCRYPTED_KEY_FORMAT = "provenance-encrypted-key-v1";
/** The formats a `provenance-encrypted-key-v1` file may hold. */
export const ENCRYPTABLE_FORMATS = ["provenance-key-v1", "provenance-ledger/watermark-key/v1"] as const;
export type EncryptableFormat = (typeof ENCRYPTABLE_FORMATS)[number];

/** scrypt parameters: N (a power of two), r, p. */
export type ScryptParameters = { readonly N: number; readonly r: number; readonly p: number };
/** What `key generate --encrypt` uses: 128 MiB of memory, about half a second here. */
export const DEFAULT_SCRYPT: ScryptParameters = { N: 2 ** 17, r: 8, p: 1 };

// Hostile-input limits: a file chooses its own KDF cost, so a reader caps it before running it
// (a file asking for 2^40 work would otherwise hang the command, or exhaust memory).
/** Largest scrypt memory a file may ask for (128·N·r bytes). */
export const MAX_SCRYPT_MEMORY = 256 * 1024 * 1024;
/** Largest scrypt work a file may ask for (N·r·p), 16 times the default. */
export const MAX_SCRYPT_WORK = 2 ** 24;
/** Smallest N accepted: below it a passphrase is cheap to guess. */
export const MIN_SCRYPT_N = 2 ** 14;

/** The clear public part: a signing key's public key, or a watermark key's kind and commitment. */
export type EncryptedKeyPublicPart = PublicKeyInfo | { readonly kind: "weights" | "text"; readonly commitment: string };

export type EncryptedKeyFile = {
  readonly format: typeof ENCRYPTED_KEY_FORMAT;
  readonly contents: EncryptableFormat;
  readonly public: EncryptedKeyPublicPart;
  readonly kdf: { readonly name: "scrypt"; readonly salt: string } & ScryptParameters;
  readonly cipher: { readonly name: "aes-256-gcm"; readonly nonce: string };
  /** Standard base64 of the AES-256-GCM ciphertext followed by its 16-byte tag. */
  readonly ciphertext: string;
};

const SALT_BYTES = 16;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const MAX_CIPHERTEXT = 16_384;

/** True when a parsed JSON value claims to be an encrypted key file (then parse it with {@link parseEncryptedKeyFile}). */
export function isEncryptedKeyFile(value: unknown): boolean {
  return value !== null && typeof value === "object" && (value as Record<string, unknown>).format === ENCRYPTED_KEY_FORMAT;
}

/**
 * Validates an untrusted encrypted key file's header: its format, contents, clear public part,
 * the KDF parameters within {@link MAX_SCRYPT_MEMORY} / {@link MAX_SCRYPT_WORK}, and the sizes
 * of salt, nonce and ciphertext. Decrypts nothing.
 */
export function parseEncryptedKeyFile(value: unknown, path = "key file"): EncryptedKeyFile {
  const o = expectDocument(
    value,
    path,
    "INVALID_KEY",
    { what: "encrypted key", format: ENCRYPTED_KEY_FORMAT },
    { required: ["format", "contents", "public", "kdf", "cipher", "ciphertext"] },
  );
  const contents = expectOneOf(o.contents, `${path}.contents`, "INVALID_KEY", ENCRYPTABLE_FORMATS);
  const publicPart = contents === "provenance-key-v1" ? parsePublicKeyInfo(o.public, `${path}.public`) : parseWatermarkPublicPart(o.public, `${path}.public`);
  const k = expectObject(o.kdf, `${path}.kdf`, "INVALID_KEY", { required: ["name", "salt", "N", "r", "p"] });
  expectOneOf(k.name, `${path}.kdf.name`, "INVALID_KEY", ["scrypt"] as const);
  const salt = expectString(k.salt, `${path}.kdf.salt`, "INVALID_KEY", { max: 88 });
  if (decodeBase64(salt, `${path}.kdf.salt`).length < SALT_BYTES) invalid("INVALID_KEY", `must be at least ${SALT_BYTES} bytes`, `${path}.kdf.salt`);
  const scryptParameters = parseScryptParameters(k, `${path}.kdf`);
  const c = expectObject(o.cipher, `${path}.cipher`, "INVALID_KEY", { required: ["name", "nonce"] });
  expectOneOf(c.name, `${path}.cipher.name`, "INVALID_KEY", ["aes-256-gcm"] as const);
  const nonce = expectString(c.nonce, `${path}.cipher.nonce`, "INVALID_KEY", { max: 16 });
  if (decodeBase64(nonce, `${path}.cipher.nonce`).length !== NONCE_BYTES) invalid("INVALID_KEY", `must be ${NONCE_BYTES} bytes`, `${path}.cipher.nonce`);
  const ciphertext = expectString(o.ciphertext, `${path}.ciphertext`, "INVALID_KEY", { max: Math.ceil((MAX_CIPHERTEXT + TAG_BYTES) / 3) * 4 });
  if (decodeBase64(ciphertext, `${path}.ciphertext`).length <= TAG_BYTES)
    invalid("INVALID_KEY", "is shorter than its authentication tag", `${path}.ciphertext`);
  return {
    format: ENCRYPTED_KEY_FORMAT,
    contents,
    public: publicPart,
    kdf: { name: "scrypt", salt, ...scryptParameters },
    cipher: { name: "aes-256-gcm", nonce },
    ciphertext,
  };
}

function parseWatermarkPublicPart(value: unknown, path: string): EncryptedKeyPublicPart {
  const o = expectObject(value, path, "INVALID_KEY", { required: ["kind", "commitment"] });
  const kind = expectOneOf(o.kind, `${path}.kind`, "INVALID_KEY", ["weights", "text"] as const);
  const commitment = expectString(o.commitment, `${path}.commitment`, "INVALID_KEY", {
    pattern: /^sha256:[0-9a-f]{64}$/,
    hint: "sha256: and 64 lower-case hex digits",
  });
  return { kind, commitment };
}

/** The KDF cost a file asks for, refused beyond this version's limits before any work is done. */
export function parseScryptParameters(k: Record<string, unknown>, path: string): ScryptParameters {
  const N = expectInteger(k.N, `${path}.N`, "INVALID_KEY", 2, Number.MAX_SAFE_INTEGER);
  if (!Number.isInteger(Math.log2(N))) invalid("INVALID_KEY", `must be a power of two, got ${N}`, `${path}.N`);
  if (N < MIN_SCRYPT_N) invalid("INVALID_KEY", `is ${N}, below ${MIN_SCRYPT_N} (2^14): a passphrase under so little work is cheap to guess`, `${path}.N`);
  const r = expectInteger(k.r, `${path}.r`, "INVALID_KEY", 1, 64);
  const p = expectInteger(k.p, `${path}.p`, "INVALID_KEY", 1, 64);
  if (128 * N * r > MAX_SCRYPT_MEMORY)
    invalid(
      "INVALID_KEY",
      `asks for ${describeBytes(128 * N * r)} of scrypt memory (128*N*r); this version allows at most ${describeBytes(MAX_SCRYPT_MEMORY)}`,
      path,
    );
  if (N * r * p > MAX_SCRYPT_WORK)
    invalid(
      "INVALID_KEY",
      `asks for 2^${Math.log2(N * r * p).toFixed(1)} scrypt work (N*r*p); this version allows at most 2^${Math.log2(MAX_SCRYPT_WORK)}`,
      path,
    );
  return { N, r, p };
}

const describeBytes = (n: number): string => (n >= 2 ** 30 ? `${(n / 2 ** 30).toFixed(0)} GiB` : `${(n / 2 ** 20).toFixed(0)} MiB`);

/** The associated data: the canonical JSON (RFC 8785) of every field but the ciphertext. */
function associatedData(file: Omit<EncryptedKeyFile, "ciphertext">): Uint8Array {
  const { format, contents, public: publicPart, kdf, cipher } = file;
  return new TextEncoder().encode(canonicalJson({ format, contents, public: publicPart, kdf, cipher }));
}

/** The passphrase as the KDF takes it: UTF-8 of its Unicode NFC form (the same keys typed on any system). */
function passphraseBytes(passphrase: string): Buffer {
  if (passphrase.length === 0) invalid("INVALID_ARGUMENT", "the passphrase is empty");
  return Buffer.from(passphrase.normalize("NFC"), "utf8");
}

function deriveKey(passphrase: string, salt: Uint8Array, { N, r, p }: ScryptParameters): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(passphraseBytes(passphrase), salt, 32, { N, r, p, maxmem: 2 * 128 * N * r + 2 ** 20 }, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

/**
 * Encrypts a secret key document (a `provenance-key-v1` or watermark key file's JSON) under a
 * passphrase: scrypt derives a 256-bit key from the passphrase and a random salt, AES-256-GCM
 * encrypts the document's JSON with the header as associated data.
 *
 * @example
 * import { encryptKeyDocument, generateKeyFile, publicKeyInfo } from "provenance-ledger";
 * const key = generateKeyFile("ed25519");
 * const file = await encryptKeyDocument(key, publicKeyInfo(key), "correct horse battery staple");
 */
export async function encryptKeyDocument(
  document: { readonly format: EncryptableFormat } & Record<string, unknown>,
  publicPart: EncryptedKeyPublicPart,
  passphrase: string,
  options: { readonly scrypt?: ScryptParameters; readonly salt?: Uint8Array; readonly nonce?: Uint8Array } = {},
): Promise<EncryptedKeyFile> {
  const params = options.scrypt ?? DEFAULT_SCRYPT;
  parseScryptParameters(params, "scrypt");
  const salt = options.salt ?? randomBytes(SALT_BYTES);
  const nonce = options.nonce ?? randomBytes(NONCE_BYTES);
  const header = {
    format: ENCRYPTED_KEY_FORMAT,
    contents: document.format,
    public: publicPart,
    kdf: { name: "scrypt", salt: encodeBase64(salt), ...params },
    cipher: { name: "aes-256-gcm", nonce: encodeBase64(nonce) },
  } as const;
  const key = await deriveKey(passphrase, salt, params);
  const cipher = createCipheriv("aes-256-gcm", key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(associatedData(header));
  const body = Buffer.concat([cipher.update(JSON.stringify(document), "utf8"), cipher.final(), cipher.getAuthTag()]);
  // Parsed back: what is written is what a reader accepts.
  return parseEncryptedKeyFile({ ...header, ciphertext: encodeBase64(body) }, "encrypted key");
}

/**
 * Decrypts an encrypted key file (validated by {@link parseEncryptedKeyFile}) and returns the
 * key document it holds, parsed as strict JSON and of the declared `contents` format. A wrong
 * passphrase and an altered file (any byte of the header or the ciphertext) both fail the
 * authentication: `InputError` `KEY_DECRYPTION_FAILED`.
 */
export async function decryptKeyDocument(file: EncryptedKeyFile, passphrase: string, path = "key file"): Promise<Record<string, JsonValue>> {
  const body = decodeBase64(file.ciphertext, `${path}.ciphertext`);
  const key = await deriveKey(passphrase, decodeBase64(file.kdf.salt, `${path}.kdf.salt`), file.kdf);
  let plaintext: string;
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, decodeBase64(file.cipher.nonce, `${path}.cipher.nonce`), { authTagLength: TAG_BYTES });
    decipher.setAAD(associatedData(file));
    decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
    plaintext = Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]).toString("utf8");
  } catch (cause) {
    invalid("KEY_DECRYPTION_FAILED", "cannot decrypt: wrong passphrase, or the file was altered", path, cause);
  }
  const value = parseJson(plaintext, `${path} (decrypted)`);
  const inner = expectObject(value, `${path} (decrypted)`, "INVALID_KEY");
  if (inner.format !== file.contents)
    invalid("INVALID_KEY", `holds ${JSON.stringify(inner.format)}, not the declared ${JSON.stringify(file.contents)}`, `${path} (decrypted).format`);
  return inner as Record<string, JsonValue>;
}

/**
 * A signing key from an encrypted key file: decrypted, validated as a `provenance-key-v1` file,
 * and checked to be the key its clear header names.
 */
export async function decryptSigningKeyFile(file: EncryptedKeyFile, passphrase: string, path = "key file"): Promise<KeyFile> {
  if (file.contents !== "provenance-key-v1") invalid("INVALID_KEY", `holds a ${file.contents} key, not a signing key`, `${path}.contents`);
  const key = parseKeyFile(await decryptKeyDocument(file, passphrase, path), `${path} (decrypted)`);
  const clear = file.public as PublicKeyInfo;
  if (key.keyid !== clear.keyid || key.algorithm !== clear.algorithm || key.publicKey !== clear.publicKey)
    invalid("INVALID_KEY", "the decrypted key is not the key its header names", `${path}.public`);
  return key;
}

/** Encrypts a signing key file (its clear header: the public key). */
export function encryptSigningKeyFile(key: KeyFile, passphrase: string, options?: { readonly scrypt?: ScryptParameters }): Promise<EncryptedKeyFile> {
  return encryptKeyDocument(key, publicKeyInfo(key), passphrase, options);
}
