// provenance-ledger/attestation: DSSE envelopes, signing keys, in-toto statements and predicates.
// The platform-neutral part is src/formats/attestation/index.ts; this adds the key files a Node.js
// process generates, loads, signs with and encrypts (node:crypto: src/local/keys/).
import "../core/requireNode.js";

export * from "../formats/attestation/index.js";
export { KEY_FORMAT, type KeyFile, generateKeyFile, keyFileFromEthereumKey, keyidOfPublicKey, parseKeyFile, signerFromKeyFile } from "./keys/keys.js";
export {
  ENCRYPTED_KEY_FORMAT,
  type EncryptedKeyFile,
  type EncryptedKeyPublicPart,
  type ScryptParameters,
  DEFAULT_SCRYPT,
  MAX_SCRYPT_MEMORY,
  MAX_SCRYPT_WORK,
  decryptKeyDocument,
  decryptSigningKeyFile,
  encryptKeyDocument,
  encryptSigningKeyFile,
  isEncryptedKeyFile,
  parseEncryptedKeyFile,
} from "./keys/encryptedKey.js";
