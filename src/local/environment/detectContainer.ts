import { readFile } from "node:fs/promises";
import { access } from "node:fs/promises";
import type { ContainerRuntime } from "../../formats/predicates/environment.js";

/** What the container check reads; each file is null when absent or unreadable. */
export type ContainerSources = {
  /** `/.dockerenv` exists (Docker creates it in every container). */
  readonly dockerenv: boolean;
  /** Contents of `/run/.containerenv` (Podman, Buildah), or null. */
  readonly containerenv: string | null;
  /** Contents of `/proc/1/cgroup` (else `/proc/self/cgroup`), or null. */
  readonly cgroup: string | null;
  /** Contents of `/proc/self/mountinfo`, or null. */
  readonly mountinfo: string | null;
  /** `KUBERNETES_SERVICE_HOST` is set (the kubelet sets it in every pod). */
  readonly kubernetesServiceHost: boolean;
};

export type ContainerDetection = {
  readonly detected: boolean;
  /** The runtime named by the most specific hint (Kubernetes over the engine under it), or null. */
  readonly runtime: ContainerRuntime | null;
  readonly evidence: readonly string[];
};

// cgroup paths of a containerised PID 1 (v1, or v2 without a cgroup namespace). Container ids
// are hex; `docker.service` (the daemon itself, on the host) must not match.
const CGROUP_HINTS: readonly (readonly [RegExp, ContainerRuntime])[] = [
  [/\/kubepods[./]/, "kubernetes"],
  [/\/libpod-[0-9a-f]{12,}/, "podman"],
  [/\/docker[-/][0-9a-f]{12,}/, "docker"],
  [/\/cri-containerd-[0-9a-f]{12,}/, "containerd"],
  [/\/lxc(?:\.payload)?[./]/, "lxc"],
];

// Bind mounts (/etc/hostname, /etc/resolv.conf) that come from a runtime's state directory.
const MOUNT_HINTS: readonly (readonly [string, ContainerRuntime])[] = [
  ["/var/lib/kubelet/pods/", "kubernetes"],
  ["/var/lib/containers/storage/overlay-containers/", "podman"],
  ["/var/lib/docker/containers/", "docker"],
  ["/var/lib/containerd/", "containerd"],
  ["/run/containerd/", "containerd"],
];

const PRIORITY: readonly ContainerRuntime[] = ["kubernetes", "podman", "docker", "containerd", "lxc"];

/**
 * Decides from file contents whether this process runs in a container, listing every hint
 * found. Pure: the caller reads the files ({@link readContainerSources}). The runtime is an
 * inference from the hints; a cgroup v2 host with cgroup namespaces shows `0::/` and gives none.
 *
 * @example
 * import { detectContainer } from "provenance-ledger";
 * detectContainer({ dockerenv: true, containerenv: null, cgroup: "0::/\n", mountinfo: null, kubernetesServiceHost: false });
 * // { detected: true, runtime: "docker", evidence: ["/.dockerenv exists"] }
 */
export function detectContainer(sources: ContainerSources): ContainerDetection {
  const evidence: string[] = [];
  const runtimes = new Set<ContainerRuntime>();
  const hint = (text: string, runtime: ContainerRuntime) => {
    if (!evidence.includes(text)) evidence.push(text);
    runtimes.add(runtime);
  };
  if (sources.dockerenv) hint("/.dockerenv exists", "docker");
  if (sources.containerenv !== null) hint("/run/.containerenv exists", "podman");
  if (sources.cgroup !== null) for (const [pattern, runtime] of CGROUP_HINTS) if (pattern.test(sources.cgroup)) hint(`cgroup path names ${runtime}`, runtime);
  if (sources.mountinfo !== null) for (const [dir, runtime] of MOUNT_HINTS) if (sources.mountinfo.includes(dir)) hint(`a mount comes from ${dir}`, runtime);
  if (sources.kubernetesServiceHost) hint("KUBERNETES_SERVICE_HOST is set", "kubernetes");
  return { detected: evidence.length > 0, runtime: PRIORITY.find((r) => runtimes.has(r)) ?? null, evidence };
}

/**
 * Reads what {@link detectContainer} needs from this machine; unreadable files are null.
 *
 * @example
 * import { detectContainer, readContainerSources } from "provenance-ledger";
 * const container = detectContainer(await readContainerSources(process.env));
 */
export async function readContainerSources(env: NodeJS.ProcessEnv): Promise<ContainerSources> {
  const [dockerenv, containerenv, cgroup1, cgroupSelf, mountinfo] = await Promise.all([
    access("/.dockerenv").then(
      () => true,
      () => false,
    ),
    readSmall("/run/.containerenv"),
    readSmall("/proc/1/cgroup"),
    readSmall("/proc/self/cgroup"),
    readSmall("/proc/self/mountinfo"),
  ]);
  return { dockerenv, containerenv, cgroup: cgroup1 ?? cgroupSelf, mountinfo, kubernetesServiceHost: (env.KUBERNETES_SERVICE_HOST ?? "") !== "" };
}

async function readSmall(path: string): Promise<string | null> {
  try {
    const text = await readFile(path, "utf8");
    return text.length > 4 * 1024 * 1024 ? text.slice(0, 4 * 1024 * 1024) : text;
  } catch {
    return null;
  }
}
