// The safetensors header, pure: 8 bytes of little-endian u64 length N, then N bytes of UTF-8
// JSON `{ "__metadata__": {str: str}, "<tensor>": { "dtype", "shape", "data_offsets": [b, e] } }`
// (padded with spaces), then the data buffer, whose offsets are relative to its start. Every byte
// is hostile: the parser checks what the reference implementation checks (and names what failed).

import { ModelFormatError } from "../../core/errors/modelFormat.js";
import { parseJsonBytes } from "../../core/parseJson.js";
import { SAFETENSORS_DTYPES, type SafetensorsDtype } from "./dtype.js";

/** The largest header accepted, as in the reference implementation (100 MB). */
export const MAX_HEADER_SIZE = 100_000_000;

/** One tensor of a safetensors file. `begin`/`end` are absolute byte offsets in the file. */
export type TensorInfo = {
  readonly name: string;
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  /** Element count (product of the shape; 1 for a scalar). */
  readonly elements: number;
  /** Absolute file offset of the first byte. */
  readonly begin: number;
  /** Absolute file offset one past the last byte. */
  readonly end: number;
};

/** A parsed header: the tensors in data order, the metadata, and the header's own bytes. */
export type SafetensorsHeader = {
  readonly tensors: readonly TensorInfo[];
  readonly metadata: Readonly<Record<string, string>> | undefined;
  /** Where the data buffer starts: 8 + N. */
  readonly dataStart: number;
  /** The first 8 + N bytes of the file, verbatim (a rewrite that keeps dtypes and shapes reuses them). */
  readonly headerBytes: Uint8Array;
  /** Total file size the header was checked against. */
  readonly fileSize: number;
};

/**
 * Reads the header length from the first 8 bytes and checks it against the file size, before
 * anything else is read: a truncated prefix, a length over {@link MAX_HEADER_SIZE} or past the
 * end of the file are refused.
 */
export function parseHeaderLength(prefix: Uint8Array, fileSize: number, file?: string): number {
  const where = file === undefined ? {} : { file };
  if (prefix.byteLength < 8 || fileSize < 8)
    throw new ModelFormatError("TRUNCATED_HEADER", `the file is ${fileSize} bytes, shorter than the 8-byte header length`, where);
  const view = new DataView(prefix.buffer, prefix.byteOffset, 8);
  const n = view.getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_SIZE)) throw new ModelFormatError("HEADER_TOO_LARGE", `header length ${n} exceeds the ${MAX_HEADER_SIZE}-byte limit`, where);
  const length = Number(n);
  if (length < 2) throw new ModelFormatError("INVALID_HEADER", `header length ${length} is too short for a JSON object`, where);
  if (8 + length > fileSize) throw new ModelFormatError("TRUNCATED_HEADER", `header length ${length} runs past the end of the ${fileSize}-byte file`, where);
  return length;
}

/**
 * Parses and validates a header. `headerBytes` is the first 8 + N bytes of a file of `fileSize`
 * bytes. Checks: strict JSON object starting with `{` (duplicate keys refused), known dtypes,
 * shapes of non-negative integers, offsets whose span is exactly elements × dtype size, tensors
 * that neither overlap nor leave gaps, and a data buffer that ends exactly at the end of the file.
 *
 * @example
 * const header = parseSafetensorsHeader(first8PlusN, fileSize, "model.safetensors");
 * for (const t of header.tensors) console.log(t.name, t.dtype, t.shape);
 */
export function parseSafetensorsHeader(headerBytes: Uint8Array, fileSize: number, file?: string): SafetensorsHeader {
  const where = file === undefined ? {} : { file };
  const length = parseHeaderLength(headerBytes, fileSize, file);
  if (headerBytes.byteLength < 8 + length)
    throw new ModelFormatError("TRUNCATED_HEADER", `expected ${8 + length} header bytes, got ${headerBytes.byteLength}`, where);
  const json = headerBytes.subarray(8, 8 + length);
  if (json[0] !== 0x7b) throw new ModelFormatError("INVALID_HEADER", "the header does not start with '{'", where);
  let parsed: unknown;
  try {
    parsed = parseJsonBytes(json, "safetensors header");
  } catch (cause) {
    throw new ModelFormatError("INVALID_HEADER", `the header is not valid JSON: ${(cause as Error).message.split("\n")[0]}`, { ...where, cause });
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed))
    throw new ModelFormatError("INVALID_HEADER", "the header is not a JSON object", where);
  const dataStart = 8 + length;
  const dataSize = fileSize - dataStart;
  let metadata: Record<string, string> | undefined;
  const tensors: TensorInfo[] = [];
  for (const [name, entry] of Object.entries(parsed as Record<string, unknown>)) {
    const field = { ...where, field: JSON.stringify(name) };
    if (name === "__metadata__") {
      if (entry === null || typeof entry !== "object" || Array.isArray(entry))
        throw new ModelFormatError("INVALID_HEADER", "__metadata__ must be an object of strings", field);
      metadata = {};
      for (const [k, v] of Object.entries(entry as Record<string, unknown>)) {
        if (typeof v !== "string") throw new ModelFormatError("INVALID_HEADER", `__metadata__.${k} must be a string`, field);
        // defineProperty: a key "__proto__" is data (the reference implementation keeps it), never a prototype.
        Object.defineProperty(metadata, k, { value: v, enumerable: true, writable: true, configurable: true });
      }
      continue;
    }
    if (entry === null || typeof entry !== "object" || Array.isArray(entry))
      throw new ModelFormatError("INVALID_HEADER", "a tensor entry must be an object", field);
    const e = entry as Record<string, unknown>;
    for (const key of Object.keys(e))
      if (key !== "dtype" && key !== "shape" && key !== "data_offsets") throw new ModelFormatError("INVALID_HEADER", `unknown field "${key}"`, field);
    if (typeof e.dtype !== "string") throw new ModelFormatError("INVALID_HEADER", "dtype must be a string", field);
    if (!Object.hasOwn(SAFETENSORS_DTYPES, e.dtype))
      throw new ModelFormatError(
        "UNSUPPORTED_DTYPE",
        `unsupported dtype ${JSON.stringify(e.dtype).slice(0, 40)}; known: ${Object.keys(SAFETENSORS_DTYPES).join(", ")}`,
        field,
      );
    const dtype = e.dtype as SafetensorsDtype;
    if (!Array.isArray(e.shape) || e.shape.length > 16 || !e.shape.every((d) => typeof d === "number" && Number.isSafeInteger(d) && d >= 0))
      throw new ModelFormatError("INVALID_HEADER", "shape must be an array of at most 16 non-negative integers", field);
    const shape = e.shape as number[];
    const offsets = e.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => typeof o === "number" && Number.isSafeInteger(o) && o >= 0))
      throw new ModelFormatError("INVALID_HEADER", "data_offsets must be two non-negative integers", field);
    const [b, en] = offsets as [number, number];
    if (en < b) throw new ModelFormatError("INVALID_HEADER", `data_offsets [${b}, ${en}] end before they begin`, field);
    if (en > dataSize) throw new ModelFormatError("OFFSETS_PAST_END", `data_offsets [${b}, ${en}] run past the end of the ${dataSize}-byte data buffer`, field);
    let elements = 1;
    for (const d of shape) {
      elements *= d;
      if (!Number.isSafeInteger(elements)) throw new ModelFormatError("INVALID_HEADER", "the shape's element count overflows", field);
    }
    if (en - b !== elements * SAFETENSORS_DTYPES[dtype])
      throw new ModelFormatError(
        "INVALID_HEADER",
        `data_offsets span ${en - b} bytes, but shape [${shape.join(", ")}] of ${dtype} needs ${elements * SAFETENSORS_DTYPES[dtype]}`,
        field,
      );
    tensors.push({ name, dtype, shape, elements, begin: dataStart + b, end: dataStart + en });
  }
  tensors.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = dataStart;
  for (const t of tensors) {
    const field = { ...where, field: JSON.stringify(t.name) };
    if (t.begin < cursor)
      throw new ModelFormatError(
        "OVERLAPPING_OFFSETS",
        `data_offsets [${t.begin - dataStart}, ${t.end - dataStart}] overlap the previous tensor, which ends at ${cursor - dataStart}`,
        field,
      );
    if (t.begin > cursor)
      throw new ModelFormatError("INVALID_HEADER", `a gap of ${t.begin - cursor} bytes precedes this tensor's data; safetensors data is contiguous`, field);
    cursor = t.end;
  }
  if (cursor !== fileSize)
    throw new ModelFormatError("INVALID_HEADER", `the tensors end at byte ${cursor}, but the file has ${fileSize} bytes (trailing data)`, where);
  return { tensors, metadata, dataStart, headerBytes: headerBytes.subarray(0, dataStart), fileSize };
}

/** A tensor to serialise: its bytes are already in `dtype`, little-endian. */
export type TensorData = { readonly name: string; readonly dtype: SafetensorsDtype; readonly shape: readonly number[]; readonly data: Uint8Array };

/**
 * Serialises tensors into a whole safetensors file as the reference writer lays it out: tensors
 * in name order, the header padded with spaces to a multiple of 8 bytes, `__metadata__` first.
 *
 * @example
 * const bytes = serializeSafetensors([{ name: "w", dtype: "F32", shape: [2], data: new Uint8Array(8) }], { format: "pt" });
 */
export function serializeSafetensors(tensors: readonly TensorData[], metadata?: Readonly<Record<string, string>>): Uint8Array {
  const sorted = [...tensors].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  for (const t of sorted) {
    const size = t.shape.reduce((a, d) => a * d, 1) * SAFETENSORS_DTYPES[t.dtype];
    if (size !== t.data.byteLength)
      throw new ModelFormatError("INVALID_HEADER", `${t.data.byteLength} bytes do not match shape [${t.shape.join(", ")}] of ${t.dtype}`, { field: t.name });
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + size] };
    offset += size;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.byteLength / 8) * 8;
  const out = new Uint8Array(8 + padded + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.byteLength, 8 + padded);
  json = new Uint8Array(0);
  let at = 8 + padded;
  for (const t of sorted) {
    out.set(t.data, at);
    at += t.data.byteLength;
  }
  return out;
}

/**
 * Refuses PyTorch pickle checkpoints by their first bytes: a zip archive (`torch.save` since 1.6)
 * or a raw pickle stream (protocol 2 to 5). Unpickling runs arbitrary code, so they are never read.
 */
export function refusePickle(prefix: Uint8Array, file?: string): void {
  const zip = prefix[0] === 0x50 && prefix[1] === 0x4b && prefix[2] === 0x03 && prefix[3] === 0x04;
  const pickle = prefix[0] === 0x80 && prefix[1] !== undefined && prefix[1] >= 2 && prefix[1] <= 5;
  if (zip || pickle)
    throw new ModelFormatError(
      "PICKLE_REFUSED",
      "this is a PyTorch pickle checkpoint; loading one executes code, so it is refused: convert it to safetensors first (e.g. safetensors.torch.save_file)",
      file === undefined ? {} : { file },
    );
}
