import { type InputError, invalid } from "../../core/errors/input.js";
import { compareUtf8 } from "../../core/compareUtf8.js";
import {
  type ExpectStringOptions,
  expectArray,
  expectBoolean,
  expectInteger,
  expectObject,
  expectOneOf,
  expectSha256,
  expectString,
  expectTimestamp,
} from "../../core/validate.js";

/**
 * The in-toto `predicateType` of an environment capture. The statement's subject is the artifact
 * built or trained in that environment.
 *
 * @example
 * import { ENVIRONMENT_PREDICATE_TYPE, parseEnvironmentPredicate } from "provenance-ledger";
 * if (statement.predicateType === ENVIRONMENT_PREDICATE_TYPE) parseEnvironmentPredicate(statement.predicate);
 */
export const ENVIRONMENT_PREDICATE_TYPE = "https://provenance-ledger.dev/environment/v1";

/**
 * Most packages listed per package list; the rest are counted, not listed (`truncated`).
 *
 * @example
 * import { MAX_LISTED_PACKAGES } from "provenance-ledger";
 * if (predicate.packages.os?.truncated) console.log(`only the first ${MAX_LISTED_PACKAGES} are listed`);
 */
export const MAX_LISTED_PACKAGES = 10_000;

/** How a probe (a command run or a file read) turned out. `absent`: the tool or file is not there. */
export type EnvironmentProbeStatus = "ok" | "absent" | "error";

/**
 * One source the capture consulted, so a reader can tell "no GPU" from "could not look".
 *
 * @example
 * import type { EnvironmentProbe } from "provenance-ledger";
 * const absent: EnvironmentProbe = { name: "nvidia-smi", command: ["nvidia-smi", "--query-gpu=…"], executable: null, status: "absent", detail: "nvidia-smi is not on PATH" };
 */
export type EnvironmentProbe = {
  /** Stable id: `nvidia-smi`, `nvidia-smi-header`, `nvcc`, `python3`, `gcc`, `java`, `dpkg-query`, `rpm`, `os-release`. */
  readonly name: string;
  /** The argv that ran (program name as looked up on PATH), or null for a file read. */
  readonly command: readonly string[] | null;
  /** Where the program or file was found (home directory shown as `~`), or null when absent. */
  readonly executable: string | null;
  readonly status: EnvironmentProbeStatus;
  /** Why it failed, or a short note; null when there is nothing to say. */
  readonly detail: string | null;
};

/**
 * An NVIDIA GPU as reported by `nvidia-smi --query-gpu`; null where nvidia-smi said N/A.
 *
 * @example
 * import type { EnvironmentGpu } from "provenance-ledger";
 * const gpu: EnvironmentGpu = { name: "Quadro RTX 4000", driverVersion: "535.129.03", memoryMiB: 8192, uuid: "GPU-c7b57be0-94ff-d352-a59b-d0ee00aeed43", pciBusId: "00000000:06:00.0" };
 */
export type EnvironmentGpu = {
  readonly name: string;
  readonly driverVersion: string | null;
  /** `memory.total` in MiB. */
  readonly memoryMiB: number | null;
  readonly uuid: string | null;
  readonly pciBusId: string | null;
};

/** A language runtime or toolchain found on the machine. */
export type EnvironmentRuntime = {
  /** `node`, `python3`, `nvcc`, `gcc` or `java`. */
  readonly name: string;
  readonly version: string;
  /** Its executable (home directory shown as `~`), when known. */
  readonly executable: string | null;
};

export type ContainerRuntime = "docker" | "podman" | "kubernetes" | "containerd" | "lxc";

/**
 * The environment variable through which the deployer states the container image, pinned by
 * digest (docs/environment.md).
 *
 * @example
 * import { CONTAINER_IMAGE_ENV } from "provenance-ledger";
 * process.env[CONTAINER_IMAGE_ENV]; // "ghcr.io/acme/trainer:1.4@sha256:…"
 */
export const CONTAINER_IMAGE_ENV = "PROVENANCE_CONTAINER_IMAGE";

export type EnvironmentContainer = {
  /** True when any hint in `evidence` says the process runs in a container. */
  readonly detected: boolean;
  /** The runtime the strongest hint names; null when none does. Inferred, not proven. */
  readonly runtime: ContainerRuntime | null;
  /** The hints found, e.g. `/.dockerenv exists`. */
  readonly evidence: readonly string[];
  /** The image reference `name[:tag]@sha256:…` as given by `PROVENANCE_CONTAINER_IMAGE`, or null. */
  readonly image: string | null;
  /** `sha256:<64 hex>` (the digest part of `image`), or null when unknown. */
  readonly imageDigest: string | null;
  /** Who stated the digest: the deployer, through the environment variable; never measured. */
  readonly imageDigestSource: typeof CONTAINER_IMAGE_ENV | null;
  /** Why `imageDigest` is null (exactly when it is null). */
  readonly imageDigestUnknownReason: string | null;
};

export type OsPackage = { readonly name: string; readonly version: string; readonly architecture: string };
export type PythonPackage = { readonly name: string; readonly version: string };

/** Installed OS packages: sorted by name then architecture, at most {@link MAX_LISTED_PACKAGES}. */
export type OsPackageList = {
  readonly manager: "dpkg" | "rpm";
  /** How many were found; more than `packages.length` exactly when `truncated`. */
  readonly count: number;
  readonly truncated: boolean;
  readonly packages: readonly OsPackage[];
};

/** The distributions installed in one Python environment, sorted and unique by normalised name (PEP 503). */
export type PythonEnvironment = {
  /** `python3`: the interpreter on PATH; `python-env`: a directory given with `--python-env`. */
  readonly source: "python3" | "python-env";
  /** The site-packages directories scanned, in import order (home directory shown as `~`). */
  readonly paths: readonly string[];
  readonly count: number;
  readonly truncated: boolean;
  readonly packages: readonly PythonPackage[];
};

/**
 * What a build or training machine looked like (`https://provenance-ledger.dev/environment/v1`,
 * schema `schemas/predicates/environment-v1.schema.json`, docs/environment.md). Every value was
 * read from the machine; what could not be read is null or empty, and `probes` says why.
 *
 * @example
 * import { type EnvironmentPredicate, captureEnvironment } from "provenance-ledger";
 * const predicate: EnvironmentPredicate = await captureEnvironment();
 */
export type EnvironmentPredicate = {
  readonly capturedAt: string;
  /** SHA-256 (hex) of the UTF-8 hostname: lets an auditor confirm a known host without publishing its name. */
  readonly hostnameSha256: string;
  readonly os: {
    /** `process.platform`: `linux`, `darwin`, `win32`, … */
    readonly platform: string;
    /** `process.arch`: `x64`, `arm64`, … */
    readonly arch: string;
    /** `os.release()`, e.g. `6.1.0-18-amd64`. */
    readonly kernelRelease: string;
    /** `os.version()`, e.g. `#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)`. */
    readonly kernelVersion: string;
    /** From `/etc/os-release` (`ID`, `VERSION_ID`, `PRETTY_NAME`); null when there is no such file. */
    readonly distro: { readonly id: string | null; readonly versionId: string | null; readonly prettyName: string | null } | null;
  };
  readonly cpu: {
    readonly model: string | null;
    /** `os.cpus().length`. */
    readonly logicalCores: number;
    /** `os.availableParallelism()`: the CPUs this process may use (affinity). */
    readonly availableParallelism: number;
  };
  readonly memory: {
    /** `os.totalmem()`. */
    readonly totalBytes: number;
    /** The cgroup memory limit when one is set below the total (`process.constrainedMemory()`), else null. */
    readonly constrainedBytes: number | null;
  };
  /** NVIDIA GPUs; empty when there is none **or** nvidia-smi could not tell (see `probes`). */
  readonly gpus: readonly EnvironmentGpu[];
  readonly cuda: {
    /** `CUDA Version` of the nvidia-smi header: the newest CUDA the installed driver supports. */
    readonly driverSupported: string | null;
    /** The CUDA toolkit release from `nvcc --version`. */
    readonly toolkit: string | null;
  };
  readonly container: EnvironmentContainer;
  readonly runtimes: readonly EnvironmentRuntime[];
  readonly packages: { readonly os: OsPackageList | null; readonly python: readonly PythonEnvironment[] };
  readonly probes: readonly EnvironmentProbe[];
};

export type ParseEnvironmentPredicateErrorType = InputError;

const CODE = "INVALID_PREDICATE";
// Control characters are refused everywhere: the values came from command output and are printed.
const TEXT = /^[^\u0000-\u001f\u007f]*$/;
const TEXT_HINT = "text without control characters";
const IDENTIFIER = /^[a-z0-9][a-z0-9_.-]*$/;
const IMAGE_DIGEST = /^sha256:[0-9a-f]{64}$/;

/** A runtime's version: `22.23.3`, `3.11.7`, `17.0.15`, `1.8.0_392`. */
export const RUNTIME_VERSION = /^[0-9A-Za-z][0-9A-Za-z.+~:_-]*$/;
/** An NVIDIA driver version: `535.129.03`, `331.62`. */
export const NVIDIA_DRIVER_VERSION = /^\d+(\.\d+){1,3}$/;
/** A CUDA version as nvidia-smi and nvcc print it: `12.2`. */
export const CUDA_VERSION = /^\d+\.\d+$/;
/** An NVIDIA GPU UUID: `GPU-22b2c6ac-2d49-4863-197c-9c469071178a`. */
export const GPU_UUID = /^(GPU|MIG)-[0-9A-Za-z/-]{1,120}$/;
/** A PCI address `domain:bus:device.function` in hex: `00000000:17:00.0`. */
export const PCI_BUS_ID = /^[0-9A-Fa-f]{4,8}:[0-9A-Fa-f]{2}:[0-9A-Fa-f]{2}\.[0-7]$/;
const MAX_SAFE_BYTES = Number.MAX_SAFE_INTEGER;

/**
 * A container image reference pinned by digest: `[registry[:port]/]path[:tag]@sha256:<64 hex>`
 * (the distribution/reference grammar, lower-case path components). Group 1 is the digest.
 *
 * @example
 * import { CONTAINER_IMAGE_REFERENCE } from "provenance-ledger";
 * CONTAINER_IMAGE_REFERENCE.exec(`ubuntu@sha256:${"ab".repeat(32)}`)?.[1]; // "sha256:abab…"
 */
export const CONTAINER_IMAGE_REFERENCE =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]{1,5})?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?@(sha256:[0-9a-f]{64})$/;

/**
 * PEP 503 normalised name: lower case, runs of `-`, `_`, `.` as one `-`. Python packages are
 * unique and sorted by it.
 *
 * @example
 * import { normalizePythonPackageName } from "provenance-ledger";
 * normalizePythonPackageName("Zope.Interface"); // "zope-interface"
 */
export function normalizePythonPackageName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, "-");
}

/**
 * The key OS packages are sorted and made unique by: name, then architecture.
 *
 * @example
 * import { osPackageKey } from "provenance-ledger";
 * osPackageKey({ name: "libc6", architecture: "i386" }); // "libc6\u0000i386"
 */
export function osPackageKey(p: { readonly name: string; readonly architecture: string }): string {
  return `${p.name}\u0000${p.architecture}`;
}

/**
 * Validates an untrusted environment predicate and returns a fresh copy. Every field is checked
 * and named on failure (`predicate.gpus[1].pciBusId`) with code `INVALID_PREDICATE`: unknown or
 * missing fields, control characters in text, malformed versions, digests and PCI addresses,
 * negative or fractional sizes, package lists out of order, repeated or miscounted, an
 * `imageDigest` that is not the digest of `image`, and a null digest without a reason.
 *
 * @example
 * import { parseEnvironmentPredicate } from "provenance-ledger";
 * const predicate = parseEnvironmentPredicate(JSON.parse(await readFile("env.json", "utf8")));
 * console.log(predicate.os.kernelRelease, predicate.gpus.length);
 */
export function parseEnvironmentPredicate(value: unknown, path = "predicate"): EnvironmentPredicate {
  // `allowed: []`: only the required keys; anything else is refused, not dropped.
  const o = expectObject(value, path, CODE, {
    allowed: [],
    required: ["capturedAt", "hostnameSha256", "os", "cpu", "memory", "gpus", "cuda", "container", "runtimes", "packages", "probes"],
  });
  return {
    capturedAt: expectTimestamp(o.capturedAt, `${path}.capturedAt`, CODE),
    hostnameSha256: expectSha256(o.hostnameSha256, `${path}.hostnameSha256`, CODE),
    os: parseOs(o.os, `${path}.os`),
    cpu: parseCpu(o.cpu, `${path}.cpu`),
    memory: parseMemory(o.memory, `${path}.memory`),
    gpus: expectArray(o.gpus, `${path}.gpus`, CODE, 0, 64).map((g, i) => parseGpu(g, `${path}.gpus[${i}]`)),
    cuda: parseCuda(o.cuda, `${path}.cuda`),
    container: parseContainer(o.container, `${path}.container`),
    runtimes: parseRuntimes(o.runtimes, `${path}.runtimes`),
    packages: parsePackages(o.packages, `${path}.packages`),
    probes: expectArray(o.probes, `${path}.probes`, CODE, 0, 64).map((p, i) => parseProbe(p, `${path}.probes[${i}]`)),
  };
}

function text(value: unknown, path: string, max = 256, options: ExpectStringOptions = {}): string {
  const s = expectString(value, path, CODE, { max, pattern: TEXT, hint: TEXT_HINT });
  return options.pattern ? expectString(s, path, CODE, { max, ...options }) : s;
}

function nullable<T>(value: unknown, path: string, read: (value: unknown, path: string) => T): T | null {
  return value === null ? null : read(value, path);
}

function parseOs(value: unknown, path: string): EnvironmentPredicate["os"] {
  const o = expectObject(value, path, CODE, { allowed: [], required: ["platform", "arch", "kernelRelease", "kernelVersion", "distro"] });
  return {
    platform: text(o.platform, `${path}.platform`, 32, { pattern: IDENTIFIER, hint: "a lower-case identifier such as linux" }),
    arch: text(o.arch, `${path}.arch`, 32, { pattern: IDENTIFIER, hint: "a lower-case identifier such as x64" }),
    kernelRelease: text(o.kernelRelease, `${path}.kernelRelease`),
    kernelVersion: text(o.kernelVersion, `${path}.kernelVersion`, 1024),
    distro: nullable(o.distro, `${path}.distro`, (v, p) => {
      const d = expectObject(v, p, CODE, { allowed: [], required: ["id", "versionId", "prettyName"] });
      return {
        id: nullable(d.id, `${p}.id`, (x, q) => text(x, q, 64)),
        versionId: nullable(d.versionId, `${p}.versionId`, (x, q) => text(x, q, 64)),
        prettyName: nullable(d.prettyName, `${p}.prettyName`, (x, q) => text(x, q, 256)),
      };
    }),
  };
}

function parseCpu(value: unknown, path: string): EnvironmentPredicate["cpu"] {
  const o = expectObject(value, path, CODE, { allowed: [], required: ["model", "logicalCores", "availableParallelism"] });
  return {
    model: nullable(o.model, `${path}.model`, (v, p) => text(v, p)),
    logicalCores: expectInteger(o.logicalCores, `${path}.logicalCores`, CODE, 0, 1_000_000),
    availableParallelism: expectInteger(o.availableParallelism, `${path}.availableParallelism`, CODE, 1, 1_000_000),
  };
}

function parseMemory(value: unknown, path: string): EnvironmentPredicate["memory"] {
  const o = expectObject(value, path, CODE, { allowed: [], required: ["totalBytes", "constrainedBytes"] });
  return {
    totalBytes: expectInteger(o.totalBytes, `${path}.totalBytes`, CODE, 1, MAX_SAFE_BYTES),
    constrainedBytes: nullable(o.constrainedBytes, `${path}.constrainedBytes`, (v, p) => expectInteger(v, p, CODE, 1, MAX_SAFE_BYTES)),
  };
}

function parseGpu(value: unknown, path: string): EnvironmentGpu {
  const o = expectObject(value, path, CODE, { allowed: [], required: ["name", "driverVersion", "memoryMiB", "uuid", "pciBusId"] });
  return {
    name: text(o.name, `${path}.name`, 128),
    driverVersion: nullable(o.driverVersion, `${path}.driverVersion`, (v, p) =>
      text(v, p, 32, { pattern: NVIDIA_DRIVER_VERSION, hint: "a driver version such as 535.129.03" }),
    ),
    memoryMiB: nullable(o.memoryMiB, `${path}.memoryMiB`, (v, p) => expectInteger(v, p, CODE, 0, 1 << 30)),
    uuid: nullable(o.uuid, `${path}.uuid`, (v, p) =>
      text(v, p, 128, { pattern: GPU_UUID, hint: "an NVIDIA UUID such as GPU-22b2c6ac-2d49-4863-197c-9c469071178a" }),
    ),
    pciBusId: nullable(o.pciBusId, `${path}.pciBusId`, (v, p) =>
      text(v, p, 32, { pattern: PCI_BUS_ID, hint: "a PCI address domain:bus:device.function such as 00000000:17:00.0" }),
    ),
  };
}

function parseCuda(value: unknown, path: string): EnvironmentPredicate["cuda"] {
  const o = expectObject(value, path, CODE, { allowed: [], required: ["driverSupported", "toolkit"] });
  const version = (v: unknown, p: string) => text(v, p, 16, { pattern: CUDA_VERSION, hint: "a CUDA version such as 12.2" });
  return { driverSupported: nullable(o.driverSupported, `${path}.driverSupported`, version), toolkit: nullable(o.toolkit, `${path}.toolkit`, version) };
}

const CONTAINER_RUNTIMES = ["docker", "podman", "kubernetes", "containerd", "lxc"] as const satisfies readonly ContainerRuntime[];

function parseContainer(value: unknown, path: string): EnvironmentContainer {
  const o = expectObject(value, path, CODE, {
    allowed: [],
    required: ["detected", "runtime", "evidence", "image", "imageDigest", "imageDigestSource", "imageDigestUnknownReason"],
  });
  const detected = expectBoolean(o.detected, `${path}.detected`, CODE);
  const runtime = nullable(o.runtime, `${path}.runtime`, (v, p) => expectOneOf(v, p, CODE, CONTAINER_RUNTIMES));
  const evidence = expectArray(o.evidence, `${path}.evidence`, CODE, 0, 16).map((e, i) => text(e, `${path}.evidence[${i}]`, 256));
  if (detected !== evidence.length > 0) invalid(CODE, "a container is detected exactly when there is evidence", `${path}.detected`);
  if (runtime !== null && !detected) invalid(CODE, "a runtime without a detected container", `${path}.runtime`);
  const image = nullable(o.image, `${path}.image`, (v, p) =>
    text(v, p, 512, { pattern: CONTAINER_IMAGE_REFERENCE, hint: "an image reference pinned by digest, name[:tag]@sha256:<64 hex>" }),
  );
  const imageDigest = nullable(o.imageDigest, `${path}.imageDigest`, (v, p) =>
    text(v, p, 71, { pattern: IMAGE_DIGEST, hint: "sha256: and 64 lower-case hex digits" }),
  );
  const imageDigestSource = nullable(o.imageDigestSource, `${path}.imageDigestSource`, (v, p) => expectOneOf(v, p, CODE, [CONTAINER_IMAGE_ENV] as const));
  const imageDigestUnknownReason = nullable(o.imageDigestUnknownReason, `${path}.imageDigestUnknownReason`, (v, p) => text(v, p, 512));
  if ((imageDigest === null) !== (image === null) || (imageDigest === null) !== (imageDigestSource === null))
    invalid(CODE, "image, imageDigest and imageDigestSource are all set or all null", `${path}.imageDigest`);
  if (image !== null && image.slice(image.lastIndexOf("@") + 1) !== imageDigest) invalid(CODE, "is not the digest of image", `${path}.imageDigest`);
  if ((imageDigest === null) === (imageDigestUnknownReason === null))
    invalid(CODE, "a reason is given exactly when imageDigest is null", `${path}.imageDigestUnknownReason`);
  return { detected, runtime, evidence, image, imageDigest, imageDigestSource, imageDigestUnknownReason };
}

function parseRuntimes(value: unknown, path: string): EnvironmentRuntime[] {
  const seen = new Set<string>();
  return expectArray(value, path, CODE, 0, 16).map((item, i) => {
    const p = `${path}[${i}]`;
    const o = expectObject(item, p, CODE, { allowed: [], required: ["name", "version", "executable"] });
    const name = text(o.name, `${p}.name`, 32, { pattern: IDENTIFIER, hint: "a lower-case identifier such as python3" });
    if (seen.has(name)) invalid(CODE, `runtime ${JSON.stringify(name)} is listed twice`, `${p}.name`);
    seen.add(name);
    return {
      name,
      version: text(o.version, `${p}.version`, 64, { pattern: RUNTIME_VERSION, hint: "a version such as 3.11.7" }),
      executable: nullable(o.executable, `${p}.executable`, (v, q) => text(v, q, 1024)),
    };
  });
}

function parsePackages(value: unknown, path: string): EnvironmentPredicate["packages"] {
  const o = expectObject(value, path, CODE, { allowed: [], required: ["os", "python"] });
  return {
    os: nullable(o.os, `${path}.os`, parseOsPackages),
    python: expectArray(o.python, `${path}.python`, CODE, 0, 64).map((e, i) => parsePythonEnvironment(e, `${path}.python[${i}]`)),
  };
}

function parseOsPackages(value: unknown, path: string): OsPackageList {
  const o = expectObject(value, path, CODE, { allowed: [], required: ["manager", "count", "truncated", "packages"] });
  const manager = expectOneOf(o.manager, `${path}.manager`, CODE, ["dpkg", "rpm"]);
  const packages = expectArray(o.packages, `${path}.packages`, CODE, 0, MAX_LISTED_PACKAGES).map((item, i) => {
    const p = `${path}.packages[${i}]`;
    const pkg = expectObject(item, p, CODE, { allowed: [], required: ["name", "version", "architecture"] });
    return { name: text(pkg.name, `${p}.name`), version: text(pkg.version, `${p}.version`), architecture: text(pkg.architecture, `${p}.architecture`, 64) };
  });
  checkSortedUnique(packages.map(osPackageKey), `${path}.packages`, "name and architecture");
  return { manager, ...parseCount(o, path, packages.length), packages };
}

function parsePythonEnvironment(value: unknown, path: string): PythonEnvironment {
  const o = expectObject(value, path, CODE, { allowed: [], required: ["source", "paths", "count", "truncated", "packages"] });
  const source = expectOneOf(o.source, `${path}.source`, CODE, ["python3", "python-env"]);
  const paths = expectArray(o.paths, `${path}.paths`, CODE, 0, 64).map((v, i) => text(v, `${path}.paths[${i}]`, 1024));
  const packages = expectArray(o.packages, `${path}.packages`, CODE, 0, MAX_LISTED_PACKAGES).map((item, i) => {
    const p = `${path}.packages[${i}]`;
    const pkg = expectObject(item, p, CODE, { allowed: [], required: ["name", "version"] });
    return { name: text(pkg.name, `${p}.name`), version: text(pkg.version, `${p}.version`) };
  });
  checkSortedUnique(
    packages.map((p) => normalizePythonPackageName(p.name)),
    `${path}.packages`,
    "normalised name (PEP 503)",
  );
  return { source, paths, ...parseCount(o, path, packages.length), packages };
}

function parseCount(o: Record<string, unknown>, path: string, listed: number): { count: number; truncated: boolean } {
  const count = expectInteger(o.count, `${path}.count`, CODE, 0, 100_000_000);
  const truncated = expectBoolean(o.truncated, `${path}.truncated`, CODE);
  if (count < listed) invalid(CODE, `count ${count} is less than the ${listed} packages listed`, `${path}.count`);
  if (truncated !== count > listed) invalid(CODE, `truncated must be ${count > listed} when count is ${count} and ${listed} are listed`, `${path}.truncated`);
  return { count, truncated };
}

function checkSortedUnique(keys: readonly string[], path: string, by: string): void {
  for (let i = 1; i < keys.length; i++)
    if (compareUtf8(keys[i - 1]!, keys[i]!) >= 0) invalid(CODE, `packages must be sorted and unique by ${by} (UTF-8 order)`, `${path}[${i}]`);
}

const PROBE_STATUSES = ["ok", "absent", "error"] as const satisfies readonly EnvironmentProbeStatus[];

function parseProbe(value: unknown, path: string): EnvironmentProbe {
  const o = expectObject(value, path, CODE, { allowed: [], required: ["name", "command", "executable", "status", "detail"] });
  return {
    name: text(o.name, `${path}.name`, 64, { pattern: IDENTIFIER, hint: "a lower-case identifier such as nvidia-smi" }),
    command: nullable(o.command, `${path}.command`, (v, p) => expectArray(v, p, CODE, 1, 16).map((a, i) => text(a, `${p}[${i}]`, 2048))),
    executable: nullable(o.executable, `${path}.executable`, (v, p) => text(v, p, 1024)),
    status: expectOneOf(o.status, `${path}.status`, CODE, PROBE_STATUSES),
    detail: nullable(o.detail, `${path}.detail`, (v, p) => text(v, p, 1024)),
  };
}
