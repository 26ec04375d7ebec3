import { ChainError } from "../core/errors/chain.js";
import type { Hex } from "../core/hex.js";
import type { ChainReader, ChainWriter, FeeData, TransactionFees, TransactionReceipt } from "./types.js";

export type WaitParameters = {
  /** Blocks that must include the transaction's block, itself counted (1 = mined). Default 1. */
  confirmations?: number;
  /** Give up after this long. Default 120 s. */
  timeoutMs?: number;
  /** Poll interval. Default 250 ms. */
  pollIntervalMs?: number;
  /** Called once the transaction is signed, before it is broadcast: persist the hash here. */
  onSigned?: (hash: Hex, raw: Hex) => void | Promise<void>;
};

/**
 * Waits until transaction `hash` is mined with `confirmations` confirmations and returns its
 * receipt. Throws `TRANSACTION_FAILED` if it reverted and `CONFIRMATION_TIMEOUT` on timeout.
 */
export async function waitForTransaction(reader: ChainReader, hash: Hex, parameters: WaitParameters = {}): Promise<TransactionReceipt> {
  const confirmations = parameters.confirmations ?? 1;
  const timeoutMs = parameters.timeoutMs ?? 120_000;
  const poll = parameters.pollIntervalMs ?? 250;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const receipt = await reader.getTransactionReceipt(hash);
    if (receipt) {
      if (receipt.status !== "success") throw new ChainError("TRANSACTION_FAILED", `transaction ${hash} reverted in block ${receipt.blockNumber}`);
      const head = await reader.getBlockNumber();
      if (head - receipt.blockNumber + 1n >= BigInt(confirmations)) return receipt;
    }
    if (Date.now() >= deadline)
      throw new ChainError(
        "CONFIRMATION_TIMEOUT",
        receipt
          ? `transaction ${hash} is mined but did not reach ${confirmations} confirmations within ${timeoutMs / 1000} s`
          : `transaction ${hash} was not mined within ${timeoutMs / 1000} s`,
      );
    await new Promise((resolve) => setTimeout(resolve, poll));
  }
}

/** Signs, lets the caller persist the hash (`onSigned`), broadcasts and waits. */
export async function sendAndWait(
  writer: ChainWriter,
  request: { to: Hex | null; data: Hex },
  parameters: WaitParameters,
  mapError: (cause: unknown) => unknown = (e) => e,
): Promise<TransactionReceipt> {
  let signed;
  try {
    signed = await writer.signTransaction(request);
  } catch (cause) {
    throw mapError(cause);
  }
  await parameters.onSigned?.(signed.hash, signed.raw);
  await writer.sendRawTransaction(signed.raw);
  return waitForTransaction(writer, signed.hash, parameters);
}

/**
 * EIP-1559 fees from a base fee and a priority fee: `maxFeePerGas` is twice the base fee plus the
 * priority fee (the rule viem and ethers use), so the transaction stays includable through six
 * full blocks of base-fee growth. A negative priority fee counts as 0.
 */
export function eip1559Fees(baseFeePerGas: bigint, maxPriorityFeePerGas: bigint): FeeData {
  const priority = maxPriorityFeePerGas > 0n ? maxPriorityFeePerGas : 0n;
  return { type: "eip1559", baseFeePerGas, maxFeePerGas: 2n * baseFeePerGas + priority, maxPriorityFeePerGas: priority };
}

/** The fees a transaction carries for the node's suggestion: EIP-1559 fees, or the legacy gas price. */
export function transactionFees(fees: FeeData): TransactionFees {
  return fees.type === "legacy" ? { gasPrice: fees.gasPrice } : { maxFeePerGas: fees.maxFeePerGas, maxPriorityFeePerGas: fees.maxPriorityFeePerGas };
}
