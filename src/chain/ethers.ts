import {
  type Provider,
  type Signer,
  type TransactionReceipt as TransactionReceiptResponse,
  type TransactionResponse,
  isCallException,
  isError,
  keccak256,
} from "ethers";
import { ChainError } from "../core/errors/chain.js";
import type { Hex } from "../core/hex.js";
import { eip1559Fees, transactionFees } from "./transactions.js";
import type { ChainReader, ChainWriter, FeeData, LogEntry, TransactionInfo, TransactionReceipt } from "./types.js";

export type FromEthersParameters = {
  provider: Provider;
  /** With a signer that can sign transactions locally (e.g. an ethers `Wallet`), the result can also send. */
  signer?: Signer;
};

/**
 * Adapts an ethers v6 `Provider` (and optionally a `Signer`) to the SDK's `ChainReader` / `ChainWriter`.
 *
 * @example
 * import { JsonRpcProvider, Wallet } from "ethers";
 * import { fromEthers } from "provenance-ledger";
 * const provider = new JsonRpcProvider(rpcUrl);
 * const chain = fromEthers({ provider, signer: new Wallet(key, provider) });
 */
export function fromEthers(parameters: FromEthersParameters & { signer: Signer }): Promise<ChainWriter>;
export function fromEthers(parameters: FromEthersParameters): Promise<ChainReader>;
export async function fromEthers({ provider, signer }: FromEthersParameters): Promise<ChainReader | ChainWriter> {
  const reader: ChainReader = {
    getChainId: () => guard(async () => Number((await provider.getNetwork()).chainId)),
    getBlockNumber: () => guard(async () => BigInt(await provider.getBlockNumber())),
    getBlock: (number) =>
      found(
        () => provider.getBlock(number),
        (block) => (block.hash ? { number: BigInt(block.number), hash: lower(block.hash), timestamp: BigInt(block.timestamp) } : null),
      ),
    getTransactionReceipt: (hash) => found(() => provider.getTransactionReceipt(hash), toReceipt),
    call: ({ to, data }) => guard(async () => (await provider.call({ to, data })) as Hex),
    getLogs: (filter) =>
      guard(async () =>
        (
          await provider.getLogs({
            address: filter.address,
            topics: [...filter.topics],
            fromBlock: filter.fromBlock,
            toBlock: filter.toBlock,
          })
        ).map(toLog),
      ),
  };
  if (!signer) return reader;
  const account = lower(await signer.getAddress());
  const getFees = (): Promise<FeeData> =>
    guard(async (): Promise<FeeData> => {
      const [block, fees] = await Promise.all([provider.getBlock("latest"), provider.getFeeData()]);
      const baseFeePerGas = block?.baseFeePerGas;
      if (baseFeePerGas === null || baseFeePerGas === undefined) return { type: "legacy", gasPrice: fees.gasPrice ?? 0n };
      // ethers leaves the priority fee out when the base fee is 0 (Besu free gas): the gas price is the whole price.
      return eip1559Fees(baseFeePerGas, fees.maxPriorityFeePerGas ?? (fees.gasPrice ?? 0n) - baseFeePerGas);
    });
  return {
    ...reader,
    account,
    signTransaction: ({ to, data, nonce, gas, ...given }) =>
      guard(async () => {
        const { maxFeePerGas, maxPriorityFeePerGas, gasPrice } =
          given.maxFeePerGas === undefined && given.gasPrice === undefined ? transactionFees(await getFees()) : given;
        const tx = await signer.populateTransaction({
          data,
          ...(to === null ? {} : { to }),
          ...(nonce === undefined ? {} : { nonce }),
          ...(gas === undefined ? {} : { gasLimit: gas }),
          ...(gasPrice === undefined ? {} : { type: 0, gasPrice }),
          ...(maxFeePerGas === undefined ? {} : { type: 2, maxFeePerGas, maxPriorityFeePerGas }),
        });
        const raw = (await signer.signTransaction(tx)) as Hex;
        return { hash: lower(keccak256(raw)), raw };
      }),
    sendRawTransaction: (raw) =>
      guard(async () => {
        try {
          return lower((await provider.broadcastTransaction(raw)).hash);
        } catch (error) {
          if (/already known|known transaction|already imported|nonce too low|NONCE_EXPIRED/i.test(String((error as Error).message)))
            return lower(keccak256(raw));
          throw error;
        }
      }),
    getTransactionCount: (address, blockTag) => guard(() => provider.getTransactionCount(address, blockTag)),
    getTransaction: (hash) => found(() => provider.getTransaction(hash), toTransactionInfo),
    getFees,
  };
}

/** A lookup that may find nothing: `null` stays `null`, anything else is converted; errors become ChainErrors. */
function found<T, R>(lookup: () => Promise<T | null>, convert: (value: T) => R | null): Promise<R | null> {
  return guard(async () => {
    const value = await lookup();
    return value === null ? null : convert(value);
  });
}

function toReceipt(r: TransactionReceiptResponse): TransactionReceipt {
  return {
    transactionHash: lower(r.hash),
    status: r.status === 1 ? "success" : "reverted",
    blockNumber: BigInt(r.blockNumber),
    blockHash: lower(r.blockHash),
    from: lower(r.from),
    to: r.to ? lower(r.to) : null,
    contractAddress: r.contractAddress ? lower(r.contractAddress) : null,
    gasUsed: r.gasUsed,
    logs: r.logs.map(toLog),
  };
}

function toTransactionInfo(tx: TransactionResponse): TransactionInfo {
  return {
    hash: lower(tx.hash),
    from: lower(tx.from),
    nonce: tx.nonce,
    blockNumber: tx.blockNumber === null ? null : BigInt(tx.blockNumber),
    blockHash: tx.blockHash === null ? null : lower(tx.blockHash),
  };
}

function toLog(log: { address: string; topics: readonly string[]; data: string; blockNumber: number; blockHash: string; transactionHash: string }): LogEntry {
  return {
    address: lower(log.address),
    topics: log.topics.map(lower),
    data: log.data as Hex,
    blockNumber: BigInt(log.blockNumber),
    blockHash: lower(log.blockHash),
    transactionHash: lower(log.transactionHash),
  };
}

function lower(value: string): Hex {
  return value.toLowerCase() as Hex;
}

/** Maps ethers' coded errors onto `ChainError` codes. */
async function guard<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof ChainError) throw error;
    if (isCallException(error))
      throw new ChainError("CONTRACT_REVERTED", `the contract reverted: ${error.shortMessage}`, {
        cause: error,
        ...(error.data ? { revertData: error.data } : {}),
      });
    if (isError(error, "TIMEOUT")) throw new ChainError("RPC_TIMEOUT", "the RPC node did not answer in time", { cause: error });
    if (isError(error, "NETWORK_ERROR") || /ECONNREFUSED|ENOTFOUND|fetch failed/i.test(String((error as Error)?.message)))
      throw new ChainError("RPC_UNREACHABLE", "the RPC node is unreachable", { details: (error as Error).message, cause: error });
    throw new ChainError("RPC_ERROR", `chain access failed: ${(error as Error)?.message ?? String(error)}`, { cause: error });
  }
}
