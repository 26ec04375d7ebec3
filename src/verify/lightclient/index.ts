// The light client: verification that trusts a pinned QBFT validator set, not the RPC node.
// Platform-neutral (Uint8Array, @noble/hashes, @noble/curves; no node: imports): runs in browsers.
// Layers: bytes/rlp → header/qbft → mpt → stateProof/receiptProof/validatorSet → trustFile/walk
// (pure) → syncQbft (the only file that asks a node anything).
export { type Hex, bytesToHex, hexToBytes, keccak256 } from "./bytes.js";
export { type RlpItem, decodeRlp, encodeRlp } from "./rlp.js";
export { type BlockHeader, decodeHeader, encodeHeader, headerFromRpc, headerToRpc, plainBlockHash } from "./header.js";
export * from "./qbft.js";
export { type BuiltTrie, EMPTY_TRIE_ROOT, MAX_PROOF_NODES, buildMpt, verifyMptProof } from "./mpt.js";
export { EMPTY_CODE_HASH, type ProvenAccount, type ProvenState, slotKey, verifyAccountProof, verifyGetProof, verifyStorageProof } from "./stateProof.js";
export {
  type ProvenLog,
  type ProvenReceipt,
  type ReceiptProof,
  buildReceiptsTrie,
  decodeReceipt,
  encodeReceipt,
  receiptFromRpc,
  receiptKey,
  verifyReceiptProof,
} from "./receiptProof.js";
export { type PendingVotes, type VoteTally, tallyAfterBlock, validatorContractSlots, verifyValidatorContractProof } from "./validatorSet.js";
export { DEFAULT_EPOCH_LENGTH, QBFT_TRUST_FORMAT, type QbftTrust, type ValidatorSelection, parseQbftTrust, serializeQbftTrust } from "./trustFile.js";
export { type QbftWalkStep, type VerifiedBlock, walkQbftHeaders } from "./walk.js";
export { type JsonRpcRequest, type SyncQbftHeadersParameters, fetchWalkStep, syncQbftHeaders } from "./syncQbft.js";
export { LightClientError, type LightClientCheck } from "../../core/errors/lightClient.js";
// Every export of registrySlots.ts is public.
export * from "./registrySlots.js";
export {
  GENESIS_ROOT,
  ORGANISATIONS_SLOT,
  anchorSlots,
  organisationDataSlots,
  organisationSlot,
  organisationSlots,
  provenAnchor,
  provenOrganisation,
  provenRevocation,
  provenSigningKey,
  revocationSlots,
  signingKeySlots,
} from "./registryFacts.js";
export { type Eip1193Request, READ_METHODS, pinBlockTags } from "../../chain/transport.js";
export { type QuorumEndpoint, type QuorumReport, type QuorumRequest, type QuorumRequestParameters, quorumRequest } from "../../chain/quorum.js";
export {
  MAX_OFFLINE_KIT_ANSWERS,
  OFFLINE_KIT_FORMAT,
  type OfflineKit,
  type RecordedAnswer,
  type RecordingRequest,
  parseOfflineKit,
  recordingRequest,
  replayRequest,
} from "./offlineKit.js";
export { type LightChainReader, type LightChainReaderParameters, createLightChainReader } from "./lightReader.js";
