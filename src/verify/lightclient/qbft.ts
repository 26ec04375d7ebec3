// Besu QBFT block headers (consensus/qbft QbftExtraDataCodec, consensus/common BftBlockHashing,
// QbftBlockHeaderValidationRulesetFactory): extraData = RLP [vanity, validators, vote, round, seals].
// A commit seal signs the header with the seals emptied and the round kept; the block hash that
// children and receipts refer to is of the header with the seals emptied and the round set to 0
// (the genesis block is hashed as it is).
import { LightClientError } from "../../core/errors/lightClient.js";
import { bytesToHex, keccak256, type Hex } from "./bytes.js";
import { type BlockHeader, encodeHeader } from "./header.js";
import { decodeRlp, encodeRlp, rlpBytes, rlpList, type RlpItem } from "./rlp.js";
import { recoverSealPublicKey, type SealRecoveryRefusal } from "./secp256k1.js";

/** QBFT's constant mixHash: "tical byzantine fault tolerance" (BftHelpers.EXPECTED_MIX_HASH). */
export const QBFT_MIX_HASH: Hex = "0x63746963616c2062797a616e74696e65206661756c7420746f6c6572616e6365";
/** QBFT's constant difficulty. */
export const QBFT_DIFFICULTY = 1n;
/** Besu's vote byte for "add" (Vote.ADD_BYTE_VALUE); "drop" is the empty string. */
const VOTE_ADD = 0xff;
const VANITY_LENGTH = 32;
const SEAL_LENGTH = 65;
/** Far above any real validator set; bounds the work a hostile header can ask for. */
export const MAX_VALIDATORS = 1024;

/** A validator vote carried by a block-header-mode header: add or drop `recipient`, cast by the block's proposer. */
export type QbftVote = { readonly recipient: Hex; readonly add: boolean };

/** A decoded QBFT extraData. Addresses are lower-case hex; seals are 65 bytes r ‖ s ‖ recovery id. */
export type QbftExtraData = {
  readonly vanity: Uint8Array;
  readonly validators: readonly Hex[];
  readonly vote: QbftVote | undefined;
  readonly round: number;
  readonly seals: readonly Uint8Array[];
};

/**
 * Decodes a QBFT extraData strictly: exactly five items, 32-byte vanity, 20-byte validators, vote
 * absent (empty list) or [address, 0xff | empty], round a canonical integer of at most 4 bytes,
 * seals of 65 bytes. Besu's decoder ignores items after the seals; this one refuses them, so a
 * header has one encoding.
 *
 * @example
 * import { decodeQbftExtraData } from "provenance-ledger/lightclient";
 * const { validators, round, seals } = decodeQbftExtraData(header.extraData);
 */
export function decodeQbftExtraData(bytes: Uint8Array, field = "extraData"): QbftExtraData {
  if (bytes.length === 0) throw new LightClientError("extra-data", "empty (a QBFT header carries RLP [vanity, validators, vote, round, seals])", { field });
  const items = rlpList(decodeRlp(bytes, "extra-data", field), "extra-data", field);
  if (items.length !== 5) throw new LightClientError("extra-data", `expected 5 items [vanity, validators, vote, round, seals], got ${items.length}`, { field });
  const vanity = rlpBytes(items[0], "extra-data", `${field}.vanity`, VANITY_LENGTH);
  const validatorItems = rlpList(items[1]!, "extra-data", `${field}.validators`);
  if (validatorItems.length > MAX_VALIDATORS)
    throw new LightClientError("extra-data", `more than ${MAX_VALIDATORS} validators`, { field: `${field}.validators` });
  const validators = validatorItems.map((item, i) => bytesToHex(rlpBytes(item, "extra-data", `${field}.validators[${i}]`, 20)));
  const vote = decodeVote(rlpList(items[2]!, "extra-data", `${field}.vote`), `${field}.vote`);
  const roundBytes = rlpBytes(items[3], "extra-data", `${field}.round`);
  if (roundBytes.length > 4) throw new LightClientError("extra-data", `round longer than 4 bytes (${roundBytes.length})`, { field: `${field}.round` });
  if (roundBytes[0] === 0) throw new LightClientError("extra-data", "round has a leading zero byte (Besu reads it as a scalar)", { field: `${field}.round` });
  let round = 0;
  for (const byte of roundBytes) round = round * 256 + byte;
  if (round > 0x7fffffff) throw new LightClientError("extra-data", "round above 2^31 - 1 (a Java int)", { field: `${field}.round` });
  const sealItems = rlpList(items[4]!, "extra-data", `${field}.seals`);
  if (sealItems.length > MAX_VALIDATORS) throw new LightClientError("extra-data", `more than ${MAX_VALIDATORS} seals`, { field: `${field}.seals` });
  const seals = sealItems.map((item, i) => rlpBytes(item, "extra-data", `${field}.seals[${i}]`, SEAL_LENGTH));
  return { vanity, validators, vote, round, seals };
}

function decodeVote(items: readonly RlpItem[], field: string): QbftVote | undefined {
  if (items.length === 0) return undefined;
  if (items.length !== 2) throw new LightClientError("extra-data", `expected [] or [recipient, type], got ${items.length} items`, { field });
  const recipient = bytesToHex(rlpBytes(items[0], "extra-data", `${field}.recipient`, 20));
  const type = rlpBytes(items[1], "extra-data", `${field}.type`);
  if (type.length === 0) return { recipient, add: false };
  if (type.length === 1 && type[0] === VOTE_ADD) return { recipient, add: true };
  throw new LightClientError("extra-data", "vote type is neither 0xff (add) nor empty (drop)", { field: `${field}.type` });
}

/**
 * Encodes a QBFT extraData as Besu does. `"all"` keeps everything; `"commit-seal"` empties the
 * seals and keeps the round (what each seal signs); `"on-chain"` empties the seals and sets the
 * round to 0 (what the block hash covers).
 */
export function encodeQbftExtraData(extra: QbftExtraData, encoding: "all" | "commit-seal" | "on-chain" = "all"): Uint8Array {
  const round = encoding === "on-chain" ? 0 : extra.round;
  const roundBytes: number[] = [];
  for (let r = round; r > 0; r = Math.floor(r / 256)) roundBytes.unshift(r % 256);
  return encodeRlp([
    extra.vanity,
    extra.validators.map((address) => hexBytes(address)),
    extra.vote === undefined ? [] : [hexBytes(extra.vote.recipient), extra.vote.add ? Uint8Array.of(VOTE_ADD) : new Uint8Array(0)],
    Uint8Array.from(roundBytes),
    encoding === "all" ? [...extra.seals] : [],
  ]);
}

function hexBytes(hex: Hex): Uint8Array {
  const out = new Uint8Array((hex.length - 2) / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 + 2 * i, 4 + 2 * i), 16);
  return out;
}

/** The digest every commit seal of the header signs: keccak256 of the header with the seals emptied, round kept. */
export function qbftCommitSealDigest(header: BlockHeader, extra: QbftExtraData = decodeQbftExtraData(header.extraData)): Uint8Array {
  return keccak256(encodeHeader({ ...header, extraData: encodeQbftExtraData(extra, "commit-seal") }));
}

/**
 * The block's hash on a QBFT chain (BftBlockHashing.calculateHashOfBftBlockOnchain): keccak256 of the
 * header with the seals emptied and round 0; the genesis header is hashed as it is.
 *
 * @example
 * import { headerFromRpc, qbftBlockHash } from "provenance-ledger/lightclient";
 * const hash = qbftBlockHash(headerFromRpc(block)); // compare with the parentHash of the next block
 */
export function qbftBlockHash(header: BlockHeader, extra?: QbftExtraData): Uint8Array {
  if (header.number === 0n) return keccak256(encodeHeader(header));
  return keccak256(encodeHeader({ ...header, extraData: encodeQbftExtraData(extra ?? decodeQbftExtraData(header.extraData), "on-chain") }));
}

/** Why `recoverSealer` refuses, by `recoverSealPublicKey`'s reason. */
const SEAL_REFUSALS: Record<SealRecoveryRefusal, string> = {
  length: `expected ${SEAL_LENGTH} bytes over a 32-byte digest`,
  "recovery-id": "recovery id is not 0 or 1",
  "r-range": "does not recover to a public key (r is 0 or not below the curve order)",
  "s-range": "does not recover to a public key (s is 0 or not below the curve order)",
  "high-s": "s is in the upper half of the curve order (Besu seals use low s)",
  "no-key": "does not recover to a public key",
};

/**
 * The address that made a 65-byte seal (r ‖ s ‖ recovery id 0 or 1) over `digest`. Refuses r or s
 * out of range and a high s (Besu signs with low s; refusing the other form leaves one seal per signer
 * and message). The recovery is @noble/curves' or, on Node.js, libsecp256k1's (./secp256k1.ts): the
 * same verdict either way.
 */
export function recoverSealer(seal: Uint8Array, digest: Uint8Array, field = "seal"): Hex {
  if (seal.length !== SEAL_LENGTH) throw new LightClientError("commit-seal", `expected ${SEAL_LENGTH} bytes, got ${seal.length}`, { field });
  const recovered = recoverSealPublicKey(seal, digest);
  if ("refused" in recovered) {
    const detail = recovered.refused === "recovery-id" ? `recovery id ${seal[64]} is not 0 or 1` : SEAL_REFUSALS[recovered.refused];
    throw new LightClientError("commit-seal", detail, { field, cause: recovered.cause });
  }
  return bytesToHex(keccak256(recovered.publicKey.subarray(1)).subarray(12));
}

/** Besu's quorum (BftHelpers.calculateRequiredValidatorQuorum): ceil(2n / 3). */
export function qbftQuorum(validatorCount: number): number {
  return Math.ceil((2 * validatorCount) / 3);
}

/** What a verified QBFT header yields. */
export type VerifiedQbftHeader = {
  /** The block hash on chain (seals emptied, round 0). */
  readonly hash: Hex;
  readonly extra: QbftExtraData;
  /** The distinct validators whose seals verified, in seal order. */
  readonly sealers: readonly Hex[];
};

export type VerifyQbftHeaderParameters = {
  /** The validators in force for this block: the set after its parent (sorted or not). */
  readonly validators: readonly Hex[];
  /**
   * `"header"` (Besu's block-header validator selection): the header must list exactly `validators`
   * in ascending order. `"contract"`: the header lists no validators and no vote.
   */
  readonly mode: "header" | "contract";
};

/**
 * Checks one non-genesis QBFT header against the validator set in force, as Besu's header rules do:
 * constant mixHash and difficulty, extraData that decodes, the validators it lists (block-header
 * mode) or none and no vote (contract mode), a coinbase in the set, and commit seals from at least
 * ceil(2n/3) distinct validators of the set, each over the commit-seal digest. Parent linking and
 * set changes are the walk's business (`walkQbftHeaders`).
 *
 * @example
 * import { headerFromRpc, verifyQbftHeader } from "provenance-ledger/lightclient";
 * const { hash, sealers } = verifyQbftHeader(headerFromRpc(block), { validators, mode: "header" });
 */
export function verifyQbftHeader(header: BlockHeader, parameters: VerifyQbftHeaderParameters, field = "header"): VerifiedQbftHeader {
  const { validators, mode } = parameters;
  if (header.number === 0n)
    throw new LightClientError("block-number", "the genesis header carries no seals; pin the set it lists instead", { field: `${field}.number` });
  if (bytesToHex(header.mixHash) !== QBFT_MIX_HASH)
    throw new LightClientError("mix-hash", `is ${bytesToHex(header.mixHash)}, not QBFT's constant ${QBFT_MIX_HASH}`, { field: `${field}.mixHash` });
  if (header.difficulty !== QBFT_DIFFICULTY)
    throw new LightClientError("difficulty", `is ${header.difficulty}, not QBFT's constant 1`, { field: `${field}.difficulty` });
  const extra = decodeQbftExtraData(header.extraData, `${field}.extraData`);
  const inForce = new Set(validators.map((v) => v.toLowerCase()));
  if (inForce.size === 0) throw new LightClientError("validators", "the validator set in force is empty", { field: `${field}.extraData.validators` });

  if (mode === "header") {
    const expected = [...inForce].sort();
    const listed = extra.validators;
    if (listed.length !== expected.length || listed.some((v, i) => v !== expected[i]))
      throw new LightClientError("validators", `lists [${listed.join(", ")}], but the set in force (ascending) is [${expected.join(", ")}]`, {
        field: `${field}.extraData.validators`,
      });
  } else {
    if (extra.validators.length !== 0)
      throw new LightClientError("validators", "contract mode: the header must list no validators", { field: `${field}.extraData.validators` });
    if (extra.vote !== undefined) throw new LightClientError("vote", "contract mode: the header must carry no vote", { field: `${field}.extraData.vote` });
  }

  const coinbase = bytesToHex(header.coinbase);
  if (!inForce.has(coinbase)) throw new LightClientError("coinbase", `proposer ${coinbase} is not a validator in force`, { field: `${field}.miner` });

  const digest = qbftCommitSealDigest(header, extra);
  const sealers: Hex[] = [];
  extra.seals.forEach((seal, i) => {
    const sealField = `${field}.extraData.seals[${i}]`;
    const sealer = recoverSealer(seal, digest, sealField);
    if (!inForce.has(sealer)) throw new LightClientError("commit-seal", `sealed by ${sealer}, not a validator in force`, { field: sealField });
    if (sealers.includes(sealer)) throw new LightClientError("commit-seal", `a second seal by ${sealer}`, { field: sealField });
    sealers.push(sealer);
  });
  const required = qbftQuorum(inForce.size);
  if (sealers.length < required)
    throw new LightClientError("seal-quorum", `${sealers.length} distinct validators sealed, ${required} of ${inForce.size} required`, {
      field: `${field}.extraData.seals`,
    });
  return { hash: bytesToHex(qbftBlockHash(header, extra)), extra, sealers };
}
