// The lying-node suite (issue 12): a JSON-RPC front over the QBFT test node that forges one fact per
// case. In `rpc` mode the verifier trusts the node, so every lie goes through (VERIFIED, or a
// revocation hidden: documented in docs/trust-model.md); in `light` mode every lie is refused with
// a named check. The honest front runs the whole genuine pipeline's bundle in light mode.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Abi, createPublicClient, custom, decodeFunctionData, decodeFunctionResult, encodeFunctionResult } from "viem";
import { onChainKeyId } from "../../src/formats/attestation/publicKeys.js";
import { parseBundle } from "../../src/formats/bundle.js";
import { verifyBundle } from "../../src/verify/verifyBundle.js";
import { createLightChainReader } from "../../src/verify/lightclient/lightReader.js";
import { isAnchorer, readAnchor, readOrganisation, registerOrganisation, revokeSigningKey, revokeSubject } from "../../src/chain/registry.js";
import { provenanceRegistryAbi } from "../../src/chain/registryArtifact.js";
import type { JsonRpcTransport } from "../../src/chain/trustMode.js";
import { fromViem } from "../../src/chain/viem.js";
import { LightClientError, type LightClientCheck } from "../../src/core/errors/lightClient.js";
import { VerificationError } from "../../src/core/errors/verification.js";
import type { Hex } from "../../src/core/hex.js";
import { anchorSlot, revocationSlot, signingKeySlot } from "../../src/verify/lightclient/registrySlots.js";
import type { QbftTrust } from "../../src/verify/lightclient/trustFile.js";
import { testValidators } from "../helpers/qbftSealer.js";
import { type QbftTestNode, startQbftTestNode } from "../helpers/qbftTestNode.js";
import type { GenuineEvidence } from "../helpers/genuineEvidence.js";
import { createQbftEvidence } from "../helpers/qbftEvidence.js";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../src/cli/main.js";
import { serializeQbftTrust } from "../../src/verify/lightclient/trustFile.js";

const abi = provenanceRegistryAbi as Abi;
let evidence: GenuineEvidence;
let node: QbftTestNode;
let trust: QbftTrust;
let upstream: JsonRpcTransport;
let nodeUrl: string;

type Forge = (method: string, params: readonly unknown[], answer: () => Promise<unknown>) => Promise<unknown>;
/** A front that passes everything through `forge`. */
const lying =
  (base: JsonRpcTransport, forge: Forge): JsonRpcTransport =>
  ({ method, params = [] }) =>
    forge(method, params, () => base({ method, params }));
const frontOf =
  (n: QbftTestNode): JsonRpcTransport =>
  ({ method, params = [] }) =>
    n.request(method, params);
const rpcReader = (t: JsonRpcTransport) =>
  fromViem({ publicClient: createPublicClient({ transport: custom({ request: ({ method, params }) => t({ method, params }) }) }) });

/** Replaces the answer of one registry view call (rpc mode) by `result`. */
function forgeCall(functionName: string, result: (args: readonly unknown[], honest: Hex) => unknown): Forge {
  return async (method, params, answer) => {
    const honest = await answer();
    if (method !== "eth_call") return honest;
    const { functionName: called, args } = decodeFunctionData({
      abi,
      data: (params[0] as { data?: Hex; input?: Hex }).data ?? (params[0] as { input: Hex }).input,
    });
    if (called !== functionName) return honest;
    return encodeFunctionResult({ abi, functionName, result: result(args ?? [], honest as Hex) } as never);
  };
}
/** Replaces the value the node claims for a storage slot in eth_getProof (light mode: the proof nodes stay, the value lies). */
function forgeSlot(slot: Hex, value: bigint): Forge {
  return async (method, _params, answer) => {
    const honest = (await answer()) as { storageProof?: { key: Hex; value: Hex }[] };
    if (method !== "eth_getProof") return honest;
    return { ...honest, storageProof: honest.storageProof!.map((p) => (BigInt(p.key) === BigInt(slot) ? { ...p, value: `0x${value.toString(16)}` } : p)) };
  };
}
const both =
  (...forges: Forge[]): Forge =>
  (method, params, answer) =>
    forges.reduce<() => Promise<unknown>>((next, f) => () => f(method, params, next), answer)();

async function verifyIn(
  mode: "rpc" | "light",
  transport: JsonRpcTransport,
  bundleText = evidence.bundle,
  extra: { maxHeadAgeSeconds?: number; now?: number } = {},
) {
  const chain = mode === "rpc" ? rpcReader(transport) : createLightChainReader({ transport, trust, node: "the lying front" });
  return verifyBundle({ bundle: parseBundle(bundleText), chain, chainId: evidence.chain.chainId, registry: evidence.registry, ...extra });
}
async function refusedInLight(
  transport: JsonRpcTransport,
  check: LightClientCheck | "freshness",
  bundleText?: string,
  extra?: { maxHeadAgeSeconds?: number; now?: number },
) {
  await assert.rejects(verifyIn("light", transport, bundleText, extra), (error: unknown) => {
    assert.ok(error instanceof LightClientError || error instanceof VerificationError, `a named refusal, got ${String(error)}`);
    assert.equal(error.code, check, error.message);
    return true;
  });
}

before(async () => {
  // The whole pipeline (keys registered, attestations anchored, receipts taken) runs through the QBFT front;
  // blocks 2, 3 and 4 carry add votes for a fifth key: it joins the set by vote and seals from block 5 on.
  ({ evidence, node, nodeUrl, upstream, trust } = await createQbftEvidence());
});
after(async () => {
  await node?.close();
  await evidence?.close();
});

describe("light mode against the QBFT test node, and the lying-node suite", () => {
  it("default: the genuine pipeline's bundle (dataset, training, evaluation, two approvals, deployment) verifies in light mode; the set changed by vote on the way", async () => {
    const honest = frontOf(node);
    const chain = createLightChainReader({ transport: honest, trust, node: "the QBFT test node" });
    const result = await verifyBundle({
      bundle: parseBundle(evidence.bundle),
      chain,
      chainId: evidence.chain.chainId,
      registry: evidence.registry,
      maxHeadAgeSeconds: 3600,
    });
    assert.equal(result.verdict, "verified");
    const report = await chain.trustReport();
    assert.equal(report.trustMode, "light");
    if (report.trustMode !== "light") return;
    assert.equal(report.head.number, Number(await chain.getBlockNumber()));
    assert.equal(report.head.validators.length, 5, "the fifth validator joined by vote");
    assert.equal((await verifyIn("rpc", honest)).verdict, "verified");
  });

  it("default: the CLI's verify-bundle runs in light mode by default when given --qbft-trust, and names the mode and what it trusted (text and JSON); --trust-mode rpc says it trusted the node, and refuses --qbft-trust beside it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "light-cli-"));
    const bundleFile = join(dir, "bundle.json");
    const trustFile = join(dir, "validators.json");
    await writeFile(bundleFile, evidence.bundle);
    await writeFile(trustFile, serializeQbftTrust(trust));
    const run = async (...argv: string[]) => {
      let stdout = "";
      let stderr = "";
      const code = await main(argv, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
      return { code, stdout, stderr };
    };
    const common = ["verify-bundle", bundleFile, "--artifact", evidence.model.path, "--rpc", nodeUrl, "--registry", evidence.registry];
    const text = await run(...common, "--qbft-trust", trustFile);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^VERIFIED: genuine\/fine-tune/m);
    assert.match(text.stdout, /trust mode: light \(default: a QBFT validator trust is given\): trusted the QBFT validator set, not the node/);
    assert.match(text.stdout, /validators: 4 pinned .* block-header mode, from block 0/);
    assert.match(
      text.stdout,
      /head: block \d+ .* verified by walking \d+ header\(s\) from pinned block 0, each sealed by a quorum of the set in force \(5 validator\(s\) at the head\)/,
    );
    assert.match(text.stdout, /used only as a transport/);
    // The anchoring transaction's hash is the node's word (the transactions trie is not rebuilt): said where it is printed.
    assert.match(
      text.stdout,
      /\) in transaction 0x[0-9a-f]{64} \(transaction hash as the node reported it, NOT proven: the block and its BatchAnchored event are proven against the sealed header, the block's transaction list is not\)\n/,
    );
    assert.match(text.stdout, /every fact proven against it but transaction hashes \(as the node reported them, not proven\)/);
    const json = JSON.parse((await run(...common, "--qbft-trust", trustFile, "--json")).stdout) as {
      verified: boolean;
      trustMode: string;
      trusted: {
        chain: { trustMode: string; validators: string[]; head: { number: number } };
        maxHeadAge: { seconds: number };
        txHash: { proven: boolean; reportedBy: string };
      };
    };
    assert.equal(json.verified, true);
    assert.equal(json.trustMode, "light");
    assert.equal(json.trusted.txHash.proven, false);
    assert.equal(json.trusted.txHash.reportedBy, "node");
    assert.deepEqual(json.trusted.chain.validators, trust.validators);
    assert.equal(json.trusted.maxHeadAge.seconds, 3600);
    // verify (one receipt) says the same of its transaction hash.
    const receiptFile = join(dir, "record.receipt.json");
    await writeFile(receiptFile, evidence.recordReceipts[0]!);
    const digest = `sha256:${JSON.parse(evidence.recordReceipts[0]!).record.subject.digest.sha256}`;
    const one = ["verify", receiptFile, "--artifact-digest", digest, "--rpc", nodeUrl, "--registry", evidence.registry, "--qbft-trust", trustFile];
    const receiptText = await run(...one);
    assert.equal(receiptText.code, 3, receiptText.stderr);
    assert.match(receiptText.stdout, /^registered at block \d+ .* in transaction 0x[0-9a-f]{64} \(transaction hash as the node reported it, NOT proven: /m);
    assert.equal((JSON.parse((await run(...one, "--json")).stdout) as { trusted: { txHash: { proven: boolean } } }).trusted.txHash.proven, false);
    const rpc = await run(...common, "--trust-mode", "rpc", "--json");
    assert.equal((JSON.parse(rpc.stdout) as { trustMode: string }).trustMode, "rpc");
    assert.equal((JSON.parse(rpc.stdout) as { trusted: { txHash: { proven: boolean } } }).trusted.txHash.proven, false, "rpc mode proves nothing");
    // Validators given and a trust mode that does not use them contradict each other: refused, not dropped.
    for (const mode of ["rpc", "quorum"]) {
      const contradiction = await run(...common, "--qbft-trust", trustFile, "--trust-mode", mode);
      assert.equal(contradiction.code, 2, contradiction.stdout);
      assert.match(
        contradiction.stderr,
        new RegExp(
          `^error: --qbft-trust pins validators that only light mode uses, but the trust mode is ${mode} \\(--trust-mode\\): give one or the other\n$`,
        ),
      );
    }
    // A pins file (provenance-trust-v2) that embeds the validators selects light mode too.
    const pinsFile = join(dir, "trust.json");
    await writeFile(
      pinsFile,
      JSON.stringify({
        format: "provenance-trust-v2",
        chainId: trust.chainId,
        registry: evidence.registry,
        organisations: [evidence.orgId],
        rpc: nodeUrl,
        qbft: trust,
      }),
    );
    const pinned = await run("verify-bundle", bundleFile, "--artifact", evidence.model.path, "--trust", pinsFile, "--json");
    assert.equal((JSON.parse(pinned.stdout) as { trustMode: string }).trustMode, "light", pinned.stderr);
    // A head older than --max-head-age (here 1 s; resumed from a saved checkpoint): no revocation verdict, exit 1.
    // Its age is whole seconds of the wall clock since the head's timestamp: a fast run gets here within a second
    // of the last block, so wait until the head is at least 2 s old.
    const head = (await upstream({ method: "eth_getBlockByNumber", params: ["latest", false] })) as { timestamp: Hex };
    const wait = (Number(BigInt(head.timestamp)) + 2) * 1000 + 50 - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(wait, 5_000)));
    const liar = await run(...common, "--qbft-trust", trustFile, "--trust-mode", "light", "--checkpoint", trustFile, "--max-head-age", "1s");
    assert.equal(liar.code, 1);
    assert.match(liar.stderr, /NOT VERIFIED: check "freshness" failed/);
    // The refusal names what it trusted: the pinned validators (light mode), the node as a transport, the pins.
    assert.match(
      liar.stderr,
      /\n {2}trust mode: light \(--trust-mode\): trusted the QBFT validator set \(QBFT trust file .*validators\.json \(--qbft-trust\)\), not the node\n {2}node http:\/\/.* \(--rpc\): used only as a transport\n {2}pins: registry 0x[0-9a-f]{40} \(--registry\); chain \d+ \(default: the chain of the QBFT trust file .*\); any organisation/,
    );
    const quorum = await run(...common, "--trust-mode", "quorum");
    assert.equal(quorum.code, 2, "quorum is reserved, not silently rpc");
  });

  it("behavior: the light reader answers the registry's view functions as the node does (a long organisation name, an unknown organisation, a never-anchored root) and refuses what it cannot prove (unprovable, registry-code)", async () => {
    const longName = "A Laboratory With A Name Longer Than Thirty-Two Bytes, Stored Apart";
    const { orgId } = await registerOrganisation(evidence.writer, evidence.registry, { name: longName });
    const light = createLightChainReader({ transport: frontOf(node), trust });
    const rpc = rpcReader(frontOf(node));
    assert.deepEqual(await readOrganisation(light, evidence.registry, orgId), await readOrganisation(rpc, evidence.registry, orgId));
    assert.equal((await readOrganisation(light, evidence.registry, orgId))?.name, longName);
    assert.deepEqual(await readOrganisation(light, evidence.registry, evidence.orgId), await readOrganisation(rpc, evidence.registry, evidence.orgId));
    assert.equal(await readOrganisation(light, evidence.registry, 999), null);
    assert.equal(await readAnchor(light, evidence.registry, evidence.orgId, `0x${"42".repeat(32)}`), null);
    const unprovable = (e: unknown) => e instanceof LightClientError && e.check === "unprovable";
    await assert.rejects(isAnchorer(light, evidence.registry, evidence.orgId, evidence.writer.account), unprovable);
    await assert.rejects(light.getLogs({ address: evidence.registry, topics: [], fromBlock: 0n, toBlock: "latest" }), unprovable);
    await assert.rejects(light.call({ to: evidence.writer.account, data: "0x" }), unprovable);
    // Pinned at an address without ProvenanceRegistry's code, no storage is read with its layout.
    const elsewhere = createLightChainReader({ transport: frontOf(node), trust: { ...trust, registry: evidence.writer.account.toLowerCase() as Hex } });
    await assert.rejects(
      readAnchor(elsewhere, evidence.writer.account, 1, `0x${"42".repeat(32)}`),
      (e: unknown) => e instanceof LightClientError && e.check === "registry-code",
    );
  });

  it("error: anchorOf forged (a backdated registration: the receipt claims an earlier time) is VERIFIED in rpc mode, refused in light mode (storage-proof)", async () => {
    const receipt0 = parseBundle(evidence.bundle).receipts[0]!;
    const backdated = receipt0.anchor.timestamp - 365 * 86400;
    const bundleText = evidence.bundle.replaceAll(`"timestamp": ${receipt0.anchor.timestamp}`, `"timestamp": ${backdated}`);
    const rpcLie = both(
      forgeCall("anchorOf", (_args, honest) => ({ ...decodeAnchor(honest), timestamp: backdated })),
      async (method, _params, answer) => {
        const block = (await answer()) as Record<string, unknown> | null;
        if (method === "eth_getBlockByNumber" && block && BigInt(block.number as Hex) === BigInt(receipt0.anchor.blockNumber))
          return { ...block, timestamp: `0x${backdated.toString(16)}` };
        return block;
      },
    );
    const result = await verifyIn("rpc", lying(frontOf(node), rpcLie), bundleText);
    assert.equal(result.verdict, "verified");
    assert.equal(result.registration.timestamp, backdated, "rpc mode shows the forged registration time");
    // Light: the liar's anchor slot value (with the backdated timestamp) does not match the proof.
    const honestWord = await storageWord(anchorSlot(receipt0.anchor.orgId, receipt0.root));
    const forgedWord = (honestWord & ~(((1n << 40n) - 1n) << 144n)) | (BigInt(backdated) << 144n);
    await refusedInLight(lying(frontOf(node), forgeSlot(anchorSlot(receipt0.anchor.orgId, receipt0.root), forgedWord)), "storage-proof", bundleText);
    // The same liar as in rpc mode (it also backdates the block) is refused earlier, at the header walk.
    await refusedInLight(lying(frontOf(node), rpcLie), "timestamp", bundleText);
  });

  it("error: the transaction receipt forged (a transaction hash that does not exist answered with the real receipt) is VERIFIED in rpc mode, refused in light mode (receipt-proof)", async () => {
    const realTx = parseBundle(evidence.bundle).receipts[0]!.anchor.txHash;
    const fakeTx = `0x${"ab".repeat(32)}` as Hex;
    const bundleText = evidence.bundle.replaceAll(realTx, fakeTx);
    const lie: Forge = async (method, params, answer) => {
      if (method === "eth_getTransactionReceipt" && String(params[0]).toLowerCase() === fakeTx) {
        const real = (await frontOf(node)({ method, params: [realTx] })) as Record<string, unknown>;
        return { ...real, transactionHash: fakeTx };
      }
      return answer();
    };
    const result = await verifyIn("rpc", lying(frontOf(node), lie), bundleText);
    assert.equal(result.verdict, "verified");
    assert.equal(result.registration.txHash, fakeTx, "rpc mode names a transaction that never existed");
    await refusedInLight(lying(frontOf(node), lie), "receipt-proof", bundleText);
  });

  it("error: the BatchAnchored log forged (another metadata hash) is VERIFIED in rpc mode, refused in light mode (receipt-proof)", async () => {
    const receipt0 = parseBundle(evidence.bundle).receipts[0]!;
    const real = receipt0.batch.metadataHash.toLowerCase();
    const forged = `0x${"cd".repeat(32)}`;
    const bundleText = evidence.bundle.replaceAll(receipt0.batch.metadataHash, forged);
    const lie: Forge = async (method, _params, answer) => {
      const honest = await answer();
      if (method !== "eth_getTransactionReceipt" || honest === null) return honest;
      const r = honest as { logs: { data: Hex }[] };
      return { ...r, logs: r.logs.map((log) => ({ ...log, data: log.data.toLowerCase().replace(real.slice(2), forged.slice(2)) as Hex })) };
    };
    assert.equal((await verifyIn("rpc", lying(frontOf(node), lie), bundleText)).verdict, "verified");
    await refusedInLight(lying(frontOf(node), lie), "receipt-proof", bundleText);
  });

  it("error: a different chain with the same chain ID and registry address (other validators) is VERIFIED in rpc mode, refused in light mode (checkpoint: its blocks are not the pinned chain's)", async () => {
    const other = startQbftTestNode({
      upstream: (method, params) => upstream({ method, params }),
      chainId: evidence.chain.chainId,
      registry: evidence.registry,
      validators: testValidators(4, "attacker"),
      selection: { mode: "header" },
    });
    // The attacker's bundle names its own chain's blocks.
    let bundleText = evidence.bundle;
    for (const r of parseBundle(evidence.bundle).receipts) {
      const theirs = (await other.request("eth_getBlockByNumber", [`0x${r.anchor.blockNumber.toString(16)}`, false])) as { hash: Hex };
      bundleText = bundleText.replaceAll(r.anchor.blockHash, theirs.hash);
    }
    assert.equal((await verifyIn("rpc", frontOf(other), bundleText)).verdict, "verified");
    await refusedInLight(frontOf(other), "checkpoint", bundleText);
    // Pinned past the genesis it cannot reproduce, its headers carry seals of validators the verifier never pinned.
    const pinnedAt2 = await node.trustAt(2n);
    const chain = createLightChainReader({
      transport: lying(frontOf(other), async (method, params, answer) =>
        method === "eth_getBlockByNumber" && params[0] === "0x2" ? frontOf(node)({ method, params }) : answer(),
      ),
      trust: pinnedAt2,
    });
    await assert.rejects(
      chain.getBlockNumber(),
      (e: unknown) => e instanceof LightClientError && ["parent-hash", "validators", "commit-seal"].includes(e.check),
    );
  });

  it("error: signingKey forged (a key revocation hidden) passes in rpc mode, refused in light mode (storage-proof)", async () => {
    const keyId = onChainKeyId(evidence.keys.alice.keyid);
    await revokeSigningKey(evidence.writer, evidence.registry, { orgId: evidence.orgId, keyId });
    const slot = signingKeySlot(evidence.orgId, keyId);
    const rpcLie = forgeCall("signingKey", (_args, honest) => {
      const [role, algorithm, registeredAt, , possessionHash] = decodeSigningKey(honest);
      return [role, algorithm, registeredAt, 0n, possessionHash];
    });
    let seen = 0n;
    const spy: Forge = async (method, params, answer) => {
      const r = await answer();
      if (method === "eth_call") {
        const { functionName, args } = decodeFunctionData({ abi, data: (params[0] as { data: Hex }).data });
        if (functionName === "signingKey" && args?.[1] === keyId) seen = decodeSigningKey(r as Hex)[3];
      }
      return r;
    };
    assert.equal((await verifyIn("rpc", lying(frontOf(node), both(rpcLie, spy)))).verdict, "verified");
    assert.equal(seen, 0n, "rpc mode saw the key as never revoked");
    const honestWord = await storageWord(slot);
    // The liar's word: registeredAt and algorithm kept, revokedAt (bits 64..127) zeroed.
    await refusedInLight(lying(frontOf(node), forgeSlot(slot, honestWord & ~(((1n << 64n) - 1n) << 64n))), "storage-proof");
  });

  it("error: the revocation state forged (the model revoked on chain, the node says not) is VERIFIED in rpc mode, refused in light mode (storage-proof); the head replayed from before the revocation is refused for freshness", async () => {
    const beforeRevocation = BigInt((await upstream({ method: "eth_blockNumber" })) as Hex);
    // Two hours pass before the organisation revokes the model.
    await upstream({ method: "evm_increaseTime", params: [7200] });
    await revokeSubject(evidence.writer, evidence.registry, evidence.orgId, `0x${evidence.model.sha256}`, `0x${"00".repeat(32)}`);
    const head = (await upstream({ method: "eth_getBlockByNumber", params: ["latest", false] })) as { timestamp: Hex };
    const now = Number(BigInt(head.timestamp));
    assert.equal(
      (await verifyIn("light", frontOf(node), evidence.bundle, { maxHeadAgeSeconds: 3600, now })).verdict,
      "revoked",
      "the honest front: revoked, in light mode too",
    );

    const rpcLie = forgeCall("revocationOf", () => [false, 0n, `0x${"00".repeat(32)}`]);
    assert.equal((await verifyIn("rpc", lying(frontOf(node), rpcLie))).verdict, "verified", "rpc mode: the revocation is hidden");
    const slot = revocationSlot(evidence.orgId, `0x${evidence.model.sha256}`);
    await refusedInLight(lying(frontOf(node), forgeSlot(slot, 0n)), "storage-proof");

    // The head replayed: the node stops at the last block before the revocation.
    const old = `0x${beforeRevocation.toString(16)}`;
    const replay: Forge = async (method, params, answer) => {
      if (method === "eth_blockNumber") return old;
      if (method === "eth_getBlockByNumber" && (params[0] === "latest" || BigInt(params[0] as Hex) > beforeRevocation))
        return frontOf(node)({ method, params: [old, params[1]] });
      if (method === "eth_call" && params[1] === "latest") return frontOf(node)({ method, params: [params[0], old] });
      return answer();
    };
    assert.equal((await verifyIn("rpc", lying(frontOf(node), replay))).verdict, "verified", "rpc mode: the replayed head hides the revocation");
    await refusedInLight(lying(frontOf(node), replay), "freshness", evidence.bundle, { maxHeadAgeSeconds: 3600, now });
  });

  it("error: a block's transaction list that names one hash twice, or lists two hashes in another order than their receipts' indexes, is refused in light mode (receipt-proof), though the receipts still rebuild the verified receiptsRoot", async () => {
    // Two transfers mined in one block.
    const [from] = (await upstream({ method: "eth_accounts" })) as Hex[];
    const sent: Hex[] = [];
    await upstream({ method: "evm_setAutomine", params: [false] });
    try {
      for (const value of ["0x1", "0x2"]) sent.push((await upstream({ method: "eth_sendTransaction", params: [{ from, to: from, value }] })) as Hex);
      await upstream({ method: "evm_mine", params: [] });
    } finally {
      await upstream({ method: "evm_setAutomine", params: [true] });
    }
    const mined = (await upstream({ method: "eth_getTransactionReceipt", params: [sent[1]] })) as { blockNumber: Hex };
    const n = BigInt(mined.blockNumber);
    const at = `0x${n.toString(16)}`;
    const logsOfBlock = (transport: JsonRpcTransport) =>
      createLightChainReader({ transport, trust }).getLogs({ address: evidence.registry, topics: [], fromBlock: n, toBlock: n });
    const honest = (await frontOf(node)({ method: "eth_getBlockByNumber", params: [at, false] })) as { transactions: Hex[] };
    assert.deepEqual(honest.transactions, sent, "both transfers are in the block, in the order sent");
    assert.deepEqual(await logsOfBlock(frontOf(node)), [], "the honest list is accepted (transfers log nothing)");
    const listing =
      (list: (hashes: readonly Hex[]) => Hex[]): Forge =>
      async (method, params, answer) => {
        const block = await answer();
        return method === "eth_getBlockByNumber" && params[0] === at ? { ...(block as object), transactions: list(sent) } : block;
      };
    const refusedList = (transport: JsonRpcTransport, what: RegExp) =>
      assert.rejects(logsOfBlock(transport), (e: unknown) => {
        assert.ok(e instanceof LightClientError, String(e));
        assert.equal(e.check, "receipt-proof");
        assert.equal(e.field, `block ${n}.transactions`);
        assert.match(e.message, what);
        return true;
      });
    // Swapped: each receipt still says its own index, so the trie (built in index order) has the verified root.
    await refusedList(
      lying(
        frontOf(node),
        listing(([a, b]) => [b!, a!]),
      ),
      /at index 0, but its receipt says index 1/,
    );
    // Named twice: the node answers the one hash with each real receipt in turn.
    let asked = 0;
    const twice = both(
      listing(([a]) => [a!, a!]),
      async (method, params, answer) =>
        method === "eth_getTransactionReceipt" && String(params[0]).toLowerCase() === sent[0]!.toLowerCase()
          ? frontOf(node)({ method, params: [sent[asked++ % 2]] })
          : answer(),
    );
    await refusedList(lying(frontOf(node), twice), /lists transaction 0x[0-9a-f]{64} twice \(at 0 and 1\)/);
  });
});

function decodeAnchor(data: Hex) {
  return decodeFunctionResult({ abi, functionName: "anchorOf", data } as never) as {
    orgId: number;
    sequence: bigint;
    blockNumber: number;
    timestamp: number;
    leafCount: number;
  };
}
function decodeSigningKey(data: Hex) {
  return decodeFunctionResult({ abi, functionName: "signingKey", data } as never) as [Hex, number, bigint, bigint, Hex];
}
async function storageWord(slot: Hex): Promise<bigint> {
  return BigInt((await upstream({ method: "eth_getStorageAt", params: [evidence.registry, slot, "latest"] })) as Hex);
}
