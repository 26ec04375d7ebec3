// Where ProvenanceRegistry keeps what a verdict uses, for storage proofs (`verifyGetProof`), and how
// its packed words decode. Solidity layout: AccessControl's `_roles` (0), `_organisationCount` (1),
// `_organisations` (2), `_anchors` (3, orgId => root => Anchor), `_signingKeys` (4, orgId => keyId =>
// SigningKey), `_revocations` (5, orgId => subjectDigest => Revocation); a mapping's value for key k
// at slot p is at keccak256(k ‖ p), structs packed from the low-order end. A layout change in the
// contract must change these numbers; test/verify/lightclient-proofs.test.ts checks them against the
// contract's own getters on a real chain.
import { bigIntToFixedBytes, bytesToBigInt, bytesToHex, concatBytes, hexToBytes, keccak256, type Hex } from "./bytes.js";

export const REGISTRY_SLOTS = { anchors: 3n, signingKeys: 4n, revocations: 5n } as const;

function mappingSlot(key: Uint8Array, slot: Uint8Array): Uint8Array {
  return keccak256(concatBytes(key, slot));
}
const word = (value: bigint): Uint8Array => bigIntToFixedBytes(value, 32);
const bytes32 = (hex: Hex, field: string): Uint8Array => hexToBytes(hex, "storage-proof", field, 32);

/** The slot of `anchorOf(orgId, root)`. */
export function anchorSlot(orgId: number, root: Hex): Hex {
  return bytesToHex(mappingSlot(bytes32(root, "root"), mappingSlot(word(BigInt(orgId)), word(REGISTRY_SLOTS.anchors))));
}

/**
 * The first slot of `signingKey(orgId, keyId)` (registeredAt, revokedAt, algorithm); the role is in the next slot,
 * the possession hash in the one after.
 */
export function signingKeySlot(orgId: number, keyId: Hex): Hex {
  return bytesToHex(mappingSlot(bytes32(keyId, "keyId"), mappingSlot(word(BigInt(orgId)), word(REGISTRY_SLOTS.signingKeys))));
}

/** The first slot of `revocationOf(orgId, subjectDigest)` (revoked, changedAt); the entry hash is in the next slot. */
export function revocationSlot(orgId: number, subjectDigest: Hex): Hex {
  return bytesToHex(mappingSlot(bytes32(subjectDigest, "subjectDigest"), mappingSlot(word(BigInt(orgId)), word(REGISTRY_SLOTS.revocations))));
}

/** The slot after `slot` (the second slot of a two-slot struct). */
export function nextSlot(slot: Hex): Hex {
  return bytesToHex(word((BigInt(slot) + 1n) % 2n ** 256n));
}

const bits = (value: bigint, from: number, width: number): bigint => (value >> BigInt(from)) & ((1n << BigInt(width)) - 1n);

/** A proven anchor word: orgId uint32, sequence uint64, blockNumber uint48, timestamp uint40, leafCount uint32 (zero: never anchored). */
export function decodeAnchorWord(value: Uint8Array): { orgId: number; sequence: bigint; blockNumber: bigint; timestamp: bigint; leafCount: number } {
  const v = bytesToBigInt(value);
  return {
    orgId: Number(bits(v, 0, 32)),
    sequence: bits(v, 32, 64),
    blockNumber: bits(v, 96, 48),
    timestamp: bits(v, 144, 40),
    leafCount: Number(bits(v, 184, 32)),
  };
}

/** A proven signing-key first word: registeredAt uint64, revokedAt uint64, algorithm uint8 (zero: never registered by that organisation). */
export function decodeSigningKeyWord(value: Uint8Array): { registeredAt: bigint; revokedAt: bigint; algorithm: number } {
  const v = bytesToBigInt(value);
  return { registeredAt: bits(v, 0, 64), revokedAt: bits(v, 64, 64), algorithm: Number(bits(v, 128, 8)) };
}

/** A proven revocation first word: revoked bool, changedAt uint64 (zero: never changed). */
export function decodeRevocationWord(value: Uint8Array): { revoked: boolean; changedAt: bigint } {
  const v = bytesToBigInt(value);
  return { revoked: bits(v, 0, 8) === 1n, changedAt: bits(v, 8, 64) };
}
