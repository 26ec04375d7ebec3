import { type DsseEnvelope, IN_TOTO_PAYLOAD_TYPE, MAX_PAYLOAD_BYTES, MAX_SIGNATURE_BASE64, MAX_SIGNATURES, parseEnvelope } from "./attestation/dsse.js";
import { statementOfEnvelope } from "./attestation/parseStatement.js";
import type { LedgerEntry } from "./entry.js";
import { KEYID, MAX_KEYID_LENGTH, UINT32_MAX } from "../core/validate.js";
import type { Hex } from "../core/hex.js";
import { parseJson } from "../core/parseJson.js";
import { schemaOf } from "../core/spec/jsonSchema.js";
import { type Infer, parseSpec, type Spec, s } from "../core/spec/spec.js";
import { type ProvenanceRecord, parseRecord } from "./record.js";

/** The `format` of a v1 receipt. Loaders refuse any other. */
export const RECEIPT_FORMAT = "provenance-receipt-v1";

/** Longest proof accepted: a tree of 2^64 leaves. Anything longer is hostile. */
export const MAX_PROOF_LENGTH = 64;

const anchorSpec = s.object({
  chainId: s.integer(1),
  registry: s.hex(20),
  orgId: s.integer(1, UINT32_MAX),
  sequence: s.integer(1),
  txHash: s.hex(),
  blockNumber: s.integer(),
  blockHash: s.hex(),
  timestamp: s.integer().describe("Block timestamp, Unix seconds."),
});

/**
 * Where and by whom a batch root was anchored, as claimed by the receipt. A verifier checks
 * every field against the chain and never trusts `chainId` or `registry` from here: they
 * must equal the values the verifier pinned. `timestamp` is the block's, Unix seconds.
 */
export type ReceiptAnchor = Infer<typeof anchorSpec>;

const batchSpec = s.object({
  leafCount: s.integer(1, UINT32_MAX),
  metadataHash: s.hex().describe("SHA-256 of the batch metadata (canonical JSON), as anchored on chain."),
});

/** The batch the record was sealed in: its leaf count and `metadataHash`, SHA-256 of the batch metadata (canonical JSON) as anchored on chain. */
export type ReceiptBatch = Infer<typeof batchSpec>;

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
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

// parseEnvelope (formats/attestation/dsse.ts) checks an envelope with its own codes (WRONG_PAYLOAD_TYPE,
// INVALID_BASE64); this is its shape, for the receipt's JSON Schema.
const envelopeShape = s
  .object({
    payloadType: s.literal(IN_TOTO_PAYLOAD_TYPE),
    payload: s
      .string({ max: Math.ceil(MAX_PAYLOAD_BYTES / 3) * 4, pattern: BASE64 })
      .describe("The statement's bytes (we write its RFC 8785 canonical JSON), at most 32 MiB decoded."),
    signatures: s.array(
      s.object({
        keyid: s
          .string({ max: MAX_KEYID_LENGTH, pattern: KEYID })
          .describe(
            "A lower-case 0x Ethereum address (secp256k1) or sha256:<hex SHA-256 of the SPKI DER public key> (ed25519, P-256); parsers refuse any other keyid (docs/attestations.md, Keyids).",
          ),
        sig: s
          .string({ max: MAX_SIGNATURE_BASE64, pattern: BASE64 })
          .describe("secp256k1: 65 bytes r‖s‖v over SHA-256(PAE); ed25519: 64 bytes; P-256: ASN.1 DER ECDSA over SHA-256(PAE)."),
      }),
      1,
      MAX_SIGNATURES,
    ),
  })
  .describe(
    "A signed attestation: the whole envelope is the anchored entry. Exactly one of record and envelope. A DSSE envelope v1 (JSON serialisation) carrying an in-toto Statement v1: each signature covers the DSSE pre-authentication encoding of payloadType and the decoded payload. A keyid signs at most once (a rule JSON Schema cannot state; parsers enforce it). The statement in the payload, and its predicate, are checked by the parsers and by schemas/predicates/. Base64 is standard and padded (RFC 4648 §4); parsers also refuse non-zero padding bits, so one value has exactly one encoding.",
  );

/**
 * The receipt's spec: parser and `schemas/receipt-v1.schema.json`. Its type has `record` and `envelope`
 * both optional; the refinement makes it exactly one of them, what {@link Receipt} says.
 */
export const receiptSpec = s
  .object({
    format: s.format("receipt", RECEIPT_FORMAT),
    record: s.optional(
      s
        .custom((value, path) => parseRecord(value, path), { oneOf: [{ $ref: "record-v2.schema.json" }, { $ref: "record-v1.schema.json" }] }, "record")
        .describe("A plain record (v2, or a v1 one: still read, refused by verifiers). Exactly one of record and envelope."),
    ),
    envelope: s.optional(s.custom((value, path) => attestationOf(value, path).envelope, schemaOf(envelopeShape), "DSSE envelope")),
    leaf: s
      .hex()
      .describe(
        "keccak256(keccak256(abi.encode(bytes32 subject sha256, bytes32 entry hash))); a record's entry hash is sha256(JCS(record)) with its subject, an envelope's is sha256(JCS(envelope)) with the statement's first subject.",
      ),
    proof: s.array(s.hex(), 0, MAX_PROOF_LENGTH).describe("Sibling hashes from the leaf to the root; sorted-pair keccak256 (OpenZeppelin MerkleProof)."),
    root: s.hex(),
    batch: batchSpec,
    anchor: anchorSpec,
  })
  .refine((r, fail) => (r.record === undefined) === (r.envelope === undefined) && fail(".record", "a receipt carries exactly one of record or envelope"), {
    schema: {
      oneOf: [
        { type: "object", properties: { record: true }, required: ["record"] },
        { type: "object", properties: { envelope: true }, required: ["envelope"] },
      ],
    },
  }) satisfies Spec<Omit<Receipt, "record" | "envelope"> & { readonly record?: ProvenanceRecord; readonly envelope?: DsseEnvelope }>;

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
  return parseSpec(receiptSpec, typeof input === "string" ? parseJson(input, "receipt") : input, "receipt", CODE) as Receipt;
}

/** The entry a receipt is about, re-parsed (an envelope's statement derived again). */
export function receiptEntry(receipt: Receipt): LedgerEntry {
  return receipt.record !== undefined ? { kind: "record", record: parseRecord(receipt.record, "receipt.record") } : attestationOf(receipt.envelope);
}

function attestationOf(envelope: unknown, path = "receipt.envelope"): Extract<LedgerEntry, { kind: "attestation" }> {
  const checked = parseEnvelope(envelope, path);
  return { kind: "attestation", envelope: checked, statement: statementOfEnvelope(checked, path) };
}

/** The `record` or `envelope` field of a receipt for `entry`. */
export function entryField(entry: LedgerEntry): ReceiptEntryField {
  return entry.kind === "record" ? { record: entry.record } : { envelope: entry.envelope };
}

/** The receipt as pretty JSON text (what `provenance receipt` writes). */
export function serializeReceipt(receipt: Receipt): string {
  return `${JSON.stringify(receipt, null, 2)}\n`;
}
