import { readRevocation } from "../chain/registry.js";
import type { ChainReader } from "../chain/types.js";
import { VerificationError } from "../core/errors/verification.js";
import type { Hex } from "../core/hex.js";
import { type LedgerEntry, entrySubjects } from "../formats/entry.js";
import { REVOCATION_PREDICATE_TYPE } from "../formats/predicates/revocation.js";

/** One revocation that counts: read from the chain, or a signed revocation in the bundle the chain has not lifted since. */
export type RevocationFinding = {
  readonly sha256: string;
  readonly orgId: number;
  readonly source: "chain" | "attestation";
  /** Block of the on-chain change, or the block the revocation attestation was anchored in. */
  readonly blockNumber: number;
  /** The revocation attestation that explains it, when known. */
  readonly entryHash: Hex | null;
};

/** The head block a revocation state is read at (the state read is at this block or later). */
export type RevocationHead = { readonly blockNumber: number; readonly timestamp: number };

/** How fresh the head a revocation verdict is read at must be. */
export type FreshnessParameters = {
  /**
   * Refuse the revocation verdict (`freshness`) when the head block it is read at is older than this
   * many seconds: a node replaying an old head must not hide a newer revocation. No limit when omitted.
   */
  readonly maxHeadAgeSeconds?: number | undefined;
  /** Unix seconds the head's age is measured against (default: the verifier's clock). */
  readonly now?: number | undefined;
};

/**
 * The head block a revocation state will be read at, refused (`freshness`) when it is older than
 * `maxHeadAgeSeconds`: an old head could hide a newer revocation.
 */
export async function revocationHead(chain: ChainReader, { maxHeadAgeSeconds, now }: FreshnessParameters): Promise<RevocationHead> {
  const head = await chain.getBlockNumber();
  const block = await chain.getBlock(head);
  const checkedAt = { blockNumber: Number(head), timestamp: Number(block?.timestamp ?? 0n) };
  if (maxHeadAgeSeconds !== undefined) {
    const age = (now ?? Math.floor(Date.now() / 1000)) - checkedAt.timestamp;
    if (age > maxHeadAgeSeconds)
      throw new VerificationError(
        "freshness",
        `the head block ${checkedAt.blockNumber} the revocation state would be read at is ${age} s old (at most ${maxHeadAgeSeconds} s allowed): a newer revocation could be hidden, so no revocation verdict is given`,
      );
  }
  return checkedAt;
}

/** What the chain says of one artifact for one organisation: a finding when it is revoked, else the block of its last change. */
export async function chainRevocation(
  chain: ChainReader,
  registry: Hex,
  orgId: number,
  sha256: string,
): Promise<{ readonly finding: RevocationFinding | null; readonly changedAt: bigint }> {
  const state = await readRevocation(chain, registry, orgId, `0x${sha256}`);
  const explained = !/^0x0*$/.test(state.entryHash);
  return {
    finding: state.revoked ? { sha256, orgId, source: "chain", blockNumber: Number(state.changedAt), entryHash: explained ? state.entryHash : null } : null,
    changedAt: state.changedAt,
  };
}

/** The revocation state of a verified entry's subjects, read from the chain as of `checkedAt`. */
export type EntryRevocation = {
  /** A subject is revoked on chain by the entry's anchoring organisation (never for a revocation's own entry: it is the evidence of one). */
  readonly revoked: boolean;
  readonly checkedAt: RevocationHead;
  /** Every subject checked and the organisations whose revocations count for it. */
  readonly checked: readonly { readonly sha256: string; readonly organisations: readonly number[] }[];
  readonly findings: readonly RevocationFinding[];
};

export type ReadEntryRevocationParameters = FreshnessParameters & {
  readonly chain: ChainReader;
  readonly registry: Hex;
  /** A verified entry (its anchor, signatures and keys checked). */
  readonly entry: LedgerEntry;
  /**
   * The organisations whose revocations count: the one that anchored it (as the registering
   * organisation's do for a bundle) and any the verifier's policy adds (`revocation.organisations`).
   */
  readonly organisations: readonly number[];
};

/**
 * Reads, for every subject of a verified entry, each given organisation's revocation state at
 * the head (refused with `freshness` when the head is older than `maxHeadAgeSeconds`). `revoked`
 * when any subject is revoked, unless the entry is itself a revocation attestation: its subject
 * being revoked is what it records, and its verdict is that it was anchored.
 *
 * @example
 * import { readEntryRevocation, verifyReceipt } from "provenance-ledger";
 * const result = await verifyReceipt({ receipt, chain, chainId, registry });
 * const { revoked } = await readEntryRevocation({ chain, registry, entry: result.entry, organisations: [result.organisation.id] });
 */
export async function readEntryRevocation(parameters: ReadEntryRevocationParameters): Promise<EntryRevocation> {
  const checkedAt = await revocationHead(parameters.chain, parameters);
  const subjects = [...new Set(entrySubjects(parameters.entry))];
  const organisations = [...new Set(parameters.organisations)].sort((x, y) => x - y);
  const findings: RevocationFinding[] = [];
  for (const sha256 of subjects)
    for (const orgId of organisations) {
      const { finding } = await chainRevocation(parameters.chain, parameters.registry, orgId, sha256);
      if (finding) findings.push(finding);
    }
  const isRevocation = parameters.entry.kind === "attestation" && parameters.entry.statement.predicateType === REVOCATION_PREDICATE_TYPE;
  return {
    revoked: findings.length > 0 && !isRevocation,
    checkedAt,
    checked: subjects.map((sha256) => ({ sha256, organisations })),
    findings,
  };
}
