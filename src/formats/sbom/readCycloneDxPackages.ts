import type { CycloneDxBom, CycloneDxComponent, CycloneDxComponentType } from "./cycloneDxBom.js";
import type { SoftwarePackage } from "./softwarePackage.js";

// Component types that are software packages. Files (Syft lists every file it hashed), data,
// models, devices and cryptographic assets are not dependencies in that sense.
const SOFTWARE_TYPES: ReadonlySet<CycloneDxComponentType> = new Set([
  "application",
  "framework",
  "library",
  "container",
  "platform",
  "operating-system",
  "device-driver",
  "firmware",
]);

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
