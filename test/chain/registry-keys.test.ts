import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import { network } from "hardhat";
import { encodeAbiParameters, encodeFunctionData, getContract, keccak256, stringToHex, toHex, type Address, type Hex } from "viem";
import { type KeyPossession, checkKeyPossession, possessionHash, possessionMessage, proveKeyPossession } from "../../src/formats/attestation/keyPossession.js";
import { type KeyAlgorithm, type KeyFile, generateKeyFile, onChainKeyId, signerFromKeyFile } from "../../src/local/keys/keys.js";
import { deployRegistry, isAnchorer, readKeyPossession, readSigningKey, registerSigningKey, revokeSigningKey, setAnchorer } from "../../src/chain/registry.js";
import { withRevertName } from "../../src/chain/revertName.js";
import { sendAndWait } from "../../src/chain/transactions.js";
import { provenanceRegistryAbi } from "../../src/chain/registryArtifact.js";
import type { ChainWriter } from "../../src/chain/types.js";
import { ChainError } from "../../src/core/errors/chain.js";
import { InputError } from "../../src/core/errors/input.js";
import { expectRevert, sdkRegistryAccounts } from "../helpers/sdkRegistry.js";

const connection = await network.create();
const { viem, networkHelpers, provider } = connection;
const publicClient = await viem.getPublicClient();
const { registryAdmin, org1Admin, org1Anchorer, org2Admin, stranger, deployWithTwoOrganisations } = await sdkRegistryAccounts(connection);

const ZERO = `0x${"00".repeat(32)}` as const;

/** The off-chain conventions of docs/attestations.md: keyId = SHA-256(UTF-8 DSSE keyid), role = keccak256(UTF-8 name). */
const keyIdOf = (dsseKeyid: string): Hex => `0x${createHash("sha256").update(dsseKeyid, "utf8").digest("hex")}`;
const roleOf = (name: string): Hex => keccak256(stringToHex(name));
const CHAIN_ID = publicClient.chain.id;

/** The key's own proof of possession for (this chain, `registry`, `orgId`, `role`). */
const prove = (key: KeyFile, registry: Hex, orgId: number, role: Hex, chainId = CHAIN_ID) =>
  proveKeyPossession(signerFromKeyFile(key), { chainId, registry, orgId, role });

/** Registers `key` for `orgId` as `admin`, with the key's proof. */
async function register(admin: ChainWriter, registry: Hex, orgId: number, key: KeyFile, role: Hex = ZERO) {
  return (await registerSigningKey(admin, registry, { orgId, role, possession: await prove(key, registry, orgId, role) })).receipt;
}

/**
 * The verifier's rule (IProvenanceRegistry.signingKey NatSpec, docs/registry.md), written out here to show what the
 * stored block numbers mean on a real chain. The SDK's verifier owns the production copy.
 */
function countsFor(key: { registeredAt: number; revokedAt: number } | null, anchorBlock: number): boolean {
  return key !== null && key.registeredAt <= anchorBlock && (key.revokedAt === 0 || anchorBlock < key.revokedAt);
}

describe("ProvenanceRegistry signing keys", () => {
  it("default: the accounts are Hardhat's, so the SDK writers sign for the funded accounts", async () => {
    const wallets = await viem.getWalletClients();
    assert.equal(registryAdmin.account, wallets[0]?.account.address.toLowerCase());
    assert.equal(stranger.account, wallets[4]?.account.address.toLowerCase());
  });

  describe("registerSigningKey / readSigningKey", () => {
    for (const algorithm of ["secp256k1", "ed25519", "p256"] as const) {
      it(`default: an organisation admin registers a ${algorithm} key with its proof; the registry stores it and emits SigningKeyRegistered with the proof`, async () => {
        const { registry, contract } = await networkHelpers.loadFixture(deployWithTwoOrganisations);
        const key = generateKeyFile(algorithm);
        const keyId = onChainKeyId(key.keyid);
        const role = roleOf("ml-engineer");
        const possession = await prove(key, registry, 1, role);

        const { receipt } = await registerSigningKey(org1Admin, registry, { orgId: 1, role, possession });
        assert.equal(receipt.status, "success");
        const stored = await readSigningKey(registryAdmin, registry, 1, keyId);
        assert.deepEqual(stored, {
          orgId: 1,
          role,
          algorithm,
          registeredAt: Number(receipt.blockNumber),
          revokedAt: 0,
          possessionHash: possessionHash(possession),
        });
        assert.deepEqual(
          await contract.read.signingKey([1, keyId]),
          [role, { secp256k1: 1, ed25519: 2, p256: 3 }[algorithm], receipt.blockNumber, 0n, possessionHash(possession)],
          "the raw view agrees",
        );
        assert.equal(await readSigningKey(registryAdmin, registry, 2, keyId), null, "registered for organisation 1 only");

        const logs = await contract.getEvents.SigningKeyRegistered({ orgId: 1, keyId }, { fromBlock: receipt.blockNumber, toBlock: receipt.blockNumber });
        assert.equal(logs.length, 1, "one SigningKeyRegistered, found by its indexed orgId and keyId");
        // The verifier's path: the proof from the log, checked against the stored hash and the binding.
        const fromLog = await readKeyPossession(stranger, registry, 1, keyId, stored!);
        assert.deepEqual(fromLog, { algorithm: possession.algorithm, publicKey: possession.publicKey, proof: possession.proof });
        assert.equal(
          await checkKeyPossession(
            fromLog!,
            { chainId: CHAIN_ID, registry, orgId: 1, keyId, role },
            { keyid: key.keyid, possessionHash: stored!.possessionHash },
          ),
          null,
        );
      });
    }

    it("default: possessionMessage (TypeScript) is byte for byte the registry's, for any binding", async () => {
      const { registry, contract } = await networkHelpers.loadFixture(deployWithTwoOrganisations);
      for (const [orgId, keyId, role] of [
        [1, keyIdOf("a"), ZERO],
        [4_294_967_295, `0x${"ff".repeat(32)}`, roleOf("approver")],
      ] as const) {
        assert.equal(
          toHex(possessionMessage({ chainId: CHAIN_ID, registry, orgId, keyId, role })),
          await contract.read.possessionMessage([orgId, keyId, role]),
        );
      }
    });

    it("behavior: a key without a role stores bytes32(0); several keys per organisation", async () => {
      const { registry } = await networkHelpers.loadFixture(deployWithTwoOrganisations);
      const keys = [generateKeyFile("secp256k1"), generateKeyFile("ed25519"), generateKeyFile("p256")];
      for (const key of keys) await register(org1Admin, registry, 1, key);
      for (const key of keys) {
        const stored = await readSigningKey(stranger, registry, 1, onChainKeyId(key.keyid));
        assert.equal(stored?.orgId, 1, `key ${key.keyid} belongs to org 1`);
        assert.equal(stored?.role, ZERO, "no role");
      }
    });

    it("behavior: readSigningKey returns null for a key never registered, and lower-cases the role", async () => {
      const { registry } = await networkHelpers.loadFixture(deployWithTwoOrganisations);
      assert.equal(await readSigningKey(stranger, registry, 1, keyIdOf("never registered")), null);
      assert.equal(await readSigningKey(stranger, registry, 1, ZERO), null, "the zero key id can never be registered");
      const role = roleOf("approver");
      const key = generateKeyFile("secp256k1");
      const upper = role.toUpperCase().replace("0X", "0x") as Hex;
      await registerSigningKey(org2Admin, registry, { orgId: 2, role: upper, possession: await prove(key, registry, 2, role) });
      assert.equal((await readSigningKey(stranger, registry, 2, onChainKeyId(key.keyid)))?.role, role);
    });

    it("behavior: storage layout is as documented in docs/registry.md (slot 4, keyed by organisation then key id; registeredAt, revokedAt, algorithm packed; role; possessionHash)", async () => {
      const { registry } = await networkHelpers.loadFixture(deployWithTwoOrganisations);
      const key = generateKeyFile("ed25519");
      const keyId = onChainKeyId(key.keyid);
      const role = roleOf("safety-officer");
      const possession = await prove(key, registry, 2, role);
      const registered = (await registerSigningKey(org2Admin, registry, { orgId: 2, role, possession })).receipt.blockNumber;
      await networkHelpers.mine(3);
      const revoked = (await revokeSigningKey(org2Admin, registry, { orgId: 2, keyId })).receipt.blockNumber;
      const inner = BigInt(keccak256(encodeAbiParameters([{ type: "uint32" }, { type: "uint256" }], [2, 4n])));
      const base = BigInt(keccak256(encodeAbiParameters([{ type: "bytes32" }, { type: "uint256" }], [keyId, inner])));
      const read = async (slot: bigint) => BigInt((await publicClient.getStorageAt({ address: registry, slot: toHex(slot, { size: 32 }) }))!);
      const packed = await read(base);
      const field = (offset: number, bytes: number) => (packed >> BigInt(offset * 8)) & ((1n << BigInt(bytes * 8)) - 1n);
      assert.equal(field(0, 8), registered, "registeredAt");
      assert.equal(field(8, 8), revoked, "revokedAt");
      assert.equal(field(16, 1), 2n, "algorithm (ed25519)");
      assert.equal(packed >> 136n, 0n, "17 bytes used");
      assert.equal(toHex(await read(base + 1n), { size: 32 }), role, "role in the next slot");
      assert.equal(toHex(await read(base + 2n), { size: 32 }), possessionHash(possession), "possessionHash in the third");
    });
  });

  describe("revokeSigningKey", () => {
    it("default: records the revoking block, keeps role and registeredAt, and emits SigningKeyRevoked", async () => {
      const { registry, contract } = await networkHelpers.loadFixture(deployWithTwoOrganisations);
      const key = generateKeyFile("p256");
      const keyId = onChainKeyId(key.keyid);
      const role = roleOf("approver");
      const registered = (await register(org1Admin, registry, 1, key, role)).blockNumber;
      const { receipt } = await revokeSigningKey(org1Admin, registry, { orgId: 1, keyId });
      assert.ok(receipt.blockNumber > registered);
      const stored = await readSigningKey(stranger, registry, 1, keyId);
      assert.deepEqual([stored?.role, stored?.registeredAt, stored?.revokedAt], [role, Number(registered), Number(receipt.blockNumber)]);
      const logs = await contract.getEvents.SigningKeyRevoked({ keyId }, { fromBlock: 0n });
      assert.deepEqual(
        logs.map((log) => [log.args, log.blockNumber]),
        [[{ orgId: 1, keyId }, receipt.blockNumber]],
      );
    });

    it("behavior: a new organisation admin revokes a key its predecessor registered (keys belong to the organisation)", async () => {
      const { registry, contract } = await networkHelpers.loadFixture(deployWithTwoOrganisations);
      const key = generateKeyFile("secp256k1");
      const keyId = onChainKeyId(key.keyid);
      await register(org1Admin, registry, 1, key);
      const org1Admins = await contract.read.orgAdminRole([1]);
      const registryAdminClient = getContract({
        address: registry,
        abi: provenanceRegistryAbi,
        client: { public: publicClient, wallet: (await viem.getWalletClients())[0]! },
      });
      await registryAdminClient.write.grantRole([org1Admins, stranger.account]);
      await registryAdminClient.write.revokeRole([org1Admins, org1Admin.account]);
      await revokeSigningKey(stranger, registry, { orgId: 1, keyId });
      assert.notEqual((await readSigningKey(stranger, registry, 1, keyId))?.revokedAt, 0);
      await expectRevert(register(org1Admin, registry, 1, generateKeyFile("secp256k1")), "ProvenanceRegistryUnauthorizedOrganisationAdmin");
    });
  });

  describe("verification rule (registeredAt <= anchorBlock && (revokedAt == 0 || anchorBlock < revokedAt))", () => {
    it("behavior: a key vouches for envelopes anchored from its registration block up to, not including, its revocation block", async () => {
      const { registry } = await networkHelpers.loadFixture(deployWithTwoOrganisations);
      const anchorer = getContract({
        address: registry,
        abi: provenanceRegistryAbi,
        client: { public: publicClient, wallet: (await viem.getWalletClients())[2]! },
      });
      const anchorBlock = async (label: string): Promise<number> => {
        const hash = await anchorer.write.anchor([1, keccak256(toHex(label)), 1, ZERO]);
        return Number((await publicClient.waitForTransactionReceipt({ hash })).blockNumber);
      };
      const ruleKey = generateKeyFile("ed25519");
      const keyId = onChainKeyId(ruleKey.keyid);
      const possession = await prove(ruleKey, registry, 1, roleOf("approver"));

      const before = await anchorBlock("before registration");
      // Registration and an anchor in the same block: the rule counts it, whatever their order inside the block.
      await networkHelpers.mine(1);
      await provider.request({ method: "evm_setAutomine", params: [false] });
      let sameBlockAsRegistration: Hex;
      let registration: Promise<unknown>;
      try {
        sameBlockAsRegistration = await anchorer.write.anchor([1, keccak256(toHex("same block as registration")), 1, ZERO]);
        let signed: Hex | undefined;
        registration = registerSigningKey(org1Admin, registry, {
          orgId: 1,
          role: roleOf("approver"),
          possession,
          pollIntervalMs: 10,
          onSigned: (hash) => void (signed = hash),
        });
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

      const key = await readSigningKey(stranger, registry, 1, keyId);
      assert.equal(key?.registeredAt, sameBlock, "the anchor and the registration share a block");
      assert.equal(key?.revokedAt, revokedIn);
      assert.equal(countsFor(key, before), false, "anchored before the key was registered");
      assert.equal(countsFor(key, sameBlock), true, "anchored in the registration block");
      assert.equal(countsFor(key, during), true, "anchored while the key was active: still counts after the revocation");
      assert.equal(countsFor(key, revokedIn), false, "anchored in the revocation block");
      assert.equal(countsFor(key, after), false, "anchored after the revocation");
      assert.equal(countsFor(await readSigningKey(stranger, registry, 2, keyId), during), false, "never for another organisation");
    });
  });

  describe("proof of possession (named attack cases)", () => {
    it("error: attack — a squatted secp256k1 key id: another organisation cannot register it without the key (ProvenanceRegistryInvalidPossessionProof), and the rightful one still can", async () => {
      const { registry } = await networkHelpers.loadFixture(deployWithTwoOrganisations);
      const victim = generateKeyFile("secp256k1");
      const squatter = generateKeyFile("secp256k1");
      // Organisation 2 learned the victim's key id and public key; it signs with a key of its own.
      const own = await prove(squatter, registry, 2, ZERO);
      const forged = { ...own, keyid: victim.keyid, publicKey: (await prove(victim, registry, 2, ZERO)).publicKey };
      await expectRevert(registerSigningKey(org2Admin, registry, { orgId: 2, role: ZERO, possession: forged }), "ProvenanceRegistryInvalidPossessionProof");
      await register(org1Admin, registry, 1, victim);
      assert.notEqual(await readSigningKey(stranger, registry, 1, onChainKeyId(victim.keyid)), null, "the rightful organisation registers it");
    });

    for (const algorithm of ["ed25519", "p256"] as const) {
      it(`error: attack — a squatted ${algorithm} key id is stored (the registry cannot check it) but its proof fails every verifier, and the rightful organisation still registers it`, async () => {
        const { registry } = await networkHelpers.loadFixture(deployWithTwoOrganisations);
        const victim = generateKeyFile(algorithm);
        const keyId = onChainKeyId(victim.keyid);
        const genuine = await prove(victim, registry, 1, ZERO);
        // Organisation 2 replays the victim's proof for organisation 1 (same length, right public key) as its own.
        await registerSigningKey(org2Admin, registry, { orgId: 2, role: ZERO, possession: genuine });
        const squatted = (await readSigningKey(stranger, registry, 2, keyId))!;
        const fromLog = (await readKeyPossession(stranger, registry, 2, keyId, squatted))!;
        const problem = await checkKeyPossession(
          fromLog,
          { chainId: CHAIN_ID, registry, orgId: 2, keyId, role: ZERO },
          { keyid: victim.keyid, possessionHash: squatted.possessionHash },
        );
        assert.match(problem ?? "", /is not .*'s signature binding chain \d+, registry 0x[0-9a-f]{40}, organisation 2/);
        // The rightful organisation is not blocked.
        await registerSigningKey(org1Admin, registry, { orgId: 1, role: ZERO, possession: genuine });
        const rightful = (await readSigningKey(stranger, registry, 1, keyId))!;
        assert.equal(
          await checkKeyPossession(
            (await readKeyPossession(stranger, registry, 1, keyId, rightful))!,
            { chainId: CHAIN_ID, registry, orgId: 1, keyId, role: ZERO },
            { possessionHash: rightful.possessionHash },
          ),
          null,
        );
      });
    }

    it("error: attack — a proof made for another organisation, role, chain or registry is refused on chain for secp256k1 (ProvenanceRegistryInvalidPossessionProof) and by checkKeyPossession for every algorithm", async () => {
      const { registry } = await networkHelpers.loadFixture(deployWithTwoOrganisations);
      const { registry: otherRegistry } = await deployRegistry(registryAdmin);
      const approver = roleOf("approver");
      for (const algorithm of ["secp256k1", "ed25519", "p256"] as KeyAlgorithm[]) {
        const key = generateKeyFile(algorithm);
        const keyId = onChainKeyId(key.keyid);
        const binding = { chainId: CHAIN_ID, registry, orgId: 1, keyId, role: approver };
        const wrong: Array<[string, KeyPossession & { keyid: string }]> = [
          ["another organisation", await prove(key, registry, 2, approver)],
          ["another role", await prove(key, registry, 1, roleOf("ml-engineer"))],
          ["another chain", await prove(key, registry, 1, approver, CHAIN_ID + 1)],
          ["another registry", await prove(key, otherRegistry, 1, approver)],
        ];
        for (const [what, possession] of wrong) {
          assert.match((await checkKeyPossession(possession, binding)) ?? "valid", /is not .*'s signature binding/, `${algorithm}, proof for ${what}`);
          if (algorithm === "secp256k1")
            await expectRevert(registerSigningKey(org1Admin, registry, { orgId: 1, role: approver, possession }), "ProvenanceRegistryInvalidPossessionProof");
        }
        assert.equal(await checkKeyPossession(await prove(key, registry, 1, approver), binding), null, `${algorithm}: the right proof holds`);
      }
    });

    it("error: a public key that is not the key id's (ProvenanceRegistrySigningKeyIdMismatch), a malformed one (ProvenanceRegistryInvalidSigningPublicKey), a wrong-length proof, an unknown algorithm", async () => {
      const { registry } = await networkHelpers.loadFixture(deployWithTwoOrganisations);
      const key = generateKeyFile("ed25519");
      const other = generateKeyFile("ed25519");
      const possession = await prove(key, registry, 1, ZERO);
      const otherPublicKey = (await prove(other, registry, 1, ZERO)).publicKey;
      await expectRevert(
        registerSigningKey(org1Admin, registry, { orgId: 1, role: ZERO, possession: { ...possession, publicKey: otherPublicKey } }),
        "ProvenanceRegistrySigningKeyIdMismatch",
      );
      await expectRevert(
        registerSigningKey(org1Admin, registry, { orgId: 1, role: ZERO, possession: { ...possession, publicKey: `${possession.publicKey}00` as Hex } }),
        "ProvenanceRegistryInvalidSigningPublicKey",
      );
      await expectRevert(
        registerSigningKey(org1Admin, registry, { orgId: 1, role: ZERO, possession: { ...possession, algorithm: "p256" } }),
        "ProvenanceRegistryInvalidSigningPublicKey",
      );
      await expectRevert(
        registerSigningKey(org1Admin, registry, { orgId: 1, role: ZERO, possession: { ...possession, proof: `${possession.proof}00` as Hex } }),
        "ProvenanceRegistryInvalidPossessionProof",
      );
      await assert.rejects(
        registerSigningKey(org1Admin, registry, { orgId: 1, role: ZERO, possession: { ...possession, algorithm: "rsa" as KeyAlgorithm } }),
        (e: unknown) => e instanceof InputError && e.code === "INVALID_KEY",
      );
      // Off chain, the same refusals, as reasons.
      const binding = { chainId: CHAIN_ID, registry, orgId: 1, keyId: onChainKeyId(key.keyid), role: ZERO };
      assert.match((await checkKeyPossession({ ...possession, publicKey: otherPublicKey }, binding)) ?? "", /whose on-chain id is not/);
      assert.match((await checkKeyPossession({ ...possession, algorithm: "p256" }, binding)) ?? "", /registered public key/);
      assert.match(
        (await checkKeyPossession(possession, binding, { possessionHash: keyIdOf("other") })) ?? "",
        /does not hash to the registry's stored possessionHash/,
      );
      assert.match((await checkKeyPossession(possession, binding, { keyid: other.keyid })) ?? "", /not the signer's/);
    });
  });

  describe("errors", () => {
    it("error: only that organisation's admin registers and revokes (ProvenanceRegistryUnauthorizedOrganisationAdmin)", async () => {
      const { registry } = await networkHelpers.loadFixture(deployWithTwoOrganisations);
      const key = generateKeyFile("secp256k1");
      const keyId = onChainKeyId(key.keyid);
      const registered = (await register(org1Admin, registry, 1, key)).blockNumber;
      const cases: Array<[string, ChainWriter, number]> = [
        ["another organisation's admin", org2Admin, 1],
        ["an admin for an organisation it does not administer", org1Admin, 2],
        ["an anchorer of the organisation", org1Anchorer, 1],
        ["the registry admin (not an organisation admin unless it grants itself the role)", registryAdmin, 1],
        ["a stranger", stranger, 1],
        ["a stranger, for an unregistered id", stranger, 3],
      ];
      for (const [who, writer, orgId] of cases) {
        const refused = await expectRevert(register(writer, registry, orgId, generateKeyFile("secp256k1")), "ProvenanceRegistryUnauthorizedOrganisationAdmin");
        assert.match(refused.message, new RegExp(`${writer.account}, ${orgId}\\)`, "i"), `${who}: the error names the caller and the organisation`);
        await expectRevert(revokeSigningKey(writer, registry, { orgId, keyId }), "ProvenanceRegistryUnauthorizedOrganisationAdmin");
      }
      const stored = await readSigningKey(stranger, registry, 1, keyId);
      assert.deepEqual([stored?.registeredAt, stored?.revokedAt], [Number(registered), 0], "untouched");
    });

    it("error: an organisation never reuses a key id, even after revocation (ProvenanceRegistrySigningKeyAlreadyRegistered); another organisation registers its own entry", async () => {
      const { registry } = await networkHelpers.loadFixture(deployWithTwoOrganisations);
      const key = generateKeyFile("secp256k1");
      const keyId = onChainKeyId(key.keyid);
      await register(org1Admin, registry, 1, key, roleOf("approver"));
      const again = await expectRevert(register(org1Admin, registry, 1, key, roleOf("ml-engineer")), "ProvenanceRegistrySigningKeyAlreadyRegistered");
      assert.match(again.message, new RegExp(`\\(${keyId}, 1\\)`), "names the key and the organisation");
      await revokeSigningKey(org1Admin, registry, { orgId: 1, keyId });
      await expectRevert(register(org1Admin, registry, 1, key, roleOf("approver")), "ProvenanceRegistrySigningKeyAlreadyRegistered");
      // The key holder may also prove possession for organisation 2: a separate registration, not a transfer.
      await register(org2Admin, registry, 2, key);
      const first = await readSigningKey(stranger, registry, 1, keyId);
      assert.equal(first?.role, roleOf("approver"), "the first registration stands");
      assert.notEqual(first?.revokedAt, 0, "and stays revoked");
      assert.equal((await readSigningKey(stranger, registry, 2, keyId))?.revokedAt, 0, "organisation 2's own entry is active");
    });

    it("error: keys need a registered organisation (ProvenanceRegistryUnknownOrganisation)", async () => {
      const { registry, contract } = await networkHelpers.loadFixture(deployWithTwoOrganisations);
      // The registry admin can grant orgAdminRole for an id it never registered.
      const registryAdminClient = getContract({
        address: registry,
        abi: provenanceRegistryAbi,
        client: { public: publicClient, wallet: (await viem.getWalletClients())[0]! },
      });
      await registryAdminClient.write.grantRole([await contract.read.orgAdminRole([99]), stranger.account as Address]);
      await expectRevert(register(stranger, registry, 99, generateKeyFile("ed25519")), "ProvenanceRegistryUnknownOrganisation");
    });

    it("error: revoking a key the organisation does not have (ProvenanceRegistryUnknownSigningKey)", async () => {
      const { registry } = await networkHelpers.loadFixture(deployWithTwoOrganisations);
      const key = generateKeyFile("p256");
      const org1Key = onChainKeyId(key.keyid);
      await register(org1Admin, registry, 1, key);
      await expectRevert(revokeSigningKey(org1Admin, registry, { orgId: 1, keyId: keyIdOf("unknown") }), "ProvenanceRegistryUnknownSigningKey");
      await expectRevert(revokeSigningKey(org2Admin, registry, { orgId: 2, keyId: org1Key }), "ProvenanceRegistryUnknownSigningKey");
      assert.equal((await readSigningKey(stranger, registry, 1, org1Key))?.revokedAt, 0, "org 2's admin cannot revoke org 1's key");
    });

    it("error: revoking twice (ProvenanceRegistrySigningKeyAlreadyRevoked names the first revocation block)", async () => {
      const { registry } = await networkHelpers.loadFixture(deployWithTwoOrganisations);
      const key = generateKeyFile("ed25519");
      const keyId = onChainKeyId(key.keyid);
      await register(org2Admin, registry, 2, key);
      const first = (await revokeSigningKey(org2Admin, registry, { orgId: 2, keyId })).receipt.blockNumber;
      const error = await expectRevert(revokeSigningKey(org2Admin, registry, { orgId: 2, keyId }), "ProvenanceRegistrySigningKeyAlreadyRevoked");
      assert.match(error.message, new RegExp(`\\(${keyId}, ${first}\\)`));
      assert.equal((await readSigningKey(stranger, registry, 2, keyId))?.revokedAt, Number(first));
    });

    it("error: a key id or role that is not 32 bytes of hex is refused before anything is signed (InputError)", async () => {
      const { registry } = await networkHelpers.loadFixture(deployWithTwoOrganisations);
      const nonce = await publicClient.getTransactionCount({ address: org1Admin.account });
      const possession = await prove(generateKeyFile("secp256k1"), registry, 1, ZERO);
      const refusals: Array<[Promise<unknown>, string]> = [
        [registerSigningKey(org1Admin, registry, { orgId: 1, role: "0xzz" as Hex, possession }), "role"],
        [revokeSigningKey(org1Admin, registry, { orgId: 1, keyId: `${keyIdOf("k")}00` }), "keyId"],
        [readSigningKey(org1Admin, registry, 1, "sha256:abc" as Hex), "keyId"],
      ];
      for (const [refusal, path] of refusals) {
        await assert.rejects(refusal, (error: unknown) => error instanceof InputError && error.code === "INVALID_HEX" && error.path === path);
      }
      assert.equal(await publicClient.getTransactionCount({ address: org1Admin.account }), nonce, "nothing sent");
    });

    it("error: readSigningKey at an address without a registry (NOT_A_REGISTRY)", async () => {
      await assert.rejects(
        readSigningKey(stranger, stranger.account, 1, keyIdOf("k")),
        (error: unknown) => error instanceof ChainError && error.code === "NOT_A_REGISTRY",
      );
    });
  });
});

describe("anchorer rotation (setAnchorer)", () => {
  it("default: the organisation admin grants a new anchorer, which can anchor; revoked, it no longer can", async () => {
    const { registry } = await networkHelpers.loadFixture(deployWithTwoOrganisations);
    const anchor = (writer: ChainWriter, label: string) =>
      sendAndWait(
        writer,
        { to: registry, data: encodeFunctionData({ abi: provenanceRegistryAbi, functionName: "anchor", args: [1, keccak256(toHex(label)), 1, ZERO] }) },
        {},
        withRevertName,
      );
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
