import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const REPO = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const GIB = 1024 ** 3;
const MIB = 1024 ** 2;
// SHA-256 of 2^30 zero bytes (checked once with coreutils `sha256sum` and Python hashlib; too slow to recompute here).
const ZEROS_1GIB_SHA256 = "49bc20df15e412a64472421e13fe86ff1c5165e18b2afccf160d4dc19fe68a14";

// tmpfs reads holes without filling the page cache (a disk filesystem spends seconds of kernel time on it).
const scratch = mkdtempSync(join(existsSync("/dev/shm") ? "/dev/shm" : tmpdir(), "hashing-memory-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

type ChildReport = { sha256: string; size: number; rssBefore: number; peakBefore: number; peakAfter: number; peakSource: string; seconds: number };

describe("hashModel memory", () => {
  it("behavior: a 1 GiB file hashes in constant memory (peak RSS grows < 64 MiB, measured in a child process)", { timeout: 60_000 }, (t) => {
    const big = join(scratch, "weights.bin");
    writeFileSync(big, "");
    truncateSync(big, GIB); // sparse: instant to create, reads as zeros
    const warm = join(scratch, "warm.bin");
    writeFileSync(warm, "warm up the code paths before taking the baseline");

    // The child measures itself: a baseline after imports and a warm-up hash, then the peak RSS
    // after hashing. On Linux the peak (VmHWM) is reset at the baseline through
    // /proc/self/clear_refs, so an earlier peak (e.g. from TS compilation) cannot hide growth;
    // elsewhere getrusage's maxRSS is used. Growth is measured against the RSS at the baseline.
    const script = `
      import { readFileSync, writeFileSync } from "node:fs";
      const { hashModel } = await import(${JSON.stringify(join(REPO, "src/local/hashing/hashModel.ts"))});
      const hwm = () => Number(/VmHWM:\\s*(\\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"))?.[1]) * 1024;
      let peakSource = "maxRSS";
      let peak = () => process.resourceUsage().maxRSS * 1024;
      await hashModel(process.argv[2]);
      globalThis.gc();
      try { writeFileSync("/proc/self/clear_refs", "5"); if (hwm() > 0) { peak = hwm; peakSource = "VmHWM"; } } catch {}
      const rssBefore = process.memoryUsage().rss;
      const peakBefore = peak();
      const started = performance.now();
      const { sha256, size } = await hashModel(process.argv[1]);
      const seconds = (performance.now() - started) / 1000;
      const peakAfter = peak();
      process.stdout.write(JSON.stringify({ sha256, size, rssBefore, peakBefore, peakAfter, peakSource, seconds }));`;
    const child = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", "--input-type=module", "-e", script, big, warm], {
      cwd: REPO,
      encoding: "utf8",
    });
    assert.equal(child.status, 0, child.stderr);
    const report = JSON.parse(child.stdout) as ChildReport;
    t.diagnostic(
      `1 GiB in ${report.seconds.toFixed(2)} s; ${report.peakSource} ${(report.peakBefore / MIB).toFixed(1)} -> ${(report.peakAfter / MIB).toFixed(1)} MiB`,
    );

    assert.equal(report.sha256, ZEROS_1GIB_SHA256);
    assert.equal(report.size, GIB);
    const growth = report.peakAfter - report.rssBefore;
    assert.ok(growth < 64 * MIB, `peak RSS grew by ${(growth / MIB).toFixed(1)} MiB while hashing 1 GiB (baseline ${(report.rssBefore / MIB).toFixed(1)} MiB)`);
    assert.ok(report.peakAfter - report.peakBefore < 64 * MIB, `the ${report.peakSource} peak barely moved`);
  });
});
