// Names of the CycloneDX properties this project writes. CycloneDX 1.6 has no field for these;
// properties are its extension point, and the `provenance-ledger:` namespace keeps them apart
// from the registered taxonomies (cdx:, syft:, …).

/**
 * Prefix of a hyperparameter in `modelCard.properties`: `provenance-ledger:hyperparameter:<name>`,
 * value as text (numbers in their JSON form). CycloneDX 1.6 has no hyperparameter field.
 *
 * @example
 * import { HYPERPARAMETER_PROPERTY_PREFIX } from "provenance-ledger";
 * const lr = bom.metadata.component.modelCard?.properties?.find((p) => p.name === `${HYPERPARAMETER_PROPERTY_PREFIX}learning_rate`)?.value;
 */
export const HYPERPARAMETER_PROPERTY_PREFIX = "provenance-ledger:hyperparameter:";

/**
 * How an artifact's SHA-256 was computed: `sha256` (the bytes of one file) or
 * `provenance-model-manifest-v2` (a directory, model hashing v2; docs/model-hashing.md). Recomputing the digest
 * needs it.
 *
 * @example
 * import { HASHING_PROPERTY } from "provenance-ledger";
 * component.properties?.find((p) => p.name === HASHING_PROPERTY)?.value; // "provenance-model-manifest-v2"
 */
export const HASHING_PROPERTY = "provenance-ledger:hashing";

/**
 * Total bytes hashed.
 *
 * @example
 * import { SIZE_PROPERTY } from "provenance-ledger";
 * Number(component.properties?.find((p) => p.name === SIZE_PROPERTY)?.value);
 */
export const SIZE_PROPERTY = "provenance-ledger:size";

/**
 * Number of files hashed.
 *
 * @example
 * import { FILE_COUNT_PROPERTY } from "provenance-ledger";
 * Number(component.properties?.find((p) => p.name === FILE_COUNT_PROPERTY)?.value);
 */
export const FILE_COUNT_PROPERTY = "provenance-ledger:files";

/**
 * Where a software component was found: `python-environment`, `npm-tree`, `cyclonedx-sbom`,
 * `spdx-sbom` (one property per source when several found it).
 *
 * @example
 * import { FOUND_BY_PROPERTY } from "provenance-ledger";
 * const fromPython = bom.components?.filter((c) => c.properties?.some((p) => p.name === FOUND_BY_PROPERTY && p.value === "python-environment"));
 */
export const FOUND_BY_PROPERTY = "provenance-ledger:found-by";

/**
 * What a component's hashes are of when it is not the package archive: `RECORD` for Python
 * packages (the SHA-256 of the installed `*.dist-info/RECORD` file).
 *
 * @example
 * import { HASH_OF_PROPERTY } from "provenance-ledger";
 * component.properties?.find((p) => p.name === HASH_OF_PROPERTY)?.value; // "RECORD"
 */
export const HASH_OF_PROPERTY = "provenance-ledger:hash-of";
