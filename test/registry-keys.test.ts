import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import { network } from "hardhat";
import { createWalletClient, custom, encodeAbiParameters, encodeFunctionData, getContract, keccak256, stringToHex, toHex, type Address, type Hex } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { deployRegistry, isAnchorer, readSigningKey, registerOrganisation, registerSigningKey, revokeSigningKey, setAnchorer, withRevertName } from "../src/chain/registry.js";
import { sendAndWait } from "../src/chain/transactions.js";
import { provenanceRegistryAbi } from "../src/chain/registryArtifact.js";
import type { ChainWriter } from "../src/chain/types.js";
import { fromViem } from "../src/chain/viem.js";
import { ChainError } from "../src/errors/chain.js";
import { InputError } from "../src/errors/input.js";

const connection = await network.create();
const { viem, networkHelpers, provider } = connection;
const publicClient = await viem.getPublicClient();

/**
 * Hardhat's default accounts, as local accounts: the SDK's writer signs itself (`eth_signTransaction` not needed).
 * No transport retries: a revert must reach the SDK at once, not after viem's back-off.
 */
const HARDHAT_MNEMONIC = "test test test test test test test test test test test junk";
const [registryAdmin, org1Admin, org1Anchorer, org2Admin, stranger] = [0, 1, 2, 3, 4].map((addressIndex) =>
  fromViem({ publicClient, walletClient: createWalletClient({ account: mnemonicToAccount(HARDHAT_MNEMONIC, { addressIndex }), chain: publicClient.chain, transport: custom(provider, { retryCount: 0 }) }) }),
) as [ChainWriter, ChainWriter, ChainWriter, ChainWriter, ChainWriter];

const ZERO = `0x${"00".repeat(32)}` as const;

/** The off-chain conventions of docs/attestations.md: keyId = SHA-256(UTF-8 DSSE keyid), role = keccak256(UTF-8 name). */
const keyIdOf = (dsseKeyid: string): Hex => `0x${createHash("sha256").update(dsseKeyid, "utf8").digest("hex")}`;
const roleOf = (name: string): Hex => keccak256(stringToHex(name));

/**
 * The verifier's rule (IProvenanceRegistry.signingKey NatSpec, docs/registry.md), written out here to show what the
 * stored block numbers mean on a real chain. The SDK's verifier owns the production copy.
 */
function countsFor(key: { orgId: number; registeredAt: number; revokedAt: number } | null, orgId: number, anchorBlock: number): boolean {
  return key !== null && key.orgId === orgId && key.registeredAt <= anchorBlock && (key.revokedAt === 0 || anchorBlock < key.revokedAt);
}

/** Registry (deployed by the SDK) with organisation 1 (admin org1Admin, anchorer org1Anchorer) and 2 (admin org2Admin). */
async function deployWithTwoOrganisations() {
  const { registry } = await deployRegistry(registryAdmin);
  await registerOrganisation(registryAdmin, registry, { name: "Org One", admin: org1Admin.account, anchorers: [org1Anchorer.account] });
  await registerOrganisation(registryAdmin, registry, { name: "Org Two", admin: org2Admin.account, anchorers: [] });
  return { registry, contract: getContract({ address: registry, abi: provenanceRegistryAbi, client: publicClient }) };
}

/** Runs `action`, expects a `ChainError("CONTRACT_REVERTED")` naming `revertName`, and returns it. */
async function expectRevert(action: Promise<unknown>, revertName: string): Promise<ChainError> {
  const error = await action.then(
    () => assert.fail(`expected a revert with ${revertName}, but the transaction went through`),
    (e: unknown) => e,
  );
  assert.ok(error instanceof ChainError, `expected a ChainError, got ${String(error)}`);
  assert.equal(error.code, "CONTRACT_REVERTED", error.message);
  assert.equal(error.revertName, revertName, error.message);
  return error;
}

describe("ProvenanceRegistry signing keys", () => {
  it("default: the accounts are Hardhat's, so the SDK writers sign for the funded accounts", async () => {
    const wallets = await viem.getWalletClients();
    assert.equal(registryAdmin.account, wallets[0]?.account.address.toLowerCase());
    assert.equal(stranger.account, wallets[4]?.account.address.toLowerCase());
  });

  describe("registerSigningKey / readSigningKey", () => {
    it("default: an organisation admin registers a key; the registry stores (orgId, role, block, 0) and emits SigningKeyRegistered", async () => {
      const { registry, contract } = await networkHelpers.loadFixture(deployWithTwoOrganisations);
      const keyId = keyIdOf("sha256:7d0a…ed25519 key of alice");
      const role = roleOf("ml-engineer");

      const { receipt } = await registerSigningKey(org1Admin, registry, { orgId: 1, keyId, role });
      assert.equal(receipt.status, "success");
      assert.deepEqual(await readSigningKey(registryAdmin, registry, keyId), { orgId: 1, role, registeredAt: Number(receipt.blockNumber), revokedAt: 0 });
      assert.deepEqual(await contract.read.signingKey([keyId]), [1, role, receipt.blockNumber, 0n], "the raw view agrees");

      const logs = await contract.getEvents.SigningKeyRegistered({ orgId: 1, keyId }, { fromBlock: receipt.blockNumber, toBlock: receipt.blockNumber });
      assert.equal(logs.length, 1, "one SigningKeyRegistered, found by its indexed orgId and keyId");
      assert.deepEqual(logs[0]?.args, { orgId: 1, keyId, role });
    });

    it("behavior: a key without a role stores bytes32(0); several keys per organisation", async () => {
      const { registry } = await networkHelpers.loadFixture(deployWithTwoOrganisations);
      const keys = ["0x5b38da6a701c568545dcfcb03fcb875f56beddc4", "sha256:aa", "sha256:bb"].map(keyIdOf);
      for (const keyId of keys) await registerSigningKey(org1Admin, registry, { orgId: 1, keyId, role: ZERO });
      for (const keyId of keys) {
        const key = await readSigningKey(stranger, registry, keyId);
        assert.equal(key?.orgId, 1, `key ${keyId} belongs to org 1`);
        assert.equal(key?.role, ZERO, "no role");
      }
    });

    it("behavior: readSigningKey returns null for a key never registered, and lower-cases the role", async () => {
      const { registry } = await networkHelpers.loadFixture(deployWithTwoOrganisations);
      assert.equal(await readSigningKey(stranger, registry, keyIdOf("never registered")), null);
      assert.equal(await readSigningKey(stranger, registry, ZERO), null, "the zero key id can never be registered");
      const role = roleOf("approver");
      const keyId = keyIdOf("upper-case input");
      await registerSigningKey(org2Admin, registry, { orgId: 2, keyId: keyId.toUpperCase().replace("0X", "0x") as Hex, role: role.toUpperCase().replace("0X", "0x") as Hex });
      assert.deepEqual(await readSigningKey(stranger, registry, keyId), { orgId: 2, role, registeredAt: Number(await publicClient.getBlockNumber()), revokedAt: 0 });
    });

    it("behavior: storage layout is as documented in docs/registry.md (slot 4; orgId, registeredAt, revokedAt packed; role next)", async () => {
      const { registry } = await networkHelpers.loadFixture(deployWithTwoOrganisations);
      const keyId = keyIdOf("layout");
      const role = roleOf("safety-officer");
      const registered = (await registerSigningKey(org2Admin, registry, { orgId: 2, keyId, role })).receipt.blockNumber;
      await networkHelpers.mine(3);
      const revoked = (await revokeSigningKey(org2Admin, registry, { orgId: 2, keyId })).receipt.blockNumber;
      const base = BigInt(keccak256(encodeAbiParameters([{ type: "bytes32" }, { type: "uint256" }], [keyId, 4n])));
      const read = async (slot: bigint) => BigInt((await publicClient.getStorageAt({ address: registry, slot: toHex(slot, { size: 32 }) }))!);
      const packed = await read(base);
      const field = (offset: number, bytes: number) => (packed >> BigInt(offset * 8)) & ((1n << BigInt(bytes * 8)) - 1n);
      assert.equal(field(0, 4), 2n, "orgId");
      assert.equal(field(4, 8), registered, "registeredAt");
      assert.equal(field(12, 8), revoked, "revokedAt");
      assert.equal(packed >> 160n, 0n, "20 bytes used");
      assert.equal(toHex(await read(base + 1n), { size: 32 }), role, "role in the next slot");
    });
  });

  describe("revokeSigningKey", () => {
    it("default: records the revoking block, keeps orgId, role and registeredAt, and emits SigningKeyRevoked", async () => {
      const { registry, contract } = await networkHelpers.loadFixture(deployWithTwoOrganisations);
      const keyId = keyIdOf("to revoke");
      const role = roleOf("approver");
      const registered = (await registerSigningKey(org1Admin, registry, { orgId: 1, keyId, role })).receipt.blockNumber;
      const { receipt } = await revokeSigningKey(org1Admin, registry, { orgId: 1, keyId });
      assert.ok(receipt.blockNumber > registered);
      assert.deepEqual(await readSigningKey(stranger, registry, keyId), { orgId: 1, role, registeredAt: Number(registered), revokedAt: Number(receipt.blockNumber) });
      const logs = await contract.getEvents.SigningKeyRevoked({ keyId }, { fromBlock: 0n });
      assert.deepEqual(logs.map((log) => [log.args, log.blockNumber]), [[{ orgId: 1, keyId }, receipt.blockNumber]]);
    });

    it("behavior: a new organisation admin revokes a key its predecessor registered (keys belong to the organisation)", async () => {
      const { registry, contract } = await networkHelpers.loadFixture(deployWithTwoOrganisations);
      const keyId = keyIdOf("registered by the first admin");
      await registerSigningKey(org1Admin, registry, { orgId: 1, keyId, role: ZERO });
      const org1Admins = await contract.read.orgAdminRole([1]);
      const registryAdminClient = getContract({ address: registry, abi: provenanceRegistryAbi, client: { public: publicClient, wallet: (await viem.getWalletClients())[0]! } });
      await registryAdminClient.write.grantRole([org1Admins, stranger.account]);
      await registryAdminClient.write.revokeRole([org1Admins, org1Admin.account]);
      await revokeSigningKey(stranger, registry, { orgId: 1, keyId });
      assert.notEqual((await readSigningKey(stranger, registry, keyId))?.revokedAt, 0);
      await expectRevert(registerSigningKey(org1Admin, registry, { orgId: 1, keyId: keyIdOf("after removal"), role: ZERO }), "ProvenanceRegistryUnauthorizedOrganisationAdmin");
    });
  });

  describe("verification rule (registeredAt <= anchorBlock && (revokedAt == 0 || anchorBlock < revokedAt))", () => {
    it("behavior: a key vouches for envelopes anchored from its registration block up to, not including, its revocation block", async () => {
      const { registry } = await networkHelpers.loadFixture(deployWithTwoOrganisations);
      const anchorer = getContract({ address: registry, abi: provenanceRegistryAbi, client: { public: publicClient, wallet: (await viem.getWalletClients())[2]! } });
      const anchorBlock = async (label: string): Promise<number> => {
        const hash = await anchorer.write.anchor([1, keccak256(toHex(label)), 1, ZERO]);
        return Number((await publicClient.waitForTransactionReceipt({ hash })).blockNumber);
      };
      const keyId = keyIdOf("sha256:rule");

      const before = await anchorBlock("before registration");
      // Registration and an anchor in the same block: the rule counts it, whatever their order inside the block.
      await networkHelpers.mine(1);
      await provider.request({ method: "evm_setAutomine", params: [false] });
      let sameBlockAsRegistration: Hex;
      let registration: Promise<unknown>;
      try {
        sameBlockAsRegistration = await anchorer.write.anchor([1, keccak256(toHex("same block as registration")), 1, ZERO]);
        let signed: Hex | undefined;
        registration = registerSigningKey(org1Admin, registry, { orgId: 1, keyId, role: roleOf("approver"), pollIntervalMs: 10, onSigned: (hash) => void (signed = hash) });
        // Mine only once the node holds the SDK's transaction (it broadcasts after onSigned).
        while (signed === undefined || (await provider.request({ method: "eth_getTransactionByHash", params: [signed] })) === null) {
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
        await networkHelpers.mine(1);
      } finally {
        await provider.request({ method: "evm_setAutomine", params: [true] });
      }
      await registration;
      const sameBlock = Number((await publicClient.waitForTransactionReceipt({ hash: sameBlockAsRegistration })).blockNumber);
      const during = await anchorBlock("while active");
      const revokedIn = Number((await revokeSigningKey(org1Admin, registry, { orgId: 1, keyId })).receipt.blockNumber);
      const after = await anchorBlock("after revocation");

      const key = await readSigningKey(stranger, registry, keyId);
      assert.equal(key?.registeredAt, sameBlock, "the anchor and the registration share a block");
      assert.equal(key?.revokedAt, revokedIn);
      assert.equal(countsFor(key, 1, before), false, "anchored before the key was registered");
      assert.equal(countsFor(key, 1, sameBlock), true, "anchored in the registration block");
      assert.equal(countsFor(key, 1, during), true, "anchored while the key was active: still counts after the revocation");
      assert.equal(countsFor(key, 1, revokedIn), false, "anchored in the revocation block");
      assert.equal(countsFor(key, 1, after), false, "anchored after the revocation");
      assert.equal(countsFor(key, 2, during), false, "never for another organisation");
    });
  });

  describe("errors", () => {
    it("error: only that organisation's admin registers and revokes (ProvenanceRegistryUnauthorizedOrganisationAdmin)", async () => {
      const { registry } = await networkHelpers.loadFixture(deployWithTwoOrganisations);
      const keyId = keyIdOf("org 1 key");
      const registered = (await registerSigningKey(org1Admin, registry, { orgId: 1, keyId, role: ZERO })).receipt.blockNumber;
      const cases: Array<[string, ChainWriter, number]> = [
        ["another organisation's admin", org2Admin, 1],
        ["an admin for an organisation it does not administer", org1Admin, 2],
        ["an anchorer of the organisation", org1Anchorer, 1],
        ["the registry admin (not an organisation admin unless it grants itself the role)", registryAdmin, 1],
        ["a stranger", stranger, 1],
        ["a stranger, for an unregistered id", stranger, 3],
      ];
      for (const [who, writer, orgId] of cases) {
        const register = await expectRevert(registerSigningKey(writer, registry, { orgId, keyId: keyIdOf(`new key by ${who}`), role: ZERO }), "ProvenanceRegistryUnauthorizedOrganisationAdmin");
        assert.match(register.message, new RegExp(`${writer.account}, ${orgId}\\)`, "i"), `${who}: the error names the caller and the organisation`);
        await expectRevert(revokeSigningKey(writer, registry, { orgId, keyId }), "ProvenanceRegistryUnauthorizedOrganisationAdmin");
      }
      assert.deepEqual(await readSigningKey(stranger, registry, keyId), { orgId: 1, role: ZERO, registeredAt: Number(registered), revokedAt: 0 }, "untouched");
    });

    it("error: the zero key id (ProvenanceRegistryZeroKeyId)", async () => {
      const { registry } = await networkHelpers.loadFixture(deployWithTwoOrganisations);
      await expectRevert(registerSigningKey(org1Admin, registry, { orgId: 1, keyId: ZERO, role: roleOf("approver") }), "ProvenanceRegistryZeroKeyId");
    });

    it("error: a key id is never reused, by any organisation, even after revocation (ProvenanceRegistrySigningKeyAlreadyRegistered)", async () => {
      const { registry } = await networkHelpers.loadFixture(deployWithTwoOrganisations);
      const keyId = keyIdOf("once");
      await registerSigningKey(org1Admin, registry, { orgId: 1, keyId, role: roleOf("approver") });
      const again = await expectRevert(registerSigningKey(org1Admin, registry, { orgId: 1, keyId, role: roleOf("ml-engineer") }), "ProvenanceRegistrySigningKeyAlreadyRegistered");
      assert.match(again.message, new RegExp(`\\(${keyId}, 1\\)`), "names the key and the organisation that holds it");
      await expectRevert(registerSigningKey(org2Admin, registry, { orgId: 2, keyId, role: ZERO }), "ProvenanceRegistrySigningKeyAlreadyRegistered");
      await revokeSigningKey(org1Admin, registry, { orgId: 1, keyId });
      await expectRevert(registerSigningKey(org1Admin, registry, { orgId: 1, keyId, role: roleOf("approver") }), "ProvenanceRegistrySigningKeyAlreadyRegistered");
      await expectRevert(registerSigningKey(org2Admin, registry, { orgId: 2, keyId, role: ZERO }), "ProvenanceRegistrySigningKeyAlreadyRegistered");
      const key = await readSigningKey(stranger, registry, keyId);
      assert.equal(key?.orgId, 1);
      assert.equal(key?.role, roleOf("approver"), "the first registration stands");
      assert.notEqual(key?.revokedAt, 0, "and stays revoked");
    });

    it("error: keys need a registered organisation (ProvenanceRegistryUnknownOrganisation)", async () => {
      const { registry, contract } = await networkHelpers.loadFixture(deployWithTwoOrganisations);
      // The registry admin can grant orgAdminRole for an id it never registered.
      const registryAdminClient = getContract({ address: registry, abi: provenanceRegistryAbi, client: { public: publicClient, wallet: (await viem.getWalletClients())[0]! } });
      await registryAdminClient.write.grantRole([await contract.read.orgAdminRole([99]), stranger.account as Address]);
      await expectRevert(registerSigningKey(stranger, registry, { orgId: 99, keyId: keyIdOf("ghost"), role: ZERO }), "ProvenanceRegistryUnknownOrganisation");
    });

    it("error: revoking a key the organisation does not have (ProvenanceRegistryUnknownSigningKey)", async () => {
      const { registry } = await networkHelpers.loadFixture(deployWithTwoOrganisations);
      const org1Key = keyIdOf("org 1 key");
      await registerSigningKey(org1Admin, registry, { orgId: 1, keyId: org1Key, role: ZERO });
      await expectRevert(revokeSigningKey(org1Admin, registry, { orgId: 1, keyId: keyIdOf("unknown") }), "ProvenanceRegistryUnknownSigningKey");
      await expectRevert(revokeSigningKey(org2Admin, registry, { orgId: 2, keyId: org1Key }), "ProvenanceRegistryUnknownSigningKey");
      assert.equal((await readSigningKey(stranger, registry, org1Key))?.revokedAt, 0, "org 2's admin cannot revoke org 1's key");
    });

    it("error: revoking twice (ProvenanceRegistrySigningKeyAlreadyRevoked names the first revocation block)", async () => {
      const { registry } = await networkHelpers.loadFixture(deployWithTwoOrganisations);
      const keyId = keyIdOf("twice");
      await registerSigningKey(org2Admin, registry, { orgId: 2, keyId, role: ZERO });
      const first = (await revokeSigningKey(org2Admin, registry, { orgId: 2, keyId })).receipt.blockNumber;
      const error = await expectRevert(revokeSigningKey(org2Admin, registry, { orgId: 2, keyId }), "ProvenanceRegistrySigningKeyAlreadyRevoked");
      assert.match(error.message, new RegExp(`\\(${keyId}, ${first}\\)`));
      assert.equal((await readSigningKey(stranger, registry, keyId))?.revokedAt, Number(first));
    });

    it("error: a key id or role that is not 32 bytes of hex is refused before anything is signed (InputError)", async () => {
      const { registry } = await networkHelpers.loadFixture(deployWithTwoOrganisations);
      const nonce = await publicClient.getTransactionCount({ address: org1Admin.account });
      const refusals: Array<[Promise<unknown>, string]> = [
        [registerSigningKey(org1Admin, registry, { orgId: 1, keyId: "0x1234", role: ZERO }), "keyId"],
        [registerSigningKey(org1Admin, registry, { orgId: 1, keyId: keyIdOf("k"), role: "0xzz" as Hex }), "role"],
        [revokeSigningKey(org1Admin, registry, { orgId: 1, keyId: `${keyIdOf("k")}00` }), "keyId"],
        [readSigningKey(org1Admin, registry, "sha256:abc" as Hex), "keyId"],
      ];
      for (const [refusal, path] of refusals) {
        await assert.rejects(refusal, (error: unknown) => error instanceof InputError && error.code === "INVALID_HEX" && error.path === path);
      }
      assert.equal(await publicClient.getTransactionCount({ address: org1Admin.account }), nonce, "nothing sent");
    });

    it("error: readSigningKey at an address without a registry (NOT_A_REGISTRY)", async () => {
      await assert.rejects(readSigningKey(stranger, stranger.account, keyIdOf("k")), (error: unknown) => error instanceof ChainError && error.code === "NOT_A_REGISTRY");
    });
  });
});

describe("anchorer rotation (setAnchorer)", () => {
  it("default: the organisation admin grants a new anchorer, which can anchor; revoked, it no longer can", async () => {
    const { registry } = await networkHelpers.loadFixture(deployWithTwoOrganisations);
    const anchor = (writer: ChainWriter, label: string) =>
      sendAndWait(writer, { to: registry, data: encodeFunctionData({ abi: provenanceRegistryAbi, functionName: "anchor", args: [1, keccak256(toHex(label)), 1, ZERO] }) }, {}, withRevertName);
    await expectRevert(anchor(stranger, "before"), "ProvenanceRegistryUnauthorizedAnchorer");
    await setAnchorer(org1Admin, registry, { orgId: 1, account: stranger.account, grant: true });
    assert.equal(await isAnchorer(stranger, registry, 1, stranger.account), true);
    await anchor(stranger, "rotated");
    await setAnchorer(org1Admin, registry, { orgId: 1, account: stranger.account, grant: false });
    assert.equal(await isAnchorer(stranger, registry, 1, stranger.account), false);
    await expectRevert(anchor(stranger, "after"), "ProvenanceRegistryUnauthorizedAnchorer");
  });

  it("error: another organisation's admin cannot grant organisation 1's anchorer role", async () => {
    const { registry } = await networkHelpers.loadFixture(deployWithTwoOrganisations);
    await expectRevert(setAnchorer(org2Admin, registry, { orgId: 1, account: stranger.account, grant: true }), "AccessControlUnauthorizedAccount");
  });
});
