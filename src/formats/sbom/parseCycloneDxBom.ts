import { type InputError, type InputErrorCode, invalid } from "../../core/errors/input.js";
import { typeName } from "../../core/hex.js";
import { expectArray, expectInteger, expectObject, expectOneOf, expectString } from "../../core/validate.js";
import {
  COMPONENT_DATA_TYPES,
  CYCLONEDX_COMPONENT_TYPES,
  CYCLONEDX_HASH_ALGORITHMS,
  CYCLONEDX_HASH_LENGTHS,
  type CycloneDxBom,
  type CycloneDxComponent,
  LEARNING_APPROACHES,
} from "./cycloneDxBom.js";

// Keys each object may have in CycloneDX 1.6 (the schema sets additionalProperties: false on
// all of them). Earlier versions use subsets of these, so one list serves 1.4–1.6.
const BOM_KEYS = [
  "$schema",
  "bomFormat",
  "specVersion",
  "serialNumber",
  "version",
  "metadata",
  "components",
  "services",
  "externalReferences",
  "dependencies",
  "compositions",
  "vulnerabilities",
  "annotations",
  "formulation",
  "declarations",
  "definitions",
  "properties",
  "signature",
];
const METADATA_KEYS = ["timestamp", "lifecycles", "tools", "manufacturer", "authors", "component", "manufacture", "supplier", "licenses", "properties"];
const COMPONENT_KEYS = [
  "type",
  "mime-type",
  "bom-ref",
  "supplier",
  "manufacturer",
  "authors",
  "author",
  "publisher",
  "group",
  "name",
  "version",
  "description",
  "scope",
  "hashes",
  "licenses",
  "copyright",
  "cpe",
  "purl",
  "omniborId",
  "swhid",
  "swid",
  "modified",
  "pedigree",
  "externalReferences",
  "components",
  "evidence",
  "releaseNotes",
  "modelCard",
  "data",
  "cryptoProperties",
  "properties",
  "tags",
  "signature",
];
// A component's key lists, with their set made once (a BOM may list thousands of components).
const COMPONENT_OBJECT = { allowed: COMPONENT_KEYS, required: ["type", "name"], known: new Set([...COMPONENT_KEYS, "type", "name"]) };
const PEDIGREE_KEYS = ["ancestors", "descendants", "variants", "commits", "patches", "notes"];
const MODEL_CARD_KEYS = ["bom-ref", "modelParameters", "quantitativeAnalysis", "considerations", "properties"];
const MODEL_PARAMETERS_KEYS = ["approach", "task", "architectureFamily", "modelArchitecture", "datasets", "inputs", "outputs"];
const COMPONENT_DATA_KEYS = ["bom-ref", "type", "name", "contents", "classification", "sensitiveData", "graphics", "description", "governance"];
const DEPENDENCY_KEYS = ["ref", "dependsOn", "provides"];

/**
 * Components (nested ones and pedigree ancestors included) a document may hold.
 *
 * @example
 * import { MAX_BOM_COMPONENTS } from "provenance-ledger";
 * MAX_BOM_COMPONENTS; // 200000
 */
export const MAX_BOM_COMPONENTS = 200_000;
/** Nesting of `components` and `pedigree.ancestors`. */
const MAX_COMPONENT_DEPTH = 16;

const SERIAL_NUMBER = /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const HEX = /^[0-9a-fA-F]+$/;

export type ParseCycloneDxBomParameters = {
  /** Path of the document in error messages (`predicate`, `$`). */
  path?: string;
  /** Code of every error: `INVALID_SBOM` for ingested files, `INVALID_PREDICATE` for attestations. */
  code: InputErrorCode;
  /** `specVersion`s accepted. */
  specVersions: readonly string[];
};

export type ParseCycloneDxBomReturnType = CycloneDxBom;

export type ParseCycloneDxBomErrorType = InputError;

/**
 * Validates untrusted JSON as a CycloneDX BOM, field by field, for the parts this project reads:
 * `bomFormat`, `specVersion`, `serialNumber`, `version`, every component (type, name, bom-ref,
 * version, purl, hashes of the right length, licences, properties, model card, data, nested
 * components, pedigree ancestors) and the dependency graph (every ref names a bom-ref of the
 * document). Keys that CycloneDX 1.6 does not define are refused; bom-refs must be unique; a
 * component may not carry two different values for one hash algorithm. Errors are
 * `InputError`s with the caller's code, naming the path (`$.components[3].hashes[0].content`).
 *
 * @example
 * import { parseCycloneDxBom, parseJson } from "provenance-ledger";
 * const bom = parseCycloneDxBom(parseJson(text), { code: "INVALID_SBOM", specVersions: ["1.4", "1.5", "1.6"] });
 */
export function parseCycloneDxBom(value: unknown, parameters: ParseCycloneDxBomParameters): ParseCycloneDxBomReturnType {
  const { path = "$", code, specVersions } = parameters;
  const o = expectObject(value, path, code, { allowed: BOM_KEYS, required: ["bomFormat", "specVersion"] });
  expectOneOf(o.bomFormat, `${path}.bomFormat`, code, ["CycloneDX"]);
  expectOneOf(o.specVersion, `${path}.specVersion`, code, specVersions);
  if (o.serialNumber !== undefined)
    expectString(o.serialNumber, `${path}.serialNumber`, code, { max: 45, pattern: SERIAL_NUMBER, hint: "urn:uuid: followed by a lower-case UUID" });
  if (o.version !== undefined) expectInteger(o.version, `${path}.version`, code, 1);
  if (o.$schema !== undefined) expectString(o.$schema, `${path}.$schema`, code, { max: 2048 });

  const walker = new ComponentWalker(code);
  if (o.metadata !== undefined) {
    const metadata = expectObject(o.metadata, `${path}.metadata`, code, { allowed: METADATA_KEYS });
    if (metadata.timestamp !== undefined) expectString(metadata.timestamp, `${path}.metadata.timestamp`, code, { max: 64 });
    if (metadata.tools !== undefined && (metadata.tools === null || typeof metadata.tools !== "object"))
      invalid(code, `expected an array or an object, got ${typeName(metadata.tools)}`, `${path}.metadata.tools`);
    if (metadata.component !== undefined) walker.component(metadata.component, `${path}.metadata.component`, 0);
    if (metadata.properties !== undefined) properties(metadata.properties, `${path}.metadata.properties`, code);
  }
  if (o.components !== undefined) {
    const components = expectArray(o.components, `${path}.components`, code, 0, MAX_BOM_COMPONENTS);
    components.forEach((c, i) => walker.component(c, `${path}.components[${i}]`, 0));
  }
  if (o.services !== undefined) {
    // Services are not read, but dependencies may point at them.
    for (const [i, s] of expectArray(o.services, `${path}.services`, code).entries()) {
      const service = expectObject(s, `${path}.services[${i}]`, code);
      if (service["bom-ref"] !== undefined) walker.addRef(service["bom-ref"], `${path}.services[${i}].bom-ref`);
    }
  }
  if (o.dependencies !== undefined) {
    const seen = new Set<string>();
    for (const [i, d] of expectArray(o.dependencies, `${path}.dependencies`, code, 0, MAX_BOM_COMPONENTS).entries()) {
      const at = `${path}.dependencies[${i}]`;
      const dependency = expectObject(d, at, code, { allowed: DEPENDENCY_KEYS, required: ["ref"] });
      const ref = walker.expectKnownRef(dependency.ref, `${at}.ref`);
      if (seen.has(ref)) invalid(code, `a second dependency entry for "${ref}"`, `${at}.ref`);
      seen.add(ref);
      for (const key of ["dependsOn", "provides"] as const) {
        if (dependency[key] === undefined) continue;
        const refs = expectArray(dependency[key], `${at}.${key}`, code, 0, MAX_BOM_COMPONENTS).map((r, j) => walker.expectKnownRef(r, `${at}.${key}[${j}]`));
        if (new Set(refs).size !== refs.length) invalid(code, "lists a ref twice", `${at}.${key}`);
      }
    }
  }
  walker.checkPendingRefs();
  return o as CycloneDxBom;
}

class ComponentWalker {
  private readonly refs = new Set<string>();
  /** Model-card dataset refs, resolved once every bom-ref is known. */
  private readonly pending: { ref: string; path: string }[] = [];
  private count = 0;

  constructor(private readonly code: InputErrorCode) {}

  addRef(value: unknown, path: string): string {
    const ref = expectString(value, path, this.code, { max: 1024 });
    if (this.refs.has(ref)) invalid(this.code, `duplicate bom-ref "${ref}" (bom-refs are unique within a BOM)`, path);
    this.refs.add(ref);
    return ref;
  }

  expectKnownRef(value: unknown, path: string): string {
    const ref = expectString(value, path, this.code, { max: 1024 });
    if (!this.refs.has(ref)) invalid(this.code, `"${ref}" is not the bom-ref of any component or service of this BOM`, path);
    return ref;
  }

  checkPendingRefs(): void {
    for (const { ref, path } of this.pending) this.expectKnownRef(ref, path);
  }

  component(value: unknown, path: string, depth: number): CycloneDxComponent {
    const code = this.code;
    if (depth > MAX_COMPONENT_DEPTH) invalid(code, `components nest deeper than ${MAX_COMPONENT_DEPTH} levels`, path);
    if (++this.count > MAX_BOM_COMPONENTS) invalid(code, `more than ${MAX_BOM_COMPONENTS} components`, path);
    const c = expectObject(value, path, code, COMPONENT_OBJECT);
    const type = expectOneOf(c.type, `${path}.type`, code, CYCLONEDX_COMPONENT_TYPES);
    expectString(c.name, `${path}.name`, code, { max: 2048 });
    if (c["bom-ref"] !== undefined) this.addRef(c["bom-ref"], `${path}.bom-ref`);
    for (const key of ["group", "version", "description", "publisher", "author", "cpe"] as const)
      if (c[key] !== undefined) expectString(c[key], `${path}.${key}`, code, { min: 0, max: key === "description" ? 65_536 : 2048 });
    if (c.purl !== undefined)
      expectString(c.purl, `${path}.purl`, code, { max: 4096, pattern: /^pkg:[a-zA-Z.+-]+\/\S+$/, hint: "a package URL (pkg:type/name@version)" });
    if (c.hashes !== undefined) hashes(c.hashes, `${path}.hashes`, code);
    if (c.licenses !== undefined) licenses(c.licenses, `${path}.licenses`, code);
    if (c.properties !== undefined) properties(c.properties, `${path}.properties`, code);
    if (c.modelCard !== undefined) {
      if (type !== "machine-learning-model") invalid(code, "a model card belongs on a machine-learning-model component only", `${path}.modelCard`);
      this.modelCard(c.modelCard, `${path}.modelCard`);
    }
    if (c.data !== undefined) {
      if (type !== "data") invalid(code, "data belongs on a data component only", `${path}.data`);
      expectArray(c.data, `${path}.data`, code, 0, 1024).forEach((d, i) => this.componentData(d, `${path}.data[${i}]`));
    }
    if (c.components !== undefined)
      expectArray(c.components, `${path}.components`, code, 0, MAX_BOM_COMPONENTS).forEach((n, i) => this.component(n, `${path}.components[${i}]`, depth + 1));
    if (c.pedigree !== undefined) {
      const pedigree = expectObject(c.pedigree, `${path}.pedigree`, code, { allowed: PEDIGREE_KEYS });
      for (const key of ["ancestors", "descendants", "variants"] as const)
        if (pedigree[key] !== undefined)
          expectArray(pedigree[key], `${path}.pedigree.${key}`, code, 0, 1024).forEach((a, i) => this.component(a, `${path}.pedigree.${key}[${i}]`, depth + 1));
    }
    return c as CycloneDxComponent;
  }

  private modelCard(value: unknown, path: string): void {
    const code = this.code;
    const card = expectObject(value, path, code, { allowed: MODEL_CARD_KEYS });
    if (card["bom-ref"] !== undefined) this.addRef(card["bom-ref"], `${path}.bom-ref`);
    if (card.properties !== undefined) properties(card.properties, `${path}.properties`, code);
    if (card.modelParameters === undefined) return;
    const at = `${path}.modelParameters`;
    const parameters = expectObject(card.modelParameters, at, code, { allowed: MODEL_PARAMETERS_KEYS });
    if (parameters.approach !== undefined) {
      const approach = expectObject(parameters.approach, `${at}.approach`, code, { allowed: ["type"] });
      if (approach.type !== undefined) expectOneOf(approach.type, `${at}.approach.type`, code, LEARNING_APPROACHES);
    }
    for (const key of ["task", "architectureFamily", "modelArchitecture"] as const)
      if (parameters[key] !== undefined) expectString(parameters[key], `${at}.${key}`, code, { max: 1024 });
    if (parameters.datasets !== undefined)
      for (const [i, d] of expectArray(parameters.datasets, `${at}.datasets`, code, 0, 10_000).entries()) {
        const entry = expectObject(d, `${at}.datasets[${i}]`, code);
        if (entry.ref !== undefined) {
          expectObject(entry, `${at}.datasets[${i}]`, code, { allowed: ["ref"] });
          this.pending.push({ ref: expectString(entry.ref, `${at}.datasets[${i}].ref`, code, { max: 1024 }), path: `${at}.datasets[${i}].ref` });
        } else this.componentData(entry, `${at}.datasets[${i}]`);
      }
    for (const key of ["inputs", "outputs"] as const)
      if (parameters[key] !== undefined)
        for (const [i, f] of expectArray(parameters[key], `${at}.${key}`, code, 0, 1024).entries()) {
          const format = expectObject(f, `${at}.${key}[${i}]`, code, { allowed: ["format"] });
          if (format.format !== undefined) expectString(format.format, `${at}.${key}[${i}].format`, code, { max: 1024 });
        }
  }

  private componentData(value: unknown, path: string): void {
    const code = this.code;
    const data = expectObject(value, path, code, { allowed: COMPONENT_DATA_KEYS, required: ["type"] });
    expectOneOf(data.type, `${path}.type`, code, COMPONENT_DATA_TYPES);
    if (data["bom-ref"] !== undefined) this.addRef(data["bom-ref"], `${path}.bom-ref`);
    if (data.name !== undefined) expectString(data.name, `${path}.name`, code, { max: 2048 });
    if (data.description !== undefined) expectString(data.description, `${path}.description`, code, { min: 0, max: 65_536 });
  }
}

function hashes(value: unknown, path: string, code: InputErrorCode): void {
  const seen = new Map<string, string>();
  for (const [i, h] of expectArray(value, path, code, 0, 64).entries()) {
    const hash = expectObject(h, `${path}[${i}]`, code, { allowed: ["alg", "content"], required: ["alg", "content"] });
    const alg = expectOneOf(hash.alg, `${path}[${i}].alg`, code, CYCLONEDX_HASH_ALGORITHMS);
    const lengths: readonly number[] = CYCLONEDX_HASH_LENGTHS[alg];
    const content = expectString(hash.content, `${path}[${i}].content`, code, { max: 128, pattern: HEX, hint: "hex digits" });
    if (!lengths.includes(content.length)) invalid(code, `a ${alg} hash is ${lengths.join(" or ")} hex digits, got ${content.length}`, `${path}[${i}].content`);
    const previous = seen.get(alg);
    if (previous !== undefined && previous !== content.toLowerCase()) invalid(code, `two different ${alg} hashes for one component`, `${path}[${i}].content`);
    seen.set(alg, content.toLowerCase());
  }
}

function licenses(value: unknown, path: string, code: InputErrorCode): void {
  const list = expectArray(value, path, code, 0, 1024);
  for (const [i, l] of list.entries()) {
    const choice = expectObject(l, `${path}[${i}]`, code);
    if (choice.expression !== undefined) {
      expectObject(choice, `${path}[${i}]`, code, { allowed: ["expression", "acknowledgement", "bom-ref"] });
      expectString(choice.expression, `${path}[${i}].expression`, code, { max: 4096 });
      if (list.length !== 1) invalid(code, "a licence expression must be the only entry of licenses", `${path}[${i}]`);
      continue;
    }
    expectObject(choice, `${path}[${i}]`, code, { allowed: ["license"], required: ["license"] });
    const license = expectObject(choice.license, `${path}[${i}].license`, code);
    if (license.id === undefined && license.name === undefined) invalid(code, "a licence needs an id or a name", `${path}[${i}].license`);
    if (license.id !== undefined) expectString(license.id, `${path}[${i}].license.id`, code, { max: 256 });
    if (license.name !== undefined) expectString(license.name, `${path}[${i}].license.name`, code, { max: 4096 });
  }
}

function properties(value: unknown, path: string, code: InputErrorCode): void {
  for (const [i, p] of expectArray(value, path, code, 0, 100_000).entries()) {
    const property = expectObject(p, `${path}[${i}]`, code, { allowed: ["name", "value"], required: ["name"] });
    expectString(property.name, `${path}[${i}].name`, code, { max: 1024 });
    if (property.value !== undefined) expectString(property.value, `${path}[${i}].value`, code, { min: 0, max: 65_536 });
  }
}
