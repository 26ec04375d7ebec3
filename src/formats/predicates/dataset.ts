import type { InputError } from "../../core/errors/input.js";
import { parsePredicate } from "./fields.js";
import { type Spec, s } from "../../core/spec/spec.js";
import { isSpdxExpression } from "../../core/spec/spdxExpression.js";
import { compareTimestamps, timestamp } from "../../core/validate.js";

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

const MAX_ACCESS_EVENTS = 10_000;
// The characters an SPDX licence expression is made of, for the schema; the grammar is the parser's (isSpdxExpression).
const SPDX_CHARACTERS = "^[A-Za-z0-9.+:()-]+(?: [A-Za-z0-9.+:()-]+)*$";

const documentSpec = s.object({ name: s.name(256), digest: s.sha256DigestSet() });

/** The dataset predicate's spec: parser, `schemas/predicates/dataset-v1.schema.json` and the docs table. */
export const datasetSpec = s.object({
  name: s.name(256).describe("e.g. `acme/claims-tickets`"),
  version: s.optional(s.string({ max: 128 }).describe("e.g. `2026-10`")),
  description: s.optional(s.string().describe("what the data is and is for")),
  source: s.object({
    uri: s.uri().describe("where the data was obtained"),
    collectedFrom: s.optional(s.string({ max: 1024 }).describe("whom or what it was collected from, in words")),
    collectedAt: s.optional(s.timestamp().describe("time of collection or snapshot")),
  }),
  content: s
    .object({
      kind: s.literal("file", "directory").describe("how the subject digest was computed"),
      files: s.integer(1).describe("number of files; 1 for a file"),
      size: s.integer().describe("total bytes"),
    })
    .refine((c, fail) => c.kind === "file" && c.files !== 1 && fail(".files", `a file is 1 file, got ${c.files}`), {
      schema: { if: { properties: { kind: { const: "file" } } }, then: { properties: { files: { const: 1 } } } },
    }),
  licence: s
    .object({
      spdxId: s.optional(
        s
          .string({ max: 512 })
          .refine(
            (id, fail) => isSpdxExpression(id) || fail("", "must be an SPDX licence identifier or expression such as MIT, CC-BY-4.0 or Apache-2.0 OR MIT"),
            {
              schema: { pattern: SPDX_CHARACTERS },
              doc: "an SPDX licence expression (SPDX 2.3 Annex D; the schema checks its characters only)",
            },
          )
          .describe("`CC-BY-4.0`, `MIT OR Apache-2.0`, `LicenseRef-acme-internal`"),
      ),
      name: s.optional(s.name(256).describe("human-readable licence or agreement name")),
      document: s.optional(documentSpec.describe("the licence or agreement text, by hash")),
    })
    .refine((l, fail) => l.spdxId === undefined && l.document === undefined && fail("", "a licence needs spdxId or document (or both)"), {
      schema: {
        anyOf: [
          { required: ["spdxId"], properties: { spdxId: true } },
          { required: ["document"], properties: { document: true } },
        ],
      },
    }),
  consent: s.optional(
    s
      .array(
        s.object({
          name: s.name(256).describe("what the document is, e.g. its file name"),
          digest: s.sha256DigestSet().describe("the document's digest"),
          scope: s.optional(s.string({ max: 1024 }).describe("what the consent covers, in words")),
        }),
        1,
        1000,
      )
      .describe("consent documents, by hash"),
  ),
  personalData: s.boolean().describe("whether the data contains personal data (GDPR Art. 4(1))"),
  accessEvents: s
    .array(
      s.object({
        actor: s.string({ max: 256 }).describe("who acted: a person, team or service account"),
        action: s.literal(...DATASET_ACCESS_ACTIONS).describe("what was done"),
        at: s.timestamp().describe("time of the event"),
        purpose: s.optional(s.string({ max: 1024 }).describe("why, in words")),
      }),
      1,
      MAX_ACCESS_EVENTS,
    )
    .describe("access log, oldest first")
    .refine(
      (events, fail, path) => {
        for (let i = 1; i < events.length; i++)
          if (compareTimestamps(events[i]!.at, events[i - 1]!.at) < 0)
            fail(`[${i}].at`, `events are listed oldest first; this one is before ${path}[${i - 1}] (${events[i - 1]!.at})`);
      },
      { doc: "in time order, equal times allowed (checked by the parser)" },
    ),
}) satisfies Spec<DatasetPredicate>;

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
  return parsePredicate(datasetSpec, value, path);
}
