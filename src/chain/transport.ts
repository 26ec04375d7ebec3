// The shape every reader of this folder talks through: an EIP-1193 `request`, as viem's transports,
// browser wallets and `fetch`-based JSON-RPC clients provide. Combinators (quorum, record, replay)
// take and return this shape, so they plug into the rpc and light readers alike.

/** One JSON-RPC call, EIP-1193 style: resolves to the `result`, rejects on an error answer. */
export type Eip1193Request = (args: { readonly method: string; readonly params?: readonly unknown[] | undefined }) => Promise<unknown>;

/** Methods that read the chain. The combinators refuse anything else (they never sign or send). */
export const READ_METHODS: ReadonlySet<string> = new Set([
  "eth_chainId",
  "net_version",
  "eth_blockNumber",
  "eth_getBlockByNumber",
  "eth_getBlockByHash",
  "eth_getTransactionByHash",
  "eth_getTransactionReceipt",
  "eth_getBlockReceipts",
  "eth_call",
  "eth_getLogs",
  "eth_getProof",
  "eth_getStorageAt",
  "eth_getCode",
  "eth_getBalance",
  "eth_getTransactionCount",
]);

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

/**
 * A JSON value as text with object keys sorted (arrays keep their order): two answers that differ
 * only in key order or whitespace are the same answer. Keys of answers, never hashed or signed.
 */
export function sortedJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => sortedJson(v ?? null)).join(",")}]`;
  if (typeof value === "object" && value !== null)
    return `{${Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${sortedJson((value as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  if (typeof value === "bigint") return JSON.stringify(`0x${value.toString(16)}`);
  return JSON.stringify(value ?? null);
}
