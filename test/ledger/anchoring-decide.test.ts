import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { FeeData } from "../../src/chain/types.js";
import type { Hex } from "../../src/core/hex.js";
import {
  type AnchoredStep,
  type OutboxFacts,
  type OutboxStep,
  type PendingFact,
  type ReceiptFact,
  type ReconcileStep,
  decideAnchored,
  decideOutbox,
  decideReconcile,
  decideSealing,
} from "../../src/ledger/anchoring/decide.js";
import type { OutboxTransaction } from "../../src/service/store/serviceStore.js";

// The anchorer's decisions, row by row, without a chain: each row is a situation (what the store
// holds, what the chain said so far) and the one step the anchorer must take next. The effects of
// these steps against a real node are covered by test/service/service-anchorer.test.ts.

const GWEI = 1_000_000_000n;
const ME = "0x00000000000000000000000000000000000000a1" as Hex;
const OLD_KEY = "0x00000000000000000000000000000000000000b2" as Hex;
const policy = { bumpPercent: 12, maxFeePerGasCap: 200n * GWEI, rebroadcastAfterMs: 60_000 };
const eip1559 = (maxFeePerGas: bigint, maxPriorityFeePerGas: bigint): FeeData => ({
  type: "eip1559",
  baseFeePerGas: maxFeePerGas / 2n,
  maxFeePerGas,
  maxPriorityFeePerGas,
});

function tx(id: number, nonce: number, fields: Partial<OutboxTransaction> = {}): OutboxTransaction {
  return {
    id,
    batchId: 1,
    chainId: 31337,
    from: ME,
    nonce,
    hash: `0x${id.toString(16).padStart(64, "0")}` as Hex,
    raw: "0x02",
    maxFeePerGas: (100n * GWEI).toString(),
    maxPriorityFeePerGas: (2n * GWEI).toString(),
    createdAt: "2026-01-01T00:00:00.000Z",
    status: "pending",
    ...fields,
  };
}

const A = tx(1, 5);
const B = tx(2, 5, { maxFeePerGas: (112n * GWEI).toString(), maxPriorityFeePerGas: (3n * GWEI).toString() });
const AT_CAP = tx(3, 5, { maxFeePerGas: (200n * GWEI).toString() });
const FREE = tx(4, 5, { maxFeePerGas: "0", maxPriorityFeePerGas: "0" });
const ROTATED = tx(5, 9, { from: OLD_KEY });

/** Facts for `transactions`, with every chain answer given so far in `known`. */
function facts(
  transactions: readonly OutboxTransaction[],
  known: Partial<Omit<OutboxFacts, "receipts" | "dropped">> & { receipts?: [Hex, ReceiptFact | null][]; dropped?: number[] } = {},
): OutboxFacts {
  const { receipts = [], dropped = [], ...rest } = known;
  return { account: ME, transactions, dropped: new Set(dropped), receipts: new Map(receipts), sinceSentMs: () => Number.POSITIVE_INFINITY, ...rest };
}
const notMined = (...txs: OutboxTransaction[]): [Hex, null][] => txs.map((t) => [t.hash, null]);
/** Facts of a batch whose newest transaction `current` is due for a look (nothing mined, nonces in order). */
const due = (txs: readonly OutboxTransaction[], more: Partial<Omit<OutboxFacts, "receipts" | "dropped">> = {}) =>
  facts(txs, { latestNonce: 5, receipts: notMined(...txs), pendingNonce: 6, ...more });

const OUTBOX: readonly { readonly name: string; readonly facts: OutboxFacts; readonly step: OutboxStep }[] = [
  // A batch with no transaction yet.
  { name: "default: a fresh batch first looks on chain whether its root is anchored already", facts: facts([]), step: { kind: "adopt" } },
  {
    name: "behavior: a fresh batch whose root is anchored on chain is adopted, and nothing is in flight",
    facts: facts([], { anchoredOnChain: true }),
    step: { kind: "wait", inFlight: false },
  },
  {
    name: "behavior: a fresh batch not anchored asks the node's pending nonce",
    facts: facts([], { anchoredOnChain: false }),
    step: { kind: "ask", fact: "pendingNonce" },
  },
  {
    name: "behavior: a fresh batch is signed at the node's pending nonce",
    facts: facts([], { anchoredOnChain: false, pendingNonce: 7 }),
    step: { kind: "sign", nonce: 7, previous: undefined },
  },
  // Receipts.
  {
    name: "behavior: with transactions in flight, the account's mined nonce is asked before any receipt",
    facts: facts([A]),
    step: { kind: "ask", fact: "latestNonce" },
  },
  {
    name: "behavior: then each transaction's receipt, oldest first",
    facts: facts([A, B], { latestNonce: 5 }),
    step: { kind: "ask", fact: "receipt", hash: A.hash },
  },
  {
    name: "behavior: a transaction not mined leads to the next one's receipt",
    facts: facts([A, B], { latestNonce: 5, receipts: notMined(A) }),
    step: { kind: "ask", fact: "receipt", hash: B.hash },
  },
  {
    name: "behavior: a mined receipt that anchors the batch is recorded (the replacement here)",
    facts: facts([A, B], { latestNonce: 6, receipts: [...notMined(A), [B.hash, { status: "success", anchorsBatch: true }]] }),
    step: { kind: "recordMined", hash: B.hash },
  },
  {
    name: "behavior: a reverted transaction is dropped",
    facts: facts([A], { latestNonce: 6, receipts: [[A.hash, { status: "reverted", anchorsBatch: false }]] }),
    step: { kind: "drop", transactions: [A], reason: "minedWithoutAnchor" },
  },
  {
    name: "behavior: attack — a successful transaction that anchored another batch (or organisation) is not taken for ours",
    facts: facts([A], { latestNonce: 6, receipts: [[A.hash, { status: "success", anchorsBatch: false }]] }),
    step: { kind: "drop", transactions: [A], reason: "minedWithoutAnchor" },
  },
  {
    name: "behavior: after a drop, the next transaction's receipt is asked",
    facts: facts([A, B], { latestNonce: 6, receipts: [[A.hash, { status: "reverted", anchorsBatch: false }]], dropped: [A.id] }),
    step: { kind: "ask", fact: "receipt", hash: B.hash },
  },
  // Given up without a receipt.
  {
    name: "behavior: a transaction of a previous anchorer key is dropped",
    facts: facts([ROTATED], { latestNonce: 5, receipts: notMined(ROTATED) }),
    step: { kind: "drop", transactions: [ROTATED], reason: "otherKey" },
  },
  {
    name: "behavior: a transaction whose nonce was mined by another is dropped",
    facts: facts([A, B], { latestNonce: 6, receipts: notMined(A, B) }),
    step: { kind: "drop", transactions: [A, B], reason: "nonceTaken" },
  },
  {
    name: "behavior: with every transaction given up, the root is looked for on chain before signing anew",
    facts: facts([A, B], { latestNonce: 6, receipts: notMined(A, B), dropped: [A.id, B.id] }),
    step: { kind: "adopt" },
  },
  {
    name: "behavior: given up and not anchored: re-signed at the pending nonce, keeping the newest transaction's gas",
    facts: facts([A, B], { latestNonce: 6, receipts: notMined(A, B), dropped: [A.id, B.id], anchoredOnChain: false, pendingNonce: 6 }),
    step: { kind: "sign", nonce: 6, previous: B },
  },
  // The newest live transaction.
  {
    name: "behavior: a transaction sent less than rebroadcastAfterMs ago is left alone, in flight",
    facts: due([A], { pendingNonce: undefined, sinceSentMs: () => 59_999 }),
    step: { kind: "wait", inFlight: true },
  },
  { name: "behavior: once due, the node's pending nonce is asked", facts: due([A], { pendingNonce: undefined }), step: { kind: "ask", fact: "pendingNonce" } },
  {
    name: "behavior: a nonce above the node's next one (a gap) drops what is live",
    facts: due([A, B], { pendingNonce: 4 }),
    step: { kind: "drop", transactions: [A, B], reason: "nonceGap" },
  },
  { name: "behavior: no gap: whether the node holds the newest transaction is asked", facts: due([A, B]), step: { kind: "ask", fact: "inPool", hash: B.hash } },
  {
    name: "behavior: a transaction the node lost is rebroadcast as it is",
    facts: due([A], { inPool: false }),
    step: { kind: "rebroadcast", transaction: A, why: "lost" },
  },
  {
    name: "behavior: a rebroadcast the node took is in flight",
    facts: due([A], { inPool: false, rebroadcast: { why: "lost", refused: false } }),
    step: { kind: "wait", inFlight: true },
  },
  {
    name: "behavior: a rebroadcast the node refused is replaced: the network's fees are asked",
    facts: due([A], { inPool: false, rebroadcast: { why: "lost", refused: true } }),
    step: { kind: "ask", fact: "networkFees" },
  },
  { name: "behavior: a transaction stuck in the pool asks the network's fees", facts: due([A], { inPool: true }), step: { kind: "ask", fact: "networkFees" } },
  {
    name: "behavior: a stuck transaction is replaced at its nonce with fees raised by bumpPercent",
    facts: due([A], { inPool: true, networkFees: eip1559(10n * GWEI, 1n * GWEI) }),
    step: { kind: "replace", previous: A, fees: { maxFeePerGas: 112n * GWEI, maxPriorityFeePerGas: 2_240_000_000n } },
  },
  {
    name: "behavior: the replacement follows the network when it asks more than the bump",
    facts: due([A], { inPool: true, networkFees: eip1559(150n * GWEI, 5n * GWEI) }),
    step: { kind: "replace", previous: A, fees: { maxFeePerGas: 150n * GWEI, maxPriorityFeePerGas: 5n * GWEI } },
  },
  {
    name: "behavior: never above the cap",
    facts: due([B], { inPool: true, networkFees: eip1559(500n * GWEI, 400n * GWEI) }),
    step: { kind: "replace", previous: B, fees: { maxFeePerGas: 200n * GWEI, maxPriorityFeePerGas: 200n * GWEI } },
  },
  {
    name: "behavior: a legacy network gets a raised gas price",
    facts: due([A], { inPool: true, networkFees: { type: "legacy", gasPrice: 1n } }),
    step: { kind: "replace", previous: A, fees: { gasPrice: 112n * GWEI } },
  },
  {
    name: "behavior: at the cap there is nothing to raise: rebroadcast at the cap",
    facts: due([AT_CAP], { inPool: true, networkFees: eip1559(500n * GWEI, 4n * GWEI) }),
    step: { kind: "rebroadcast", transaction: AT_CAP, why: "atCap" },
  },
  {
    name: "behavior: at the cap and just refused by the node, it waits (said once)",
    facts: due([AT_CAP], { inPool: false, rebroadcast: { why: "lost", refused: true }, networkFees: eip1559(500n * GWEI, 4n * GWEI) }),
    step: { kind: "wait", inFlight: true, unsent: { transaction: AT_CAP, why: "atCap" } },
  },
  {
    name: "behavior: after the rebroadcast at the cap, in flight",
    facts: due([AT_CAP], { inPool: true, rebroadcast: { why: "atCap", refused: false } }),
    step: { kind: "wait", inFlight: true },
  },
  {
    name: "behavior: on a free-gas network a stuck transaction is rebroadcast, never bumped",
    facts: due([FREE], { inPool: true, networkFees: { type: "legacy", gasPrice: 0n } }),
    step: { kind: "rebroadcast", transaction: FREE, why: "freeGas" },
  },
];

describe("anchorer decision: a sealed batch's transactions (decideOutbox)", () => {
  for (const row of OUTBOX) it(row.name, () => assert.deepEqual(decideOutbox(row.facts, policy), row.step));

  it("behavior: run to the end, a lost-then-refused transaction at the cap asks each fact once and ends in a wait", () => {
    // The effect runner's loop, with a scripted chain: every question is answered once.
    const answers: Record<string, unknown> = { latestNonce: 5, pendingNonce: 5, inPool: false, networkFees: eip1559(500n * GWEI, 1n) };
    let f = facts([AT_CAP]);
    const asked: string[] = [];
    for (let i = 0; i < 20; i++) {
      const step = decideOutbox(f, policy);
      if (step.kind === "ask") {
        asked.push(step.fact);
        f = step.fact === "receipt" ? { ...f, receipts: new Map([[step.hash, null]]) } : { ...f, [step.fact]: answers[step.fact] };
      } else if (step.kind === "rebroadcast") f = { ...f, rebroadcast: { why: step.why, refused: true } };
      else {
        assert.deepEqual(step, { kind: "wait", inFlight: true, unsent: { transaction: AT_CAP, why: "atCap" } });
        assert.deepEqual(asked, ["latestNonce", "receipt", "pendingNonce", "inPool", "networkFees"]);
        return;
      }
    }
    assert.fail("the decision did not come to a wait");
  });
});

const HASH = `0x${"ab".repeat(32)}` as Hex;
const OTHER = `0x${"cd".repeat(32)}` as Hex;
const ANCHORED: readonly { readonly name: string; readonly blockHashAtHeight: Hex | null; readonly head: bigint; readonly step: AnchoredStep }[] = [
  { name: "default: one block deep of two required: wait", blockHashAtHeight: HASH, head: 10n, step: { kind: "wait" } },
  { name: "behavior: two blocks deep (its own counted): confirmed", blockHashAtHeight: HASH, head: 11n, step: { kind: "confirm", confirmations: 2 } },
  { name: "behavior: deeper still: confirmed with its depth", blockHashAtHeight: HASH, head: 14n, step: { kind: "confirm", confirmations: 5 } },
  { name: "behavior: another block at its height: reorged", blockHashAtHeight: OTHER, head: 14n, step: { kind: "reorged" } },
  { name: "behavior: no block at its height (the chain got shorter): reorged", blockHashAtHeight: null, head: 8n, step: { kind: "reorged" } },
];

describe("anchorer decision: an anchored batch (decideAnchored)", () => {
  for (const row of ANCHORED)
    it(row.name, () =>
      assert.deepEqual(
        decideAnchored({ anchor: { blockNumber: 10, blockHash: HASH }, blockHashAtHeight: row.blockHashAtHeight, head: row.head, confirmations: 2 }),
        row.step,
      ),
    );
});

const RECONCILE: readonly { readonly name: string; readonly facts: { mined?: boolean; inPool?: boolean }; readonly step: ReconcileStep }[] = [
  { name: "default: after a restart, a pending transaction's receipt is asked first", facts: {}, step: { kind: "ask", fact: "receipt" } },
  { name: "behavior: mined: left to the outbox to record", facts: { mined: true }, step: { kind: "mined" } },
  { name: "behavior: not mined: whether the node holds it is asked", facts: { mined: false }, step: { kind: "ask", fact: "inPool" } },
  { name: "behavior: held by the node: wait for it", facts: { mined: false, inPool: true }, step: { kind: "inPool" } },
  { name: "behavior: persisted before a crash and never sent: rebroadcast", facts: { mined: false, inPool: false }, step: { kind: "rebroadcast" } },
];

describe("anchorer decision: reconciling after a restart (decideReconcile)", () => {
  for (const row of RECONCILE) it(row.name, () => assert.deepEqual(decideReconcile(row.facts), row.step));
});

const NOW = new Date("2026-01-01T00:01:00.000Z");
const ago = (ms: number) => new Date(NOW.getTime() - ms).toISOString();
/** Organisation `orgId` has `count` entries pending, the oldest received `ms` ago. */
const pending = (orgId: number, count: number, ms: number): PendingFact => ({ orgId, pending: count, oldestReceivedAt: ago(ms) });
const NEVER = Number.POSITIVE_INFINITY;
const SEALING: readonly {
  readonly name: string;
  readonly stats: PendingFact[];
  readonly waiting?: number[];
  readonly seal: number[];
  readonly wakeInMs: number;
}[] = [
  { name: "default: nothing pending: nothing to seal, no wake-up", stats: [], seal: [], wakeInMs: NEVER },
  { name: "behavior: N pending are sealed at once", stats: [pending(1, 100, 0)], seal: [1], wakeInMs: NEVER },
  { name: "behavior: fewer than N, younger than T: wake when the oldest reaches T", stats: [pending(1, 3, 4_000)], seal: [], wakeInMs: 6_000 },
  { name: "behavior: fewer than N once the oldest has waited T: sealed", stats: [pending(1, 3, 10_000)], seal: [1], wakeInMs: NEVER },
  {
    name: "behavior: an organisation with a sealed batch waiting for its transaction is not sealed again",
    stats: [pending(1, 100, 20_000)],
    waiting: [1],
    seal: [],
    wakeInMs: NEVER,
  },
  {
    name: "behavior: each organisation on its own: one due, one waking soonest",
    stats: [pending(1, 2, 9_000), pending(2, 100, 1), pending(3, 1, 2_000), { orgId: 4, pending: 0, oldestReceivedAt: null }],
    seal: [2],
    wakeInMs: 1_000,
  },
];

describe("anchorer decision: sealing (decideSealing)", () => {
  for (const row of SEALING)
    it(row.name, () => {
      const decided = decideSealing(row.stats, new Set(row.waiting ?? []), NOW, { maxPending: 100, intervalMs: 10_000 });
      assert.deepEqual({ seal: decided.seal.map((s) => s.orgId), wakeInMs: decided.wakeInMs }, { seal: row.seal, wakeInMs: row.wakeInMs });
    });
});
