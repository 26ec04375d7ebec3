import type { Hex } from "../core/hex.js";

/** The parts of a block header a verifier needs. */
export type BlockHeader = { readonly number: bigint; readonly hash: Hex; readonly timestamp: bigint };

/** One log entry of a transaction receipt or an `eth_getLogs` answer. */
export type LogEntry = {
  readonly address: Hex;
  readonly topics: readonly Hex[];
  readonly data: Hex;
  readonly blockNumber: bigint;
  readonly blockHash: Hex;
  readonly transactionHash: Hex;
};

/** A mined transaction's receipt, normalised (addresses and hashes lower-case). */
export type TransactionReceipt = {
  readonly transactionHash: Hex;
  readonly status: "success" | "reverted";
  readonly blockNumber: bigint;
  readonly blockHash: Hex;
  readonly from: Hex;
  readonly to: Hex | null;
  readonly contractAddress: Hex | null;
  readonly gasUsed: bigint;
  readonly logs: readonly LogEntry[];
};

export type LogFilter = {
  readonly address: Hex;
  readonly topics: readonly (Hex | null)[];
  readonly fromBlock: bigint;
  readonly toBlock: bigint | "latest";
};

/**
 * The narrow, read-only view of an EVM node that verification needs. Implemented by the viem
 * and ethers adapters (`fromViem`, `fromEthers`); anything that can answer these six JSON-RPC
 * questions can verify a receipt. Implementations throw `ChainError`.
 */
export interface ChainReader {
  getChainId(): Promise<number>;
  getBlockNumber(): Promise<bigint>;
  /** `null` when the node has no such block. */
  getBlock(number: bigint): Promise<BlockHeader | null>;
  /** `null` when the transaction is unknown or not yet mined. */
  getTransactionReceipt(hash: Hex): Promise<TransactionReceipt | null>;
  /** `eth_call` at the latest block; a revert throws `ChainError("CONTRACT_REVERTED")` carrying `revertData`. */
  call(request: { readonly to: Hex; readonly data: Hex }): Promise<Hex>;
  getLogs(filter: LogFilter): Promise<readonly LogEntry[]>;
}

/** A signed transaction, ready to broadcast: its hash is known before it is sent. */
export type SignedTransaction = { readonly hash: Hex; readonly raw: Hex };

/**
 * What a transaction pays for gas: EIP-1559 fees, or a legacy gas price (networks without a base
 * fee, and zero-gas networks such as Besu with free gas, where the price is 0).
 */
export type TransactionFees =
  | { readonly maxFeePerGas: bigint; readonly maxPriorityFeePerGas: bigint; readonly gasPrice?: undefined }
  | { readonly gasPrice: bigint; readonly maxFeePerGas?: undefined; readonly maxPriorityFeePerGas?: undefined };

/**
 * The node's current fee suggestion. `eip1559` when the latest block has a base fee:
 * `maxFeePerGas` is twice the base fee plus the priority fee (it survives six full blocks of
 * base-fee growth); `legacy` otherwise.
 */
export type FeeData =
  | { readonly type: "eip1559"; readonly baseFeePerGas: bigint; readonly maxFeePerGas: bigint; readonly maxPriorityFeePerGas: bigint }
  | { readonly type: "legacy"; readonly gasPrice: bigint };

/** A transaction as the node knows it (`eth_getTransactionByHash`): in its pool (`blockNumber` null) or mined. */
export type TransactionInfo = {
  readonly hash: Hex;
  readonly from: Hex;
  readonly nonce: number;
  readonly blockNumber: bigint | null;
  readonly blockHash: Hex | null;
};

/**
 * What to sign. Unset fields are filled from the node: `nonce` (the account's pending nonce),
 * `gas` (estimated: a revert throws `CONTRACT_REVERTED`) and the fees (`getFees`). Setting the
 * nonce and the fees is how a caller replaces a stuck transaction.
 */
export type SignTransactionRequest = {
  readonly to: Hex | null;
  readonly data: Hex;
  readonly nonce?: number | undefined;
  readonly gas?: bigint | undefined;
} & (TransactionFees | { readonly maxFeePerGas?: undefined; readonly maxPriorityFeePerGas?: undefined; readonly gasPrice?: undefined });

/**
 * A reader that can also sign and send transactions from one account. Signing and sending are
 * separate so a caller can persist the transaction hash before broadcasting it: after a crash it
 * rebroadcasts the same bytes instead of anchoring twice. The account's nonce, its pool and the
 * fees are here rather than on `ChainReader`, which stays the narrow view a verifier trusts.
 */
export interface ChainWriter extends ChainReader {
  readonly account: Hex;
  /** Signs `request` (see {@link SignTransactionRequest} for what is filled in). `to: null` deploys. */
  signTransaction(request: SignTransactionRequest): Promise<SignedTransaction>;
  /** Broadcasts; resolves to the hash. Sending a transaction the node already has is not an error. */
  sendRawTransaction(raw: Hex): Promise<Hex>;
  /** `eth_getTransactionCount`: transactions mined from `address` (`latest`), or mined and in the node's pool (`pending`). */
  getTransactionCount(address: Hex, blockTag: "latest" | "pending"): Promise<number>;
  /** `eth_getTransactionByHash`; `null` when the node knows no such transaction (never sent, dropped or replaced). */
  getTransaction(hash: Hex): Promise<TransactionInfo | null>;
  /** The node's current fee suggestion. */
  getFees(): Promise<FeeData>;
}
