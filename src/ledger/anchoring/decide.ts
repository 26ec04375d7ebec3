// The anchorer's decisions as pure functions of facts: what the store holds (the batch, its
// transactions), what the chain says (receipts, nonces, pool, head, block hashes) and the fee
// policy. No I/O here: the effect runner (runner.ts) asks the chain for the fact a decision names
// (`ask`), performs the step it returns, and decides again. Each decision is therefore testable
// row by row without a chain (test/ledger/anchoring-decide.test.ts), and a pass asks the chain
// only for what the decision needs, in the same order as before the split.
import type { FeeData, TransactionFees } from "../../chain/types.js";
import type { Hex } from "../../core/hex.js";
import { type FeePolicy, bumpedFees } from "./feePolicy.js";
import type { OutboxTransaction } from "./types.js";

/** What a mined transaction's receipt says, as far as the decision needs it. */
export type ReceiptFact = {
  readonly status: "success" | "reverted";
  /** It emitted the BatchAnchored event of this batch (its organisation and root). */
  readonly anchorsBatch: boolean;
};

/** A chain fact the outbox decision may need, asked for lazily and in this order. */
export type OutboxQuestion =
  | { readonly fact: "latestNonce" }
  | { readonly fact: "receipt"; readonly hash: Hex }
  | { readonly fact: "pendingNonce" }
  | { readonly fact: "inPool"; readonly hash: Hex }
  | { readonly fact: "networkFees" };

/** Why transactions are given up (`dropped`) without being mined by this batch. */
export type DropReason =
  /** Mined, but it anchored nothing (reverted: e.g. the root was anchored meanwhile). */
  | "minedWithoutAnchor"
  /** Signed by a previous anchorer key: its nonce means nothing for this account. */
  | "otherKey"
  /** Its nonce was used by a transaction that is not ours. */
  | "nonceTaken"
  /** A transaction below it vanished, so it can never be mined. */
  | "nonceGap";

/** The next step for one sealed batch. */
export type OutboxStep =
  | ({ readonly kind: "ask" } & OutboxQuestion)
  /** Record the mined anchor of `hash` (its receipt anchors this batch). Ends the pass for the batch. */
  | { readonly kind: "recordMined"; readonly hash: Hex }
  /** Mark these transactions `dropped`, then decide again. */
  | { readonly kind: "drop"; readonly transactions: readonly OutboxTransaction[]; readonly reason: DropReason }
  /** Look on chain whether the root is anchored already (then it is adopted): answers `anchoredOnChain`. */
  | { readonly kind: "adopt" }
  /** Sign a transaction at `nonce` (a fresh one, or a re-signature of `previous`), persist it, broadcast it. */
  | { readonly kind: "sign"; readonly nonce: number; readonly previous: OutboxTransaction | undefined }
  /** Re-sign `previous`'s nonce with these raised fees (a replacement). */
  | { readonly kind: "replace"; readonly previous: OutboxTransaction; readonly fees: TransactionFees }
  /** Broadcast the same bytes again; answers `rebroadcast`. `why`: the node lost it, or its fees cannot be raised. */
  | { readonly kind: "rebroadcast"; readonly transaction: OutboxTransaction; readonly why: RebroadcastReason }
  /**
   * Nothing more this pass. `inFlight`: a transaction of the batch is still on its way (so no
   * other batch is sent). `unsent`: the fees of this transaction cannot be raised and the node
   * just refused it as it is (said once, in the log).
   */
  | {
      readonly kind: "wait";
      readonly inFlight: boolean;
      readonly unsent?: { readonly transaction: OutboxTransaction; readonly why: "atCap" | "freeGas" } | undefined;
    };

export type RebroadcastReason = "lost" | "atCap" | "freeGas";

/** Everything known so far about a sealed batch's transactions; `undefined`: not asked yet. */
export type OutboxFacts = {
  /** The anchoring account (signer of new transactions). */
  readonly account: Hex;
  /** The batch's pending transactions, oldest first (empty: none sent yet, or all given up). */
  readonly transactions: readonly OutboxTransaction[];
  /** Ids of transactions dropped by earlier steps of this decision. */
  readonly dropped: ReadonlySet<number>;
  /** `eth_getTransactionCount(account, "latest")`: the account's next nonce after its mined transactions. */
  readonly latestNonce?: number | undefined;
  /** Receipts asked for, by hash (`null`: not mined). */
  readonly receipts: ReadonlyMap<Hex, ReceiptFact | null>;
  /** Milliseconds since the newest live transaction was last broadcast (Infinity if never, as far as this process knows). */
  readonly sinceSentMs: (transaction: OutboxTransaction) => number;
  /** `eth_getTransactionCount(account, "pending")`. */
  readonly pendingNonce?: number | undefined;
  /** Whether the node knows the newest live transaction (in its pool). */
  readonly inPool?: boolean | undefined;
  /** The outcome of this pass's rebroadcast, and why it was sent. */
  readonly rebroadcast?: { readonly why: RebroadcastReason; readonly refused: boolean } | undefined;
  /** The node's current fee suggestion. */
  readonly networkFees?: FeeData | undefined;
  /** After `adopt`: whether the root was found anchored (and recorded, or awaited) on chain. */
  readonly anchoredOnChain?: boolean | undefined;
};

/**
 * The next step for a sealed batch and its pending transactions. In order: the account's mined
 * nonce (before receipts: a transaction of ours below it is then in a block that exists when its
 * receipt is asked for); each receipt (one that anchors the batch is recorded; a reverted one is
 * dropped); transactions of another key and those whose nonce was taken are dropped; with none
 * left, the root is adopted if anchored on chain, else signed anew at the node's pending nonce.
 * The newest live transaction is left alone until `rebroadcastAfterMs` has passed since it was
 * sent; then a nonce gap re-signs at the node's nonce, a transaction the node lost is
 * rebroadcast, and one that is stuck (or refused) is replaced with bumped fees up to the cap; at
 * the cap, or on a free-gas network, it is rebroadcast as it is.
 *
 * @example
 * import { decideOutbox } from "./ledger/anchoring/decide.js";
 * decideOutbox({ account, transactions: [], dropped: new Set(), receipts: new Map(), sinceSentMs: () => Infinity }, policy);
 * // { kind: "adopt" }: a fresh batch first looks whether its root is anchored already
 */
export function decideOutbox(facts: OutboxFacts, policy: Pick<FeePolicy, "bumpPercent" | "maxFeePerGasCap" | "rebroadcastAfterMs">): OutboxStep {
  const all = facts.transactions;
  let live = all.filter((t) => !facts.dropped.has(t.id));
  if (all.length > 0) {
    if (facts.latestNonce === undefined) return ask({ fact: "latestNonce" });
    for (const tx of live) {
      const receipt = facts.receipts.get(tx.hash);
      if (receipt === undefined) return ask({ fact: "receipt", hash: tx.hash });
      if (receipt === null) continue;
      if (receipt.status === "success" && receipt.anchorsBatch) return { kind: "recordMined", hash: tx.hash };
      return { kind: "drop", transactions: [tx], reason: "minedWithoutAnchor" };
    }
    const otherKey = live.filter((t) => t.from.toLowerCase() !== facts.account.toLowerCase());
    if (otherKey.length > 0) return { kind: "drop", transactions: otherKey, reason: "otherKey" };
    const spent = live.filter((t) => t.nonce < facts.latestNonce!);
    if (spent.length > 0) return { kind: "drop", transactions: spent, reason: "nonceTaken" };
    live = live.filter((t) => t.nonce >= facts.latestNonce!);
  }
  if (live.length === 0) {
    // Nothing in flight: anchored on chain already (a crash after broadcasting, another holder)? Else sign anew.
    if (facts.anchoredOnChain === undefined) return { kind: "adopt" };
    if (facts.anchoredOnChain) return { kind: "wait", inFlight: false };
    if (facts.pendingNonce === undefined) return ask({ fact: "pendingNonce" });
    return { kind: "sign", nonce: facts.pendingNonce, previous: all.at(-1) };
  }
  const current = live.at(-1)!;
  if (facts.sinceSentMs(current) < policy.rebroadcastAfterMs) return { kind: "wait", inFlight: true };
  if (facts.pendingNonce === undefined) return ask({ fact: "pendingNonce" });
  if (current.nonce > facts.pendingNonce) return { kind: "drop", transactions: live, reason: "nonceGap" };
  if (facts.inPool === undefined) return ask({ fact: "inPool", hash: current.hash });
  const rebroadcast = facts.rebroadcast;
  if (!facts.inPool && rebroadcast === undefined) return { kind: "rebroadcast", transaction: current, why: "lost" };
  if (rebroadcast !== undefined && (rebroadcast.why !== "lost" || !rebroadcast.refused)) return { kind: "wait", inFlight: true };
  // Stuck in the pool, or refused (e.g. its max fee is under the base fee now): replace it with higher fees.
  if (facts.networkFees === undefined) return ask({ fact: "networkFees" });
  const previous = { maxFeePerGas: BigInt(current.maxFeePerGas), maxPriorityFeePerGas: BigInt(current.maxPriorityFeePerGas) };
  const fees = bumpedFees(previous, facts.networkFees, policy);
  if (fees) return { kind: "replace", previous: current, fees };
  const why = previous.maxFeePerGas === 0n ? "freeGas" : "atCap";
  // Nothing to raise: rebroadcast as it is, unless the node just refused exactly that.
  if (rebroadcast !== undefined) return { kind: "wait", inFlight: true, unsent: { transaction: current, why } };
  return { kind: "rebroadcast", transaction: current, why };
}

function ask(question: OutboxQuestion): OutboxStep {
  return { kind: "ask", ...question };
}

/** What to do with an anchored batch: its block left the chain, it is deep enough, or not yet. */
export type AnchoredStep = { readonly kind: "reorged" } | { readonly kind: "confirm"; readonly confirmations: number } | { readonly kind: "wait" };

/**
 * An anchored batch, given the hash of the block now at its anchor's height (`null`: none) and
 * the head: reorged if that is not the anchor's block, confirmed once `confirmations` blocks
 * (its own counted) hold it.
 *
 * @example
 * import { decideAnchored } from "./ledger/anchoring/decide.js";
 * decideAnchored({ anchor: { blockNumber: 10, blockHash }, blockHashAtHeight: blockHash, head: 11n, confirmations: 2 }); // { kind: "confirm", confirmations: 2 }
 */
export function decideAnchored(facts: {
  readonly anchor: { readonly blockNumber: number; readonly blockHash: Hex };
  readonly blockHashAtHeight: Hex | null;
  readonly head: bigint;
  readonly confirmations: number;
}): AnchoredStep {
  if (facts.blockHashAtHeight !== facts.anchor.blockHash) return { kind: "reorged" };
  const depth = facts.head - BigInt(facts.anchor.blockNumber) + 1n;
  return depth < BigInt(facts.confirmations) ? { kind: "wait" } : { kind: "confirm", confirmations: Number(depth) };
}

/** After a (re)start or a change of lease holder, one pending transaction: mined (recorded later), in the pool (wait), or lost (rebroadcast). */
export type ReconcileStep =
  | { readonly kind: "ask"; readonly fact: "receipt" | "inPool" }
  | { readonly kind: "mined" }
  | { readonly kind: "inPool" }
  | { readonly kind: "rebroadcast" };

/**
 * @example
 * import { decideReconcile } from "./ledger/anchoring/decide.js";
 * decideReconcile({ mined: false, inPool: false }); // { kind: "rebroadcast" }: persisted before a crash, never sent
 */
export function decideReconcile(facts: { readonly mined?: boolean | undefined; readonly inPool?: boolean | undefined }): ReconcileStep {
  if (facts.mined === undefined) return { kind: "ask", fact: "receipt" };
  if (facts.mined) return { kind: "mined" };
  if (facts.inPool === undefined) return { kind: "ask", fact: "inPool" };
  return facts.inPool ? { kind: "inPool" } : { kind: "rebroadcast" };
}

/** One organisation's pending entries, as the store counts them. */
export type PendingFact = { readonly orgId: number; readonly pending: number; readonly oldestReceivedAt: string | null };

/**
 * Which organisations to seal now: those with N pending or whose oldest pending entry has waited
 * T, except one that already has a sealed batch waiting for its transaction (at most one batch
 * per organisation waits behind the one in flight, so a slow chain grows the next batch instead of
 * queueing small ones). `wakeInMs`: when the next organisation falls due (Infinity: none).
 *
 * @example
 * import { decideSealing } from "./ledger/anchoring/decide.js";
 * decideSealing([{ orgId: 1, pending: 3, oldestReceivedAt }], new Set(), now, { maxPending: 1000, intervalMs: 10_000 }); // { seal: [], wakeInMs: … }
 */
export function decideSealing(
  stats: readonly PendingFact[],
  waiting: ReadonlySet<number>,
  now: Date,
  config: { readonly maxPending: number; readonly intervalMs: number },
): { readonly seal: readonly PendingFact[]; readonly wakeInMs: number } {
  const seal: PendingFact[] = [];
  let wakeInMs = Number.POSITIVE_INFINITY;
  for (const s of stats) {
    if (s.pending <= 0 || waiting.has(s.orgId)) continue; // a waiting organisation is sealed once its batch is sent
    const age = s.oldestReceivedAt === null ? 0 : now.getTime() - Date.parse(s.oldestReceivedAt);
    if (s.pending < config.maxPending && age < config.intervalMs) wakeInMs = Math.min(wakeInMs, config.intervalMs - age);
    else seal.push(s);
  }
  return { seal, wakeInMs };
}
