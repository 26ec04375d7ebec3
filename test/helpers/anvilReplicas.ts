// Independent anvil nodes that hold the same chain: same genesis (fixed --timestamp), and every
// block of a primary replayed onto each replica (the same signed transactions, mined at the same
// timestamp), so block hashes, state and receipts are identical on every node. A replica can then
// diverge on purpose: an attacker's chain with the same chain ID, deployer and registry address.
import { type AnvilNode, startAnvil } from "./anvilNode.js";

/** The flags that make two anvil nodes start from the same genesis. */
export const SAME_GENESIS = ["--timestamp", "1764000000"] as const;

/** Starts a replica that mines only when told (`evm_mine`), from the shared genesis. */
export function startReplica(): Promise<AnvilNode> {
  return startAnvil({ args: [...SAME_GENESIS, "--no-mining"] });
}

/** Replays blocks `fromBlock`..`toBlock` of `primary` onto `replica`; throws unless every block hash comes out the same. */
export async function replicateBlocks(primary: AnvilNode, replica: AnvilNode, fromBlock: bigint, toBlock: bigint): Promise<void> {
  for (let n = fromBlock; n <= toBlock; n++) {
    const tag = `0x${n.toString(16)}`;
    const block = (await primary.rpc("eth_getBlockByNumber", [tag, false])) as { hash: string; timestamp: string; transactions: string[] };
    for (const hash of block.transactions) await replica.rpc("eth_sendRawTransaction", [await primary.rpc("eth_getRawTransactionByHash", [hash])]);
    await replica.rpc("evm_mine", [Number(BigInt(block.timestamp))]);
    const copy = (await replica.rpc("eth_getBlockByNumber", [tag, false])) as { hash: string } | null;
    if (copy?.hash !== block.hash) throw new Error(`replica block ${n} is ${copy?.hash}, the primary's ${block.hash}`);
  }
}
