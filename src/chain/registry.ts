import { type Abi, concatHex, decodeEventLog, decodeFunctionResult, encodeAbiParameters, encodeDeployData, encodeEventTopics, encodeFunctionData } from "viem";
import { ChainError } from "../core/errors/chain.js";
import { registryFunctionNamed } from "./registryFunctions.js";
import { invalid } from "../core/errors/input.js";
import { KEY_ALGORITHM_CODES, type KeyPossession } from "../formats/attestation/keyPossession.js";
import { type KeyAlgorithm, onChainKeyId } from "../formats/attestation/publicKeys.js";
import { type Hex, parseAddress, parseHexBytes } from "../core/hex.js";
import { provenanceRegistryAbi, provenanceRegistryBytecode } from "./registryArtifact.js";
import type { ChainReader, ChainWriter, LogEntry, TransactionReceipt } from "./types.js";
import { sendAndWait, type WaitParameters } from "./transactions.js";
import { withRevertName } from "./revertName.js";
import { UINT32_MAX } from "../core/validate.js";

/** What the registry stores for an anchored root (`IProvenanceRegistry.Anchor`). */
export type AnchorState = {
  readonly orgId: number;
  readonly sequence: number;
  readonly blockNumber: number;
  readonly timestamp: number;
  readonly leafCount: number;
};

/** The decoded `BatchAnchored` event. */
export type BatchAnchoredEvent = {
  readonly orgId: number;
  readonly sequence: number;
  readonly root: Hex;
  readonly previousRoot: Hex;
  readonly leafCount: number;
  readonly metadataHash: Hex;
};

export type OrganisationState = { readonly id: number; readonly name: string; readonly headRoot: Hex; readonly batchCount: number };

/**
 * What the registry stores for organisation `orgId`'s signing key (`IProvenanceRegistry.signingKey(orgId, keyId)`).
 * `registeredAt` and `revokedAt` are block numbers; `revokedAt` is 0 while the key is active. `role` is
 * `bytes32(0)` for a key without a role. `possessionHash` pins the proof of possession emitted at registration.
 */
export type SigningKeyState = {
  readonly orgId: number;
  readonly role: Hex;
  readonly algorithm: KeyAlgorithm;
  readonly registeredAt: number;
  readonly revokedAt: number;
  readonly possessionHash: Hex;
};

const abi = provenanceRegistryAbi as Abi;

async function read(reader: ChainReader, registry: Hex, functionName: string, args: readonly unknown[]): Promise<unknown> {
  const { item, selector } = registryFunctionNamed(functionName);
  const data = concatHex([selector, encodeAbiParameters(item.inputs, args)]);
  let result: Hex;
  try {
    result = await reader.call({ to: registry, data });
  } catch (cause) {
    throw withRevertName(cause);
  }
  if (result === "0x") throw new ChainError("NOT_A_REGISTRY", `no ProvenanceRegistry at ${registry}: the address has no code on this chain`);
  try {
    return decodeFunctionResult({ abi: [item], functionName, data: result });
  } catch (cause) {
    throw new ChainError("NOT_A_REGISTRY", `the contract at ${registry} did not answer ${functionName}() like a ProvenanceRegistry`, { cause });
  }
}

/**
 * Reads what the registry stores for organisation `orgId`'s anchor of `root`; `null` if `orgId` never anchored it.
 * Anchors are keyed by organisation and root: another organisation's anchor of the same root is not returned, so
 * whoever learns a root and anchors it first never makes it count as `orgId`'s.
 *
 * Throws `InputError("INVALID_HEX")` if `root` is not 32 bytes of hex, and `ChainError("NOT_A_REGISTRY")` if the
 * address does not answer like a ProvenanceRegistry.
 *
 * @example
 * import { readAnchor } from "provenance-ledger";
 * const anchor = await readAnchor(reader, registry, orgId, root);
 */
export async function readAnchor(reader: ChainReader, registry: Hex, orgId: number, root: Hex): Promise<AnchorState | null> {
  const args = [uint32(orgId, "orgId"), parseHexBytes(root, "root")];
  const a = (await read(reader, registry, "anchorOf", args)) as { orgId: number; sequence: bigint; blockNumber: number; timestamp: number; leafCount: number };
  if (a.orgId === 0) return null;
  // The contract stores the anchoring organisation in the slot it keys by that organisation: a different value is not a ProvenanceRegistry.
  if (a.orgId !== orgId) throw new ChainError("NOT_A_REGISTRY", `the contract at ${registry} answered anchorOf(${orgId}, …) with organisation ${a.orgId}`);
  return { orgId: a.orgId, sequence: Number(a.sequence), blockNumber: Number(a.blockNumber), timestamp: Number(a.timestamp), leafCount: a.leafCount };
}

/**
 * An organisation's on-chain revocation state of a subject (`IProvenanceRegistry.revocationOf`): `changedAt` is the
 * block of the last change (0 if never), `entryHash` the hash of the signed attestation envelope that explains it
 * (zero if none was given).
 */
export type RevocationState = { readonly revoked: boolean; readonly changedAt: bigint; readonly entryHash: Hex };

/**
 * Reads organisation `orgId`'s current revocation state of subject `subjectDigest` (the 32-byte SHA-256 digest
 * as in-toto statements carry it: `0x` + 64 hex, or the statement's bare 64 hex). A subject never revoked reads
 * `{ revoked: false, changedAt: 0n, entryHash: 0x00…00 }`. What the chain says, whatever a bundle contains.
 *
 * @example
 * import { readRevocation } from "provenance-ledger";
 * const { revoked, changedAt } = await readRevocation(reader, registry, orgId, `0x${statement.subject[0].digest.sha256}`);
 */
export async function readRevocation(reader: ChainReader, registry: Hex, orgId: number, subjectDigest: Hex | string): Promise<RevocationState> {
  const args = [uint32(orgId, "orgId"), subjectDigestHex(subjectDigest)];
  const [revoked, changedAt, entryHash] = (await read(reader, registry, "revocationOf", args)) as [boolean, bigint, Hex];
  return { revoked, changedAt, entryHash: entryHash.toLowerCase() as Hex };
}

/**
 * Revokes subject `subjectDigest` for organisation `orgId` from the transaction's block on, recording `entryHash`
 * (the ledger entry hash of the signed revocation attestation that explains it, or zero), and waits for the
 * transaction. The writer must hold `orgAdminRole(orgId)`.
 *
 * Throws `InputError("INVALID_HEX")` for a malformed digest or entry hash, and `ChainError("CONTRACT_REVERTED")`
 * whose `revertName` is `ProvenanceRegistryUnauthorizedOrganisationAdmin`, `ProvenanceRegistryZeroSubjectDigest`,
 * `ProvenanceRegistryUnknownOrganisation` or `ProvenanceRegistrySubjectAlreadyRevoked` if the registry refuses.
 *
 * @example
 * import { revokeSubject } from "provenance-ledger";
 * const { receipt } = await revokeSubject(orgAdmin, registry, orgId, subjectDigest, entryHash);
 */
export const revokeSubject: SubjectRevocationCall = subjectRevocationCall("revokeSubject");

/**
 * Clears organisation `orgId`'s revocation of subject `subjectDigest` from the transaction's block on (see
 * {@link revokeSubject}); reverts with `ProvenanceRegistrySubjectNotRevoked` if `orgId` does not revoke it.
 *
 * @example
 * import { reinstateSubject } from "provenance-ledger";
 * await reinstateSubject(orgAdmin, registry, orgId, subjectDigest, entryHash);
 */
export const reinstateSubject: SubjectRevocationCall = subjectRevocationCall("reinstateSubject");

/** The signature {@link revokeSubject} and {@link reinstateSubject} share. */
export type SubjectRevocationCall = (
  writer: ChainWriter,
  registry: Hex,
  orgId: number,
  subjectDigest: Hex | string,
  entryHash: Hex,
  wait?: WaitParameters,
) => Promise<{ receipt: TransactionReceipt }>;

/** `revokeSubject` or `reinstateSubject`: the two take the same arguments, checked the same way. */
function subjectRevocationCall(functionName: "revokeSubject" | "reinstateSubject"): SubjectRevocationCall {
  return async (writer, registry, orgId, subjectDigest, entryHash, wait = {}) => {
    const args = [uint32(orgId, "orgId"), subjectDigestHex(subjectDigest), parseHexBytes(entryHash, "entryHash")] as const;
    const data = encodeFunctionData({ abi, functionName, args });
    return { receipt: await sendAndWait(writer, { to: registry, data }, wait, withRevertName) };
  };
}

/** A statement's subject digest (bare 64 hex, as in-toto carries it) or a 0x-prefixed one, as a bytes32. */
function subjectDigestHex(digest: Hex | string): Hex {
  return parseHexBytes(/^[0-9a-fA-F]{64}$/.test(digest) ? `0x${digest}` : digest, "subjectDigest");
}

function uint32(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 0 || value > UINT32_MAX)
    invalid("INVALID_ARGUMENT", `${name} must be an integer from 0 to ${UINT32_MAX}, got ${value}`);
  return value;
}

/** Reads an organisation; `null` if `orgId` is not registered. */
export async function readOrganisation(reader: ChainReader, registry: Hex, orgId: number): Promise<OrganisationState | null> {
  try {
    const [name, headRoot, batchCount] = (await read(reader, registry, "organisation", [orgId])) as [string, Hex, bigint];
    return { id: orgId, name, headRoot, batchCount: Number(batchCount) };
  } catch (error) {
    if (error instanceof ChainError && error.revertName === "ProvenanceRegistryUnknownOrganisation") return null;
    throw error;
  }
}

/** Whether `account` may anchor for `orgId`. */
export async function isAnchorer(reader: ChainReader, registry: Hex, orgId: number, account: Hex): Promise<boolean> {
  const role = (await read(reader, registry, "anchorerRole", [orgId])) as Hex;
  return (await read(reader, registry, "hasRole", [role, account])) as boolean;
}

/** Decodes a `BatchAnchored` log emitted by `registry`; `null` for any other log. */
export function decodeBatchAnchored(log: LogEntry, registry: Hex): BatchAnchoredEvent | null {
  if (log.address.toLowerCase() !== registry.toLowerCase()) return null;
  try {
    const { eventName, args } = decodeEventLog({ abi, data: log.data, topics: log.topics as [Hex, ...Hex[]] });
    if (eventName !== "BatchAnchored") return null;
    const a = args as unknown as { orgId: number; sequence: bigint; root: Hex; previousRoot: Hex; leafCount: number; metadataHash: Hex };
    return {
      orgId: a.orgId,
      sequence: Number(a.sequence),
      root: a.root.toLowerCase() as Hex,
      previousRoot: a.previousRoot.toLowerCase() as Hex,
      leafCount: a.leafCount,
      metadataHash: a.metadataHash.toLowerCase() as Hex,
    };
  } catch {
    return null;
  }
}

/**
 * Finds organisation `orgId`'s `BatchAnchored` log for `root` through `eth_getLogs` (organisation and root are
 * indexed topics): how a crashed anchorer learns that its transaction went through. `null` if there is none.
 * Another organisation's anchor of the same root is not returned.
 */
export async function findBatchAnchoredLog(
  reader: ChainReader,
  registry: Hex,
  orgId: number,
  root: Hex,
  fromBlock = 0n,
): Promise<{ log: LogEntry; event: BatchAnchoredEvent } | null> {
  const topics = encodeEventTopics({ abi, eventName: "BatchAnchored", args: { orgId: uint32(orgId, "orgId"), root } } as never) as (Hex | null)[];
  const logs = await reader.getLogs({ address: registry, topics, fromBlock, toBlock: "latest" });
  for (const log of logs) {
    const event = decodeBatchAnchored(log, registry);
    if (event && event.orgId === orgId && event.root === root.toLowerCase()) return { log, event };
  }
  return null;
}

/** Deploys a ProvenanceRegistry whose registry admin is `admin` (default: the writer's account). */
export async function deployRegistry(
  writer: ChainWriter,
  parameters: { admin?: Hex } & WaitParameters = {},
): Promise<{ registry: Hex; receipt: TransactionReceipt }> {
  const data = encodeDeployData({ abi, bytecode: provenanceRegistryBytecode, args: [parameters.admin ?? writer.account] });
  const receipt = await sendAndWait(writer, { to: null, data }, parameters, withRevertName);
  if (!receipt.contractAddress) throw new ChainError("TRANSACTION_FAILED", `deployment ${receipt.transactionHash} created no contract`);
  return { registry: receipt.contractAddress, receipt };
}

/** Registers an organisation (the writer must be the registry admin) and returns its id. */
export async function registerOrganisation(
  writer: ChainWriter,
  registry: Hex,
  parameters: { name: string; admin?: Hex; anchorers?: readonly Hex[] } & WaitParameters,
): Promise<{ orgId: number; receipt: TransactionReceipt }> {
  const data = encodeFunctionData({
    abi,
    functionName: "registerOrganisation",
    args: [parameters.name, parameters.admin ?? writer.account, parameters.anchorers ?? [writer.account]],
  });
  const receipt = await sendAndWait(writer, { to: registry, data }, parameters, withRevertName);
  for (const log of receipt.logs) {
    if (log.address.toLowerCase() !== registry.toLowerCase()) continue;
    try {
      const { eventName, args } = decodeEventLog({ abi, data: log.data, topics: log.topics as [Hex, ...Hex[]] });
      if (eventName === "OrganisationRegistered") return { orgId: (args as unknown as { orgId: number }).orgId, receipt };
    } catch {
      // not ours
    }
  }
  throw new ChainError("TRANSACTION_FAILED", `transaction ${receipt.transactionHash} registered no organisation`);
}

/**
 * Registers a signing key for organisation `orgId` with role `role` (`bytes32(0)`: no role), given the key's proof
 * of possession (`proveKeyPossession(signer, { chainId, registry, orgId, role })`, made by whoever holds the key),
 * and waits for the transaction. The writer must hold `orgAdminRole(orgId)`. The key id is
 * `onChainKeyId(possession.keyid)`; an organisation registers a key id once, and never again after revoking it.
 *
 * Throws `InputError("INVALID_HEX")` if `role` is not 32 bytes of hex, and `ChainError("CONTRACT_REVERTED")`
 * whose `revertName` is `ProvenanceRegistryUnauthorizedOrganisationAdmin`, `ProvenanceRegistryZeroKeyId`,
 * `ProvenanceRegistryUnknownOrganisation`, `ProvenanceRegistrySigningKeyAlreadyRegistered`,
 * `ProvenanceRegistryUnsupportedKeyAlgorithm`, `ProvenanceRegistryInvalidSigningPublicKey`,
 * `ProvenanceRegistrySigningKeyIdMismatch` or `ProvenanceRegistryInvalidPossessionProof` if the registry refuses.
 * The registry checks a secp256k1 proof itself; an ed25519 or P-256 proof that does not verify is stored, and every
 * verifier then refuses the key (check it first with `checkKeyPossession`).
 *
 * @example
 * import { onChainRole, proveKeyPossession, registerSigningKey, signerFromKeyFile } from "provenance-ledger";
 * const role = onChainRole("approver");
 * const possession = await proveKeyPossession(signerFromKeyFile(key), { chainId, registry, orgId, role });
 * const { receipt } = await registerSigningKey(orgAdmin, registry, { orgId, role, possession });
 */
export async function registerSigningKey(
  writer: ChainWriter,
  registry: Hex,
  parameters: { orgId: number; role: Hex; possession: KeyPossession & { readonly keyid: string } } & WaitParameters,
): Promise<{ receipt: TransactionReceipt }> {
  const role = parseHexBytes(parameters.role, "role");
  const { possession } = parameters;
  const algorithm = KEY_ALGORITHM_CODES[possession.algorithm];
  if (algorithm === undefined) invalid("INVALID_KEY", `unknown key algorithm ${JSON.stringify(possession.algorithm)}`, "possession.algorithm");
  const args = [uint32(parameters.orgId, "orgId"), onChainKeyId(possession.keyid), role, algorithm, possession.publicKey, possession.proof] as const;
  const data = encodeFunctionData({ abi, functionName: "registerSigningKey", args });
  return { receipt: await sendAndWait(writer, { to: registry, data }, parameters, withRevertName) };
}

/**
 * Revokes organisation `orgId`'s signing key `keyId` from the transaction's block on, and waits for the
 * transaction. The writer must hold `orgAdminRole(orgId)`. Envelopes anchored before that block still count for
 * the organisation (see {@link readSigningKey}).
 *
 * Throws `InputError("INVALID_HEX")` if `keyId` is not 32 bytes of hex, and `ChainError("CONTRACT_REVERTED")`
 * whose `revertName` is `ProvenanceRegistryUnauthorizedOrganisationAdmin`, `ProvenanceRegistryUnknownSigningKey`
 * or `ProvenanceRegistrySigningKeyAlreadyRevoked` if the registry refuses.
 *
 * @example
 * import { revokeSigningKey } from "provenance-ledger";
 * const { receipt } = await revokeSigningKey(orgAdmin, registry, { orgId, keyId });
 * console.log(`revoked from block ${receipt.blockNumber}`);
 */
export async function revokeSigningKey(
  writer: ChainWriter,
  registry: Hex,
  parameters: { orgId: number; keyId: Hex } & WaitParameters,
): Promise<{ receipt: TransactionReceipt }> {
  const keyId = parseHexBytes(parameters.keyId, "keyId");
  const data = encodeFunctionData({ abi, functionName: "revokeSigningKey", args: [parameters.orgId, keyId] });
  return { receipt: await sendAndWait(writer, { to: registry, data }, parameters, withRevertName) };
}

/**
 * Reads what the registry stores for organisation `orgId`'s signing key `keyId`; `null` if `orgId` never
 * registered it (another organisation's registration of the same key id is not returned).
 *
 * The registry only stores keys. A verifier counts a signature by the key for `orgId` only if the envelope was
 * anchored by `orgId` in a block `anchorBlock` with `registeredAt <= anchorBlock && (revokedAt === 0 || anchorBlock < revokedAt)`,
 * and the registration's proof of possession ({@link readKeyPossession}) holds (`checkKeyPossession`).
 * Reading the latest state is enough: `registeredAt` never changes and `revokedAt` is set once, so a revocation
 * after `anchorBlock` shows up and, by the rule, leaves the envelope counting.
 *
 * @example
 * import { readSigningKey } from "provenance-ledger";
 * const key = await readSigningKey(reader, registry, orgId, keyId);
 * const inTime = key !== null && key.registeredAt <= anchorBlock && (key.revokedAt === 0 || anchorBlock < key.revokedAt);
 */
export async function readSigningKey(reader: ChainReader, registry: Hex, orgId: number, keyId: Hex): Promise<SigningKeyState | null> {
  const args = [uint32(orgId, "orgId"), parseHexBytes(keyId, "keyId")];
  const [role, algorithm, registeredAt, revokedAt, possessionHash] = (await read(reader, registry, "signingKey", args)) as [Hex, number, bigint, bigint, Hex];
  if (registeredAt === 0n) return null;
  const name = (Object.keys(KEY_ALGORITHM_CODES) as KeyAlgorithm[]).find((a) => KEY_ALGORITHM_CODES[a] === algorithm);
  if (!name) throw new ChainError("NOT_A_REGISTRY", `the contract at ${registry} answered signingKey() with unknown algorithm ${algorithm}`);
  return {
    orgId,
    role: role.toLowerCase() as Hex,
    algorithm: name,
    registeredAt: Number(registeredAt),
    revokedAt: Number(revokedAt),
    possessionHash: possessionHash.toLowerCase() as Hex,
  };
}

/**
 * Reads the proof of possession of organisation `orgId`'s key `keyId` from its `SigningKeyRegistered` log: one
 * `eth_getLogs` over the single block `key.registeredAt`, filtered by both topics. `null` if the node has no such
 * log. Check it with `checkKeyPossession(possession, binding, { possessionHash: key.possessionHash })`.
 */
export async function readKeyPossession(
  reader: ChainReader,
  registry: Hex,
  orgId: number,
  keyId: Hex,
  key: Pick<SigningKeyState, "registeredAt">,
): Promise<KeyPossession | null> {
  const topics = encodeEventTopics({
    abi,
    eventName: "SigningKeyRegistered",
    args: { orgId: uint32(orgId, "orgId"), keyId: parseHexBytes(keyId, "keyId") },
  } as never) as (Hex | null)[];
  const block = BigInt(key.registeredAt);
  const logs = await reader.getLogs({ address: registry, topics, fromBlock: block, toBlock: block });
  for (const log of logs) {
    if (log.address.toLowerCase() !== registry.toLowerCase()) continue;
    try {
      const { eventName, args } = decodeEventLog({ abi, data: log.data, topics: log.topics as [Hex, ...Hex[]] });
      if (eventName !== "SigningKeyRegistered") continue;
      const a = args as unknown as { orgId: number; keyId: Hex; algorithm: number; publicKey: Hex; proof: Hex };
      if (a.orgId !== orgId || a.keyId.toLowerCase() !== keyId.toLowerCase()) continue;
      const algorithm = (Object.keys(KEY_ALGORITHM_CODES) as KeyAlgorithm[]).find((n) => KEY_ALGORITHM_CODES[n] === a.algorithm);
      if (!algorithm) continue;
      return { algorithm, publicKey: a.publicKey.toLowerCase() as Hex, proof: a.proof.toLowerCase() as Hex };
    } catch {
      // not a log of ours
    }
  }
  return null;
}

/** Calldata of `anchor(orgId, root, leafCount, metadataHash)`. */
export function encodeAnchor(parameters: { orgId: number; root: Hex; leafCount: number; metadataHash: Hex }): Hex {
  return encodeFunctionData({ abi, functionName: "anchor", args: [parameters.orgId, parameters.root, parameters.leafCount, parameters.metadataHash] });
}

/**
 * Grants (`grant: true`) or revokes organisation `orgId`'s anchorer role to or from `account`
 * (AccessControl `grantRole` / `revokeRole` on `anchorerRole(orgId)`), and waits for the
 * transaction. The writer must hold `orgAdminRole(orgId)`. This is how an anchorer key is
 * rotated: grant the new account, switch the service to it, then revoke the old one.
 *
 * @example
 * import { setAnchorer } from "provenance-ledger";
 * await setAnchorer(orgAdmin, registry, { orgId: 1, account: newAnchorer, grant: true });
 */
export async function setAnchorer(
  writer: ChainWriter,
  registry: Hex,
  parameters: { orgId: number; account: Hex; grant: boolean } & WaitParameters,
): Promise<{ receipt: TransactionReceipt }> {
  const account = parseAddress(parameters.account, "account");
  const role = (await read(writer, registry, "anchorerRole", [parameters.orgId])) as Hex;
  const data = encodeFunctionData({ abi, functionName: parameters.grant ? "grantRole" : "revokeRole", args: [role, account] });
  return { receipt: await sendAndWait(writer, { to: registry, data }, parameters, withRevertName) };
}
