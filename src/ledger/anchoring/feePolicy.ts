import type { FeeData, TransactionFees } from "../../chain/types.js";

/** How the anchorer pays for its transactions and replaces stuck ones. */
export type FeePolicy = {
  /** A replacement raises both fees by at least this much, in percent (≥ 10: nodes refuse smaller replacements). */
  readonly bumpPercent: number;
  /** Never pay more per gas than this (wei): the EIP-1559 max fee, or the legacy gas price. */
  readonly maxFeePerGasCap: bigint;
  /** A transaction not mined this long after it was sent is rebroadcast (the node lost it) or replaced with higher fees (stuck). */
  readonly rebroadcastAfterMs: number;
};

/** The default policy of `provenance serve` and `provenance anchor`: +12% per replacement, at most 200 gwei, a minute before a transaction counts as lost or stuck. */
export const DEFAULT_FEE_POLICY: FeePolicy = { bumpPercent: 12, maxFeePerGasCap: 200_000_000_000n, rebroadcastAfterMs: 60_000 };

/** Fees as the outbox stores them: decimal wei; a legacy gas price goes in both fields. */
export function storedFees(fees: TransactionFees): { maxFeePerGas: string; maxPriorityFeePerGas: string } {
  return fees.gasPrice === undefined
    ? { maxFeePerGas: fees.maxFeePerGas.toString(), maxPriorityFeePerGas: fees.maxPriorityFeePerGas.toString() }
    : { maxFeePerGas: fees.gasPrice.toString(), maxPriorityFeePerGas: fees.gasPrice.toString() };
}

/**
 * The fees of a new transaction: the node's suggestion, capped. `capped` tells the caller the
 * network asked for more than the cap (the transaction may then wait until fees fall).
 *
 * @example
 * import { initialFees } from "./ledger/anchoring/feePolicy.js";
 * const { fees, capped } = initialFees(await writer.getFees(), 50_000_000_000n);
 */
export function initialFees(network: FeeData, cap: bigint): { fees: TransactionFees; capped: boolean } {
  if (network.type === "legacy") return { fees: { gasPrice: min(network.gasPrice, cap) }, capped: network.gasPrice > cap };
  const maxFeePerGas = min(network.maxFeePerGas, cap);
  return { fees: { maxFeePerGas, maxPriorityFeePerGas: min(network.maxPriorityFeePerGas, maxFeePerGas) }, capped: network.maxFeePerGas > cap };
}

/**
 * The fees of a replacement for a stuck transaction (same nonce): each fee raised by
 * `bumpPercent` (rounded up) or to the node's current suggestion if that is higher, and the max
 * fee never above the cap. `null` when nothing can be raised: the previous fees are at the cap
 * already, or the network is free (gas price 0: rebroadcasting is all there is to do).
 *
 * @example
 * import { bumpedFees } from "./ledger/anchoring/feePolicy.js";
 * const next = bumpedFees({ maxFeePerGas: 2n, maxPriorityFeePerGas: 1n }, network, policy); // null: keep rebroadcasting
 */
export function bumpedFees(
  previous: { readonly maxFeePerGas: bigint; readonly maxPriorityFeePerGas: bigint },
  network: FeeData,
  policy: Pick<FeePolicy, "bumpPercent" | "maxFeePerGasCap">,
): TransactionFees | null {
  const raise = (value: bigint): bigint => value + ceilDiv(value * BigInt(Math.ceil(policy.bumpPercent)), 100n);
  if (network.type === "legacy") {
    const gasPrice = min(max(raise(previous.maxFeePerGas), network.gasPrice), policy.maxFeePerGasCap);
    return gasPrice > previous.maxFeePerGas ? { gasPrice } : null;
  }
  const maxFeePerGas = min(max(raise(previous.maxFeePerGas), network.maxFeePerGas), policy.maxFeePerGasCap);
  if (maxFeePerGas <= previous.maxFeePerGas) return null;
  return { maxFeePerGas, maxPriorityFeePerGas: min(max(raise(previous.maxPriorityFeePerGas), network.maxPriorityFeePerGas), maxFeePerGas) };
}

const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);
const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);
const ceilDiv = (a: bigint, b: bigint): bigint => (a + b - 1n) / b;
