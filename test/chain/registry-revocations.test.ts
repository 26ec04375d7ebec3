import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import { JsonRpcProvider, Wallet } from "ethers";
import { network } from "hardhat";
import { encodeAbiParameters, encodeFunctionData, getContract, keccak256, toHex, type Hex } from "viem";
import { fromEthers } from "../../src/chain/ethers.js";
import { deployRegistry, readRevocation, registerOrganisation, reinstateSubject, revokeSubject } from "../../src/chain/registry.js";
import { provenanceRegistryAbi } from "../../src/chain/registryArtifact.js";
import { sendAndWait } from "../../src/chain/transactions.js";
import { connectWriter } from "../../src/chain/connect.js";
import { DEV_PRIVATE_KEY, startEmbeddedChain } from "../../src/chain/embeddedChain.js";
import { InputError } from "../../src/core/errors/input.js";
import { expectRevert, sdkRegistryAccounts } from "../helpers/sdkRegistry.js";

const connection = await network.create();
const { viem, networkHelpers } = connection;
const publicClient = await viem.getPublicClient();
const { registryAdmin, org1Admin, org1Anchorer, org2Admin, stranger, deployWithTwoOrganisations } = await sdkRegistryAccounts(connection);

const ZERO = `0x${"00".repeat(32)}` as const;
/** A subject digest as in-toto statements carry it: bare lower-case hex of the SHA-256. */
const subjectOf = (label: string): string => createHash("sha256").update(label).digest("hex");
const entryOf = (label: string): Hex => keccak256(toHex(label));

describe("ProvenanceRegistry revocation state", () => {
  it("default: a subject never changed reads as not revoked, block 0, zero entry", async () => {
    const { registry } = await networkHelpers.loadFixture(deployWithTwoOrganisations);
    assert.deepEqual(await readRevocation(stranger, registry, 1, subjectOf("never")), { revoked: false, changedAt: 0n, entryHash: ZERO });
  });

  it("default: the organisation admin revokes then reinstates; each change records its block and entry and emits SubjectRevocationChanged", async () => {
    const { registry, contract } = await networkHelpers.loadFixture(deployWithTwoOrganisations);
    const subject = subjectOf("model");
    const { receipt: revoked } = await revokeSubject(org1Admin, registry, 1, subject, entryOf("revocation envelope"));
    assert.deepEqual(await readRevocation(stranger, registry, 1, subject), {
      revoked: true,
      changedAt: revoked.blockNumber,
      entryHash: entryOf("revocation envelope"),
    });
    assert.deepEqual(
      await readRevocation(stranger, registry, 1, `0x${subject}`),
      await readRevocation(stranger, registry, 1, subject),
      "bare and 0x digests are the same subject",
    );
    assert.deepEqual(
      await readRevocation(stranger, registry, 2, subject),
      { revoked: false, changedAt: 0n, entryHash: ZERO },
      "organisation 2's state is separate",
    );

    const { receipt: reinstated } = await reinstateSubject(org1Admin, registry, 1, subject, entryOf("reinstatement envelope"));
    assert.deepEqual(await readRevocation(stranger, registry, 1, subject), {
      revoked: false,
      changedAt: reinstated.blockNumber,
      entryHash: entryOf("reinstatement envelope"),
    });

    const logs = await contract.getEvents.SubjectRevocationChanged({ orgId: 1, subjectDigest: `0x${subject}` }, { fromBlock: 0n });
    assert.deepEqual(
      logs.map((l) => [l.args.revoked, l.args.entryHash, l.blockNumber]),
      [
        [true, entryOf("revocation envelope"), revoked.blockNumber],
        [false, entryOf("reinstatement envelope"), reinstated.blockNumber],
      ],
    );
  });

  it("behavior: storage layout is as documented in docs/registry.md (slot 5; revoked and changedAt packed; entryHash next)", async () => {
    const { registry } = await networkHelpers.loadFixture(deployWithTwoOrganisations);
    const subject = `0x${subjectOf("layout")}` as Hex;
    const { receipt } = await revokeSubject(org1Admin, registry, 1, subject, entryOf("layout entry"));
    const inner = keccak256(encodeAbiParameters([{ type: "uint32" }, { type: "uint256" }], [1, 5n]));
    const slot = BigInt(keccak256(encodeAbiParameters([{ type: "bytes32" }, { type: "uint256" }], [subject, BigInt(inner)])));
    const read = async (s: bigint) => BigInt((await publicClient.getStorageAt({ address: registry, slot: toHex(s, { size: 32 }) }))!);
    const packed = await read(slot);
    assert.equal(packed & 0xffn, 1n, "revoked");
    assert.equal((packed >> 8n) & ((1n << 64n) - 1n), receipt.blockNumber, "changedAt");
    assert.equal(packed >> 72n, 0n, "9 bytes used");
    assert.equal(toHex(await read(slot + 1n), { size: 32 }), entryOf("layout entry"), "entryHash");
  });

  it("behavior: the same calls work through the ethers v6 adapter and the CLI's viem writer (a real JSON-RPC node)", async () => {
    const chain = await startEmbeddedChain();
    const ethersProvider = new JsonRpcProvider(chain.rpcUrl, undefined, { staticNetwork: true, cacheTimeout: -1 });
    try {
      const viemWriter = await connectWriter(chain.rpcUrl, DEV_PRIVATE_KEY, 10_000);
      const ethersWriter = await fromEthers({ provider: ethersProvider, signer: new Wallet(DEV_PRIVATE_KEY, ethersProvider) });
      const { registry } = await deployRegistry(viemWriter);
      const { orgId } = await registerOrganisation(viemWriter, registry, { name: "Both adapters" });
      const subject = subjectOf("adapters");
      const { receipt } = await revokeSubject(ethersWriter, registry, orgId, subject, entryOf("ethers"));
      assert.deepEqual(await readRevocation(viemWriter, registry, orgId, subject), {
        revoked: true,
        changedAt: receipt.blockNumber,
        entryHash: entryOf("ethers"),
      });
      const reader = await fromEthers({ provider: ethersProvider });
      assert.deepEqual(
        await readRevocation(reader, registry, orgId, subject),
        await readRevocation(viemWriter, registry, orgId, subject),
        "the ethers reader agrees",
      );
      await reinstateSubject(viemWriter, registry, orgId, subject, ZERO);
      assert.equal((await readRevocation(reader, registry, orgId, subject)).revoked, false);
    } finally {
      ethersProvider.destroy();
      await chain.close();
    }
  });

  describe("errors", () => {
    it("error: attack — a non-admin (stranger, the organisation's own anchorer, another organisation's admin) cannot revoke or reinstate (ProvenanceRegistryUnauthorizedOrganisationAdmin)", async () => {
      const { registry } = await networkHelpers.loadFixture(deployWithTwoOrganisations);
      const subject = subjectOf("victim model");
      for (const writer of [stranger, org1Anchorer, org2Admin, registryAdmin]) {
        await expectRevert(revokeSubject(writer, registry, 1, subject, ZERO), "ProvenanceRegistryUnauthorizedOrganisationAdmin");
      }
      await revokeSubject(org1Admin, registry, 1, subject, ZERO);
      for (const writer of [stranger, org1Anchorer, org2Admin, registryAdmin]) {
        await expectRevert(reinstateSubject(writer, registry, 1, subject, ZERO), "ProvenanceRegistryUnauthorizedOrganisationAdmin");
      }
      assert.equal((await readRevocation(stranger, registry, 1, subject)).revoked, true, "still revoked");
    });

    it("error: revoking twice (ProvenanceRegistrySubjectAlreadyRevoked) and reinstating what is not revoked (ProvenanceRegistrySubjectNotRevoked)", async () => {
      const { registry } = await networkHelpers.loadFixture(deployWithTwoOrganisations);
      const subject = subjectOf("twice");
      await expectRevert(reinstateSubject(org1Admin, registry, 1, subject, ZERO), "ProvenanceRegistrySubjectNotRevoked");
      await revokeSubject(org1Admin, registry, 1, subject, ZERO);
      await expectRevert(revokeSubject(org1Admin, registry, 1, subject, ZERO), "ProvenanceRegistrySubjectAlreadyRevoked");
      // Organisation 1's revocation gives organisation 2 nothing to reinstate.
      await expectRevert(reinstateSubject(org2Admin, registry, 2, subject, ZERO), "ProvenanceRegistrySubjectNotRevoked");
    });

    it("error: the zero subject digest (ProvenanceRegistryZeroSubjectDigest) and an unregistered organisation (ProvenanceRegistryUnknownOrganisation)", async () => {
      const { registry } = await networkHelpers.loadFixture(deployWithTwoOrganisations);
      await expectRevert(revokeSubject(org1Admin, registry, 1, ZERO, ZERO), "ProvenanceRegistryZeroSubjectDigest");
      // The registry admin can grant any role directly, including for an id it never registered.
      const role = await getContract({ address: registry, abi: provenanceRegistryAbi, client: publicClient }).read.orgAdminRole([99]);
      await sendAndWait(
        registryAdmin,
        { to: registry, data: encodeFunctionData({ abi: provenanceRegistryAbi, functionName: "grantRole", args: [role, stranger.account] }) },
        {},
      );
      await expectRevert(revokeSubject(stranger, registry, 99, subjectOf("ghost"), ZERO), "ProvenanceRegistryUnknownOrganisation");
    });

    it("error: a digest or entry hash that is not 32 bytes of hex is refused before anything is signed (InputError)", async () => {
      const { registry } = await networkHelpers.loadFixture(deployWithTwoOrganisations);
      for (const digest of ["sha256:" + subjectOf("x"), subjectOf("x").slice(2), "0x1234", `0x${"zz".repeat(32)}`]) {
        await assert.rejects(revokeSubject(org1Admin, registry, 1, digest, ZERO), (e: unknown) => e instanceof InputError && e.code === "INVALID_HEX", digest);
        await assert.rejects(readRevocation(org1Admin, registry, 1, digest), (e: unknown) => e instanceof InputError && e.code === "INVALID_HEX", digest);
      }
      await assert.rejects(
        revokeSubject(org1Admin, registry, 1, subjectOf("x"), "0x12" as Hex),
        (e: unknown) => e instanceof InputError && e.code === "INVALID_HEX",
      );
      await assert.rejects(readRevocation(org1Admin, registry, -1, subjectOf("x")), (e: unknown) => e instanceof InputError && e.code === "INVALID_ARGUMENT");
    });
  });
});
