// provenance-ledger/verify: what a third party needs to check a receipt or an evidence bundle,
// without the store, the service or SQLite. The platform-neutral checks (src/verify/index.ts,
// also exported as provenance-ledger/verify/core) plus hashing a model on disk to compare it.
import "../core/requireNode.js";
import "./nodeSecp256k1.js"; // QBFT seal recovery on libsecp256k1 (light mode)
import "./nodeKeccak.js"; // keccak256 of proofs and headers in WebAssembly
import "./nodeSignatures.js"; // ed25519/P-256 checks on node:crypto first, noble deciding every no

export * from "../verify/index.js";
export { hashModel } from "./hashing/hashModel.js";
export { verifyModelDigest } from "./hashing/verifyModelDigest.js";
