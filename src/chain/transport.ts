// The shape every reader of this folder talks through: an EIP-1193 `request`, as viem's transports,
// browser wallets and `fetch`-based JSON-RPC clients provide. Combinators (quorum, record, replay)
// take and return this shape, so they plug into the rpc and light readers alike.

/** One JSON-RPC call, EIP-1193 style: resolves to the `result`, rejects on an error answer. */
export type Eip1193Request = (args: { readonly method: string; readonly params?: readonly unknown[] | undefined }) => Promise<unknown>;

// Which methods read, and answers compared as JSON with sorted keys: part of the offline kit's
// format (src/formats/offlineKit.ts), used by every combinator here.
export { READ_METHODS, sortedJson } from "../formats/offlineKit.js";

/** Where each method takes a block tag ("latest", …): the parameter's index, or the `eth_getLogs` filter. */
export const BLOCK_TAG_POSITION: Readonly<Record<string, number | "filter">> = {
  eth_getBlockByNumber: 0,
  eth_call: 1,
  eth_getProof: 2,
  eth_getStorageAt: 2,
  eth_getCode: 1,
  eth_getBalance: 1,
  eth_getTransactionCount: 1,
  eth_getLogs: "filter",
};

const MOVING_TAGS = new Set(["latest", "safe", "finalized", "pending"]);

/**
 * `params` with every moving block tag ("latest", "safe", "finalized", "pending", or none where the
 * method defaults to latest) replaced by `head`: a question about "latest" has no single answer
 * across nodes or across time, a question about block N has.
 */
export function pinBlockTags(method: string, params: readonly unknown[], head: bigint): readonly unknown[] {
  const position = BLOCK_TAG_POSITION[method];
  if (position === undefined) return params;
  const tag = `0x${head.toString(16)}`;
  const pinned = [...params];
  if (position === "filter") {
    const filter = pinned[0];
    if (typeof filter !== "object" || filter === null || "blockHash" in filter) return params;
    const f = { ...(filter as Record<string, unknown>) };
    for (const key of ["fromBlock", "toBlock"]) if (f[key] === undefined || (typeof f[key] === "string" && MOVING_TAGS.has(f[key] as string))) f[key] = tag;
    pinned[0] = f;
    return pinned;
  }
  const value = pinned[position];
  if (value === undefined || (typeof value === "string" && MOVING_TAGS.has(value))) pinned[position] = tag;
  return pinned;
}
