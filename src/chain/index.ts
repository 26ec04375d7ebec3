// provenance-ledger/chain: the narrow chain interfaces, the viem and ethers adapters, and the
// registry contract's calls and artefact.
import "../core/requireNode.js";

export { ChainError, type ChainErrorCode, redactUrl } from "../core/errors/chain.js";
export type { BlockHeader, ChainReader, ChainWriter, LogEntry, LogFilter, SignedTransaction, TransactionReceipt } from "./types.js";
export { type FromViemParameters, fromViem } from "./viem.js";
export { fromEip1193 } from "./eip1193.js";
export { type QuorumChainReaderParameters, createQuorumChainReader } from "./quorumReader.js";
export { type FromEthersParameters, fromEthers } from "./ethers.js";
export { type JsonRpcTransport, TRUST_MODES, type TrustMode, type TrustReport, type TrustedChainReader, httpTransport, rpcTrustedReader } from "./trustMode.js";
// Every export of registry.ts is the registry's public API (its internals live in other modules).
export * from "./registry.js";
export { provenanceRegistryAbi, provenanceRegistryBytecode, provenanceRegistryDeployedBytecode } from "./registryArtifact.js";
export { type WaitParameters, sendAndWait, waitForTransaction } from "./transactions.js";
