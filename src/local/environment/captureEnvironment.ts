import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { arch, availableParallelism, cpus, homedir, hostname, platform, release, totalmem, version } from "node:os";
import {
  CONTAINER_IMAGE_ENV,
  type EnvironmentContainer,
  type EnvironmentGpu,
  type EnvironmentPredicate,
  type EnvironmentProbe,
  type EnvironmentRuntime,
  type PythonEnvironment,
  normalizePythonPackageName,
  parseEnvironmentPredicate,
} from "../../formats/predicates/environment.js";
import { MAX_MACHINE_TEXT, MAX_MACHINE_LONG_TEXT, MAX_DISTRO_ID } from "../../formats/predicates/environmentLimits.js";
import type { InputError } from "../../core/errors/input.js";
import { cleanText } from "./cleanText.js";
import { detectContainer, readContainerSources } from "./detectContainer.js";
import { capPackageList } from "./listPackages.js";
import { listOsPackages } from "./listOsPackages.js";
import { findSitePackages, readPythonPackages } from "./listPythonPackages.js";
import { parseContainerImage } from "./parseContainerImage.js";
import { NVIDIA_SMI_GPU_QUERY, parseNvidiaSmiGpus, parseNvidiaSmiHeader } from "./parseNvidiaSmi.js";
import type { ParseOutcome } from "./parseOutcome.js";
import { parseOsRelease } from "./parseOsRelease.js";
import { parseGccVersion, parseJavaVersion, parseNvccVersion } from "./parseToolVersion.js";
import { probePython } from "./probePython.js";
import { redactHome } from "./redactHome.js";
import { probeFailed, runProbe } from "./runProbe.js";

export type CaptureEnvironmentParameters = {
  /**
   * Python environments to list instead of the site-packages of `python3`: virtual environments,
   * conda prefixes or site-packages directories (`--python-env`).
   */
  readonly pythonEnvironments?: readonly string[] | undefined;
  /** Time allowed to each command, in milliseconds (default 10 000). */
  readonly timeoutMs?: number | undefined;
  /**
   * The environment: its PATH finds the programs (and they run with it),
   * `PROVENANCE_CONTAINER_IMAGE` names the image, `KUBERNETES_SERVICE_HOST` hints at a pod.
   * Default `process.env`. No other variable is read or recorded.
   */
  readonly env?: NodeJS.ProcessEnv | undefined;
  /** The capture time (default now). */
  readonly now?: Date | undefined;
};

export type CaptureEnvironmentReturnType = EnvironmentPredicate;

/** A bad `--python-env` or `PROVENANCE_CONTAINER_IMAGE` (`INVALID_ARGUMENT`). Probe failures are recorded, not thrown. */
export type CaptureEnvironmentErrorType = InputError;

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * Describes the machine this process runs on as an environment predicate
 * (`https://provenance-ledger.dev/environment/v1`): OS, kernel, CPU, memory, NVIDIA GPUs and
 * CUDA (nvidia-smi, nvcc), container hints and image digest, runtimes (node, python3, nvcc,
 * gcc, java), installed OS and Python packages. Commands run without a shell, with a timeout;
 * each one's outcome is in `probes`, so "no GPU" (nvidia-smi absent) is never confused with
 * "could not tell". The hostname is recorded only as its SHA-256, paths under the home
 * directory as `~/…`, and no environment variable other than those above is read.
 * The result has been through {@link parseEnvironmentPredicate}.
 *
 * @example
 * import { captureEnvironment } from "provenance-ledger";
 * const predicate = await captureEnvironment({ pythonEnvironments: [".venv"] });
 * console.log(predicate.gpus.length ? predicate.gpus[0].name : "no NVIDIA GPU");
 */
export async function captureEnvironment(parameters: CaptureEnvironmentParameters = {}): Promise<CaptureEnvironmentReturnType> {
  const env = parameters.env ?? process.env;
  const timeoutMs = parameters.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const home = homedir();
  const probeParameters = { env, timeoutMs, home };
  const capturedAt = (parameters.now ?? new Date()).toISOString();

  // Arguments first: a mistake there is the caller's, and must not cost a full capture.
  const imageValue = env[CONTAINER_IMAGE_ENV];
  const image = imageValue === undefined || imageValue === "" ? undefined : parseContainerImage(imageValue);
  const pythonEnvDirs = await Promise.all((parameters.pythonEnvironments ?? []).map((dir, i) => findSitePackages(dir, `--python-env[${i}]`)));

  const [distro, nvidia, nvcc, python, gcc, java, osPackages, containerSources] = await Promise.all([
    readDistro(home),
    captureNvidia(probeParameters),
    runtimeProbe(probeParameters, "nvcc", ["--version"], (out) => mapOutcome(parseNvccVersion(out), (v) => v.version)),
    probePython(probeParameters),
    runtimeProbe(probeParameters, "gcc", ["-dumpfullversion", "-dumpversion"], parseGccVersion),
    // java -version writes to stderr.
    runtimeProbe(probeParameters, "java", ["-version"], parseJavaVersion, true),
    listOsPackages(probeParameters),
    readContainerSources(env),
  ]);

  const pythonEnvironments: PythonEnvironment[] = [];
  const pythonProbes: EnvironmentProbe[] = [];
  const sources: readonly (readonly [PythonEnvironment["source"], readonly string[]])[] =
    pythonEnvDirs.length > 0 ? pythonEnvDirs.map((dirs) => ["python-env", dirs] as const) : python.runtime ? [["python3", python.sitePackages]] : [];
  for (const [source, dirs] of sources) {
    const { packages, unreadable } = await readPythonPackages(dirs);
    const list = capPackageList(packages, (p) => normalizePythonPackageName(p.name));
    pythonEnvironments.push({ source, paths: dirs.map((d) => cleanText(redactHome(d, home), MAX_MACHINE_LONG_TEXT)), ...list });
    pythonProbes.push({
      name: "python-packages",
      command: null,
      executable: null,
      status: "ok",
      detail: `${list.count} distributions in ${dirs.length} site-packages director${dirs.length === 1 ? "y" : "ies"}${unreadable ? `; ${unreadable} without readable Name and Version left out` : ""}${list.truncated ? `; first ${list.packages.length} listed` : ""}`,
    });
  }

  const cpuList = cpus();
  const total = totalmem();
  const constrained = process.constrainedMemory();
  const nodeRuntime: EnvironmentRuntime = {
    name: "node",
    version: process.versions.node,
    executable: cleanText(redactHome(process.execPath, home), MAX_MACHINE_LONG_TEXT),
  };
  const runtimes = [nodeRuntime, python.runtime, nvcc.runtime, gcc.runtime, java.runtime].filter((r): r is EnvironmentRuntime => r !== null);
  const detection = detectContainer(containerSources);
  const container: EnvironmentContainer = {
    ...detection,
    image: image?.image ?? null,
    imageDigest: image?.imageDigest ?? null,
    imageDigestSource: image ? CONTAINER_IMAGE_ENV : null,
    imageDigestUnknownReason: image
      ? null
      : detection.detected
        ? `${CONTAINER_IMAGE_ENV} is not set; a container cannot see its own image digest`
        : "no container detected and no image given",
  };

  const captured: EnvironmentPredicate = {
    capturedAt,
    hostnameSha256: createHash("sha256").update(hostname(), "utf8").digest("hex"),
    os: {
      platform: platform(),
      arch: arch(),
      kernelRelease: cleanText(release()),
      kernelVersion: cleanText(version(), MAX_MACHINE_LONG_TEXT),
      distro: distro.value,
    },
    cpu: { model: cleanText(cpuList[0]?.model ?? "") || null, logicalCores: cpuList.length, availableParallelism: availableParallelism() },
    memory: { totalBytes: total, constrainedBytes: Number.isSafeInteger(constrained) && constrained > 0 && constrained < total ? constrained : null },
    gpus: nvidia.gpus,
    cuda: { driverSupported: nvidia.cudaVersion, toolkit: nvcc.release },
    container,
    runtimes,
    packages: { os: osPackages.list, python: pythonEnvironments },
    probes: [distro.probe, ...nvidia.probes, nvcc.probe, python.probe, gcc.probe, java.probe, ...osPackages.probes, ...pythonProbes],
  };
  return parseEnvironmentPredicate(captured);
}

type ProbeParameters = { readonly env: NodeJS.ProcessEnv; readonly timeoutMs: number; readonly home: string };

async function readDistro(home: string): Promise<{ value: EnvironmentPredicate["os"]["distro"]; probe: EnvironmentProbe }> {
  const probe = { name: "os-release", command: null } as const;
  for (const path of ["/etc/os-release", "/usr/lib/os-release"]) {
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") continue;
      return {
        value: null,
        probe: { ...probe, executable: path, status: "error", detail: cleanText(`cannot read: ${(error as NodeJS.ErrnoException).code ?? "error"}`) },
      };
    }
    const fields = parseOsRelease(text);
    const field = (key: string, max: number) => cleanText(fields.get(key) ?? "", max) || null;
    return {
      value: { id: field("ID", MAX_DISTRO_ID), versionId: field("VERSION_ID", MAX_DISTRO_ID), prettyName: field("PRETTY_NAME", MAX_MACHINE_TEXT) },
      probe: { ...probe, executable: redactHome(path, home), status: "ok", detail: null },
    };
  }
  return { value: null, probe: { ...probe, executable: null, status: "absent", detail: "no /etc/os-release or /usr/lib/os-release" } };
}

async function captureNvidia(parameters: ProbeParameters): Promise<{ gpus: EnvironmentGpu[]; cudaVersion: string | null; probes: EnvironmentProbe[] }> {
  const query = await runProbe({ ...parameters, name: "nvidia-smi", command: "nvidia-smi", args: NVIDIA_SMI_GPU_QUERY });
  // Absent: there is no NVIDIA driver here, so there is no banner to read either.
  if (query.probe.status === "absent") return { gpus: [], cudaVersion: null, probes: [query.probe] };
  let gpus: EnvironmentGpu[] = [];
  let queryProbe = query.probe;
  if (query.probe.status === "ok") {
    const parsed = parseNvidiaSmiGpus(query.stdout);
    if (parsed.ok) {
      gpus = parsed.value;
      queryProbe = { ...query.probe, detail: `${gpus.length} GPU${gpus.length === 1 ? "" : "s"}` };
    } else queryProbe = probeFailed(query.probe, parsed.problem, parameters.home);
  }
  const banner = await runProbe({ ...parameters, name: "nvidia-smi-header", command: "nvidia-smi", args: [] });
  let cudaVersion: string | null = null;
  let bannerProbe = banner.probe;
  if (banner.probe.status === "ok") {
    const parsed = parseNvidiaSmiHeader(banner.stdout);
    if (parsed.ok) cudaVersion = parsed.value.cudaVersion;
    else bannerProbe = probeFailed(banner.probe, parsed.problem, parameters.home);
  }
  return { gpus, cudaVersion, probes: [queryProbe, bannerProbe] };
}

async function runtimeProbe(
  parameters: ProbeParameters,
  command: "nvcc" | "gcc" | "java",
  args: readonly string[],
  parse: (output: string) => ParseOutcome<string>,
  fromStderr = false,
): Promise<{ runtime: EnvironmentRuntime | null; release: string | null; probe: EnvironmentProbe }> {
  const run = await runProbe({ ...parameters, name: command, command, args });
  if (run.probe.status !== "ok") return { runtime: null, release: null, probe: run.probe };
  const output = fromStderr ? run.stderr : run.stdout;
  const parsed = parse(output);
  if (!parsed.ok) return { runtime: null, release: null, probe: probeFailed(run.probe, parsed.problem, parameters.home) };
  const nvccRelease = command === "nvcc" ? parseNvccVersion(output) : undefined;
  return {
    runtime: { name: command, version: parsed.value, executable: run.probe.executable },
    release: nvccRelease?.ok ? nvccRelease.value.release : null,
    probe: run.probe,
  };
}

function mapOutcome<T, U>(outcome: ParseOutcome<T>, map: (value: T) => U): ParseOutcome<U> {
  return outcome.ok ? { ok: true, value: map(outcome.value) } : outcome;
}
