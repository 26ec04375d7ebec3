import { createPublicClient, createWalletClient, defineChain, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { fromViem } from "./viem.js";
import type { ChainReader, ChainWriter } from "./types.js";
import { ChainError, redactUrl } from "../core/errors/chain.js";
import type { Hex } from "../core/hex.js";

/** A read-only connection to `rpcUrl`; every request times out after `timeoutMs`. */
export function connectReader(rpcUrl: string, timeoutMs: number): ChainReader {
  return fromViem({ publicClient: createPublicClient({ transport: http(rpcUrl, { timeout: timeoutMs, retryCount: 2 }) }) });
}

/** A signing connection: checks the node answers, then binds the account and chain ID. */
export async function connectWriter(rpcUrl: string, privateKey: Hex, timeoutMs: number): Promise<ChainWriter> {
  const reader = connectReader(rpcUrl, timeoutMs);
  const chainId = await reader.getChainId().catch((cause: unknown) => {
    throw cause instanceof ChainError ? new ChainError(cause.code, `${cause.shortMessage}: ${redactUrl(rpcUrl)}`, { cause }) : cause;
  });
  const chain = defineChain({
    id: chainId,
    name: `chain ${chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
  const transport = http(rpcUrl, { timeout: timeoutMs, retryCount: 2 });
  return fromViem({
    publicClient: createPublicClient({ chain, transport }),
    walletClient: createWalletClient({ chain, transport, account: privateKeyToAccount(privateKey) }),
  });
}
