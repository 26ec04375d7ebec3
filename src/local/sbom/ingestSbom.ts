import { type InputError, invalid } from "../../core/errors/input.js";
import { parseJson, parseJsonBytes } from "../../core/parseJson.js";
import { expectObject } from "../../core/validate.js";
import { parseCycloneDxBom } from "../../formats/sbom/parseCycloneDxBom.js";
import { readCycloneDxPackages } from "../../formats/sbom/readCycloneDxPackages.js";
import { readSpdx2Packages } from "../../formats/sbom/readSpdx2Packages.js";
import { readSpdx3Packages } from "../../formats/sbom/readSpdx3Packages.js";
import type { SoftwarePackage } from "../../formats/sbom/softwarePackage.js";

export type IngestSbomParameters = {
  /** Name of the input in messages, e.g. the file name. Default "SBOM". */
  what?: string;
};

export type IngestSbomReturnType = {
  format: "CycloneDX" | "SPDX";
  /** `1.4`, `1.5`, `1.6` (CycloneDX), `SPDX-2.2`, `SPDX-2.3`, `3.0.1` (SPDX). */
  specVersion: string;
  packages: SoftwarePackage[];
};

export type IngestSbomErrorType = InputError;

/**
 * CycloneDX versions accepted on ingestion.
 *
 * @example
 * import { INGESTED_CYCLONEDX_VERSIONS } from "provenance-ledger";
 * INGESTED_CYCLONEDX_VERSIONS.includes("1.5"); // true
 */
export const INGESTED_CYCLONEDX_VERSIONS = ["1.4", "1.5", "1.6"] as const;

/**
 * Reads the software packages of an existing SBOM, such as Syft, cdxgen or Microsoft's sbom-tool
 * write: CycloneDX 1.4–1.6 JSON, SPDX 2.2/2.3 JSON, or SPDX 3.0 JSON-LD, told apart by
 * `bomFormat`, `spdxVersion` and `@context`. The text is parsed strictly (duplicate keys are
 * `DUPLICATE_KEY`, lone surrogates `LONE_SURROGATE`, huge numbers `NUMBER_OUT_OF_RANGE`), then
 * validated field by field: anything malformed is `INVALID_SBOM` naming the path
 * (`$.components[4].hashes[0].content`). The document's own subject (CycloneDX
 * `metadata.component`, what an SPDX document DESCRIBES) is not a dependency and is left out.
 *
 * @example
 * import { readFile } from "node:fs/promises";
 * import { ingestSbom } from "provenance-ledger";
 * const { format, packages } = ingestSbom(await readFile("syft.cdx.json"), { what: "syft.cdx.json" });
 */
export function ingestSbom(input: string | Uint8Array, parameters: IngestSbomParameters = {}): IngestSbomReturnType {
  const { what = "SBOM" } = parameters;
  const value = typeof input === "string" ? parseJson(input, what) : parseJsonBytes(input, what);
  const doc = expectObject(value, "$", "INVALID_SBOM");
  if (doc.bomFormat !== undefined) {
    const bom = parseCycloneDxBom(doc, { code: "INVALID_SBOM", specVersions: INGESTED_CYCLONEDX_VERSIONS });
    return { format: "CycloneDX", specVersion: bom.specVersion, packages: readCycloneDxPackages(bom) };
  }
  if (doc.spdxVersion !== undefined) return { format: "SPDX", ...readSpdx2Packages(doc) };
  if (doc["@context"] !== undefined) return { format: "SPDX", ...readSpdx3Packages(doc) };
  invalid("INVALID_SBOM", `${what} is neither CycloneDX (bomFormat) nor SPDX (spdxVersion, or an SPDX 3 @context)`, "$");
}
