import { note } from "./output.js";
import { stat, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { basename, dirname, resolve } from "node:path";
import { findSitePackages } from "../local/environment/listPythonPackages.js";
import { PYTHON_PROBE_ARGS, parsePythonReport } from "../local/environment/probePython.js";
import { runProbe } from "../local/environment/runProbe.js";
import { invalid } from "../core/errors/input.js";
import { cannotWrite, invalidArgument } from "./usage.js";
import type { ModelDigest } from "../formats/model/modelManifest.js";
import { FOUND_BY_PROPERTY } from "../formats/sbom/bomPropertyNames.js";
import { type ModelBom, type ModelBomDataset, createModelBom } from "../formats/sbom/createModelBom.js";
import { ingestSbom } from "../local/sbom/ingestSbom.js";
import { readSbomInput } from "../local/sbom/readSbomInput.js";
import { scanNpmTree } from "../local/sbom/scanNpmTree.js";
import { scanPythonEnvironment } from "../local/sbom/scanPythonEnvironment.js";
import type { SoftwarePackage } from "../formats/sbom/softwarePackage.js";
import { toSpdx3 } from "../formats/sbom/toSpdx3.js";
import type { CommandContext } from "./commands.js";
import { hashWithProgress } from "./hashWithProgress.js";

const USAGE =
  "usage: provenance sbom <model path> [--name N] [--version V] [--architecture A] [--task T] [--hyperparameter k=v]… [--dataset name=path]… " +
  "[--python-env <venv|site-packages|python>]… [--npm <project dir>]… [--ingest <sbom.json>]… [-o model.cdx.json] [--spdx model.spdx.json]";

const MAX_INGESTED_BYTES = 256 * 1024 * 1024;

/**
 * `provenance sbom <model>`: hashes the model and its datasets, gathers software from Python
 * environments, npm trees and existing SBOMs, and writes a CycloneDX 1.6 ML-BOM (to `-o`, else
 * to standard output) and, with `--spdx`, its SPDX 3.0.1 export. With `-o`, prints a summary of
 * the components by kind.
 */
export async function sbom({ flags, args, out }: CommandContext): Promise<void> {
  const path = args[0];
  if (!path || args.length > 1) invalidArgument(USAGE);
  const hyperparameters = Object.fromEntries((flags.hyperparameter ?? []).map((h) => keyValue(h, "--hyperparameter", "k=v")));
  const datasetFlags = (flags.dataset ?? []).map((d) => keyValue(d, "--dataset", "name=path"));

  const digest = await hash(path);
  const datasets: ModelBomDataset[] = [];
  for (const [name, datasetPath] of datasetFlags) datasets.push({ name, digest: await hash(datasetPath) });

  const software: SoftwarePackage[] = [];
  const warnings: string[] = [];
  for (const [i, spec] of (flags["python-env"] ?? []).entries()) {
    const dirs = await pythonSitePackages(spec, `--python-env[${i}]`);
    let found = 0;
    for (const dir of dirs) {
      const packages = await scanPythonEnvironment(dir);
      found += packages.length;
      software.push(...packages);
    }
    // Saying nothing would make an empty environment look like a scanned one.
    if (found === 0) warnings.push(`--python-env ${spec}: no installed Python packages (*.dist-info) in ${dirs.join(", ")}`);
  }
  for (const w of warnings) note(`warning: ${w}`);
  for (const dir of flags.npm ?? []) software.push(...(await scanNpmTree(dir)).packages);
  for (const file of flags.ingest ?? []) {
    const bytes = await readSbomInput(file, { maxBytes: MAX_INGESTED_BYTES });
    software.push(...ingestSbom(bytes!, { what: file }).packages);
  }

  const bom = createModelBom({
    model: { name: flags.name ?? basename(resolve(path)), ...(flags.version !== undefined && { version: flags.version }), digest },
    modelCard: { ...(flags.task !== undefined && { task: flags.task }), ...(flags.architecture !== undefined && { modelArchitecture: flags.architecture }) },
    hyperparameters,
    datasets,
    software,
  });
  const text = `${JSON.stringify(bom, null, 2)}\n`;
  if (flags.spdx) await write(flags.spdx, `${JSON.stringify(toSpdx3(bom), null, 2)}\n`);
  if (!flags.output) {
    out.raw(text);
    return;
  }
  await write(flags.output, text);
  const counts = countComponents(bom);
  out.result(
    {
      file: resolve(flags.output),
      spdx: flags.spdx ? resolve(flags.spdx) : null,
      serialNumber: bom.serialNumber,
      sha256: digest.sha256,
      components: counts,
      warnings,
    },
    [
      `Wrote the CycloneDX 1.6 ML-BOM of ${bom.metadata.component.name}@${bom.metadata.component.version} to ${flags.output}${flags.spdx ? ` and its SPDX 3.0.1 export to ${flags.spdx}` : ""}`,
      `  model sha256: ${digest.sha256} (${digest.kind}, ${digest.fileCount} file(s))`,
      `  components:   ${counts.baseModels} base model(s), ${counts.datasets} dataset(s), ${counts.software.total} software package(s)` +
        (counts.software.total > 0
          ? ` (${Object.entries(counts.software.bySource)
              .map(([source, n]) => `${n} from ${source}`)
              .join(", ")})`
          : ""),
    ],
  );
}

/**
 * The site-packages directories of a `--python-env` argument: a virtual environment or conda
 * prefix, a site-packages directory, or a Python interpreter (asked where it imports from; an
 * interpreter that cannot run is read as `<env>/bin/python`).
 */
export async function pythonSitePackages(spec: string, where: string): Promise<string[]> {
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(spec)).isDirectory();
  } catch (cause) {
    invalid("INVALID_ARGUMENT", `${spec} does not exist: give a virtual environment, a site-packages directory or a Python interpreter`, where, cause);
  }
  if (isDirectory) return findSitePackages(spec, where);
  const run = await runProbe({ name: "python", command: resolve(spec), args: PYTHON_PROBE_ARGS, env: process.env, timeoutMs: 30_000, home: homedir() });
  const report = run.probe.status === "ok" ? parsePythonReport(run.stdout) : undefined;
  if (report?.ok) {
    const dirs: string[] = [];
    for (const dir of report.value.sitePackages)
      if (
        await stat(dir).then(
          (s) => s.isDirectory(),
          () => false,
        )
      )
        dirs.push(dir);
    if (dirs.length > 0) return dirs;
  }
  const bin = dirname(resolve(spec));
  if (basename(bin) === "bin" || basename(bin) === "Scripts") return findSitePackages(dirname(bin), where);
  invalid("INVALID_ARGUMENT", `${spec} is not a Python interpreter that reports its site-packages${run.probe.detail ? ` (${run.probe.detail})` : ""}`, where);
}

const hash = (path: string): Promise<ModelDigest> => hashWithProgress(path);

function keyValue(text: string, flag: string, form: string): [string, string] {
  const eq = text.indexOf("=");
  if (eq <= 0 || eq === text.length - 1) invalidArgument(`${flag} must look like ${form}, got "${text}"`);
  return [text.slice(0, eq), text.slice(eq + 1)];
}

async function write(file: string, text: string): Promise<void> {
  try {
    await writeFile(file, text);
  } catch (cause) {
    cannotWrite(file, cause);
  }
}

/** Components by kind; software by where it was found (a package found twice counts for both). */
export function countComponents(bom: ModelBom): { baseModels: number; datasets: number; software: { total: number; bySource: Record<string, number> } } {
  const bySource: Record<string, number> = {};
  let total = 0;
  let datasets = 0;
  for (const component of bom.components ?? []) {
    if (component.type === "data") {
      datasets++;
      continue;
    }
    total++;
    for (const p of component.properties ?? []) if (p.name === FOUND_BY_PROPERTY && p.value) bySource[p.value] = (bySource[p.value] ?? 0) + 1;
  }
  return { baseModels: bom.metadata.component.pedigree?.ancestors?.length ?? 0, datasets, software: { total, bySource } };
}
