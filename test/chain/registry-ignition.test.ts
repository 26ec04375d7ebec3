import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { network } from "hardhat";
import { getContract, type Address, type PublicClient } from "viem";
import { provenanceRegistryAbi } from "../../src/chain/registryArtifact.js";
import ProvenanceRegistryModule from "../../ignition/modules/ProvenanceRegistry.js";

const ZERO = `0x${"00".repeat(32)}` as const;

/** Binds a deployed future to the committed ABI (types without the generated artifact declarations). */
function typed(deployed: unknown, client: PublicClient) {
  return getContract({ address: (deployed as { address: Address }).address, abi: provenanceRegistryAbi, client });
}

describe("ignition/modules/ProvenanceRegistry.ts", () => {
  it("default: deploys with the deploying account as registry admin", async () => {
    const { ignition, viem } = await network.create();
    const [deployer, other] = await viem.getWalletClients();
    if (!deployer || !other) throw new Error("need 2 accounts");
    const registry = typed((await ignition.deploy(ProvenanceRegistryModule)).registry, await viem.getPublicClient());
    assert.equal(await registry.read.hasRole([ZERO, deployer.account.address]), true);
    assert.equal(await registry.read.hasRole([ZERO, other.account.address]), false);
  });

  it("behavior: the admin parameter overrides the registry admin", async () => {
    const { ignition, viem } = await network.create();
    const [deployer, other] = await viem.getWalletClients();
    if (!deployer || !other) throw new Error("need 2 accounts");
    const deployed = await ignition.deploy(ProvenanceRegistryModule, {
      parameters: { ProvenanceRegistryModule: { admin: other.account.address } },
    });
    const registry = typed(deployed.registry, await viem.getPublicClient());
    assert.equal(await registry.read.hasRole([ZERO, other.account.address]), true);
    assert.equal(await registry.read.hasRole([ZERO, deployer.account.address]), false);
  });
});
