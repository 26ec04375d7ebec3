/**
 * The registry as the SDK's writers see it on a Hardhat EDR chain: Hardhat's default accounts as
 * local accounts (the SDK's writer signs itself, so `eth_signTransaction` is not needed), a
 * registry deployed by the SDK with two organisations, and the revert assertion the registry tests share.
 */
import assert from "node:assert/strict";
import type { network } from "hardhat";
import { type GetContractReturnType, type Hex, type PublicClient, createWalletClient, custom, getContract } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { deployRegistry, registerOrganisation } from "../../src/chain/registry.js";
import { provenanceRegistryAbi } from "../../src/chain/registryArtifact.js";
import type { ChainWriter } from "../../src/chain/types.js";
import { fromViem } from "../../src/chain/viem.js";
import { ChainError } from "../../src/core/errors/chain.js";

type Connection = Awaited<ReturnType<typeof network.create>>;

/** The writers and the fixture of {@link sdkRegistryAccounts}. */
export type SdkRegistryAccounts = {
  readonly registryAdmin: ChainWriter;
  readonly org1Admin: ChainWriter;
  readonly org1Anchorer: ChainWriter;
  readonly org2Admin: ChainWriter;
  readonly stranger: ChainWriter;
  readonly deployWithTwoOrganisations: () => Promise<{ registry: Hex; contract: GetContractReturnType<typeof provenanceRegistryAbi, PublicClient> }>;
};

export const HARDHAT_MNEMONIC = "test test test test test test test test test test test junk";

/**
 * Hardhat's accounts 0 to 4 on `connection` as SDK writers: the registry admin, organisation 1's
 * admin and anchorer, organisation 2's admin and a stranger. No transport retries: a revert must
 * reach the SDK at once, not after viem's back-off. `deployWithTwoOrganisations` is a
 * `loadFixture` fixture: registry with organisation 1 (admin org1Admin, anchorer org1Anchorer)
 * and 2 (admin org2Admin, no anchorer).
 */
export async function sdkRegistryAccounts(connection: Connection): Promise<SdkRegistryAccounts> {
  const publicClient = await connection.viem.getPublicClient();
  const [registryAdmin, org1Admin, org1Anchorer, org2Admin, stranger] = [0, 1, 2, 3, 4].map((addressIndex) =>
    fromViem({
      publicClient,
      walletClient: createWalletClient({
        account: mnemonicToAccount(HARDHAT_MNEMONIC, { addressIndex }),
        chain: publicClient.chain,
        transport: custom(connection.provider, { retryCount: 0 }),
      }),
    }),
  ) as [ChainWriter, ChainWriter, ChainWriter, ChainWriter, ChainWriter];
  async function deployWithTwoOrganisations() {
    const { registry } = await deployRegistry(registryAdmin);
    await registerOrganisation(registryAdmin, registry, { name: "Org One", admin: org1Admin.account, anchorers: [org1Anchorer.account] });
    await registerOrganisation(registryAdmin, registry, { name: "Org Two", admin: org2Admin.account, anchorers: [] });
    return { registry, contract: getContract({ address: registry, abi: provenanceRegistryAbi, client: publicClient }) };
  }
  return { registryAdmin, org1Admin, org1Anchorer, org2Admin, stranger, deployWithTwoOrganisations };
}

/** Runs `action`, expects a `ChainError("CONTRACT_REVERTED")` naming `revertName`, and returns it. */
export async function expectRevert(action: Promise<unknown>, revertName: string): Promise<ChainError> {
  const error = await action.then(
    () => assert.fail(`expected a revert with ${revertName}, but the transaction went through`),
    (e: unknown) => e,
  );
  assert.ok(error instanceof ChainError, `expected a ChainError, got ${String(error)}`);
  assert.equal(error.code, "CONTRACT_REVERTED", error.message);
  assert.equal(error.revertName, revertName, error.message);
  return error;
}
