import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import net from "node:net";
import { execFile } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import Ajv2020 from "ajv/dist/2020.js";
import { BUNDLE_V2_FORMAT, type EvidenceBundle, parseBundle, serializeBundle } from "../../src/formats/bundle.js";
import { embedOfflineKit, offlineChainReader } from "../../src/verify/offlineBundle.js";
import { verifyBundle } from "../../src/verify/verifyBundle.js";
import type { JsonRpcTransport } from "../../src/chain/trustMode.js";
import { InputError } from "../../src/core/errors/input.js";
import { LightClientError } from "../../src/core/errors/lightClient.js";
import { VerificationError } from "../../src/core/errors/verification.js";
import type { Hex } from "../../src/core/hex.js";
import { OFFLINE_KIT_FORMAT, type OfflineKit, parseOfflineKit, replayRequest } from "../../src/verify/lightclient/offlineKit.js";
import { type QbftTrust, parseQbftTrust, serializeQbftTrust } from "../../src/verify/lightclient/trustFile.js";
import { testValidators } from "../helpers/qbftSealer.js";
import type { QbftTestNode } from "../helpers/qbftTestNode.js";
import type { GenuineEvidence } from "../helpers/genuineEvidence.js";
import { createQbftEvidence } from "../helpers/qbftEvidence.js";
import { offlineBundleTarget, runVerifierFuzz } from "../helpers/verifierFuzz.js";
import { installSecp256k1Recover, secp256k1RecoverName } from "../../src/verify/lightclient/secp256k1.js";
import { installSecp256k1Recovery } from "../../src/formats/attestation/publicKeys.js";
import { installKeccak256 as installCoreKeccak256, keccak256Bytes } from "../../src/core/keccak.js";
import { installKeccak256 as installLightClientKeccak256 } from "../../src/verify/lightclient/bytes.js";

// The offline verifier kit: the genuine pipeline runs through the QBFT test node, `embedOfflineKit`
// records the light verification's answers into a v2 bundle, and the bundle then verifies with no
// transport at all (sockets and fetch made to fail, and watched). Every change to a header, a seal,
// a proof or a receipt in the kit is refused by the light client's checks.

const VECTOR = new URL("../vectors/offline-kit-v1.json", import.meta.url);
let evidence: GenuineEvidence;
let node: QbftTestNode;
let trust: QbftTrust;
let offline: EvidenceBundle;

before(async () => {
  ({ evidence, node, trust } = await createQbftEvidence());
  const front: JsonRpcTransport = ({ method, params = [] }) => node.request(method, params);
  offline = (await embedOfflineKit({ bundle: parseBundle(evidence.bundle), transport: front, trust })).bundle;
  // Frozen once (PROVENANCE_FREEZE_VECTORS=1): the kit of a real run, its trust and the verdict it must keep giving.
  if (process.env.PROVENANCE_FREEZE_VECTORS === "1" || !existsSync(VECTOR)) {
    const verified = await verifyBundle({
      bundle: offline,
      chain: offlineChainReader({ bundle: offline, trust }),
      chainId: trust.chainId,
      registry: trust.registry,
    });
    const expected = {
      verdict: verified.verdict,
      model: verified.model,
      asOf: verified.revocation.checkedAt,
      registration: { organisation: verified.registration.organisation, blockNumber: verified.registration.blockNumber },
    };
    writeFileSync(
      VECTOR,
      `${JSON.stringify({ description: "A v2 bundle with its offline kit (provenance-offline-kit-v1), recorded from the QBFT test node; the validator trust a verifier pins; the verdict it gives offline.", trust: JSON.parse(serializeQbftTrust(trust)), bundle: offline, expected }, null, 2)}\n`,
    );
  }
});
after(async () => {
  await node?.close();
  await evidence?.close();
});

/** Runs `run` with every way out of the process refused and watched: net sockets, fetch. */
async function withNetworkDisabled<T>(run: () => Promise<T>): Promise<{ result: T; attempts: string[] }> {
  const attempts: string[] = [];
  const connect = net.Socket.prototype.connect;
  const originalFetch = globalThis.fetch;
  net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
    attempts.push(`socket ${JSON.stringify(args[0])}`);
    throw new Error("network disabled");
  } as typeof connect;
  globalThis.fetch = (async (input: unknown) => {
    attempts.push(`fetch ${String(input)}`);
    throw new Error("network disabled");
  }) as typeof fetch;
  try {
    return { result: await run(), attempts };
  } finally {
    net.Socket.prototype.connect = connect;
    globalThis.fetch = originalFetch;
  }
}

const verifyOffline = (bundle: EvidenceBundle, pinned: QbftTrust = trust) =>
  verifyBundle({ bundle, chain: offlineChainReader({ bundle, trust: pinned }), chainId: pinned.chainId, registry: pinned.registry });

/** `bundle` with `mutate` applied to a copy of its kit. */
function withKit(mutate: (kit: { answers: { method: string; params: unknown[]; result: any }[] }) => void): EvidenceBundle {
  const kit = structuredClone(offline.offlineKit!) as unknown as { answers: { method: string; params: unknown[]; result: any }[] };
  mutate(kit);
  return { ...offline, offlineKit: kit as unknown as OfflineKit };
}

async function refused(bundle: EvidenceBundle, what: string): Promise<string> {
  const error = await verifyOffline(bundle).then(
    () => assert.fail(`${what}: verified`),
    (e: unknown) => e,
  );
  assert.ok(error instanceof LightClientError || error instanceof VerificationError, `${what}: a named refusal, got ${String(error)}`);
  return error.code;
}

const flipHex = (hex: string, at: number): string => {
  const i = Math.min(Math.max(2, at), hex.length - 1);
  return `${hex.slice(0, i)}${hex[i] === "0" ? "1" : "0"}${hex.slice(i + 1)}`;
};
const headerAnswers = (kit: { answers: { method: string; result: any }[] }) =>
  kit.answers.filter((a) => a.method === "eth_getBlockByNumber" && a.result !== null);

describe("offline verifier kit (bundle v2, provenance-offline-kit-v1)", () => {
  it("behavior: replay hands out each recorded answer itself, frozen all the way down (not a copy per question), however deep or wide; any other question is refused", async () => {
    let deep: unknown = "0x1";
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const wide = Array.from({ length: 200_000 }, (_, i) => ({ i }));
    const kit = {
      format: OFFLINE_KIT_FORMAT,
      answers: [
        { method: "eth_getProof", params: ["0x1"], result: deep },
        { method: "eth_getProof", params: ["0x2"], result: wide },
      ],
    };
    const request = replayRequest(kit as OfflineKit);
    const first = await request({ method: "eth_getProof", params: ["0x1"] });
    assert.equal(first, deep, "the recorded answer itself");
    assert.equal(await request({ method: "eth_getProof", params: ["0x1"] }), first);
    let inner: unknown = first;
    while (Array.isArray(inner)) {
      assert.ok(Object.isFrozen(inner));
      inner = inner[0];
    }
    const answer = (await request({ method: "eth_getProof", params: ["0x2"] })) as { i: number }[];
    assert.ok(Object.isFrozen(answer) && Object.isFrozen(answer[199_999]));
    assert.throws(() => {
      (answer[0] as { i: number }).i = 1;
    }, TypeError);
    await assert.rejects(request({ method: "eth_getProof", params: ["0x3"] }), (e: unknown) => e instanceof LightClientError && e.check === "offline-kit");
  });

  it("default: the bundle verifies offline with no network at all (no socket, no fetch), as of the kit's verified head", async () => {
    assert.equal(offline.format, BUNDLE_V2_FORMAT);
    const reparsed = parseBundle(serializeBundle(offline));
    const { result, attempts } = await withNetworkDisabled(() => verifyOffline(reparsed));
    assert.deepEqual(attempts, [], "nothing tried to reach a network");
    assert.equal(result.verdict, "verified");
    const head = headerAnswers(offline.offlineKit as never)
      .map((a) => Number(BigInt(a.result.number)))
      .sort((a, b) => b - a)[0]!;
    assert.equal(result.revocation.checkedAt.blockNumber, head, "as of the recorded head, verified by seals");
    const chain = offlineChainReader({ bundle: reparsed, trust });
    await verifyBundle({ bundle: reparsed, chain, chainId: trust.chainId, registry: trust.registry });
    const report = await chain.trustReport();
    assert.equal(report.trustMode, "light");
    assert.match(String((report as { node: string }).node), /offline kit/);
  });

  it("behavior: a bundle's chain questions are asked once per distinct anchor and key, not once per entry (its entries share a few batches and keys)", async () => {
    const chain = offlineChainReader({ bundle: offline, trust });
    const asked: string[] = [];
    const counting = {
      ...chain,
      call: (args: { to: Hex; data: Hex }) => (asked.push(`call ${args.data}`), chain.call(args)),
      getTransactionReceipt: (hash: Hex) => (asked.push(`receipt ${hash}`), chain.getTransactionReceipt(hash)),
      getBlock: (n: bigint) => (asked.push(`block ${n}`), chain.getBlock(n)),
    };
    const result = await verifyBundle({ bundle: offline, chain: counting, chainId: trust.chainId, registry: trust.registry });
    assert.equal(result.verdict, "verified");
    const receipts = offline.receipts;
    const batches = new Set(receipts.map((r) => r.anchor.txHash)).size;
    assert.ok(receipts.length > batches, `the bundle has more entries (${receipts.length}) than batches (${batches})`);
    assert.equal(asked.filter((q) => q.startsWith("receipt ")).length, batches);
    const calls = asked.filter((q) => q.startsWith("call "));
    assert.equal(calls.length, new Set(calls).size, "no registry call asked twice");
    // Each batch's anchor block, and the head the revocation state is read at (which may be an anchor block too).
    assert.ok(asked.filter((q) => q.startsWith("block ")).length <= batches + 1);
  });

  it("behavior: the offline result is the online light result (same registration, lineage, revocation state)", async () => {
    const front: JsonRpcTransport = ({ method, params = [] }) => node.request(method, params);
    const { verified: online } = await embedOfflineKit({ bundle: parseBundle(evidence.bundle), transport: front, trust });
    const offlineResult = await verifyOffline(offline);
    assert.deepEqual(offlineResult.registration, online.registration);
    assert.deepEqual(offlineResult.revocation.findings, online.revocation.findings);
    assert.equal(offlineResult.attestations.length, online.attestations.length);
  });

  it("behavior: the JSON Schemas accept the v2 bundle and its kit; the frozen vector still verifies offline with the same verdict", async () => {
    const schema = (name: string) => JSON.parse(readFileSync(new URL(`../../schemas/${name}`, import.meta.url), "utf8"));
    const ajv = new Ajv2020.default({ strict: true, allErrors: true });
    for (const name of ["record-v1.schema.json", "record-v2.schema.json", "receipt-v1.schema.json", "offline-kit-v1.schema.json"]) ajv.addSchema(schema(name));
    const validate = ajv.compile(schema("bundle-v2.schema.json"));
    const json = JSON.parse(serializeBundle(offline)) as Record<string, any>;
    assert.ok(validate(json), JSON.stringify(validate.errors?.slice(0, 3)));
    assert.ok(!validate({ ...json, format: "provenance-bundle-v1" }), "a v1 bundle does not carry a kit");
    assert.ok(!validate({ ...json, offlineKit: { ...json.offlineKit, format: "provenance-offline-kit-v2" } }));

    const vector = JSON.parse(readFileSync(VECTOR, "utf8"));
    const bundle = parseBundle(vector.bundle);
    const pinned = parseQbftTrust(vector.trust);
    const { result, attempts } = await withNetworkDisabled(() => verifyOffline(bundle, pinned));
    assert.deepEqual(attempts, []);
    assert.deepEqual(
      {
        verdict: result.verdict,
        model: result.model,
        asOf: result.revocation.checkedAt,
        registration: { organisation: result.registration.organisation, blockNumber: result.registration.blockNumber },
      },
      vector.expected,
    );
  });

  it("error: every header in the kit changed (one field each: stateRoot, a seal byte, timestamp) is refused", async () => {
    const count = headerAnswers(offline.offlineKit as never).length;
    const head = Number(BigInt(offline.offlineKit!.answers.find((a) => a.method === "eth_blockNumber")!.result as string));
    assert.equal(count, head - trust.block.number + 1, "the kit holds every header from the pinned block to the head");
    const checks = new Set<string>();
    for (let i = 0; i < count; i++) {
      const mutation = ["stateRoot", "extraData", "timestamp"][i % 3]!;
      const bundle = withKit((kit) => {
        const header = headerAnswers(kit)[i]!.result;
        // A seal is the extraData's tail: flip a byte 20 from the end.
        header[mutation] =
          mutation === "extraData"
            ? flipHex(header.extraData, header.extraData.length - 40)
            : mutation === "timestamp"
              ? `0x${(BigInt(header.timestamp) + 1n).toString(16)}`
              : flipHex(header.stateRoot, 10);
      });
      checks.add(await refused(bundle, `header answer ${i} (${mutation})`));
    }
    assert.ok(
      [...checks].every((c) => ["commit-seal", "parent-hash", "block-hash", "checkpoint", "extra-data", "timestamp"].includes(c)),
      [...checks].join(", "),
    );
  });

  it("error: every state proof in the kit changed (a proof node, or the value it claims) is refused (account-proof, storage-proof)", async () => {
    const proofs = offline.offlineKit!.answers.map((a, i) => [a, i] as const).filter(([a]) => a.method === "eth_getProof");
    assert.ok(proofs.length > 0);
    for (const [, index] of proofs) {
      for (const mutate of [
        (r: any) => (r.accountProof[r.accountProof.length - 1] = flipHex(r.accountProof.at(-1), 20)),
        (r: any) => r.storageProof.length && (r.storageProof[0].value = r.storageProof[0].value === "0x0" ? "0x1" : "0x0"),
        (r: any) => r.storageProof.length && r.storageProof[0].proof.length && (r.storageProof[0].proof[0] = flipHex(r.storageProof[0].proof[0], 40)),
      ]) {
        const bundle = withKit((kit) => mutate(kit.answers[index]!.result));
        if (JSON.stringify(bundle.offlineKit) === JSON.stringify(offline.offlineKit)) continue;
        const check = await refused(bundle, `eth_getProof answer ${index}`);
        assert.ok(["account-proof", "storage-proof"].includes(check), check);
      }
    }
  });

  it("error: a receipt in the kit changed (a log's data, its status) is refused (receipt-proof)", async () => {
    const receipts = offline
      .offlineKit!.answers.map((a, i) => [a, i] as const)
      .filter(([a]) => a.method === "eth_getTransactionReceipt" && (a.result as { logs: unknown[] }).logs.length > 0);
    assert.ok(receipts.length > 0);
    for (const [, index] of receipts) {
      assert.equal(
        await refused(
          withKit((kit) => (kit.answers[index]!.result.logs[0].data = flipHex(kit.answers[index]!.result.logs[0].data, 10))),
          "log data",
        ),
        "receipt-proof",
      );
      assert.equal(
        await refused(
          withKit((kit) => (kit.answers[index]!.result.status = kit.answers[index]!.result.status === "0x1" ? "0x0" : "0x1")),
          "status",
        ),
        "receipt-proof",
      );
    }
  });

  it("error: offline-kit when an answer is missing, or the kit claims a head it holds no headers for; never a network fallback", async () => {
    const { attempts } = await withNetworkDisabled(async () => {
      for (const method of ["eth_getProof", "eth_getTransactionReceipt", "eth_getBlockByNumber"]) {
        const bundle = withKit((kit) =>
          kit.answers.splice(
            kit.answers.findLastIndex((a) => a.method === method),
            1,
          ),
        );
        assert.equal(await refused(bundle, `without the last ${method}`), "offline-kit");
      }
      const later = withKit((kit) => {
        const head = kit.answers.find((a) => a.method === "eth_blockNumber")!;
        head.result = `0x${(BigInt(head.result) + 5n).toString(16)}`;
      });
      assert.equal(await refused(later, "a later head"), "offline-kit");
    });
    assert.deepEqual(attempts, []);
  });

  it("error: the kit is checked against the verifier's pins, not its own: another validator set, or a trust pinning another genesis, is refused", async () => {
    const others = testValidators(4, "impostor")
      .map((v) => v.address.toLowerCase() as Hex)
      .sort();
    assert.ok(["validators", "commit-seal", "coinbase"].includes(await refusedWith({ ...trust, validators: others })));
    assert.equal(await refusedWith({ ...trust, block: { ...trust.block, hash: `0x${"ab".repeat(32)}` } }), "checkpoint");
  });

  it("error: a v1 bundle has no kit (InputError); a kit of an unknown format, with an unknown member, a writing method or a repeated question is refused by the parser", () => {
    assert.throws(
      () => offlineChainReader({ bundle: parseBundle(evidence.bundle), trust }),
      (e: unknown) => e instanceof InputError && e.code === "INVALID_BUNDLE",
    );
    const kit = JSON.parse(JSON.stringify(offline.offlineKit));
    const parserRefuses = (value: unknown, field: string) =>
      assert.throws(
        () => parseOfflineKit(value),
        (e: unknown) => e instanceof LightClientError && e.check === "offline-kit" && e.field === field,
        field,
      );
    parserRefuses({ ...kit, format: "provenance-offline-kit-v0" }, "offlineKit.format");
    parserRefuses({ ...kit, extra: 1 }, "offlineKit.extra");
    parserRefuses({ ...kit, answers: [{ method: "eth_sendRawTransaction", params: ["0x00"], result: "0x" }] }, "offlineKit.answers[0].method");
    parserRefuses({ ...kit, answers: [kit.answers[0], kit.answers[0]] }, "offlineKit.answers[1]");
    assert.equal(parseOfflineKit(kit).format, OFFLINE_KIT_FORMAT);
    assert.throws(
      () => parseBundle({ ...JSON.parse(serializeBundle(offline)), offlineKit: { ...kit, format: "x" } }),
      (e: unknown) => e instanceof InputError && e.code === "INVALID_BUNDLE",
    );
    const { offlineKit: _, ...v2WithoutKit } = JSON.parse(serializeBundle(offline));
    assert.throws(
      () => parseBundle(v2WithoutKit),
      (e: unknown) => e instanceof InputError && /offlineKit/.test(e.message),
    );
    assert.throws(
      () => parseBundle({ ...v2WithoutKit, format: "provenance-bundle-v1", offlineKit: kit }),
      (e: unknown) => e instanceof InputError && /offlineKit/.test(e.message),
    );
  });

  it("behavior: 300 mutations of the bundle with its kit (headers, seals, proofs, receipts, envelopes, its JSON) verified offline with the CLI's libsecp256k1 and WebAssembly keccak-256 give no false VERIFIED and no crash", async () => {
    // npm run fuzz gives the same target 5% of its mutants; this is the suite's slice of it.
    // What the CLI installs (src/cli/main.ts): libsecp256k1 for seals and DSSE signatures, keccak-256 in WebAssembly.
    const { libsecp256k1Name, libsecp256k1Recover } = await import("../../src/local/nodeSecp256k1.js");
    const { wasmKeccak256 } = await import("../../src/local/nodeKeccak.js");
    installSecp256k1Recover(libsecp256k1Recover, libsecp256k1Name);
    installSecp256k1Recovery(libsecp256k1Recover);
    installCoreKeccak256(wasmKeccak256);
    installLightClientKeccak256(wasmKeccak256);
    try {
      const target = offlineBundleTarget({
        bundle: serializeBundle(offline),
        trust: serializeQbftTrust(trust),
        modelSha256: evidence.model.sha256,
        orgId: evidence.orgId,
      });
      const report = await runVerifierFuzz({ targets: [target], mutations: 300, seed: 20261204 });
      const [t] = report.perTarget;
      console.log(
        `offline fuzz: ${report.mutations} mutations in ${(report.milliseconds / 1000).toFixed(1)} s; ${t!.refused} refused, ${t!.equivalent} verified with true claims only`,
      );
      assert.deepEqual(report.falseVerified, []);
      assert.deepEqual(report.crashes, []);
      assert.ok(t!.refused > t!.mutations / 2, `most mutants must be refused (${t!.refused} of ${t!.mutations})`);
      assert.match(secp256k1RecoverName(), /^libsecp256k1 /, "the mutants were checked with libsecp256k1");
      assert.equal(keccak256Bytes, wasmKeccak256, "and the WebAssembly keccak-256");
    } finally {
      // Back to the platform-neutral defaults for the rest of this file.
      installSecp256k1Recover(undefined);
      installSecp256k1Recovery(undefined);
      installCoreKeccak256(undefined);
      installLightClientKeccak256(undefined);
    }
  });
});

describe("offline verifier kit: the CLI", () => {
  /** A folder with the frozen vector's bundle and trust, and `verify-bundle --offline` on a file in it, in a process whose sockets, DNS and fetch all throw. */
  async function offlineCli() {
    const work = await mkdtemp(join(tmpdir(), "provenance-offline-cli-"));
    const vector = JSON.parse(readFileSync(VECTOR, "utf8"));
    await writeFile(join(work, "bundle.json"), JSON.stringify(vector.bundle));
    await writeFile(join(work, "validators.json"), JSON.stringify(vector.trust));
    // Loaded before the CLI: any attempt to reach a network throws (and would fail the verification).
    await writeFile(
      join(work, "no-network.mjs"),
      'import net from "node:net"; import dns from "node:dns"; const no = () => { throw new Error("network disabled"); }; net.Socket.prototype.connect = no; dns.lookup = no; globalThis.fetch = no;\n',
    );
    const run = (args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
        execFile(
          process.execPath,
          ["--import", join(work, "no-network.mjs"), fileURLToPath(new URL("../../bin/provenance.js", import.meta.url)), ...args],
          { cwd: work, env: { PATH: process.env.PATH, HOME: work }, timeout: 120_000 },
          (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        ),
      );
    const digest = `sha256:${vector.expected.model.sha256}`;
    const cliOffline = (file: string, ...more: string[]) =>
      run(["verify-bundle", file, "--offline", "--qbft-trust", "validators.json", "--registry", vector.trust.registry, "--artifact-digest", digest, ...more]);
    return { work, vector, cliOffline };
  }

  it("default: verify-bundle --offline --qbft-trust verifies the frozen vector in a process whose sockets, DNS and fetch all throw, and states 'as of block N (time)'", async () => {
    const { work, vector, cliOffline } = await offlineCli();
    const ok = await cliOffline("bundle.json");
    assert.equal(ok.code, 3, ok.stderr + ok.stdout);
    assert.match(ok.stdout, /^VERIFIED/m);
    assert.match(ok.stdout, new RegExp(`as of block ${vector.expected.asOf.blockNumber} \\(`));
    const json = await cliOffline("bundle.json", "--json");
    const verdict = JSON.parse(json.stdout);
    assert.equal(verdict.trustMode, "light");
    assert.deepEqual(verdict.trusted.asOf, { blockNumber: vector.expected.asOf.blockNumber, timestamp: vector.expected.asOf.timestamp });
    const tampered = structuredClone(vector.bundle);
    const header = tampered.offlineKit.answers.find((a: { method: string; result: unknown }) => a.method === "eth_getBlockByNumber" && a.result !== null);
    header.result.stateRoot = flipHex(header.result.stateRoot, 12);
    await writeFile(join(work, "tampered.json"), JSON.stringify(tampered));
    const bad = await cliOffline("tampered.json");
    assert.equal(bad.code, 1, bad.stderr + bad.stdout);
    assert.match(bad.stdout + bad.stderr, /NOT VERIFIED/);
  });

  it("behavior: a kit that renames the anchoring transaction (its block's transaction list and the receipt answer name another hash) still verifies, as the hash is not proven, and the verdict says the hash is the kit's, NOT proven (text and JSON)", async () => {
    const { work, vector, cliOffline } = await offlineCli();
    // What a hostile relayer can do (review 1, F1): the block and its BatchAnchored event are proven, the hash naming the transaction is not.
    const fake = `0x${"de".repeat(32)}`;
    const renamed = structuredClone(vector.bundle);
    const real: string = renamed.receipts[0].anchor.txHash;
    const block = `0x${renamed.receipts[0].anchor.blockNumber.toString(16)}`;
    for (const r of renamed.receipts) if (r.anchor.txHash === real) r.anchor.txHash = fake;
    for (const a of renamed.offlineKit.answers) {
      if (a.method === "eth_getBlockByNumber" && a.params[0] === block) a.result.transactions = [fake];
      if (a.method === "eth_getTransactionReceipt" && a.params[0] === real) {
        a.params = [fake];
        a.result.transactionHash = fake;
      }
    }
    await writeFile(join(work, "renamed.json"), JSON.stringify(renamed));
    const text = await cliOffline("renamed.json");
    assert.equal(text.code, 3, text.stderr + text.stdout);
    assert.match(
      text.stdout,
      new RegExp(
        `\\) in transaction ${fake} \\(transaction hash as the bundle's offline kit recorded it, NOT proven: the block and its BatchAnchored event are proven against the sealed header, the block's transaction list is not\\)\n`,
      ),
    );
    assert.match(
      text.stdout,
      /each sealed by a quorum of the set in force \(\d+ validator\(s\) at the head\); every fact proven against it but transaction hashes \(as the kit recorded them, not proven\)\n/,
    );
    assert.doesNotMatch(text.stdout, /every fact proven against it\n/);
    const json = JSON.parse((await cliOffline("renamed.json", "--json")).stdout);
    assert.equal(json.registration.txHash, fake);
    assert.deepEqual({ proven: json.trusted.txHash.proven, reportedBy: json.trusted.txHash.reportedBy }, { proven: false, reportedBy: "offline-kit" });
    assert.match(json.trusted.txHash.description, /NOT proven/);
    assert.match(json.trusted.chain.node, /but the blocks' transaction hashes/);
  });
});

async function refusedWith(pinned: QbftTrust): Promise<string> {
  const error = await verifyOffline(offline, pinned).then(
    () => assert.fail("verified under another pin"),
    (e: unknown) => e,
  );
  assert.ok(error instanceof LightClientError, String(error));
  return error.check;
}
