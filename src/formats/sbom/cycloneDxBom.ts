// The CycloneDX JSON this project reads and writes, as plain data. Only the parts the ML-BOM
// uses are typed; everything else a CycloneDX document may hold is `unknown` (the parsers check
// that its keys exist in the 1.6 schema, not what is inside).

/**
 * Hash algorithms of CycloneDX 1.6 and the hex lengths each allows.
 *
 * @example
 * import { CYCLONEDX_HASH_LENGTHS } from "provenance-ledger";
 * CYCLONEDX_HASH_LENGTHS["SHA-512"]; // [128]
 */
export const CYCLONEDX_HASH_LENGTHS = {
  MD5: [32],
  "SHA-1": [40],
  "SHA-256": [64],
  "SHA-384": [96],
  "SHA-512": [128],
  "SHA3-256": [64],
  "SHA3-384": [96],
  "SHA3-512": [128],
  "BLAKE2b-256": [64],
  "BLAKE2b-384": [96],
  "BLAKE2b-512": [128],
  // BLAKE3 has a variable output length; the schema allows any of its lengths.
  BLAKE3: [32, 40, 64, 96, 128],
} as const satisfies Record<string, readonly number[]>;

export type CycloneDxHashAlgorithm = keyof typeof CYCLONEDX_HASH_LENGTHS;

/**
 * The names of {@link CYCLONEDX_HASH_LENGTHS}.
 *
 * @example
 * import { CYCLONEDX_HASH_ALGORITHMS } from "provenance-ledger";
 * CYCLONEDX_HASH_ALGORITHMS.includes("SHA-256"); // true
 */
export const CYCLONEDX_HASH_ALGORITHMS = Object.keys(CYCLONEDX_HASH_LENGTHS) as readonly CycloneDxHashAlgorithm[];

/**
 * Component types of CycloneDX 1.6.
 *
 * @example
 * import { CYCLONEDX_COMPONENT_TYPES } from "provenance-ledger";
 * CYCLONEDX_COMPONENT_TYPES.includes("machine-learning-model"); // true
 */
export const CYCLONEDX_COMPONENT_TYPES = [
  "application",
  "framework",
  "library",
  "container",
  "platform",
  "operating-system",
  "device",
  "device-driver",
  "firmware",
  "file",
  "machine-learning-model",
  "data",
  "cryptographic-asset",
] as const;

export type CycloneDxComponentType = (typeof CYCLONEDX_COMPONENT_TYPES)[number];

/**
 * `modelCard.modelParameters.approach.type` of CycloneDX 1.6.
 *
 * @example
 * import { LEARNING_APPROACHES } from "provenance-ledger";
 * LEARNING_APPROACHES.includes("self-supervised"); // true
 */
export const LEARNING_APPROACHES = ["supervised", "unsupervised", "reinforcement-learning", "semi-supervised", "self-supervised"] as const;

export type LearningApproach = (typeof LEARNING_APPROACHES)[number];

/**
 * `data[].type` of CycloneDX 1.6.
 *
 * @example
 * import { COMPONENT_DATA_TYPES } from "provenance-ledger";
 * COMPONENT_DATA_TYPES.includes("dataset"); // true
 */
export const COMPONENT_DATA_TYPES = ["source-code", "configuration", "dataset", "definition", "other"] as const;

export type ComponentDataType = (typeof COMPONENT_DATA_TYPES)[number];

export type CycloneDxHash = { readonly alg: CycloneDxHashAlgorithm; readonly content: string };

export type CycloneDxProperty = { readonly name: string; readonly value?: string };

export type CycloneDxLicenseChoice =
  | { readonly license: { readonly id?: string; readonly name?: string; readonly [key: string]: unknown } }
  | { readonly expression: string; readonly [key: string]: unknown };

export type CycloneDxComponentData = {
  readonly type: ComponentDataType;
  readonly "bom-ref"?: string;
  readonly name?: string;
  readonly description?: string;
  readonly [key: string]: unknown;
};

export type CycloneDxModelCard = {
  readonly "bom-ref"?: string;
  readonly modelParameters?: {
    readonly approach?: { readonly type?: LearningApproach };
    readonly task?: string;
    readonly architectureFamily?: string;
    readonly modelArchitecture?: string;
    /** References to `data` components (by bom-ref) or inline data descriptions. */
    readonly datasets?: readonly ({ readonly ref: string } | CycloneDxComponentData)[];
    readonly inputs?: readonly { readonly format?: string }[];
    readonly outputs?: readonly { readonly format?: string }[];
  };
  readonly quantitativeAnalysis?: unknown;
  readonly considerations?: unknown;
  readonly properties?: readonly CycloneDxProperty[];
};

export type CycloneDxComponent = {
  readonly type: CycloneDxComponentType;
  readonly name: string;
  readonly "bom-ref"?: string;
  readonly group?: string;
  readonly version?: string;
  readonly description?: string;
  readonly purl?: string;
  readonly hashes?: readonly CycloneDxHash[];
  readonly licenses?: readonly CycloneDxLicenseChoice[];
  readonly properties?: readonly CycloneDxProperty[];
  readonly components?: readonly CycloneDxComponent[];
  readonly pedigree?: { readonly ancestors?: readonly CycloneDxComponent[]; readonly [key: string]: unknown };
  /** Only on `machine-learning-model` components. */
  readonly modelCard?: CycloneDxModelCard;
  /** Only on `data` components. */
  readonly data?: readonly CycloneDxComponentData[];
  readonly [key: string]: unknown;
};

export type CycloneDxDependency = { readonly ref: string; readonly dependsOn?: readonly string[]; readonly provides?: readonly string[] };

/**
 * A CycloneDX JSON document (1.4–1.6 when ingested; the project writes 1.6).
 *
 * @example
 * import { type CycloneDxBom, parseCycloneDxBom, parseJson } from "provenance-ledger";
 * const bom: CycloneDxBom = parseCycloneDxBom(parseJson(text), { code: "INVALID_SBOM", specVersions: ["1.6"] });
 */
export type CycloneDxBom = {
  readonly $schema?: string;
  readonly bomFormat: "CycloneDX";
  readonly specVersion: string;
  /** `urn:uuid:` + a lower-case RFC 4122 UUID. */
  readonly serialNumber?: string;
  readonly version?: number;
  readonly metadata?: {
    readonly timestamp?: string;
    readonly tools?: unknown;
    /** What the BOM describes; for an ML-BOM of this project, the model. */
    readonly component?: CycloneDxComponent;
    readonly properties?: readonly CycloneDxProperty[];
    readonly [key: string]: unknown;
  };
  readonly components?: readonly CycloneDxComponent[];
  readonly dependencies?: readonly CycloneDxDependency[];
  readonly [key: string]: unknown;
};
