import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import fc from "fast-check";
import { network } from "hardhat";
import { encodeAbiParameters, getContract, keccak256, toHex, type Address, type Hex } from "viem";
import { provenanceRegistryAbi } from "../../src/chain/registryArtifact.js";
import { LEAF_ENCODING, recordLeaf } from "../../src/merkle/leaf.js";

// `network.connect()` is deprecated since Hardhat 3.18: `network.create()` makes a fresh EDR chain.
const { viem, networkHelpers } = await network.create();
const publicClient = await viem.getPublicClient();
const [registryAdmin, org1Admin, org1Anchorer, org2Admin, org2Anchorer, stranger] = await viem.getWalletClients();
if (!registryAdmin || !org1Admin || !org1Anchorer || !org2Admin || !org2Anchorer || !stranger) throw new Error("need 6 accounts");

const ZERO = `0x${"00".repeat(32)}` as const;
const GENESIS = `0x${"00".repeat(31)}01` as const;
const ANCHOR_GAS_BUDGET = 60_000n;

const random32 = (): Hex => toHex(randomBytes(32));
const rootOf = (label: string): Hex => keccak256(toHex(label));
const sameAddress = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/**
 * Deploys the freshly built registry and binds it to the committed ABI (`src/chain/registryArtifact.ts`, checked
 * against the build by registry-artifact.test.ts), which types the calls without the generated artifact types.
 */
async function deployRegistry(admin: Address = registryAdmin!.account.address) {
  const { address } = await viem.deployContract("ProvenanceRegistry", [admin]);
  return getContract({ address, abi: provenanceRegistryAbi, client: { public: publicClient, wallet: registryAdmin! } });
}

/** Registry with two organisations: 1 (admin org1Admin, anchorer org1Anchorer) and 2 (org2Admin, org2Anchorer). */
async function deployWithTwoOrganisations() {
  const registry = await deployRegistry();
  await registry.write.registerOrganisation(["Org One", org1Admin!.account.address, [org1Anchorer!.account.address]]);
  await registry.write.registerOrganisation(["Org Two", org2Admin!.account.address, [org2Anchorer!.account.address]]);
  return registry;
}

async function gasUsed(hash: Hex): Promise<bigint> {
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  assert.equal(receipt.status, "success", `transaction ${hash} succeeded`);
  return receipt.gasUsed;
}

describe("ProvenanceRegistry", () => {
  describe("organisations and roles", () => {
    it("default: the deployer-chosen admin holds DEFAULT_ADMIN_ROLE", async () => {
      const registry = await networkHelpers.loadFixture(deployWithTwoOrganisations);
      assert.equal(await registry.read.hasRole([ZERO, registryAdmin.account.address]), true);
      assert.equal(await registry.read.hasRole([ZERO, org1Admin.account.address]), false);
    });

    it("default: registers organisations with contiguous ids from 1 and emits OrganisationRegistered", async () => {
      const registry = await deployRegistry();
      assert.equal(await registry.read.organisationCount(), 0);
      await viem.assertions.emitWithArgs(
        registry.write.registerOrganisation(["Org One", org1Admin.account.address, [org1Anchorer.account.address]]),
        registry,
        "OrganisationRegistered",
        [1, "Org One", (admin: string) => sameAddress(admin, org1Admin.account.address)],
      );
      await viem.assertions.emitWithArgs(registry.write.registerOrganisation(["Org Two", org2Admin.account.address, []]), registry, "OrganisationRegistered", [
        2,
        "Org Two",
        (admin: string) => sameAddress(admin, org2Admin.account.address),
      ]);
      assert.equal(await registry.read.organisationCount(), 2);
      assert.deepEqual(await registry.read.organisation([1]), ["Org One", ZERO, 0n], "no batch yet: head reads as zero");
      assert.deepEqual(await registry.read.organisation([2]), ["Org Two", ZERO, 0n]);
      assert.equal(await registry.read.hasRole([await registry.read.orgAdminRole([1]), org1Admin.account.address]), true);
      assert.equal(await registry.read.hasRole([await registry.read.anchorerRole([1]), org1Anchorer.account.address]), true);
      assert.equal(await registry.read.hasRole([await registry.read.anchorerRole([2]), org1Anchorer.account.address]), false);
    });

    it("behavior: roles derive from the documented rule, so clients can compute them off-chain", async () => {
      const registry = await networkHelpers.loadFixture(deployWithTwoOrganisations);
      const orgAdminTag = keccak256(toHex("ProvenanceRegistry.ORG_ADMIN"));
      const anchorerTag = keccak256(toHex("ProvenanceRegistry.ANCHORER"));
      assert.equal(await registry.read.ORG_ADMIN_TAG(), orgAdminTag);
      assert.equal(await registry.read.ANCHORER_TAG(), anchorerTag);
      assert.equal(await registry.read.GENESIS_ROOT(), GENESIS);
      for (const orgId of [1, 2, 4_294_967_295]) {
        const derive = (tag: Hex) => keccak256(encodeAbiParameters([{ type: "bytes32" }, { type: "uint32" }], [tag, orgId]));
        assert.equal(await registry.read.orgAdminRole([orgId]), derive(orgAdminTag), `orgAdminRole(${orgId})`);
        assert.equal(await registry.read.anchorerRole([orgId]), derive(anchorerTag), `anchorerRole(${orgId})`);
      }
      assert.equal(await registry.read.getRoleAdmin([await registry.read.anchorerRole([1])]), await registry.read.orgAdminRole([1]));
      assert.equal(await registry.read.getRoleAdmin([await registry.read.orgAdminRole([1])]), ZERO, "DEFAULT_ADMIN_ROLE administers org admins");
    });

    it("behavior: an organisation admin adds and removes its own anchorers", async () => {
      const registry = await networkHelpers.loadFixture(deployWithTwoOrganisations);
      const role = await registry.read.anchorerRole([1]);
      await registry.write.grantRole([role, stranger.account.address], { account: org1Admin.account });
      await registry.write.anchor([1, rootOf("granted"), 1, ZERO], { account: stranger.account });
      assert.equal((await registry.read.anchorOf([1, rootOf("granted")])).orgId, 1);

      await registry.write.revokeRole([role, stranger.account.address], { account: org1Admin.account });
      await viem.assertions.revertWithCustomErrorWithArgs(
        registry.write.anchor([1, rootOf("revoked"), 1, ZERO], { account: stranger.account }),
        registry,
        "ProvenanceRegistryUnauthorizedAnchorer",
        [(account: string) => sameAddress(account, stranger.account.address), 1],
      );
    });

    it("behavior: the registry admin can appoint a new organisation admin", async () => {
      const registry = await networkHelpers.loadFixture(deployWithTwoOrganisations);
      await registry.write.grantRole([await registry.read.orgAdminRole([1]), stranger.account.address]);
      await registry.write.grantRole([await registry.read.anchorerRole([1]), stranger.account.address], { account: stranger.account });
      assert.equal(await registry.read.hasRole([await registry.read.anchorerRole([1]), stranger.account.address]), true);
    });

    it("error: an organisation admin cannot grant or revoke another organisation's roles", async () => {
      const registry = await networkHelpers.loadFixture(deployWithTwoOrganisations);
      const org2Admins = await registry.read.orgAdminRole([2]);
      const org2Anchorers = await registry.read.anchorerRole([2]);
      const isOrg1Admin = (account: string) => sameAddress(account, org1Admin.account.address);
      await viem.assertions.revertWithCustomErrorWithArgs(
        registry.write.grantRole([org2Anchorers, stranger.account.address], { account: org1Admin.account }),
        registry,
        "AccessControlUnauthorizedAccount",
        [isOrg1Admin, org2Admins],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        registry.write.revokeRole([org2Anchorers, org2Anchorer.account.address], { account: org1Admin.account }),
        registry,
        "AccessControlUnauthorizedAccount",
        [isOrg1Admin, org2Admins],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        registry.write.grantRole([org2Admins, org1Admin.account.address], { account: org1Admin.account }),
        registry,
        "AccessControlUnauthorizedAccount",
        [isOrg1Admin, ZERO],
      );
    });

    it("error: only the registry admin registers organisations", async () => {
      const registry = await networkHelpers.loadFixture(deployWithTwoOrganisations);
      await viem.assertions.revertWithCustomErrorWithArgs(
        registry.write.registerOrganisation(["Rogue", stranger.account.address, []], { account: org1Admin.account }),
        registry,
        "AccessControlUnauthorizedAccount",
        [(account: string) => sameAddress(account, org1Admin.account.address), ZERO],
      );
    });

    it("error: registerOrganisation rejects an empty name, a zero admin and a zero anchorer", async () => {
      const registry = await networkHelpers.loadFixture(deployWithTwoOrganisations);
      const zeroAddress = "0x0000000000000000000000000000000000000000";
      await viem.assertions.revertWithCustomErrorWithArgs(
        registry.write.registerOrganisation(["", org1Admin.account.address, []]),
        registry,
        "ProvenanceRegistryEmptyName",
        [],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        registry.write.registerOrganisation(["Org", zeroAddress, []]),
        registry,
        "ProvenanceRegistryInvalidAdmin",
        [zeroAddress],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        registry.write.registerOrganisation(["Org", org1Admin.account.address, [org1Anchorer.account.address, zeroAddress]]),
        registry,
        "ProvenanceRegistryInvalidAnchorer",
        [zeroAddress],
      );
      assert.equal(await registry.read.organisationCount(), 2, "nothing registered");
    });

    it("error: the constructor rejects a zero registry admin", async () => {
      await assert.rejects(deployRegistry("0x0000000000000000000000000000000000000000"), /ProvenanceRegistryInvalidAdmin/);
    });

    it("error: organisation() reverts for an unregistered id", async () => {
      const registry = await networkHelpers.loadFixture(deployWithTwoOrganisations);
      for (const orgId of [0, 3]) {
        await viem.assertions.revertWithCustomErrorWithArgs(registry.read.organisation([orgId]), registry, "ProvenanceRegistryUnknownOrganisation", [orgId]);
      }
    });
  });

  describe("anchor", () => {
    it("default: stores one packed Anchor and emits BatchAnchored", async () => {
      const registry = await networkHelpers.loadFixture(deployWithTwoOrganisations);
      const root = rootOf("batch 1");
      const metadataHash = rootOf("metadata 1");
      await viem.assertions.emitWithArgs(registry.write.anchor([1, root, 42, metadataHash], { account: org1Anchorer.account }), registry, "BatchAnchored", [
        1,
        1n,
        root,
        ZERO,
        42,
        metadataHash,
      ]);
      const block = await publicClient.getBlock();
      assert.deepEqual(await registry.read.anchorOf([1, root]), {
        orgId: 1,
        sequence: 1n,
        blockNumber: Number(block.number),
        timestamp: Number(block.timestamp),
        leafCount: 42,
      });
      assert.equal(await registry.read.isAnchored([1, root]), true);
      assert.equal(await registry.read.isAnchored([2, root]), false, "anchored by organisation 1 only");
      assert.equal(await registry.read.isAnchored([1, rootOf("never")]), false);
      assert.deepEqual(await registry.read.anchorOf([1, rootOf("never")]), { orgId: 0, sequence: 0n, blockNumber: 0, timestamp: 0, leafCount: 0 });
      assert.deepEqual(await registry.read.anchorOf([2, root]), { orgId: 0, sequence: 0n, blockNumber: 0, timestamp: 0, leafCount: 0 });
      assert.deepEqual(await registry.read.organisation([1]), ["Org One", root, 1n]);
      assert.deepEqual(await registry.read.organisation([2]), ["Org Two", ZERO, 0n], "other organisation untouched");
    });

    it("behavior: storage layout is as documented in docs/registry.md (one packed slot per (organisation, root))", async () => {
      const registry = await networkHelpers.loadFixture(deployWithTwoOrganisations);
      const root = rootOf("layout");
      await registry.write.anchor([2, root, 0x0102_0304, ZERO], { account: org2Anchorer.account });
      const { blockNumber, timestamp } = await registry.read.anchorOf([2, root]);
      // Solidity mapping slot: keccak256(abi.encode(key, mappingSlot)).
      const rootSlot = (key: Hex, base: bigint) => keccak256(encodeAbiParameters([{ type: "bytes32" }, { type: "uint256" }], [key, base]));
      const orgSlot = (key: number, base: bigint) => keccak256(encodeAbiParameters([{ type: "uint32" }, { type: "uint256" }], [key, base]));
      const read = (slot: Hex | bigint) =>
        publicClient.getStorageAt({ address: registry.address, slot: typeof slot === "bigint" ? toHex(slot, { size: 32 }) : slot });
      // slot 3: mapping(uint32 orgId => mapping(bytes32 root => Anchor)), fields packed from the low-order end.
      const packed = BigInt((await read(rootSlot(root, BigInt(orgSlot(2, 3n)))))!);
      assert.equal(BigInt((await read(rootSlot(root, BigInt(orgSlot(1, 3n)))))!), 0n, "nothing under organisation 1");
      const field = (offset: number, bytes: number) => (packed >> BigInt(offset * 8)) & ((1n << BigInt(bytes * 8)) - 1n);
      assert.equal(field(0, 4), 2n, "orgId");
      assert.equal(field(4, 8), 1n, "sequence");
      assert.equal(field(12, 6), BigInt(blockNumber), "blockNumber");
      assert.equal(field(18, 5), BigInt(timestamp), "timestamp");
      assert.equal(field(23, 4), 0x0102_0304n, "leafCount");
      assert.equal(packed >> 216n, 0n, "27 bytes used");
      // slot 1: uint32 organisation count; slot 2: mapping(uint32 orgId => Organisation{bytes32 head; string name}).
      assert.equal(BigInt((await read(1n))!), 2n, "organisationCount");
      const org1Head = orgSlot(1, 2n);
      const org2Head = orgSlot(2, 2n);
      assert.equal(await read(org1Head), GENESIS, "head of an organisation without batches is the sentinel");
      assert.equal(await read(org2Head), root, "head of organisation 2");
    });

    it("behavior: sequences are contiguous per organisation and previousRoot links each batch to the last", async () => {
      const registry = await networkHelpers.loadFixture(deployWithTwoOrganisations);
      const anchorers = { 1: org1Anchorer, 2: org2Anchorer } as const;
      const expected: Record<1 | 2, Hex[]> = { 1: [], 2: [] };
      for (let i = 0; i < 5; i++) {
        for (const orgId of [1, 2] as const) {
          const root = rootOf(`org ${orgId} batch ${i}`);
          const previousRoot = expected[orgId].at(-1) ?? ZERO;
          await viem.assertions.emitWithArgs(
            registry.write.anchor([orgId, root, i + 1, rootOf(`metadata ${orgId} ${i}`)], { account: anchorers[orgId].account }),
            registry,
            "BatchAnchored",
            [orgId, BigInt(i + 1), root, previousRoot, i + 1, rootOf(`metadata ${orgId} ${i}`)],
          );
          expected[orgId].push(root);
        }
      }
      for (const orgId of [1, 2] as const) {
        const roots = expected[orgId];
        const [, headRoot, batchCount] = await registry.read.organisation([orgId]);
        assert.equal(headRoot, roots.at(-1));
        assert.equal(batchCount, BigInt(roots.length));
        for (const [index, root] of roots.entries()) {
          const stored = await registry.read.anchorOf([orgId, root]);
          assert.equal(stored.orgId, orgId);
          assert.equal(stored.sequence, BigInt(index + 1));
        }
      }
    });

    it("behavior: an auditor enumerates every batch of an organisation from state and logs (docs/registry.md)", async () => {
      const registry = await networkHelpers.loadFixture(deployWithTwoOrganisations);
      for (let i = 0; i < 4; i++) {
        await registry.write.anchor([1, rootOf(`a${i}`), 1, ZERO], { account: org1Anchorer.account });
        await registry.write.anchor([2, rootOf(`b${i}`), 1, ZERO], { account: org2Anchorer.account });
      }
      // 1. State: the head and the batch count.
      const [, headRoot, batchCount] = await registry.read.organisation([1]);
      // 2. Logs: every BatchAnchored of organisation 1 (orgId is an indexed topic).
      const logs = await registry.getEvents.BatchAnchored({ orgId: 1 }, { fromBlock: 0n });
      assert.equal(BigInt(logs.length), batchCount, "one log per batch");
      const bySequence = new Map(logs.map((log) => [log.args.sequence!, log.args]));
      // 3. Walk back from the head: each step's root must be stored with (orgId, sequence) and link to the previous.
      let root: Hex = headRoot;
      for (let sequence = batchCount; sequence >= 1n; sequence--) {
        const event = bySequence.get(sequence);
        assert.ok(event, `log for sequence ${sequence}`);
        assert.equal(event.root, root, `root of sequence ${sequence}`);
        const stored = await registry.read.anchorOf([1, root]);
        assert.equal(stored.orgId, 1);
        assert.equal(stored.sequence, sequence);
        root = event.previousRoot!;
      }
      assert.equal(root, ZERO, "the first batch links to zero");
    });

    it("error: the caller must be an anchorer of that organisation", async () => {
      const registry = await networkHelpers.loadFixture(deployWithTwoOrganisations);
      const cases = [
        [stranger, 1],
        [org2Anchorer, 1],
        [org1Anchorer, 2],
        [org1Admin, 1], // an organisation admin is not an anchorer unless granted
        [registryAdmin, 1],
        [stranger, 0],
        [stranger, 3],
      ] as const;
      for (const [wallet, orgId] of cases) {
        await viem.assertions.revertWithCustomErrorWithArgs(
          registry.write.anchor([orgId, rootOf("unauthorised"), 1, ZERO], { account: wallet.account }),
          registry,
          "ProvenanceRegistryUnauthorizedAnchorer",
          [(account: string) => sameAddress(account, wallet.account.address), orgId],
        );
      }
    });

    it("error: rejects a zero root, the genesis sentinel and a zero leaf count", async () => {
      const registry = await networkHelpers.loadFixture(deployWithTwoOrganisations);
      const as = { account: org1Anchorer.account };
      await viem.assertions.revertWithCustomErrorWithArgs(registry.write.anchor([1, ZERO, 1, ZERO], as), registry, "ProvenanceRegistryZeroRoot", []);
      await viem.assertions.revertWithCustomErrorWithArgs(registry.write.anchor([1, GENESIS, 1, ZERO], as), registry, "ProvenanceRegistryReservedRoot", [
        GENESIS,
      ]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        registry.write.anchor([1, rootOf("x"), 0, ZERO], as),
        registry,
        "ProvenanceRegistryZeroLeafCount",
        [],
      );
    });

    it("error: a root is anchored once per organisation", async () => {
      const registry = await networkHelpers.loadFixture(deployWithTwoOrganisations);
      const root = rootOf("once");
      await registry.write.anchor([1, root, 3, ZERO], { account: org1Anchorer.account });
      await viem.assertions.revertWithCustomErrorWithArgs(
        registry.write.anchor([1, root, 3, ZERO], { account: org1Anchorer.account }),
        registry,
        "ProvenanceRegistryRootAlreadyAnchored",
        [root, 1],
      );
      await registry.write.anchor([2, root, 3, rootOf("other metadata")], { account: org2Anchorer.account });
      await viem.assertions.revertWithCustomErrorWithArgs(
        registry.write.anchor([2, root, 3, ZERO], { account: org2Anchorer.account }),
        registry,
        "ProvenanceRegistryRootAlreadyAnchored",
        [root, 2],
      );
    });

    it("behavior: attack — a root pre-anchored by another organisation neither blocks nor stands in for the rightful anchor", async () => {
      const registry = await networkHelpers.loadFixture(deployWithTwoOrganisations);
      const root = rootOf("learned by org 1");
      await registry.write.anchor([1, root, 9, rootOf("squatter metadata")], { account: org1Anchorer.account });
      assert.equal(await registry.read.isAnchored([2, root]), false, "org 1's anchor is not org 2's");
      await viem.assertions.emitWithArgs(
        registry.write.anchor([2, root, 4, rootOf("rightful metadata")], { account: org2Anchorer.account }),
        registry,
        "BatchAnchored",
        [2, 1n, root, ZERO, 4, rootOf("rightful metadata")],
      );
      const rightful = await registry.read.anchorOf([2, root]);
      const squatter = await registry.read.anchorOf([1, root]);
      assert.deepEqual([rightful.orgId, rightful.leafCount, rightful.sequence], [2, 4, 1n]);
      assert.deepEqual([squatter.orgId, squatter.leafCount, squatter.sequence], [1, 9, 1n]);
      assert.ok(rightful.blockNumber > squatter.blockNumber, "each anchor keeps its own block");
    });

    it("error: anchoring for an id that was never registered reverts even with a directly granted role", async () => {
      const registry = await networkHelpers.loadFixture(deployWithTwoOrganisations);
      await registry.write.grantRole([await registry.read.anchorerRole([99]), stranger.account.address]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        registry.write.anchor([99, rootOf("ghost"), 1, ZERO], { account: stranger.account }),
        registry,
        "ProvenanceRegistryUnknownOrganisation",
        [99],
      );
    });

    it("behavior: anchor costs at most 60,000 gas (receipt gasUsed, incl. the 21,000 base)", async () => {
      const registry = await networkHelpers.loadFixture(deployWithTwoOrganisations);
      const as = { account: org1Anchorer.account };
      // Worst-case calldata: every byte non-zero (16 gas each) in root, leafCount and metadataHash.
      const dense = (seed: string): Hex => toHex(Uint8Array.from(Buffer.from(keccak256(toHex(seed)).slice(2), "hex"), (b) => b | 1));
      const first = await gasUsed(await registry.write.anchor([1, dense("first"), 0xffff_ffff, dense("m0")], as));
      const steady: bigint[] = [];
      for (let i = 0; i < 5; i++) steady.push(await gasUsed(await registry.write.anchor([1, dense(`steady ${i}`), 0xffff_ffff, dense(`m${i + 1}`)], as)));
      for (const gas of [first, ...steady]) assert.ok(gas <= ANCHOR_GAS_BUDGET, `anchor used ${gas} gas, budget ${ANCHOR_GAS_BUDGET}`);
      assert.ok(first < steady[0]!, "the first anchor skips reading the previous head's sequence");
    });
  });

  describe("verifyRecordBy", () => {
    for (const size of [1, 2, 3, 4, 5, 7, 8, 16, 33]) {
      it(`behavior: accepts every proof of a ${size}-leaf StandardMerkleTree once its root is anchored`, async () => {
        const registry = await networkHelpers.loadFixture(deployWithTwoOrganisations);
        const values = Array.from({ length: size }, () => [random32(), random32()] as [Hex, Hex]);
        const tree = StandardMerkleTree.of(values, [...LEAF_ENCODING]);
        const root = tree.root as Hex;
        const [subject0, record0] = values[0]!;
        const proof0 = tree.getProof(0) as Hex[];

        assert.equal(await registry.read.verifyRecordBy([2, root, proof0, subject0, record0]), false, "unanchored root");
        await registry.write.anchor([2, root, size, ZERO], { account: org2Anchorer.account });

        for (const [index, [subject, record]] of tree.entries()) {
          const proof = tree.getProof(index) as Hex[];
          assert.equal(await registry.read.verifyRecordBy([2, root, proof, subject, record]), true, `leaf ${index} by org 2`);
        }
        assert.equal(await registry.read.verifyRecordBy([1, root, proof0, subject0, record0]), false, "org 1 did not anchor it");
        assert.equal(await registry.read.verifyRecordBy([0, root, proof0, subject0, record0]), false, "org 0");
        const tampered: Hex[] = proof0.length === 0 ? [random32()] : [flipLastBit(proof0[0]!), ...proof0.slice(1)];
        assert.equal(await registry.read.verifyRecordBy([2, root, tampered, subject0, record0]), false, "tampered proof");
        assert.equal(await registry.read.verifyRecordBy([2, root, proof0, subject0, flipLastBit(record0)]), false, "tampered record");
        assert.equal(await registry.read.verifyRecordBy([2, root, proof0, record0, subject0]), false, "swapped fields");
      });
    }
  });

  describe("leaf rule", () => {
    it("behavior: leafOf (ProvenanceLeaf.sol) agrees with recordLeaf (src/merkle/leaf.ts) and StandardMerkleTree", async () => {
      const registry = await networkHelpers.loadFixture(deployWithTwoOrganisations);
      const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((bytes) => toHex(bytes));
      const edge = fc.constantFrom<Hex>(ZERO, `0x${"ff".repeat(32)}`, GENESIS);
      const value = fc.oneof(bytes32, edge);
      await fc.assert(
        fc.asyncProperty(value, value, async (subjectDigest, recordHash) => {
          const onChain = await registry.read.leafOf([subjectDigest, recordHash]);
          assert.equal(onChain, recordLeaf(subjectDigest, recordHash));
          assert.equal(onChain, StandardMerkleTree.of([[subjectDigest, recordHash]], [...LEAF_ENCODING]).leafHash([subjectDigest, recordHash]));
        }),
        { numRuns: 100 },
      );
    });
  });

  it("default: supports ERC-165 for IProvenanceRegistry and IAccessControl", async () => {
    const registry = await networkHelpers.loadFixture(deployWithTwoOrganisations);
    const selectors = (signatures: string[]): Hex => {
      let id = 0;
      for (const signature of signatures) id ^= Number.parseInt(keccak256(toHex(signature)).slice(2, 10), 16);
      return `0x${(id >>> 0).toString(16).padStart(8, "0")}`;
    };
    const iAccessControl = selectors([
      "hasRole(bytes32,address)",
      "getRoleAdmin(bytes32)",
      "grantRole(bytes32,address)",
      "revokeRole(bytes32,address)",
      "renounceRole(bytes32,address)",
    ]);
    assert.equal(await registry.read.supportsInterface([iAccessControl]), true);
    assert.equal(await registry.read.supportsInterface(["0x01ffc9a7"]), true);
    assert.equal(await registry.read.supportsInterface(["0xffffffff"]), false);
    const inherited = ["hasRole", "getRoleAdmin", "grantRole", "revokeRole", "renounceRole", "supportsInterface", "DEFAULT_ADMIN_ROLE"];
    const iProvenanceRegistry = selectors(
      provenanceRegistryAbi
        .filter((item) => item.type === "function")
        .filter((item) => !inherited.includes(item.name))
        .map((item) => `${item.name}(${item.inputs.map((input) => input.type).join(",")})`),
    );
    assert.equal(await registry.read.supportsInterface([iProvenanceRegistry]), true);
  });
});

function flipLastBit(hex: Hex): Hex {
  const last = Number.parseInt(hex.slice(-1), 16) ^ 1;
  return `${hex.slice(0, -1)}${last.toString(16)}` as Hex;
}
