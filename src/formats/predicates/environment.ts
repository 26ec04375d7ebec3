import type { InputError } from "../../core/errors/input.js";
import { compareUtf8 } from "../../core/compareUtf8.js";
import { type Fail, type Spec, s } from "../../core/spec/spec.js";
import { parsePredicate } from "./fields.js";
import {
  MAX_DISTRO_ID,
  MAX_GPUS,
  MAX_GPU_NAME,
  MAX_IMAGE_REFERENCE,
  MAX_MACHINE_LONG_TEXT,
  MAX_MACHINE_TEXT,
  MAX_RUNTIME_VERSION,
  MAX_SITE_PACKAGES_DIRS,
} from "./environmentLimits.js";

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

const CONTAINER_RUNTIMES = ["docker", "podman", "kubernetes", "containerd", "lxc"] as const satisfies readonly ContainerRuntime[];
const PROBE_STATUSES = ["ok", "absent", "error"] as const satisfies readonly EnvironmentProbeStatus[];
const MAX_PROBES = 64;
const MAX_RUNTIMES = 16;
const MAX_PYTHON_ENVIRONMENTS = 64;
const MAX_PACKAGE_COUNT = 100_000_000;
const MAX_CONTAINER_EVIDENCE = 16;
const MAX_PROBE_ARGUMENTS = 16;

/**
 * Text read from the machine: 1 to `max` UTF-16 code units, no control characters; with `pattern`, also
 * of that form (checked second, so a control character is named as such).
 */
function text(max = MAX_MACHINE_TEXT, pattern?: RegExp, hint?: string, docType = hint): Spec<string> {
  if (pattern === undefined) return s.string({ max, pattern: TEXT, hint: TEXT_HINT, docType: max === MAX_MACHINE_TEXT ? "text" : `text ≤ ${max}` });
  return s
    .string({ max, pattern: TEXT, hint: TEXT_HINT, docType: docType ?? `text ≤ ${max}` })
    .refine((value, fail) => pattern.test(value) || fail("", `must be ${hint}`), { schema: { pattern: pattern.source } });
}

const identifier = (max: number, example: string) => text(max, IDENTIFIER, `a lower-case identifier such as ${example}`);

/** Packages listed in strictly increasing UTF-8 order of `key`: sorted, and unique by it. */
function sortedUnique<T>(key: (item: T) => string, by: string): [(items: readonly T[], fail: Fail) => void, { doc: string }] {
  return [
    (items, fail) => {
      // Each item's key made once, not once per comparison it takes part in.
      let previous = items.length === 0 ? "" : key(items[0]!);
      for (let i = 1; i < items.length; i++) {
        const current = key(items[i]!);
        if (compareUtf8(previous, current) >= 0) fail(`[${i}]`, `packages must be sorted and unique by ${by} (UTF-8 order)`);
        previous = current;
      }
    },
    { doc: `sorted and unique by ${by}, UTF-8 order (checked by the parser)` },
  ];
}

/** `count` is at least the number listed, and more exactly when `truncated`. */
function counted<T extends { readonly count: number; readonly truncated: boolean; readonly packages: readonly unknown[] }>(list: T, fail: Fail): void {
  const { count, truncated } = list;
  const listed = list.packages.length;
  if (count < listed) fail(".count", `count ${count} is less than the ${listed} packages listed`);
  if (truncated !== count > listed) fail(".truncated", `truncated must be ${count > listed} when count is ${count} and ${listed} are listed`);
}
const COUNTED = { doc: "count ≥ the number listed, truncated exactly when count is more (checked by the parser)" };

const countSpec = () => s.integer(0, MAX_PACKAGE_COUNT).describe("how many were found; more than the number listed exactly when truncated");
const truncatedSpec = () => s.boolean().describe(`true when only the first ${MAX_LISTED_PACKAGES} (in sort order) are listed`);

const containerSpec = s
  .object({
    detected: s.boolean().describe("true when any hint in evidence says the process runs in a container"),
    runtime: s.nullable(s.literal(...CONTAINER_RUNTIMES)).describe("runtime named by the most specific hint; inferred, not proven"),
    evidence: s.array(text(), 0, MAX_CONTAINER_EVIDENCE).describe("the hints found, e.g. `/.dockerenv exists`"),
    image: s
      .nullable(
        text(
          MAX_IMAGE_REFERENCE,
          CONTAINER_IMAGE_REFERENCE,
          "an image reference pinned by digest, name[:tag]@sha256:<64 hex>",
          "an image reference pinned by digest, `name[:tag]@sha256:<64 hex>`",
        ),
      )
      .describe(`image reference pinned by digest, as given in ${CONTAINER_IMAGE_ENV}`),
    imageDigest: s.nullable(text(71, IMAGE_DIGEST, "sha256: and 64 lower-case hex digits")).describe("the digest part of image"),
    imageDigestSource: s
      .nullable(s.literal(CONTAINER_IMAGE_ENV))
      .describe("who stated the digest: the deployer, through the environment variable; never measured"),
    imageDigestUnknownReason: s.nullable(text(512)).describe("why imageDigest is null (exactly when it is null)"),
  })
  .refine(
    (c, fail) => {
      if (c.detected !== c.evidence.length > 0) fail(".detected", "a container is detected exactly when there is evidence");
      if (c.runtime !== null && !c.detected) fail(".runtime", "a runtime without a detected container");
      if ((c.imageDigest === null) !== (c.image === null) || (c.imageDigest === null) !== (c.imageDigestSource === null))
        fail(".imageDigest", "image, imageDigest and imageDigestSource are all set or all null");
      if (c.image !== null && c.image.slice(c.image.lastIndexOf("@") + 1) !== c.imageDigest) fail(".imageDigest", "is not the digest of image");
      if ((c.imageDigest === null) === (c.imageDigestUnknownReason === null))
        fail(".imageDigestUnknownReason", "a reason is given exactly when imageDigest is null");
    },
    {
      doc: "detected exactly when there is evidence, a runtime only when detected; image, imageDigest and imageDigestSource all set or all null, imageDigest the digest of image, imageDigestUnknownReason set exactly when imageDigest is null (checked by the parser)",
    },
  );

/** The environment predicate's spec: parser, `schemas/predicates/environment-v1.schema.json` and the docs table. */
export const environmentSpec = s.object({
  capturedAt: s.timestamp().describe("time of the capture"),
  hostnameSha256: s.sha256().describe("SHA-256 (lower-case hex) of the UTF-8 hostname; the name itself is not recorded"),
  os: s.object({
    platform: identifier(32, "linux").describe("`process.platform`: linux, darwin, win32, …"),
    arch: identifier(32, "x64").describe("`process.arch`: x64, arm64, …"),
    kernelRelease: text().describe("`os.release()`, e.g. 6.1.0-18-amd64"),
    kernelVersion: text(MAX_MACHINE_LONG_TEXT).describe("`os.version()`, e.g. #1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)"),
    distro: s
      .nullable(
        s.object({
          id: s.nullable(text(MAX_DISTRO_ID)).describe("`ID`"),
          versionId: s.nullable(text(MAX_DISTRO_ID)).describe("`VERSION_ID`"),
          prettyName: s.nullable(text()).describe("`PRETTY_NAME`"),
        }),
      )
      .describe("from /etc/os-release (or /usr/lib/os-release); null when neither exists"),
  }),
  cpu: s.object({
    model: s.nullable(text()).describe("model name of the first CPU"),
    logicalCores: s.integer(0, 1_000_000).describe("`os.cpus().length`"),
    availableParallelism: s.integer(1, 1_000_000).describe("`os.availableParallelism()`: CPUs this process may use"),
  }),
  memory: s.object({
    totalBytes: s.integer(1).describe("`os.totalmem()`"),
    constrainedBytes: s.nullable(s.integer(1)).describe("cgroup memory limit when below totalBytes (`process.constrainedMemory()`)"),
  }),
  gpus: s
    .array(
      s.object({
        name: text(MAX_GPU_NAME),
        driverVersion: s.nullable(text(32, NVIDIA_DRIVER_VERSION, "a driver version such as 535.129.03")),
        memoryMiB: s.nullable(s.integer(0, 1 << 30)).describe("memory.total in MiB"),
        uuid: s.nullable(text(128, GPU_UUID, "an NVIDIA UUID such as GPU-22b2c6ac-2d49-4863-197c-9c469071178a")),
        pciBusId: s.nullable(text(32, PCI_BUS_ID, "a PCI address domain:bus:device.function such as 00000000:17:00.0")),
      }),
      0,
      MAX_GPUS,
    )
    .describe("NVIDIA GPUs from nvidia-smi --query-gpu; empty when there is none or nvidia-smi could not tell (see probes)"),
  cuda: s.object({
    driverSupported: s
      .nullable(text(16, CUDA_VERSION, "a CUDA version such as 12.2"))
      .describe("CUDA Version in the nvidia-smi banner: the newest CUDA the driver supports"),
    toolkit: s.nullable(text(16, CUDA_VERSION, "a CUDA version such as 12.2")).describe("CUDA toolkit release from nvcc --version"),
  }),
  container: containerSpec,
  runtimes: s
    .array(
      s.object({
        name: identifier(32, "python3").describe("node, python3, nvcc, gcc or java"),
        version: text(MAX_RUNTIME_VERSION, RUNTIME_VERSION, "a version such as 3.11.7"),
        executable: s.nullable(text(MAX_MACHINE_LONG_TEXT)).describe("executable path; the home directory is shown as ~"),
      }),
      0,
      MAX_RUNTIMES,
    )
    .refine(
      (runtimes, fail) => {
        const seen = new Set<string>();
        runtimes.forEach(({ name }, i) => {
          if (seen.has(name)) fail(`[${i}].name`, `runtime ${JSON.stringify(name)} is listed twice`);
          seen.add(name);
        });
      },
      { doc: "names are unique (checked by the parser)" },
    ),
  packages: s.object({
    os: s
      .nullable(
        s
          .object({
            manager: s.literal("dpkg", "rpm"),
            count: countSpec(),
            truncated: truncatedSpec(),
            packages: s
              .array(s.object({ name: text(), version: text(), architecture: text(64) }), 0, MAX_LISTED_PACKAGES)
              .refine(...sortedUnique(osPackageKey, "name and architecture")),
          })
          .refine(counted, COUNTED),
      )
      .describe("installed OS packages, sorted by name then architecture; null when none could be listed"),
    python: s
      .array(
        s
          .object({
            source: s.literal("python3", "python-env").describe("python3: the interpreter on PATH; python-env: a directory given with --python-env"),
            paths: s
              .array(text(MAX_MACHINE_LONG_TEXT), 0, MAX_SITE_PACKAGES_DIRS)
              .describe("site-packages directories scanned, in import order; the home directory is shown as ~"),
            count: countSpec(),
            truncated: truncatedSpec(),
            packages: s
              .array(s.object({ name: text(), version: text() }), 0, MAX_LISTED_PACKAGES)
              .refine(...sortedUnique((p: { readonly name: string }) => normalizePythonPackageName(p.name), "normalised name (PEP 503)")),
          })
          .refine(counted, COUNTED),
        0,
        MAX_PYTHON_ENVIRONMENTS,
      )
      .describe("distributions (*.dist-info, *.egg-info) of each Python environment"),
  }),
  probes: s
    .array(
      s.object({
        name: identifier(64, "nvidia-smi").describe("nvidia-smi, nvidia-smi-header, nvcc, python3, gcc, java, dpkg-query, rpm, os-release, python-packages"),
        command: s.nullable(s.array(text(2048), 1, MAX_PROBE_ARGUMENTS)).describe("argv as run (program looked up on PATH); null for a file read"),
        executable: s.nullable(text(MAX_MACHINE_LONG_TEXT)).describe("where the program or file was found; null when absent"),
        status: s.literal(...PROBE_STATUSES),
        detail: s.nullable(text(MAX_MACHINE_LONG_TEXT)).describe("why it failed, or a short note"),
      }),
      0,
      MAX_PROBES,
    )
    .describe("every source consulted and its outcome: absent (not installed), error (failed, timed out, or output not understood) or ok"),
}) satisfies Spec<EnvironmentPredicate>;

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
  return parsePredicate(environmentSpec, value, path);
}
