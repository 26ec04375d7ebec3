import { type Account, type Chain, type PublicClient, type Transport, type WalletClient, BaseError as ViemBaseError, defineChain, keccak256 } from "viem";
import { ChainError } from "../core/errors/chain.js";
import { LightClientError } from "../core/errors/lightClient.js";
import type { Hex } from "../core/hex.js";
import { eip1559Fees, transactionFees } from "./transactions.js";
import type { BlockHeader, ChainReader, ChainWriter, FeeData, LogEntry, LogFilter, TransactionInfo, TransactionReceipt } from "./types.js";

export type FromViemParameters = {
  publicClient: PublicClient<Transport, Chain | undefined>;
  /** With a wallet client (and its account), the result can also sign and send. */
  walletClient?: WalletClient<Transport, Chain | undefined, Account>;
};

/**
 * Adapts viem clients to the `ChainReader` / `ChainWriter` the SDK uses.
 *
 * @example
 * import { createPublicClient, createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { fromViem } from "provenance-ledger";
 * const chain = fromViem({
 *   publicClient: createPublicClient({ transport: http(rpcUrl) }),
 *   walletClient: createWalletClient({ account: privateKeyToAccount(key), transport: http(rpcUrl) }),
 * });
 */
export function fromViem(parameters: FromViemParameters & { walletClient: NonNullable<FromViemParameters["walletClient"]> }): ChainWriter;
export function fromViem(parameters: FromViemParameters): ChainReader;
export function fromViem({ publicClient, walletClient }: FromViemParameters): ChainReader | ChainWriter {
  const reader: ChainReader = {
    getChainId: () => guard(async () => Number(await publicClient.request({ method: "eth_chainId" }))),
    getBlockNumber: () => guard(() => publicClient.getBlockNumber({ cacheTime: 0 })),
    getBlock: (number) =>
      guard(async (): Promise<BlockHeader | null> => {
        const block = await publicClient.request({ method: "eth_getBlockByNumber", params: [`0x${number.toString(16)}`, false] });
        if (!block || !block.hash) return null;
        return { number: BigInt(block.number!), hash: lower(block.hash), timestamp: BigInt(block.timestamp) };
      }),
    getTransactionReceipt: (hash) =>
      guard(async (): Promise<TransactionReceipt | null> => {
        const r = await publicClient.request({ method: "eth_getTransactionReceipt", params: [hash] });
        if (!r || !r.blockHash || r.blockNumber === null) return null;
        return {
          transactionHash: lower(r.transactionHash),
          status: r.status === "0x1" ? "success" : "reverted",
          blockNumber: BigInt(r.blockNumber),
          blockHash: lower(r.blockHash),
          from: lower(r.from),
          to: r.to ? lower(r.to) : null,
          contractAddress: r.contractAddress ? lower(r.contractAddress) : null,
          gasUsed: BigInt(r.gasUsed),
          logs: r.logs.map(toLog),
        };
      }),
    call: ({ to, data }) =>
      guard(async () => {
        const { data: result } = await publicClient.call({ to, data });
        return result ?? "0x";
      }),
    getLogs: (filter: LogFilter) =>
      guard(async () => {
        const logs = await publicClient.request({
          method: "eth_getLogs",
          params: [
            {
              address: filter.address,
              topics: filter.topics as Hex[],
              fromBlock: `0x${filter.fromBlock.toString(16)}`,
              toBlock: filter.toBlock === "latest" ? "latest" : `0x${filter.toBlock.toString(16)}`,
            },
          ],
        });
        return logs.map(toLog);
      }),
  };
  if (!walletClient) return reader;
  const account = walletClient.account;
  // A wallet client made without `chain` (as in most examples) signs for the public client's
  // chain, else for the chain the node reports (asked once).
  let nodeChain: Promise<Chain> | undefined;
  const signingChain = (): Promise<Chain> => {
    const given = walletClient.chain ?? publicClient.chain;
    if (given) return Promise.resolve(given);
    return (nodeChain ??= reader.getChainId().then(
      (id) => defineChain({ id, name: `chain ${id}`, nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [] } } }),
      (error: unknown) => {
        nodeChain = undefined; // ask again next time
        throw error;
      },
    ));
  };
  const getFees = (): Promise<FeeData> =>
    guard(async (): Promise<FeeData> => {
      const block = await publicClient.request({ method: "eth_getBlockByNumber", params: ["latest", false] });
      if (block?.baseFeePerGas === undefined || block.baseFeePerGas === null)
        return { type: "legacy", gasPrice: BigInt(await publicClient.request({ method: "eth_gasPrice" })) };
      const baseFeePerGas = BigInt(block.baseFeePerGas);
      const gasPrice = async () => BigInt(await publicClient.request({ method: "eth_gasPrice" }));
      // A zero base fee (Besu free gas: baseFeePerGas 0 in genesis, --min-gas-price 0): the gas
      // price is the whole price, as ethers does. Otherwise the node's priority fee, or, from a
      // node that does not answer eth_maxPriorityFeePerGas, what its gas price adds to the base fee.
      const priority =
        baseFeePerGas === 0n
          ? await gasPrice()
          : await publicClient.request({ method: "eth_maxPriorityFeePerGas" }).then(
              (value) => BigInt(value),
              async () => (await gasPrice()) - baseFeePerGas,
            );
      return eip1559Fees(baseFeePerGas, priority);
    });
  return {
    ...reader,
    account: lower(account.address),
    signTransaction: ({ to, data, nonce, gas, ...given }) =>
      guard(async () => {
        // Unset fees come from getFees, the rule both adapters share (viem's own fill signed a tip above
        // the fee cap against a zero-base-fee node).
        const { maxFeePerGas, maxPriorityFeePerGas, gasPrice } =
          given.maxFeePerGas === undefined && given.gasPrice === undefined ? transactionFees(await getFees()) : given;
        const chain = await signingChain();
        const prepared = await walletClient.prepareTransactionRequest({
          account,
          chain,
          data,
          ...(to === null ? {} : { to }),
          ...(nonce === undefined ? {} : { nonce }),
          ...(gas === undefined ? {} : { gas }),
          ...(gasPrice === undefined ? {} : { type: "legacy", gasPrice }),
          ...(maxFeePerGas === undefined ? {} : { type: "eip1559", maxFeePerGas, maxPriorityFeePerGas }),
        } as never);
        const raw = (await walletClient.signTransaction({ ...(prepared as object), chain } as never)) as Hex;
        return { hash: keccak256(raw), raw };
      }),
    sendRawTransaction: (raw) =>
      guard(async () => {
        try {
          return lower(await publicClient.sendRawTransaction({ serializedTransaction: raw }));
        } catch (error) {
          // Rebroadcasting a transaction the node already has is fine: the hash is the same.
          if (/already known|known transaction|already imported|nonce too low/i.test(messageOf(error))) return keccak256(raw);
          throw error;
        }
      }),
    getTransactionCount: (address, blockTag) => guard(() => publicClient.getTransactionCount({ address, blockTag })),
    getTransaction: (hash) =>
      guard(async (): Promise<TransactionInfo | null> => {
        const tx = await publicClient.request({ method: "eth_getTransactionByHash", params: [hash] });
        if (!tx) return null;
        return {
          hash: lower(tx.hash),
          from: lower(tx.from),
          nonce: Number(tx.nonce),
          blockNumber: tx.blockNumber === null ? null : BigInt(tx.blockNumber),
          blockHash: tx.blockHash === null ? null : lower(tx.blockHash),
        };
      }),
    getFees,
  };
}

function toLog(log: {
  address: string;
  topics: readonly string[];
  data: string;
  blockNumber: string | null;
  blockHash: string | null;
  transactionHash: string | null;
}): LogEntry {
  return {
    address: lower(log.address),
    topics: log.topics.map(lower),
    data: log.data as Hex,
    blockNumber: BigInt(log.blockNumber ?? 0),
    blockHash: lower(log.blockHash ?? "0x"),
    transactionHash: lower(log.transactionHash ?? "0x"),
  };
}

function lower(value: string): Hex {
  return value.toLowerCase() as Hex;
}

function messageOf(error: unknown): string {
  if (error instanceof ViemBaseError) return `${error.shortMessage} ${error.details ?? ""}`;
  return error instanceof Error ? error.message : String(error);
}

const TRANSPORT_ERRORS = new Set(["HttpRequestError", "RpcRequestError", "WebSocketRequestError", "TimeoutError", "SocketClosedError"]);

/** Whether an error (or one in its cause chain) came from the node or the way to it. */
function fromTransport(error: unknown): boolean {
  const e = error as { name?: unknown; code?: unknown };
  // viem's RpcError family carries the JSON-RPC error code the node sent.
  return TRANSPORT_ERRORS.has(String(e.name)) || typeof e.code === "number";
}

/** Maps viem's errors onto `ChainError` codes. */
async function guard<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof ChainError || error instanceof LightClientError) throw error;
    if (error instanceof ViemBaseError) {
      // A transport combinator (quorum, offline replay) refused the answer: its named check is the verdict.
      const refused = error.walk((e) => e instanceof LightClientError);
      if (refused instanceof LightClientError) throw refused;
      const revert = error.walk((e) => typeof (e as { data?: unknown }).data === "string" && /^0x[0-9a-fA-F]{8,}/.test((e as { data: string }).data)) as {
        data?: string;
      } | null;
      if (revert?.data || /revert/i.test(messageOf(error)))
        throw new ChainError("CONTRACT_REVERTED", `the contract reverted: ${error.shortMessage}`, {
          cause: error,
          ...(revert?.data ? { revertData: revert.data } : {}),
        });
      if (error.walk((e) => (e as Error).name === "TimeoutError"))
        throw new ChainError("RPC_TIMEOUT", "the RPC node did not answer in time", { details: error.shortMessage, cause: error });
      if (error.walk((e) => (e as Error).name === "HttpRequestError" || /fetch failed|ECONNREFUSED|ENOTFOUND|socket/i.test((e as Error).message ?? "")))
        throw new ChainError("RPC_UNREACHABLE", "the RPC node is unreachable", { details: error.shortMessage, cause: error });
      // Only what came back from the transport is the node's: anything else (no chain, no account,
      // a bad address) was refused by viem before a request was sent.
      if (!error.walk(fromTransport))
        throw new ChainError(
          "CLIENT_CONFIGURATION",
          `the viem client refused the request before sending it (a local configuration error, not the RPC node's): ${error.shortMessage}`,
          { cause: error },
        );
      throw new ChainError("RPC_ERROR", `the RPC node answered with an error: ${error.shortMessage}`, { cause: error });
    }
    throw new ChainError("RPC_ERROR", `chain access failed: ${messageOf(error)}`, { cause: error });
  }
}
