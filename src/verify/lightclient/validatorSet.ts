// How the validator set in force changes, in Besu's two modes.
// - Block-header mode (consensus/common validator/blockbased: VoteTally, VoteTallyUpdater,
//   EpochManager): each header's proposer may vote to add or drop one address; when floor(n/2) + 1
//   validators have voted the same way for an address, it is added or dropped at once; an epoch
//   block (number % epochLength == 0) discards every pending vote.
// - Contract mode: the set for block N is the validator contract's getValidators() at block N - 1.
//   We prove it from storage, under a stated assumption: the contract keeps the set in a dynamic
//   `address[]` at a known slot P and getValidators() returns that array (true of Besu's example
//   contracts; check it in the contract you pin). Its length is at slot P, element i at
//   keccak256(P) + i, one address per slot, right-aligned.
import { LightClientError } from "../../core/errors/lightClient.js";
import { bigIntToFixedBytes, bytesToBigInt, bytesToHex, keccak256, type Hex } from "./bytes.js";
import { MAX_VALIDATORS } from "./qbft.js";
import { verifyGetProof } from "./stateProof.js";

/** Pending votes for one address: who voted to add it, who voted to drop it. */
export type PendingVotes = { readonly recipient: Hex; readonly add: readonly Hex[]; readonly drop: readonly Hex[] };

/** The block-header-mode tally after a block: the set in force for the next block and the pending votes. */
export type VoteTally = { readonly validators: readonly Hex[]; readonly votes: readonly PendingVotes[] };

/**
 * The tally after one verified block-header-mode block (VoteTallyUpdater.updateForBlock): an epoch
 * block discards the pending votes (and its own vote); otherwise the proposer's vote, if any, counts.
 *
 * @example
 * import { tallyAfterBlock } from "provenance-ledger/lightclient";
 * const next = tallyAfterBlock(tally, { number: 7n, proposer, vote: extra.vote, epochLength: 30000n });
 */
export function tallyAfterBlock(
  tally: VoteTally,
  block: {
    readonly number: bigint;
    readonly proposer: Hex;
    readonly vote: { readonly recipient: Hex; readonly add: boolean } | undefined;
    readonly epochLength: bigint;
  },
): VoteTally {
  if (block.number % block.epochLength === 0n) return { validators: tally.validators, votes: [] };
  if (block.vote === undefined) return tally;
  return applyVote(tally, block.proposer, block.vote.recipient, block.vote.add);
}

/** VoteTally.addVote, as Besu does it, on copies. */
function applyVote(tally: VoteTally, proposer: Hex, recipient: Hex, add: boolean): VoteTally {
  const validators = new Set(tally.validators);
  const votes = new Map(tally.votes.map((v) => [v.recipient, { add: new Set(v.add), drop: new Set(v.drop) }]));
  let forRecipient = votes.get(recipient);
  if (!forRecipient) votes.set(recipient, (forRecipient = { add: new Set(), drop: new Set() }));
  const { add: addVotes, drop: dropVotes } = forRecipient;
  if (add) {
    addVotes.add(proposer);
    dropVotes.delete(proposer);
  } else {
    dropVotes.add(proposer);
    addVotes.delete(proposer);
  }
  const limit = Math.floor(validators.size / 2) + 1;
  if (addVotes.size >= limit) {
    validators.add(recipient);
    votes.delete(recipient);
  }
  if (dropVotes.size >= limit) {
    validators.delete(recipient);
    votes.delete(recipient);
    // A dropped validator's own votes no longer count.
    for (const v of votes.values()) {
      v.add.delete(recipient);
      v.drop.delete(recipient);
    }
  }
  return {
    validators: [...validators].sort(),
    votes: [...votes.entries()]
      .filter(([, v]) => v.add.size + v.drop.size > 0)
      .map(([r, v]) => ({ recipient: r, add: [...v.add].sort(), drop: [...v.drop].sort() }))
      .sort((a, b) => (a.recipient < b.recipient ? -1 : 1)),
  };
}

/** The storage slots that hold a validator contract's set of `count` validators: the length, then each element. */
export function validatorContractSlots(validatorsSlot: Hex, count: number): Hex[] {
  const slot = bigIntToFixedBytes(BigInt(validatorsSlot), 32);
  const first = bytesToBigInt(keccak256(slot));
  const slots: Hex[] = [bytesToHex(slot)];
  for (let i = 0; i < count; i++) slots.push(bytesToHex(bigIntToFixedBytes((first + BigInt(i)) % 2n ** 256n, 32)));
  return slots;
}

/**
 * Proves a validator contract's set against a verified header's `stateRoot` from an `eth_getProof`
 * answer for the slots of `validatorContractSlots(validatorsSlot, n)`. Returns the set, sorted.
 * Refuses an empty or oversized set, an element with dirty upper bytes, and a repeated validator.
 */
export function verifyValidatorContractProof(stateRoot: Uint8Array, contract: Hex, validatorsSlot: Hex, answer: unknown, field = "validatorProof"): Hex[] {
  const storageProof = (answer as { storageProof?: { value?: unknown }[] } | null)?.storageProof;
  const claimedLength = Array.isArray(storageProof) && typeof storageProof[0]?.value === "string" ? storageProof[0].value : undefined;
  if (claimedLength === undefined || !/^0x[0-9a-fA-F]{1,64}$/.test(claimedLength))
    throw new LightClientError("validator-proof", "the first storage proof must be the array's length slot", { field: `${field}.storageProof[0]` });
  const length = BigInt(claimedLength);
  if (length === 0n || length > BigInt(MAX_VALIDATORS))
    throw new LightClientError("validator-proof", `the validator array has ${length} entries (1 to ${MAX_VALIDATORS} accepted)`, {
      field: `${field}.storageProof[0].value`,
    });
  const slots = validatorContractSlots(validatorsSlot, Number(length));
  // verifyGetProof checks the claimed length against the proven one, so `length` is proven from here on.
  const { storage } = verifyGetProof(stateRoot, contract, slots, answer, field);
  const validators = new Set<Hex>();
  slots.slice(1).forEach((slot, i) => {
    const word = storage.get(slot)!;
    if (word.subarray(0, 12).some((b) => b !== 0))
      throw new LightClientError("validator-proof", "element is not a clean address (upper 12 bytes not zero)", { field: `${field}.storageProof[${i + 1}]` });
    const address = bytesToHex(word.subarray(12));
    if (validators.has(address)) throw new LightClientError("validator-proof", `${address} listed twice`, { field: `${field}.storageProof[${i + 1}]` });
    validators.add(address);
  });
  return [...validators].sort();
}
