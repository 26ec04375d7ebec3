import { type InputError, invalid } from "../../core/errors/input.js";
import { isSpdxExpression } from "../../core/spec/spdxExpression.js";
import { compareTimestamps, timestamp, expectArray, expectBoolean, expectDigestSet, expectInteger, expectName, expectObject, expectOneOf, expectString, expectTimestamp, expectUri } from "../../core/validate.js";

/**
 * The `predicateType` of a dataset attestation. The statement's subject is the dataset, by the
 * SHA-256 of its bytes (a file) or of its canonical manifest (a directory, docs/model-hashing.md).
 *
 * @example
 * import { DATASET_PREDICATE_TYPE } from "provenance-ledger";
 * if (statement.predicateType === DATASET_PREDICATE_TYPE) parseDatasetPredicate(statement.predicate);
 */
export const DATASET_PREDICATE_TYPE = "https://provenance-ledger.dev/dataset/v1";

/**
 * What can happen to a dataset, in its access log.
 *
 * @example
 * import { DATASET_ACCESS_ACTIONS } from "provenance-ledger";
 * DATASET_ACCESS_ACTIONS.includes("shared"); // true
 */
export const DATASET_ACCESS_ACTIONS = ["collected", "read", "copied", "transformed", "shared", "deleted"] as const;

/**
 * One of {@link DATASET_ACCESS_ACTIONS}.
 *
 * @example
 * import type { DatasetAccessAction } from "provenance-ledger";
 * const action: DatasetAccessAction = "transformed";
 */
export type DatasetAccessAction = (typeof DATASET_ACCESS_ACTIONS)[number];

/**
 * A document known by its hash: a licence text, a consent form.
 *
 * @example
 * import type { DatasetDocument } from "provenance-ledger";
 * const licence: DatasetDocument = { name: "data-sharing-agreement-2026.pdf", digest: { sha256: "5e88…" } };
 */
export type DatasetDocument = {
  /** What the document is, e.g. its file name. */
  readonly name: string;
  /** in-toto DigestSet of the document's bytes; `sha256` is required. */
  readonly digest: { readonly sha256: string; readonly [algorithm: string]: string };
};

/**
 * Where the data came from.
 *
 * @example
 * import type { DatasetSource } from "provenance-ledger";
 * const source: DatasetSource = { uri: "s3://acme-support/tickets/2026/", collectedFrom: "customer support tickets (EU)", collectedAt: "2026-10-01T00:00:00Z" };
 */
export type DatasetSource = {
  /** Where the data was obtained: a URL, bucket, or `urn:` for an internal system. */
  readonly uri: string;
  /** Whom or what the data was collected from, in words: "public web crawl", "customer support tickets (EU)". */
  readonly collectedFrom?: string;
  /** RFC 3339 UTC time of collection (or of the snapshot). */
  readonly collectedAt?: string;
};

/**
 * The shape of the data that the subject digest covers.
 *
 * @example
 * import type { DatasetContent } from "provenance-ledger";
 * const content: DatasetContent = { kind: "directory", files: 12_400, size: 3_221_225_472 };
 */
export type DatasetContent = {
  /** `file`: the digest is SHA-256 of the bytes. `directory`: SHA-256 of the canonical manifest. */
  readonly kind: "file" | "directory";
  /** Number of files; exactly 1 for a file. */
  readonly files: number;
  /** Total size in bytes. */
  readonly size: number;
};

/**
 * Under which terms the data may be used: an SPDX licence, a licence document, or both.
 *
 * @example
 * import type { DatasetLicence } from "provenance-ledger";
 * const open: DatasetLicence = { spdxId: "CC-BY-4.0" };
 * const contract: DatasetLicence = { name: "Acme/Contoso data-sharing agreement", document: { name: "dsa.pdf", digest: { sha256: "5e88…" } } };
 */
export type DatasetLicence = {
  /** SPDX licence identifier or expression, e.g. `CC-BY-4.0`, `MIT OR Apache-2.0`, `LicenseRef-acme-internal`. */
  readonly spdxId?: string;
  /** Human-readable name of the licence or agreement. */
  readonly name?: string;
  /** The licence or agreement text, by hash. */
  readonly document?: DatasetDocument;
};

/**
 * A consent document (or a bundle of them), by hash.
 *
 * @example
 * import type { DatasetConsent } from "provenance-ledger";
 * const consent: DatasetConsent = { name: "support-consent-v4.pdf", digest: { sha256: "2c26…" }, scope: "model training and evaluation" };
 */
export type DatasetConsent = DatasetDocument & {
  /** What the consent covers, in words. */
  readonly scope?: string;
};

/**
 * One entry of the dataset's access log.
 *
 * @example
 * import type { DatasetAccessEvent } from "provenance-ledger";
 * const event: DatasetAccessEvent = { actor: "data-eng@acme.example", action: "transformed", at: "2026-10-03T09:12:00Z", purpose: "PII redaction" };
 */
export type DatasetAccessEvent = {
  /** Who acted: a person, team or service account. */
  readonly actor: string;
  /** What was done. */
  readonly action: DatasetAccessAction;
  /** RFC 3339 UTC time of the event. */
  readonly at: string;
  /** Why, in words. */
  readonly purpose?: string;
};

/**
 * A dataset predicate: where the data came from, under which licence and consent, whether it
 * holds personal data, and who did what with it.
 *
 * @example
 * import { parseDatasetPredicate, type DatasetPredicate } from "provenance-ledger";
 * const dataset: DatasetPredicate = parseDatasetPredicate(statement.predicate);
 */
export type DatasetPredicate = {
  /** The dataset's name, e.g. `acme/support-tickets`. */
  readonly name: string;
  /** The dataset's version, e.g. `2026-10`. */
  readonly version?: string;
  /** What the data is and what it is for. */
  readonly description?: string;
  /** Where the data came from. */
  readonly source: DatasetSource;
  /** Shape of the data the subject digest covers. */
  readonly content: DatasetContent;
  /** Terms of use. */
  readonly licence: DatasetLicence;
  /** Consent documents, by hash, when the data rests on consent. */
  readonly consent?: readonly DatasetConsent[];
  /** Whether the data contains personal data (GDPR Art. 4(1)). */
  readonly personalData: boolean;
  /** Access log, oldest first. */
  readonly accessEvents: readonly DatasetAccessEvent[];
};

/**
 * Parameters of {@link createDatasetPredicate}: the predicate's fields, with times as `Date`.
 *
 * @example
 * import type { CreateDatasetPredicateParameters } from "provenance-ledger";
 * const event: CreateDatasetPredicateParameters["accessEvents"][number] = { actor: "crawler", action: "collected", at: new Date() };
 */
export type CreateDatasetPredicateParameters = {
  /** `name`. */
  readonly name: string;
  /** `version`. */
  readonly version?: string;
  /** `description`. */
  readonly description?: string;
  /** `source`, with `collectedAt` as a Date. */
  readonly source: Omit<DatasetSource, "collectedAt"> & { readonly collectedAt?: Date };
  /** `content`. */
  readonly content: DatasetContent;
  /** `licence`. */
  readonly licence: DatasetLicence;
  /** `consent`. */
  readonly consent?: readonly DatasetConsent[];
  /** `personalData`. */
  readonly personalData: boolean;
  /** `accessEvents`, oldest first, with `at` as a Date. */
  readonly accessEvents: readonly (Omit<DatasetAccessEvent, "at"> & { readonly at: Date })[];
};

/**
 * Errors of {@link parseDatasetPredicate} and {@link createDatasetPredicate}.
 *
 * @example
 * import { InputError, type ParseDatasetPredicateErrorType } from "provenance-ledger";
 * try { parseDatasetPredicate(json) } catch (e) { if (e instanceof InputError) console.error(e.path); }
 */
export type ParseDatasetPredicateErrorType = InputError;

const CODE = "INVALID_PREDICATE";
const MAX_ACCESS_EVENTS = 10_000;

/**
 * Builds a dataset predicate from typed parameters and validates it with
 * {@link parseDatasetPredicate}, so nothing invalid can be created.
 *
 * @example
 * import { createDatasetPredicate } from "provenance-ledger";
 * const predicate = createDatasetPredicate({
 *   name: "acme/support-tickets",
 *   source: { uri: "s3://acme-support/tickets/2026/", collectedAt: new Date("2026-10-01T00:00:00Z") },
 *   content: { kind: "directory", files: 12_400, size: 3_221_225_472 },
 *   licence: { spdxId: "LicenseRef-acme-internal" },
 *   personalData: true,
 *   accessEvents: [{ actor: "ingest-service", action: "collected", at: new Date("2026-10-01T00:00:00Z") }],
 * });
 */
export function createDatasetPredicate(parameters: CreateDatasetPredicateParameters): DatasetPredicate {
  const { source, accessEvents } = parameters;
  return parseDatasetPredicate({
    ...parameters,
    source: { ...source, collectedAt: source.collectedAt === undefined ? undefined : timestamp(source.collectedAt) },
    accessEvents: accessEvents.map((event) => ({ ...event, at: timestamp(event.at) })),
  });
}

/**
 * Validates untrusted JSON as a dataset predicate and returns a fresh copy holding only the
 * checked fields. Errors are `InputError` `INVALID_PREDICATE` naming the field
 * (`predicate.accessEvents[3].at`). Beyond types and formats it enforces: unknown fields are
 * refused; a `file` has exactly one file; the licence has an `spdxId` (a valid SPDX licence
 * expression) or a `document`; digests of documents include `sha256`; access events are in time
 * order (equal times allowed).
 *
 * @example
 * import { parseJson, parseDatasetPredicate } from "provenance-ledger";
 * const dataset = parseDatasetPredicate(parseJson(text));
 * if (dataset.personalData && !dataset.consent) console.warn("personal data without consent documents");
 */
export function parseDatasetPredicate(value: unknown, path = "predicate"): DatasetPredicate {
  const o = expectObject(value, path, CODE, {
    required: ["name", "source", "content", "licence", "personalData", "accessEvents"],
    allowed: ["version", "description", "consent"],
  });
  const name = expectName(o.name, `${path}.name`, CODE, { max: 256 });
  const version = o.version === undefined ? undefined : expectString(o.version, `${path}.version`, CODE, { max: 128 });
  const description = o.description === undefined ? undefined : expectString(o.description, `${path}.description`, CODE);
  return {
    name,
    ...(version === undefined ? {} : { version }),
    ...(description === undefined ? {} : { description }),
    source: parseSource(o.source, `${path}.source`),
    content: parseContent(o.content, `${path}.content`),
    licence: parseLicence(o.licence, `${path}.licence`),
    ...(o.consent === undefined ? {} : { consent: parseConsent(o.consent, `${path}.consent`) }),
    personalData: expectBoolean(o.personalData, `${path}.personalData`, CODE),
    accessEvents: parseAccessEvents(o.accessEvents, `${path}.accessEvents`),
  };
}

function parseSource(value: unknown, path: string): DatasetSource {
  const o = expectObject(value, path, CODE, { required: ["uri"], allowed: ["collectedFrom", "collectedAt"] });
  return {
    uri: expectUri(o.uri, `${path}.uri`, CODE),
    ...(o.collectedFrom === undefined ? {} : { collectedFrom: expectString(o.collectedFrom, `${path}.collectedFrom`, CODE, { max: 1024 }) }),
    ...(o.collectedAt === undefined ? {} : { collectedAt: expectTimestamp(o.collectedAt, `${path}.collectedAt`, CODE) }),
  };
}

function parseContent(value: unknown, path: string): DatasetContent {
  const o = expectObject(value, path, CODE, { required: ["kind", "files", "size"], allowed: [] });
  const kind = expectOneOf(o.kind, `${path}.kind`, CODE, ["file", "directory"]);
  const files = expectInteger(o.files, `${path}.files`, CODE, 1);
  if (kind === "file" && files !== 1) invalid(CODE, `a file is 1 file, got ${files}`, `${path}.files`);
  return { kind, files, size: expectInteger(o.size, `${path}.size`, CODE) };
}

function parseLicence(value: unknown, path: string): DatasetLicence {
  const o = expectObject(value, path, CODE, { allowed: ["spdxId", "name", "document"] });
  if (o.spdxId === undefined && o.document === undefined) invalid(CODE, "a licence needs spdxId or document (or both)", path);
  let spdxId: string | undefined;
  if (o.spdxId !== undefined) {
    spdxId = expectString(o.spdxId, `${path}.spdxId`, CODE, { max: 512 });
    if (!isSpdxExpression(spdxId)) invalid(CODE, "must be an SPDX licence identifier or expression such as MIT, CC-BY-4.0 or Apache-2.0 OR MIT", `${path}.spdxId`);
  }
  let document: DatasetDocument | undefined;
  if (o.document !== undefined) {
    document = parseDocument(expectObject(o.document, `${path}.document`, CODE, { required: ["name", "digest"], allowed: [] }), `${path}.document`);
  }
  return {
    ...(spdxId === undefined ? {} : { spdxId }),
    ...(o.name === undefined ? {} : { name: expectName(o.name, `${path}.name`, CODE, { max: 256 }) }),
    ...(document === undefined ? {} : { document }),
  };
}

function parseConsent(value: unknown, path: string): DatasetConsent[] {
  return expectArray(value, path, CODE, 1, 1000).map((item, i) => {
    const p = `${path}[${i}]`;
    const o = expectObject(item, p, CODE, { required: ["name", "digest"], allowed: ["scope"] });
    const document = parseDocument(o, p);
    return o.scope === undefined ? document : { ...document, scope: expectString(o.scope, `${p}.scope`, CODE, { max: 1024 }) };
  });
}

/** `name` and `digest` of an object whose keys were already checked. */
function parseDocument(o: Record<string, unknown>, path: string): DatasetDocument {
  return {
    name: expectName(o.name, `${path}.name`, CODE, { max: 256 }),
    digest: expectDigestSet(o.digest, `${path}.digest`, CODE, true) as DatasetDocument["digest"],
  };
}

function parseAccessEvents(value: unknown, path: string): DatasetAccessEvent[] {
  const events: DatasetAccessEvent[] = [];
  for (const [i, item] of expectArray(value, path, CODE, 1, MAX_ACCESS_EVENTS).entries()) {
    const p = `${path}[${i}]`;
    const o = expectObject(item, p, CODE, { required: ["actor", "action", "at"], allowed: ["purpose"] });
    const at = expectTimestamp(o.at, `${p}.at`, CODE);
    const previous = events[i - 1];
    if (previous !== undefined && compareTimestamps(at, previous.at) < 0)
      invalid(CODE, `events are listed oldest first; this one is before ${path}[${i - 1}] (${previous.at})`, `${p}.at`);
    events.push({
      actor: expectString(o.actor, `${p}.actor`, CODE, { max: 256 }),
      action: expectOneOf(o.action, `${p}.action`, CODE, DATASET_ACCESS_ACTIONS),
      at,
      ...(o.purpose === undefined ? {} : { purpose: expectString(o.purpose, `${p}.purpose`, CODE, { max: 1024 }) }),
    });
  }
  return events;
}
