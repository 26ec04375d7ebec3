// SBOMs for models: a CycloneDX 1.6 ML-BOM built with @cyclonedx/cyclonedx-library, its software
// from three sources (an ingested SBOM, a Python environment, an npm tree), its SPDX 3.0.1
// export, and the hostile-input parser shared with the SBOM attestation predicate.

export {
  type ArtifactDigest,
  type CreateModelBomErrorType,
  type CreateModelBomParameters,
  type CreateModelBomReturnType,
  type ModelBom,
  type ModelBomBaseModel,
  type ModelBomDataset,
  type ModelBomModel,
  type ModelCardParameters,
  createModelBom,
} from "../../formats/sbom/createModelBom.js";
// Every property name this package writes into a BOM (the module holds nothing else).
export * from "../../formats/sbom/bomPropertyNames.js";
export {
  COMPONENT_DATA_TYPES,
  type ComponentDataType,
  CYCLONEDX_COMPONENT_TYPES,
  CYCLONEDX_HASH_ALGORITHMS,
  CYCLONEDX_HASH_LENGTHS,
  type CycloneDxBom,
  type CycloneDxComponent,
  type CycloneDxComponentData,
  type CycloneDxComponentType,
  type CycloneDxDependency,
  type CycloneDxHash,
  type CycloneDxHashAlgorithm,
  type CycloneDxLicenseChoice,
  type CycloneDxModelCard,
  type CycloneDxProperty,
  LEARNING_APPROACHES,
  type LearningApproach,
} from "../../formats/sbom/cycloneDxBom.js";
export { type FindModelComponentParameters, type FindModelComponentReturnType, findModelComponent } from "../../formats/sbom/findModelComponent.js";
export { INGESTED_CYCLONEDX_VERSIONS, type IngestSbomErrorType, type IngestSbomParameters, type IngestSbomReturnType, ingestSbom } from "./ingestSbom.js";
export {
  MAX_BOM_COMPONENTS,
  type ParseCycloneDxBomErrorType,
  type ParseCycloneDxBomParameters,
  type ParseCycloneDxBomReturnType,
  parseCycloneDxBom,
} from "../../formats/sbom/parseCycloneDxBom.js";
export { type ScanNpmTreeErrorType, type ScanNpmTreeParameters, type ScanNpmTreeReturnType, scanNpmTree } from "./scanNpmTree.js";
export {
  type ScanPythonEnvironmentErrorType,
  type ScanPythonEnvironmentParameters,
  type ScanPythonEnvironmentReturnType,
  scanPythonEnvironment,
} from "./scanPythonEnvironment.js";
export type { SoftwarePackage, SoftwarePackageSource } from "../../formats/sbom/softwarePackage.js";
export { isSpdxLicenseExpression, isSpdxLicenseId } from "../../formats/sbom/spdxLicenseExpression.js";
export {
  SPDX3_CONTEXT,
  SPDX3_NO_ASSERTION_ELEMENT,
  SPDX3_NO_ASSERTION_LICENSE,
  type Spdx3Document,
  type Spdx3Element,
  type ToSpdx3ErrorType,
  type ToSpdx3Parameters,
  type ToSpdx3ReturnType,
  toSpdx3,
} from "../../formats/sbom/toSpdx3.js";
