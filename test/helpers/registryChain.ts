// A chain to verify against, as most end-to-end tests start: Hardhat EDR served over JSON-RPC
// (src/chain/embeddedChain.ts), the registry deployed by the development account, one organisation registered.
import { connectWriter } from "../../src/chain/connect.js";
import { DEV_PRIVATE_KEY, type EmbeddedChain, startEmbeddedChain } from "../../src/chain/embeddedChain.js";
import { deployRegistry, registerOrganisation } from "../../src/chain/registry.js";
import type { ChainWriter } from "../../src/chain/types.js";
import type { Hex } from "../../src/core/hex.js";

export type RegistryChain = {
  readonly chain: EmbeddedChain;
  /** The development account: the registry's admin and the organisation's. */
  readonly writer: ChainWriter;
  readonly registry: Hex;
  readonly orgId: number;
};

/**
 * Starts an embedded chain, deploys the registry and registers organisation `orgName`; `chain.close()` stops it.
 *
 * @example
 * ({ chain, writer, registry, orgId } = await startRegistryChain("Test Lab"));
 */
export async function startRegistryChain(orgName: string, timeoutMs = 30_000): Promise<RegistryChain> {
  const chain = await startEmbeddedChain();
  const writer = await connectWriter(chain.rpcUrl, DEV_PRIVATE_KEY, timeoutMs);
  const { registry } = await deployRegistry(writer);
  const { orgId } = await registerOrganisation(writer, registry, { name: orgName });
  return { chain, writer, registry, orgId };
}
