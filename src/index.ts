// provenance-ledger: the public SDK. Trust-critical, pure code: canonicalJson, record, receipt,
// merkle/, hashing/, verify/. I/O at the edges: chain/ (adapters), store/, cli/.

// Errors
export { BaseError, type BaseErrorParameters } from "./errors/base.js";
export { ChainError, type ChainErrorCode, redactUrl } from "./errors/chain.js";
export { InputError, type InputErrorCode } from "./errors/input.js";
export { MerkleError } from "./errors/merkle.js";
export { StoreError, type StoreErrorCode } from "./errors/store.js";
export { VerificationError, type VerificationCheck } from "./errors/verification.js";

// Formats
export { canonicalJson, canonicalJsonBytes, type JsonValue } from "./canonicalJson.js";
export { type Hex, hexEquals, parseAddress, parseHexBytes } from "./hex.js";
export {
  type ArtifactDescription,
  type CreateRecordParameters,
  type ProvenanceRecord,
  RECORD_FORMAT,
  type RecordSubject,
  createRecord,
  leafOfRecord,
  parseRecord,
  recordHash,
  subjectDigest,
} from "./record.js";
export { MAX_PROOF_LENGTH, RECEIPT_FORMAT, type Receipt, type ReceiptAnchor, type ReceiptBatch, parseReceipt, serializeReceipt } from "./receipt.js";

// Merkle batches
export { LEAF_ENCODING, recordLeaf } from "./merkle/leaf.js";
export { buildMerkleTree } from "./merkle/buildMerkleTree.js";
export { loadMerkleTree } from "./merkle/loadMerkleTree.js";
export { processProof, verifyMerkleProof } from "./merkle/proof.js";
export type { MerkleTree } from "./merkle/tree.js";

// Model hashing
export * from "./hashing/index.js";

// Chain access
export type { BlockHeader, ChainReader, ChainWriter, LogEntry, LogFilter, SignedTransaction, TransactionReceipt } from "./chain/types.js";
export { type FromViemParameters, fromViem } from "./chain/viem.js";
export { type FromEthersParameters, fromEthers } from "./chain/ethers.js";
export {
  type AnchorState,
  type BatchAnchoredEvent,
  type OrganisationState,
  type SigningKeyState,
  decodeBatchAnchored,
  deployRegistry,
  encodeAnchor,
  findBatchAnchoredLog,
  isAnchorer,
  readAnchor,
  readOrganisation,
  readSigningKey,
  registerOrganisation,
  registerSigningKey,
  revokeSigningKey,
} from "./chain/registry.js";
export { provenanceRegistryAbi, provenanceRegistryBytecode, provenanceRegistryDeployedBytecode } from "./chain/registryArtifact.js";
export { type WaitParameters, sendAndWait, waitForTransaction } from "./chain/transactions.js";
export { DEV_PRIVATE_KEY, type EmbeddedChain, startEmbeddedChain } from "./embeddedChain.js";

// Ledger (store + orchestration) and verification
export { type BatchAnchorInfo, type BatchStatus, LedgerStore, STORE_SCHEMA_VERSION, type StoredBatch, type StoredRecord } from "./store/ledgerStore.js";
export { type AnchorBatchesParameters, SOFTWARE, addRecord, anchorBatches, buildReceipt, findRecords, sealBatch } from "./ledger.js";
export { type VerifiedReceipt, type VerifyReceiptParameters, verifyReceipt } from "./verify/verifyReceipt.js";
