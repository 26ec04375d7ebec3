// provenance-ledger/verify/core: what a third party needs to check a receipt or an evidence
// bundle, platform-neutral (no node:, no Buffer): it bundles for a browser
// (test/verify/browser-bundle.test.ts) and runs in any JavaScript runtime. The Node.js entry,
// provenance-ledger/verify, is src/local/verify.ts: this plus hashing a model on disk.

export { BaseError } from "../core/errors/base.js";
export { ChainError, type ChainErrorCode } from "../core/errors/chain.js";
export { InputError, type InputErrorCode } from "../core/errors/input.js";
export { VerificationError, type VerificationCheck } from "../core/errors/verification.js";
export { type Receipt, RECEIPT_FORMAT, parseReceipt, receiptEntry } from "../formats/receipt.js";
export { type VerifiedReceipt, type VerifyReceiptParameters, verifyReceipt } from "./verifyReceipt.js";
export { type VerifiedAttestation, type VerifiedSigner, type VerifyAttestationParameters, verifyAttestation } from "./verifyAttestation.js";
export { BUNDLE_FORMAT, type EvidenceBundle, parseBundle } from "../formats/bundle.js";
export { type BundleVerdict, type VerifiedBundle, type VerifyBundleParameters, verifyBundle } from "./verifyBundle.js";
export type { ChainReader } from "../chain/types.js";
export { type FromViemParameters, fromViem } from "../chain/viem.js";
