// Ethereum block headers: the RLP field list (up to Prague's 21 fields), from RPC JSON or RLP bytes.
// Every field of an RPC answer is hostile: each is parsed to its exact size and named on error.
import { LightClientError } from "../../core/errors/lightClient.js";
import { bigIntToBytes, bytesToHex, hexToBytes, keccak256, type Hex } from "./bytes.js";
import { decodeRlp, encodeRlp, rlpBytes, rlpList, rlpUint, type RlpItem } from "./rlp.js";

type FieldKind = { readonly bytes: number } | "uint" | "bytes";
type FieldSpec = readonly [key: string, jsonName: string, kind: FieldKind];

/** The header fields every chain has, in RLP order, with the RPC JSON name of each. */
const REQUIRED = [
  ["parentHash", "parentHash", { bytes: 32 }],
  ["ommersHash", "sha3Uncles", { bytes: 32 }],
  ["coinbase", "miner", { bytes: 20 }],
  ["stateRoot", "stateRoot", { bytes: 32 }],
  ["transactionsRoot", "transactionsRoot", { bytes: 32 }],
  ["receiptsRoot", "receiptsRoot", { bytes: 32 }],
  ["logsBloom", "logsBloom", { bytes: 256 }],
  ["difficulty", "difficulty", "uint"],
  ["number", "number", "uint"],
  ["gasLimit", "gasLimit", "uint"],
  ["gasUsed", "gasUsed", "uint"],
  ["timestamp", "timestamp", "uint"],
  ["extraData", "extraData", "bytes"],
  ["mixHash", "mixHash", { bytes: 32 }],
  ["nonce", "nonce", { bytes: 8 }],
] as const satisfies readonly FieldSpec[];
/** The forks' additions, present in order: London, Shanghai, Cancun (three), Prague. */
const FORK_ADDITIONS = [
  ["baseFeePerGas", "baseFeePerGas", "uint"],
  ["withdrawalsRoot", "withdrawalsRoot", { bytes: 32 }],
  ["blobGasUsed", "blobGasUsed", "uint"],
  ["excessBlobGas", "excessBlobGas", "uint"],
  ["parentBeaconBlockRoot", "parentBeaconBlockRoot", { bytes: 32 }],
  ["requestsHash", "requestsHash", { bytes: 32 }],
] as const satisfies readonly FieldSpec[];
type ValueOf<Kind> = Kind extends "uint" ? bigint : Uint8Array;

/** A decoded block header: the fields of the tables above (one declaration for type, parser and encoder). */
export type BlockHeader = { readonly [F in (typeof REQUIRED)[number] as F[0]]: ValueOf<F[2]> } & {
  readonly [F in (typeof FORK_ADDITIONS)[number] as F[0]]?: ValueOf<F[2]> | undefined;
};

/** Every header field in RLP order. */
const FIELDS: readonly (readonly [keyof BlockHeader, string, FieldKind])[] = [...REQUIRED, ...FORK_ADDITIONS];
const REQUIRED_FIELDS = REQUIRED.length;
/** Longer than any header of a live chain; keeps a hostile extraData from costing memory and time. */
const MAX_EXTRA_DATA = 64 * 1024;
const QUANTITY = /^0x(0|[1-9a-fA-F][0-9a-fA-F]*)$/;

/** A JSON-RPC quantity (0x, no leading zeros) as a bigint; `field` names it on error. */
export function parseQuantity(value: unknown, field: string, check: "header" | "receipt-proof" | "account-proof" | "storage-proof" = "header"): bigint {
  if (typeof value !== "string" || !QUANTITY.test(value) || value.length > 66)
    throw new LightClientError(check, "expected a JSON-RPC quantity (0x-prefixed hex, no leading zeros, at most 256 bits)", { field });
  return BigInt(value);
}

/**
 * Parses a block as `eth_getBlockByNumber` / `eth_getBlockByHash` return it (hostile JSON) into a
 * header. Other members (hash, size, transactions) are ignored: the hash is computed, never read.
 *
 * @example
 * import { headerFromRpc, qbftBlockHash } from "provenance-ledger/lightclient";
 * const header = headerFromRpc(await rpc("eth_getBlockByNumber", ["0x1", false]));
 */
export function headerFromRpc(block: unknown, field = "block"): BlockHeader {
  if (typeof block !== "object" || block === null || Array.isArray(block)) throw new LightClientError("header", "expected a block object", { field });
  const json = block as Record<string, unknown>;
  const header: Record<string, unknown> = {};
  let missingFrom: string | undefined;
  FIELDS.forEach(([key, jsonName, kind], index) => {
    const value = json[jsonName];
    if (value === undefined || value === null) {
      if (index < REQUIRED_FIELDS) throw new LightClientError("header", "missing", { field: `${field}.${jsonName}` });
      missingFrom ??= jsonName;
      return;
    }
    if (missingFrom !== undefined)
      throw new LightClientError("header", `present while the earlier fork field ${missingFrom} is absent`, { field: `${field}.${jsonName}` });
    header[key] =
      kind === "uint"
        ? parseQuantity(value, `${field}.${jsonName}`)
        : hexToBytes(value, "header", `${field}.${jsonName}`, kind === "bytes" ? undefined : kind.bytes);
  });
  if ((header.extraData as Uint8Array).length > MAX_EXTRA_DATA)
    throw new LightClientError("header", `longer than ${MAX_EXTRA_DATA} bytes`, { field: `${field}.extraData` });
  return header as BlockHeader;
}

/** The header's RLP field list (the optional fields up to the last one present). */
export function headerFields(header: BlockHeader): RlpItem[] {
  const items: RlpItem[] = [];
  let missingFrom: string | undefined;
  for (const [key, jsonName, kind] of FIELDS) {
    const value = header[key];
    if (value === undefined) {
      missingFrom ??= jsonName;
      continue;
    }
    if (missingFrom !== undefined) throw new LightClientError("header", `present while the earlier fork field ${missingFrom} is absent`, { field: jsonName });
    items.push(kind === "uint" ? bigIntToBytes(value as bigint) : (value as Uint8Array));
  }
  return items;
}

/** The header's RLP encoding. */
export function encodeHeader(header: BlockHeader): Uint8Array {
  return encodeRlp(headerFields(header));
}

/** keccak256 of the header's RLP: the block hash of an ordinary (non-BFT) chain, or of a BFT genesis. */
export function plainBlockHash(header: BlockHeader): Uint8Array {
  return keccak256(encodeHeader(header));
}

/** Decodes a header from its canonical RLP (15 to 21 fields), naming the bad field on error. */
export function decodeHeader(bytes: Uint8Array, field = "header"): BlockHeader {
  const items = rlpList(decodeRlp(bytes, "header", field), "header", field);
  if (items.length < REQUIRED_FIELDS || items.length > FIELDS.length)
    throw new LightClientError("header", `expected ${REQUIRED_FIELDS} to ${FIELDS.length} fields, got ${items.length}`, { field });
  const header: Record<string, unknown> = {};
  items.forEach((item, index) => {
    const [key, jsonName, kind] = FIELDS[index]!;
    const name = `${field}.${jsonName}`;
    header[key] = kind === "uint" ? rlpUint(item, "header", name) : rlpBytes(item, "header", name, kind === "bytes" ? undefined : kind.bytes);
  });
  if ((header.extraData as Uint8Array).length > MAX_EXTRA_DATA)
    throw new LightClientError("header", `longer than ${MAX_EXTRA_DATA} bytes`, { field: `${field}.extraData` });
  return header as BlockHeader;
}

/** The header as RPC JSON (the inverse of `headerFromRpc`, without `hash`). */
export function headerToRpc(header: BlockHeader): Record<string, Hex> {
  const out: Record<string, Hex> = {};
  for (const [key, jsonName, kind] of FIELDS) {
    const value = header[key];
    if (value === undefined) continue;
    out[jsonName] = kind === "uint" ? (`0x${(value as bigint).toString(16)}` as Hex) : bytesToHex(value as Uint8Array);
  }
  return out;
}
