import type { DsseEnvelope } from "./attestation/dsse.js";
import { parseEnvelope } from "./attestation/dsse.js";
import { statementOfEnvelope } from "./attestation/parseStatement.js";
import type { LedgerEntry } from "./entry.js";
import { invalid, unsupportedFormat } from "../core/errors/input.js";
import { expectInteger, expectObject, UINT32_MAX } from "../core/validate.js";
import { type Hex, parseAddress, parseHexBytes, typeName } from "../core/hex.js";
import { parseJson } from "../core/parseJson.js";
import { type ProvenanceRecord, parseRecord } from "./record.js";

/** The `format` of a v1 receipt. Loaders refuse any other. */
export const RECEIPT_FORMAT = "provenance-receipt-v1";

/** Longest proof accepted: a tree of 2^64 leaves. Anything longer is hostile. */
export const MAX_PROOF_LENGTH = 64;

/**
 * Where and by whom a batch root was anchored, as claimed by the receipt. A verifier checks
 * every field against the chain and never trusts `chainId` or `registry` from here: they
 * must equal the values the verifier pinned.
 */
export type ReceiptAnchor = {
  readonly chainId: number;
  readonly registry: Hex;
  readonly orgId: number;
  readonly sequence: number;
  readonly txHash: Hex;
  readonly blockNumber: number;
  readonly blockHash: Hex;
  /** Block timestamp, Unix seconds. */
  readonly timestamp: number;
};

/** The batch the record was sealed in. */
export type ReceiptBatch = {
  readonly leafCount: number;
  /** SHA-256 of the batch metadata (canonical JSON), as anchored on chain. */
  readonly metadataHash: Hex;
};

/**
 * A self-contained, offline-checkable proof that an entry was anchored (format
 * `provenance-receipt-v1`, schema `schemas/receipt-v1.schema.json`, docs/formats.md). The entry
 * is a plain `record` or a signed attestation's `envelope`: exactly one of the two.
 */
export type Receipt = ReceiptEntryField & {
  readonly format: typeof RECEIPT_FORMAT;
  readonly leaf: Hex;
  readonly proof: readonly Hex[];
  readonly root: Hex;
  readonly batch: ReceiptBatch;
  readonly anchor: ReceiptAnchor;
};

type ReceiptEntryField = { readonly record: ProvenanceRecord; readonly envelope?: never } | { readonly envelope: DsseEnvelope; readonly record?: never };

const CODE = "INVALID_RECEIPT";
const RECEIPT_KEYS = ["format", "leaf", "proof", "root", "batch", "anchor"];
const BATCH_KEYS = ["leafCount", "metadataHash"];
const ANCHOR_KEYS = ["chainId", "registry", "orgId", "sequence", "txHash", "blockNumber", "blockHash", "timestamp"];

/**
 * Parses a receipt from JSON text or an already-parsed value, treating every field as hostile:
 * unknown format versions, unknown fields, malformed or wrong-length hex, proofs longer than
 * {@link MAX_PROOF_LENGTH} and out-of-range numbers are refused with an {@link InputError}
 * that names the field. Parsing checks shape only; `verifyReceipt` checks meaning.
 *
 * @example
 * import { parseReceipt } from "provenance-ledger";
 * const receipt = parseReceipt(await readFile("model.receipt.json", "utf8"));
 */
export function parseReceipt(input: unknown): Receipt {
  let value = input;
  if (typeof input === "string") {
    value = parseJson(input, "receipt");
  }
  const o = expectObject(value, "receipt", CODE, { required: RECEIPT_KEYS, allowed: ["record", "envelope"] });
  if ((o.record === undefined) === (o.envelope === undefined)) invalid(CODE, "a receipt carries exactly one of record or envelope", "receipt.record");
  if (o.format !== RECEIPT_FORMAT) unsupportedFormat("receipt", o.format, `"${RECEIPT_FORMAT}"`, "receipt.format");
  if (!Array.isArray(o.proof)) invalid(CODE, `expected an array of bytes32, got ${typeName(o.proof)}`, "receipt.proof");
  if (o.proof.length > MAX_PROOF_LENGTH) invalid(CODE, `proof has ${o.proof.length} elements; at most ${MAX_PROOF_LENGTH} are accepted`, "receipt.proof");
  const batch = expectObject(o.batch, "receipt.batch", CODE, { required: BATCH_KEYS });
  const anchor = expectObject(o.anchor, "receipt.anchor", CODE, { required: ANCHOR_KEYS });
  return {
    format: RECEIPT_FORMAT,
    ...(o.record !== undefined ? { record: parseRecord(o.record, "receipt.record") } : { envelope: attestationOf(o.envelope).envelope }),
    leaf: parseHexBytes(o.leaf, "receipt.leaf"),
    proof: o.proof.map((element, i) => parseHexBytes(element, `receipt.proof[${i}]`)),
    root: parseHexBytes(o.root, "receipt.root"),
    batch: {
      leafCount: expectInteger(batch.leafCount, "receipt.batch.leafCount", CODE, 1, UINT32_MAX),
      metadataHash: parseHexBytes(batch.metadataHash, "receipt.batch.metadataHash"),
    },
    anchor: {
      chainId: expectInteger(anchor.chainId, "receipt.anchor.chainId", CODE, 1),
      registry: parseAddress(anchor.registry, "receipt.anchor.registry"),
      orgId: expectInteger(anchor.orgId, "receipt.anchor.orgId", CODE, 1, UINT32_MAX),
      sequence: expectInteger(anchor.sequence, "receipt.anchor.sequence", CODE, 1),
      txHash: parseHexBytes(anchor.txHash, "receipt.anchor.txHash"),
      blockNumber: expectInteger(anchor.blockNumber, "receipt.anchor.blockNumber", CODE, 0),
      blockHash: parseHexBytes(anchor.blockHash, "receipt.anchor.blockHash"),
      timestamp: expectInteger(anchor.timestamp, "receipt.anchor.timestamp", CODE, 0),
    },
  };
}

/** The entry a receipt is about, re-parsed (an envelope's statement derived again). */
export function receiptEntry(receipt: Receipt): LedgerEntry {
  return receipt.record !== undefined ? { kind: "record", record: parseRecord(receipt.record, "receipt.record") } : attestationOf(receipt.envelope);
}

function attestationOf(envelope: unknown): Extract<LedgerEntry, { kind: "attestation" }> {
  const checked = parseEnvelope(envelope, "receipt.envelope");
  return { kind: "attestation", envelope: checked, statement: statementOfEnvelope(checked, "receipt.envelope") };
}

/** The `record` or `envelope` field of a receipt for `entry`. */
export function entryField(entry: LedgerEntry): ReceiptEntryField {
  return entry.kind === "record" ? { record: entry.record } : { envelope: entry.envelope };
}

/** The receipt as pretty JSON text (what `provenance receipt` writes). */
export function serializeReceipt(receipt: Receipt): string {
  return `${JSON.stringify(receipt, null, 2)}\n`;
}
