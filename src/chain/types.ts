import type { Hex } from "../hex.js";

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
 * A reader that can also sign and send transactions from one account. Signing and sending are
 * separate so a caller can persist the transaction hash before broadcasting it: after a crash it
 * rebroadcasts the same bytes instead of anchoring twice.
 */
export interface ChainWriter extends ChainReader {
  readonly account: Hex;
  /** Fills nonce, gas and fees, estimating gas (a revert throws `CONTRACT_REVERTED`), and signs. `to: null` deploys. */
  signTransaction(request: { readonly to: Hex | null; readonly data: Hex }): Promise<SignedTransaction>;
  /** Broadcasts; resolves to the hash. Sending a transaction the node already has is not an error. */
  sendRawTransaction(raw: Hex): Promise<Hex>;
}
