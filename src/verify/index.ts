// provenance-ledger/verify: what a third party needs to check a receipt or an evidence bundle,
// without the store, the service or SQLite.
import "../requireNode.js";

export { BaseError } from "../errors/base.js";
export { ChainError, type ChainErrorCode } from "../errors/chain.js";
export { InputError, type InputErrorCode } from "../errors/input.js";
export { VerificationError, type VerificationCheck } from "../errors/verification.js";
export { type Receipt, RECEIPT_FORMAT, parseReceipt, receiptEntry } from "../receipt.js";
export { type VerifiedReceipt, type VerifyReceiptParameters, verifyReceipt } from "./verifyReceipt.js";
export { type VerifiedAttestation, type VerifiedSigner, type VerifyAttestationParameters, verifyAttestation } from "./verifyAttestation.js";
export { BUNDLE_FORMAT, type EvidenceBundle, parseBundle } from "../bundle/bundle.js";
export { type BundleVerdict, type VerifiedBundle, type VerifyBundleParameters, verifyBundle } from "../bundle/verifyBundle.js";
export { hashModel } from "../hashing/hashModel.js";
export { verifyModelDigest } from "../hashing/verifyModelDigest.js";
export type { ChainReader } from "../chain/types.js";
export { type FromViemParameters, fromViem } from "../chain/viem.js";
