/**
 * Benchmarks of two revisions side by side, in one run: Merkle tree, model hashing, service
 * ingest and anchor gas, each measured by the revision's OWN bench entry points (bench/merkle.ts,
 * bench/hashing.ts in their `--child` mode, bench/service.ts, bench/anchor-gas.ts), so moved
 * source paths do not matter. Issue 11's "no regression" check:
 *
 *     npm run bench:compare                                   # 9dee324 (before issue 11) vs HEAD, ≈ 15 min
 *     npm run bench:compare -- --before main~3 --after HEAD --rounds 5 --only merkle,hashing
 *
 * Options:
 *   --before <rev>   the earlier revision (default 9dee324: main just before issue 11's first merge)
 *   --after <rev>    the later one (default HEAD)
 *   --rounds <n>     timed rounds of the Merkle and hashing cases (default 3); service: --service-rounds (default 2)
 *   --only <list>    a subset of merkle,hashing,service,gas
 *   --work <dir>     keep the two worktrees (and their builds) in <dir> and reuse them next time
 *
 * Each revision is checked out into a temporary git worktree (node_modules symlinked from this
 * checkout's, so both run on the same dependencies and the same Node) and built there when the
 * service or gas benchmarks need it. The machine may be shared, so the two revisions run
 * interleaved, case by case, in alternating order (round 1 before→after, round 2 after→before, …):
 * a burst of someone else's work hits both alike. Each figure is the best of its rounds (noise
 * only ever slows a run down), with the ratio of the medians beside it. Gas is deterministic: one
 * run each. Every figure is compared as after/before: a ratio below 1 is fewer seconds or less gas;
 * for rates the ratio is inverted so that, in every row, < 1 is better and > 1 is worse. Rows more
 * than 10 % worse (any worse for gas) are flagged.
 *
 * Quick settings, the same on both sides: a 1 GiB file and a 4 × 256 MiB model in /dev/shm for
 * hashing (BENCH_COMPARE_FILE_MIB, BENCH_COMPARE_MODEL_MIB), 1M leaves for the Merkle tree (as
 * bench/merkle.ts), SQLite only and 4 s HTTP runs for the service (BENCH_COMPARE_SERVICE_SECONDS).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { writeIncompressibleData } from "./incompressibleData.js";

const MIB = 2 ** 20;
const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));
const TSX = import.meta.resolve("tsx");
const BENCHES = ["merkle", "hashing", "service", "gas"] as const;
type Bench = (typeof BENCHES)[number];

// ---- options ---------------------------------------------------------------------------------

function option(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  if (at < 0) return undefined;
  const value = process.argv[at + 1];
  if (value === undefined || value.startsWith("--")) throw new Error(`--${name} needs a value`);
  return value;
}
function count(name: string, fallback: number): number {
  const value = option(name) ?? String(fallback);
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${value}`);
  return n;
}
function envNumber(name: string, fallback: number): number {
  const n = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number`);
  return n;
}

const BEFORE = option("before") ?? "9dee324";
const AFTER = option("after") ?? "HEAD";
const ROUNDS = count("rounds", 3);
const SERVICE_ROUNDS = count("service-rounds", 2);
const ONLY = (option("only") ?? BENCHES.join(",")).split(",").map((b) => {
  if (!(BENCHES as readonly string[]).includes(b)) throw new Error(`--only: unknown benchmark ${b} (known: ${BENCHES.join(", ")})`);
  return b as Bench;
});
const WORK = option("work");
const FILE_MIB = envNumber("BENCH_COMPARE_FILE_MIB", 1024);
const MODEL_FILE_MIB = envNumber("BENCH_COMPARE_MODEL_MIB", 256);
const MODEL_FILES = 4;
const SERVICE_SECONDS = envNumber("BENCH_COMPARE_SERVICE_SECONDS", 4);

const log = (what: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${what}\n`);

// ---- revisions -------------------------------------------------------------------------------

type Side = "before" | "after";
type Revision = { side: Side; rev: string; commit: string; dir: string };

function git(...args: string[]): string {
  return execFileSync("git", args, { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}

/** A worktree of `rev` at `dir` (reused when it is already there at that commit), with node_modules linked. */
function checkout(side: Side, rev: string, dir: string): Revision {
  const commit = git("rev-parse", "--verify", `${rev}^{commit}`);
  if (existsSync(dir) && spawnSync("git", ["rev-parse", "HEAD"], { cwd: dir, encoding: "utf8" }).stdout.trim() !== commit) {
    git("worktree", "remove", "--force", dir);
  }
  if (!existsSync(dir)) {
    log(`checking out ${side} (${rev} = ${commit.slice(0, 7)}) into ${dir}`);
    git("worktree", "add", "--detach", dir, commit);
  }
  if (!existsSync(join(dir, "node_modules"))) symlinkSync(realpathSync(join(ROOT, "node_modules")), join(dir, "node_modules"));
  return { side, rev, commit, dir };
}

/** Runs `command` in `cwd`, failing with its stderr; returns stdout. */
function run(cwd: string, command: string, args: readonly string[], env: Record<string, string> = {}): string {
  const result = spawnSync(command, args, { cwd, encoding: "utf8", maxBuffer: 256 * MIB, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} (in ${cwd}) exited ${result.status}:\n${result.stderr.slice(-4000)}`);
  return result.stdout;
}

/** `node --import tsx <script> args…` in the revision's folder (its tsconfig, its sources). */
function tsx(revision: Revision, script: string, args: readonly string[], env: Record<string, string> = {}, nodeArgs: readonly string[] = []): string {
  return run(revision.dir, process.execPath, [...nodeArgs, "--import", TSX, join(revision.dir, script), ...args], env);
}

/**
 * CPU seconds (user + system) of this process's waited-for children so far (Linux: cutime and
 * cstime of /proc/self/stat, in clock ticks of 10 ms). A child's CPU time, its threads included,
 * is what a shared machine disturbs least: other processes stretch a run's wall time much more
 * than the CPU it needs.
 */
function childrenCpuSeconds(): number {
  if (!existsSync("/proc/self/stat")) return Number.NaN;
  const fields = (readFileSync("/proc/self/stat", "utf8").split(") ")[1] ?? "").split(" ");
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

function build(revision: Revision): void {
  if (existsSync(join(revision.dir, "dist", "src", "index.js")) && existsSync(join(revision.dir, "artifacts"))) return;
  log(`building ${revision.side} (hardhat build + tsc)`);
  run(revision.dir, "npm", ["run", "build", "--silent"]);
}

/** Both revisions, once per round, in alternating order. */
function interleaved<T>(revisions: readonly [Revision, Revision], rounds: number, measure: (revision: Revision, round: number) => T): Record<Side, T[]> {
  const out: Record<Side, T[]> = { before: [], after: [] };
  for (let round = 1; round <= rounds; round++) {
    const order = round % 2 === 1 ? revisions : ([revisions[1], revisions[0]] as const);
    for (const revision of order) out[revision.side].push(measure(revision, round));
  }
  return out;
}

// ---- rows ------------------------------------------------------------------------------------

/**
 * One compared figure. `better`: whether a lower or higher value is the better one. `tolerance`: how
 * much worse (a fraction) is not flagged: 10 % by default (a shared machine), 0 for gas, 0.5 % for
 * the gas of calls whose calldata holds fresh random keys (a zero byte costs less than another).
 */
type Row = { bench: string; what: string; unit: string; better: "lower" | "higher"; before: number[]; after: number[]; exact?: boolean; tolerance?: number };
const rows: Row[] = [];
const checks: [string, boolean][] = [];

const best = (row: Row, side: Side) => (row.better === "lower" ? Math.min(...row[side]) : Math.max(...row[side]));
const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};
/** after/before for "lower is better", before/after for rates: < 1 is better in every row. */
const ratio = (row: Row, a: number, b: number) => (row.better === "lower" ? a / b : b / a);

function format(value: number, unit: string): string {
  if (unit === "gas") return Math.round(value).toLocaleString("en-US");
  if (unit === "GiB/s") return value.toFixed(2);
  if (unit === "s" || unit === "CPU s") return value.toFixed(2);
  return Math.round(value).toLocaleString("en-US");
}

// ---- Merkle tree: bench/merkle.ts --child ours / ours-hex --------------------------------------

type MerkleOurs = {
  childCpuSeconds: number;
  coldMs: number;
  warmMs: number;
  singleThreadMs: number;
  proofsPerSecond: number;
  buildPeakRssMiB: number;
  root: string;
};
type MerkleHex = { ms: number; root: string };

function merkle(revisions: readonly [Revision, Revision]): void {
  const child = <T>(revision: Revision, name: string, round: number): T & { childCpuSeconds: number } => {
    log(`merkle round ${round}/${ROUNDS}: ${revision.side} ${name}`);
    const cpuBefore = childrenCpuSeconds();
    const stdout = tsx(revision, "bench/merkle.ts", ["--child", name], {}, ["--expose-gc"]);
    return { ...(JSON.parse(stdout.trim().split("\n").at(-1) as string) as T), childCpuSeconds: childrenCpuSeconds() - cpuBefore };
  };
  const ours = interleaved(revisions, ROUNDS, (r, round) => child<MerkleOurs>(r, "ours", round));
  const hex = interleaved(revisions, ROUNDS, (r, round) => child<MerkleHex>(r, "ours-hex", round));
  const add = (what: string, unit: string, better: Row["better"], pick: (m: MerkleOurs) => number) =>
    rows.push({ bench: "merkle", what, unit, better, before: ours.before.map(pick), after: ours.after.map(pick) });
  add("build 1M packed leaves, warm (2 threads)", "ms", "lower", (m) => m.warmMs);
  add("build 1M packed leaves, cold (2 threads)", "ms", "lower", (m) => m.coldMs);
  add("build 1M packed leaves, 1 thread", "ms", "lower", (m) => m.singleThreadMs);
  add("CPU of the whole case (1M leaves made, 5 builds, 100k proofs; all threads)", "CPU s", "lower", (m) => m.childCpuSeconds);
  rows.push({
    bench: "merkle",
    what: "build from 1M hex strings",
    unit: "ms",
    better: "lower",
    before: hex.before.map((m) => m.ms),
    after: hex.after.map((m) => m.ms),
  });
  add("getProof by leaf", "proofs/s", "higher", (m) => m.proofsPerSecond);
  add("peak RSS of one build", "MiB", "lower", (m) => m.buildPeakRssMiB);
  const roots = new Set([...ours.before, ...ours.after, ...hex.before, ...hex.after].map((m) => m.root));
  checks.push(["merkle: the same 1M-leaf root from both revisions, packed and hex, every round", roots.size === 1]);
}

// ---- hashing: bench/hashing.ts --child <case> <path> -------------------------------------------

type HashMeasurement = { seconds: number; cpuSeconds: number; bytes: number; peakGrowthMiB: number | undefined; digest: string };

function hashing(revisions: readonly [Revision, Revision]): void {
  const scratch = mkdtempSync(join(existsSync("/dev/shm") ? "/dev/shm" : tmpdir(), "provenance-bench-compare-"));
  try {
    const file = join(scratch, "large.bin");
    writeIncompressibleData(file, FILE_MIB * MIB, 1);
    const model = join(scratch, "model");
    mkdirSync(model);
    for (let i = 0; i < MODEL_FILES; i++) writeIncompressibleData(join(model, `model-${i + 1}-of-${MODEL_FILES}.safetensors`), MODEL_FILE_MIB * MIB, i + 2);
    const cases = [
      { name: "node-crypto", path: file, what: `node:crypto SHA-256, 1 core (control: the same code in both), ${FILE_MIB} MiB file` },
      { name: "hashModel-file", path: file, what: `hashModel(file), ${FILE_MIB} MiB` },
      { name: "shards-2", path: file, what: `hashModelShards, 2 workers, ${FILE_MIB} MiB file` },
      { name: "hashModel-1", path: model, what: `hashModel(directory ${MODEL_FILES} × ${MODEL_FILE_MIB} MiB), workers: 1` },
      { name: "hashModel-2", path: model, what: `hashModel(directory ${MODEL_FILES} × ${MODEL_FILE_MIB} MiB), workers: 2` },
    ];
    for (const c of cases) {
      const runs = interleaved(revisions, ROUNDS, (revision, round) => {
        log(`hashing round ${round}/${ROUNDS}: ${revision.side} ${c.name}`);
        return JSON.parse(
          tsx(revision, "bench/hashing.ts", ["--child", c.name, c.path], {}, ["--expose-gc"]).trim().split("\n").at(-1) as string,
        ) as HashMeasurement;
      });
      const rate = (m: HashMeasurement) => m.bytes / 2 ** 30 / m.seconds;
      rows.push({ bench: "hashing", what: c.what, unit: "GiB/s", better: "higher", before: runs.before.map(rate), after: runs.after.map(rate) });
      const cpu = (m: HashMeasurement) => m.cpuSeconds / (m.bytes / 2 ** 30);
      rows.push({
        bench: "hashing",
        what: "… CPU per GiB (all threads)",
        unit: "CPU s",
        better: "lower",
        before: runs.before.map(cpu),
        after: runs.after.map(cpu),
      });
      checks.push([
        `hashing: ${c.name} gives the same digest in both revisions, every round`,
        new Set([...runs.before, ...runs.after].map((m) => m.digest)).size === 1,
      ]);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

// ---- service ingest: bench/service.ts (SQLite, short runs), its table parsed -------------------

/** The figures of bench/service.ts's table this comparison keeps: label pattern → value pattern. */
const SERVICE_FIGURES: { what: string; label: RegExp; value: RegExp; unit: string; better: Row["better"] }[] = [
  {
    what: "building entries (validate, canonical JSON, SHA-256, leaf)",
    label: /^building entries/,
    value: /([\d,]+) records\/s/,
    unit: "records/s",
    better: "higher",
  },
  {
    what: "SDK durable ingest, SQLite, addEntries (500 per transaction)",
    label: /^SDK durable ingest, SQLite: store\.addEntries/,
    value: /([\d,]+) records\/s/,
    unit: "records/s",
    better: "higher",
  },
  {
    what: "SDK durable ingest, SQLite, ingest queue (ingest thread)",
    label: /^SDK durable ingest, SQLite: ingest queue/,
    value: /([\d,]+) records\/s/,
    unit: "records/s",
    better: "higher",
  },
  {
    what: "HTTP POST /v1/entries, one record each, 256 clients",
    label: /^HTTP POST \/v1\/entries \(one record each\), 256 clients, SQLite/,
    value: /([\d,]+) records\/s/,
    unit: "records/s",
    better: "higher",
  },
  {
    what: "… the service's CPU per record",
    label: /^HTTP POST \/v1\/entries \(one record each\), 256 clients, SQLite/,
    value: /service ([\d,]+) µs CPU\/record/,
    unit: "CPU µs",
    better: "lower",
  },
  {
    what: "HTTP POST /v1/entries:batch, 100 records each, 32 clients",
    label: /^HTTP POST \/v1\/entries:batch/,
    value: /([\d,]+) records\/s/,
    unit: "records/s",
    better: "higher",
  },
  {
    what: "… the service's CPU per record",
    label: /^HTTP POST \/v1\/entries:batch/,
    value: /service ([\d,]+) µs CPU\/record/,
    unit: "CPU µs",
    better: "lower",
  },
  { what: "accepted → anchored (mined), p50", label: /^accepted → anchored/, value: /p50 ([\d.]+) s/, unit: "s", better: "lower" },
  { what: "accepted → anchored (mined), p99", label: /^accepted → anchored/, value: /p99 ([\d.]+) s/, unit: "s", better: "lower" },
  { what: "service start (spawn → listening)", label: /^service start/, value: /([\d,]+) ms/, unit: "ms", better: "lower" },
];

function service(revisions: readonly [Revision, Revision]): void {
  const env = { BENCH_POSTGRES: "0", BENCH_SECONDS: String(SERVICE_SECONDS), BENCH_CLIENTS: "256", BENCH_WAIT_IDLE: "0" };
  const runs = interleaved(revisions, SERVICE_ROUNDS, (revision, round) => {
    log(`service round ${round}/${SERVICE_ROUNDS}: ${revision.side} (≈ 1–2 min)`);
    const cells = new Map<string, string>();
    for (const line of tsx(revision, "bench/service.ts", [], env).split("\n")) {
      const [label, value] = line.split(" | ");
      if (line.startsWith("| ") && label !== undefined && value !== undefined) cells.set(label.slice(2), value.replaceAll("**", ""));
    }
    return SERVICE_FIGURES.map(({ what, label, value }) => {
      const cell = [...cells].find(([l]) => label.test(l))?.[1];
      const match = cell === undefined ? null : value.exec(cell);
      if (!match) throw new Error(`bench/service.ts of ${revision.side}: no figure for "${what}" in its table`);
      return Number((match[1] as string).replaceAll(",", ""));
    });
  });
  for (const [i, figure] of SERVICE_FIGURES.entries()) {
    rows.push({
      bench: "service",
      what: figure.what,
      unit: figure.unit,
      better: figure.better,
      before: runs.before.map((r) => r[i] as number),
      after: runs.after.map((r) => r[i] as number),
    });
  }
}

// ---- anchor gas: bench/anchor-gas.ts (cancun), its table parsed ---------------------------------

/** Rows of bench/anchor-gas.ts: label prefix → names of the numbers in its "now" column. */
const GAS_FIGURES: [string, string[]][] = [
  ["deployment (ProvenanceRegistry)", ["deployment"]],
  ["registerOrganisation", ["registerOrganisation, first", "registerOrganisation, second"]],
  ["anchor: first batch of each organisation", ["anchor, first batch of organisation 1", "anchor, first batch of organisation 2"]],
  ["anchor: steady state", ["anchor, steady state min", "anchor, steady state max"]],
  ["anchor: all", ["anchor, all 20: median", "anchor, all 20: max"]],
  ["anchor of a root another organisation anchored first", ["anchor of a root another organisation anchored first"]],
  ["revokeSubject", ["revokeSubject", "revokeSubject again"]],
  ["reinstateSubject", ["reinstateSubject"]],
  ["registerSigningKey", ["registerSigningKey secp256k1", "registerSigningKey ed25519", "registerSigningKey P-256"]],
  ["revokeSigningKey", ["revokeSigningKey"]],
];

function gas(revisions: readonly [Revision, Revision]): void {
  const figures: Record<Side, Map<string, number>> = { before: new Map(), after: new Map() };
  for (const revision of revisions) {
    log(`anchor gas: ${revision.side}`);
    const output = run(revision.dir, join(revision.dir, "node_modules", ".bin", "hardhat"), ["run", "bench/anchor-gas.ts"]);
    // The first section is the cancun hardfork (the contracts' EVM target); the second EDR's default.
    const cancun = output.split("\nProvenanceRegistry gas, hardfork ")[1];
    if (cancun === undefined || !cancun.startsWith("cancun")) throw new Error(`bench/anchor-gas.ts of ${revision.side}: no cancun table`);
    for (const line of cancun.split("\n").slice(2)) {
      const entry = GAS_FIGURES.find(([prefix]) => line.trimStart().startsWith(prefix));
      if (!entry) continue;
      const now = line
        .trimStart()
        .slice(entry[0].length)
        .trim()
        .split(/\s{2,}/);
      const numbers = (now.find((cell) => /^[\d,]+( \/ [\d,]+)*$/.test(cell)) ?? "").split(" / ").map((n) => Number(n.replaceAll(",", "")));
      entry[1].forEach((name, i) => {
        if (numbers[i] !== undefined && !Number.isNaN(numbers[i])) figures[revision.side].set(name, numbers[i]);
      });
    }
  }
  for (const name of GAS_FIGURES.flatMap(([, names]) => names)) {
    const before = figures.before.get(name);
    const after = figures.after.get(name);
    if (before === undefined || after === undefined) throw new Error(`bench/anchor-gas.ts: no figure for "${name}" (before ${before}, after ${after})`);
    const randomKeys = /SigningKey/.test(name);
    rows.push({
      bench: "anchor gas",
      what: `${name} (cancun)${randomKeys ? ", random keys" : ""}`,
      unit: "gas",
      better: "lower",
      before: [before],
      after: [after],
      exact: true,
      tolerance: randomKeys ? 0.005 : 0,
    });
  }
}

// ---- main ------------------------------------------------------------------------------------

function report(revisions: readonly [Revision, Revision], startedAt: string): void {
  const [before, after] = revisions;
  const table: string[][] = [
    ["benchmark", "unit", `before (${before.commit.slice(0, 7)})`, `after (${after.commit.slice(0, 7)})`, "ratio", "ratio of medians", ""],
  ];
  for (const row of rows) {
    const b = best(row, "before");
    const a = best(row, "after");
    const r = ratio(row, a, b);
    const worse = r > 1 + (row.tolerance ?? (row.exact ? 0 : 0.1));
    table.push([
      `${row.bench}: ${row.what}`,
      `${row.unit}${row.better === "higher" ? " ↑" : " ↓"}`,
      format(b, row.unit),
      format(a, row.unit),
      r.toFixed(3),
      row.exact ? "" : ratio(row, median(row.after), median(row.before)).toFixed(3),
      worse ? `WORSE by ${((r - 1) * 100).toFixed(1)} %` : "",
    ]);
  }
  const widths = (table[0] as string[]).map((_, c) => Math.max(...table.map((r) => (r[c] as string).length)));
  console.log(
    `\nmachine: ${cpus().length} × ${cpus()[0]?.model ?? "?"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}; ` +
      `started ${startedAt}, load average at the end ${loadavg()
        .map((x) => x.toFixed(2))
        .join(" ")}`,
  );
  console.log(
    `before = ${before.rev} (${before.commit}), after = ${after.rev} (${after.commit}); best of ${ROUNDS} interleaved rounds (service: ${SERVICE_ROUNDS}); gas: one run each\n`,
  );
  for (const [i, r] of table.entries()) {
    console.log(`| ${r.map((cell, c) => cell.padEnd(widths[c] as number)).join(" | ")} |`);
    if (i === 0) console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
  }
  console.log(
    "\nratio: after/before for ↓ figures (time, gas, memory), before/after for ↑ figures (rates): below 1 the after revision is better, above 1 worse. " +
      "Flagged: more than 10 % worse (gas: any worse; 0.5 % for the key registrations, whose calldata holds random keys). " +
      "CPU figures (CPU s, CPU µs) are what a shared machine disturbs least: trust them over wall times when the load average is high.",
  );
  for (const [what, ok] of checks) console.log(`${ok ? "✔" : "✘"} ${what}`);
  if (checks.some(([, ok]) => !ok)) process.exitCode = 1;
}

async function main(): Promise<void> {
  const startedAt = new Date().toISOString();
  const base = WORK ? resolve(WORK) : mkdtempSync(join(tmpdir(), "provenance-compare-"));
  mkdirSync(base, { recursive: true });
  const revisions: [Revision, Revision] = [checkout("before", BEFORE, join(base, "before")), checkout("after", AFTER, join(base, "after"))];
  const cleanup = () => {
    if (WORK) return;
    for (const revision of revisions) spawnSync("git", ["worktree", "remove", "--force", revision.dir], { cwd: ROOT });
    rmSync(base, { recursive: true, force: true });
  };
  process.once("SIGINT", () => {
    cleanup();
    process.exit(130);
  });
  try {
    if (ONLY.includes("service") || ONLY.includes("gas")) for (const revision of revisions) build(revision);
    if (ONLY.includes("merkle")) merkle(revisions);
    if (ONLY.includes("hashing")) hashing(revisions);
    if (ONLY.includes("service")) service(revisions);
    if (ONLY.includes("gas")) gas(revisions);
    report(revisions, startedAt);
  } finally {
    cleanup();
  }
}

await main();
