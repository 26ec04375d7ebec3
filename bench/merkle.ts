/**
 * Merkle tree benchmark: this library vs merkletreejs vs @openzeppelin/merkle-tree, in one run.
 *
 *     npx tsx bench/merkle.ts            # about a minute on 2 cores
 *
 * Each contender runs in its own child process (node --expose-gc), so its peak memory
 * (process.resourceUsage().maxRSS: the whole child, Node and its input included) is its own.
 * Leaves come from a fixed AES-CTR stream: every child sees the same bytes.
 *
 * - ours:          buildMerkleTree(packed 1M leaves), one cold build then 3 warm ones.
 * - ours-hex:      the same leaves as 1M bytes32 hex strings (the hex parsing included).
 * - merkletreejs:  new MerkleTree(leaves, keccak256, { sortPairs: true }) on the same 1M leaves,
 *                  twice: with viem's keccak256 (the usual setup) and with hash-wasm's, the
 *                  fastest synchronous keccak available here (the strongest baseline).
 * - openzeppelin:  StandardMerkleTree.of(values, ["bytes32","bytes32"]) on OZ_VALUES values, so
 *                  its leaf hashing (2 keccaks per leaf) is included; extrapolated linearly to 1M.
 */
import { execFileSync } from "node:child_process";
import { createCipheriv } from "node:crypto";
import { cpus, loadavg, totalmem } from "node:os";
import { fileURLToPath } from "node:url";
import type { Hex } from "../src/core/hex.js";
import type { MerkleTree } from "../src/merkle/tree.js";

// Each child imports only what it measures (dynamic imports), so its memory is its own.
const loadOurs = () => import("../src/local/merkleThreads.js"); // buildMerkleTree with the worker-thread hasher
const loadOpenZeppelin = () => import("@openzeppelin/merkle-tree");
const loadMerkleTreeJs = async () => (await import("merkletreejs")).MerkleTree;

const LEAVES = 1_000_000;
const OZ_VALUES = 30_000;
const SAMPLES = 200;

/** `bytes` deterministic pseudo-random bytes. */
function stream(bytes: number, seed: number): Uint8Array {
  const cipher = createCipheriv("aes-256-ctr", Buffer.alloc(32, seed), Buffer.alloc(16));
  const out = new Uint8Array(bytes);
  const zeros = Buffer.alloc(2 ** 16);
  for (let at = 0; at < bytes; at += zeros.length) out.set(cipher.update(zeros).subarray(0, bytes - at), at);
  return out;
}
const hexAt = (packed: Uint8Array, i: number): Hex => `0x${Buffer.from(packed.buffer, packed.byteOffset + i * 32, 32).toString("hex")}`;
const mib = (kib: number) => kib / 1024;
const peakRssMiB = () => mib(process.resourceUsage().maxRSS);
const gc = () => (globalThis as { gc?: () => void }).gc?.();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

type Result = Record<string, unknown> & { peakRssMiB: number };

/** A synchronous keccak256 from hash-wasm (the fastest one here: ~1.26 M hashes/s). */
async function hashWasmKeccak(): Promise<(data: Buffer) => Buffer> {
  const keccak = await (await import("hash-wasm")).createKeccak(256);
  return (data: Buffer) => Buffer.from(keccak.init().update(data).digest("binary"));
}

/** merkletreejs on the 1M leaves with `hash`. */
async function merkletreejs(hash: (data: Buffer) => Buffer): Promise<Result> {
  const MerkleTreeJs = await loadMerkleTreeJs();
  const packed = stream(LEAVES * 32, 1);
  const leaves = Array.from({ length: LEAVES }, (_, i) => Buffer.from(packed.buffer, packed.byteOffset + i * 32, 32));
  gc();
  let start = performance.now();
  const tree = new MerkleTreeJs(leaves, hash, { sortPairs: true });
  const ms = performance.now() - start;
  start = performance.now();
  for (let i = 0; i < 2000; i++) tree.getHexProof(leaves[(i * 7919) % LEAVES] as Buffer, (i * 7919) % LEAVES);
  const proofsPerSecond = 2000 / ((performance.now() - start) / 1000);
  return { ms, proofsPerSecond, peakRssMiB: peakRssMiB() };
}

const children: Record<string, () => Promise<Result>> = {
  async ours() {
    const { buildMerkleTree } = await loadOurs();
    const packed = stream(LEAVES * 32, 1);
    gc();
    const baselineRssMiB = process.memoryUsage().rss / 2 ** 20;
    let start = performance.now();
    let tree: MerkleTree | undefined = buildMerkleTree(packed);
    const coldMs = performance.now() - start;
    const buildPeakRssMiB = peakRssMiB(); // one build: everything it allocated is still alive here
    const warm: number[] = [];
    for (let i = 0; i < 3; i++) {
      tree = undefined;
      gc();
      start = performance.now();
      tree = buildMerkleTree(packed);
      warm.push(performance.now() - start);
    }
    gc();
    start = performance.now();
    buildMerkleTree(packed, { threads: 1 });
    const singleThreadMs = performance.now() - start;
    const queries = Array.from({ length: 100_000 }, (_, i) => hexAt(packed, (i * 7919) % LEAVES));
    start = performance.now();
    for (const leaf of queries) tree.getProof(leaf);
    const proofsPerSecond = queries.length / ((performance.now() - start) / 1000);
    const samples = Array.from({ length: SAMPLES }, (_, i) => {
      const leaf = hexAt(packed, (i * 104_729) % LEAVES);
      return { leaf, proof: tree.getProof(leaf) };
    });
    return {
      coldMs,
      warmMs: median(warm),
      warm,
      singleThreadMs,
      proofsPerSecond,
      baselineRssMiB,
      buildPeakRssMiB,
      root: tree.root,
      samples,
      peakRssMiB: peakRssMiB(),
    };
  },

  async "ours-hex"() {
    const { buildMerkleTree } = await loadOurs();
    const packed = stream(LEAVES * 32, 1);
    const leaves = Array.from({ length: LEAVES }, (_, i) => hexAt(packed, i));
    buildMerkleTree(leaves.slice(0, 100_000)); // warm the workers
    gc();
    const start = performance.now();
    const tree = buildMerkleTree(leaves);
    return { ms: performance.now() - start, root: tree.root, peakRssMiB: peakRssMiB() };
  },

  async merkletreejs() {
    return merkletreejs(await hashWasmKeccak());
  },

  async "merkletreejs-viem"() {
    const { keccak256 } = await import("viem");
    return merkletreejs((data: Buffer) => Buffer.from(keccak256(data).slice(2), "hex"));
  },

  async openzeppelin() {
    const { StandardMerkleTree } = await loadOpenZeppelin();
    const bytes = stream(OZ_VALUES * 64, 2);
    const values = Array.from({ length: OZ_VALUES }, (_, i) => [hexAt(bytes, 2 * i), hexAt(bytes, 2 * i + 1)] as [Hex, Hex]);
    gc();
    let start = performance.now();
    const oz = StandardMerkleTree.of(values, ["bytes32", "bytes32"]);
    const ms = performance.now() - start;
    start = performance.now();
    for (let i = 0; i < 2000; i++) oz.getProof((i * 7919) % OZ_VALUES);
    const proofsPerSecond = 2000 / ((performance.now() - start) / 1000);
    const peak = peakRssMiB();
    // Same values through this library: the same root and the same proofs.
    const { buildMerkleTree } = await loadOurs();
    const { recordLeaf } = await import("../src/merkle/leaf.js");
    const leaves = values.map(([subject, record]) => recordLeaf(subject, record));
    const ours = buildMerkleTree(leaves);
    let proofsEqual = 0;
    for (let i = 0; i < SAMPLES; i++) {
      const k = (i * 104_729) % OZ_VALUES;
      if (JSON.stringify(ours.getProof(leaves[k] as Hex)) === JSON.stringify(oz.getProof(k))) proofsEqual++;
    }
    return { ms, proofsPerSecond, root: oz.root, oursRoot: ours.root, proofsEqual, peakRssMiB: peak };
  },
};

function runChild(name: string): Result {
  const output = execFileSync(process.execPath, [...process.execArgv, "--expose-gc", fileURLToPath(import.meta.url), "--child", name], {
    encoding: "utf8",
    maxBuffer: 64 * 2 ** 20,
    stdio: ["ignore", "pipe", "inherit"],
  });
  return JSON.parse(output.trim().split("\n").at(-1) as string) as Result;
}

async function main(): Promise<void> {
  const childArg = process.argv.indexOf("--child");
  if (childArg >= 0) {
    const run = children[process.argv[childArg + 1] as string];
    if (!run) throw new Error(`unknown child ${process.argv[childArg + 1]}`);
    process.stdout.write(`${JSON.stringify(await run())}\n`);
    return;
  }
  const cpu = cpus();
  console.log(
    `machine: ${cpu.length} × ${cpu[0]?.model ?? "?"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, load average ${loadavg()
      .map((x) => x.toFixed(2))
      .join(" ")}`,
  );
  const log = (what: string) => process.stderr.write(`running ${what}…\n`);
  log("ours (1M packed leaves)");
  const ours = runChild("ours");
  log("ours (1M hex leaves)");
  const oursHex = runChild("ours-hex");
  log("openzeppelin (30k values)");
  const oz = runChild("openzeppelin");
  log("merkletreejs with hash-wasm keccak (1M leaves)");
  const js = runChild("merkletreejs");
  log("merkletreejs with viem keccak256 (1M leaves, ~20 s)");
  const jsViem = runChild("merkletreejs-viem");

  const oursMs = ours.warmMs as number;
  const ozMsPerMillion = ((oz.ms as number) / OZ_VALUES) * LEAVES;
  const rate = (ms: number, n: number) => `${Math.round(n / (ms / 1000)).toLocaleString("en-US")}/s`;
  const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const count = (n: number) => Math.round(n).toLocaleString("en-US");
  const rows: [string, string, string, string, string][] = [
    [
      "",
      "ours (WASM keccak, 2 threads)",
      "merkletreejs + viem keccak256",
      "merkletreejs + hash-wasm keccak",
      `OZ StandardMerkleTree (${count(OZ_VALUES)} values)`,
    ],
    [
      "build, 1M leaves",
      `${seconds(oursMs)} (warm median; cold ${seconds(ours.coldMs as number)})`,
      seconds(jsViem.ms as number),
      seconds(js.ms as number),
      `≈ ${seconds(ozMsPerMillion)} extrapolated (${seconds(oz.ms as number)} measured)`,
    ],
    ["leaves/s", rate(oursMs, LEAVES), rate(jsViem.ms as number, LEAVES), rate(js.ms as number, LEAVES), rate(oz.ms as number, OZ_VALUES)],
    [
      "ours is faster by",
      "1×",
      `${((jsViem.ms as number) / oursMs).toFixed(1)}×`,
      `${((js.ms as number) / oursMs).toFixed(1)}×`,
      `${(ozMsPerMillion / oursMs).toFixed(0)}×`,
    ],
    [
      "peak RSS of the process",
      `${(ours.buildPeakRssMiB as number).toFixed(0)} MiB (${(ours.baselineRssMiB as number).toFixed(0)} MiB before the build)`,
      `${jsViem.peakRssMiB.toFixed(0)} MiB`,
      `${js.peakRssMiB.toFixed(0)} MiB`,
      `${oz.peakRssMiB.toFixed(0)} MiB (at ${count(OZ_VALUES)})`,
    ],
    [
      "proofs/s",
      `${count(ours.proofsPerSecond as number)} (by leaf, self-checked)`,
      `${count(jsViem.proofsPerSecond as number)} (by index)`,
      `${count(js.proofsPerSecond as number)} (by index)`,
      `${count(oz.proofsPerSecond as number)} (by index)`,
    ],
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  for (const row of rows) console.log(`| ${row.map((cell, c) => cell.padEnd(widths[c]!)).join(" | ")} |`);
  console.log(
    `\nours: warm builds ${(ours.warm as number[]).map((ms) => `${ms.toFixed(0)} ms`).join(", ")}; one thread ${(ours.singleThreadMs as number).toFixed(0)} ms; ` +
      `from 1M hex strings ${(oursHex.ms as number).toFixed(0)} ms (peak RSS ${oursHex.peakRssMiB.toFixed(0)} MiB with the 1M strings).`,
  );

  // Agreement.
  const { buildMerkleTree } = await loadOurs();
  const { SimpleMerkleTree } = await loadOpenZeppelin();
  const MerkleTreeJs = await loadMerkleTreeJs();
  const checks: [string, boolean][] = [];
  const samples = ours.samples as { leaf: Hex; proof: Hex[] }[];
  const hash = await hashWasmKeccak();
  const verifier = new MerkleTreeJs([], hash, { sortPairs: true });
  checks.push([
    `${SAMPLES} proofs of our 1M tree verify with merkletreejs verify(proof, leaf, root)`,
    samples.every(({ leaf, proof }) => verifier.verify(proof, leaf, ours.root as string)),
  ]);
  checks.push([
    `… and with OZ processProof (SimpleMerkleTree.verify)`,
    samples.every(({ leaf, proof }) => SimpleMerkleTree.verify(ours.root as string, leaf, proof)),
  ]);
  checks.push([`… and a tampered proof does not`, !verifier.verify(samples[0]!.proof.slice(1), samples[0]!.leaf, ours.root as string)]);
  checks.push([`1M from hex strings = 1M packed`, oursHex.root === ours.root]);
  checks.push([`ours = OZ StandardMerkleTree root on the ${OZ_VALUES.toLocaleString("en-US")} values`, oz.root === oz.oursRoot]);
  checks.push([`ours = OZ getProof on ${SAMPLES} of them`, oz.proofsEqual === SAMPLES]);
  const pow2 = Array.from({ length: 2 ** 14 }, (_, i) => hexAt(stream(2 ** 14 * 32, 3), i));
  const pow2Js = new MerkleTreeJs(pow2, hash, { sortPairs: true, sortLeaves: true });
  checks.push([`ours = merkletreejs root on 2^14 leaves (same shape at powers of two)`, buildMerkleTree(pow2).root === pow2Js.getHexRoot()]);
  for (const [what, ok] of checks) console.log(`${ok ? "✔" : "✘"} ${what}`);
  if (checks.some(([, ok]) => !ok)) process.exitCode = 1;
}

await main();
