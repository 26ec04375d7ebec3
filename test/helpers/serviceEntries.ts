// Entries for the service store, built as its ingest route builds them (src/service/http/entryRoutes.ts):
// a validated record of a one-file model, its canonical JSON body, SHA-256 id, subject digest and
// Merkle leaf. For the store, anchorer and restore-check tests and bench/service.ts, which write to a
// store without going through HTTP.
import { randomBytes } from "node:crypto";
import { type JsonValue, canonicalJson } from "../../src/core/canonicalJson.js";
import { type LedgerEntry, entryHash, entryJson, entrySubjectSha256, leafOfEntry } from "../../src/formats/entry.js";
import { createRecord } from "../../src/formats/record.js";
import type { NewEntry } from "../../src/service/store/serviceStore.js";

/** What {@link modelRecordEntry} varies; everything else is one file of one byte. */
export type ModelRecordParameters = {
  /** Subject name (default `m`). */
  readonly name?: string;
  /** Subject version (default `1`). */
  readonly version?: string;
  /** Subject digest (default: 32 random bytes, so that each call is a new entry). */
  readonly sha256?: string;
  /** Record type (default: createRecord's `model-registered`). */
  readonly type?: string;
  /** The record's free-form `fields`. */
  readonly fields?: { readonly [key: string]: JsonValue };
  /** The client's idempotency key. */
  readonly idempotencyKey?: string;
};

/** A record entry of a one-file model for organisation `orgId`, as the service stores it: a new entry each call unless `sha256` is given. */
export function modelRecordEntry(orgId: number, parameters: ModelRecordParameters = {}): NewEntry {
  const entry: LedgerEntry = {
    kind: "record",
    record: createRecord({
      ...(parameters.type === undefined ? {} : { type: parameters.type }),
      subject: {
        name: parameters.name ?? "m",
        version: parameters.version ?? "1",
        digest: { sha256: parameters.sha256 ?? randomBytes(32).toString("hex") },
        artifact: { kind: "file", hashing: "sha256", size: 1, files: 1 },
      },
      ...(parameters.fields === undefined ? {} : { fields: parameters.fields }),
    }),
  };
  return storedForm(orgId, entry, parameters.idempotencyKey);
}

/** `entry` as the service store takes it: canonical JSON body, SHA-256 id, subject digest and Merkle leaf. */
export function storedForm(orgId: number, entry: LedgerEntry, idempotencyKey?: string): NewEntry {
  return {
    orgId,
    kind: entry.kind,
    entryHash: entryHash(entry),
    leaf: leafOfEntry(entry),
    subjectSha256: entrySubjectSha256(entry),
    body: canonicalJson(entryJson(entry)),
    ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
  };
}
