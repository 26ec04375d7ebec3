// Account and storage proofs (`eth_getProof`, EIP-1186) checked against a verified header's
// stateRoot. Only the proof nodes are trusted, after hashing; the balance, nonce, storageHash and
// values the node also reports are compared with what the nodes prove, and a difference is refused.
import { LightClientError } from "../../core/errors/lightClient.js";
import { bigIntToFixedBytes, bytesEqual, bytesToBigInt, bytesToHex, hexToBytes, keccak256, type Hex } from "./bytes.js";
import { parseQuantity } from "./header.js";
import { EMPTY_TRIE_ROOT, MAX_PROOF_NODES, verifyMptProof } from "./mpt.js";
import { decodeRlp, rlpBytes, rlpList, rlpUint } from "./rlp.js";

/** keccak256 of the empty string: the code hash of an account without code. */
export const EMPTY_CODE_HASH = keccak256(new Uint8Array(0));

/** An account as the state trie holds it. */
export type ProvenAccount = {
  readonly nonce: bigint;
  readonly balance: bigint;
  readonly storageRoot: Uint8Array;
  readonly codeHash: Uint8Array;
};

/** What `verifyGetProof` proves: the account (absent accounts prove as empty) and the 32-byte word of each slot. */
export type ProvenState = {
  readonly address: Hex;
  readonly account: ProvenAccount;
  /** The value of each requested slot (lower-case 0x 32-byte hex key) as a 32-byte big-endian word. */
  readonly storage: ReadonlyMap<Hex, Uint8Array>;
};

function parseProofNodes(value: unknown, check: "account-proof" | "storage-proof", field: string): Uint8Array[] {
  if (!Array.isArray(value)) throw new LightClientError(check, "expected an array of hex RLP nodes", { field });
  if (value.length > MAX_PROOF_NODES) throw new LightClientError(check, `more than ${MAX_PROOF_NODES} nodes`, { field });
  return value.map((node, i) => hexToBytes(node, check, `${field}[${i}]`));
}

/**
 * Verifies an account proof against `stateRoot`. Returns the account, or the empty account when the
 * proof proves absence.
 */
export function verifyAccountProof(stateRoot: Uint8Array, address: Uint8Array, proof: readonly Uint8Array[], field = "accountProof"): ProvenAccount {
  const value = verifyMptProof(stateRoot, keccak256(address), proof, "account-proof", field);
  if (value === undefined) return { nonce: 0n, balance: 0n, storageRoot: EMPTY_TRIE_ROOT, codeHash: EMPTY_CODE_HASH };
  const items = rlpList(decodeRlp(value, "account-proof", `${field}.account`), "account-proof", `${field}.account`);
  if (items.length !== 4) throw new LightClientError("account-proof", `an account has 4 fields, not ${items.length}`, { field: `${field}.account` });
  return {
    nonce: rlpUint(items[0], "account-proof", `${field}.account.nonce`, 8),
    balance: rlpUint(items[1], "account-proof", `${field}.account.balance`),
    storageRoot: rlpBytes(items[2], "account-proof", `${field}.account.storageRoot`, 32),
    codeHash: rlpBytes(items[3], "account-proof", `${field}.account.codeHash`, 32),
  };
}

/** Verifies a storage proof against an account's `storageRoot`; returns the slot's 32-byte word (zero when absent). */
export function verifyStorageProof(storageRoot: Uint8Array, slot: Uint8Array, proof: readonly Uint8Array[], field = "storageProof"): Uint8Array {
  const value = verifyMptProof(storageRoot, keccak256(slot), proof, "storage-proof", field);
  if (value === undefined) return new Uint8Array(32);
  const word = rlpUint(decodeRlp(value, "storage-proof", `${field}.value`), "storage-proof", `${field}.value`, 32);
  // A stored zero is deleted from the trie, never stored as 0.
  if (word === 0n) throw new LightClientError("storage-proof", "a stored zero (zero slots are absent from the trie)", { field: `${field}.value` });
  return bigIntToFixedBytes(word, 32);
}

/**
 * Verifies an `eth_getProof` answer (hostile JSON) against a verified `stateRoot`: the account proof
 * for `address`, and a storage proof for each of `slots` (all required, no others accepted). The
 * values the node reports beside the proofs must equal the proven ones. `checkAccount`, if given,
 * sees the proven account before the rest is read (and may throw).
 *
 * @example
 * import { verifyGetProof } from "provenance-ledger/lightclient";
 * const answer = await rpc("eth_getProof", [registry, [slot], blockNumberHex]);
 * const { storage } = verifyGetProof(verifiedHeader.stateRoot, registry, [slot], answer);
 */
export function verifyGetProof(
  stateRoot: Uint8Array,
  address: Hex,
  slots: readonly Hex[],
  answer: unknown,
  field = "eth_getProof",
  checkAccount?: (account: ProvenAccount) => void,
): ProvenState {
  if (typeof answer !== "object" || answer === null || Array.isArray(answer)) throw new LightClientError("account-proof", "expected an object", { field });
  const json = answer as Record<string, unknown>;
  const addressBytes = hexToBytes(address, "account-proof", "address", 20);
  if (typeof json.address !== "string" || json.address.toLowerCase() !== address.toLowerCase())
    throw new LightClientError("account-proof", `is for ${String(json.address)}, not ${address}`, { field: `${field}.address` });
  const account = verifyAccountProof(
    stateRoot,
    addressBytes,
    parseProofNodes(json.accountProof, "account-proof", `${field}.accountProof`),
    `${field}.accountProof`,
  );
  // The caller's check of the proven account (the light reader's: the registry's code) before anything else is read.
  checkAccount?.(account);
  const claimed = (name: string): unknown => json[name];
  if (parseQuantity(claimed("nonce"), `${field}.nonce`, "account-proof") !== account.nonce)
    throw new LightClientError("account-proof", "differs from the proven nonce", { field: `${field}.nonce` });
  if (parseQuantity(claimed("balance"), `${field}.balance`, "account-proof") !== account.balance)
    throw new LightClientError("account-proof", "differs from the proven balance", { field: `${field}.balance` });
  if (!bytesEqual(hexToBytes(claimed("storageHash"), "account-proof", `${field}.storageHash`, 32), account.storageRoot))
    throw new LightClientError("account-proof", "differs from the proven storage root", { field: `${field}.storageHash` });
  if (!bytesEqual(hexToBytes(claimed("codeHash"), "account-proof", `${field}.codeHash`, 32), account.codeHash))
    throw new LightClientError("account-proof", "differs from the proven code hash", { field: `${field}.codeHash` });

  const storageProof = json.storageProof;
  if (!Array.isArray(storageProof)) throw new LightClientError("storage-proof", "expected an array", { field: `${field}.storageProof` });
  if (storageProof.length !== slots.length)
    throw new LightClientError("storage-proof", `${storageProof.length} proofs for ${slots.length} slots`, { field: `${field}.storageProof` });
  const storage = new Map<Hex, Uint8Array>();
  slots.forEach((slot, i) => {
    const entryField = `${field}.storageProof[${i}]`;
    const entry = storageProof[i] as Record<string, unknown> | null;
    if (typeof entry !== "object" || entry === null) throw new LightClientError("storage-proof", "expected an object", { field: entryField });
    const slotBytes = hexToBytes(slot, "storage-proof", `slots[${i}]`, 32);
    // Nodes answer the key as given or as a quantity: compare numerically, the proof is over the 32-byte key.
    if (parseSlotKey(entry.key, `${entryField}.key`) !== bytesToBigInt(slotBytes))
      throw new LightClientError("storage-proof", `is for another slot than ${slot}`, { field: `${entryField}.key` });
    const word = verifyStorageProof(
      account.storageRoot,
      slotBytes,
      parseProofNodes(entry.proof, "storage-proof", `${entryField}.proof`),
      `${entryField}.proof`,
    );
    if (parseQuantity(entry.value, `${entryField}.value`, "storage-proof") !== bytesToBigInt(word))
      throw new LightClientError("storage-proof", "differs from the proven value", { field: `${entryField}.value` });
    storage.set(bytesToHex(slotBytes), word);
  });
  return { address: bytesToHex(addressBytes), account, storage };
}

function parseSlotKey(value: unknown, field: string): bigint {
  if (typeof value !== "string" || !/^0x[0-9a-fA-F]{1,64}$/.test(value))
    throw new LightClientError("storage-proof", "expected a hex slot key of at most 32 bytes", { field });
  return BigInt(value);
}

/** A storage slot as a 32-byte key, from a bigint. */
export function slotKey(slot: bigint): Hex {
  return bytesToHex(bigIntToFixedBytes(slot, 32));
}
