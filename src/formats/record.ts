import { sha256Hex } from "../core/bytes.js";
import { canonicalJson, canonicalJsonBytes, type JsonValue } from "../core/canonicalJson.js";
import { invalid, unsupportedFormat } from "../core/errors/input.js";
import type { Hex } from "../core/hex.js";
import { expectInteger, expectObject, expectString } from "../core/validate.js";
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

/** How an artifact was hashed, so that a verifier can recompute its digest. */
export type ArtifactDescription = {
  /** `file`: SHA-256 of the bytes. `directory`: the manifest digest (docs/model-hashing.md). */
  readonly kind: "file" | "directory";
  /** `sha256` for a file; `provenance-model-manifest-v2` for a directory (`-v1` in a v1 record). */
  readonly hashing: "sha256" | "provenance-model-manifest-v3" | "provenance-model-manifest-v2" | "provenance-model-manifest-v1";
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

/**
 * A provenance record (format `provenance-record-v2`, or a v1 one read back): binds a subject
 * (digest and kind) to a record type and optional fields. Its identity is the SHA-256 of its
 * RFC 8785 canonical JSON.
 */
export type ProvenanceRecord = {
  readonly format: (typeof RECORD_FORMATS)[number];
  /** Lower-case kebab-case, e.g. `model-registered`. */
  readonly type: string;
  readonly subject: RecordSubject;
  /** RFC 3339 UTC timestamp with milliseconds, e.g. `2026-11-24T13:45:00.123Z`. */
  readonly createdAt: string;
  readonly fields?: { readonly [key: string]: JsonValue };
};

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

const TYPE_RE = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const SHA256_RE = /^[0-9a-f]{64}$/;
const RFC3339_MS_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const CODE = "INVALID_RECORD";
const RECORD_KEYS = ["format", "type", "subject", "createdAt", "fields"];
const SUBJECT_KEYS = ["name", "version", "digest", "artifact"];
const ARTIFACT_KEYS = ["kind", "hashing", "size", "files"];
const object = (value: unknown, path: string, allowed?: readonly string[]) => expectObject(value, path, CODE, allowed && { allowed });
const string = (value: unknown, path: string, max: number) => expectString(value, path, CODE, { max });
const count = (value: unknown, path: string) => expectInteger(value, path, CODE, 0);

/**
 * Validates untrusted JSON as a v2 (or v1) record, field by field; errors name the field
 * (`record.subject.digest.sha256`). Unknown keys are refused: what is not understood is not signed
 * off. In v2, `subject.artifact` is required and a directory's `hashing` is
 * `provenance-model-manifest-v2`; a v1 record keeps its v1 rules (optional artifact, `-v1` hashing).
 */
export function parseRecord(value: unknown, path = "record"): ProvenanceRecord {
  const o = object(value, path, RECORD_KEYS);
  const format = RECORD_FORMATS.find((f) => f === o.format);
  if (format === undefined) unsupportedFormat("record", o.format, `"${RECORD_FORMAT}" (and "${RECORD_FORMAT_V1}")`, `${path}.format`);
  const type = string(o.type, `${path}.type`, 64);
  if (!TYPE_RE.test(type)) invalid(CODE, "record type must be lower-case kebab-case, e.g. model-registered", `${path}.type`);
  const s = object(o.subject, `${path}.subject`, SUBJECT_KEYS);
  const digest = object(s.digest, `${path}.subject.digest`, ["sha256"]);
  const sha256 = string(digest.sha256, `${path}.subject.digest.sha256`, 64);
  if (!SHA256_RE.test(sha256)) invalid(CODE, "sha256 must be 64 lower-case hex digits", `${path}.subject.digest.sha256`);
  const createdAt = string(o.createdAt, `${path}.createdAt`, 24);
  if (!RFC3339_MS_UTC.test(createdAt) || Number.isNaN(Date.parse(createdAt)) || new Date(createdAt).toISOString() !== createdAt)
    invalid(CODE, "createdAt must be an RFC 3339 UTC timestamp like 2026-11-24T13:45:00.123Z", `${path}.createdAt`);
  let artifact: ArtifactDescription | undefined;
  if (s.artifact === undefined && format === RECORD_FORMAT)
    invalid(CODE, `a ${RECORD_FORMAT} record names the artifact's kind and hashing`, `${path}.subject.artifact`);
  if (s.artifact !== undefined) {
    const a = object(s.artifact, `${path}.subject.artifact`, ARTIFACT_KEYS);
    const kind = a.kind;
    if (kind !== "file" && kind !== "directory") invalid(CODE, 'kind must be "file" or "directory"', `${path}.subject.artifact.kind`);
    // A v2 record's directory is model hashing v2, or v3 when it was walked with --follow-symlinks/--ignore-paths.
    const allowed =
      kind === "file"
        ? (["sha256"] as const)
        : format === RECORD_FORMAT
          ? ([MODEL_MANIFEST_FORMAT, MODEL_MANIFEST_FORMAT_V3] as const)
          : ([MODEL_MANIFEST_FORMAT_V1] as const);
    const hashing = allowed.find((h) => h === a.hashing);
    if (hashing === undefined) invalid(CODE, `hashing for a ${kind} must be ${allowed.map((h) => `"${h}"`).join(" or ")}`, `${path}.subject.artifact.hashing`);
    artifact = { kind, hashing, size: count(a.size, `${path}.subject.artifact.size`), files: count(a.files, `${path}.subject.artifact.files`) };
  }
  if (o.fields !== undefined) {
    object(o.fields, `${path}.fields`);
    canonicalJson(o.fields); // refuses what JCS cannot represent, naming the field
  }
  return {
    format,
    type,
    subject: {
      name: string(s.name, `${path}.subject.name`, 256),
      version: string(s.version, `${path}.subject.version`, 128),
      digest: { sha256 },
      ...(artifact === undefined ? {} : { artifact }),
    },
    createdAt,
    ...(o.fields === undefined ? {} : { fields: o.fields as { [key: string]: JsonValue } }),
  };
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
