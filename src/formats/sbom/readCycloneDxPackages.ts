import { CYCLONEDX_COMPONENT_TYPES, type CycloneDxBom, type CycloneDxComponent, type CycloneDxComponentType } from "./cycloneDxBom.js";
import type { SoftwarePackage } from "./softwarePackage.js";

// Component types that are software packages: all but files (Syft lists every file it hashed), data,
// models, devices and cryptographic assets, which are not dependencies in that sense.
const NOT_SOFTWARE: ReadonlySet<CycloneDxComponentType> = new Set(["file", "data", "machine-learning-model", "device", "cryptographic-asset"]);
const SOFTWARE_TYPES: ReadonlySet<CycloneDxComponentType> = new Set(CYCLONEDX_COMPONENT_TYPES.filter((type) => !NOT_SOFTWARE.has(type)));

/**
 * The software packages of a validated CycloneDX BOM: every component of a software type,
 * nested ones included, with name, version, purl, hashes (lower-cased) and licences.
 * `metadata.component` (what that BOM describes) is not one of its dependencies and is left out.
 */
export function readCycloneDxPackages(bom: CycloneDxBom): SoftwarePackage[] {
  const packages: SoftwarePackage[] = [];
  const visit = (component: CycloneDxComponent) => {
    if (SOFTWARE_TYPES.has(component.type)) {
      const name = component.group ? `${component.group}/${component.name}` : component.name;
      packages.push({
        name,
        ...(component.version ? { version: component.version } : {}),
        ...(component.purl ? { purl: component.purl } : {}),
        type: component.type,
        hashes: (component.hashes ?? []).map((h) => ({ alg: h.alg, content: h.content.toLowerCase() })),
        licenses: (component.licenses ?? []).flatMap((l) => ("expression" in l ? [l.expression] : [l.license.id ?? l.license.name ?? ""].filter(Boolean))),
        foundBy: "cyclonedx-sbom",
      });
    }
    for (const child of component.components ?? []) visit(child);
  };
  for (const component of bom.components ?? []) visit(component);
  return packages;
}
