// Development and test only: makes QBFT headers the way Besu's validators do
// (BftHelpers.createSealedBlock), with test keys. Used by the QBFT test node (the light-mode demo) and
// by tests that forge headers. Never for a real chain: the test keys are public.
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { bytesToHex, concatBytes, hexToBytes, keccak256, type Hex } from "../../verify/lightclient/bytes.js";
import type { BlockHeader } from "../../verify/lightclient/header.js";
import { QBFT_MIX_HASH, type QbftExtraData, type QbftVote, encodeQbftExtraData, qbftCommitSealDigest } from "../../verify/lightclient/qbft.js";

/** A test validator: its private key and address. */
export type TestValidator = { readonly privateKey: Uint8Array; readonly address: Hex };

/** A validator from a private key (32 bytes hex). */
export function testValidator(privateKey: Hex): TestValidator {
  const key = hexToBytes(privateKey, "header", "privateKey", 32);
  const publicKey = secp256k1.getPublicKey(key, false);
  return { privateKey: key, address: bytesToHex(keccak256(publicKey.subarray(1)).subarray(12)) };
}

/** `count` deterministic test validators (keys keccak256("qbft test validator i")). */
export function testValidators(count: number, label = "qbft test validator"): TestValidator[] {
  return Array.from({ length: count }, (_, i) => testValidator(bytesToHex(keccak256(new TextEncoder().encode(`${label} ${i}`)))));
}

/** A 65-byte seal r ‖ s ‖ recovery id (low s) by `validator` over `digest`. */
export function sealDigest(digest: Uint8Array, validator: TestValidator): Uint8Array {
  const signature = secp256k1.sign(digest, validator.privateKey, { lowS: true });
  return concatBytes(signature.toCompactRawBytes(), Uint8Array.of(signature.recovery));
}

export type SealQbftHeaderParameters = {
  /** The listed validators (block-header mode; sorted here) or [] (contract mode). */
  readonly listedValidators: readonly Hex[];
  readonly vote?: QbftVote | undefined;
  readonly round?: number | undefined;
  /** Who seals, in order (duplicates and outsiders allowed: tests forge with them). */
  readonly sealers: readonly TestValidator[];
  /** The proposer (coinbase). */
  readonly proposer: Hex;
};

/**
 * Turns `header` into a sealed QBFT header: QBFT mixHash and difficulty, the proposer as coinbase, and
 * extraData [zero vanity, validators, vote, round, seals over the commit-seal digest].
 */
export function sealQbftHeader(header: BlockHeader, parameters: SealQbftHeaderParameters): BlockHeader {
  const unsealedExtra: QbftExtraData = {
    vanity: new Uint8Array(32),
    validators: [...parameters.listedValidators].map((v) => v.toLowerCase() as Hex).sort(),
    vote: parameters.vote,
    round: parameters.round ?? 0,
    seals: [],
  };
  const unsealed: BlockHeader = {
    ...header,
    coinbase: hexToBytes(parameters.proposer, "header", "proposer", 20),
    mixHash: hexToBytes(QBFT_MIX_HASH, "header", "mixHash", 32),
    difficulty: 1n,
    nonce: new Uint8Array(8),
    extraData: encodeQbftExtraData(unsealedExtra, "all"),
  };
  const digest = qbftCommitSealDigest(unsealed, unsealedExtra);
  const seals = parameters.sealers.map((validator) => sealDigest(digest, validator));
  return { ...unsealed, extraData: encodeQbftExtraData({ ...unsealedExtra, seals }, "all") };
}

/** A QBFT genesis header listing `validators` (no seals; hashed as it is). */
export function qbftGenesisExtraData(validators: readonly Hex[]): Uint8Array {
  return encodeQbftExtraData({ vanity: new Uint8Array(32), validators: [...validators].sort(), vote: undefined, round: 0, seals: [] }, "all");
}
