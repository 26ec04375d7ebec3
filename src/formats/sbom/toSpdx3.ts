import { sha256Hex } from "../../core/bytes.js";
import { type InputError, invalid } from "../../core/errors/input.js";
import { HYPERPARAMETER_PROPERTY_PREFIX } from "./bomPropertyNames.js";
import type { CycloneDxBom, CycloneDxComponent, CycloneDxComponentType, CycloneDxHash, CycloneDxHashAlgorithm } from "./cycloneDxBom.js";
import { findModelComponent } from "./findModelComponent.js";
import { isSpdxLicenseExpression } from "./spdxLicenseExpression.js";

/**
 * The JSON-LD context of SPDX 3.0.1.
 *
 * @example
 * import { SPDX3_CONTEXT, toSpdx3 } from "provenance-ledger";
 * toSpdx3(bom)["@context"] === SPDX3_CONTEXT; // true
 */
export const SPDX3_CONTEXT = "https://spdx.org/rdf/3.0.1/spdx-context.jsonld";

/**
 * SPDX's "nothing is asserted here" individuals, written as full IRIs (valid with or without the
 * context's compaction): the supplier of a model or originator of a dataset nobody named, and a
 * licence nobody stated or concluded.
 *
 * @example
 * import { SPDX3_NO_ASSERTION_ELEMENT, toSpdx3 } from "provenance-ledger";
 * toSpdx3(bom)["@graph"].find((e) => e.type === "ai_AIPackage")?.suppliedBy === SPDX3_NO_ASSERTION_ELEMENT; // without { supplier }
 */
export const SPDX3_NO_ASSERTION_ELEMENT = "https://spdx.org/rdf/3.0.1/terms/Core/NoAssertionElement";
export const SPDX3_NO_ASSERTION_LICENSE = "https://spdx.org/rdf/3.0.1/terms/ExpandedLicensing/NoAssertionLicense";

/** One node of the `@graph`: an element (`spdxId`) or a blank node (`@id`, e.g. CreationInfo). */
export type Spdx3Element = { readonly type: string; readonly spdxId?: string; readonly "@id"?: string; readonly [key: string]: unknown };

export type Spdx3Document = { readonly "@context": typeof SPDX3_CONTEXT; readonly "@graph": readonly Spdx3Element[] };

export type ToSpdx3Parameters = {
  /**
   * Prefix of every `spdxId` (an IRI). Default `https://spdx.org/spdxdocs/provenance-ledger-<uuid>`,
   * the UUID of the BOM's serial number (or one derived from the model's digest).
   */
  namespace?: string;
  /** Who supplies the model (`suppliedBy`, an Organization). Default: SPDX's NoAssertionElement. */
  supplier?: string;
  /** Where the model can be downloaded. Default `NOASSERTION`. */
  downloadLocation?: string;
};

export type ToSpdx3ReturnType = Spdx3Document;

export type ToSpdx3ErrorType = InputError;

const HASH_ALGORITHMS: Readonly<Record<CycloneDxHashAlgorithm, string>> = {
  MD5: "md5",
  "SHA-1": "sha1",
  "SHA-256": "sha256",
  "SHA-384": "sha384",
  "SHA-512": "sha512",
  "SHA3-256": "sha3_256",
  "SHA3-384": "sha3_384",
  "SHA3-512": "sha3_512",
  "BLAKE2b-256": "blake2b256",
  "BLAKE2b-384": "blake2b384",
  "BLAKE2b-512": "blake2b512",
  BLAKE3: "blake3",
};

// CycloneDX component type → SPDX 3 software_primaryPurpose.
const PURPOSES: Partial<Record<CycloneDxComponentType, string>> = {
  application: "application",
  framework: "framework",
  library: "library",
  container: "container",
  platform: "platform",
  "operating-system": "operatingSystem",
  "device-driver": "deviceDriver",
  firmware: "firmware",
  file: "file",
};

const TIME_NOTE = "releaseTime/builtTime: not known to the CycloneDX BOM; the time the BOM was created is written (the artifact existed then).";

/**
 * Exports an ML-BOM (as {@link createModelBom} writes it, or any CycloneDX BOM with one model) as
 * an SPDX 3.0.1 JSON-LD document with the same content:
 *
 * - the model → `ai_AIPackage` (hashes in `verifiedUsing`, approach and architecture in
 *   `ai_typeOfModel`, task in `ai_informationAboutApplication`, hyperparameters in
 *   `ai_hyperparameter` as DictionaryEntry); base models → `ai_AIPackage` with an `ancestorOf`
 *   relationship to the model;
 * - `data` components → `dataset_DatasetPackage` (`dataset_datasetType: noAssertion`), related
 *   to the model by `trainedOn`;
 * - every other component → `software_Package` with purl and hashes; the CycloneDX dependency
 *   graph becomes `dependsOn` relationships;
 * - licences → `hasDeclaredLicense` to `simplelicensing_LicenseExpression`s (named licences,
 *   which are not SPDX expressions, are not exported); every AI package has one declared and one
 *   concluded licence relationship (NoAssertionLicense when unknown), as the AI profile requires;
 * - one CreationInfo (created = `metadata.timestamp`, to the second), an SpdxDocument whose root
 *   element is the model.
 *
 * SPDX 3.0.1 requires fields of AI and dataset packages that a CycloneDX BOM does not carry; see
 * docs/sbom.md for what is written instead. The BOM must have `metadata.timestamp`
 * (`INVALID_SBOM` otherwise).
 *
 * @example
 * import { createModelBom, toSpdx3 } from "provenance-ledger";
 * const spdx = toSpdx3(createModelBom({ model }), { supplier: "Acme AI" });
 * await writeFile("model.spdx.json", JSON.stringify(spdx, null, 2));
 */
export function toSpdx3(bom: CycloneDxBom, parameters: ToSpdx3Parameters = {}): ToSpdx3ReturnType {
  const { component: model } = findModelComponent(bom);
  const timestamp = bom.metadata?.timestamp;
  const time = timestamp === undefined ? Number.NaN : Date.parse(timestamp);
  if (Number.isNaN(time))
    invalid("INVALID_SBOM", "an SPDX 3 document needs a creation time: metadata.timestamp is missing or not a date", "$.metadata.timestamp");
  const created = new Date(time).toISOString().replace(/\.\d{3}Z$/, "Z");
  const namespace = parameters.namespace ?? `https://spdx.org/spdxdocs/provenance-ledger-${uuidOf(bom, model)}`;
  if (!/^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$/.test(namespace)) invalid("INVALID_ARGUMENT", "must be an absolute IRI", "namespace");

  const graph: Spdx3Element[] = [];
  const creationInfo = "_:creationinfo";
  const element = (type: string, local: string, fields: Record<string, unknown>): string => {
    const spdxId = `${namespace}#${local}`;
    graph.push({ type, spdxId, creationInfo, ...fields });
    return spdxId;
  };
  let relationshipCount = 0;
  const relate = (from: string, relationshipType: string, to: readonly string[]) => {
    if (to.length > 0) element("Relationship", `relationship-${++relationshipCount}`, { from, relationshipType, to });
  };
  const licenseIds = new Map<string, string>();
  const licenseElement = (expression: string) => {
    let id = licenseIds.get(expression);
    if (id === undefined) {
      id = element("simplelicensing_LicenseExpression", `license-${licenseIds.size + 1}`, { simplelicensing_licenseExpression: expression });
      licenseIds.set(expression, id);
    }
    return id;
  };

  const tool = toolOf(bom);
  graph.push({
    type: "CreationInfo",
    "@id": creationInfo,
    specVersion: "3.0.1",
    created,
    createdBy: [`${namespace}#agent`],
    createdUsing: [`${namespace}#tool`],
  });
  element("SoftwareAgent", "agent", { name: tool.name });
  element("Tool", "tool", { name: tool.version ? `${tool.name} ${tool.version}` : tool.name });
  const supplier = parameters.supplier === undefined ? SPDX3_NO_ASSERTION_ELEMENT : element("Organization", "supplier", { name: parameters.supplier });

  const byRef = new Map<string, string>();
  const aiPackage = (component: CycloneDxComponent, local: string, downloadLocation: string): string => {
    const card = component.modelCard;
    const parametersOf = card?.modelParameters;
    const typeOfModel = [parametersOf?.approach?.type, parametersOf?.architectureFamily, parametersOf?.modelArchitecture].filter(
      (t): t is string => t !== undefined,
    );
    const hyperparameters = (card?.properties ?? [])
      .filter((p) => p.name.startsWith(HYPERPARAMETER_PROPERTY_PREFIX))
      .map((p) => ({ type: "DictionaryEntry", key: p.name.slice(HYPERPARAMETER_PROPERTY_PREFIX.length), ...(p.value !== undefined && { value: p.value }) }));
    const id = element("ai_AIPackage", local, {
      name: component.name,
      software_packageVersion: component.version ?? "NOASSERTION",
      software_primaryPurpose: "model",
      software_downloadLocation: downloadLocation,
      releaseTime: created,
      suppliedBy: supplier,
      ...common(component),
      ...(typeOfModel.length > 0 && { ai_typeOfModel: typeOfModel }),
      ...(parametersOf?.task !== undefined && { ai_informationAboutApplication: `task: ${parametersOf.task}` }),
      ...(hyperparameters.length > 0 && { ai_hyperparameter: hyperparameters }),
      comment: TIME_NOTE,
    });
    const declared = spdxExpressionsOf(component).map(licenseElement);
    relate(id, "hasDeclaredLicense", declared.length > 0 ? declared : [SPDX3_NO_ASSERTION_LICENSE]);
    relate(id, "hasConcludedLicense", [SPDX3_NO_ASSERTION_LICENSE]);
    if (component["bom-ref"] !== undefined) byRef.set(component["bom-ref"], id);
    return id;
  };

  const modelId = aiPackage(model, "model", parameters.downloadLocation ?? "NOASSERTION");
  (model.pedigree?.ancestors ?? []).forEach((ancestor, i) => relate(aiPackage(ancestor, `base-model-${i + 1}`, "NOASSERTION"), "ancestorOf", [modelId]));

  const datasets: string[] = [];
  let packageCount = 0;
  const visit = (component: CycloneDxComponent) => {
    if (component === model) return;
    if (component.type === "data") {
      const id = element("dataset_DatasetPackage", `dataset-${datasets.length + 1}`, {
        name: component.name,
        ...(component.version !== undefined && { software_packageVersion: component.version }),
        software_primaryPurpose: "data",
        software_downloadLocation: "NOASSERTION",
        builtTime: created,
        releaseTime: created,
        originatedBy: [SPDX3_NO_ASSERTION_ELEMENT],
        dataset_datasetType: ["noAssertion"],
        ...common(component),
        comment: TIME_NOTE,
      });
      relate(id, "hasDeclaredLicense", spdxExpressionsOf(component).map(licenseElement));
      datasets.push(id);
      if (component["bom-ref"] !== undefined) byRef.set(component["bom-ref"], id);
    } else if (component.type !== "machine-learning-model") {
      const id = element("software_Package", `package-${++packageCount}`, {
        name: component.group ? `${component.group}/${component.name}` : component.name,
        ...(component.version !== undefined && { software_packageVersion: component.version }),
        ...(PURPOSES[component.type] !== undefined && { software_primaryPurpose: PURPOSES[component.type] }),
        ...common(component),
      });
      relate(id, "hasDeclaredLicense", spdxExpressionsOf(component).map(licenseElement));
      if (component["bom-ref"] !== undefined) byRef.set(component["bom-ref"], id);
    }
    for (const child of component.components ?? []) visit(child);
  };
  for (const component of bom.components ?? []) visit(component);

  relate(modelId, "trainedOn", datasets);
  const datasetIds = new Set(datasets);
  for (const dependency of bom.dependencies ?? []) {
    const from = byRef.get(dependency.ref);
    if (from === undefined) continue;
    const to = (dependency.dependsOn ?? [])
      .map((ref) => byRef.get(ref))
      .filter((id): id is string => id !== undefined && !(from === modelId && datasetIds.has(id)));
    relate(from, "dependsOn", [...new Set(to)]);
  }

  const documentId = `${namespace}#document`;
  const members = graph.flatMap((e) => (e.spdxId === undefined ? [] : [e.spdxId]));
  graph.splice(1, 0, {
    type: "SpdxDocument",
    spdxId: documentId,
    creationInfo,
    name: `ML-BOM of ${model.name}${model.version ? `@${model.version}` : ""}`,
    profileConformance: ["core", "software", "ai", "dataset", "simpleLicensing"],
    rootElement: [modelId],
    element: members,
  });
  return { "@context": SPDX3_CONTEXT, "@graph": graph };
}

/** Fields every exported package has: purl, description, hashes. */
function common(component: CycloneDxComponent): Record<string, unknown> {
  const hashes = (component.hashes ?? []).map((h: CycloneDxHash) => ({ type: "Hash", algorithm: HASH_ALGORITHMS[h.alg], hashValue: h.content.toLowerCase() }));
  return {
    ...(component.purl !== undefined && { software_packageUrl: component.purl }),
    ...(component.description !== undefined && { description: component.description }),
    ...(hashes.length > 0 && { verifiedUsing: hashes }),
  };
}

/** The component's licences as SPDX expressions; none when any of them is only a name. */
function spdxExpressionsOf(component: CycloneDxComponent): string[] {
  const parts = (component.licenses ?? []).map((l) => ("expression" in l ? l.expression : l.license.id));
  return parts.every((p): p is string => p !== undefined && isSpdxLicenseExpression(p)) ? parts : [];
}

function toolOf(bom: CycloneDxBom): { name: string; version: string | undefined } {
  const tools = bom.metadata?.tools as { components?: { name?: unknown; version?: unknown }[] } | { name?: unknown; version?: unknown }[] | undefined;
  const first = Array.isArray(tools) ? tools[0] : tools?.components?.[0];
  return typeof first?.name === "string"
    ? { name: first.name, version: typeof first.version === "string" ? first.version : undefined }
    : { name: "provenance-ledger", version: undefined };
}

/** The BOM's serial-number UUID, or a UUID-shaped digest of the model's SHA-256 and the time. */
function uuidOf(bom: CycloneDxBom, model: CycloneDxComponent): string {
  if (bom.serialNumber?.startsWith("urn:uuid:")) return bom.serialNumber.slice("urn:uuid:".length);
  const hex = sha256Hex(`${model.hashes?.[0]?.content ?? model.name}\n${bom.metadata?.timestamp ?? ""}`);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
