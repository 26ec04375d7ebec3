import { sha256Hex } from "../core/bytes.js";
import { canonicalJsonBytes, type JsonValue } from "../core/canonicalJson.js";
import { unsupportedFormat } from "../core/errors/input.js";
import type { Hex } from "../core/hex.js";
import { type AnySpec, parseSpec, type Spec, s } from "../core/spec/spec.js";
import { MODEL_MANIFEST_FORMAT, MODEL_MANIFEST_FORMAT_V1, MODEL_MANIFEST_FORMAT_V3, type ModelDigest, hashingOfDigest } from "./model/modelManifest.js";
import { recordLeaf } from "../merkle/leaf.js";

/**
 * The `format` of a record made by this version: v2 requires `subject.artifact` (the kind, file or
 * directory, and how its digest was computed, model hashing v2). Loaders refuse unknown formats.
 */
export const RECORD_FORMAT = "provenance-record-v2";

/**
 * The `format` of a v1 record. Still parsed (stores and receipts made before v2), never made; a
 * verifier refuses it (check `hashing-version`): its directory digests are model hashing v1, where
 * a file and a directory can share a digest, and its `artifact` (the kind) was optional.
 */
export const RECORD_FORMAT_V1 = "provenance-record-v1";

/** The record formats a reader understands, newest first. */
export const RECORD_FORMATS = [RECORD_FORMAT, RECORD_FORMAT_V1] as const;

/** The `hashing` values an artifact description may name, each record version allowing its own. */
export type ArtifactHashing = "sha256" | typeof MODEL_MANIFEST_FORMAT_V3 | typeof MODEL_MANIFEST_FORMAT | typeof MODEL_MANIFEST_FORMAT_V1;

/** How an artifact was hashed, so that a verifier can recompute its digest. */
export type ArtifactDescription<Hashing extends ArtifactHashing = ArtifactHashing> = {
  /** `file`: SHA-256 of the bytes. `directory`: the manifest digest (docs/model-hashing.md). */
  readonly kind: "file" | "directory";
  /** `sha256` for a file; `provenance-model-manifest-v2` (or `-v3`) for a directory (`-v1` in a v1 record). */
  readonly hashing: Hashing;
  /** Total bytes. */
  readonly size: number;
  /** Number of files (1 for a file). */
  readonly files: number;
};

/**
 * The artifact description of a model as `hashModel` hashed it (current version), for a record's
 * `subject.artifact`.
 *
 * @example
 * import { artifactOfDigest, createRecord, hashModel } from "provenance-ledger";
 * const digest = await hashModel("./model");
 * createRecord({ subject: { name: "acme/detector", version: "1.0.0", digest: { sha256: digest.sha256 }, artifact: artifactOfDigest(digest) } });
 */
export function artifactOfDigest(digest: ModelDigest): ArtifactDescription {
  return { kind: digest.kind, hashing: hashingOfDigest(digest), size: digest.size, files: digest.fileCount };
}

/** What a record is about: a model, by digest, with a name and a version. */
export type RecordSubject = {
  readonly name: string;
  readonly version: string;
  /** in-toto style digest set; `sha256` is 64 lower-case hex digits. */
  readonly digest: { readonly sha256: string };
  /** Required in v2 (the kind is signed off with the digest); optional in v1. */
  readonly artifact?: ArtifactDescription;
};

/** A `provenance-record-v2`: `subject.artifact` is required, a directory hashed with model hashing v2 (or v3). */
export type ProvenanceRecordV2 = {
  readonly format: typeof RECORD_FORMAT;
  /** Lower-case kebab-case, e.g. `model-registered`. */
  readonly type: string;
  readonly subject: {
    readonly name: string;
    readonly version: string;
    /** in-toto style digest set; `sha256` is 64 lower-case hex digits. */
    readonly digest: { readonly sha256: string };
    readonly artifact: ArtifactDescription<"sha256" | typeof MODEL_MANIFEST_FORMAT | typeof MODEL_MANIFEST_FORMAT_V3>;
  };
  /** RFC 3339 UTC timestamp with milliseconds, e.g. `2026-11-24T13:45:00.123Z`. */
  readonly createdAt: string;
  readonly fields?: { readonly [key: string]: JsonValue };
};

/** A `provenance-record-v1` read back: `subject.artifact` optional, a directory hashed with model hashing v1. */
export type ProvenanceRecordV1 = Omit<ProvenanceRecordV2, "format" | "subject"> & {
  readonly format: typeof RECORD_FORMAT_V1;
  readonly subject: Omit<ProvenanceRecordV2["subject"], "artifact"> & {
    readonly artifact?: ArtifactDescription<"sha256" | typeof MODEL_MANIFEST_FORMAT_V1>;
  };
};

/**
 * A provenance record (format `provenance-record-v2`, or a v1 one read back): binds a subject
 * (digest and kind) to a record type and optional fields. Its identity is the SHA-256 of its
 * RFC 8785 canonical JSON.
 */
export type ProvenanceRecord = ProvenanceRecordV2 | ProvenanceRecordV1;

export type CreateRecordParameters = {
  type?: string;
  /** `artifact` is required: `artifactOfDigest(await hashModel(path))`. */
  subject: RecordSubject & { readonly artifact: ArtifactDescription };
  fields?: { readonly [key: string]: JsonValue };
  createdAt?: Date;
};

/**
 * Creates a validated `provenance-record-v2` record. `type` defaults to `model-registered`.
 *
 * @example
 * import { artifactOfDigest, createRecord, hashModel } from "provenance-ledger";
 * const digest = await hashModel("./model");
 * const record = createRecord({ subject: { name: "acme/detector", version: "1.0.0", digest: { sha256: digest.sha256 }, artifact: artifactOfDigest(digest) } });
 */
export function createRecord(parameters: CreateRecordParameters): ProvenanceRecord {
  const record = {
    format: RECORD_FORMAT,
    type: parameters.type ?? "model-registered",
    subject: parameters.subject,
    createdAt: (parameters.createdAt ?? new Date()).toISOString(),
    ...(parameters.fields === undefined ? {} : { fields: parameters.fields }),
  };
  return parseRecord(record);
}

const CODE = "INVALID_RECORD";
const RFC3339_MS_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const CREATED_AT = "an RFC 3339 UTC timestamp like 2026-11-24T13:45:00.123Z";

/** How a record version describes the artifact: a directory hashed with one of `directory`. */
function artifactSpec<const H extends ArtifactHashing>(directory: readonly H[]) {
  return (
    s
      .object({
        kind: s.literal("file", "directory"),
        hashing: s.literal<"sha256" | H>("sha256", ...directory),
        size: s.integer(),
        files: s.integer(),
      })
      // The kind is signed off with the digest: a file is SHA-256 of its bytes, a directory a manifest digest.
      .refine(
        (a, fail) =>
          (a.kind === "file") !== (a.hashing === "sha256") &&
          fail(".hashing", `hashing for a ${a.kind} must be ${(a.kind === "file" ? ["sha256"] : directory).map((h) => `"${h}"`).join(" or ")}`),
        {
          schema: {
            if: { properties: { kind: { const: "file" } } },
            then: { properties: { hashing: { const: "sha256" } } },
            else: { properties: { hashing: directory.length === 1 ? { const: directory[0] } : { enum: [...directory] } } },
          },
        },
      )
  );
}

/** A record's spec in one version: its format and how it describes the artifact (required or not). */
function recordSpec<const F extends (typeof RECORD_FORMATS)[number], A extends AnySpec>(format: F, artifact: A) {
  return s.object({
    format: s.literal(format),
    type: s.string({ max: 64, pattern: /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/, hint: "lower-case kebab-case, e.g. model-registered" }),
    subject: s.object({ name: s.string({ max: 256 }), version: s.string({ max: 128 }), digest: s.object({ sha256: s.sha256() }), artifact }),
    createdAt: s
      .string({ max: 24, pattern: RFC3339_MS_UTC, hint: CREATED_AT })
      .refine((t, fail) => (Number.isNaN(Date.parse(t)) || new Date(t).toISOString() !== t) && fail("", `createdAt must be ${CREATED_AT}`)),
    fields: s.optional(s.json().describe("Free-form JSON; integers must be within ±(2^53 − 1) and strings well-formed Unicode.")),
  });
}

/** The v2 record's spec: parser and `schemas/record-v2.schema.json`. */
export const recordV2Spec = recordSpec(RECORD_FORMAT, artifactSpec([MODEL_MANIFEST_FORMAT, MODEL_MANIFEST_FORMAT_V3])) satisfies Spec<ProvenanceRecordV2>;
/** The v1 record's spec (still read, refused by verifiers): parser and `schemas/record-v1.schema.json`. */
export const recordV1Spec = recordSpec(RECORD_FORMAT_V1, s.optional(artifactSpec([MODEL_MANIFEST_FORMAT_V1]))) satisfies Spec<ProvenanceRecordV1>;

const anyRecordSpec = s.union(
  "format",
  { [RECORD_FORMAT]: recordV2Spec, [RECORD_FORMAT_V1]: recordV1Spec },
  { unknown: (format, path) => unsupportedFormat("record", format, `"${RECORD_FORMAT}" (and "${RECORD_FORMAT_V1}")`, path) },
) satisfies Spec<ProvenanceRecord>;

/**
 * Validates untrusted JSON as a v2 (or v1) record, field by field; errors name the field
 * (`record.subject.digest.sha256`). Unknown keys are refused: what is not understood is not signed
 * off. In v2, `subject.artifact` is required and a directory's `hashing` is
 * `provenance-model-manifest-v2` (or `-v3`); a v1 record keeps its v1 rules (optional artifact, `-v1` hashing).
 * An unknown `format` is `UNSUPPORTED_FORMAT`.
 */
export function parseRecord(value: unknown, path = "record"): ProvenanceRecord {
  return parseSpec(anyRecordSpec, value, path, CODE);
}

/** SHA-256 of the record's RFC 8785 canonical JSON, as 0x hex: the record's identity. */
export function recordHash(record: ProvenanceRecord): Hex {
  return `0x${sha256Hex(canonicalJsonBytes(record))}`;
}

/** The subject digest as bytes32 (0x-prefixed). */
export function subjectDigest(record: ProvenanceRecord): Hex {
  return `0x${record.subject.digest.sha256}`;
}

/**
 * The Merkle leaf of a record: `recordLeaf(subject sha256, recordHash(record))`.
 *
 * @example
 * import { createRecord, leafOfRecord } from "provenance-ledger";
 * const leaf = leafOfRecord(createRecord({ subject }));
 */
export function leafOfRecord(record: ProvenanceRecord): Hex {
  return recordLeaf(subjectDigest(record), recordHash(record));
}
