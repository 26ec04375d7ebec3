import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { http } from "viem";
import { type AnvilNode, startAnvil } from "../helpers/anvilNode.js";
import { fromEip1193 } from "../../src/chain/eip1193.js";
import { deployRegistry, registerOrganisation } from "../../src/chain/registry.js";
import { connectReader } from "../../src/chain/connect.js";
import { LightClientError, type LightClientCheck } from "../../src/core/errors/lightClient.js";
import { VerificationError } from "../../src/core/errors/verification.js";
import type { Hex } from "../../src/core/hex.js";
import { addRecord, anchorBatches, buildReceipt, sealBatch } from "../../src/ledger/ledger.js";
import { type QuorumEndpoint, quorumRequest } from "../../src/chain/quorum.js";
import { pinBlockTags } from "../../src/chain/transport.js";
import type { Receipt } from "../../src/formats/receipt.js";
import { createRecord } from "../../src/formats/record.js";
import { LedgerStore } from "../../src/ledger/store/ledgerStore.js";
import { verifyReceipt } from "../../src/verify/verifyReceipt.js";
import { SAME_GENESIS, replicateBlocks, startReplica } from "../helpers/anvilReplicas.js";

// Quorum mode against real, independent anvil nodes holding the same chain (replayed block by
// block, identical hashes), an attacker's real chain (same genesis, chain ID, deployer and
// registry address, where the attacker anchored a backdoored model as organisation 1), and
// lying fronts over honest nodes. Every verification goes through the ordinary rpc reader over
// the quorum transport.

let honest: AnvilNode[] = [];
let forged: AnvilNode[] = [];
let registry: Hex;
let genuine: Receipt;
let backdoored: Receipt;
const genuineSha = randomBytes(32).toString("hex");
const backdooredSha = randomBytes(32).toString("hex");
const stores: LedgerStore[] = [];

const record = (name: string, sha256: string) =>
  createRecord({ subject: { name, version: "1.0.0", digest: { sha256 }, artifact: { kind: "file", hashing: "sha256", size: 1, files: 1 } } });
const endpoint = (node: AnvilNode, name = node.rpcUrl): QuorumEndpoint => ({
  name,
  request: http(node.rpcUrl, { retryCount: 0 })({}).request as QuorumEndpoint["request"],
});

async function anchorOne(node: AnvilNode, name: string, sha256: string): Promise<Receipt> {
  const store = LedgerStore.open(await mkdtemp(join(tmpdir(), "provenance-quorum-")));
  stores.push(store);
  addRecord(store, record(name, sha256));
  addRecord(store, record(`${name}-sibling`, randomBytes(32).toString("hex")));
  sealBatch(store);
  await anchorBatches(store, node.writerFor(0), { registry, orgId: 1 });
  return buildReceipt(store, sha256);
}

before(async () => {
  const primary = await startAnvil({ args: [...SAME_GENESIS] });
  honest = [primary, await startReplica(), await startReplica()];
  forged = [await startReplica(), await startReplica()];
  registry = (await deployRegistry(primary.writerFor(0))).registry;
  await registerOrganisation(primary.writerFor(0), registry, { name: "Genuine Lab" });
  const shared = BigInt((await primary.rpc("eth_blockNumber")) as string);
  for (const node of [...honest.slice(1), ...forged]) await replicateBlocks(primary, node, 1n, shared);

  // The attacker's chain: the shared history, then its own anchor of a backdoored model (same registry address, organisation 1).
  const attacker = forged[0]!;
  await attacker.rpc("evm_setAutomine", [true]);
  backdoored = await anchorOne(attacker, "acme/backdoored", backdooredSha);
  const attackerHead = BigInt((await attacker.rpc("eth_blockNumber")) as string);
  await replicateBlocks(attacker, forged[1]!, shared + 1n, attackerHead);

  genuine = await anchorOne(primary, "acme/model", genuineSha);
  const head = BigInt((await primary.rpc("eth_blockNumber")) as string);
  for (const node of honest.slice(1)) await replicateBlocks(primary, node, shared + 1n, head);
});

after(async () => {
  for (const store of stores) store.close();
  await Promise.all([...honest, ...forged].map((n) => n.stop()));
});

const verifyOver = (request: ReturnType<typeof quorumRequest>, receipt: Receipt, sha256: string) =>
  verifyReceipt({ receipt, chain: fromEip1193(request), chainId: 31337, registry, acceptedOrgIds: [1], artifactSha256: sha256 });

async function refused(run: Promise<unknown>, check: LightClientCheck | "anchor-root"): Promise<Error> {
  const error = await run.then(
    () => assert.fail(`expected ${check}, but it verified`),
    (e: unknown) => e as Error,
  );
  if (check === "anchor-root") assert.ok(error instanceof VerificationError && error.check === check, String(error));
  else assert.ok(error instanceof LightClientError && error.check === check, `${check}, got ${String(error)}`);
  return error;
}

describe("quorum mode (k of n independent nodes)", () => {
  it("default: three honest nodes, k = 2: the genuine receipt verifies, with no dissent", async () => {
    const request = quorumRequest({ quorum: 2, endpoints: honest.map((n) => endpoint(n)) });
    const result = await verifyOver(request, genuine, genuineSha);
    assert.equal(result.organisation.name, "Genuine Lab");
    const report = request.report();
    assert.ok(
      report.endpoints.every((e) => e.dissents === 0 && e.failures === 0),
      JSON.stringify(report.endpoints),
    );
    assert.equal(report.head, BigInt((await honest[0]!.rpc("eth_blockNumber")) as string));
  });

  it("documented: the attacker's chain alone (rpc mode, one node) verifies the backdoored model as organisation 1", async () => {
    const result = await verifyReceipt({
      receipt: backdoored,
      chain: connectReader(forged[0]!.rpcUrl, 10_000),
      chainId: 31337,
      registry,
      acceptedOrgIds: [1],
      artifactSha256: backdooredSha,
    });
    assert.equal(result.organisation.name, "Genuine Lab");
  });

  it("behavior: a lying minority is outvoted: two honest nodes and the attacker's chain, k = 2, refuse the backdoored model and verify the genuine one", async () => {
    const endpoints = [endpoint(honest[0]!), endpoint(forged[0]!, "attacker"), endpoint(honest[1]!)];
    await refused(verifyOver(quorumRequest({ quorum: 2, endpoints }), backdoored, backdooredSha), "anchor-root");
    const request = quorumRequest({ quorum: 2, endpoints });
    await verifyOver(request, genuine, genuineSha);
    const attacker = request.report().endpoints.find((e) => e.name === "attacker")!;
    assert.ok(attacker.dissents > 0, "the attacker's answers were outvoted and counted as dissent");
  });

  it("error: quorum-disagreement when a lying majority meets k = n: two attacker nodes and one honest node refuse both receipts", async () => {
    const endpoints = [endpoint(forged[0]!), endpoint(forged[1]!), endpoint(honest[2]!)];
    const error = await refused(verifyOver(quorumRequest({ quorum: 3, endpoints }), backdoored, backdooredSha), "quorum-disagreement");
    assert.match(error.message, /no answer was given by 3 endpoints/);
    await refused(verifyOver(quorumRequest({ quorum: 3, endpoints }), genuine, genuineSha), "quorum-disagreement");
  });

  it("documented: k colluding nodes are trusted: two attacker nodes, k = 2 of 3, verify the backdoored model (the trust model's assumption)", async () => {
    const endpoints = [endpoint(forged[0]!), endpoint(forged[1]!), endpoint(honest[2]!)];
    await verifyOver(quorumRequest({ quorum: 2, endpoints }), backdoored, backdooredSha);
  });

  it("error: quorum-disagreement when one front lies about a value the verdict uses (the anchor's eth_call, the receipt's block hash) and k = n", async () => {
    const lying = (node: AnvilNode, method: string, forge: (result: any) => unknown): QuorumEndpoint => {
      const inner = endpoint(node).request;
      return { name: `lying front over ${node.rpcUrl}`, request: async (args) => (args.method === method ? forge(await inner(args)) : inner(args)) };
    };
    const flipLast = (hex: string) => `${hex.slice(0, -1)}${hex.endsWith("0") ? "1" : "0"}`;
    for (const [method, forge] of [
      ["eth_call", flipLast],
      ["eth_getTransactionReceipt", (r: any) => ({ ...r, blockHash: flipLast(r.blockHash) })],
      ["eth_getBlockByNumber", (b: any) => ({ ...b, hash: flipLast(b.hash) })],
    ] as const) {
      const endpoints = [endpoint(honest[0]!), lying(honest[1]!, method, forge)];
      const error = await refused(verifyOver(quorumRequest({ quorum: 2, endpoints }), genuine, genuineSha), "quorum-disagreement");
      assert.match((error as LightClientError).field ?? "", new RegExp(method));
      await verifyOver(quorumRequest({ quorum: 2, endpoints: [...endpoints, endpoint(honest[2]!)] }), genuine, genuineSha);
    }
  });

  it("error: quorum-unavailable when fewer than k endpoints answer (two dead, k = 2); one dead of three is tolerated", async () => {
    const dead = (name: string): QuorumEndpoint => ({
      name,
      request: http("http://127.0.0.1:1", { retryCount: 0, timeout: 2000 })({}).request as QuorumEndpoint["request"],
    });
    const error = await refused(
      verifyOver(quorumRequest({ quorum: 2, endpoints: [endpoint(honest[0]!), dead("dead-1"), dead("dead-2")] }), genuine, genuineSha),
      "quorum-unavailable",
    );
    assert.match(error.message, /1 of 3 endpoints/);
    await verifyOver(quorumRequest({ quorum: 2, endpoints: [endpoint(honest[0]!), dead("dead-1"), endpoint(honest[1]!)] }), genuine, genuineSha);
  });

  it("behavior: nodes at different heights agree: the head is the highest block k of them have, and 'latest' is pinned to it", async () => {
    const ahead = await startReplica();
    try {
      const head = BigInt((await honest[0]!.rpc("eth_blockNumber")) as string);
      await replicateBlocks(honest[0]!, ahead, 1n, head);
      await ahead.rpc("evm_mine", []);
      await ahead.rpc("evm_mine", []);
      const request = quorumRequest({ quorum: 2, endpoints: [endpoint(ahead), endpoint(honest[0]!), endpoint(honest[1]!)] });
      await verifyOver(request, genuine, genuineSha);
      assert.equal(request.report().head, head, "the two-blocks-ahead node does not move the head");
      assert.deepEqual(pinBlockTags("eth_call", [{ to: registry }, "latest"], 7n), [{ to: registry }, "0x7"]);
      assert.deepEqual(pinBlockTags("eth_getLogs", [{ address: registry, fromBlock: "0x1" }], 7n), [{ address: registry, fromBlock: "0x1", toBlock: "0x7" }]);
    } finally {
      await ahead.stop();
    }
  });

  it("error: a bad configuration (k = 0, k > n, no endpoints) and writing methods are refused", async () => {
    const endpoints = honest.map((n) => endpoint(n));
    assert.throws(
      () => quorumRequest({ quorum: 0, endpoints }),
      (e: unknown) => e instanceof LightClientError && e.field === "quorum.quorum",
    );
    assert.throws(
      () => quorumRequest({ quorum: 4, endpoints }),
      (e: unknown) => e instanceof LightClientError && e.field === "quorum.quorum",
    );
    assert.throws(
      () => quorumRequest({ quorum: 1, endpoints: [] }),
      (e: unknown) => e instanceof LightClientError && e.field === "quorum.endpoints",
    );
    await assert.rejects(
      quorumRequest({ quorum: 1, endpoints }).call(null, { method: "eth_sendRawTransaction", params: ["0x00"] }),
      (e: unknown) => e instanceof LightClientError && e.field === "quorum.eth_sendRawTransaction",
    );
  });

  /** The CLI in a real process, in a fresh folder holding the genuine and the backdoored receipt. */
  async function cliIn(): Promise<(args: string[]) => Promise<{ code: number; stdout: string; stderr: string }>> {
    const work = await mkdtemp(join(tmpdir(), "provenance-quorum-cli-"));
    await writeFile(join(work, "genuine.json"), JSON.stringify(genuine));
    await writeFile(join(work, "backdoored.json"), JSON.stringify(backdoored));
    return (args) =>
      new Promise((resolve) =>
        execFile(
          process.execPath,
          [fileURLToPath(new URL("../../bin/provenance.js", import.meta.url)), ...args],
          { cwd: work, env: { PATH: process.env.PATH, HOME: work }, timeout: 120_000 },
          (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        ),
      );
  }
  const nodes = (list: AnvilNode[]) => list.flatMap((n) => ["--rpc", n.rpcUrl]);
  // These anvil chains started at a fixed past time: their head is older than quorum mode's default
  // one-hour limit for a revocation verdict, which verify applies too.
  const common = () => ["--registry", registry, "--chain-id", "31337", "--org", "1", "--max-head-age", "36500d"];

  it("default: the CLI's verify in quorum mode (--rpc given three times, --quorum 2): the genuine receipt VERIFIED naming the mode, the backdoored one NOT VERIFIED; k = 3 over a liar: the disagreement named", async () => {
    const cli = await cliIn();
    /** `provenance verify <receipt> --artifact-digest sha256:<sha>` against `list`, in quorum mode `quorum`. */
    const verifyInQuorum = (receipt: string, sha: string, list: AnvilNode[], quorum: number, more: string[] = []) =>
      cli(["verify", receipt, "--artifact-digest", `sha256:${sha}`, ...nodes(list), "--quorum", String(quorum), ...common(), ...more]);
    const ok = await verifyInQuorum("genuine.json", genuineSha, [honest[0]!, forged[0]!, honest[1]!], 2);
    assert.equal(ok.code, 3, ok.stderr + ok.stdout);
    assert.match(ok.stdout, /^VERIFIED/m);
    assert.match(ok.stdout, /trust mode: quorum .*no 2 of these 3 nodes lie together/);
    // The anchoring transaction's hash: what k nodes agreed on, not proven (JSON trusted.txHash).
    const okJson = JSON.parse((await verifyInQuorum("genuine.json", genuineSha, [honest[0]!, forged[0]!, honest[1]!], 2, ["--json"])).stdout);
    assert.deepEqual({ proven: okJson.trusted.txHash.proven, reportedBy: okJson.trusted.txHash.reportedBy }, { proven: false, reportedBy: "quorum" });
    assert.match(okJson.trusted.txHash.description, /as at least 2 of 3 nodes reported it identically; not proven/);
    assert.match(
      ok.stdout,
      /independence: .*distinct URLs are independent nodes .* is the verifier's responsibility: aliases of one node \(127\.0\.0\.1 and localhost/,
    );
    const bad = await verifyInQuorum("backdoored.json", backdooredSha, [honest[0]!, forged[0]!, honest[1]!], 2);
    assert.equal(bad.code, 1, bad.stderr + bad.stdout);
    assert.match(bad.stdout + bad.stderr, /NOT VERIFIED/);
    const json = await verifyInQuorum("genuine.json", genuineSha, [honest[0]!, forged[0]!, honest[2]!], 3, ["--json"]);
    assert.equal(json.code, 1, json.stderr + json.stdout);
    assert.match(json.stdout + json.stderr, /quorum-disagreement/);
    const usage = await cli(["verify", "genuine.json", "--artifact-digest", `sha256:${genuineSha}`, ...nodes([honest[0]!, honest[1]!]), ...common()]);
    assert.equal(usage.code, 2, "two --rpc without quorum mode is a usage error");
    assert.match(usage.stderr, /quorum mode/);
  });
  it("error: one node named twice in quorum mode (the same URL, or spelled with another case, default port or trailing slash) is a usage error naming both --rpc, before any node is asked", async () => {
    const cli = await cliIn();
    const url = honest[0]!.rpcUrl;
    const verify = (urls: string[], more: string[] = []) =>
      cli(["verify", "genuine.json", "--artifact-digest", `sha256:${genuineSha}`, ...urls.flatMap((u) => ["--rpc", u]), "--quorum", "2", ...common(), ...more]);
    const cases: [string[], RegExp][] = [
      [[url, url], /--rpc #2 \(http:\/\/127\.0\.0\.1:\d+\/\) names the same node as --rpc #1/],
      [[url, `${url}/`], /--rpc #2 .* names the same node as --rpc #1/],
      [[url.replace("http://", "HTTP://"), url], /--rpc #2 .* names the same node as --rpc #1/],
      [[honest[1]!.rpcUrl, url, `${url}//`], /--rpc #3 .* names the same node as --rpc #2/],
      // Never reached: the refusal comes before any request (these hosts do not exist).
      [
        ["http://node.invalid:80/rpc", "http://NODE.invalid./rpc/"],
        /--rpc #2 \(http:\/\/node\.invalid\.\/rpc\/\) names the same node as --rpc #1 \(http:\/\/node\.invalid\/rpc\)/,
      ],
      [["https://node.invalid:443", "https://user:secret@node.invalid/#fragment"], /--rpc #2 .* names the same node as --rpc #1/],
    ];
    for (const [urls, message] of cases) {
      const run = await verify(urls);
      assert.equal(run.code, 2, `${urls.join(" ")}: ${run.stdout}${run.stderr}`);
      assert.match(run.stderr, message);
      assert.match(run.stderr, /quorum mode needs independent nodes, and one node named twice is one answer counted twice/);
      assert.doesNotMatch(run.stdout, /VERIFIED/);
    }
    const json = await verify([url, url], ["--json"]);
    assert.equal(json.code, 2);
    assert.equal(JSON.parse(json.stdout).error.code, "INVALID_ARGUMENT");
    // Different paths or queries are different endpoints (a gateway may route them to different nodes).
    const paths = await verify(["http://node.invalid/a", "http://node.invalid/b", "http://node.invalid/a?key=2"]);
    assert.doesNotMatch(paths.stderr, /names the same node/);
  });

  it("documented: an alias of one node (127.0.0.1 and localhost) cannot be told from a second node: it is accepted, and the verdict says independence is the verifier's responsibility", async () => {
    const cli = await cliIn();
    const url = honest[0]!.rpcUrl;
    const run = await cli([
      "verify",
      "genuine.json",
      "--artifact-digest",
      `sha256:${genuineSha}`,
      "--rpc",
      url,
      "--rpc",
      url.replace("127.0.0.1", "localhost"),
      "--quorum",
      "2",
      ...common(),
      "--json",
    ]);
    assert.equal(run.code, 3, run.stderr + run.stdout);
    const trusted = JSON.parse(run.stdout).trusted;
    assert.match(trusted.quorum.independence, /verifier's responsibility: aliases of one node \(127\.0\.0\.1 and localhost/);
  });
});
