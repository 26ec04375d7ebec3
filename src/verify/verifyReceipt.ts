import { type AnchorState, readAnchor, readOrganisation, decodeBatchAnchored } from "../chain/registry.js";
import type { ChainReader } from "../chain/types.js";
import { VerificationError, type VerificationCheck } from "../core/errors/verification.js";
import { type Hex, hexEquals, parseAddress } from "../core/hex.js";
import { processProof } from "../merkle/proof.js";
import { type LedgerEntry, leafOfEntry } from "../formats/entry.js";
import { type ArtifactCheck, type ArtifactEvidence, checkArtifact, checkHashingVersion, evidenceOf } from "./artifact.js";
import { type Receipt, receiptEntry } from "../formats/receipt.js";

export type VerifyReceiptParameters = {
  /** A receipt already parsed by `parseReceipt` (shape checked, meaning not yet). */
  readonly receipt: Receipt;
  /**
   * What the verifier knows of the model's files: `artifactFromModelDigest(await hashModel(path))`
   * (files: digest and kind are checked) or `artifactFromDigest("sha256:…")` (digest only). Omit
   * to skip the artifact check; the result's `artifact.checked` is then `none`.
   */
  readonly artifact?: ArtifactEvidence | undefined;
  /** Older form of `artifact: { checked: "digest-only", sha256 }`: a digest the caller supplied. */
  readonly artifactSha256?: string | undefined;
  /** The node to ask. Only the answers of this node are trusted, never the receipt. */
  readonly chain: ChainReader;
  /** The chain ID the verifier trusts (pinned, not taken from the receipt). */
  readonly chainId: number;
  /** The registry address the verifier trusts (pinned, not taken from the receipt). */
  readonly registry: Hex;
  /** Organisations the verifier accepts; any registered organisation when omitted. */
  readonly acceptedOrgIds?: readonly number[] | undefined;
  /** Required confirmations, the anchoring block itself counted. Default 1. */
  readonly confirmations?: number | undefined;
};

/** What a successful verification established, every field read from the chain. */
export type VerifiedReceipt = {
  /** The anchored entry (a record, or an attestation whose signatures this does not check). */
  readonly entry: LedgerEntry;
  readonly root: Hex;
  readonly chainId: number;
  readonly registry: Hex;
  readonly organisation: { readonly id: number; readonly name: string };
  readonly sequence: number;
  readonly txHash: Hex;
  readonly blockNumber: number;
  readonly blockHash: Hex;
  /** Block timestamp, Unix seconds. */
  readonly timestamp: number;
  readonly confirmations: number;
  /** The checks that passed, in order. */
  readonly checks: readonly VerificationCheck[];
  /** What the artifact was checked against: files the verifier hashed, a supplied digest, or nothing. */
  readonly artifact: ArtifactCheck;
};

/**
 * Checks, in order, that the entry is not model hashing v1 (`hashing-version`), that the
 * artifact's digest (and, from files, its kind) matches the entry, the entry gives the leaf,
 * the proof leads to the root, the node's chain ID and the registry equal the pinned ones, the
 * root is anchored on chain in the stated transaction and block by an accepted organisation,
 * and the block has enough confirmations. Returns what was established, or throws a
 * {@link VerificationError} whose `check` names the first check that failed. Chain access
 * failures propagate as `ChainError`: "could not check" is never "verified". It establishes that
 * the entry was anchored, not that its subject is still in good standing: `readEntryRevocation`
 * reads the organisation's revocations since (the CLI's `verify` and the service's
 * `POST /v1/verify` call both).
 *
 * @example
 * import { fromViem, parseReceipt, verifyReceipt } from "provenance-ledger";
 * const result = await verifyReceipt({ receipt: parseReceipt(json), chain: fromViem({ publicClient }), chainId: 31337, registry });
 * console.log(`registered at block ${result.blockNumber} by ${result.organisation.name}`);
 */
export async function verifyReceipt(parameters: VerifyReceiptParameters): Promise<VerifiedReceipt> {
  return verifyReceiptOfEntry(parameters, receiptEntry(parameters.receipt));
}

/**
 * `verifyReceipt` of a receipt whose entry the caller has already parsed from that receipt (an
 * attestation's, by `verifyEnvelope`): the statement is not parsed a second time, and the entry
 * whose leaf is checked is the very one whose signatures were. `hash`: that entry's hash, when the
 * caller computed it from the same entry (`verifyEnvelope` does). Internal: not exported by the package.
 */
export async function verifyReceiptOfEntry(
  parameters: VerifyReceiptParameters,
  entry: LedgerEntry,
  hash?: Hex,
  chainChecks?: ChainCheckMemo,
): Promise<VerifiedReceipt> {
  const { receipt } = parameters;
  const registry = parseAddress(parameters.registry, "registry");
  const checks: VerificationCheck[] = [];

  // 1–3: offline checks, pure.
  const evidence = evidenceOf(parameters);
  checkHashingVersion(entry);
  checks.push("hashing-version");
  let artifact: ArtifactCheck = { checked: "none" };
  if (evidence !== undefined) {
    artifact = checkArtifact(entry, evidence);
    checks.push("artifact-digest");
    if (artifact.checked === "files") checks.push("artifact-kind");
  }
  const leaf = leafOfEntry(entry, hash);
  if (!hexEquals(leaf, receipt.leaf)) fail("record-leaf", `the ${entry.kind} hashes to leaf ${leaf}, not the receipt's leaf ${receipt.leaf}`);
  checks.push("record-leaf");
  const computedRoot = processProof(receipt.leaf, receipt.proof);
  if (!hexEquals(computedRoot, receipt.root)) fail("proof-root", `the proof leads to ${computedRoot}, not the receipt's root ${receipt.root}`);
  checks.push("proof-root");

  // 4–5: the anchor on chain, once per distinct claim when the caller shares a memo (a bundle's entries come in a few batches).
  const { anchor: a, batch } = receipt;
  const claim = [
    receipt.root,
    a.chainId,
    a.registry,
    a.orgId,
    a.sequence,
    a.txHash,
    a.blockNumber,
    a.blockHash,
    a.timestamp,
    batch.leafCount,
    batch.metadataHash,
  ];
  const onChain = await once(chainChecks, JSON.stringify(["anchor", ...claim]), () => checkAnchorOnChain(parameters, registry));
  checks.push(...onChain.checks);
  const { anchor, organisation } = onChain;
  return {
    entry,
    root: receipt.root,
    chainId: onChain.chainId,
    registry,
    organisation,
    sequence: anchor.sequence,
    txHash: receipt.anchor.txHash,
    blockNumber: receipt.anchor.blockNumber,
    blockHash: receipt.anchor.blockHash,
    timestamp: receipt.anchor.timestamp,
    confirmations: onChain.confirmations,
    checks,
    artifact,
  };
}

const fail = (check: VerificationCheck, message: string): never => {
  throw new VerificationError(check, message);
};

/**
 * Chain checks a verification shares across the entries of one bundle (verifyBundle makes one per
 * call, for one chain reader, one set of pins and one policy): each distinct question is checked once.
 * Keyed by everything the check reads from the receipt; only results are reused, and a failure is
 * the failure of every entry that asks the same question. Internal: not exported by the package.
 */
export type ChainCheckMemo = Map<string, Promise<unknown>>;

/** `check()`, or the promise of the same check already started under `key` in `memo` (none: always `check()`). */
export function once<T>(memo: Map<string, Promise<unknown>> | undefined, key: string, check: () => Promise<T>): Promise<T> {
  if (memo === undefined) return check();
  let checked = memo.get(key) as Promise<T> | undefined;
  if (checked === undefined) {
    checked = check();
    memo.set(key, checked);
  }
  return checked;
}

/** What the chain says of a receipt's anchor, with the checks (4–5) that established it. */
type AnchorOnChain = {
  readonly chainId: number;
  readonly anchor: AnchorState;
  readonly organisation: { readonly id: number; readonly name: string };
  readonly confirmations: number;
  readonly checks: readonly VerificationCheck[];
};

async function checkAnchorOnChain(parameters: VerifyReceiptParameters, registry: Hex): Promise<AnchorOnChain> {
  const { receipt, chain } = parameters;
  const required = parameters.confirmations ?? 1;
  const checks: VerificationCheck[] = [];

  // 4: the pins, never the receipt, say which chain and registry count.
  if (receipt.anchor.chainId !== parameters.chainId)
    fail("chain-id", `the receipt is for chain ${receipt.anchor.chainId}, but the verifier pinned chain ${parameters.chainId}`);
  const nodeChainId = await chain.getChainId();
  if (nodeChainId !== parameters.chainId) fail("chain-id", `the node serves chain ${nodeChainId}, but the verifier pinned chain ${parameters.chainId}`);
  checks.push("chain-id");
  if (!hexEquals(receipt.anchor.registry, registry))
    fail("registry", `the receipt names registry ${receipt.anchor.registry}, but the verifier pinned ${registry}`);
  checks.push("registry");

  // 5: the root is anchored by the organisation the receipt claims, and the chain agrees with every claim of the
  // receipt. Anchors are keyed by (organisation, root): another organisation's anchor of the same root (say, by
  // someone who learned the root first) is never read here, so it can neither stand in for this one nor block it.
  const stored = await readAnchor(chain, registry, receipt.anchor.orgId, receipt.root);
  if (!stored)
    fail("anchor-root", `root ${receipt.root} is not anchored by organisation ${receipt.anchor.orgId} in registry ${registry} on chain ${parameters.chainId}`);
  const anchor = stored!;
  const claims: [string, number, number][] = [
    ["organisation", anchor.orgId, receipt.anchor.orgId],
    ["sequence", anchor.sequence, receipt.anchor.sequence],
    ["leaf count", anchor.leafCount, receipt.batch.leafCount],
    ["block number", anchor.blockNumber, receipt.anchor.blockNumber],
    ["timestamp", anchor.timestamp, receipt.anchor.timestamp],
  ];
  for (const [what, onChain, claimed] of claims)
    if (onChain !== claimed) fail("anchor-root", `the root is anchored with ${what} ${onChain}, but the receipt claims ${claimed}`);
  checks.push("anchor-root");

  const tx = await chain.getTransactionReceipt(receipt.anchor.txHash);
  if (!tx) fail("anchor-transaction", `transaction ${receipt.anchor.txHash} was not found on chain ${parameters.chainId}`);
  const mined = tx!;
  if (mined.status !== "success") fail("anchor-transaction", `transaction ${receipt.anchor.txHash} reverted`);
  if (mined.blockNumber !== BigInt(receipt.anchor.blockNumber) || !hexEquals(mined.blockHash, receipt.anchor.blockHash))
    fail(
      "anchor-transaction",
      `transaction ${receipt.anchor.txHash} is in block ${mined.blockNumber} (${mined.blockHash}), not the receipt's block ${receipt.anchor.blockNumber} (${receipt.anchor.blockHash})`,
    );
  const event = mined.logs
    .map((log) => decodeBatchAnchored(log, registry))
    .find((e) => e !== null && e.orgId === anchor.orgId && hexEquals(e.root, receipt.root));
  if (!event)
    fail(
      "anchor-transaction",
      `transaction ${receipt.anchor.txHash} did not anchor root ${receipt.root} for organisation ${anchor.orgId} in registry ${registry}`,
    );
  const e = event!;
  if (e.orgId !== anchor.orgId || e.sequence !== anchor.sequence || e.leafCount !== anchor.leafCount || !hexEquals(e.metadataHash, receipt.batch.metadataHash))
    fail(
      "anchor-transaction",
      `the BatchAnchored event of transaction ${receipt.anchor.txHash} does not match the receipt's batch (organisation, sequence, leaf count or metadata hash)`,
    );
  checks.push("anchor-transaction");

  const block = await chain.getBlock(BigInt(receipt.anchor.blockNumber));
  if (!block || !hexEquals(block.hash, receipt.anchor.blockHash))
    fail("anchor-block", `block ${receipt.anchor.blockNumber} on this node is ${block?.hash ?? "missing"}, not the receipt's ${receipt.anchor.blockHash}`);
  if (block!.timestamp !== BigInt(receipt.anchor.timestamp))
    fail("anchor-block", `block ${receipt.anchor.blockNumber} has timestamp ${block!.timestamp}, not the receipt's ${receipt.anchor.timestamp}`);
  checks.push("anchor-block");

  if (parameters.acceptedOrgIds && !parameters.acceptedOrgIds.includes(anchor.orgId))
    fail(
      "organisation",
      `the root was anchored by organisation ${anchor.orgId}, which the verifier does not accept (accepted: ${parameters.acceptedOrgIds.join(", ")})`,
    );
  const org = await readOrganisation(chain, registry, anchor.orgId);
  if (!org) fail("organisation", `organisation ${anchor.orgId} is not registered in ${registry}`);
  checks.push("organisation");

  const head = await chain.getBlockNumber();
  const confirmations = Number(head - BigInt(receipt.anchor.blockNumber) + 1n);
  if (confirmations < required) fail("confirmations", `block ${receipt.anchor.blockNumber} has ${confirmations} confirmation(s); ${required} required`);
  checks.push("confirmations");

  return { chainId: nodeChainId, anchor, organisation: { id: org!.id, name: org!.name }, confirmations, checks };
}
