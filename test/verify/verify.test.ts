import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp } from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { JsonRpcProvider, Wallet } from "ethers";
import { MerkleTree } from "merkletreejs";
import { decodeFunctionResult, encodeFunctionData, keccak256 } from "viem";
import { fromEthers } from "../../src/chain/ethers.js";
import { encodeAnchor, readAnchor, readOrganisation, registerOrganisation } from "../../src/chain/registry.js";
import { provenanceRegistryAbi } from "../../src/chain/registryArtifact.js";
import { sendAndWait } from "../../src/chain/transactions.js";
import type { ChainWriter } from "../../src/chain/types.js";
import { connectReader, connectWriter } from "../../src/chain/connect.js";
import type { EmbeddedChain } from "../../src/chain/embeddedChain.js";
import { ChainError } from "../../src/core/errors/chain.js";
import { InputError } from "../../src/core/errors/input.js";
import { VerificationError, type VerificationCheck } from "../../src/core/errors/verification.js";
import type { Hex } from "../../src/core/hex.js";
import { addRecord, anchorBatches, buildReceipt, sealBatch } from "../../src/ledger/ledger.js";
import { LEAF_ENCODING } from "../../src/merkle/leaf.js";
import type { Receipt } from "../../src/formats/receipt.js";
import { createRecord, parseRecord, recordHash, subjectDigest } from "../../src/formats/record.js";
import { LedgerStore } from "../../src/ledger/store/ledgerStore.js";
import { artifactFromDigest } from "../../src/verify/artifact.js";
import { verifyReceipt, type VerifyReceiptParameters } from "../../src/verify/verifyReceipt.js";
import { rpcCall } from "../helpers/localNode.js";
import { startRegistryChain } from "../helpers/registryChain.js";

const SECOND_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"; // Hardhat account #1

let chain: EmbeddedChain;
let writer: ChainWriter;
let registry: Hex;
let orgId: number;
let store: LedgerStore;
let receipt: Receipt;
let modelSha256: string;

const sha = () => randomBytes(32).toString("hex");
const flip = (hex: Hex): Hex => `0x${hex.slice(2, -1)}${hex.endsWith("0") ? "1" : "0"}`;

function record(name: string, sha256 = sha()) {
  return createRecord({ subject: { name, version: "1.0.0", digest: { sha256 }, artifact: { kind: "file", hashing: "sha256", size: 1, files: 1 } } });
}

async function expectCheck(check: VerificationCheck, overrides: Partial<VerifyReceiptParameters>): Promise<VerificationError> {
  const error = await verifyReceipt(params(overrides)).then(
    () => assert.fail(`expected check "${check}" to fail, but the receipt verified`),
    (e: unknown) => e,
  );
  assert.ok(error instanceof VerificationError, `expected a VerificationError, got ${error}`);
  assert.equal(error.check, check, error.message);
  return error;
}

function params(overrides: Partial<VerifyReceiptParameters> = {}): VerifyReceiptParameters {
  return { receipt, chain: connectReader(chain.rpcUrl, 10_000), chainId: 31337, registry, acceptedOrgIds: [orgId], artifactSha256: modelSha256, ...overrides };
}

const rpc = (method: string, params: unknown[] = []): Promise<unknown> => rpcCall(chain.rpcUrl, method, params);

before(async () => {
  ({ chain, writer, registry, orgId } = await startRegistryChain("Test Lab", 10_000));
  store = LedgerStore.open(await mkdtemp(join(tmpdir(), "provenance-verify-")));
  modelSha256 = sha();
  addRecord(store, record("acme/model", modelSha256));
  for (let i = 0; i < 6; i++) addRecord(store, record(`acme/other-${i}`));
  sealBatch(store);
  await anchorBatches(store, writer, { registry, orgId });
  receipt = buildReceipt(store, modelSha256);
});

after(async () => {
  store?.close();
  await chain?.close();
});

/** Runs `run` on a fresh ledger store in a new folder `<prefix>…` under the system's temporary folder, and closes it. */
async function withLocalStore(prefix: string, run: (store: LedgerStore) => Promise<void>): Promise<void> {
  const store = LedgerStore.open(await mkdtemp(join(tmpdir(), prefix)));
  try {
    await run(store);
  } finally {
    store.close();
  }
}

describe("verifyReceipt", () => {
  it("default: a genuine receipt verifies, every field read from the chain", async () => {
    const result = await verifyReceipt(params());
    assert.deepEqual(result.checks, [
      "hashing-version",
      "artifact-digest",
      "record-leaf",
      "proof-root",
      "chain-id",
      "registry",
      "anchor-root",
      "anchor-transaction",
      "anchor-block",
      "organisation",
      "confirmations",
    ]);
    assert.equal(result.organisation.name, "Test Lab");
    assert.equal(result.blockNumber, receipt.anchor.blockNumber);
    assert.equal(result.sequence, 1);
    assert.equal(receipt.batch.leafCount, 7);
    assert.ok([2, 3].includes(receipt.proof.length), `a leaf of a 7-leaf tree is 2 or 3 levels deep (where it sorts decides), got ${receipt.proof.length}`);
  });

  it("behavior: files the verifier hashed are checked for digest and kind; a supplied digest is reported as digest-only", async () => {
    const files = await verifyReceipt(params({ artifactSha256: undefined, artifact: { checked: "files", kind: "file", sha256: modelSha256 } }));
    assert.deepEqual(files.artifact, { checked: "files", kind: "file", sha256: modelSha256 });
    assert.ok(files.checks.includes("artifact-kind"));
    const digestOnly = await verifyReceipt(params({ artifactSha256: undefined, artifact: artifactFromDigest(`sha256:${modelSha256}`) }));
    assert.deepEqual(digestOnly.artifact, { checked: "digest-only", sha256: modelSha256 });
    assert.ok(!digestOnly.checks.includes("artifact-kind"));
    assert.deepEqual((await verifyReceipt(params())).artifact, { checked: "digest-only", sha256: modelSha256 }, "artifactSha256 is a supplied digest");
    assert.deepEqual((await verifyReceipt(params({ artifactSha256: undefined }))).artifact, { checked: "none" });
  });

  it("error: artifact-kind when a directory has the digest of a record about a file (a directory never verifies as a file)", async () => {
    const e = await expectCheck("artifact-kind", { artifactSha256: undefined, artifact: { checked: "files", kind: "directory", sha256: modelSha256 } });
    assert.match(e.message, /about a file .*but the artifact is a directory/);
  });

  it("error: hashing-version when the subject is the v1 digest of the directory the verifier hashed", async () => {
    const e = await expectCheck("hashing-version", {
      artifactSha256: undefined,
      artifact: { checked: "files", kind: "directory", sha256: sha(), v1Sha256: modelSha256 },
    });
    assert.match(e.message, /model hashing v1 digest .*re-attest/);
  });

  it("error: artifact-digest names the supplied digest when digest-only does not match", async () => {
    const e = await expectCheck("artifact-digest", { artifactSha256: undefined, artifact: artifactFromDigest(`sha256:${"00".repeat(32)}`) });
    assert.match(e.message, /the supplied digest sha256:0{64} does not match/);
  });

  it("error: give artifact or artifactSha256, not both", async () => {
    await assert.rejects(
      verifyReceipt(params({ artifact: artifactFromDigest(`sha256:${modelSha256}`) })),
      (e: unknown) => e instanceof InputError && /not both/.test(e.message),
    );
  });

  it("behavior: the receipt's proof verifies unchanged with MerkleProof.sol, @openzeppelin/merkle-tree and merkletreejs", async () => {
    const value = [subjectDigest(receipt.record!), recordHash(receipt.record!)];
    assert.equal(StandardMerkleTree.verify(receipt.root, [...LEAF_ENCODING], value, [...receipt.proof]), true);
    const keccak = (data: Buffer) => Buffer.from(keccak256(data).slice(2), "hex");
    assert.equal(new MerkleTree([], keccak, { sortPairs: true }).verify([...receipt.proof], receipt.leaf, receipt.root), true);
    const data = encodeFunctionData({
      abi: provenanceRegistryAbi,
      functionName: "verifyRecordBy",
      args: [orgId, receipt.root, [...receipt.proof], value[0] as Hex, value[1] as Hex],
    });
    const onChain = decodeFunctionResult({ abi: provenanceRegistryAbi, functionName: "verifyRecordBy", data: await writer.call({ to: registry, data }) });
    assert.equal(onChain, true);
    const tampered = encodeFunctionData({
      abi: provenanceRegistryAbi,
      functionName: "verifyRecordBy",
      args: [orgId, receipt.root, [flip(receipt.proof[0]!), ...receipt.proof.slice(1)], value[0] as Hex, value[1] as Hex],
    });
    assert.equal(
      decodeFunctionResult({ abi: provenanceRegistryAbi, functionName: "verifyRecordBy", data: await writer.call({ to: registry, data: tampered }) }),
      false,
    );
  });

  it("error: artifact-digest when the artifact differs from the record", async () => void (await expectCheck("artifact-digest", { artifactSha256: sha() })));
  it("error: record-leaf when the record was edited", async () => {
    await expectCheck("record-leaf", {
      receipt: { ...receipt, record: { ...receipt.record!, subject: { ...receipt.record!.subject, version: "9.9.9" } } } as Receipt,
      artifactSha256: undefined,
    });
  });
  it("error: record-leaf when one byte of the leaf changed", async () =>
    void (await expectCheck("record-leaf", { receipt: { ...receipt, leaf: flip(receipt.leaf) } })));
  it("error: proof-root when any proof element changed", async () => {
    for (let i = 0; i < receipt.proof.length; i++) {
      const proof = receipt.proof.map((p, j) => (j === i ? flip(p) : p));
      await expectCheck("proof-root", { receipt: { ...receipt, proof } });
    }
  });
  it("error: proof-root when the root changed", async () => void (await expectCheck("proof-root", { receipt: { ...receipt, root: flip(receipt.root) } })));
  it("error: chain-id when the verifier pinned another chain", async () => void (await expectCheck("chain-id", { chainId: 1 })));
  it("error: chain-id when the receipt claims another chain than the pinned one", async () =>
    void (await expectCheck("chain-id", { receipt: { ...receipt, anchor: { ...receipt.anchor, chainId: 5 } } })));
  it("error: registry when the verifier pinned another registry", async () =>
    void (await expectCheck("registry", { registry: "0x000000000000000000000000000000000000dEaD" })));
  it("error: anchor-root when the root was never anchored", async () => {
    // A self-consistent receipt (leaf, proof and root all agree) for a batch nobody anchored.
    const fake = [record("fake/a"), record("fake/b")];
    const tree = StandardMerkleTree.of(
      fake.map((r) => [subjectDigest(r), recordHash(r)]),
      [...LEAF_ENCODING],
    );
    const forged: Receipt = {
      ...receipt,
      record: fake[0]!,
      envelope: undefined as never,
      leaf: tree.leafHash([subjectDigest(fake[0]!), recordHash(fake[0]!)]) as Hex,
      proof: tree.getProof(0) as Hex[],
      root: tree.root as Hex,
    };
    const e = await expectCheck("anchor-root", { receipt: forged, artifactSha256: undefined });
    assert.match(e.message, /not anchored/);
  });
  it("error: anchor-root when the receipt lies about the sequence or leaf count", async () => {
    await expectCheck("anchor-root", { receipt: { ...receipt, anchor: { ...receipt.anchor, sequence: 2 } } });
    await expectCheck("anchor-root", { receipt: { ...receipt, batch: { ...receipt.batch, leafCount: 8 } } });
  });
  it("error: anchor-transaction when the transaction is not found or is another one", async () => {
    await expectCheck("anchor-transaction", { receipt: { ...receipt, anchor: { ...receipt.anchor, txHash: flip(receipt.anchor.txHash) } } });
    await expectCheck("anchor-transaction", { receipt: { ...receipt, anchor: { ...receipt.anchor, blockHash: flip(receipt.anchor.blockHash) } } });
    await expectCheck("anchor-transaction", { receipt: { ...receipt, batch: { ...receipt.batch, metadataHash: flip(receipt.batch.metadataHash) } } });
  });
  it("error: anchor-root when the timestamp is wrong", async () =>
    void (await expectCheck("anchor-root", { receipt: { ...receipt, anchor: { ...receipt.anchor, timestamp: receipt.anchor.timestamp + 1 } } })));
  it("error: organisation when the verifier does not accept the anchoring organisation", async () =>
    void (await expectCheck("organisation", { acceptedOrgIds: [orgId + 1] })));
  it("behavior: attack — a root pre-anchored by another organisation: the rightful anchor succeeds and verifies as the rightful organisation's only", async () => {
    // The squatter (an organisation whose anchorer learned the root before it was anchored) anchors it first.
    const squatter = (await registerOrganisation(writer, registry, { name: "Squatter" })).orgId;
    await withLocalStore("provenance-squat-", async (local) => {
      const digest = sha();
      addRecord(local, record("squat/model", digest));
      addRecord(local, record("squat/other"));
      const batch = sealBatch(local)!;
      const squat = await sendAndWait(
        writer,
        { to: registry, data: encodeAnchor({ orgId: squatter, root: batch.root, leafCount: batch.leafCount, metadataHash: batch.metadataHash }) },
        {},
      );
      assert.equal(await readAnchor(writer, registry, orgId, batch.root), null, "the squatter's anchor is not ours");

      // The rightful organisation's anchor still succeeds, and its receipt verifies as its own.
      const [anchored] = await anchorBatches(local, writer, { registry, orgId });
      assert.equal(anchored!.anchor!.orgId, orgId);
      assert.notEqual(anchored!.anchor!.txHash, squat.transactionHash, "our own transaction, not the squatter's adopted");
      const genuine = buildReceipt(local, digest);
      const result = await verifyReceipt(params({ receipt: genuine, artifactSha256: digest }));
      assert.equal(result.organisation.id, orgId);

      // The squatter's anchor, dressed as a receipt: it verifies as the squatter's at most, never as ours.
      const squatBlock = (await writer.getBlock(squat.blockNumber))!;
      const squatAnchor = (await readAnchor(writer, registry, squatter, batch.root))!;
      const asSquatter: Receipt = {
        ...genuine,
        anchor: {
          ...genuine.anchor,
          orgId: squatter,
          sequence: squatAnchor.sequence,
          txHash: squat.transactionHash,
          blockNumber: Number(squat.blockNumber),
          blockHash: squat.blockHash,
          timestamp: Number(squatBlock.timestamp),
        },
      };
      await expectCheck("organisation", { receipt: asSquatter, artifactSha256: digest });
      assert.equal((await verifyReceipt(params({ receipt: asSquatter, artifactSha256: digest, acceptedOrgIds: undefined }))).organisation.id, squatter);
      // Relabelling our receipt with the squatter's organisation, or the squatter's anchor with ours, fails.
      await expectCheck("anchor-root", {
        receipt: { ...genuine, anchor: { ...genuine.anchor, orgId: squatter } },
        artifactSha256: digest,
        acceptedOrgIds: undefined,
      });
      await expectCheck("anchor-root", { receipt: { ...asSquatter, anchor: { ...asSquatter.anchor, orgId } }, artifactSha256: digest });
    });
  });
  it("error: anchor-root when only another organisation anchored the root", async () => {
    const squatter = (await registerOrganisation(writer, registry, { name: "Squatter 2" })).orgId;
    await withLocalStore("provenance-squat2-", async (local) => {
      const digest = sha();
      addRecord(local, record("squat2/model", digest));
      const batch = sealBatch(local)!;
      await anchorBatches(local, writer, { registry, orgId: squatter });
      const theirs = buildReceipt(local, digest);
      // A receipt that claims our organisation for a root only the squatter anchored.
      const e = await expectCheck("anchor-root", { receipt: { ...theirs, anchor: { ...theirs.anchor, orgId } }, artifactSha256: digest });
      assert.match(e.message, new RegExp(`not anchored by organisation ${orgId}`));
      assert.equal(batch.root, theirs.root);
    });
  });
  it("error: confirmations until enough blocks are mined", async () => {
    const head = Number(await rpc("eth_blockNumber"));
    const needed = head - receipt.anchor.blockNumber + 3;
    await expectCheck("confirmations", { confirmations: needed });
    await rpc("hardhat_mine", ["0x2"]);
    assert.equal((await verifyReceipt(params({ confirmations: needed }))).confirmations, needed);
  });

  it("error: an unreachable RPC is a ChainError, never a verdict", async () => {
    const e = await verifyReceipt(params({ chain: connectReader("http://127.0.0.1:1", 2_000) })).catch((x: unknown) => x);
    assert.ok(e instanceof ChainError && e.code === "RPC_UNREACHABLE", String(e));
  });

  it("error: a node that never answers times out", async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const { port } = silent.address() as { port: number };
    try {
      const started = Date.now();
      const e = await verifyReceipt(params({ chain: connectReader(`http://127.0.0.1:${port}`, 500) })).catch((x: unknown) => x);
      assert.ok(e instanceof ChainError && e.code === "RPC_TIMEOUT", String(e));
      assert.ok(Date.now() - started < 10_000, "gave up in bounded time");
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });
});

describe("ethers v6 adapter", () => {
  it("default: anchors through an ethers Wallet and verifies through an ethers Provider, against the same registry", async () => {
    const provider = new JsonRpcProvider(chain.rpcUrl, undefined, { staticNetwork: true, cacheTimeout: -1 });
    const ethersWriter = await fromEthers({ provider, signer: new Wallet(SECOND_KEY, provider) });
    const second = (await registerOrganisation(writer, registry, { name: "Ethers Org", admin: ethersWriter.account, anchorers: [ethersWriter.account] })).orgId;
    const local = LedgerStore.open(await mkdtemp(join(tmpdir(), "provenance-ethers-")));
    try {
      const digest = sha();
      addRecord(local, record("ethers/model", digest));
      addRecord(local, record("ethers/other"));
      sealBatch(local);
      const [batch] = await anchorBatches(local, ethersWriter, { registry, orgId: second });
      assert.equal(batch!.anchor!.orgId, second);
      const r = buildReceipt(local, digest);
      const result = await verifyReceipt({
        receipt: r,
        chain: await fromEthers({ provider }),
        chainId: 31337,
        registry,
        acceptedOrgIds: [second],
        artifactSha256: digest,
      });
      assert.equal(result.organisation.name, "Ethers Org");
      // The viem reader agrees with the ethers reader.
      assert.equal((await verifyReceipt({ receipt: r, chain: connectReader(chain.rpcUrl, 5_000), chainId: 31337, registry })).txHash, result.txHash);
    } finally {
      local.close();
      provider.destroy();
    }
  });
});

describe("anchorBatches", () => {
  it("behavior: running it again anchors nothing twice", async () => {
    const before = (await readOrganisation(writer, registry, orgId))!.batchCount;
    assert.deepEqual(await anchorBatches(store, writer, { registry, orgId }), []);
    assert.equal((await readOrganisation(writer, registry, orgId))!.batchCount, before);
  });

  /** Seals a record `name` into a batch of `local` and persists a signed anchoring transaction for it (at `nonce`), not sent. */
  async function persistSignedAnchor(local: LedgerStore, name: string, nonce?: number) {
    addRecord(local, record(name));
    const batch = sealBatch(local)!;
    const data = encodeAnchor({ orgId, root: batch.root, leafCount: batch.leafCount, metadataHash: batch.metadataHash });
    const signed = await writer.signTransaction({ to: registry, data, ...(nonce === undefined ? {} : { nonce }) });
    local.markSubmitted(batch.id, { ...signed, chainId: 31337, registry, orgId });
    return signed;
  }

  it("behavior: after a crash between broadcast and bookkeeping, it finds the anchor on chain and sends nothing new", async () => {
    await withLocalStore("provenance-crash-", async (local) => {
      // What a process killed right after broadcasting leaves behind: a signed, sent, persisted transaction.
      const signed = await persistSignedAnchor(local, "crash/model");
      await writer.sendRawTransaction(signed.raw);
      const countBefore = (await readOrganisation(writer, registry, orgId))!.batchCount;
      const nonceBefore = await rpc("eth_getTransactionCount", [writer.account, "latest"]);
      const [anchored] = await anchorBatches(local, writer, { registry, orgId });
      assert.equal(anchored!.anchor!.txHash, signed.hash);
      assert.equal((await readOrganisation(writer, registry, orgId))!.batchCount, countBefore);
      assert.equal(await rpc("eth_getTransactionCount", [writer.account, "latest"]), nonceBefore, "no new transaction was sent");
    });
  });

  it("behavior: a signed transaction that never reached the node is rebroadcast byte for byte", async () => {
    await withLocalStore("provenance-crash2-", async (local) => {
      const signed = await persistSignedAnchor(local, "crash/unsent");
      const [anchored] = await anchorBatches(local, writer, { registry, orgId });
      assert.equal(anchored!.anchor!.txHash, signed.hash);
    });
  });

  it("behavior: a persisted transaction whose nonce another transaction took is signed anew, and the batch anchored once (the service's engine)", async () => {
    await withLocalStore("provenance-nonce-taken-", async (local) => {
      const nonce = Number(await rpc("eth_getTransactionCount", [writer.account, "pending"]));
      const signed = await persistSignedAnchor(local, "crash/nonce-taken", nonce);
      // Before it was broadcast, another transaction of the account took its nonce.
      const other = await writer.signTransaction({ to: writer.account, data: "0x", nonce });
      await writer.sendRawTransaction(other.raw);
      const countBefore = (await readOrganisation(writer, registry, orgId))!.batchCount;
      const [anchored] = await anchorBatches(local, writer, { registry, orgId });
      assert.notEqual(anchored!.anchor!.txHash, signed.hash, "the transaction whose nonce was taken can never be mined");
      assert.equal((await readOrganisation(writer, registry, orgId))!.batchCount, countBefore + 1);
      assert.equal(local.batchesNotAnchored().length, 0);
    });
  });

  it("error: an account that is not an anchorer of the organisation is refused by name", async () => {
    const outsider = await connectWriter(chain.rpcUrl, SECOND_KEY, 10_000);
    await withLocalStore("provenance-outsider-", async (local) => {
      addRecord(local, record("outsider/model"));
      sealBatch(local);
      const e = await anchorBatches(local, outsider, { registry, orgId }).catch((x: unknown) => x);
      assert.ok(e instanceof ChainError && e.revertName === "ProvenanceRegistryUnauthorizedAnchorer", String(e));
      assert.equal(local.batchesNotAnchored().length, 1, "the batch stays pending for a later, authorised run");
    });
  });
});

// Last: it anchors a batch of its own.
describe("verifyReceipt of a v1 record", () => {
  it("error: hashing-version for an anchored provenance-record-v1 receipt, with or without an artifact, before any chain access", async () => {
    const v1 = parseRecord({
      format: "provenance-record-v1",
      type: "model-registered",
      subject: { name: "acme/legacy", version: "1", digest: { sha256: sha() } },
      createdAt: "2026-11-24T00:00:00.000Z",
    });
    const { stored } = addRecord(store, v1);
    sealBatch(store);
    await anchorBatches(store, writer, { registry, orgId });
    const legacy = buildReceipt(store, stored.recordHash);
    for (const overrides of [{ artifactSha256: undefined }, { artifactSha256: v1.subject.digest.sha256 }]) {
      const e = await expectCheck("hashing-version", { receipt: legacy, ...overrides });
      assert.match(e.message, /provenance-record-v1 is model hashing v1.*re-record/);
    }
    await expectCheck("hashing-version", { receipt: legacy, artifactSha256: undefined, chain: connectReader("http://127.0.0.1:1", 1000) });
  });
});
