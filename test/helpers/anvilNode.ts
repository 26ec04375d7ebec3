// A throwaway anvil (Foundry, from npm) for tests and benchmarks: a free loopback port, the
// development accounts of the standard test mnemonic, stopped by `stop` (and when this process exits).
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createPublicClient, createWalletClient, defineChain, http, toHex } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import type { ChainWriter } from "../../src/chain/types.js";
import { fromViem } from "../../src/chain/viem.js";
import type { Hex } from "../../src/core/hex.js";
import { freePort, rpcCall } from "./localNode.js";

/** The one free-port helper, re-exported for the callers that start anvil. */
export { freePort };

/** anvil's default mnemonic: its accounts are public knowledge (never use them on a real chain). */
export const ANVIL_MNEMONIC = "test test test test test test test test test test test junk";
export const ANVIL_CHAIN_ID = 31337;

const ANVIL_BIN = fileURLToPath(new URL("../../node_modules/.bin/anvil", import.meta.url));

export type AnvilNode = {
  readonly rpcUrl: string;
  readonly port: number;
  /** One JSON-RPC call; an error answer throws with the method named. */
  rpc(method: string, params?: readonly unknown[]): Promise<unknown>;
  /** The private key of development account `index`. */
  privateKeyOf(index: number): Hex;
  /** A signing connection from development account `index` (viem, no retries). */
  writerFor(index: number, timeoutMs?: number): ChainWriter;
  /** `anvil_mine`: mines `blocks` empty blocks now. */
  mine(blocks?: number): Promise<void>;
  /** SIGTERM, then waits for the process to exit. Idempotent. */
  stop(): Promise<void>;
};

export type StartAnvilParameters = {
  /** Seconds between blocks (`--block-time`); automining when omitted. */
  readonly blockTime?: number | undefined;
  /** How many development accounts (default 10). */
  readonly accounts?: number | undefined;
  /** More anvil flags. */
  readonly args?: readonly string[] | undefined;
};

/**
 * Starts anvil on a free loopback port and waits until it answers `eth_chainId`.
 *
 * @example
 * import { startAnvil } from "./anvilNode.js";
 * const node = await startAnvil({ blockTime: 1 });
 * try { await node.rpc("eth_blockNumber"); } finally { await node.stop(); }
 */
export async function startAnvil(parameters: StartAnvilParameters = {}): Promise<AnvilNode> {
  const port = await freePort();
  const rpcUrl = `http://127.0.0.1:${port}`;
  const args = ["--host", "127.0.0.1", "--port", String(port), "--accounts", String(parameters.accounts ?? 10), "--silent"];
  if (parameters.blockTime !== undefined) args.push("--block-time", String(parameters.blockTime));
  const child: ChildProcess = spawn(ANVIL_BIN, [...args, ...(parameters.args ?? [])], { stdio: "ignore" });
  const killNow = (): void => void child.kill("SIGKILL");
  process.once("exit", killNow);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  const rpc = (method: string, params: readonly unknown[] = []): Promise<unknown> => rpcCall(rpcUrl, method, params);
  for (let attempt = 0; ; attempt++) {
    try {
      await rpc("eth_chainId");
      break;
    } catch (error) {
      if (attempt > 200 || child.exitCode !== null) {
        killNow();
        throw new Error(`anvil did not start on port ${port}`, { cause: error });
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return {
    rpcUrl,
    port,
    rpc,
    privateKeyOf: anvilPrivateKey,
    writerFor: (index, timeoutMs) => anvilWriter(rpcUrl, index, timeoutMs),
    mine: async (blocks = 1) => void (await rpc("anvil_mine", [toHex(blocks)])),
    stop: async () => {
      process.removeListener("exit", killNow);
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

/** The private key of anvil's development account `index`. */
export function anvilPrivateKey(index: number): Hex {
  return toHex(mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: index }).getHdKey().privateKey!);
}

/** A signing connection (viem, no retries) from anvil's development account `index` to the node at `url`: an anvil, or a proxy or dead port in front of one. */
export function anvilWriter(url: string, index: number, timeoutMs = 10_000): ChainWriter {
  const chain = defineChain({
    id: ANVIL_CHAIN_ID,
    name: "anvil",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [url] } },
  });
  const transport = http(url, { timeout: timeoutMs, retryCount: 0 });
  return fromViem({
    publicClient: createPublicClient({ chain, transport }),
    walletClient: createWalletClient({ chain, transport, account: mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: index }) }),
  });
}
