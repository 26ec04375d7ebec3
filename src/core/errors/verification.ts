import { BaseError, type BaseErrorParameters } from "./base.js";

/** The checks `verifyReceipt` runs, in order. A failure names the first one that failed. */
export type VerificationCheck =
  | "hashing-version"
  | "artifact-digest"
  | "artifact-kind"
  | "record-leaf"
  | "proof-root"
  | "chain-id"
  | "registry"
  | "anchor-root"
  | "anchor-transaction"
  | "anchor-block"
  | "organisation"
  | "confirmations"
  // Attestations: a DSSE envelope and the in-toto statement it carries
  | "envelope"
  | "pae"
  | "signature"
  | "signing-key"
  // Policies over many attestations
  | "approval-quorum"
  | "lineage"
  // Omission: what the verifier's policy or a signed reference says must be there
  | "lineage-reference"
  | "required-attestation"
  | "deployment-signer"
  // Freshness: the head the revocation state was read at is older than the verifier allows
  | "freshness";

/** A receipt that did not verify: `check` says which check failed. */
export class VerificationError extends BaseError<VerificationCheck> {
  override name = "VerificationError";
  get check(): VerificationCheck {
    return this.code;
  }
  constructor(check: VerificationCheck, shortMessage: string, parameters: BaseErrorParameters = {}) {
    super(check, shortMessage, parameters);
  }
}
