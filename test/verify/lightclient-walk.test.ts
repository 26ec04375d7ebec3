import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { network } from "hardhat";
import { decodeEventLog, getContract, keccak256 as viemKeccak256, toHex } from "viem";
import { provenanceRegistryAbi } from "../../src/chain/registryArtifact.js";
import { LightClientError } from "../../src/core/errors/lightClient.js";
import { bytesToBigInt, bytesToHex, type Hex } from "../../src/verify/lightclient/bytes.js";
import type { BlockHeader } from "../../src/verify/lightclient/header.js";
import { decodeQbftExtraData, encodeQbftExtraData } from "../../src/verify/lightclient/qbft.js";
import { buildReceiptsTrie, receiptFromRpc, receiptKey, verifyReceiptProof } from "../../src/verify/lightclient/receiptProof.js";
import { anchorSlot } from "../../src/verify/lightclient/registrySlots.js";
import { verifyGetProof } from "../../src/verify/lightclient/stateProof.js";
import { syncQbftHeaders } from "../../src/verify/lightclient/syncQbft.js";
import { parseQbftTrust, serializeQbftTrust, type QbftTrust } from "../../src/verify/lightclient/trustFile.js";
import { type VoteTally, tallyAfterBlock, validatorContractSlots } from "../../src/verify/lightclient/validatorSet.js";
import { type QbftWalkStep, walkQbftHeaders } from "../../src/verify/lightclient/walk.js";
import { sealQbftHeader, testValidators } from "../helpers/qbftSealer.js";
import { startQbftTestNode } from "../helpers/qbftTestNode.js";
import { assertLightClientRefusal as refuses } from "../helpers/refusals.js";

const { viem, provider } = await network.create();
const publicClient = await viem.getPublicClient();
const [admin, orgAdmin, anchorer] = await viem.getWalletClients();
if (!admin || !orgAdmin || !anchorer) throw new Error("need 3 accounts");
const upstream = (method: string, params: readonly unknown[]): Promise<unknown> => provider.request({ method, params: [...params] });
const chainId = await publicClient.getChainId();

const keys = testValidators(5);
const [v0, v1, v2, v3, v4] = keys as [(typeof keys)[0], (typeof keys)[0], (typeof keys)[0], (typeof keys)[0], (typeof keys)[0]];
const initial = [v0, v1, v2, v3];
const outsider = testValidators(1, "outsider")[0]!;

const { address: registryAddress } = await viem.deployContract("ProvenanceRegistry", [admin.account.address]);
const registry = getContract({ address: registryAddress, abi: provenanceRegistryAbi, client: { public: publicClient, wallet: admin } });
await publicClient.waitForTransactionReceipt({
  hash: await registry.write.registerOrganisation(["Org One", orgAdmin.account.address, [anchorer.account.address]]),
});

// Blocks 4, 5 and 6 carry add votes for v4 from three distinct proposers: v4 joins after block 6 (3 of 4 is floor(4/2) + 1).
const node = startQbftTestNode({
  upstream,
  chainId,
  registry: registryAddress,
  validators: initial,
  keyPool: keys,
  selection: {
    mode: "header",
    votes: { 4: { recipient: v4.address, add: true }, 5: { recipient: v4.address, add: true }, 6: { recipient: v4.address, add: true } },
  },
});
while ((await publicClient.getBlockNumber()) < 7n) await upstream("evm_mine", []);
const root = viemKeccak256(toHex("walked root"));
const metadataHash = viemKeccak256(toHex("walked metadata"));
const anchorTx = await registry.write.anchor([1, root, 3, metadataHash], { account: anchorer.account });
const anchorReceipt = await publicClient.waitForTransactionReceipt({ hash: anchorTx });
for (let i = 0; i < 3; i++) await upstream("evm_mine", []);
const head = await publicClient.getBlockNumber();
const genesisTrust = await node.trustAt(0n);
const honest: QbftWalkStep[] = [];
for (let n = 1n; n <= head; n++) honest.push({ header: await node.header(n) });

after(() => node.close());

/** The honest steps with step `index` replaced. */
const withStep = (index: number, header: BlockHeader): QbftWalkStep[] => honest.map((step, i) => (i === index ? { header } : step));
const sorted = (vs: readonly { address: Hex }[]): Hex[] => vs.map((v) => v.address).sort();

describe("light client: walking a QBFT chain (the QBFT test node over EDR)", () => {
  it("default: walks from the pinned genesis to the head; v4 joins by vote after block 6 and seals from block 7", () => {
    const { checkpoint, blocks } = walkQbftHeaders(genesisTrust, honest);
    assert.equal(checkpoint.block.number, Number(head));
    assert.deepEqual(checkpoint.validators, sorted(keys));
    assert.deepEqual(blocks[5]!.validators, sorted(initial), "block 6 is sealed by the four");
    assert.deepEqual(blocks[6]!.validators, sorted(keys), "block 7 by the five");
    assert.equal(blocks[5]!.sealers.length, 3);
    assert.equal(blocks[6]!.sealers.length, 4, "ceil(2*5/3) = 4 seals");
  });

  it("default: through the node's JSON-RPC (over HTTP): every block hash it serves is the verified QBFT hash, and the walk reaches the head", async () => {
    const url = await node.listen();
    let id = 0;
    const request = async (method: string, params: readonly unknown[]): Promise<unknown> => {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params }),
      });
      const body = (await response.json()) as { result?: unknown; error?: { message: string } };
      if (body.error) throw new Error(body.error.message);
      return body.result;
    };
    const { checkpoint, blocks } = await syncQbftHeaders(genesisTrust, request);
    assert.equal(checkpoint.block.number, Number(head));
    const byHash = (await request("eth_getBlockByHash", [blocks[3]!.hash, false])) as { number: Hex; parentHash: Hex };
    assert.equal(BigInt(byHash.number), 4n);
    assert.equal(byHash.parentHash, blocks[2]!.hash);
    const receipt = (await request("eth_getTransactionReceipt", [anchorTx])) as { blockHash: Hex; logs: { blockHash: Hex }[] };
    const anchorBlock = blocks.find((b) => b.number === anchorReceipt.blockNumber)!;
    assert.equal(receipt.blockHash, anchorBlock.hash, "the receipt names the QBFT block hash");
    assert.equal(receipt.logs[0]!.blockHash, anchorBlock.hash, "so do its logs");
  });

  it("default: the anchor slot (proven at the verified head, the block named by its QBFT hash) and the BatchAnchored log (against the verified anchoring block)", async () => {
    const { blocks } = await syncQbftHeaders(genesisTrust, node.request);
    const verifiedHead = blocks.at(-1)!;
    const slot = anchorSlot(1, root);
    const { storage } = verifyGetProof(
      verifiedHead.stateRoot,
      registryAddress,
      [slot],
      await node.request("eth_getProof", [registryAddress, [slot], verifiedHead.hash]),
    );
    assert.equal(bytesToBigInt(storage.get(slot)!) & 0xffffffffn, 1n, "organisation 1");
    const anchorBlock = blocks.find((b) => b.number === anchorReceipt.blockNumber)!;
    const block = (await node.request("eth_getBlockByHash", [anchorBlock.hash, false])) as { transactions: Hex[] };
    const receipts = await Promise.all(block.transactions.map(async (hash) => receiptFromRpc(await node.request("eth_getTransactionReceipt", [hash]))));
    const index = anchorReceipt.transactionIndex;
    const proven = verifyReceiptProof(anchorBlock.receiptsRoot, { transactionIndex: index, proof: buildReceiptsTrie(receipts).proof(receiptKey(index)) });
    const event = decodeEventLog({ abi: provenanceRegistryAbi, data: proven.logs[0]!.data, topics: proven.logs[0]!.topics as [Hex, ...Hex[]] });
    assert.equal(event.eventName, "BatchAnchored");
    assert.equal((event.args as { metadataHash: Hex }).metadataHash, metadataHash);
  });

  it("behavior: a checkpoint saved mid-vote (pending votes included) reloads and resumes to the same head as one walk", async () => {
    const { checkpoint: at5 } = walkQbftHeaders(genesisTrust, honest.slice(0, 5));
    // The test node's proposer of block n is the n % 4-th of the sorted set.
    assert.deepEqual(at5.votes, [{ recipient: v4.address, add: [sorted(initial)[0]!, sorted(initial)[1]!].sort(), drop: [] }]);
    assert.deepEqual(at5, await node.trustAt(5n), "the walk's checkpoint is the node's own state after block 5");
    const reloaded = parseQbftTrust(JSON.parse(serializeQbftTrust(at5)));
    const resumed = walkQbftHeaders(reloaded, honest.slice(5)).checkpoint;
    assert.deepEqual(resumed, walkQbftHeaders(genesisTrust, honest).checkpoint);
  });

  it("behavior: Besu's vote rules: 2 of 4 add votes do not add, the 3rd does; a drop needs floor(n/2) + 1 too, and an epoch block discards pending votes", () => {
    const start: VoteTally = { validators: sorted(initial), votes: [] };
    const vote = (tally: VoteTally, n: bigint, proposer: Hex, add: boolean, recipient = v4.address) =>
      tallyAfterBlock(tally, { number: n, proposer, vote: { recipient, add }, epochLength: 100n });
    const two = vote(vote(start, 1n, v0.address, true), 2n, v1.address, true);
    assert.deepEqual(two.validators, sorted(initial));
    const repeated = vote(two, 3n, v1.address, true);
    assert.deepEqual(repeated.validators, sorted(initial), "the same proposer voting twice counts once");
    assert.deepEqual(vote(two, 3n, v2.address, true).validators, sorted(keys));
    const discarded = tallyAfterBlock(two, { number: 100n, proposer: v2.address, vote: { recipient: v4.address, add: true }, epochLength: 100n });
    assert.deepEqual(discarded, { validators: sorted(initial), votes: [] }, "the epoch block's own vote is ignored too");
    const dropTwo = vote(vote(start, 1n, v0.address, false, v3.address), 2n, v1.address, false, v3.address);
    assert.deepEqual(dropTwo.validators, sorted(initial));
    assert.deepEqual(vote(dropTwo, 3n, v2.address, false, v3.address).validators, sorted([v0, v1, v2]));
  });

  describe("refused", () => {
    const at = 7; // block 8, sealed by the five
    const header8 = honest[at]!.header;
    const parameters = { listedValidators: sorted(keys), proposer: v0.address };

    it("error: a forged seal (bytes changed)", () => {
      const extra = decodeQbftExtraData(header8.extraData);
      const seals = extra.seals.map((s) => new Uint8Array(s));
      seals[1]![10]! ^= 0x40;
      refuses(
        () => walkQbftHeaders(genesisTrust, withStep(at, { ...header8, extraData: encodeQbftExtraData({ ...extra, seals }) })),
        "commit-seal",
        `headers[${at}].extraData.seals[1]`,
      );
    });

    it("error: a seal by a non-validator, too few seals, duplicate seals", () => {
      refuses(
        () => walkQbftHeaders(genesisTrust, withStep(at, sealQbftHeader(header8, { ...parameters, sealers: [v0, v1, outsider, v2, v3] }))),
        "commit-seal",
        `headers[${at}].extraData.seals[2]`,
      );
      refuses(
        () => walkQbftHeaders(genesisTrust, withStep(at, sealQbftHeader(header8, { ...parameters, sealers: [v0, v1, v2] }))),
        "seal-quorum",
        `headers[${at}].extraData.seals`,
      );
      refuses(
        () => walkQbftHeaders(genesisTrust, withStep(at, sealQbftHeader(header8, { ...parameters, sealers: [v0, v1, v1, v2] }))),
        "commit-seal",
        `headers[${at}].extraData.seals[2]`,
      );
      // The four original validators alone are one short of the new quorum.
      refuses(() => walkQbftHeaders(genesisTrust, withStep(at, sealQbftHeader(header8, { ...parameters, sealers: [v0, v1, v2] }))), "seal-quorum");
    });

    it("error: a wrong parent link (a fork header, properly sealed), a skipped block, another chain's genesis, a node reporting another hash", () => {
      const fork = sealQbftHeader({ ...header8, parentHash: honest[5]!.header.parentHash }, { ...parameters, sealers: keys });
      refuses(() => walkQbftHeaders(genesisTrust, withStep(at, fork)), "parent-hash", `headers[${at}].parentHash`);
      refuses(
        () =>
          walkQbftHeaders(
            genesisTrust,
            honest.filter((_, i) => i !== 3),
          ),
        "block-number",
        "headers[3].number",
      );
      const otherChain: QbftTrust = { ...genesisTrust, block: { ...genesisTrust.block, hash: `0x${"ab".repeat(32)}` } };
      refuses(() => walkQbftHeaders(otherChain, honest), "parent-hash", "headers[0].parentHash");
      refuses(
        () =>
          walkQbftHeaders(
            genesisTrust,
            honest.map((s, i) => (i === 2 ? { ...s, reportedHash: `0x${"cd".repeat(32)}` as Hex } : s)),
          ),
        "block-hash",
        "headers[2].hash",
      );
    });

    it("error: a header listing v4 before the third vote, sealed by the four; a set pinned without v4 after it joined", () => {
      const early = sealQbftHeader(honest[4]!.header, {
        listedValidators: sorted(keys),
        vote: { recipient: v4.address, add: true },
        sealers: initial,
        proposer: v1.address,
      });
      refuses(() => walkQbftHeaders(genesisTrust, withStep(4, early)), "validators", "headers[4].extraData.validators");
      const stale: QbftTrust = { ...walkQbftHeaders(genesisTrust, honest.slice(0, at)).checkpoint, validators: sorted(initial) };
      refuses(() => walkQbftHeaders(stale, honest.slice(at)), "validators", "headers[0].extraData.validators");
    });

    it("error: a trust file of an unknown format, with an unsorted set, or an unknown member", () => {
      const json = JSON.parse(serializeQbftTrust(genesisTrust)) as Record<string, unknown>;
      assert.throws(
        () => parseQbftTrust({ ...json, format: "provenance-qbft-trust-v2" }),
        (e: unknown) => e instanceof LightClientError && e.check === "trust-file" && e.field === "trust.format",
      );
      assert.throws(
        () => parseQbftTrust({ ...json, validators: [...(json.validators as string[])].reverse() }),
        (e: unknown) => e instanceof LightClientError && e.field === "trust.validators[0]",
      );
      assert.throws(
        () => parseQbftTrust({ ...json, extra: 1 }),
        (e: unknown) => e instanceof LightClientError && e.field === "trust.extra",
      );
      assert.throws(
        () => parseQbftTrust({ ...json, validatorSelection: { mode: "clique" } }),
        (e: unknown) => e instanceof LightClientError && e.field === "trust.validatorSelection.mode",
      );
    });
  });

  describe("contract mode", () => {
    it("default: the set comes from the validator contract's storage, proven at every block; a change in the contract moves it; a tampered proof is refused", async () => {
      // A validator contract keeping address[] at slot 0, changed by real transactions. Its code only
      // stores (slot, value) from calldata: the verifier reads storage, never calls getValidators().
      // (hardhat_setStorageAt would change the latest block's state without changing its stateRoot.)
      const contract: Hex = "0x000000000000000000000000000000000000cafe";
      const slot0: Hex = `0x${"00".repeat(32)}`;
      await upstream("hardhat_setCode", [contract, "0x6020356000355500"]); // SSTORE(calldata[0:32], calldata[32:64])
      const store = async (slot: Hex, value: Hex): Promise<void> => {
        await publicClient.waitForTransactionReceipt({
          hash: await admin.sendTransaction({ to: contract, data: `0x${slot.slice(2)}${value.slice(2).padStart(64, "0")}` }),
        });
      };
      const setValidators = async (set: readonly { address: Hex }[]): Promise<void> => {
        const slots = validatorContractSlots(slot0, set.length);
        for (let i = 0; i < set.length; i++) await store(slots[i + 1]!, set[i]!.address);
        await store(slots[0]!, toHex(set.length));
      };
      await setValidators(initial);
      const pinned = await publicClient.getBlockNumber();
      const contractNode = startQbftTestNode({
        upstream,
        chainId,
        registry: registryAddress,
        validators: initial,
        keyPool: keys,
        selection: { mode: "contract", contract, validatorsSlot: slot0 },
      });
      await upstream("evm_mine", []);
      await setValidators([...initial, v4]);
      await upstream("evm_mine", []);
      await upstream("evm_mine", []);
      const trust = await contractNode.trustAt(pinned);
      assert.deepEqual(trust.validators, sorted(initial));
      const { checkpoint, blocks } = await syncQbftHeaders(trust, contractNode.request);
      assert.deepEqual(checkpoint.validators, sorted(keys));
      assert.equal(blocks.at(-1)!.sealers.length, 4, "the last block is sealed by 4 of the 5 the contract lists");

      const n = pinned + 1n;
      const tag = toHex(n);
      const slots = validatorContractSlots(slot0, 4);
      const proof = (await contractNode.request("eth_getProof", [contract, slots, tag])) as { storageProof: { value: Hex; proof: Hex[] }[] };
      const header = await contractNode.header(n);
      walkQbftHeaders(trust, [{ header, validatorProof: proof }]);
      const tampered = JSON.parse(JSON.stringify(proof)) as typeof proof;
      tampered.storageProof[2]!.value = `0x${outsider.address.slice(2)}`;
      refuses(() => walkQbftHeaders(trust, [{ header, validatorProof: tampered }]), "storage-proof", "headers[0].validatorProof.storageProof[2].value");
      refuses(() => walkQbftHeaders(trust, [{ header }]), "validator-proof", "headers[0].validatorProof");
      const listed = sealQbftHeader(header, { listedValidators: sorted(initial), sealers: initial, proposer: v0.address });
      refuses(() => walkQbftHeaders(trust, [{ header: listed, validatorProof: proof }]), "validators", "headers[0].extraData.validators");
      assert.equal(bytesToHex(header.parentHash), trust.block.hash);
    });
  });
});
