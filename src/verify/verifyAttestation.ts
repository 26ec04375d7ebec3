import { verifyEnvelope } from "../formats/attestation/verifyEnvelope.js";
import { type PublicKeyInfo, onChainKeyId } from "../formats/attestation/publicKeys.js";
import type { Statement } from "../formats/attestation/statement.js";
import { checkKeyPossession } from "../formats/attestation/keyPossession.js";
import { readKeyPossession, readSigningKey } from "../chain/registry.js";
import { VerificationError } from "../core/errors/verification.js";
import type { Hex } from "../core/hex.js";
import type { Receipt } from "../formats/receipt.js";
import { type ChainCheckMemo, type VerifiedReceipt, type VerifyReceiptParameters, once, verifyReceiptOfEntry } from "./verifyReceipt.js";

export type VerifyAttestationParameters = VerifyReceiptParameters & {
  /** Public keys of ed25519 and P-256 signers (checked against their keyids); secp256k1 needs none. */
  readonly publicKeys?: readonly PublicKeyInfo[] | undefined;
  /**
   * Proof-of-possession checks already made with this same `chain` (verifyBundle shares one map
   * across its entries, which are mostly signed by the same few keys): a registration is read and
   * checked once. Keyed by everything the check depends on; only results, never inputs, are reused.
   */
  readonly possessionChecks?: Map<string, Promise<string | null>> | undefined;
  /** Anchor and key-registration checks already made with this same `chain` and pins (verifyBundle shares one across its entries, like `possessionChecks`). */
  readonly chainChecks?: ChainCheckMemo | undefined;
};

/** A signer whose key the organisation had registered on chain when the envelope was anchored. */
export type VerifiedSigner = PublicKeyInfo & {
  /** keccak256 of the role name the organisation registered the key with (zero: none). */
  readonly role: Hex;
  /** Block at which the key was registered. */
  readonly registeredAt: number;
};

export type VerifiedAttestation = VerifiedReceipt & {
  readonly statement: Statement;
  readonly entryHash: Hex;
  readonly signers: readonly VerifiedSigner[];
};

/**
 * Verifies a receipt whose entry is a signed attestation: everything `verifyReceipt` checks (the
 * envelope is anchored where the receipt says, under the pinned chain and registry), then every
 * signature over the DSSE PAE (`signature`, `pae`), then that every signing key was registered to
 * the anchoring organisation at or before the anchor block, not revoked by then, with a valid proof of
 * possession bound to this chain, registry, organisation and role (`signing-key`). Only then does it return; any failure throws a VerificationError naming the
 * check.
 *
 * @example
 * import { verifyAttestation } from "provenance-ledger";
 * const { statement, signers } = await verifyAttestation({ receipt, chain, chainId, registry, publicKeys });
 */
export async function verifyAttestation(parameters: VerifyAttestationParameters): Promise<VerifiedAttestation> {
  const receipt: Receipt = parameters.receipt;
  if (receipt.envelope === undefined) throw new VerificationError("envelope", "the receipt is for a plain record, not a signed attestation");
  // Offline first: a forged signature fails before any network round trip.
  const envelope = await verifyEnvelope({ envelope: receipt.envelope, publicKeys: parameters.publicKeys });
  // The envelope just parsed and checked is the entry whose leaf is checked (its statement parsed
  // and its hash computed once).
  const anchored = await verifyReceiptOfEntry(
    parameters,
    { kind: "attestation", envelope: envelope.envelope, statement: envelope.statement },
    envelope.entryHash,
    parameters.chainChecks,
  );
  const signers: VerifiedSigner[] = [];
  for (const signer of envelope.signers) {
    // Keys are registered per organisation: only the anchoring organisation's registration is read, so another
    // organisation's registration of the same key id (a squat, or a shared key) never counts here.
    const orgId = anchored.organisation.id;
    const keyId = onChainKeyId(signer.keyid);
    const key = await once(parameters.chainChecks, JSON.stringify(["signingKey", anchored.registry, orgId, keyId]), () =>
      readSigningKey(parameters.chain, anchored.registry, orgId, keyId),
    );
    const at = anchored.blockNumber;
    if (!key)
      throw new VerificationError(
        "signing-key",
        `key ${signer.keyid} is not registered to organisation ${orgId} that anchored the envelope, in ${anchored.registry}`,
      );
    if (key.registeredAt > at)
      throw new VerificationError(
        "signing-key",
        `key ${signer.keyid} was registered at block ${key.registeredAt}, after the envelope was anchored at block ${at}`,
      );
    if (key.revokedAt !== 0 && key.revokedAt <= at)
      throw new VerificationError("signing-key", `key ${signer.keyid} was revoked at block ${key.revokedAt}, at or before the anchor block ${at}`);
    // Proof of possession: the registry checks secp256k1 proofs itself, not ed25519 or P-256 ones, so every
    // verifier checks the proof the registration emitted, against the hash the registry stored, for every algorithm.
    const check = async (): Promise<string | null> => {
      const possession = await readKeyPossession(parameters.chain, anchored.registry, orgId, keyId, key);
      return possession
        ? checkKeyPossession(
            possession,
            { chainId: anchored.chainId, registry: anchored.registry, orgId, keyId, role: key.role },
            { keyid: signer.keyid, possessionHash: key.possessionHash },
          )
        : `its SigningKeyRegistered log is not in block ${key.registeredAt}`;
    };
    const memoKey = [
      anchored.chainId,
      anchored.registry.toLowerCase(),
      orgId,
      keyId.toLowerCase(),
      key.role,
      key.registeredAt,
      key.possessionHash,
      signer.keyid,
    ].join(" ");
    const problem = await once(parameters.possessionChecks, memoKey, check);
    if (problem)
      throw new VerificationError("signing-key", `key ${signer.keyid}'s registration for organisation ${orgId} has no valid proof of possession: ${problem}`);
    signers.push({ ...signer, role: key.role, registeredAt: key.registeredAt });
  }
  return {
    ...anchored,
    statement: envelope.statement,
    entryHash: envelope.entryHash,
    signers,
    checks: [...anchored.checks, "envelope", "signature", "signing-key"],
  };
}
