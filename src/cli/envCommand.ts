import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { ENVIRONMENT_PREDICATE_TYPE, type EnvironmentPredicate } from "../formats/predicates/environment.js";
import { invalidArgument } from "./usage.js";
import { captureEnvironment } from "../local/environment/captureEnvironment.js";
import type { CommandContext } from "./commands.js";
import { createOutput, stderr } from "./output.js";

/**
 * `provenance env capture [-o env.json] [--python-env dir]…`: describes this machine as an
 * environment predicate and writes it (pretty JSON) to the file, or to stdout. The human summary
 * goes with the result when writing a file, and to stderr when stdout carries the predicate.
 */
export async function envCapture({ flags, args, out }: CommandContext): Promise<void> {
  if (args.length > 0) invalidArgument(`unexpected argument "${args[0]}": usage: provenance env capture [-o env.json] [--python-env dir]…`);
  const predicate = await captureEnvironment({ pythonEnvironments: flags["python-env"] ?? [] });
  const text = `${JSON.stringify(predicate, null, 2)}\n`;
  const lines = summarizeEnvironment(predicate);
  if (flags.output) {
    await writeFile(flags.output, text);
    const file = resolve(flags.output);
    out.result({ file, predicateType: ENVIRONMENT_PREDICATE_TYPE, ...summaryJson(predicate) }, [
      `Wrote the environment of this machine to ${flags.output}`,
      ...lines,
    ]);
    return;
  }
  out.raw(text);
  // stdout is the predicate: people read the summary on stderr.
  const people = createOutput(flags.json ?? false, stderr);
  for (const line of lines) people.say(line);
}

/**
 * A few lines for people: OS, kernel, CPU, memory, GPUs (or why there are none), CUDA,
 * container and image digest, runtimes, package counts, and any probe that failed.
 */
export function summarizeEnvironment(p: EnvironmentPredicate): string[] {
  const lines = [
    `  OS:        ${p.os.distro?.prettyName ?? p.os.platform} (${p.os.platform} ${p.os.arch}), kernel ${p.os.kernelRelease}`,
    `  CPU:       ${p.cpu.model ?? "unknown model"}, ${p.cpu.logicalCores} logical core(s); memory ${gib(p.memory.totalBytes)}${p.memory.constrainedBytes === null ? "" : ` (cgroup limit ${gib(p.memory.constrainedBytes)})`}`,
    `  GPUs:      ${gpuLine(p)}`,
  ];
  if (p.cuda.driverSupported !== null || p.cuda.toolkit !== null)
    lines.push(
      `  CUDA:      ${[p.cuda.driverSupported && `driver supports ${p.cuda.driverSupported}`, p.cuda.toolkit && `toolkit ${p.cuda.toolkit} (nvcc)`].filter(Boolean).join("; ")}`,
    );
  const c = p.container;
  lines.push(
    `  Container: ${c.detected ? `${c.runtime ?? "yes"} (${c.evidence.join("; ")})` : "none detected"}; image ${c.imageDigest ? `${c.image} (stated in ${c.imageDigestSource})` : `digest unknown: ${c.imageDigestUnknownReason}`}`,
    `  Runtimes:  ${p.runtimes.map((r) => `${r.name} ${r.version}`).join(", ")}`,
    `  Packages:  ${[
      p.packages.os
        ? `${p.packages.os.count} ${p.packages.os.manager}${p.packages.os.truncated ? ` (first ${p.packages.os.packages.length} listed)` : ""}`
        : "no OS package list",
      ...p.packages.python.map(
        (e) => `${e.count} Python (${e.source === "python3" ? "python3" : e.paths.join(", ")})${e.truncated ? ` (first ${e.packages.length} listed)` : ""}`,
      ),
    ].join(", ")}`,
  );
  for (const probe of p.probes) if (probe.status === "error") lines.push(`  ! ${probe.name} failed: ${probe.detail ?? "no detail"}`);
  return lines;
}

function gpuLine(p: EnvironmentPredicate): string {
  const smi = p.probes.find((probe) => probe.name === "nvidia-smi");
  if (p.gpus.length === 0) {
    if (smi?.status === "absent") return "no NVIDIA GPU (nvidia-smi not found)";
    if (smi?.status === "error") return `unknown (nvidia-smi failed: ${smi.detail ?? "no detail"})`;
    return "no NVIDIA GPU (nvidia-smi lists none)";
  }
  const counts = new Map<string, number>();
  for (const g of p.gpus) {
    const label = `${g.name}${g.memoryMiB === null ? "" : `, ${g.memoryMiB} MiB`}${g.driverVersion === null ? "" : `, driver ${g.driverVersion}`}`;
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  return [...counts].map(([label, n]) => `${n} × ${label}`).join("; ");
}

function summaryJson(p: EnvironmentPredicate) {
  return {
    os: p.os.distro?.prettyName ?? p.os.platform,
    kernel: p.os.kernelRelease,
    cpu: p.cpu.model,
    logicalCores: p.cpu.logicalCores,
    memoryBytes: p.memory.totalBytes,
    gpus: p.gpus.length,
    container: p.container.detected ? (p.container.runtime ?? true) : false,
    imageDigest: p.container.imageDigest,
    runtimes: Object.fromEntries(p.runtimes.map((r) => [r.name, r.version])),
    osPackages: p.packages.os?.count ?? null,
    pythonPackages: p.packages.python.reduce((n, e) => n + e.count, 0),
    failedProbes: p.probes.filter((probe) => probe.status === "error").map((probe) => probe.name),
  };
}

function gib(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
}
