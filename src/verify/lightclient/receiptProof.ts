// Receipts-trie proofs: a transaction's receipt, and so each of its logs, proven against a verified
// header's receiptsRoot. The trie maps RLP(transactionIndex) to the receipt's EIP-2718 encoding
// (legacy: RLP [status, cumulativeGasUsed, logsBloom, logs]; typed: type byte ‖ that RLP).
// Nodes without eth_getBlockReceipts (Hardhat's EDR) still give every receipt through
// eth_getTransactionReceipt, from which the prover rebuilds the block's trie.
import { LightClientError } from "../../core/errors/lightClient.js";
import { bigIntToBytes, bytesToHex, concatBytes, hexToBytes, type Hex } from "./bytes.js";
import { parseQuantity } from "./header.js";
import { type BuiltTrie, MAX_PROOF_NODES, buildMpt, verifyMptProof } from "./mpt.js";
import { decodeRlp, encodeRlp, rlpBytes, rlpList, rlpUint } from "./rlp.js";

/** A log as the receipt holds it. */
export type ProvenLog = { readonly address: Hex; readonly topics: readonly Hex[]; readonly data: Hex };

/** A receipt as the receipts trie holds it. */
export type ProvenReceipt = {
  /** EIP-2718 type: 0 legacy, 1 access list, 2 dynamic fee, 3 blob, 4 set code. */
  readonly type: number;
  /** 1 success, 0 reverted. */
  readonly status: 0 | 1;
  readonly cumulativeGasUsed: bigint;
  readonly logsBloom: Uint8Array;
  readonly logs: readonly ProvenLog[];
};

/** A receipt's place in its block's receipts trie and the proof nodes from the root down. */
export type ReceiptProof = { readonly transactionIndex: number; readonly proof: readonly Uint8Array[] };

const MAX_TYPE = 4;

/** The trie key of a transaction index: RLP(index). */
export function receiptKey(transactionIndex: number): Uint8Array {
  return encodeRlp(bigIntToBytes(BigInt(transactionIndex)));
}

/** A receipt's EIP-2718 encoding, the value stored in the receipts trie. */
export function encodeReceipt(receipt: ProvenReceipt): Uint8Array {
  const payload = encodeRlp([
    receipt.status === 1 ? Uint8Array.of(1) : new Uint8Array(0),
    bigIntToBytes(receipt.cumulativeGasUsed),
    receipt.logsBloom,
    receipt.logs.map((log) => [
      hexToBytes(log.address, "receipt-proof", "log.address", 20),
      log.topics.map((t) => hexToBytes(t, "receipt-proof", "log.topic", 32)),
      hexToBytes(log.data, "receipt-proof", "log.data"),
    ]),
  ]);
  return receipt.type === 0 ? payload : concatBytes(Uint8Array.of(receipt.type), payload);
}

/** Decodes a receipt's EIP-2718 encoding strictly (the verifier side). */
export function decodeReceipt(encoded: Uint8Array, field = "receipt"): ProvenReceipt {
  if (encoded.length === 0) throw new LightClientError("receipt-proof", "empty receipt", { field });
  let type = 0;
  let payload = encoded;
  if (encoded[0]! < 0x80) {
    type = encoded[0]!;
    if (type < 1 || type > MAX_TYPE) throw new LightClientError("receipt-proof", `unknown receipt type ${type}`, { field: `${field}.type` });
    payload = encoded.subarray(1);
  } else if (encoded[0]! < 0xc0) throw new LightClientError("receipt-proof", "neither a typed receipt nor an RLP list", { field });
  const items = rlpList(decodeRlp(payload, "receipt-proof", field), "receipt-proof", field);
  if (items.length !== 4) throw new LightClientError("receipt-proof", `a receipt has 4 fields, not ${items.length}`, { field });
  const statusBytes = rlpBytes(items[0], "receipt-proof", `${field}.status`);
  // Pre-Byzantium receipts carry a 32-byte state root instead of a status: not QBFT, refused.
  if (statusBytes.length > 1 || (statusBytes.length === 1 && statusBytes[0] !== 1))
    throw new LightClientError("receipt-proof", "status is neither 1 nor empty (0)", { field: `${field}.status` });
  const logItems = rlpList(items[3]!, "receipt-proof", `${field}.logs`);
  const logs = logItems.map((item, i): ProvenLog => {
    const logField = `${field}.logs[${i}]`;
    const parts = rlpList(item, "receipt-proof", logField);
    if (parts.length !== 3) throw new LightClientError("receipt-proof", `a log has 3 fields, not ${parts.length}`, { field: logField });
    const topics = rlpList(parts[1]!, "receipt-proof", `${logField}.topics`);
    if (topics.length > 4) throw new LightClientError("receipt-proof", `more than 4 topics`, { field: `${logField}.topics` });
    return {
      address: bytesToHex(rlpBytes(parts[0], "receipt-proof", `${logField}.address`, 20)),
      topics: topics.map((topic, t) => bytesToHex(rlpBytes(topic, "receipt-proof", `${logField}.topics[${t}]`, 32))),
      data: bytesToHex(rlpBytes(parts[2], "receipt-proof", `${logField}.data`)),
    };
  });
  return {
    type,
    status: statusBytes.length === 1 ? 1 : 0,
    cumulativeGasUsed: rlpUint(items[1], "receipt-proof", `${field}.cumulativeGasUsed`, 8),
    logsBloom: rlpBytes(items[2], "receipt-proof", `${field}.logsBloom`, 256),
    logs,
  };
}

/**
 * Verifies that the receipt of transaction `transactionIndex` is in the trie of a verified header's
 * `receiptsRoot`, and returns it decoded. A proof of absence is refused.
 *
 * @example
 * import { verifyReceiptProof } from "provenance-ledger/lightclient";
 * const receipt = verifyReceiptProof(verifiedHeader.receiptsRoot, proof);
 * const log = receipt.logs[0]; // address, topics and data, all proven
 */
export function verifyReceiptProof(receiptsRoot: Uint8Array, proof: ReceiptProof, field = "receiptProof"): ProvenReceipt {
  const { transactionIndex } = proof;
  if (!Number.isSafeInteger(transactionIndex) || transactionIndex < 0)
    throw new LightClientError("receipt-proof", "not a transaction index", { field: `${field}.transactionIndex` });
  if (proof.proof.length > MAX_PROOF_NODES) throw new LightClientError("receipt-proof", `more than ${MAX_PROOF_NODES} nodes`, { field: `${field}.proof` });
  const value = verifyMptProof(receiptsRoot, receiptKey(transactionIndex), proof.proof, "receipt-proof", `${field}.proof`);
  if (value === undefined)
    throw new LightClientError("receipt-proof", `proves that the block has no transaction ${transactionIndex}`, { field: `${field}.proof` });
  return decodeReceipt(value, `${field}.receipt`);
}

/**
 * Parses a receipt as `eth_getTransactionReceipt` returns it (hostile JSON, prover side) into the
 * fields the trie holds, with its transaction index.
 */
export function receiptFromRpc(json: unknown, field = "receipt"): ProvenReceipt & { readonly transactionIndex: number } {
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw new LightClientError("receipt-proof", "expected a receipt object", { field });
  const r = json as Record<string, unknown>;
  const type = r.type === undefined ? 0n : parseQuantity(r.type, `${field}.type`, "receipt-proof");
  if (type > BigInt(MAX_TYPE)) throw new LightClientError("receipt-proof", `unknown receipt type ${type}`, { field: `${field}.type` });
  const status = parseQuantity(r.status, `${field}.status`, "receipt-proof");
  if (status > 1n) throw new LightClientError("receipt-proof", "status is neither 0x0 nor 0x1", { field: `${field}.status` });
  if (!Array.isArray(r.logs)) throw new LightClientError("receipt-proof", "expected an array", { field: `${field}.logs` });
  const logs = r.logs.map((log: unknown, i: number): ProvenLog => {
    const l = (log ?? {}) as Record<string, unknown>;
    const logField = `${field}.logs[${i}]`;
    if (!Array.isArray(l.topics)) throw new LightClientError("receipt-proof", "expected an array", { field: `${logField}.topics` });
    return {
      address: bytesToHex(hexToBytes(l.address, "receipt-proof", `${logField}.address`, 20)),
      topics: l.topics.map((t: unknown, k: number) => bytesToHex(hexToBytes(t, "receipt-proof", `${logField}.topics[${k}]`, 32))),
      data: bytesToHex(hexToBytes(l.data, "receipt-proof", `${logField}.data`)),
    };
  });
  const transactionIndex = parseQuantity(r.transactionIndex, `${field}.transactionIndex`, "receipt-proof");
  return {
    type: Number(type),
    status: status === 1n ? 1 : 0,
    cumulativeGasUsed: parseQuantity(r.cumulativeGasUsed, `${field}.cumulativeGasUsed`, "receipt-proof"),
    logsBloom: hexToBytes(r.logsBloom, "receipt-proof", `${field}.logsBloom`, 256),
    logs,
    transactionIndex: Number(transactionIndex),
  };
}

/**
 * Builds a block's receipts trie from all its receipts, which must be transactions 0..n-1 (prover
 * side). Its `root` must equal the block's receiptsRoot for the proofs to verify.
 */
export function buildReceiptsTrie(receipts: readonly (ProvenReceipt & { readonly transactionIndex: number })[]): BuiltTrie {
  const sorted = [...receipts].sort((a, b) => a.transactionIndex - b.transactionIndex);
  sorted.forEach((receipt, i) => {
    if (receipt.transactionIndex !== i)
      throw new LightClientError("receipt-proof", `receipts are not transactions 0..${sorted.length - 1} (missing or repeated index ${i})`, {
        field: "receipts",
      });
  });
  return buildMpt(sorted.map((receipt) => [receiptKey(receipt.transactionIndex), encodeReceipt(receipt)] as const));
}
