import { type DsseEnvelope, envelopeHash, parseEnvelope } from "./attestation/dsse.js";
import { statementOfEnvelope } from "./attestation/parseStatement.js";
import type { Statement } from "./attestation/statement.js";
import { expectObject } from "../core/validate.js";
import type { Hex } from "../core/hex.js";
import { recordLeaf } from "../merkle/leaf.js";
import { type ProvenanceRecord, parseRecord, recordHash } from "./record.js";

/**
 * What the ledger anchors: a plain record (`provenance-record-v1`) or a signed attestation (a
 * DSSE envelope carrying an in-toto statement). An attestation's `statement` is derived from its
 * envelope when parsed; only the envelope is stored or exchanged.
 */
export type LedgerEntry =
  | { readonly kind: "record"; readonly record: ProvenanceRecord }
  | { readonly kind: "attestation"; readonly envelope: DsseEnvelope; readonly statement: Statement };

/**
 * Parses untrusted JSON as an entry: an object with `payloadType` is an envelope (fully checked:
 * shape, base64, strict payload JSON, statement, predicate), anything else a record.
 */
export function parseEntry(value: unknown, path = "entry"): LedgerEntry {
  const o = expectObject(value, path, "INVALID_RECORD");
  if ("payloadType" in o) {
    const envelope = parseEnvelope(value, path);
    return { kind: "attestation", envelope, statement: statementOfEnvelope(envelope, path) };
  }
  return { kind: "record", record: parseRecord(value, path) };
}

/** An entry for a parsed envelope. */
export function attestationEntry(envelope: DsseEnvelope): LedgerEntry {
  const checked = parseEnvelope(envelope);
  return { kind: "attestation", envelope: checked, statement: statementOfEnvelope(checked) };
}

/** The JSON value stored and exchanged for an entry: the record, or the envelope. */
export function entryJson(entry: LedgerEntry): ProvenanceRecord | DsseEnvelope {
  return entry.kind === "record" ? entry.record : entry.envelope;
}

/** The entry's id: SHA-256 of its canonical JSON (the record, or the whole envelope). */
export function entryHash(entry: LedgerEntry): Hex {
  return entry.kind === "record" ? recordHash(entry.record) : envelopeHash(entry.envelope);
}

/** The SHA-256 the leaf binds: the record's subject, or the statement's first subject. */
export function entrySubjectSha256(entry: LedgerEntry): string {
  return entry.kind === "record" ? entry.record.subject.digest.sha256 : entry.statement.subject[0]!.digest.sha256;
}

/** Every subject SHA-256 of the entry (a statement may have several). */
export function entrySubjects(entry: LedgerEntry): string[] {
  return entry.kind === "record" ? [entry.record.subject.digest.sha256] : entry.statement.subject.map((s) => s.digest.sha256);
}

/** A short human description: `model-registered acme/detector@1.0.0` or the predicate type. */
export function describeEntry(entry: LedgerEntry): string {
  if (entry.kind === "record") return `${entry.record.type} ${entry.record.subject.name}@${entry.record.subject.version}`;
  return `${entry.statement.predicateType} about ${entry.statement.subject.map((s) => s.name).join(", ")}`;
}

/**
 * The Merkle leaf: `recordLeaf(subject sha256, entry hash)`, the same rule for both kinds.
 * `hash`: the entry's {@link entryHash} when the caller has just computed it from this same entry
 * (a verifier that hashed the envelope it checked), so it is not computed twice.
 */
export function leafOfEntry(entry: LedgerEntry, hash: Hex = entryHash(entry)): Hex {
  return recordLeaf(`0x${entrySubjectSha256(entry)}`, hash);
}
