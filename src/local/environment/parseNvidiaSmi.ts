import { CUDA_VERSION, type EnvironmentGpu, GPU_UUID, NVIDIA_DRIVER_VERSION, PCI_BUS_ID } from "../../formats/predicates/environment.js";
import { MAX_GPUS, MAX_GPU_NAME } from "../../formats/predicates/environmentLimits.js";
import type { ParseOutcome } from "./parseOutcome.js";

/** The arguments of the GPU query; {@link parseNvidiaSmiGpus} reads its output. */
export const NVIDIA_SMI_GPU_QUERY = ["--query-gpu=name,driver_version,memory.total,uuid,pci.bus_id", "--format=csv,noheader,nounits"] as const;

// nvidia-smi's placeholders for a value it cannot give: N/A, [N/A], [Not Supported], [Insufficient Permissions], …
const UNAVAILABLE = /^(N\/A|\[[^\]]*\])$/;

/**
 * Reads the output of `nvidia-smi --query-gpu=name,driver_version,memory.total,uuid,pci.bus_id
 * --format=csv,noheader,nounits`: one line per GPU, fields separated by `, `. A field nvidia-smi
 * could not read (`N/A`, `[Not Supported]`, …) becomes null. Anything else that does not look
 * like what nvidia-smi prints makes the whole output "not understood": a partial GPU list would
 * be a guess.
 *
 * @example
 * import { parseNvidiaSmiGpus } from "provenance-ledger";
 * parseNvidiaSmiGpus("NVIDIA A100-SXM4-80GB, 535.129.03, 81920, GPU-1d9f…, 00000000:07:00.0\n");
 * // { ok: true, value: [{ name: "NVIDIA A100-SXM4-80GB", driverVersion: "535.129.03", memoryMiB: 81920, … }] }
 */
export function parseNvidiaSmiGpus(output: string): ParseOutcome<EnvironmentGpu[]> {
  const lines = output.split(/\r?\n/).filter((l) => l.trim() !== "");
  if (lines.length > MAX_GPUS) return { ok: false, problem: `more than ${MAX_GPUS} GPUs listed` };
  const gpus: EnvironmentGpu[] = [];
  for (const [i, line] of lines.entries()) {
    const fields = line.split(",").map((f) => f.trim());
    const where = `line ${i + 1}`;
    if (fields.length < 5) return { ok: false, problem: `${where}: expected 5 comma-separated fields, got ${fields.length}` };
    // Only the name could hold a comma; the last four fields never do.
    const [driver, memory, uuid, bus] = fields.slice(-4) as [string, string, string, string];
    const name = fields.slice(0, -4).join(", ");
    if (name === "" || UNAVAILABLE.test(name) || name.length > MAX_GPU_NAME || /[\u0000-\u001f\u007f]/.test(name))
      return { ok: false, problem: `${where}: no usable GPU name` };
    if (!UNAVAILABLE.test(driver) && !NVIDIA_DRIVER_VERSION.test(driver))
      return { ok: false, problem: `${where}: driver_version ${JSON.stringify(driver.slice(0, 40))} is not a version` };
    if (!UNAVAILABLE.test(memory) && !/^\d{1,10}$/.test(memory))
      return { ok: false, problem: `${where}: memory.total ${JSON.stringify(memory.slice(0, 40))} is not a whole number of MiB` };
    if (!UNAVAILABLE.test(uuid) && !GPU_UUID.test(uuid)) return { ok: false, problem: `${where}: uuid ${JSON.stringify(uuid.slice(0, 80))} is not a GPU UUID` };
    if (!UNAVAILABLE.test(bus) && !PCI_BUS_ID.test(bus))
      return { ok: false, problem: `${where}: pci.bus_id ${JSON.stringify(bus.slice(0, 40))} is not a PCI address` };
    const memoryMiB = UNAVAILABLE.test(memory) ? null : Number(memory);
    if (memoryMiB !== null && memoryMiB > 2 ** 30) return { ok: false, problem: `${where}: memory.total ${memory} MiB is implausible` };
    gpus.push({
      name,
      driverVersion: UNAVAILABLE.test(driver) ? null : driver,
      memoryMiB,
      uuid: UNAVAILABLE.test(uuid) ? null : uuid,
      pciBusId: UNAVAILABLE.test(bus) ? null : bus,
    });
  }
  return { ok: true, value: gpus };
}

/** The versions in the banner of plain `nvidia-smi`. */
export type NvidiaSmiHeader = {
  /** `Driver Version` (`KMD Version` from R610 on). */
  readonly driverVersion: string | null;
  /** `CUDA Version` (`CUDA UMD Version` from R610 on): the newest CUDA this driver supports, not the toolkit in use. */
  readonly cudaVersion: string | null;
};

/**
 * Reads the banner of plain `nvidia-smi`:
 * `| NVIDIA-SMI 535.129.03   Driver Version: 535.129.03   CUDA Version: 12.2 |`, and the R610+
 * form `KMD Version: … CUDA UMD Version: …`. Old drivers print no CUDA version (null), as does
 * `CUDA Version: N/A`. Output without a driver version is not understood.
 *
 * @example
 * import { parseNvidiaSmiHeader } from "provenance-ledger";
 * parseNvidiaSmiHeader("| NVIDIA-SMI 535.129.03   Driver Version: 535.129.03   CUDA Version: 12.2 |");
 * // { ok: true, value: { driverVersion: "535.129.03", cudaVersion: "12.2" } }
 */
export function parseNvidiaSmiHeader(output: string): ParseOutcome<NvidiaSmiHeader> {
  const driver = /(?:Driver|KMD) Version:\s*(\S+)/.exec(output)?.[1];
  if (driver === undefined) return { ok: false, problem: "no Driver Version in the nvidia-smi banner" };
  if (!NVIDIA_DRIVER_VERSION.test(driver)) return { ok: false, problem: `Driver Version ${JSON.stringify(driver.slice(0, 40))} is not a version` };
  const cuda = /CUDA (?:UMD )?Version:\s*(\S+)/.exec(output)?.[1];
  if (cuda !== undefined && !UNAVAILABLE.test(cuda) && !CUDA_VERSION.test(cuda))
    return { ok: false, problem: `CUDA Version ${JSON.stringify(cuda.slice(0, 40))} is not a version` };
  return { ok: true, value: { driverVersion: driver, cudaVersion: cuda === undefined || UNAVAILABLE.test(cuda) ? null : cuda } };
}
