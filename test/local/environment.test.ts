import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { cpus, homedir, hostname, release, tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import fc from "fast-check";
import { ENVIRONMENT_PREDICATE_TYPE, type EnvironmentPredicate, parseEnvironmentPredicate } from "../../src/formats/predicates/environment.js";
import { envCapture, summarizeEnvironment } from "../../src/cli/envCommand.js";
import { createOutput } from "../../src/cli/output.js";
import { cleanText } from "../../src/local/environment/cleanText.js";
import { captureEnvironment } from "../../src/local/environment/captureEnvironment.js";
import { type ContainerSources, detectContainer } from "../../src/local/environment/detectContainer.js";
import { findExecutable } from "../../src/local/environment/findExecutable.js";
import { parseDpkgPackages, parseRpmPackages } from "../../src/local/environment/listOsPackages.js";
import { findSitePackages, parseCoreMetadata } from "../../src/local/environment/listPythonPackages.js";
import { parseContainerImage } from "../../src/local/environment/parseContainerImage.js";
import { NVIDIA_SMI_GPU_QUERY, parseNvidiaSmiGpus, parseNvidiaSmiHeader } from "../../src/local/environment/parseNvidiaSmi.js";
import { parseOsRelease } from "../../src/local/environment/parseOsRelease.js";
import { parseGccVersion, parseJavaVersion, parseNvccVersion } from "../../src/local/environment/parseToolVersion.js";
import { redactHome, redactHomeInText } from "../../src/local/environment/redactHome.js";
import { runProbe } from "../../src/local/environment/runProbe.js";
import { InputError } from "../../src/core/errors/input.js";
import { scratchTrees } from "../helpers/fileTree.js";
import { predicateSchema } from "../helpers/predicateHarness.js";

const REPO = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const FIXTURES = join(REPO, "test/fixtures/environment");
const fixture = (name: string) => readFile(join(FIXTURES, name), "utf8");
const validateSchema = predicateSchema("environment");
const run = promisify(execFile);

const DIGEST = `sha256:${"6b1f2c9e".repeat(8)}`;

// The caller's PROVENANCE_* settings are not these tests' input: a PROVENANCE_CONTAINER_IMAGE in
// the shell that runs `npm test` would change (or, without a digest, refuse) every capture below
// that reads process.env. The tests that need one pass it in `env` themselves.
for (const name of Object.keys(process.env)) if (name.startsWith("PROVENANCE_")) delete process.env[name];

/** A directory holding executables named as given, each a `/bin/sh` script. */
async function fakeBin(scripts: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "provenance-env-bin-"));
  for (const [name, body] of Object.entries(scripts)) {
    await writeFile(join(dir, name), `#!/bin/sh\n${body}\n`);
    await chmod(join(dir, name), 0o755);
  }
  return dir;
}

function withPath(dir: string): NodeJS.ProcessEnv {
  return { ...process.env, PATH: `${dir}${delimiter}${process.env.PATH ?? ""}` };
}

function assertValid(predicate: EnvironmentPredicate): void {
  assert.equal(validateSchema(predicate), true, `JSON Schema: ${JSON.stringify(validateSchema.errors)}`);
  const copy = JSON.parse(JSON.stringify(predicate)) as unknown;
  assert.deepEqual(parseEnvironmentPredicate(copy), predicate, "round-trips through JSON and the parser");
}

describe("captureEnvironment on this machine", () => {
  let captured: EnvironmentPredicate;
  before(async () => {
    captured = await captureEnvironment();
  });

  it("default: OS, kernel, CPU and memory are this machine's", () => {
    assert.equal(captured.os.platform, process.platform);
    assert.equal(captured.os.arch, process.arch);
    assert.equal(captured.os.kernelRelease, release(), "kernel release is os.release()");
    assert.equal(captured.cpu.logicalCores, cpus().length, "logical cores are os.cpus().length");
    assert.ok(captured.memory.totalBytes > 0, "memory total is positive");
    assert.equal(captured.hostnameSha256, createHash("sha256").update(hostname()).digest("hex"), "the hostname is recorded as its SHA-256 only");
    assert.ok(!JSON.stringify(captured).includes(`"${hostname()}"`), "the hostname itself appears nowhere");
    assert.ok(Date.now() - Date.parse(captured.capturedAt) < 60_000, "capturedAt is now");
  });

  it("default: the distro comes from /etc/os-release when there is one", async () => {
    const text = await readFile("/etc/os-release", "utf8").catch(() => undefined);
    if (text === undefined) {
      assert.equal(captured.os.distro, null);
      return;
    }
    assert.equal(captured.os.distro?.id, parseOsRelease(text).get("ID") ?? null);
    assert.equal(captured.probes.find((p) => p.name === "os-release")?.status, "ok");
  });

  it("default: node is listed with this process's version", () => {
    assert.deepEqual(
      captured.runtimes.find((r) => r.name === "node"),
      { name: "node", version: process.versions.node, executable: redactHome(process.execPath, homedir()) },
    );
  });

  it("default: no NVIDIA GPU is said explicitly (gpus [] and an absent nvidia-smi probe), never guessed", async () => {
    if (await findExecutable("nvidia-smi", { path: process.env.PATH })) {
      const probe = captured.probes.find((p) => p.name === "nvidia-smi");
      assert.ok(probe && probe.status !== "absent", "nvidia-smi is on PATH here: the probe ran");
      return;
    }
    assert.deepEqual(captured.gpus, []);
    assert.equal(captured.cuda.driverSupported, null, "no driver, no driver CUDA version");
    assert.deepEqual(
      captured.probes.filter((p) => p.name.startsWith("nvidia-smi")),
      [{ name: "nvidia-smi", command: ["nvidia-smi", ...NVIDIA_SMI_GPU_QUERY], executable: null, status: "absent", detail: "nvidia-smi is not on PATH" }],
      "one probe, absent; the banner is not read without nvidia-smi",
    );
  });

  it("default: dpkg packages are listed, as many as dpkg-query counts installed", async (t) => {
    if (!(await findExecutable("dpkg-query", { path: process.env.PATH }))) return t.skip("no dpkg-query on this machine");
    const { stdout } = await run("dpkg-query", ["-W", "-f=${db:Status-Abbrev}\\n"]);
    const installed = stdout.split("\n").filter((s) => s[1] === "i").length;
    const list = captured.packages.os;
    assert.ok(list, "an OS package list");
    assert.equal(list.manager, "dpkg");
    assert.ok(installed > 0);
    assert.equal(list.count, installed, "count is what dpkg-query says is installed");
    assert.equal(list.packages.length, Math.min(installed, 10_000));
    assert.equal(captured.probes.find((p) => p.name === "dpkg-query")?.status, "ok");
  });

  it("default: python3's version and site-packages come from python3 itself", async (t) => {
    if (!(await findExecutable("python3", { path: process.env.PATH }))) return t.skip("no python3 on this machine");
    const { stdout } = await run("python3", ["-c", "import platform, sys; print(platform.python_version()); print(sys.executable)"]);
    const [version, executable] = stdout.trim().split("\n");
    assert.deepEqual(
      captured.runtimes.find((r) => r.name === "python3"),
      { name: "python3", version, executable: redactHome(executable!, homedir()) },
    );
    const env = captured.packages.python[0];
    assert.equal(env?.source, "python3");
    assert.ok(env.paths.length > 0 && env.count > 0, "python3's site-packages hold distributions");
    assert.ok(
      env.paths.every((p) => !p.startsWith(`${homedir()}/`)),
      "paths under the home directory are shown as ~",
    );
  });

  it("default: nvcc, gcc and java, when present, report the versions they print", async () => {
    const expected: Record<string, string | undefined> = {};
    if (await findExecutable("gcc", { path: process.env.PATH })) expected.gcc = (await run("gcc", ["-dumpfullversion", "-dumpversion"])).stdout.trim();
    if (await findExecutable("nvcc", { path: process.env.PATH })) expected.nvcc = /V(\d+\.\d+\.\d+)/.exec((await run("nvcc", ["--version"])).stdout)?.[1];
    if (await findExecutable("java", { path: process.env.PATH })) expected.java = /version "([^"]+)"/.exec((await run("java", ["-version"])).stderr)?.[1];
    for (const name of ["gcc", "nvcc", "java"]) {
      const probe = captured.probes.find((p) => p.name === name);
      assert.equal(probe?.status, expected[name] === undefined ? "absent" : "ok", `${name} probe`);
      assert.equal(captured.runtimes.find((r) => r.name === name)?.version, expected[name], `${name} version`);
    }
    if (expected.nvcc) assert.equal(captured.cuda.toolkit, expected.nvcc.split(".").slice(0, 2).join("."), "cuda.toolkit is nvcc's release");
  });

  it("default: validates against the JSON Schema and round-trips through the parser", () => {
    assertValid(captured);
  });

  it("behavior: no environment variable value is recorded but the image reference", async () => {
    const secret = `s3cr3t-${Date.now()}`;
    const p = await captureEnvironment({ env: { ...process.env, PROVENANCE_TEST_SECRET: secret, AWS_SECRET_ACCESS_KEY: secret } });
    assert.ok(!JSON.stringify(p).includes(secret));
  });
});

describe("captureEnvironment options", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "provenance-env-"));
    const site = join(dir, "venv/lib/python3.11/site-packages");
    const dist = async (entry: string, metadata: string, file = "METADATA") => {
      await mkdir(join(site, entry), { recursive: true });
      await writeFile(join(site, entry, file), metadata);
    };
    await dist("torch-2.3.1.dist-info", "Metadata-Version: 2.1\nName: torch\nVersion: 2.3.1\nSummary: Tensors\n\nName: not-a-header\n");
    await dist("Zope.Interface-6.0.dist-info", "Metadata-Version: 2.1\nName: Zope.Interface\nVersion: 6.0\n");
    await dist("numpy-1.26.4.dist-info", "Metadata-Version: 2.1\nName: numpy\nVersion: 1.26.4\n");
    await dist("broken-0.1.dist-info", "Metadata-Version: 2.1\nSummary: no name\n");
    await dist("six-1.16.0-py3.11.egg-info", "Metadata-Version: 1.0\nName: six\nVersion: 1.16.0\n", "PKG-INFO");
    await writeFile(join(site, "attrs-23.1.0-py3.11.egg-info"), "Metadata-Version: 1.0\nName: attrs\nVersion: 23.1.0\n");
    // venvs often link lib64 to lib: the same directory must be listed once.
    await symlink("lib", join(dir, "venv/lib64"));
    await mkdir(join(dir, "empty"));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("behavior: --python-env lists a virtual environment's distributions, sorted by PEP 503 name, unreadable ones counted", async () => {
    const p = await captureEnvironment({ pythonEnvironments: [join(dir, "venv")] });
    assert.equal(p.packages.python.length, 1, "only the given environment, not python3's");
    const env = p.packages.python[0]!;
    assert.equal(env.source, "python-env");
    assert.equal(env.paths.length, 1, "lib64 -> lib listed once");
    assert.deepEqual(env.packages, [
      { name: "attrs", version: "23.1.0" },
      { name: "numpy", version: "1.26.4" },
      { name: "six", version: "1.16.0" },
      { name: "torch", version: "2.3.1" },
      { name: "Zope.Interface", version: "6.0" },
    ]);
    assert.equal(env.count, 5);
    assert.match(p.probes.find((q) => q.name === "python-packages")?.detail ?? "", /1 without readable Name and Version left out/);
    assertValid(p);
  });

  it("behavior: a site-packages directory can be given directly", async () => {
    assert.deepEqual(await findSitePackages(join(dir, "venv/lib/python3.11/site-packages")), [join(await realDir(dir), "venv/lib/python3.11/site-packages")]);
  });

  it("error: a --python-env that is missing or holds no site-packages is INVALID_ARGUMENT naming it", async () => {
    for (const bad of [join(dir, "missing"), join(dir, "empty")])
      await assert.rejects(captureEnvironment({ pythonEnvironments: [join(dir, "venv"), bad] }), (e: unknown) => {
        assert.ok(e instanceof InputError && e.code === "INVALID_ARGUMENT", String(e));
        assert.equal(e.path, "--python-env[1]");
        return true;
      });
  });

  it("behavior: PROVENANCE_CONTAINER_IMAGE is recorded with its digest and where it came from", async () => {
    const image = `ghcr.io/acme/trainer:1.4@${DIGEST}`;
    const p = await captureEnvironment({ env: { ...process.env, PROVENANCE_CONTAINER_IMAGE: image } });
    assert.equal(p.container.image, image);
    assert.equal(p.container.imageDigest, DIGEST);
    assert.equal(p.container.imageDigestSource, "PROVENANCE_CONTAINER_IMAGE");
    assert.equal(p.container.imageDigestUnknownReason, null);
    assertValid(p);
  });

  it("behavior: without PROVENANCE_CONTAINER_IMAGE the digest is null with a reason", async () => {
    const env = { ...process.env };
    delete env.PROVENANCE_CONTAINER_IMAGE;
    const p = await captureEnvironment({ env });
    assert.equal(p.container.imageDigest, null);
    assert.match(p.container.imageDigestUnknownReason ?? "", /PROVENANCE_CONTAINER_IMAGE is not set|no container detected/);
  });

  it("error: a PROVENANCE_CONTAINER_IMAGE without a digest is refused, not recorded", async () => {
    await assert.rejects(captureEnvironment({ env: { ...process.env, PROVENANCE_CONTAINER_IMAGE: "ghcr.io/acme/trainer:latest" } }), (e: unknown) => {
      assert.ok(e instanceof InputError && e.code === "INVALID_ARGUMENT");
      assert.equal(e.path, "PROVENANCE_CONTAINER_IMAGE");
      return true;
    });
  });
});

async function realDir(path: string): Promise<string> {
  return (await import("node:fs/promises")).realpath(path);
}

describe("nvidia-smi through the real execFile path", () => {
  const bins: string[] = [];
  after(() => Promise.all(bins.map((b) => rm(b, { recursive: true, force: true }))));

  it("recorded sample: a fake nvidia-smi first on PATH (two Quadro RTX 4000, driver 535.129.03) is found by a child capture", async () => {
    const bin = await fakeBin({
      "nvidia-smi": `case "$1" in --query-gpu=*) cat "${FIXTURES}/nvidia-smi-query-quadro-rtx-4000-x2.csv" ;; *) cat "${FIXTURES}/nvidia-smi-banner-535-quadro-rtx-4000-x2.txt" ;; esac`,
    });
    bins.push(bin);
    const out = join(bin, "env.json");
    const code = `const { captureEnvironment } = await import(${JSON.stringify(join(REPO, "src/local/environment/captureEnvironment.ts"))});
      (await import("node:fs")).writeFileSync(${JSON.stringify(out)}, JSON.stringify(await captureEnvironment()));`;
    await run(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], { env: withPath(bin), cwd: REPO });
    const p = parseEnvironmentPredicate(JSON.parse(await readFile(out, "utf8")));
    assert.deepEqual(p.gpus, [
      { name: "Quadro RTX 4000", driverVersion: "535.129.03", memoryMiB: 8192, uuid: "GPU-c7b57be0-94ff-d352-a59b-d0ee00aeed43", pciBusId: "00000000:06:00.0" },
      { name: "Quadro RTX 4000", driverVersion: "535.129.03", memoryMiB: 8192, uuid: "GPU-d6de6afc-bdfe-75c4-5273-0544439153fc", pciBusId: "00000000:07:00.0" },
    ]);
    assert.equal(p.cuda.driverSupported, "12.2");
    const smi = p.probes.filter((q) => q.name.startsWith("nvidia-smi"));
    assert.deepEqual(
      smi.map((q) => [q.name, q.status, q.executable]),
      [
        ["nvidia-smi", "ok", join(bin, "nvidia-smi")],
        ["nvidia-smi-header", "ok", join(bin, "nvidia-smi")],
      ],
    );
    assert.match(summarizeEnvironment(p).join("\n"), /GPUs: +2 × Quadro RTX 4000, 8192 MiB, driver 535\.129\.03/);
    assertValid(p);
  });

  it("error: nvidia-smi without a driver (recorded message, exit code 9) is a probe error, not a crash", async () => {
    const bin = await fakeBin({ "nvidia-smi": `cat "${FIXTURES}/nvidia-smi-no-driver.txt"; exit 9` });
    bins.push(bin);
    const p = await captureEnvironment({ env: withPath(bin) });
    assert.deepEqual(p.gpus, []);
    const probes = p.probes.filter((q) => q.name.startsWith("nvidia-smi"));
    assert.deepEqual(
      probes.map((q) => [q.name, q.status]),
      [
        ["nvidia-smi", "error"],
        ["nvidia-smi-header", "error"],
      ],
    );
    assert.equal(
      probes[0]?.detail,
      "exit code 9: NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.",
    );
    assert.match(summarizeEnvironment(p).join("\n"), /GPUs: +unknown \(nvidia-smi failed: exit code 9/);
    assertValid(p);
  });

  it("error: garbage from nvidia-smi is recorded as output not understood", async () => {
    const bin = await fakeBin({ "nvidia-smi": `printf '\\033[31mSegmentation fault\\n'` });
    bins.push(bin);
    const p = await captureEnvironment({ env: withPath(bin) });
    assert.deepEqual(p.gpus, []);
    const probe = p.probes.find((q) => q.name === "nvidia-smi");
    assert.equal(probe?.status, "error");
    assert.match(probe?.detail ?? "", /^output not understood: line 1: expected 5 comma-separated fields/);
    assertValid(p);
  });

  it("error: a program that hangs is killed at the timeout and recorded", async () => {
    const bin = await fakeBin({ "slow-tool": "sleep 30" });
    bins.push(bin);
    const started = Date.now();
    const { probe } = await runProbe({ name: "slow-tool", command: "slow-tool", args: [], env: withPath(bin), timeoutMs: 200, home: homedir() });
    assert.ok(Date.now() - started < 5_000, "did not wait for the program");
    assert.equal(probe.status, "error");
    assert.equal(probe.detail, "timed out after 200 ms");
  });

  it("behavior: arguments reach the program as given, without a shell", async () => {
    const bin = await fakeBin({ "echo-args": `for a in "$@"; do printf '%s|' "$a"; done` });
    bins.push(bin);
    const { probe, stdout } = await runProbe({
      name: "echo-args",
      command: "echo-args",
      args: ["$(id)", "a b", ";ls"],
      env: withPath(bin),
      timeoutMs: 5_000,
      home: homedir(),
    });
    assert.equal(probe.status, "ok");
    assert.equal(stdout, "$(id)|a b|;ls|");
  });

  it("behavior: a program not on PATH is absent and nothing runs; relative PATH entries are ignored", async () => {
    const bin = await fakeBin({ "only-here": "exit 0" });
    bins.push(bin);
    assert.equal(await findExecutable("only-here", { path: "relative/dir" }), undefined);
    assert.equal(await findExecutable("only-here", { path: bin }), join(bin, "only-here"));
    const { probe } = await runProbe({ name: "missing", command: "provenance-no-such-tool", args: [], env: process.env, timeoutMs: 1_000, home: homedir() });
    assert.deepEqual(probe, {
      name: "missing",
      command: ["provenance-no-such-tool"],
      executable: null,
      status: "absent",
      detail: "provenance-no-such-tool is not on PATH",
    });
  });
});

describe("parseNvidiaSmiGpus", () => {
  it("default: two GPUs (recorded Quadro RTX 4000 sample)", async () => {
    const parsed = parseNvidiaSmiGpus(await fixture("nvidia-smi-query-quadro-rtx-4000-x2.csv"));
    assert.ok(parsed.ok);
    assert.equal(parsed.value.length, 2);
    assert.deepEqual(parsed.value[1], {
      name: "Quadro RTX 4000",
      driverVersion: "535.129.03",
      memoryMiB: 8192,
      uuid: "GPU-d6de6afc-bdfe-75c4-5273-0544439153fc",
      pciBusId: "00000000:07:00.0",
    });
  });

  it("default: one GPU (GeForce RTX 2080, driver 440.64, CRLF line end)", () => {
    assert.deepEqual(parseNvidiaSmiGpus("GeForce RTX 2080, 440.64, 7979, GPU-22b2c6ac-2d49-4863-197c-9c469071178a, 00000000:0A:00.0\r\n"), {
      ok: true,
      value: [
        { name: "GeForce RTX 2080", driverVersion: "440.64", memoryMiB: 7979, uuid: "GPU-22b2c6ac-2d49-4863-197c-9c469071178a", pciBusId: "00000000:0A:00.0" },
      ],
    });
  });

  it("behavior: N/A and bracketed placeholders are null", () => {
    const parsed = parseNvidiaSmiGpus("NVIDIA T4G, N/A, [N/A], [Not Supported], [Insufficient Permissions]\n");
    assert.deepEqual(parsed, { ok: true, value: [{ name: "NVIDIA T4G", driverVersion: null, memoryMiB: null, uuid: null, pciBusId: null }] });
  });

  it("behavior: no output is no GPU; a comma in a name is kept", () => {
    assert.deepEqual(parseNvidiaSmiGpus(""), { ok: true, value: [] });
    const parsed = parseNvidiaSmiGpus("NVIDIA RTX 6000 Ada Generation, rev 2, 550.54.15, 49140, GPU-1d9f0b9e-62a0-41c6-8d4b-0c2f3a4b5c6d, 00000000:C1:00.0");
    assert.ok(parsed.ok);
    assert.equal(parsed.value[0]?.name, "NVIDIA RTX 6000 Ada Generation, rev 2");
  });

  it("error: output that is not the query's is not understood (whole output refused, no partial list)", async () => {
    const cases: [string, RegExp][] = [
      [await fixture("nvidia-smi-no-driver.txt"), /line 1: expected 5 comma-separated fields/],
      ["No devices were found\n", /line 1: expected 5/],
      // The same machine queried without nounits.
      ["NVIDIA L40S, 595.71.05, 46068 MiB, GPU-22b2c6ac-2d49-4863-197c-9c469071178a, 00000000:01:00.0", /memory\.total "46068 MiB"/],
      [`${await fixture("nvidia-smi-query-quadro-rtx-4000-x2.csv")}Quadro RTX 4000, 535.129.03, 8192, GPU-x, 00000000:08:00`, /line 3: uuid|line 3: pci/],
      ["Quadro, 535.129.03, 8192, 42, 00000000:06:00.0", /uuid "42"/],
      [", 535.129.03, 8192, N/A, N/A", /no usable GPU name/],
      ["Quadro, five, 8192, N/A, N/A", /driver_version "five"/],
      [await fixture("nvidia-smi-banner-535-quadro-rtx-4000-x2.txt"), /expected 5/],
      [`${"Quadro, 535.129.03, 8192, N/A, N/A\n".repeat(65)}`, /more than 64 GPUs/],
    ];
    for (const [output, problem] of cases) {
      const parsed = parseNvidiaSmiGpus(output);
      assert.equal(parsed.ok, false, output.slice(0, 60));
      if (!parsed.ok) assert.match(parsed.problem, problem);
    }
  });

  it("behavior: never throws, and what it accepts always validates (property)", () => {
    const noise = fc.oneof(
      fc.string(),
      fc.string({ unit: "binary" }),
      fc
        .array(fc.constantFrom("N/A", "[N/A]", "535.129.03", "8192", ", ", "\n", "GPU-a1", "00000000:06:00.0", "Quadro"), { maxLength: 30 })
        .map((a) => a.join("")),
    );
    fc.assert(
      fc.property(noise, (output) => {
        const parsed = parseNvidiaSmiGpus(output);
        if (parsed.ok)
          for (const [i, gpu] of parsed.value.entries())
            assert.equal(validateSchema({ ...minimalPredicate(), gpus: [gpu] }), true, `gpu ${i}: ${JSON.stringify(gpu)}`);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("parseNvidiaSmiHeader", () => {
  it("default: driver 535, CUDA 12.2 (recorded sample)", async () => {
    assert.deepEqual(parseNvidiaSmiHeader(await fixture("nvidia-smi-banner-535-quadro-rtx-4000-x2.txt")), {
      ok: true,
      value: { driverVersion: "535.129.03", cudaVersion: "12.2" },
    });
  });

  it("behavior: R610 banner (KMD Version, CUDA UMD Version)", async () => {
    assert.deepEqual(parseNvidiaSmiHeader(await fixture("nvidia-smi-banner-610-b200.txt")), {
      ok: true,
      value: { driverVersion: "610.43.02", cudaVersion: "13.3" },
    });
  });

  it("behavior: an old driver without a CUDA version, or CUDA N/A, gives null", async () => {
    assert.deepEqual(parseNvidiaSmiHeader(await fixture("nvidia-smi-banner-331-no-cuda.txt")), {
      ok: true,
      value: { driverVersion: "331.62", cudaVersion: null },
    });
    assert.deepEqual(parseNvidiaSmiHeader("| NVIDIA-SMI 470.82.01    Driver Version: 470.82.01    CUDA Version: N/A      |"), {
      ok: true,
      value: { driverVersion: "470.82.01", cudaVersion: null },
    });
  });

  it("error: no driver version, or versions that are not versions", async () => {
    for (const output of [await fixture("nvidia-smi-no-driver.txt"), "", "Driver Version: latest", "Driver Version: 535.129.03 CUDA Version: twelve"])
      assert.equal(parseNvidiaSmiHeader(output).ok, false, output);
  });
});

describe("tool version parsers", () => {
  it("default: nvcc, gcc and java as they print (recorded on this machine)", async () => {
    assert.deepEqual(parseNvccVersion(await fixture("nvcc-version-13.0.txt")), { ok: true, value: { release: "13.0", version: "13.0.88" } });
    assert.deepEqual(parseJavaVersion(await fixture("java-version-openjdk-17.txt")), { ok: true, value: "17.0.15" });
    assert.deepEqual(parseGccVersion("12.2.0\n"), { ok: true, value: "12.2.0" });
    assert.deepEqual(parseGccVersion("7\n"), { ok: true, value: "7" });
  });

  it("behavior: lines the JVM prints first are skipped; Java 8 versions are kept as printed", () => {
    assert.deepEqual(parseJavaVersion('Picked up JAVA_TOOL_OPTIONS: -Xmx2g\nopenjdk version "1.8.0_392"\nOpenJDK Runtime Environment'), {
      ok: true,
      value: "1.8.0_392",
    });
  });

  it("error: output that is not a version", () => {
    assert.equal(parseNvccVersion("nvcc fatal : Unknown option").ok, false);
    assert.equal(parseGccVersion("gcc: error: unrecognized command-line option").ok, false);
    assert.equal(parseJavaVersion("Error: could not find libjava.so").ok, false);
  });
});

describe("OS and Python package readers", () => {
  it("default: dpkg-query lines; removed packages (rc) are left out and counted", () => {
    const parsed = parseDpkgPackages("bash\t5.2.15-2+b7\tamd64\tii \nlibc6\t2.36-9+deb12u4\ti386\tii \nold-tool\t1.0-1\tall\trc \nghost\t\tamd64\tun \n");
    assert.deepEqual(parsed, {
      ok: true,
      value: {
        packages: [
          { name: "bash", version: "5.2.15-2+b7", architecture: "amd64" },
          { name: "libc6", version: "2.36-9+deb12u4", architecture: "i386" },
        ],
        notInstalled: 2,
      },
    });
  });

  it("default: rpm lines, epoch kept, gpg-pubkey's (none) architecture accepted", () => {
    const parsed = parseRpmPackages("bash\t5.1.8-9.el9\tx86_64\nopenssl-libs\t1:3.0.7-27.el9\tx86_64\ngpg-pubkey\tfd431d51-4ae0493b\t(none)\n");
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.value.packages[1], { name: "openssl-libs", version: "1:3.0.7-27.el9", architecture: "x86_64" });
  });

  it("error: lines that are not the query's", () => {
    assert.equal(parseDpkgPackages("bash 5.2.15 amd64\n").ok, false);
    assert.equal(parseDpkgPackages("Bash!\t5\tamd64\tii \n").ok, false);
    assert.equal(parseDpkgPackages("bash\t5\tamd64\tzz \n").ok, false);
    assert.equal(parseRpmPackages("bash\t5\n").ok, false);
  });

  it("default: core metadata headers stop at the first blank line", () => {
    assert.deepEqual(parseCoreMetadata("Metadata-Version: 2.1\nName: numpy\nVersion: 1.26.4\n\nName: other\n"), { name: "numpy", version: "1.26.4" });
    assert.equal(parseCoreMetadata("Metadata-Version: 2.1\n\nName: numpy\nVersion: 1\n"), undefined);
  });

  it("default: os-release quoting, escapes and comments", () => {
    const fields = parseOsRelease(
      '# comment\nNAME="Ubuntu"\nVERSION_ID="22.04"\nID=ubuntu\nPRETTY_NAME=\'Ubuntu 22.04.4 LTS\'\nQUOTED="say \\"hi\\" \\$x"\nBAD=two words\n',
    );
    assert.equal(fields.get("ID"), "ubuntu");
    assert.equal(fields.get("VERSION_ID"), "22.04");
    assert.equal(fields.get("PRETTY_NAME"), "Ubuntu 22.04.4 LTS");
    assert.equal(fields.get("QUOTED"), 'say "hi" $x');
    assert.equal(fields.has("BAD"), false, "an unquoted value with spaces is not valid os-release");
  });
});

describe("detectContainer", () => {
  const none: ContainerSources = { dockerenv: false, containerenv: null, cgroup: null, mountinfo: null, kubernetesServiceHost: false };
  const ID = "3f5c2a1b9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a";

  it("default: a host is not a container (including the Docker daemon's own cgroup)", () => {
    assert.deepEqual(detectContainer(none), { detected: false, runtime: null, evidence: [] });
    assert.deepEqual(detectContainer({ ...none, cgroup: "0::/init.scope\n" }).detected, false);
    assert.deepEqual(detectContainer({ ...none, cgroup: "0::/system.slice/docker.service\n" }).detected, false);
    assert.equal(detectContainer({ ...none, mountinfo: "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n" }).detected, false);
  });

  it("behavior: Docker from /.dockerenv, a cgroup v1 path or a hostname bind mount", () => {
    assert.deepEqual(detectContainer({ ...none, dockerenv: true, cgroup: "0::/\n" }), { detected: true, runtime: "docker", evidence: ["/.dockerenv exists"] });
    assert.equal(detectContainer({ ...none, cgroup: `12:pids:/docker/${ID}\n11:memory:/docker/${ID}\n` }).runtime, "docker");
    assert.equal(detectContainer({ ...none, cgroup: `0::/system.slice/docker-${ID}.scope\n` }).runtime, "docker");
    const mountinfo = `542 521 254:1 /var/lib/docker/containers/${ID}/hostname /etc/hostname rw,relatime - ext4 /dev/vda1 rw\n`;
    assert.deepEqual(detectContainer({ ...none, mountinfo }), {
      detected: true,
      runtime: "docker",
      evidence: ["a mount comes from /var/lib/docker/containers/"],
    });
  });

  it("behavior: Kubernetes wins over the engine under it, and every hint is listed", () => {
    const d = detectContainer({
      ...none,
      cgroup: `0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1a2b.slice/cri-containerd-${ID}.scope\n`,
      mountinfo: "1250 1233 259:1 /var/lib/kubelet/pods/1a2b/etc-hosts /etc/hosts rw - ext4 /dev/nvme0n1p1 rw\n",
      kubernetesServiceHost: true,
    });
    assert.deepEqual(d, {
      detected: true,
      runtime: "kubernetes",
      evidence: ["cgroup path names kubernetes", "cgroup path names containerd", "a mount comes from /var/lib/kubelet/pods/", "KUBERNETES_SERVICE_HOST is set"],
    });
  });

  it("behavior: Podman from /run/.containerenv or a libpod cgroup", () => {
    assert.equal(detectContainer({ ...none, containerenv: 'engine="podman-4.9.3"\nname="trainer"\n' }).runtime, "podman");
    assert.equal(detectContainer({ ...none, containerenv: "" }).runtime, "podman", "an empty file (unprivileged container) counts");
    assert.equal(detectContainer({ ...none, cgroup: `0::/machine.slice/libpod-${ID}.scope/container\n` }).runtime, "podman");
  });
});

describe("parseContainerImage", () => {
  it("default: references pinned by digest", () => {
    for (const image of [
      `ghcr.io/acme/trainer:1.4@${DIGEST}`,
      `registry.example.com:5000/team/model-train@${DIGEST}`,
      `ubuntu@${DIGEST}`,
      `nvcr.io/nvidia/pytorch:24.01-py3@${DIGEST}`,
    ])
      assert.deepEqual(parseContainerImage(image), { image, imageDigest: DIGEST }, image);
  });

  it("error: a tag alone, another algorithm, upper-case or short hex, a bare digest", () => {
    for (const bad of [
      "ghcr.io/acme/trainer:1.4",
      `ghcr.io/acme/trainer@sha512:${"ab".repeat(64)}`,
      `ghcr.io/acme/trainer@${DIGEST.toUpperCase()}`,
      "ghcr.io/acme/trainer@sha256:abc",
      DIGEST,
      `Acme/Trainer@${DIGEST}`,
      ` ubuntu@${DIGEST}`,
    ])
      assert.throws(
        () => parseContainerImage(bad),
        (e: unknown) => e instanceof InputError && e.code === "INVALID_ARGUMENT" && e.path === "PROVENANCE_CONTAINER_IMAGE",
        bad,
      );
  });

  it("behavior: hostile input is refused quickly", () => {
    const started = performance.now();
    for (const bad of [`${"a-".repeat(250)}!`, `${"a.".repeat(250)}@`, `${"a/".repeat(200)}a:${"b".repeat(100)}`, "a".repeat(600)])
      assert.throws(() => parseContainerImage(bad));
    assert.ok(performance.now() - started < 200, `took ${performance.now() - started} ms`);
  });
});

describe("privacy helpers", () => {
  it("default: paths under the home directory are shown as ~", () => {
    assert.equal(redactHome("/home/alice/.venv/bin/python3", "/home/alice"), "~/.venv/bin/python3");
    assert.equal(redactHome("/home/alice", "/home/alice/"), "~");
    assert.equal(redactHome("/home/alicebob/x", "/home/alice"), "/home/alicebob/x", "a longer name is another directory");
    assert.equal(redactHome("/usr/bin/python3", "/"), "/usr/bin/python3");
    assert.equal(redactHomeInText("cannot open /home/alice/x and /home/alice/y", "/home/alice"), "cannot open ~/x and ~/y");
  });

  it("default: control characters are replaced, length is bounded", () => {
    assert.equal(cleanText(" Debian\u001b[31m 12\n"), "Debian\uFFFD[31m 12");
    assert.equal(cleanText("x".repeat(300), 10).length, 10);
  });
});

/** A small valid predicate to break field by field. */
function minimalPredicate(): Record<string, unknown> {
  return JSON.parse(
    JSON.stringify({
      capturedAt: "2026-11-24T13:45:00Z",
      hostnameSha256: "a".repeat(64),
      os: {
        platform: "linux",
        arch: "x64",
        kernelRelease: "6.1.0-18-amd64",
        kernelVersion: "#1 SMP",
        distro: { id: "debian", versionId: "12", prettyName: null },
      },
      cpu: { model: "AMD EPYC 7313P 16-Core Processor", logicalCores: 32, availableParallelism: 32 },
      memory: { totalBytes: 135089704960, constrainedBytes: null },
      gpus: [],
      cuda: { driverSupported: null, toolkit: null },
      container: {
        detected: false,
        runtime: null,
        evidence: [],
        image: null,
        imageDigest: null,
        imageDigestSource: null,
        imageDigestUnknownReason: "no container detected and no image given",
      },
      runtimes: [{ name: "node", version: "22.23.3", executable: "/usr/local/bin/node" }],
      packages: {
        os: {
          manager: "dpkg",
          count: 2,
          truncated: false,
          packages: [
            { name: "bash", version: "5.2.15-2+b7", architecture: "amd64" },
            { name: "libc6", version: "2.36-9", architecture: "amd64" },
          ],
        },
        python: [
          {
            source: "python3",
            paths: ["/usr/lib/python3/dist-packages"],
            count: 2,
            truncated: false,
            packages: [
              { name: "numpy", version: "1.26.4" },
              { name: "Zope.Interface", version: "6.0" },
            ],
          },
        ],
      },
      probes: [{ name: "nvidia-smi", command: ["nvidia-smi"], executable: null, status: "absent", detail: "nvidia-smi is not on PATH" }],
    }),
  ) as Record<string, unknown>;
}

// Edits below reach into nested fields of the untyped JSON.
type Json = Record<string, any>;

function assertRefused(edit: (p: Json) => void, path: string, schemaAgrees = true): void {
  const p = minimalPredicate() as Json;
  edit(p);
  assert.throws(
    () => parseEnvironmentPredicate(p),
    (e: unknown) => {
      assert.ok(e instanceof InputError, String(e));
      assert.equal(e.code, "INVALID_PREDICATE");
      assert.equal(e.path, path, e.message);
      assert.ok(e.shortMessage.startsWith(`${path}: `), "the message names the field");
      return true;
    },
  );
  if (schemaAgrees) assert.equal(validateSchema(p), false, `the JSON Schema refuses it too (${path})`);
}

describe("parseEnvironmentPredicate", () => {
  it("default: a minimal predicate and the frozen v1 example parse and validate", async () => {
    const minimal = minimalPredicate();
    assert.deepEqual(parseEnvironmentPredicate(minimal), minimal);
    assert.equal(validateSchema(minimal), true, JSON.stringify(validateSchema.errors));
    const example = JSON.parse(await fixture("environment-v1.example.json")) as EnvironmentPredicate;
    assertValid(example);
    assert.equal(ENVIRONMENT_PREDICATE_TYPE, "https://provenance-ledger.dev/environment/v1");
  });

  it("behavior: names the caller's path", () => {
    assert.throws(
      () => parseEnvironmentPredicate({ ...minimalPredicate(), extra: 1 }, "statement.predicate"),
      (e: unknown) => e instanceof InputError && e.path === "statement.predicate.extra",
    );
  });

  // Not an object, a missing field, an unknown field in any object: the shared predicate suite
  // (test/formats/predicates.test.ts), from the spec. Here, what must never be recordable.
  it("error: what would leak (environment variables, the hostname, a GPU serial, probe output) is an unknown field", () => {
    assertRefused((p) => (p.environmentVariables = { HOME: "/root" }), "predicate.environmentVariables");
    assertRefused((p) => (p.os.hostname = "trainer-gpu-07"), "predicate.os.hostname");
    assertRefused(
      (p) => (p.gpus = [{ name: "A100", driverVersion: null, memoryMiB: null, uuid: null, pciBusId: null, serial: "1320" }]),
      "predicate.gpus[0].serial",
    );
    assertRefused((p) => (p.probes[0].stdout = "…"), "predicate.probes[0].stdout");
  });

  it("error: a bad image digest, or one that is not the image's", () => {
    const withImage = (p: Json, image: string, imageDigest: string) =>
      Object.assign(p.container, { image, imageDigest, imageDigestSource: "PROVENANCE_CONTAINER_IMAGE", imageDigestUnknownReason: null });
    assertRefused((p) => withImage(p, `ubuntu@${DIGEST}`, DIGEST.toUpperCase()), "predicate.container.imageDigest");
    assertRefused((p) => withImage(p, `ubuntu@${DIGEST}`, "sha256:abc"), "predicate.container.imageDigest");
    assertRefused((p) => withImage(p, `ubuntu@${DIGEST}`, `sha256:${"0".repeat(64)}`), "predicate.container.imageDigest", false);
    assertRefused((p) => withImage(p, "ubuntu:22.04", DIGEST), "predicate.container.image");
    assertRefused((p) => (p.container.imageDigestUnknownReason = null), "predicate.container.imageDigestUnknownReason", false);
    assertRefused((p) => (p.container.imageDigestSource = "label"), "predicate.container.imageDigestSource");
  });

  it("error: negative, fractional or oversized numbers", () => {
    assertRefused((p) => (p.memory.totalBytes = -1), "predicate.memory.totalBytes");
    assertRefused((p) => (p.memory.totalBytes = 2 ** 53), "predicate.memory.totalBytes");
    assertRefused((p) => (p.memory.constrainedBytes = 0), "predicate.memory.constrainedBytes");
    assertRefused((p) => (p.cpu.logicalCores = 2.5), "predicate.cpu.logicalCores");
    assertRefused((p) => (p.gpus = [{ name: "A100", driverVersion: null, memoryMiB: -8192, uuid: null, pciBusId: null }]), "predicate.gpus[0].memoryMiB");
    assertRefused((p) => (p.packages.os.count = -1), "predicate.packages.os.count");
  });

  it("error: malformed text, versions, ids and enums", () => {
    assertRefused((p) => (p.os.kernelRelease = "6.1\n\u001b[2J"), "predicate.os.kernelRelease");
    assertRefused((p) => (p.os.kernelRelease = ""), "predicate.os.kernelRelease");
    assertRefused((p) => (p.hostnameSha256 = "trainer-gpu-07"), "predicate.hostnameSha256");
    assertRefused((p) => (p.capturedAt = "2026-02-30T00:00:00Z"), "predicate.capturedAt", false);
    assertRefused((p) => (p.cuda.driverSupported = "12"), "predicate.cuda.driverSupported");
    assertRefused(
      (p) => (p.gpus = [{ name: "A100", driverVersion: "latest", memoryMiB: null, uuid: null, pciBusId: null }]),
      "predicate.gpus[0].driverVersion",
    );
    assertRefused((p) => (p.gpus = [{ name: "A100", driverVersion: null, memoryMiB: null, uuid: null, pciBusId: "06:00.0" }]), "predicate.gpus[0].pciBusId");
    assertRefused((p) => (p.probes[0].status = "missing"), "predicate.probes[0].status");
    assertRefused((p) => (p.container.runtime = "vmware"), "predicate.container.runtime");
    assertRefused((p) => (p.runtimes[0].version = "v 22"), "predicate.runtimes[0].version");
  });

  it("error: container claims that contradict each other", () => {
    assertRefused((p) => (p.container.detected = true), "predicate.container.detected", false);
    assertRefused((p) => Object.assign(p.container, { runtime: "docker" }), "predicate.container.runtime", false);
  });

  it("error: package lists out of order, repeated or miscounted", () => {
    assertRefused((p) => p.packages.os.packages.reverse(), "predicate.packages.os.packages[1]", false);
    assertRefused((p) => p.packages.os.packages.push({ ...p.packages.os.packages[1] }), "predicate.packages.os.packages[2]", false);
    assertRefused((p) => p.packages.python[0].packages.push({ name: "zope_interface", version: "6.1" }), "predicate.packages.python[0].packages[2]", false);
    assertRefused((p) => (p.packages.os.count = 1), "predicate.packages.os.count", false);
    assertRefused((p) => (p.packages.os.count = 5), "predicate.packages.os.truncated", false);
    assertRefused((p) => (p.packages.os.manager = "apk"), "predicate.packages.os.manager");
    assertRefused((p) => p.runtimes.push({ ...p.runtimes[0] }), "predicate.runtimes[1].name", false);
  });
});

describe("provenance env capture (CLI handler)", () => {
  const { scratch: dir } = scratchTrees("provenance-env-cli-");

  it("default: -o writes the predicate and prints a summary", async () => {
    let printed = "";
    const file = join(dir, "env.json");
    await envCapture({ flags: { output: file }, args: [], out: createOutput(false, (t) => (printed += t)) });
    const p = parseEnvironmentPredicate(JSON.parse(await readFile(file, "utf8")));
    assert.equal(validateSchema(p), true);
    assert.match(printed, new RegExp(`^Wrote the environment of this machine to ${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\n`));
    assert.match(printed, new RegExp(`kernel ${release().replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
    for (const label of ["OS:", "CPU:", "GPUs:", "Container:", "Runtimes:", "Packages:"]) assert.ok(printed.includes(label), label);
    if (!(await findExecutable("nvidia-smi", { path: process.env.PATH }))) assert.match(printed, /GPUs: +no NVIDIA GPU \(nvidia-smi not found\)/);
  });

  it("behavior: --json prints one JSON document naming the file", async () => {
    let printed = "";
    const file = join(dir, "env2.json");
    await envCapture({ flags: { output: file, json: true }, args: [], out: createOutput(true, (t) => (printed += t)) });
    const result = JSON.parse(printed) as { file: string; predicateType: string; logicalCores: number };
    assert.equal(result.file, file);
    assert.equal(result.predicateType, ENVIRONMENT_PREDICATE_TYPE);
    assert.equal(result.logicalCores, cpus().length);
  });

  it("behavior: without -o the predicate alone goes to stdout", async () => {
    let printed = "";
    const writes: string[] = [];
    const original = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => (writes.push(chunk), true)) as typeof process.stderr.write;
    try {
      await envCapture({ flags: {}, args: [], out: createOutput(false, (t) => (printed += t)) });
    } finally {
      process.stderr.write = original;
    }
    assert.doesNotThrow(() => parseEnvironmentPredicate(JSON.parse(printed)), "stdout is exactly the predicate");
    assert.match(writes.join(""), /Runtimes:/, "the summary went to stderr");
  });

  it("error: a stray argument is a usage error", async () => {
    await assert.rejects(
      envCapture({ flags: {}, args: ["now"], out: createOutput(false, () => {}) }),
      (e: unknown) => e instanceof InputError && e.code === "INVALID_ARGUMENT",
    );
  });
});

// Keeps the recorded fixtures honest: the sample the fake nvidia-smi prints is the query's format.
describe("fixtures", () => {
  it("default: the recorded query sample has the five queried fields per line", async () => {
    const lines = (await fixture("nvidia-smi-query-quadro-rtx-4000-x2.csv")).trim().split("\n");
    assert.equal(NVIDIA_SMI_GPU_QUERY[0].split("=")[1]!.split(",").length, 5);
    for (const line of lines) assert.equal(line.split(", ").length, 5, line);
  });

  it("default: python3 on this machine agrees with the site-packages reader", async (t) => {
    if (!(await findExecutable("python3", { path: process.env.PATH }))) return t.skip("no python3");
    let listed: string[];
    try {
      listed = JSON.parse(
        execFileSync(
          "python3",
          [
            "-c",
            "import json, importlib.metadata as m; print(json.dumps(sorted({d.metadata['Name'].lower().replace('_','-').replace('.','-') for d in m.distributions() if d.metadata['Name']})))",
          ],
          { encoding: "utf8" },
        ),
      ) as string[];
    } catch {
      return t.skip("python3 without importlib.metadata");
    }
    const p = await captureEnvironment();
    const ours = new Set(p.packages.python[0]?.packages.map((x) => x.name.toLowerCase().replace(/[-_.]+/g, "-")));
    const missing = listed.map((n) => n.replace(/-+/g, "-")).filter((n) => !ours.has(n));
    assert.deepEqual(missing, [], "every distribution importlib.metadata sees is listed");
  });
});
