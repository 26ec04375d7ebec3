// The registry facts a verdict uses, proven from storage: which slots to ask `eth_getProof` for, and
// how the proven words decode into the answers of the registry's view functions (anchorOf,
// organisation, signingKey, revocationOf). Pure: the caller fetches the proof at a header it
// verified and passes the proven words (`verifyGetProof(...).storage`) here.
// Layout (ProvenanceRegistry.sol, checked against the contract's getters by
// test/verify/lightclient-proofs.test.ts and test/verify/lightclient-lying-node.test.ts): `_organisations` (2,
// orgId => { bytes32 head; string name }), then registrySlots.ts for anchors, keys, revocations.
import { LightClientError } from "../../core/errors/lightClient.js";
import { bigIntToFixedBytes, bytesToBigInt, bytesToHex, concatBytes, keccak256, type Hex } from "./bytes.js";
import { anchorSlot, decodeAnchorWord, decodeRevocationWord, decodeSigningKeyWord, nextSlot, revocationSlot, signingKeySlot } from "./registrySlots.js";

/** `_organisations` is the registry's storage slot 2. */
export const ORGANISATIONS_SLOT = 2n;
/** `GENESIS_ROOT`: an organisation's head before its first batch. */
export const GENESIS_ROOT: Hex = `0x${"0".repeat(63)}1`;
/** Organisation names longer than this are refused (they would need more than 64 proven slots). */
export const MAX_PROVEN_NAME_BYTES = 2048;

const word = (value: bigint): Uint8Array => bigIntToFixedBytes(value, 32);
const slotHex = (value: bigint): Hex => bytesToHex(word(value % 2n ** 256n));
/** The proven word of `slot`; a missing one is a caller error (every slot asked for is proven). */
function get(words: ReadonlyMap<Hex, Uint8Array>, slot: Hex): Uint8Array {
  const value = words.get(slot);
  if (value === undefined) throw new LightClientError("storage-proof", `slot ${slot} was not proven`, { field: "storage" });
  return value;
}

/** The first slot of organisation `orgId`'s struct (`head`); `name` is in the next one. */
export function organisationSlot(orgId: number): Hex {
  return bytesToHex(keccak256(concatBytes(word(BigInt(orgId)), word(ORGANISATIONS_SLOT))));
}

/** Slots of `anchorOf(orgId, root)`. */
export function anchorSlots(orgId: number, root: Hex): Hex[] {
  return [anchorSlot(orgId, root)];
}

/** `anchorOf(orgId, root)` from its proven word; all zero when `orgId` never anchored `root`. */
export function provenAnchor(words: ReadonlyMap<Hex, Uint8Array>, orgId: number, root: Hex): ReturnType<typeof decodeAnchorWord> {
  return decodeAnchorWord(get(words, anchorSlot(orgId, root)));
}

/** Slots of `signingKey(orgId, keyId)`: the packed word, the role, the possession hash. */
export function signingKeySlots(orgId: number, keyId: Hex): Hex[] {
  const first = signingKeySlot(orgId, keyId);
  const second = nextSlot(first);
  return [first, second, nextSlot(second)];
}

/** `signingKey(orgId, keyId)` from its proven words (all zero: never registered by `orgId`). */
export function provenSigningKey(words: ReadonlyMap<Hex, Uint8Array>, orgId: number, keyId: Hex) {
  const [first, role, possession] = signingKeySlots(orgId, keyId).map((s) => get(words, s));
  return { ...decodeSigningKeyWord(first!), role: bytesToHex(role!), possessionHash: bytesToHex(possession!) };
}

/** Slots of `revocationOf(orgId, subjectDigest)`: the packed word and the entry hash. */
export function revocationSlots(orgId: number, subjectDigest: Hex): Hex[] {
  const first = revocationSlot(orgId, subjectDigest);
  return [first, nextSlot(first)];
}

/** `revocationOf(orgId, subjectDigest)` from its proven words. */
export function provenRevocation(words: ReadonlyMap<Hex, Uint8Array>, orgId: number, subjectDigest: Hex) {
  const [first, entryHash] = revocationSlots(orgId, subjectDigest).map((s) => get(words, s));
  return { ...decodeRevocationWord(first!), entryHash: bytesToHex(entryHash!) };
}

/** First round for `organisation(orgId)`: its head and the name's length word. */
export function organisationSlots(orgId: number): Hex[] {
  const head = organisationSlot(orgId);
  return [head, nextSlot(head)];
}

/**
 * Second round for `organisation(orgId)`, from the proven first round: the name's data slots (a
 * name of 32 bytes or more is stored at keccak256(slot) onwards) and the head's anchor (for the
 * batch count). Refuses a malformed string encoding or an oversized name.
 */
export function organisationDataSlots(words: ReadonlyMap<Hex, Uint8Array>, orgId: number): Hex[] {
  const [headSlot, nameSlot] = organisationSlots(orgId) as [Hex, Hex];
  const head = bytesToHex(get(words, headSlot));
  const { dataSlots } = stringLayout(get(words, nameSlot), nameSlot);
  return [...dataSlots, ...(BigInt(head) > 1n ? anchorSlots(orgId, head) : [])];
}

/**
 * `organisation(orgId)` from the proven words of both rounds, or `null` for an unknown organisation
 * (head zero: the contract reverts with ProvenanceRegistryUnknownOrganisation).
 */
export function provenOrganisation(words: ReadonlyMap<Hex, Uint8Array>, orgId: number): { name: string; headRoot: Hex; batchCount: bigint } | null {
  const [headSlot, nameSlot] = organisationSlots(orgId) as [Hex, Hex];
  const head = bytesToHex(get(words, headSlot));
  if (BigInt(head) === 0n) return null;
  const layout = stringLayout(get(words, nameSlot), nameSlot);
  const bytes = layout.inline ?? concatBytes(...layout.dataSlots.map((s) => get(words, s))).subarray(0, layout.length);
  let name: string;
  try {
    name = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new LightClientError("storage-proof", "the organisation's name is not UTF-8", { field: `storage[${nameSlot}]` });
  }
  if (BigInt(head) === 1n) return { name, headRoot: `0x${"0".repeat(64)}`, batchCount: 0n };
  return { name, headRoot: head, batchCount: provenAnchor(words, orgId, head).sequence };
}

/** Solidity's string storage: short (< 32 bytes) inline with 2·length in the low byte, long as 2·length + 1 with the data at keccak256(slot). */
function stringLayout(lengthWord: Uint8Array, slot: Hex): { length: number; inline?: Uint8Array; dataSlots: Hex[] } {
  const value = bytesToBigInt(lengthWord);
  const field = `storage[${slot}]`;
  if ((value & 1n) === 0n) {
    const length = Number(value & 0xffn) / 2;
    if (length > 31 || lengthWord.subarray(length, 31).some((b) => b !== 0))
      throw new LightClientError("storage-proof", "not a short string's encoding", { field });
    return { length, inline: lengthWord.slice(0, length), dataSlots: [] };
  }
  const length = (value - 1n) / 2n;
  if (length < 32n || length > BigInt(MAX_PROVEN_NAME_BYTES))
    throw new LightClientError("storage-proof", `a long string of ${length} bytes (32 to ${MAX_PROVEN_NAME_BYTES} accepted)`, { field });
  const first = bytesToBigInt(keccak256(bigIntToFixedBytes(BigInt(slot), 32)));
  return { length: Number(length), dataSlots: Array.from({ length: Math.ceil(Number(length) / 32) }, (_, i) => slotHex(first + BigInt(i))) };
}
