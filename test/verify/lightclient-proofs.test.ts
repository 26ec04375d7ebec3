import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { network } from "hardhat";
import { createWalletClient, custom, decodeEventLog, getContract, keccak256 as viemKeccak256, toHex, type Address } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { ANVIL_MNEMONIC } from "../helpers/anvilNode.js";
import { KEY_ALGORITHM_CODES, proveKeyPossession } from "../../src/formats/attestation/keyPossession.js";
import { generateKeyFile, onChainKeyId, signerFromKeyFile } from "../../src/local/keys/keys.js";
import { provenanceRegistryAbi } from "../../src/chain/registryArtifact.js";
import { LightClientError, type LightClientCheck } from "../../src/core/errors/lightClient.js";
import { bytesToBigInt, bytesToHex, hexToBytes, type Hex } from "../../src/verify/lightclient/bytes.js";
import { headerFromRpc, plainBlockHash } from "../../src/verify/lightclient/header.js";
import { buildMpt, verifyMptProof } from "../../src/verify/lightclient/mpt.js";
import { buildReceiptsTrie, receiptFromRpc, receiptKey, verifyReceiptProof } from "../../src/verify/lightclient/receiptProof.js";
import {
  anchorSlot as registryAnchorSlot,
  decodeAnchorWord,
  decodeRevocationWord,
  decodeSigningKeyWord,
  nextSlot,
  revocationSlot,
  signingKeySlot,
} from "../../src/verify/lightclient/registrySlots.js";
import { verifyGetProof } from "../../src/verify/lightclient/stateProof.js";
import { assertLightClientRefusal as refuses } from "../helpers/refusals.js";

// A real chain (Hardhat's EDR in process) with the real registry: every proof below is what the node served.
const { viem, provider } = await network.create();
const publicClient = await viem.getPublicClient();
const [admin, orgAdmin, anchorer] = await viem.getWalletClients();
if (!admin || !orgAdmin || !anchorer) throw new Error("need 3 accounts");
// Signs locally (Hardhat's node-side signing ignores the transaction type), to mix EIP-2718 types in one block.
const localSigner = createWalletClient({
  account: mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: 0 }),
  chain: publicClient.chain,
  transport: custom(provider),
});
const rpc = (method: string, params: unknown[] = []): Promise<unknown> => provider.request({ method, params });

const { address: registryAddress } = await viem.deployContract("ProvenanceRegistry", [admin.account.address]);
const registry = getContract({ address: registryAddress, abi: provenanceRegistryAbi, client: { public: publicClient, wallet: admin } });
await publicClient.waitForTransactionReceipt({
  hash: await registry.write.registerOrganisation(["Org One", orgAdmin.account.address, [anchorer.account.address]]),
});

/** Several transactions of different EIP-2718 types in one block: a legacy transfer, two anchors (type 2), an access-list transfer. */
const roots = [viemKeccak256(toHex("root a")), viemKeccak256(toHex("root b"))];
const metadataHashes = [viemKeccak256(toHex("meta a")), viemKeccak256(toHex("meta b"))];
await rpc("evm_setAutomine", [false]);
const txHashes: Hex[] = [];
txHashes.push(await localSigner.sendTransaction({ to: orgAdmin.account.address, value: 1n, type: "legacy", gasPrice: 10n ** 11n }));
for (let i = 0; i < roots.length; i++) txHashes.push(await registry.write.anchor([1, roots[i]!, 10 + i, metadataHashes[i]!], { account: anchorer.account }));
txHashes.push(await localSigner.sendTransaction({ to: orgAdmin.account.address, value: 2n, type: "eip2930", accessList: [], gasPrice: 10n ** 9n }));
await rpc("evm_mine");
await rpc("evm_setAutomine", [true]);
const anchorReceipt = await publicClient.waitForTransactionReceipt({ hash: txHashes[2]! });
const blockHex = toHex(anchorReceipt.blockNumber);
const block = (await rpc("eth_getBlockByNumber", [blockHex, false])) as { hash: Hex; transactions: Hex[] };
const header = headerFromRpc(block);

const anchorSlot = (root: Hex): Hex => registryAnchorSlot(1, root);

/** A deep copy of a JSON answer, to tamper with. */
const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
/** Flips one bit of the byte at `index` of a hex node. */
function flipByte(hex: Hex, index: number): Hex {
  const bytes = hexToBytes(hex, "rlp", "test");
  bytes[index % bytes.length]! ^= 1;
  return bytesToHex(bytes);
}

describe("light client: state and receipt proofs (EDR)", () => {
  it("default: the header EDR serves hashes (keccak256 of its RLP) to the block hash", () => {
    assert.equal(bytesToHex(plainBlockHash(header)), block.hash);
    assert.equal(block.transactions.length, 4);
  });

  describe("state proofs", () => {
    it("default: proves a real anchor slot against the stateRoot, and the packed Anchor decodes to what anchorOf returns", async () => {
      const slot = anchorSlot(roots[1]!);
      const answer = await rpc("eth_getProof", [registryAddress, [slot], blockHex]);
      const { account, storage } = verifyGetProof(header.stateRoot, registryAddress, [slot], answer);
      assert.notEqual(bytesToHex(account.codeHash), bytesToHex(new Uint8Array(32)));
      const onChain = await registry.read.anchorOf([1, roots[1]!]);
      const proven = decodeAnchorWord(storage.get(slot)!);
      assert.deepEqual(proven, {
        orgId: onChain.orgId,
        sequence: onChain.sequence,
        blockNumber: BigInt(onChain.blockNumber),
        timestamp: BigInt(onChain.timestamp),
        leafCount: onChain.leafCount,
      });
      assert.equal(proven.sequence, 2n);
      assert.equal(proven.leafCount, 11);
      assert.equal(
        decodeAnchorWord(
          verifyGetProof(
            header.stateRoot,
            registryAddress,
            [registryAnchorSlot(2, roots[1]!)],
            await rpc("eth_getProof", [registryAddress, [registryAnchorSlot(2, roots[1]!)], blockHex]),
          ).storage.get(registryAnchorSlot(2, roots[1]!))!,
        ).orgId,
        0,
        "organisation 2 never anchored it",
      );
    });

    it("default: proves a signing key's registration and revocation and a subject's on-chain revocation, as the registry's getters report them", async () => {
      const key = generateKeyFile("secp256k1");
      const keyId = onChainKeyId(key.keyid);
      const possession = await proveKeyPossession(signerFromKeyFile(key), {
        chainId: await publicClient.getChainId(),
        registry: registryAddress,
        orgId: 1,
        role: viemKeccak256(toHex("role")),
      });
      const subject = viemKeccak256(toHex("a model"));
      const entryHash = viemKeccak256(toHex("the revocation entry"));
      const asOrgAdmin = getContract({ address: registryAddress, abi: provenanceRegistryAbi, client: { public: publicClient, wallet: orgAdmin } });
      await publicClient.waitForTransactionReceipt({
        hash: await asOrgAdmin.write.registerSigningKey([
          1,
          keyId,
          viemKeccak256(toHex("role")),
          KEY_ALGORITHM_CODES.secp256k1,
          possession.publicKey,
          possession.proof,
        ]),
      });
      await publicClient.waitForTransactionReceipt({ hash: await asOrgAdmin.write.revokeSigningKey([1, keyId]) });
      await publicClient.waitForTransactionReceipt({ hash: await asOrgAdmin.write.revokeSubject([1, subject, entryHash]) });
      const latest = headerFromRpc(await rpc("eth_getBlockByNumber", ["latest", false]));
      const slots = [signingKeySlot(1, keyId), nextSlot(signingKeySlot(1, keyId)), revocationSlot(1, subject), nextSlot(revocationSlot(1, subject))];
      const { storage } = verifyGetProof(latest.stateRoot, registryAddress, slots, await rpc("eth_getProof", [registryAddress, slots, toHex(latest.number)]));
      const [role, algorithm, registeredAt, revokedAt] = await registry.read.signingKey([1, keyId]);
      assert.deepEqual(decodeSigningKeyWord(storage.get(slots[0]!)!), { registeredAt, revokedAt, algorithm });
      assert.ok(revokedAt > 0n);
      assert.equal(bytesToHex(storage.get(slots[1]!)!), role);
      const [revoked, changedAt, revokedEntry] = await registry.read.revocationOf([1, subject]);
      assert.deepEqual(decodeRevocationWord(storage.get(slots[2]!)!), { revoked, changedAt });
      assert.equal(revoked, true);
      assert.equal(bytesToHex(storage.get(slots[3]!)!), revokedEntry);
    });

    it("behavior: a never-anchored root's slot proves as zero (a proof of absence), and an absent account proves empty", async () => {
      const slot = anchorSlot(viemKeccak256(toHex("never anchored")));
      const { storage } = verifyGetProof(header.stateRoot, registryAddress, [slot], await rpc("eth_getProof", [registryAddress, [slot], blockHex]));
      assert.equal(bytesToBigInt(storage.get(slot)!), 0n);
      const nobody: Address = "0x00000000000000000000000000000000000000aa";
      const { account } = verifyGetProof(header.stateRoot, nobody, [], await rpc("eth_getProof", [nobody, [], blockHex]));
      assert.equal(account.nonce, 0n);
      assert.equal(account.balance, 0n);
    });

    it("behavior: proves at a later block against that block's root (the anchor slot is permanent)", async () => {
      await rpc("evm_mine");
      const later = headerFromRpc(await rpc("eth_getBlockByNumber", ["latest", false]));
      const slot = anchorSlot(roots[0]!);
      const { storage } = verifyGetProof(later.stateRoot, registryAddress, [slot], await rpc("eth_getProof", [registryAddress, [slot], toHex(later.number)]));
      assert.equal(bytesToBigInt(storage.get(slot)!) & 0xffffffffn, 1n);
      refuses(() => verifyGetProof(header.stateRoot, registryAddress, [slot], null), "account-proof");
    });

    it("error: a tampered account node, storage node, reported value, storage hash, slot key or proof length is refused with a named check", async () => {
      const slot = anchorSlot(roots[0]!);
      type Answer = { accountProof: Hex[]; storageHash: Hex; balance: Hex; storageProof: { key: Hex; value: Hex; proof: Hex[] }[] };
      const answer = (await rpc("eth_getProof", [registryAddress, [slot], blockHex])) as Answer;
      const check = (tamper: (a: Answer) => void, expected: LightClientCheck, field: string): void => {
        const tampered = copy(answer);
        tamper(tampered);
        refuses(() => verifyGetProof(header.stateRoot, registryAddress, [slot], tampered), expected, field);
      };
      for (let i = 0; i < answer.accountProof.length; i++)
        check((a) => (a.accountProof[i] = flipByte(a.accountProof[i]!, 40)), "account-proof", `eth_getProof.accountProof[${i}]`);
      for (let i = 0; i < answer.storageProof[0]!.proof.length; i++)
        check((a) => (a.storageProof[0]!.proof[i] = flipByte(a.storageProof[0]!.proof[i]!, 40)), "storage-proof", `eth_getProof.storageProof[0].proof[${i}]`);
      check((a) => (a.storageProof[0]!.value = "0x1"), "storage-proof", "eth_getProof.storageProof[0].value");
      check((a) => (a.storageHash = `0x${"11".repeat(32)}`), "account-proof", "eth_getProof.storageHash");
      check((a) => (a.balance = "0x5"), "account-proof", "eth_getProof.balance");
      check((a) => (a.storageProof[0]!.key = anchorSlot(roots[1]!)), "storage-proof", "eth_getProof.storageProof[0].key");
      check((a) => a.storageProof[0]!.proof.pop(), "storage-proof", "eth_getProof.storageProof[0].proof");
      check((a) => a.accountProof.push(a.accountProof[0]!), "account-proof", "eth_getProof.accountProof");
      check((a) => (a.storageProof = []), "storage-proof", "eth_getProof.storageProof");
      // The proof of another slot, presented for ours: its nodes do not lead to our key.
      const other = (await rpc("eth_getProof", [registryAddress, [anchorSlot(roots[1]!)], blockHex])) as Answer;
      check((a) => (a.storageProof[0]!.proof = other.storageProof[0]!.proof), "storage-proof", "eth_getProof.storageProof[0]");
    });
  });

  describe("receipt proofs", () => {
    /** The block's receipts through eth_getTransactionReceipt (EDR has no eth_getBlockReceipts), parsed. */
    async function blockReceipts() {
      return Promise.all(block.transactions.map(async (hash, i) => receiptFromRpc(await rpc("eth_getTransactionReceipt", [hash]), `receipts[${i}]`)));
    }

    it("default: the trie rebuilt from the block's receipts (legacy, access-list and dynamic-fee) has the header's receiptsRoot", async () => {
      const receipts = await blockReceipts();
      assert.deepEqual(receipts.map((r) => r.type).sort(), [0, 1, 2, 2]);
      assert.equal(bytesToHex(buildReceiptsTrie(receipts).root), bytesToHex(header.receiptsRoot));
    });

    it("default: proves a real BatchAnchored log (metadata hash, previous root) against the verified receiptsRoot", async () => {
      const receipts = await blockReceipts();
      const trie = buildReceiptsTrie(receipts);
      const index = anchorReceipt.transactionIndex;
      const receipt = verifyReceiptProof(header.receiptsRoot, { transactionIndex: index, proof: trie.proof(receiptKey(index)) });
      assert.equal(receipt.status, 1);
      const log = receipt.logs.find((l) => l.address === registryAddress.toLowerCase());
      assert.ok(log, "the registry's log is in the proven receipt");
      const event = decodeEventLog({ abi: provenanceRegistryAbi, data: log.data, topics: log.topics as [Hex, ...Hex[]] });
      assert.equal(event.eventName, "BatchAnchored");
      const args = event.args as { orgId: number; sequence: bigint; root: Hex; previousRoot: Hex; leafCount: number; metadataHash: Hex };
      assert.equal(args.root, roots[1]);
      assert.equal(args.previousRoot, roots[0], "the previous-root link is proven");
      assert.equal(args.metadataHash, metadataHashes[1], "the metadata hash is proven");
      assert.equal(args.sequence, 2n);
    });

    it("error: a tampered node, a missing or extra node, another transaction's proof, or a proof against another root is refused", async () => {
      const trie = buildReceiptsTrie(await blockReceipts());
      const proof = trie.proof(receiptKey(1));
      for (let i = 0; i < proof.length; i++) {
        const tampered = proof.map((node) => new Uint8Array(node));
        tampered[i]![tampered[i]!.length - 5]! ^= 1;
        refuses(() => verifyReceiptProof(header.receiptsRoot, { transactionIndex: 1, proof: tampered }), "receipt-proof", `receiptProof.proof[${i}]`);
      }
      refuses(() => verifyReceiptProof(header.receiptsRoot, { transactionIndex: 1, proof: proof.slice(0, -1) }), "receipt-proof", "receiptProof.proof");
      refuses(() => verifyReceiptProof(header.receiptsRoot, { transactionIndex: 1, proof: [...proof, proof[0]!] }), "receipt-proof", "receiptProof.proof");
      refuses(() => verifyReceiptProof(header.receiptsRoot, { transactionIndex: 2, proof }), "receipt-proof", "receiptProof.proof");
      refuses(() => verifyReceiptProof(header.stateRoot, { transactionIndex: 1, proof }), "receipt-proof", "receiptProof.proof[0]");
      refuses(() => verifyReceiptProof(header.receiptsRoot, { transactionIndex: 9, proof }), "receipt-proof", "receiptProof.proof");
      refuses(() => verifyReceiptProof(header.receiptsRoot, { transactionIndex: -1, proof }), "receipt-proof", "receiptProof.transactionIndex");
    });
  });

  describe("the Merkle-Patricia verifier", () => {
    it("behavior: property: hexToBytes reads lower- and upper-case digits as Buffer does, and refuses odd lengths and non-digits", () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 80 }), fc.boolean(), (data, upper) => {
          const digits = Buffer.from(data).toString("hex");
          const hex = `0x${upper ? digits.toUpperCase() : digits}`;
          assert.deepEqual(hexToBytes(hex, "rlp", "test"), new Uint8Array(data));
        }),
      );
      for (const bad of ["0x0", "0xg0", "00", "0x0G", "0x\u00e9a"]) assert.throws(() => hexToBytes(bad, "rlp", "test"), LightClientError, bad);
    });

    it("behavior: property: every key of a built trie proves its value; a flipped bit in any proof node is refused", () => {
      fc.assert(
        fc.property(
          fc.uniqueArray(fc.uint8Array({ minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 40, selector: (k) => bytesToHex(k) }),
          fc.nat(),
          (keys, pick) => {
            // Keys of equal length, so none is a prefix of another (as in secure tries and receipt tries of a block).
            const fixed = keys.map((k) => {
              const out = new Uint8Array(6);
              out.set(k);
              return out;
            });
            const unique = [...new Map(fixed.map((k) => [bytesToHex(k), k])).values()];
            const entries = unique.map((k, i) => [k, new TextEncoder().encode(`value ${i} ${"x".repeat(i % 50)}`)] as const);
            const trie = buildMpt(entries);
            for (const [key, value] of entries) assert.deepEqual(verifyMptProof(trie.root, key, trie.proof(key), "storage-proof", "p"), value);
            const [key] = entries[pick % entries.length]!;
            const proof = trie.proof(key).map((n) => new Uint8Array(n));
            const node = proof[pick % proof.length]!;
            node[pick % node.length]! ^= 1 << (pick % 8);
            assert.throws(
              () => verifyMptProof(trie.root, key, proof, "storage-proof", "p"),
              (e: unknown) => e instanceof LightClientError,
            );
          },
        ),
        { numRuns: 60 },
      );
    });
  });
});
