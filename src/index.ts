// provenance-ledger: the public SDK. Trust-critical, pure code: canonicalJson, record, receipt,
// merkle/, hashing/, verify/. I/O at the edges: chain/ (adapters), store/, cli/.

// First: on an older Node.js, say which one is needed (before anything needs it).
import "./core/requireNode.js";
import "./local/nodeSha256.js"; // core's SHA-256 on node:crypto (a browser keeps @noble/hashes)
import "./local/nodeSecp256k1.js"; // QBFT seal recovery on libsecp256k1 (a browser keeps @noble/curves)
import "./local/nodeKeccak.js"; // keccak256 of proofs and headers in WebAssembly (a browser keeps @noble/hashes)
import "./local/nodeSignatures.js"; // ed25519/P-256 checks on node:crypto first, noble deciding every no
export { MINIMUM_NODE_VERSION } from "./core/requireNode.js";

// Errors
export { BaseError, type BaseErrorParameters } from "./core/errors/base.js";
export { ChainError, type ChainErrorCode, redactUrl } from "./core/errors/chain.js";
export { InputError, type InputErrorCode } from "./core/errors/input.js";
export { MerkleError } from "./core/errors/merkle.js";
export { StoreError, type StoreErrorCode } from "./core/errors/store.js";
export { VerificationError, type VerificationCheck } from "./core/errors/verification.js";

// Formats
export { canonicalJson, canonicalJsonBytes, type JsonValue } from "./core/canonicalJson.js";
export { type Hex, hexEquals, parseAddress, parseHexBytes } from "./core/hex.js";
export {
  type ArtifactDescription,
  type CreateRecordParameters,
  type ProvenanceRecord,
  RECORD_FORMAT,
  RECORD_FORMAT_V1,
  RECORD_FORMATS,
  type RecordSubject,
  artifactOfDigest,
  createRecord,
  leafOfRecord,
  parseRecord,
  recordHash,
  subjectDigest,
} from "./formats/record.js";
export {
  MAX_PROOF_LENGTH,
  RECEIPT_FORMAT,
  type Receipt,
  type ReceiptAnchor,
  type ReceiptBatch,
  entryField,
  parseReceipt,
  receiptEntry,
  serializeReceipt,
} from "./formats/receipt.js";
export { MAX_JSON_DEPTH, parseJson, parseJsonBytes } from "./core/parseJson.js";
export {
  type LedgerEntry,
  attestationEntry,
  describeEntry,
  entryHash,
  entryJson,
  entrySubjectSha256,
  entrySubjects,
  leafOfEntry,
  parseEntry,
} from "./formats/entry.js";

// Attestations: DSSE envelopes carrying in-toto statements, signed by keys registered on chain
// (everything of the provenance-ledger/attestation subpath, and what only the root exports besides)
export * from "./local/attestation.js";
export { decodeBase64, encodeBase64 } from "./formats/attestation/dsse.js";
export {
  KEY_ALGORITHM_CODES,
  POSSESSION_FORMAT,
  SIGNING_KEY_POSSESSION_TAG,
  type KeyPossession,
  type KeyPossessionFile,
  type PossessionBinding,
  checkKeyPossession,
  parseKeyPossessionFile,
  possessionHash,
  possessionMessage,
  proveKeyPossession,
  publicKeyBytes,
  publicKeyInfoFromBytes,
} from "./formats/attestation/keyPossession.js";
export { parseStatementLayer } from "./formats/attestation/statement.js";
export * from "./formats/predicates/approval.js";
export * from "./formats/predicates/dataset.js";
export * from "./formats/predicates/deployment.js";
export * from "./formats/predicates/evaluation.js";
export * from "./formats/predicates/modelUpdate.js";
export * from "./formats/predicates/revocation.js";
export * from "./formats/predicates/trainingRun.js";
export { SBOM_PREDICATE_TYPE, type SbomPredicate, parseSbomPredicate, sbomModelDigest } from "./formats/predicates/sbom.js";
export {
  MODEL_MANIFEST_PREDICATE_TYPE,
  MODEL_MANIFEST_PREDICATE_TYPE_V1,
  MODEL_RESOURCE_LEAF_ENCODING,
  type ModelManifestArtifact,
  type ModelManifestDifference,
  type ModelManifestMerkle,
  type ModelManifestPredicate,
  type ModelManifestResource,
  type ModelManifestSerialization,
  type ParseModelManifestPredicateErrorType,
  type ProveResourceReturnType,
  modelResourceLeaf,
  parseModelManifestPredicate,
  parseModelManifestPredicateV1,
  proveResource,
  verifyResourceProof,
} from "./formats/predicates/modelManifest.js";
export {
  type CreateModelManifestPredicateErrorType,
  type CreateModelManifestPredicateParameters,
  type CreateModelManifestPredicateReturnType,
  type VerifyModelAgainstManifestErrorType,
  type VerifyModelAgainstManifestParameters,
  type VerifyModelAgainstManifestReturnType,
  createModelManifestPredicate,
  verifyModelAgainstManifest,
} from "./local/hashing/modelManifestPredicate.js";
export * from "./formats/predicates/environment.js";

// SBOMs (CycloneDX 1.6 ML-BOM, SPDX 3.0 export) and environment capture
export * from "./local/sbom/index.js";
export { type CaptureEnvironmentParameters, captureEnvironment } from "./local/environment/captureEnvironment.js";
export { parseNvidiaSmiGpus, parseNvidiaSmiHeader } from "./local/environment/parseNvidiaSmi.js";
export { type ContainerSources, detectContainer, readContainerSources } from "./local/environment/detectContainer.js";
export { parseContainerImage } from "./local/environment/parseContainerImage.js";
export { parseOsRelease } from "./local/environment/parseOsRelease.js";
export { parseGccVersion, parseJavaVersion, parseNvccVersion } from "./local/environment/parseToolVersion.js";
export { parseDpkgPackages, parseRpmPackages } from "./local/environment/listOsPackages.js";
export { parseCoreMetadata } from "./local/environment/listPythonPackages.js";

// Merkle batches
export { LEAF_ENCODING, recordLeaf } from "./merkle/leaf.js";
export { buildMerkleTree } from "./local/merkleThreads.js"; // installs the worker-thread tree hasher
export { loadMerkleTree } from "./local/merkleThreads.js";
export { processProof, verifyMerkleProof } from "./merkle/proof.js";
export type { MerkleTree } from "./merkle/tree.js";

// Model hashing
export * from "./local/hashing/index.js";

// Chain access
export type { BlockHeader, ChainReader, ChainWriter, LogEntry, LogFilter, SignedTransaction, TransactionReceipt } from "./chain/types.js";
export { type FromViemParameters, fromViem } from "./chain/viem.js";
export { type FromEthersParameters, fromEthers } from "./chain/ethers.js";
// Trust modes: rpc (the node trusted), light (a pinned QBFT validator set; the node only a transport)
export {
  type JsonRpcTransport,
  TRUST_MODES,
  type TrustMode,
  type TrustReport,
  type TrustedChainReader,
  httpTransport,
  rpcTrustedReader,
} from "./chain/trustMode.js";
export { type LightChainReader, type LightChainReaderParameters, createLightChainReader } from "./verify/lightclient/lightReader.js";
export { QBFT_TRUST_FORMAT, type QbftTrust, parseQbftTrust, serializeQbftTrust } from "./verify/lightclient/trustFile.js";
// Every export of registry.ts is the registry's public API (its internals live in other modules).
export * from "./chain/registry.js";
export { provenanceRegistryAbi, provenanceRegistryBytecode, provenanceRegistryDeployedBytecode } from "./chain/registryArtifact.js";
export { type WaitParameters, sendAndWait, waitForTransaction } from "./chain/transactions.js";
export { DEV_PRIVATE_KEY, type EmbeddedChain, startEmbeddedChain } from "./chain/embeddedChain.js";

// Ledger (store + orchestration) and verification
export {
  type BatchAnchorInfo,
  LedgerStore,
  STORE_SCHEMA_VERSION,
  type StoredBatch,
  type StoredLedgerEntry,
  type StoredRecord,
} from "./ledger/store/ledgerStore.js";
export { BATCH_STATUSES, type BatchStatus, type EntryStatus, type LedgerBatchStatus, type ServiceBatchStatus } from "./ledger/store/batchStatus.js";
export {
  type AnchorBatchesParameters,
  SOFTWARE,
  addAttestation,
  addEntry,
  addRecord,
  anchorBatches,
  buildReceipt,
  findEntries,
  findRecords,
  sealBatch,
} from "./ledger/ledger.js";
export { type VerifiedReceipt, type VerifyReceiptParameters, verifyReceipt } from "./verify/verifyReceipt.js";
export {
  type ArtifactCheck,
  type ArtifactEvidence,
  type HashingClaim,
  artifactFromDigest,
  artifactFromModelDigest,
  checkArtifact,
  checkHashingVersion,
  checkKindClaims,
  hashingClaim,
  parseDigestSpec,
} from "./verify/artifact.js";
export { type VerifiedAttestation, type VerifiedSigner, type VerifyAttestationParameters, verifyAttestation } from "./verify/verifyAttestation.js";

// Lineage, approvals, evidence bundles
export * from "./verify/lineage/lineageGraph.js";
export { type LineageFormat, type LineageMarks, renderLineage } from "./verify/lineage/renderLineage.js";
export { type ApprovalPolicy, type ApprovalQuorum, type SignedAttestation, checkApprovalQuorum } from "./verify/lineage/approvalQuorum.js";
export { BUNDLE_FORMAT, type EvidenceBundle, MAX_BUNDLE_ENTRIES, parseBundle, serializeBundle } from "./formats/bundle.js";
export { asLineage, buildBundle, lineageEntries } from "./ledger/buildBundle.js";
export {
  type BundleRevocation,
  type BundleVerdict,
  type Registration,
  type VerifiedBundle,
  type VerifyBundleParameters,
  registrationOf,
  verifyBundle,
} from "./verify/verifyBundle.js";
export {
  type EntryRevocation,
  type FreshnessParameters,
  type ReadEntryRevocationParameters,
  type RevocationFinding,
  type RevocationHead,
  readEntryRevocation,
} from "./verify/revocation.js";
export { DEFAULT_VERIFICATION_POLICY, VERIFICATION_POLICY_FORMAT, type VerificationPolicy, parseVerificationPolicy } from "./verify/verificationPolicy.js";

// Pipeline stages (what a training job calls)
export * from "./ledger/pipeline/modelPipeline.js";

// Printing hostile text, and the verifier's trust file
export { escapeJsonText, escapeTerminal, safeJsonStringify } from "./core/terminalText.js";
export { TRUST_FORMAT, type TrustFile, parseTrustFile } from "./verify/trustFile.js";
export { type PublishRevocationParameters, type PublishRevocationReturnType, publishRevocation } from "./ledger/pipeline/publishRevocation.js";

// Model files (safetensors) and watermarks bound to provenance (docs/watermark.md)
export { ModelFormatError, type ModelFormatErrorCode } from "./core/errors/modelFormat.js";
export { WatermarkError, type WatermarkErrorCode } from "./core/errors/watermark.js";
export { FLOAT_DTYPES, type FloatDtype, SAFETENSORS_DTYPES, type SafetensorsDtype, decodeFloats, encodeFloats } from "./formats/safetensors/dtype.js";
export {
  MAX_HEADER_SIZE,
  type SafetensorsHeader,
  type TensorData,
  type TensorInfo,
  parseSafetensorsHeader,
  serializeSafetensors,
} from "./formats/safetensors/header.js";
export {
  SAFETENSORS_INDEX_FILE,
  type SafetensorsModel,
  type SafetensorsShard,
  openSafetensorsModel,
  readSafetensorsHeader,
  rewriteSafetensorsFile,
  rewriteSafetensorsModel,
} from "./local/safetensorsFile.js";
export * from "./formats/predicates/modelWatermark.js";
export {
  type WatermarkKey,
  WATERMARK_KEY_FORMAT,
  createWatermarkKey,
  keyCommitment,
  parseWatermarkKey,
  serializeWatermarkKey,
} from "./formats/watermark/watermarkKey.js";
export {
  DEFAULT_STRENGTH,
  DETECTION_THRESHOLD,
  PAYLOAD_BITS,
  WEIGHTS_SCHEME,
  type WeightDetection,
  watermarkPayload,
} from "./formats/watermark/weightWatermark.js";
export {
  type CoveredTensor,
  type DetectModelWatermarkParameters,
  type EmbedModelWatermarkParameters,
  detectModelWatermark,
  embedModelWatermark,
} from "./local/embedModel.js";
export { type MemoryTensor, detectTensors, markTensors } from "./formats/watermark/markTensors.js";
export { alignToOriginal } from "./formats/watermark/alignNeurons.js";
export { type AnchoredWatermark, findAnchoredWatermark } from "./verify/anchoredWatermark.js";
export {
  type LogitsProcessor,
  TEXT_DETECTION_THRESHOLD,
  TEXT_SCHEME,
  type TextDetection,
  createWatermarkLogitsProcessor,
  detectTextWatermark,
  greenMask,
  isGreen,
} from "./formats/watermark/textWatermark.js";
