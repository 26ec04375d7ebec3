// provenance-ledger/attestation: DSSE envelopes, signing keys, in-toto statements and predicates.
import "../../core/requireNode.js";

export { InputError, type InputErrorCode } from "../../core/errors/input.js";
export {
  type DsseEnvelope,
  type DsseSignature,
  IN_TOTO_PAYLOAD_TYPE,
  MAX_PAYLOAD_BYTES,
  MAX_SIGNATURES,
  envelopeHash,
  envelopePayload,
  parseEnvelope,
  preAuthEncoding,
} from "./dsse.js";
export {
  KEY_ALGORITHMS,
  KEY_FORMAT,
  PUBLIC_KEY_FORMAT,
  type KeyAlgorithm,
  type KeyFile,
  type PublicKeyInfo,
  type Signer,
  generateKeyFile,
  keyFileFromEthereumKey,
  keyidOfPublicKey,
  onChainKeyId,
  onChainRole,
  parseKeyFile,
  parsePublicKeyInfo,
  publicKeyInfo,
  signerFromKeyFile,
  verifySignature,
} from "./keys.js";
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
} from "./encryptedKey.js";
export { MAX_SUBJECTS, STATEMENT_TYPE, type Statement, type StatementSubject } from "./statement.js";
export { parseStatement, statementOfEnvelope } from "./parseStatement.js";
export { PREDICATE_NAMES, PREDICATE_PARSERS, parsePredicate } from "../predicates/index.js";
export { addSignatures, signStatement } from "./signStatement.js";
export { type VerifiedEnvelope, type VerifyEnvelopeParameters, verifyEnvelope } from "./verifyEnvelope.js";
