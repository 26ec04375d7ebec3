import { hashingOfKind } from "../model/modelManifest.js";
import { Enums, Models, Serialize, Spec } from "@cyclonedx/cyclonedx-library";
import { type InputError, invalid } from "../../core/errors/input.js";
import { parseJson } from "../../core/parseJson.js";
import { expectInteger, expectOneOf, expectSha256, expectString } from "../../core/validate.js";
import {
  FILE_COUNT_PROPERTY,
  FOUND_BY_PROPERTY,
  HASH_OF_PROPERTY,
  HASHING_PROPERTY,
  HYPERPARAMETER_PROPERTY_PREFIX,
  SIZE_PROPERTY,
} from "./bomPropertyNames.js";
import {
  CYCLONEDX_HASH_LENGTHS,
  type CycloneDxBom,
  type CycloneDxComponent,
  type CycloneDxModelCard,
  type CycloneDxProperty,
  LEARNING_APPROACHES,
  type LearningApproach,
} from "./cycloneDxBom.js";
import type { SoftwarePackage } from "./softwarePackage.js";
import { isSpdxLicenseExpression, isSpdxLicenseId } from "./spdxLicenseExpression.js";

/**
 * An artifact's digest; `hashModel`'s result fits.
 *
 * @example
 * import { type ArtifactDigest, hashModel } from "provenance-ledger";
 * const digest: ArtifactDigest = await hashModel("./data/train");
 */
export type ArtifactDigest = {
  /** 64 lower-case hex digits. */
  readonly sha256: string;
  /** `file`: SHA-256 of the bytes; `directory`: of the canonical manifest (docs/model-hashing.md). */
  readonly kind?: "file" | "directory";
  readonly size?: number;
  readonly fileCount?: number;
};

export type ModelBomModel = {
  readonly name: string;
  /** Default `unversioned`. */
  readonly version?: string;
  readonly digest: ArtifactDigest;
  readonly description?: string;
  /** SPDX id or expression, or a licence name. */
  readonly license?: string;
  /** e.g. `pkg:huggingface/acme/detector@<revision>`. */
  readonly purl?: string;
};

export type ModelBomDataset = {
  readonly name: string;
  readonly version?: string;
  readonly digest: ArtifactDigest;
  readonly description?: string;
  readonly license?: string;
};

/** A model this one derives from (fine-tuned, distilled, quantised from). */
export type ModelBomBaseModel = {
  readonly name: string;
  readonly version?: string;
  readonly sha256: string;
  readonly purl?: string;
};

/** The parts of a CycloneDX 1.6 model card that are given as parameters. */
export type ModelCardParameters = {
  readonly approach?: LearningApproach;
  /** e.g. `text-classification`, `object-detection`. */
  readonly task?: string;
  /** e.g. `transformer`, `convolutional neural network`. */
  readonly architectureFamily?: string;
  /** e.g. `LlamaForCausalLM`, `ResNet-50`. */
  readonly modelArchitecture?: string;
  /** Input formats, e.g. `string`, `image`. */
  readonly inputs?: readonly string[];
  readonly outputs?: readonly string[];
};

export type CreateModelBomParameters = {
  readonly model: ModelBomModel;
  readonly modelCard?: ModelCardParameters;
  /** Written as `modelCard.properties` named `provenance-ledger:hyperparameter:<name>`. */
  readonly hyperparameters?: Readonly<Record<string, string | number | boolean>>;
  readonly datasets?: readonly ModelBomDataset[];
  readonly baseModels?: readonly ModelBomBaseModel[];
  /** From `scanPythonEnvironment`, `scanNpmTree`, `ingestSbom`; merged by purl. */
  readonly software?: readonly SoftwarePackage[];
  /** `urn:uuid:<lower-case UUID>`; random by default. */
  readonly serialNumber?: string;
  /** `metadata.timestamp`; now by default. */
  readonly timestamp?: Date;
  /** `metadata.tools`; default provenance-ledger 0.1.0. */
  readonly tool?: { readonly name: string; readonly version: string };
};

/**
 * A CycloneDX 1.6 ML-BOM as written by {@link createModelBom}.
 *
 * @example
 * import { type ModelBom, createModelBom } from "provenance-ledger";
 * const bom: ModelBom = createModelBom({ model: { name: "m", digest } });
 * bom.metadata.component.hashes; // [{ alg: "SHA-256", content: digest.sha256 }]
 */
export type ModelBom = CycloneDxBom & { readonly specVersion: "1.6"; readonly metadata: { readonly component: CycloneDxComponent } };

export type CreateModelBomReturnType = ModelBom;

export type CreateModelBomErrorType = InputError;

const HYPERPARAMETER_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.:/-]{0,127}$/;
const SERIAL_NUMBER = /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const DEFAULT_TOOL = { name: "provenance-ledger", version: "0.1.0" };

/**
 * Builds a CycloneDX 1.6 ML-BOM for a model with `@cyclonedx/cyclonedx-library` (models, the
 * 1.6 JSON normaliser, sorted lists):
 *
 * - `metadata.component` is the model, type `machine-learning-model`, with its SHA-256 (the
 *   digest an SBOM attestation's subject must carry), how it was hashed, and a `modelCard`
 *   (approach, task, architecture, the datasets by bom-ref, inputs/outputs, and the
 *   hyperparameters as `provenance-ledger:hyperparameter:<name>` properties: CycloneDX 1.6 has
 *   no hyperparameter field);
 * - each dataset is a `data` component with its SHA-256 and `data: [{ type: "dataset" }]`;
 * - base models are `pedigree.ancestors` of the model;
 * - software packages are components with purl, hashes and licences, merged by purl (two
 *   entries for one purl whose hashes disagree, or hash different things, stay two components);
 * - `dependencies`: the model depends on every dataset and software component.
 *
 * The library (10.x) models neither `modelCard`, `data` nor `pedigree`; they are added to the
 * serialised JSON afterwards (see `addModelFields`). Invalid parameters are `INVALID_ARGUMENT`
 * naming the parameter. See docs/sbom.md.
 *
 * @example
 * import { createModelBom, hashModel, scanPythonEnvironment } from "provenance-ledger";
 * const bom = createModelBom({
 *   model: { name: "acme/detector", version: "1.2.0", digest: await hashModel("./detector") },
 *   modelCard: { task: "object-detection", modelArchitecture: "YOLOv8" },
 *   hyperparameters: { learning_rate: 0.001, epochs: 30 },
 *   datasets: [{ name: "coco-2017", digest: await hashModel("./data/coco") }],
 *   software: await scanPythonEnvironment("/opt/venv/lib/python3.12/site-packages"),
 * });
 */
export function createModelBom(parameters: CreateModelBomParameters): CreateModelBomReturnType {
  const code = "INVALID_ARGUMENT";
  const { model, modelCard = {}, hyperparameters = {}, datasets = [], baseModels = [], software = [], tool = DEFAULT_TOOL } = parameters;
  const serialNumber = parameters.serialNumber ?? `urn:uuid:${crypto.randomUUID()}`; // WebCrypto: Node.js and browsers alike
  expectString(serialNumber, "serialNumber", code, { pattern: SERIAL_NUMBER, hint: "urn:uuid: followed by a lower-case UUID" });
  const timestamp = parameters.timestamp ?? new Date();
  if (Number.isNaN(timestamp.getTime())) invalid(code, "is not a valid date", "timestamp");

  const refs = new RefAllocator();
  const bom = new Models.Bom({ version: 1, serialNumber });
  bom.metadata.timestamp = timestamp;
  bom.metadata.tools.components.add(new Models.Component(Enums.ComponentType.Application, tool.name, { version: tool.version }));

  const modelRef = refs.take(`model:sha256:${expectSha256(model.digest.sha256, "model.digest.sha256", code)}`);
  const modelComponent = artifactComponent(Enums.ComponentType.MachineLearningModel, model, "model", modelRef);
  if (model.purl !== undefined)
    modelComponent.purl = expectString(model.purl, "model.purl", code, { max: 4096, pattern: /^pkg:[a-zA-Z.+-]+\/\S+$/, hint: "a package URL" });
  bom.metadata.component = modelComponent;

  const datasetRefs: string[] = [];
  datasets.forEach((dataset, i) => {
    const ref = refs.take(`dataset:sha256:${expectSha256(dataset.digest?.sha256, `datasets[${i}].digest.sha256`, code)}`);
    const component = artifactComponent(Enums.ComponentType.Data, dataset, `datasets[${i}]`, ref);
    bom.components.add(component);
    modelComponent.dependencies.add(component.bomRef);
    datasetRefs.push(ref);
  });

  for (const { pkg, ref } of mergeSoftware(software, refs)) {
    const component = new Models.Component(pkg.type as Enums.ComponentType, pkg.name, { bomRef: ref });
    if (pkg.version !== undefined) component.version = pkg.version;
    if (pkg.purl !== undefined) component.purl = pkg.purl;
    for (const h of pkg.hashes) component.hashes.set(h.alg as Enums.HashAlgorithm, h.content);
    for (const license of licenseModels(pkg.licenses)) component.licenses.add(license);
    for (const source of pkg.foundBy) component.properties.add(new Models.Property(FOUND_BY_PROPERTY, source));
    if (pkg.hashOf !== undefined) component.properties.add(new Models.Property(HASH_OF_PROPERTY, pkg.hashOf));
    bom.components.add(component);
    modelComponent.dependencies.add(component.bomRef);
  }

  const card = modelCardOf(modelCard, hyperparameters, datasetRefs);
  const ancestors = baseModels.map((base, i) => baseModelComponent(base, `baseModels[${i}]`, refs));

  // The library's serializer (1.6 normaliser, sorted lists), read back as plain JSON: the
  // normalised objects it builds in memory carry undefined-valued keys.
  const serializer = new Serialize.JsonSerializer(new Serialize.JSON.Normalize.Factory(Spec.Spec1dot6));
  const normalized = parseJson(serializer.serialize(bom, { sortLists: true }), "the normalised BOM");
  return addModelFields(normalized as MutableBom, { modelRef, card, ancestors, datasetRefs, datasets });
}

/** The normalised JSON, before the post-step (plain, writable objects). */
type MutableBom = { metadata: { component: Record<string, unknown> }; components?: Record<string, unknown>[] };

/**
 * Post-step: the fields of CycloneDX 1.6 that `@cyclonedx/cyclonedx-library` 10.x does not
 * model (`component.modelCard`, `component.data`, `component.pedigree`), added to the JSON its
 * serializer wrote. Remove once the library models them.
 */
function addModelFields(
  bom: MutableBom,
  added: {
    modelRef: string;
    card: CycloneDxModelCard | undefined;
    ancestors: CycloneDxComponent[];
    datasetRefs: string[];
    datasets: readonly ModelBomDataset[];
  },
): ModelBom {
  const model = bom.metadata.component;
  if (model["bom-ref"] !== added.modelRef) invalid("INVALID_ARGUMENT", "the normalised BOM lost the model's bom-ref");
  if (added.ancestors.length > 0) model.pedigree = { ancestors: added.ancestors };
  if (added.card !== undefined) model.modelCard = added.card;
  for (const component of bom.components ?? []) {
    const i = added.datasetRefs.indexOf(component["bom-ref"] as string);
    if (i >= 0) component.data = [{ type: "dataset", name: added.datasets[i]!.name }];
  }
  return bom as unknown as ModelBom;
}

function artifactComponent(type: Enums.ComponentType, artifact: ModelBomModel | ModelBomDataset, path: string, ref: string): Models.Component {
  const code = "INVALID_ARGUMENT";
  const name = expectString(artifact?.name, `${path}.name`, code, { max: 1024 });
  const version =
    artifact.version === undefined
      ? type === Enums.ComponentType.MachineLearningModel
        ? "unversioned"
        : undefined
      : expectString(artifact.version, `${path}.version`, code, { max: 256 });
  const component = new Models.Component(type, name, { bomRef: ref, ...(version !== undefined && { version }) });
  if (artifact.description !== undefined) component.description = expectString(artifact.description, `${path}.description`, code, { max: 65_536 });
  component.hashes.set(Enums.HashAlgorithm["SHA-256"], artifact.digest.sha256);
  const { kind, size, fileCount } = artifact.digest;
  if (kind !== undefined) {
    expectOneOf(kind, `${path}.digest.kind`, code, ["file", "directory"]);
    component.properties.add(new Models.Property(HASHING_PROPERTY, hashingOfKind(kind)));
  }
  if (size !== undefined) component.properties.add(new Models.Property(SIZE_PROPERTY, String(expectInteger(size, `${path}.digest.size`, code))));
  if (fileCount !== undefined)
    component.properties.add(new Models.Property(FILE_COUNT_PROPERTY, String(expectInteger(fileCount, `${path}.digest.fileCount`, code))));
  if (artifact.license !== undefined)
    for (const license of licenseModels([expectString(artifact.license, `${path}.license`, code, { max: 4096 })])) component.licenses.add(license);
  return component;
}

function baseModelComponent(base: ModelBomBaseModel, path: string, refs: RefAllocator): CycloneDxComponent {
  const code = "INVALID_ARGUMENT";
  const sha256 = expectSha256(base?.sha256, `${path}.sha256`, code);
  return {
    type: "machine-learning-model",
    name: expectString(base.name, `${path}.name`, code, { max: 1024 }),
    ...(base.version !== undefined && { version: expectString(base.version, `${path}.version`, code, { max: 256 }) }),
    "bom-ref": refs.take(`base-model:sha256:${sha256}`),
    ...(base.purl !== undefined && {
      purl: expectString(base.purl, `${path}.purl`, code, { max: 4096, pattern: /^pkg:[a-zA-Z.+-]+\/\S+$/, hint: "a package URL" }),
    }),
    hashes: [{ alg: "SHA-256", content: sha256 }],
  };
}

function modelCardOf(
  card: ModelCardParameters,
  hyperparameters: Readonly<Record<string, string | number | boolean>>,
  datasetRefs: string[],
): CycloneDxModelCard | undefined {
  const code = "INVALID_ARGUMENT";
  const text = (value: string | undefined, path: string) => (value === undefined ? undefined : expectString(value, path, code, { max: 1024 }));
  const formats = (values: readonly string[] | undefined, path: string) =>
    values?.map((format, i) => ({ format: expectString(format, `${path}[${i}]`, code, { max: 1024 }) }));
  const approach = card.approach === undefined ? undefined : expectOneOf(card.approach, "modelCard.approach", code, LEARNING_APPROACHES);
  const entries = {
    ...(approach !== undefined && { approach: { type: approach } }),
    ...(card.task !== undefined && { task: text(card.task, "modelCard.task")! }),
    ...(card.architectureFamily !== undefined && { architectureFamily: text(card.architectureFamily, "modelCard.architectureFamily")! }),
    ...(card.modelArchitecture !== undefined && { modelArchitecture: text(card.modelArchitecture, "modelCard.modelArchitecture")! }),
    ...(datasetRefs.length > 0 && { datasets: datasetRefs.map((ref) => ({ ref })) }),
    ...(card.inputs?.length && { inputs: formats(card.inputs, "modelCard.inputs")! }),
    ...(card.outputs?.length && { outputs: formats(card.outputs, "modelCard.outputs")! }),
  };
  const properties: CycloneDxProperty[] = Object.entries(hyperparameters)
    .map(([name, value]) => {
      expectString(name, `hyperparameters["${name}"]`, code, {
        max: 128,
        pattern: HYPERPARAMETER_NAME,
        hint: "a hyperparameter name: letters, digits, _ . : / -",
      });
      if (typeof value === "number" && !Number.isFinite(value)) invalid(code, "must be a finite number", `hyperparameters.${name}`);
      if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean")
        invalid(code, "must be a string, number or boolean", `hyperparameters.${name}`);
      return {
        name: `${HYPERPARAMETER_PROPERTY_PREFIX}${name}`,
        value: typeof value === "string" ? expectString(value, `hyperparameters.${name}`, code, { min: 0, max: 4096 }) : JSON.stringify(value),
      };
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (Object.keys(entries).length === 0 && properties.length === 0) return undefined;
  return { ...(Object.keys(entries).length > 0 && { modelParameters: entries }), ...(properties.length > 0 && { properties }) };
}

/** Hands out bom-refs, suffixing `#2`, `#3`… when one is taken. */
class RefAllocator {
  private readonly taken = new Set<string>();
  take(candidate: string): string {
    let ref = candidate;
    for (let n = 2; this.taken.has(ref); n++) ref = `${candidate}#${n}`;
    this.taken.add(ref);
    return ref;
  }
}

type MergedPackage = Omit<SoftwarePackage, "foundBy" | "hashes" | "licenses"> & {
  foundBy: string[];
  hashes: SoftwarePackage["hashes"][number][];
  licenses: string[];
};

/**
 * One entry per purl (or name@version without one). Entries merge when they hash the same thing
 * and no algorithm has two values; otherwise they stay apart, each with its own bom-ref.
 */
function mergeSoftware(software: readonly SoftwarePackage[], refs: RefAllocator): { pkg: MergedPackage; ref: string }[] {
  const out: { pkg: MergedPackage; ref: string; key: string }[] = [];
  software.forEach((p, i) => {
    const path = `software[${i}]`;
    expectString(p?.name, `${path}.name`, "INVALID_ARGUMENT", { max: 2048 });
    for (const [j, h] of p.hashes.entries()) {
      const lengths: readonly number[] = CYCLONEDX_HASH_LENGTHS[h.alg] ?? [];
      if (!/^[0-9a-f]+$/.test(h.content) || !lengths.includes(h.content.length))
        invalid("INVALID_ARGUMENT", `is not a lower-case hex ${h.alg} hash`, `${path}.hashes[${j}].content`);
    }
    const key = p.purl ?? `${p.type}:${p.name}@${p.version ?? ""}`;
    const same = out.find(
      (o) =>
        o.key === key &&
        o.pkg.hashOf === p.hashOf &&
        p.hashes.every((h) => {
          const other = o.pkg.hashes.find((x) => x.alg === h.alg);
          return other === undefined || other.content === h.content;
        }),
    );
    if (same) {
      for (const h of p.hashes) if (!same.pkg.hashes.some((x) => x.alg === h.alg)) same.pkg.hashes.push(h);
      if (same.pkg.licenses.length === 0) same.pkg.licenses.push(...p.licenses);
      if (!same.pkg.foundBy.includes(p.foundBy)) same.pkg.foundBy.push(p.foundBy);
      return;
    }
    out.push({
      key,
      ref: refs.take(p.purl ?? `package:${p.name}@${p.version ?? ""}`),
      pkg: { ...p, foundBy: [p.foundBy], hashes: [...p.hashes], licenses: [...p.licenses] },
    });
  });
  return out;
}

/**
 * CycloneDX licences from licence strings: one SPDX expression that is not a single id becomes
 * an `expression` (which must stand alone); SPDX ids become `id`s; anything else a `name`.
 */
function licenseModels(licenses: readonly string[]): Models.License[] {
  const unique = [...new Set(licenses.map((l) => l.trim()).filter(Boolean))];
  const [only] = unique;
  if (only !== undefined && unique.length === 1 && !isSpdxLicenseId(only) && isSpdxLicenseExpression(only)) return [new Models.LicenseExpression(only)];
  return unique.map((l) => (isSpdxLicenseId(l) ? new Models.SpdxLicense(l) : new Models.NamedLicense(l)));
}
