import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { BaseError } from "../core/errors/base.js";

/** Hardhat's well-known first development account (public knowledge: never use it on a real chain). */
export const DEV_PRIVATE_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

export type EmbeddedChain = { readonly rpcUrl: string; readonly chainId: number; close(): Promise<void> };

/**
 * Starts Hardhat's in-process EVM (EDR, chain 31337, automining) behind a JSON-RPC server on
 * 127.0.0.1, so everything downstream talks real JSON-RPC over HTTP, as with any node.
 * Needs the `hardhat` package (a development dependency).
 *
 * @example
 * import { startEmbeddedChain } from "provenance-ledger";
 * const chain = await startEmbeddedChain();
 * // … use chain.rpcUrl …
 * await chain.close();
 */
export async function startEmbeddedChain(): Promise<EmbeddedChain> {
  // The narrow slice of Hardhat's runtime used here, so that hardhat stays an optional dependency.
  type Server = { listen(): Promise<unknown>; close(): Promise<void> };
  type Hre = { network: { createServer(options: object, hostname: string, port: number): Promise<Server> } };
  let hreModule: { createHardhatRuntimeEnvironment: (config: object, options: object, root: string) => Promise<Hre> };
  try {
    hreModule = (await import("hardhat/hre")) as never;
  } catch (cause) {
    throw new BaseError("EMBEDDED_CHAIN_UNAVAILABLE", "the embedded chain needs the hardhat package: npm install --save-dev hardhat", { cause });
  }
  // Hardhat wants a path inside a package: ours, the nearest package.json above this module (from
  // source or from dist/, wherever in src/ this file lives).
  let packageJson = fileURLToPath(new URL("package.json", import.meta.url));
  while (!existsSync(packageJson) && dirname(dirname(packageJson)) !== dirname(packageJson)) packageJson = join(dirname(dirname(packageJson)), "package.json");
  const hre = await hreModule.createHardhatRuntimeEnvironment({}, {}, packageJson);
  const server = await hre.network.createServer({ network: "default" }, "127.0.0.1", 0);
  const { port } = (await server.listen()) as { port: number };
  return { rpcUrl: `http://127.0.0.1:${port}`, chainId: 31337, close: () => server.close() };
}
