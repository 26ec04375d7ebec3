/**
 * Model hashing benchmark, in one run: single-core SHA-256 (node:crypto, sha256sum, openssl)
 * against hashModel on 1 and 2 worker threads and sharded hashing, on data in the page cache,
 * with peak memory. Ratios are against node:crypto on one core in its fastest form (readSync into
 * one reused buffer), not against the slower createReadStream (also shown).
 *
 *     node_modules/.bin/tsx bench/hashing.ts                       # ≈ 2–3 min on 2 cores, 4 GiB of tmpfs
 *     BENCH_LARGE_GIB=10 node_modules/.bin/tsx bench/hashing.ts    # the 10 GiB single file (needs 10 GiB free in BENCH_DIR)
 *
 * Environment:
 *   BENCH_DIR        where the data goes (default /dev/shm when it exists: tmpfs is the page
 *                    cache, so nothing is read from disk; else the OS temp dir, read once first
 *                    to warm the page cache, which then needs as much free RAM as the data)
 *   BENCH_LARGE_GIB  size of the large single file (default 4)
 *   BENCH_FILES      files in the multi-file model (default 8) …
 *   BENCH_FILE_MIB   … of this many MiB each (default 512)
 *   BENCH_RUNS       timed rounds (default 3); best and median are reported
 *   BENCH_WAIT_IDLE  0 to not wait for an idle CPU before each measurement (default: wait up to
 *                    30 s for 2 s at ≥ 90% idle; Linux only)
 *
 * The machine may be shared, so: the cases of a phase run round-robin (round 1 runs every case
 * once, then round 2, …), so a burst of someone else's work spreads over the cases instead of
 * wiping out one; each measurement first waits briefly for an idle CPU; and the CPU/wall column
 * shows how many cores the measured process actually had. Each measurement is its own child
 * process, so its peak RSS (Linux VmHWM, reset after a warm-up; worker threads included) is its
 * own; times include starting the workers. The data is written, measured and deleted in two
 * phases (the large file, then the model), so at most max(large, model) bytes exist at once;
 * everything is deleted at the end, also on error or Ctrl-C.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  closeSync,
  createReadStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeIncompressibleData } from "./incompressibleData.js";

const GIB = 2 ** 30;
const MIB = 2 ** 20;
const env = (name: string, fallback: number) => {
  const value = process.env[name];
  if (value === undefined || value === "") return fallback;
  const number = Number(value);
  if (!Number.isFinite(number) || number < 0) throw new Error(`${name} must be a non-negative number, got ${value}`);
  return number;
};
const LARGE_BYTES = Math.round(env("BENCH_LARGE_GIB", 4) * GIB);
const FILES = Math.max(1, Math.round(env("BENCH_FILES", 8)));
const FILE_BYTES = Math.round(env("BENCH_FILE_MIB", 512) * MIB);
const RUNS = Math.max(1, Math.round(env("BENCH_RUNS", 3)));
const WAIT_IDLE = env("BENCH_WAIT_IDLE", 1) !== 0;
const BASE_DIR = process.env.BENCH_DIR || (existsSync("/dev/shm") ? "/dev/shm" : tmpdir());

// ------------------------------------------------------------------------------------------
// Children: one measurement each. argv: --child <case> <path>

type Measurement = { seconds: number; cpuSeconds: number; bytes: number; peakGrowthMiB: number | undefined; digest: string };

const vmHwm = () => {
  const match = /VmHWM:\s*(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
  return match ? Number(match[1]) * 1024 : undefined;
};
/** Resets the peak RSS (Linux); false when it cannot. */
const resetPeak = () => {
  try {
    writeFileSync("/proc/self/clear_refs", "5");
    return vmHwm() !== undefined;
  } catch {
    return false;
  }
};
const fileBytes = (path: string) => statSync(path).size;
const digestOfShards = (shards: { sha256: string }[]) =>
  createHash("sha256")
    .update(shards.map((s) => s.sha256).join())
    .digest("hex");

/** SHA-256 of a file with node:crypto and `readSync` into one reused buffer: the fastest one-core loop in Node. */
function readSyncSha256(path: string): string {
  const hash = createHash("sha256");
  const buffer = Buffer.allocUnsafe(256 * 1024);
  const fd = openSync(path, "r");
  try {
    for (let position = 0, bytesRead = 0; (bytesRead = readSync(fd, buffer, 0, buffer.length, position)) > 0; position += bytesRead)
      hash.update(buffer.subarray(0, bytesRead));
  } finally {
    closeSync(fd);
  }
  return hash.digest("hex");
}

/** SHA-256 of a file with node:crypto over a read stream (what most Node code does). */
function streamSha256(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash("sha256");
    createReadStream(path, { highWaterMark: MIB })
      .on("data", (chunk) => hash.update(chunk))
      .on("error", reject)
      .on("end", () => resolve(hash.digest("hex")));
  });
}

const cases: Record<string, (path: string) => Promise<{ digest: string; bytes: number }>> = {
  async "node-crypto"(path) {
    return { digest: readSyncSha256(path), bytes: fileBytes(path) };
  },
  async "node-crypto-stream"(path) {
    return { digest: await streamSha256(path), bytes: fileBytes(path) };
  },
  async "hashModel-file"(path) {
    const { hashModel } = await import("../src/local/hashing/hashModel.js");
    const digest = await hashModel(path);
    return { digest: digest.sha256, bytes: digest.size };
  },
  async "shards-2"(path) {
    const { hashModelShards } = await import("../src/local/hashing/hashModelShards.js");
    return { digest: digestOfShards((await hashModelShards(path, { workers: 2 })).shards), bytes: fileBytes(path) };
  },
  async "shards-2-256MiB"(path) {
    const { hashModelShards } = await import("../src/local/hashing/hashModelShards.js");
    return { digest: digestOfShards((await hashModelShards(path, { workers: 2, shardSize: 256 * MIB })).shards), bytes: fileBytes(path) };
  },
  async "hashModel-1"(path) {
    const { hashModel } = await import("../src/local/hashing/hashModel.js");
    const digest = await hashModel(path, { workers: 1 });
    return { digest: digest.sha256, bytes: digest.size };
  },
  async "hashModel-2"(path) {
    const { hashModel } = await import("../src/local/hashing/hashModel.js");
    const digest = await hashModel(path, { workers: 2 });
    return { digest: digest.sha256, bytes: digest.size };
  },
};

async function child(name: string, path: string): Promise<Measurement> {
  const run = cases[name];
  if (!run) throw new Error(`unknown case ${name}`);
  // Warm-up on small data of the same kind (a file or a directory): loads the code and starts
  // workers once before the baseline is taken.
  const warm = join(path, "..", `warm-${process.pid}`);
  mkdirSync(warm);
  try {
    for (const file of ["a.bin", "b.bin"]) writeFileSync(join(warm, file), Buffer.alloc(2 * MIB, 1));
    await run(statSync(path).isDirectory() ? warm : join(warm, "a.bin"));
  } finally {
    rmSync(warm, { recursive: true, force: true });
  }
  (globalThis as { gc?: () => void }).gc?.();
  const hasPeak = resetPeak();
  const baseline = process.memoryUsage().rss;
  const cpu = process.cpuUsage(); // all threads of the process, workers included
  const start = performance.now();
  const { digest, bytes } = await run(path);
  const seconds = (performance.now() - start) / 1000;
  const { user, system } = process.cpuUsage(cpu);
  const peak = hasPeak ? vmHwm() : undefined;
  return { seconds, cpuSeconds: (user + system) / 1e6, bytes, digest, peakGrowthMiB: peak === undefined ? undefined : (peak - baseline) / MIB };
}

function runChild(name: string, path: string): Measurement {
  const output = execFileSync(process.execPath, [...process.execArgv, "--expose-gc", fileURLToPath(import.meta.url), "--child", name, path], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  return JSON.parse(output.trim().split("\n").at(-1) as string) as Measurement;
}

// ------------------------------------------------------------------------------------------
// Parent

/** Reads every file once, so the page cache holds it (nothing to do on tmpfs, but cheap). */
function warmPageCache(paths: string[]): void {
  const buffer = Buffer.allocUnsafe(4 * MIB);
  for (const path of paths) {
    const fd = openSync(path, "r");
    try {
      while (readSync(fd, buffer) > 0);
    } finally {
      closeSync(fd);
    }
  }
}

/** Idle share of all CPUs over the next `ms` (Linux /proc/stat), or undefined elsewhere. */
function idleShare(ms: number): number | undefined {
  const sample = () => {
    const fields = readFileSync("/proc/stat", "utf8").split("\n")[0]?.trim().split(/\s+/).slice(1).map(Number) ?? [];
    return { total: fields.reduce((sum, x) => sum + x, 0), idle: (fields[3] ?? 0) + (fields[4] ?? 0) };
  };
  try {
    const before = sample();
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
    const after = sample();
    return (after.idle - before.idle) / Math.max(1, after.total - before.total);
  } catch {
    return undefined;
  }
}

/** Waits (at most 30 s) until the CPUs were ≥ 90% idle for 2 s in a row; false if they never were. */
function waitForIdle(): boolean {
  if (!WAIT_IDLE) return true;
  const deadline = Date.now() + 30_000;
  let quiet = 0;
  while (Date.now() < deadline) {
    const idle = idleShare(1000);
    if (idle === undefined) return true;
    quiet = idle >= 0.9 ? quiet + 1 : 0;
    if (quiet >= 2) return true;
  }
  return false;
}

/** `command args…` once, timed; undefined when the command is not installed. */
function timeCommand(command: string, args: string[]): { seconds: number; output: string } | undefined {
  const start = performance.now();
  const run = spawnSync(command, args, { encoding: "utf8", maxBuffer: 16 * MIB });
  if (run.error || run.status !== 0) return undefined;
  return { seconds: (performance.now() - start) / 1000, output: run.stdout };
}

type Row = { what: string; data: string; bytes: number; runs: Measurement[]; busyWaits: number };
const bestSeconds = (row: Row) => Math.min(...row.runs.map((m) => m.seconds));
const medianSeconds = (row: Row) => [...row.runs.map((m) => m.seconds)].sort((a, b) => a - b)[Math.floor(row.runs.length / 2)] as number;

/** Runs each case `RUNS` times, round-robin, and returns one row per case. */
function measure(cases: { name: string; what: string }[], path: string, data: string, log: (what: string) => void): Row[] {
  const rows: Row[] = cases.map(({ what }) => ({ what, data, bytes: 0, runs: [], busyWaits: 0 }));
  for (let round = 1; round <= RUNS; round++) {
    for (const [i, { name, what }] of cases.entries()) {
      log(`round ${round}/${RUNS}: ${what}`);
      const row = rows[i] as Row;
      if (!waitForIdle()) row.busyWaits++;
      const measurement = runChild(name, path);
      row.runs.push(measurement);
      row.bytes = measurement.bytes;
    }
  }
  return rows;
}

/** One run of an external command as a row (no CPU or memory figures). */
function commandRow(what: string, data: string, bytes: number, command: string, args: string[]): { row: Row; output: string } | undefined {
  waitForIdle();
  const run = timeCommand(command, args);
  if (!run) return undefined;
  return {
    row: { what, data, bytes, busyWaits: 0, runs: [{ seconds: run.seconds, cpuSeconds: Number.NaN, bytes, digest: "", peakGrowthMiB: undefined }] },
    output: run.output,
  };
}

async function main(): Promise<void> {
  const childArg = process.argv.indexOf("--child");
  if (childArg >= 0) {
    process.stdout.write(`${JSON.stringify(await child(process.argv[childArg + 1] as string, process.argv[childArg + 2] as string))}\n`);
    return;
  }
  const cpu = cpus();
  const load = () =>
    loadavg()
      .map((x) => x.toFixed(2))
      .join(" ");
  console.log(
    `machine: ${cpu.length} × ${cpu[0]?.model ?? "?"} (availableParallelism ${availableParallelism()}), ${(totalmem() / GIB).toFixed(0)} GiB, ` +
      `Node ${process.version}, data in ${BASE_DIR}, ${RUNS} rounds; load average before: ${load()}`,
  );
  const scratch = mkdtempSync(join(BASE_DIR, "provenance-hashing-bench-"));
  const cleanup = () => rmSync(scratch, { recursive: true, force: true });
  process.once("SIGINT", () => {
    cleanup();
    process.exit(130);
  });
  const log = (what: string) => process.stderr.write(`${what}…\n`);
  const rows: Row[] = [];
  const checks: [string, boolean][] = [];
  const gib = (bytes: number) => `${Number((bytes / GIB).toFixed(2))} GiB`;
  try {
    // Phase 1: one large file.
    const large = join(scratch, "large.bin");
    const largeLabel = `1 file, ${gib(LARGE_BYTES)}`;
    log(`writing ${largeLabel}`);
    writeIncompressibleData(large, LARGE_BYTES, 1);
    warmPageCache([large]);
    const single = measure(
      [
        { name: "node-crypto", what: "node:crypto SHA-256, 1 core (readSync, reused buffer)" },
        { name: "node-crypto-stream", what: "node:crypto SHA-256, 1 core (createReadStream)" },
        { name: "hashModel-file", what: "hashModel(file): one SHA-256 stream" },
        { name: "shards-2", what: "hashModelShards, 2 workers, shard 1,000,000,000" },
        { name: "shards-2-256MiB", what: "hashModelShards, 2 workers, shard 256 MiB" },
      ],
      large,
      largeLabel,
      log,
    );
    rows.push(...single);
    log("sha256sum, openssl");
    const coreutils = commandRow("sha256sum (coreutils), 1 run", largeLabel, LARGE_BYTES, "sha256sum", [large]);
    const openssl = commandRow("openssl dgst -sha256, 1 run", largeLabel, LARGE_BYTES, "openssl", ["dgst", "-sha256", large]);
    for (const extra of [coreutils, openssl]) if (extra) rows.push(extra.row);
    const digests = new Set(single.slice(0, 3).flatMap((row) => row.runs.map((m) => m.digest)));
    checks.push(["hashModel(file) = node:crypto SHA-256 (both ways), every run", digests.size === 1]);
    if (coreutils) checks.push(["… = sha256sum", coreutils.output.startsWith([...digests][0] as string)]);
    checks.push(["the shards are the same in every run", single.slice(3).every((row) => new Set(row.runs.map((m) => m.digest)).size === 1)]);
    rmSync(large);

    // Phase 2: a multi-file model.
    const model = join(scratch, "model");
    mkdirSync(model);
    const modelLabel = `${FILES} files × ${(FILE_BYTES / MIB).toFixed(0)} MiB`;
    log(`writing ${modelLabel}`);
    const width = String(FILES).length;
    for (let i = 0; i < FILES; i++)
      writeIncompressibleData(join(model, `model-${String(i + 1).padStart(width, "0")}-of-${FILES}.safetensors`), FILE_BYTES, i + 2);
    const modelFiles = readdirSync(model).map((name) => join(model, name));
    warmPageCache(modelFiles);
    const directory = measure(
      [
        { name: "hashModel-1", what: "hashModel(directory), workers: 1" },
        { name: "hashModel-2", what: "hashModel(directory), workers: 2" },
      ],
      model,
      modelLabel,
      log,
    );
    rows.push(...directory);
    checks.push([
      "hashModel(directory): the same digest with 1 and 2 workers, every run",
      new Set(directory.flatMap((row) => row.runs.map((m) => m.digest))).size === 1,
    ]);
  } finally {
    cleanup();
  }

  const reference = (rows[0] as Row).bytes / GIB / bestSeconds(rows[0] as Row);
  const table: string[][] = [
    ["", "data", "best s", "median s", "GiB/s (best)", "vs 1 core", "CPU/wall (best run)", "peak RSS growth"],
    ...rows.map((row) => {
      const best = row.runs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
      const rate = row.bytes / GIB / best.seconds;
      const peaks = row.runs.flatMap((m) => (m.peakGrowthMiB === undefined ? [] : [m.peakGrowthMiB]));
      return [
        row.what,
        row.data,
        best.seconds.toFixed(2),
        row.runs.length > 1 ? medianSeconds(row).toFixed(2) : "",
        rate.toFixed(2),
        `${(rate / reference).toFixed(2)}×`,
        Number.isNaN(best.cpuSeconds)
          ? ""
          : `${(best.cpuSeconds / best.seconds).toFixed(2)}${row.busyWaits > 0 ? ` (${row.busyWaits} runs on a busy CPU)` : ""}`,
        peaks.length > 0 ? `+${Math.max(...peaks).toFixed(1)} MiB` : "",
      ];
    }),
  ];
  const widths = (table[0] as string[]).map((_, c) => Math.max(...table.map((r) => (r[c] as string).length)));
  console.log("");
  for (const [i, r] of table.entries()) {
    console.log(`| ${r.map((cell, c) => cell.padEnd(widths[c] as number)).join(" | ")} |`);
    if (i === 0) console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
  }
  console.log(
    `\nload average after: ${load()}. "vs 1 core": best GiB/s against the first row's. CPU/wall: CPU seconds of the measured process ` +
      "(all threads) per wall second, about the number of cores it had (below the worker count when other processes competed). " +
      "Peak RSS growth: the largest growth of VmHWM over the RSS after a warm-up, worker threads included.",
  );
  for (const [what, ok] of checks) console.log(`${ok ? "✔" : "✘"} ${what}`);
  if (checks.some(([, ok]) => !ok)) process.exitCode = 1;
}

await main();
