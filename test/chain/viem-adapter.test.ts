import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createPublicClient, createWalletClient, custom } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { fromViem } from "../../src/chain/viem.js";
import { ChainError } from "../../src/core/errors/chain.js";

const KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

/** A node that answers eth_chainId only, and records every method it was asked. */
function node(asked: string[]) {
  return custom({
    request: async ({ method }: { method: string }) => {
      asked.push(method);
      if (method === "eth_chainId") return "0x7a69";
      throw Object.assign(new Error(`${method} not served`), { code: -32601 });
    },
  });
}

describe("fromViem", () => {
  it("error: a request viem refuses before sending it is CLIENT_CONFIGURATION, not the RPC node's error", async () => {
    const asked: string[] = [];
    const chain = fromViem({ publicClient: createPublicClient({ transport: node(asked) }) });
    await assert.rejects(
      chain.call({ to: "0xnot-an-address" as never, data: "0x" }),
      (e: unknown) => e instanceof ChainError && e.code === "CLIENT_CONFIGURATION" && /not the RPC node's/.test(e.shortMessage),
    );
    assert.deepEqual(asked, [], "nothing reached the node");
    // What the node refuses stays the node's.
    await assert.rejects(chain.getBlockNumber(), (e: unknown) => e instanceof ChainError && e.code === "RPC_ERROR");
  });

  it("behavior: a wallet client without `chain` signs for the chain the node reports", async () => {
    const asked: string[] = [];
    const transport = node(asked);
    const writer = fromViem({
      publicClient: createPublicClient({ transport }),
      walletClient: createWalletClient({ account: privateKeyToAccount(KEY), transport }),
    });
    const { raw } = await writer.signTransaction({ to: null, data: "0x00", nonce: 0, gas: 100_000n, maxFeePerGas: 2_000_000_000n, maxPriorityFeePerGas: 1n });
    const { parseTransaction } = await import("viem");
    assert.equal(parseTransaction(raw).chainId, 31337);
  });
});
