// provenance-ledger/service: the anchoring service (HTTP API, stores, tokens) for embedding.
import "../core/requireNode.js";
import "../local/merkleThreads.js"; // big batches hash their trees on worker threads
import "../local/nodeSha256.js"; // core's SHA-256 on node:crypto
import "../local/nodeKeccak.js"; // keccak256 of proofs and headers in WebAssembly
import "../local/nodeSignatures.js"; // ed25519/P-256 checks on node:crypto first, noble deciding every no

export { type RunningService, type ServiceConfig, DEFAULT_FEE_POLICY, startService } from "./service.js";
export type { FeePolicy } from "../ledger/anchoring/feePolicy.js";
export { isPostgresLocation, openServiceStore } from "./store/openServiceStore.js";
export type { AddEntryResult, EntryStatus, NewEntry, ServiceStore, StoredEntry, StoredToken } from "./store/serviceStore.js";
export { API_TOKEN_PREFIX, generateApiToken, hashApiToken, isApiToken } from "./apiToken.js";
export { type StoreCheckProblem, type StoreCheckResult, checkStore } from "./store/checkStore.js";
export { type CreateLoggerParameters, type LogLevel, createLogger, silentLogger } from "./logger.js";
export type { Logger } from "./types.js";
