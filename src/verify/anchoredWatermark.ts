// Commit and reveal: matching a revealed key against the model-watermark attestations that a
// verifier has already checked (signatures, keys and anchors on chain). The earliest anchored
// commitment to a key is the one that settles a dispute.

import { MODEL_WATERMARK_PREDICATE_TYPE, type ModelWatermarkPredicate, parseModelWatermarkPredicate } from "../formats/predicates/modelWatermark.js";
import type { VerifiedAttestation } from "./verifyAttestation.js";
import { DEFAULT_VERIFICATION_POLICY, VERIFICATION_POLICY_FORMAT, type VerificationPolicy } from "./verificationPolicy.js";
import { type WatermarkKey, keyCommitment } from "../formats/watermark/watermarkKey.js";

/**
 * The policy for a commit-and-reveal check: the bundle must verify and hold a model-watermark
 * attestation about the model. A marked model is a new artifact whose own provenance is whatever
 * its owner attested; what settles ownership is the anchored key commitment, so that is what is
 * required (deployments are still checked as by default).
 */
export const WATERMARK_VERIFICATION_POLICY: VerificationPolicy = {
  format: VERIFICATION_POLICY_FORMAT,
  require: [["model-watermark"]],
  deployment: DEFAULT_VERIFICATION_POLICY.deployment,
};

/** A verified model-watermark attestation whose key commitment matched a revealed key. */
export type AnchoredWatermark = {
  readonly attestation: VerifiedAttestation;
  readonly predicate: ModelWatermarkPredicate;
};

/**
 * The earliest anchored (lowest block, then sequence) verified model-watermark attestation of the
 * key's kind whose commitment equals the key's: the key was committed to there, by that
 * organisation, at that block. `undefined` if none matches.
 *
 * @example
 * import { findAnchoredWatermark } from "provenance-ledger";
 * const match = findAnchoredWatermark((await verifyBundle(...)).attestations, revealedKey);
 * if (match) console.log(match.attestation.blockNumber, match.attestation.organisation.name);
 */
export function findAnchoredWatermark(attestations: readonly VerifiedAttestation[], key: WatermarkKey): AnchoredWatermark | undefined {
  const commitment = keyCommitment(key);
  const matches = attestations
    .filter((a) => a.statement.predicateType === MODEL_WATERMARK_PREDICATE_TYPE)
    .map((attestation) => ({ attestation, predicate: parseModelWatermarkPredicate(attestation.statement.predicate) }))
    .filter(({ predicate }) => predicate.kind === key.kind && predicate.keyCommitment === commitment);
  matches.sort((a, b) => a.attestation.blockNumber - b.attestation.blockNumber || a.attestation.sequence - b.attestation.sequence);
  return matches[0];
}
