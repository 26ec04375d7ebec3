import type { CycloneDxComponentType, CycloneDxHash } from "./cycloneDxBom.js";

/**
 * Where a software package was found.
 *
 * @example
 * import type { SoftwarePackageSource } from "provenance-ledger";
 * const source: SoftwarePackageSource = "npm-tree";
 */
export type SoftwarePackageSource = "python-environment" | "npm-tree" | "cyclonedx-sbom" | "spdx-sbom";

/**
 * A software dependency of a model, from any of the three sources (an installed Python
 * environment, an npm tree, an ingested SBOM), before it becomes a CycloneDX component.
 *
 * @example
 * import type { SoftwarePackage } from "provenance-ledger";
 * const numpy: SoftwarePackage = { name: "numpy", version: "2.1.0", purl: "pkg:pypi/numpy@2.1.0", type: "library", hashes: [], licenses: ["BSD-3-Clause"], foundBy: "python-environment" };
 */
export type SoftwarePackage = {
  readonly name: string;
  readonly version?: string;
  /** Package URL, e.g. `pkg:pypi/numpy@2.1.0`, `pkg:npm/%40scope/name@1.0.0`. */
  readonly purl?: string;
  /** CycloneDX component type; `library` unless an ingested SBOM says otherwise. */
  readonly type: CycloneDxComponentType;
  /** Lower-case hex. What they are hashes *of* depends on the source: see `hashOf`. */
  readonly hashes: readonly CycloneDxHash[];
  /** SPDX licence ids, one SPDX expression, or licence names, as the source states them. */
  readonly licenses: readonly string[];
  readonly foundBy: SoftwarePackageSource;
  /** What `hashes` are of, when it is not the package archive: `RECORD` for Python packages. */
  readonly hashOf?: string;
};

/** A package read from an SPDX document (2.x or 3.0): SPDX has no component types, so every package is a `library`. */
export function spdxPackage(
  name: string,
  version: string | undefined,
  purl: string | undefined,
  hashes: readonly CycloneDxHash[],
  licenses: readonly string[],
): SoftwarePackage {
  return { name, ...(version ? { version } : {}), ...(purl ? { purl } : {}), type: "library", hashes, licenses, foundBy: "spdx-sbom" };
}
