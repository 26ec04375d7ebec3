// provenance-ledger/verify: what a third party needs to check a receipt or an evidence bundle,
// without the store, the service or SQLite.
import "../core/requireNode.js";

export { BaseError } from "../core/errors/base.js";
export { ChainError, type ChainErrorCode } from "../core/errors/chain.js";
export { InputError, type InputErrorCode } from "../core/errors/input.js";
export { VerificationError, type VerificationCheck } from "../core/errors/verification.js";
export { type Receipt, RECEIPT_FORMAT, parseReceipt, receiptEntry } from "../formats/receipt.js";
export { type VerifiedReceipt, type VerifyReceiptParameters, verifyReceipt } from "./verifyReceipt.js";
export { type VerifiedAttestation, type VerifiedSigner, type VerifyAttestationParameters, verifyAttestation } from "./verifyAttestation.js";
export { BUNDLE_FORMAT, type EvidenceBundle, parseBundle } from "../formats/bundle.js";
export { type BundleVerdict, type VerifiedBundle, type VerifyBundleParameters, verifyBundle } from "./verifyBundle.js";
export { hashModel } from "../local/hashing/hashModel.js";
export { verifyModelDigest } from "../local/hashing/verifyModelDigest.js";
export type { ChainReader } from "../chain/types.js";
export { type FromViemParameters, fromViem } from "../chain/viem.js";
