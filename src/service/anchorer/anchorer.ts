// The anchoring service's anchorer: seals pending entries into Merkle batches and anchors each
// batch root in the ProvenanceRegistry, surviving crashes, RPC outages, dropped and stuck
// transactions, foreign use of its nonce and reorgs. Every decision is re-derived each pass from
// the store (durable) and the chain (authoritative); memory only holds timers and hints, so a
// process killed at any point resumes from where the store and the chain say it is.
// This file is the loop (lease, startup checks, timing, backoff); what to do in each situation
// is decided in decide.ts and done by engine.ts. docs/service-anchoring.md describes the state
// machine and the fault handling.
import { isAnchorer } from "../../chain/registry.js";
import { describeCause } from "../../core/errors/base.js";
import { ChainError } from "../../core/errors/chain.js";
import type { Hex } from "../../core/hex.js";
import { createBackoff } from "../backoff.js";
import { type Anchorer, type AnchorerConfig, checkConfig } from "./config.js";
import { createAnchoringEngine } from "../../ledger/anchoring/engine.js";

export type { FeePolicy } from "../../ledger/anchoring/feePolicy.js";
export type { Anchorer, AnchorerConfig, AnchorerState } from "./config.js";
export { sealBuilder } from "../../ledger/anchoring/engine.js";

const RPC_FAILURES: ReadonlySet<string> = new Set(["RPC_UNREACHABLE", "RPC_TIMEOUT", "RPC_ERROR"]);

/**
 * Creates the anchorer of `provenance serve`. Each pass, as the lease holder:
 * 1. seals, per organisation, up to `maxLeaves` of its oldest pending entries when N are pending
 *    or the oldest has waited T (store only: goes on while the chain is unreachable);
 * 2. checks every anchored batch: its block replaced → back to sealed (`onReorg`), to be anchored
 *    again; deep enough → confirmed (`onBatchConfirmed`);
 * 3. drives the outbox: records mined transactions (`onBatchAnchored`), rebroadcasts lost ones,
 *    replaces stuck ones with higher fees up to the cap, re-signs when its nonce was taken, and
 *    signs the next batch's transaction (one in flight at a time), persisted before broadcast.
 *
 * @example
 * import { createAnchorer } from "./service/anchorer/anchorer.js";
 * const anchorer = createAnchorer({ store, writer, registry, chainId: 1337, orgIds: [1], intervalMs: 10_000, maxPending: 1000,
 *   maxLeaves: 100_000, confirmations: 2, fees: { bumpPercent: 12, maxFeePerGasCap: 100_000_000_000n, rebroadcastAfterMs: 60_000 },
 *   leaseName: "anchorer", leaseHolder: `${hostname()}:${process.pid}`, leaseTtlMs: 30_000, logger });
 * await anchorer.start(); // throws ChainError("CHAIN_ID_MISMATCH") on the wrong chain
 */
export function createAnchorer(config: AnchorerConfig): Anchorer {
  checkConfig(config);
  const { store, writer, logger } = config;
  const events = config.events ?? {};
  const registry = config.registry.toLowerCase() as Hex;
  const served = new Set(config.orgIds);
  const now = config.now ?? (() => new Date());
  // A quarter of a second: a mined anchor is seen within 250 ms (a handful of cheap RPC calls per pass).
  const pollIntervalMs = config.pollIntervalMs ?? Math.min(250, config.intervalMs);
  // Receipts and confirmations only change with a new block: between passes, one cheap call.
  const headPollMs = config.headPollMs ?? Math.min(50, pollIntervalMs);
  const backoff = createBackoff(config.retry);
  // Memory only: losing any of it costs at most one early rebroadcast or an approximate latency.
  const pendingHint = new Map<number, number>(); // org → entries pending, as far as notifyIngested tells
  let arriving: Map<number, number> | null = null; // org → entries notified while sealDue reads the store
  const fatal = new WeakSet<object>();
  const engine = createAnchoringEngine({ ...config, registry, events, now, maySign: holdLease });
  const { rpc, failedOperation } = engine;

  let chainChecked = false;
  let reconciled = false;
  let leader: boolean | undefined;
  let problem: string | undefined;
  let running = false;
  let stopping = false;
  let retryChainAt = 0; // Date.now() before which the loop leaves the chain alone (backoff)
  let loop: Promise<void> | null = null;
  let wake: (() => void) | null = null;
  let wakeRequested = false;
  let queue: Promise<unknown> = Promise.resolve();
  // Timing hints for the loop, set by each pass.
  let sealAt = Number.POSITIVE_INFINITY; // Date.now() at which an organisation's oldest pending entry reaches T
  let watching = false; // this instance anchors and a batch awaits its block or its confirmations
  let headSeen: bigint | undefined; // the head at the end of the last pass
  let started: { promise: Promise<void>; resolve: () => void; reject: (error: unknown) => void } | null = null;

  /** One pass at a time, whether from the loop or from tick(). */
  function exclusive<T>(run: () => Promise<T>): Promise<T> {
    const result = queue.then(run);
    queue = result.catch(() => undefined);
    return result;
  }

  async function holdLease(): Promise<boolean> {
    let held = await config.store.acquireLease(config.leaseName, config.leaseHolder, config.leaseTtlMs, now());
    if (!held && config.isDeadHolder) {
      // Killed without releasing it (kill -9, a crash): take it over rather than wait out its TTL.
      // The release only removes that holder's lease, so a third instance that took it meanwhile keeps it.
      const lease = await config.store.readLease(config.leaseName);
      if (lease && lease.holder !== config.leaseHolder && config.isDeadHolder(lease.holder)) {
        await config.store.releaseLease(config.leaseName, lease.holder);
        held = await config.store.acquireLease(config.leaseName, config.leaseHolder, config.leaseTtlMs, now());
        if (held)
          logger.info("anchoring lease taken over from a process that is gone", {
            lease: config.leaseName,
            previousHolder: lease.holder,
            expiresAt: lease.expiresAt.toISOString(),
          });
      }
    }
    if (held !== leader)
      logger.info(held ? "anchoring lease taken: this instance anchors" : "anchoring lease held elsewhere: this instance only ingests", {
        lease: config.leaseName,
        holder: config.leaseHolder,
      });
    // Another holder may have sent, mined or replaced transactions meanwhile: look again before acting.
    if (!held) reconciled = false;
    leader = held;
    return held;
  }

  /** One pass. `force` ignores the backoff (tick). Returns whether the chain part ran. */
  async function pass(force: boolean): Promise<boolean> {
    const isLeader = await holdLease();
    watching = false;
    sealAt = Number.POSITIVE_INFINITY;
    if (isLeader) await sealDue();
    if (!force && Date.now() < retryChainAt) return false;
    if (!chainChecked) {
      await checkChain();
      chainChecked = true;
      started?.resolve();
    } else if (isLeader) await checkChainId(); // the node behind the URL may change
    if (!isLeader) return true;
    if (!reconciled) {
      await engine.reconcile();
      reconciled = true;
    }
    // Confirmations and reorgs of what was anchored before, then the outbox, then confirmations
    // again: a batch mined since the last pass is recorded and, at depth 1, confirmed in this pass
    // instead of the next (one poll interval less between acceptance and receipt).
    let head = await rpc("getBlockNumber", () => writer.getBlockNumber());
    await engine.checkAnchoredBatches(head);
    engine.takeNewlyAnchored();
    // The batch that waited is on its way: what is due now is sealed to wait behind it.
    if (await engine.driveOutbox()) await sealDue();
    if (engine.takeNewlyAnchored()) {
      head = await rpc("getBlockNumber", () => writer.getBlockNumber());
      await engine.checkAnchoredBatches(head);
    }
    headSeen = head;
    watching = (await engine.servedBatches()).length > 0;
    return true;
  }

  /** Seals what is due (engine.sealDue) and sets when the loop must wake for the next organisation. */
  async function sealDue(): Promise<void> {
    sealAt = Number.POSITIVE_INFINITY;
    // Entries acknowledged while the store is read may be missing from that read, which resets the
    // hints: they are counted apart and added back (at worst counted twice: one early pass).
    arriving = new Map();
    let wakeInMs: number;
    try {
      wakeInMs = await engine.sealDue(pendingHint);
    } finally {
      for (const [orgId, count] of arriving) pendingHint.set(orgId, (pendingHint.get(orgId) ?? 0) + count);
      arriving = null;
    }
    // Likewise, keep the wake-up that notifyIngested set meanwhile, or they would wait for the next poll.
    sealAt = Math.min(sealAt, wakeInMs === Number.POSITIVE_INFINITY ? wakeInMs : Date.now() + wakeInMs);
  }

  // ---- startup checks -------------------------------------------------------------------------

  /** The node's chain, the registry and the account's roles. An unreachable node is retried; a wrong chain, registry or account is fatal. */
  async function checkChain(): Promise<void> {
    await checkChainId();
    for (const orgId of config.orgIds) {
      const allowed = await rpc("isAnchorer", () => isAnchorer(writer, registry, orgId, writer.account)).catch((error: unknown) => {
        if (error instanceof ChainError && !RPC_FAILURES.has(error.code)) fatal.add(error); // NOT_A_REGISTRY, unknown organisation
        throw error;
      });
      if (!allowed)
        throw fatalError(
          new ChainError(
            "CONTRACT_REVERTED",
            `account ${writer.account} is not an anchorer of organisation ${orgId} in registry ${registry}: the registry would refuse its anchors`,
            {
              revertName: "ProvenanceRegistryUnauthorizedAnchorer",
            },
          ),
        );
    }
  }

  async function checkChainId(): Promise<void> {
    const actual = await rpc("getChainId", () => writer.getChainId());
    if (actual !== config.chainId)
      throw fatalError(
        new ChainError(
          "CHAIN_ID_MISMATCH",
          `the RPC node serves chain ${actual}, but the service is configured for chain ${config.chainId}: refusing to anchor`,
        ),
      );
  }

  function fatalError(error: ChainError): ChainError {
    fatal.add(error);
    return error;
  }

  // ---- the loop ---------------------------------------------------------------------------------

  /** Reports a failed pass; true if it is fatal (the anchorer must not go on). */
  function report(error: unknown): boolean {
    problem = describeCause(error);
    const isObject = typeof error === "object" && error !== null;
    const operation = isObject ? failedOperation.get(error) : undefined;
    const code = error instanceof ChainError ? error.code : (error as { code?: unknown } | undefined)?.code;
    if (isObject && fatal.has(error)) {
      logger.error("refusing to anchor", { code, error: problem });
      return true;
    }
    if (error instanceof ChainError && operation !== undefined && RPC_FAILURES.has(error.code)) {
      events.onRpcError?.(operation, error);
      logger.warn("RPC call failed; retrying with backoff", { operation, code, error: problem });
    } else logger.error("anchorer pass failed; retrying with backoff", { operation, code, error: problem });
    return false;
  }

  async function releaseLease(): Promise<void> {
    if (!leader) return;
    leader = undefined;
    await store
      .releaseLease(config.leaseName, config.leaseHolder)
      .catch((error: unknown) => logger.warn("could not release the anchoring lease", { error: describeCause(error) }));
  }

  /** Between passes: has the lease holder's node produced a block since the last pass? */
  async function headMoved(): Promise<boolean> {
    return (await rpc("getBlockNumber", () => writer.getBlockNumber())) !== headSeen;
  }

  async function runLoop(): Promise<void> {
    let lastPass = Number.NEGATIVE_INFINITY;
    while (!stopping) {
      try {
        const at = Date.now();
        const due = wakeRequested || at - lastPass >= pollIntervalMs || at >= sealAt || (watching && at >= retryChainAt && (await headMoved()));
        wakeRequested = false;
        if (due) {
          lastPass = Date.now();
          if (await exclusive(() => pass(false))) {
            backoff.reset();
            problem = undefined;
          }
        }
      } catch (error) {
        if (report(error)) {
          running = false;
          started?.reject(error);
          await releaseLease();
          return;
        }
        retryChainAt = Date.now() + backoff.next();
        // What the failed pass did not get to recompute must not wake the loop before the backoff.
        sealAt = Number.POSITIVE_INFINITY;
        watching = false;
      }
      if (stopping) return;
      // The next pass: after the poll interval (during a backoff, once it is over: the store-only
      // part, sealing, goes on meanwhile), or when a pending entry reaches T. While a batch awaits
      // a block, the head is asked for every headPollMs and a new block starts a pass at once.
      const chainAt = Math.max(lastPass + pollIntervalMs, retryChainAt);
      const headAt = watching ? Math.max(Date.now() + headPollMs, retryChainAt) : Number.POSITIVE_INFINITY;
      const delay = wakeRequested ? 0 : Math.max(0, Math.min(chainAt, sealAt, headAt) - Date.now());
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = null;
    }
  }

  return {
    start() {
      if (started) return started.promise;
      let resolve!: () => void;
      let reject!: (error: unknown) => void;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      started = { promise, resolve, reject };
      stopping = false;
      running = true;
      loop = runLoop();
      return promise;
    },
    async stop() {
      stopping = true;
      wake?.();
      await loop;
      await queue;
      running = false;
      started?.resolve();
      started = null;
      loop = null;
      await releaseLease();
    },
    tick() {
      return exclusive(() => pass(true)).then(
        () => {
          problem = undefined;
        },
        (error: unknown) => {
          report(error);
          throw error;
        },
      );
    },
    notifyIngested(orgId, count) {
      if (!served.has(orgId) || count <= 0) return;
      if (sealAt === Number.POSITIVE_INFINITY) {
        // Nothing was pending at the last pass: these entries are due at T from now, and the
        // sleeping loop is told so (it sleeps until then unless something else comes first).
        sealAt = Date.now() + config.intervalMs;
        wake?.();
      }
      const counts = arriving ?? pendingHint; // while sealDue reads the store: apart (see there)
      counts.set(orgId, (counts.get(orgId) ?? 0) + count);
      const pending = (pendingHint.get(orgId) ?? 0) + (arriving?.get(orgId) ?? 0);
      if (pending < config.maxPending) return;
      wakeRequested = true; // a pass at once: now if the loop sleeps, else right after this one
      wake?.();
    },
    status: () => ({ running, leader, problem }),
  };
}
