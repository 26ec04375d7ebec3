// Attestations, platform-neutral: DSSE envelopes, public keys and signature checks, in-toto
// statements and predicates. The `provenance-ledger/attestation` export is src/local/attestation.ts:
// this plus the key files a Node.js process generates, signs with and encrypts (src/local/keys/).

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
  PUBLIC_KEY_FORMAT,
  type KeyAlgorithm,
  type PublicKeyInfo,
  onChainKeyId,
  onChainRole,
  parsePublicKeyInfo,
  publicKeyInfo,
  verifySignature,
} from "./publicKeys.js";
export { MAX_SUBJECTS, STATEMENT_TYPE, type Statement, type StatementSubject } from "./statement.js";
export { parseStatement, statementOfEnvelope } from "./parseStatement.js";
export { PREDICATE_NAMES, PREDICATE_PARSERS, parsePredicate } from "../predicates/index.js";
export { addSignatures, signStatement } from "./signStatement.js";
export type { Signer } from "./signer.js";
export { type VerifiedEnvelope, type VerifyEnvelopeParameters, verifyEnvelope } from "./verifyEnvelope.js";
