// The anchorer's configuration and what it reports: the contract between the service and its
// anchoring loop (anchorer.ts), checked once at creation.
import { invalid } from "../../core/errors/input.js";
import type { Hex } from "../../core/hex.js";
import { MAX_LEAF_COUNT } from "../../merkle/tree.js";
import type { CreateBackoffParameters } from "../backoff.js";
import type { AnchoringSettings } from "../../ledger/anchoring/types.js";
import type { ServiceStore } from "../store/serviceStore.js";
import type { AnchorerEvents } from "../types.js";
import { UINT32_MAX } from "../../core/validate.js";

/** The engine's settings (AnchoringSettings: writer, chain ID, organisations, T, N, batch size, confirmations, fees, logger) and the service's own. */
export type AnchorerConfig = AnchoringSettings & {
  readonly store: ServiceStore;
  readonly registry: Hex;
  /** Only the holder of this lease (in the store) seals and anchors; other instances only ingest. */
  readonly leaseName: string;
  /** This instance's name in the lease (unique per instance, e.g. host:pid). */
  readonly leaseHolder: string;
  /**
   * Whether a lease holder is known to be gone (a process of this host that no longer runs, see
   * leaseHolder.ts): its lease is taken over at once instead of after its TTL. Default: never.
   */
  readonly isDeadHolder?: ((holder: string) => boolean) | undefined;
  /** Renewed every pass; make it several times the longest pass (RPC timeout × a few calls), e.g. 30 s. */
  readonly leaseTtlMs: number;
  /** How often the loop runs a whole pass (lease, sealing, receipts, confirmations, reorgs). Default min(250 ms, intervalMs). */
  readonly pollIntervalMs?: number | undefined;
  /**
   * While a batch of the lease holder awaits its block or its confirmations, how often it asks the
   * node for the head between passes; a new block starts a pass at once. Default min(50 ms, pollIntervalMs).
   */
  readonly headPollMs?: number | undefined;
  /** Backoff after a failed pass (default 250 ms doubling to 30 s, with jitter). */
  readonly retry?: CreateBackoffParameters | undefined;
  readonly events?: AnchorerEvents | undefined;
  /** Clock for timestamps, sealing age and rebroadcast timing (default: the system clock). */
  readonly now?: (() => Date) | undefined;
};

/** What the anchorer reports for `/readyz` and `/metrics` (`AnchorerStatus` of the HTTP layer). */
export type AnchorerState = {
  /** Started and not stopped (nor stopped by a fatal error). */
  readonly running: boolean;
  /** Holds the lease; undefined until the first pass asked. */
  readonly leader: boolean | undefined;
  /** Why the last pass failed, until one succeeds. */
  readonly problem: string | undefined;
};

export type Anchorer = {
  /**
   * Starts the loop. Resolves once the node's chain ID and the account's anchorer roles are
   * checked (RPC failures meanwhile are retried with backoff, and sealing goes on); rejects with
   * `ChainError` if the node serves another chain (`CHAIN_ID_MISMATCH`), the registry is not one
   * (`NOT_A_REGISTRY`) or the account may not anchor for a served organisation
   * (`CONTRACT_REVERTED`, `revertName` `ProvenanceRegistryUnauthorizedAnchorer`); the loop is then
   * stopped. Resolves as well if `stop()` comes first.
   */
  start(): Promise<void>;
  /** Lets the current pass finish, stops the loop and releases the lease. */
  stop(): Promise<void>;
  /** Runs one pass now (tests, tools): lease, sealing, then the chain, ignoring any backoff. Rejects with what failed. */
  tick(): Promise<void>;
  /** Entries were stored: when an organisation reaches N pending, the loop wakes to seal without waiting. */
  notifyIngested(orgId: number, count: number): void;
  status(): AnchorerState;
};

/** Refuses a configuration the loop could not honour, naming the field. */
export function checkConfig(config: AnchorerConfig): void {
  const positive = (value: number, name: string, min = 1, max = Number.MAX_SAFE_INTEGER): void => {
    if (!Number.isSafeInteger(value) || value < min || value > max)
      invalid("INVALID_ARGUMENT", `${name} must be an integer from ${min} to ${max}, got ${value}`, name);
  };
  if (config.orgIds.length === 0) invalid("INVALID_ARGUMENT", "the anchorer serves no organisation", "orgIds");
  for (const orgId of config.orgIds) positive(orgId, "orgIds[]", 1, UINT32_MAX);
  positive(config.intervalMs, "intervalMs");
  positive(config.maxPending, "maxPending");
  positive(config.maxLeaves, "maxLeaves", 1, MAX_LEAF_COUNT);
  positive(config.confirmations, "confirmations");
  positive(config.leaseTtlMs, "leaseTtlMs");
  positive(config.fees.rebroadcastAfterMs, "fees.rebroadcastAfterMs", 0);
  if (config.pollIntervalMs !== undefined) positive(config.pollIntervalMs, "pollIntervalMs");
  if (config.headPollMs !== undefined) positive(config.headPollMs, "headPollMs");
  if (!(config.fees.bumpPercent >= 10) || !Number.isFinite(config.fees.bumpPercent))
    invalid("INVALID_ARGUMENT", `fees.bumpPercent must be at least 10 (nodes refuse smaller replacements), got ${config.fees.bumpPercent}`, "fees.bumpPercent");
  if (config.fees.maxFeePerGasCap < 0n) invalid("INVALID_ARGUMENT", "fees.maxFeePerGasCap must not be negative", "fees.maxFeePerGasCap");
}
