// The I/O edge of safetensors: read a header, stream a tensor's bytes in chunks, rewrite a file
// (or a sharded model) tensor by tensor, and read a sharded model's index. Memory stays flat:
// at most one chunk per open file, whatever the model's size.

import { cp, mkdir, readdir, rename, rm } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { basename, dirname, join, relative } from "node:path";
import { describeCause } from "../core/errors/base.js";
import { HashingError } from "../core/errors/hashing.js";
import { ModelFormatError } from "../core/errors/modelFormat.js";
import { parseJsonBytes } from "../core/parseJson.js";
import { type SafetensorsHeader, type TensorInfo, parseHeaderLength, parseSafetensorsHeader, refusePickle } from "../formats/safetensors/header.js";
import { lstatModelPath } from "./hashing/listModel.js";
import { openRegularFile } from "./hashing/openListedFile.js";
import { openTemporaryBeside } from "./replaceFile.js";

/** Bytes read or written at a time (a whole number of elements of every dtype). */
export const TENSOR_CHUNK_BYTES = 4 * 1024 * 1024;

/** The name of a sharded model's index file, as Hugging Face writes it. */
export const SAFETENSORS_INDEX_FILE = "model.safetensors.index.json";

const PICKLE_SUFFIXES = [".bin", ".pt", ".pth", ".ckpt", ".pkl", ".pickle"];

async function readExactly(fh: FileHandle, length: number, position: number, file: string): Promise<Uint8Array> {
  const buffer = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await fh.read(buffer, done, length - done, position + done);
    if (bytesRead === 0) throw new ModelFormatError("TRUNCATED_HEADER", `the file ended after ${position + done} bytes`, { file });
    done += bytesRead;
  }
  return buffer;
}

/** `UNREADABLE_FILE` naming `file`, for a file that could not be opened or read, or that the model-hashing rule refuses. */
function unreadable(cause: unknown, file: string): ModelFormatError {
  if (cause instanceof ModelFormatError) return cause;
  if (!(cause instanceof HashingError)) return new ModelFormatError("UNREADABLE_FILE", `cannot read: ${describeCause(cause)}`, { file, cause });
  // The HashingError's message ends with the path, which this error names first.
  const suffix = cause.path === undefined ? "" : `: ${cause.path}`;
  const reason = suffix && cause.shortMessage.endsWith(suffix) ? cause.shortMessage.slice(0, -suffix.length) : cause.shortMessage;
  return new ModelFormatError("UNREADABLE_FILE", reason, { file, cause, details: cause.details });
}

/**
 * Opens a file of a model as model hashing does (src/local/hashing/openListedFile.ts): never
 * following a symlink, never blocking on a FIFO, and only a regular file. A symlink, a directory,
 * a FIFO, socket or device, or a file that cannot be opened is `UNREADABLE_FILE` naming `file`.
 */
export async function openSafetensorsFile(file: string): Promise<FileHandle> {
  try {
    return (await openRegularFile(file)).handle;
  } catch (cause) {
    throw unreadable(cause, file);
  }
}

/** Reads and validates the header of an open file. */
export async function readHeaderFrom(fh: FileHandle, file: string): Promise<SafetensorsHeader> {
  const { size } = await fh.stat();
  const prefix = await readExactly(fh, Math.min(8, size), 0, file);
  refusePickle(prefix, file);
  const length = parseHeaderLength(prefix, size, file);
  const headerBytes = new Uint8Array(8 + length);
  headerBytes.set(prefix, 0);
  headerBytes.set(await readExactly(fh, length, 8, file), 8);
  return parseSafetensorsHeader(headerBytes, size, file);
}

/**
 * Reads and validates a safetensors file's header (only the header is read). PyTorch pickle
 * checkpoints are refused (`PICKLE_REFUSED`), by content and by their usual file names.
 *
 * @example
 * import { readSafetensorsHeader } from "provenance-ledger";
 * const { tensors } = await readSafetensorsHeader("model.safetensors");
 */
export async function readSafetensorsHeader(file: string): Promise<SafetensorsHeader> {
  const fh = await openSafetensorsFile(file);
  try {
    try {
      return await readHeaderFrom(fh, file);
    } catch (error) {
      if (error instanceof ModelFormatError && error.code !== "PICKLE_REFUSED" && PICKLE_SUFFIXES.some((s) => file.toLowerCase().endsWith(s)))
        throw new ModelFormatError(
          "PICKLE_REFUSED",
          "this looks like a PyTorch checkpoint (not safetensors); loading one executes code, so it is refused: convert it to safetensors first",
          { file, cause: error },
        );
      throw error;
    }
  } finally {
    await fh.close();
  }
}

/** Calls `onChunk` with the tensor's bytes, in order, `chunkBytes` at a time; the chunk buffer is reused. */
export async function streamTensor(
  fh: FileHandle,
  tensor: TensorInfo,
  onChunk: (chunk: Uint8Array, firstElement: number) => void | Promise<void>,
  chunkBytes = TENSOR_CHUNK_BYTES,
): Promise<void> {
  const size = tensor.end - tensor.begin;
  const elementSize = tensor.elements === 0 ? 1 : size / tensor.elements;
  const buffer = new Uint8Array(Math.min(chunkBytes, Math.max(size, 1)));
  for (let done = 0; done < size; ) {
    const length = Math.min(buffer.byteLength, size - done);
    let got = 0;
    while (got < length) {
      const { bytesRead } = await fh.read(buffer, got, length - got, tensor.begin + done + got);
      if (bytesRead === 0)
        throw new ModelFormatError("OFFSETS_PAST_END", "the file ended inside this tensor (it changed while being read)", { field: tensor.name });
      got += bytesRead;
    }
    await onChunk(buffer.subarray(0, length), done / elementSize);
    done += length;
  }
}

/** A whole tensor's bytes (one tensor in memory: for non-blind alignment and tests). */
export async function readTensorBytes(fh: FileHandle, tensor: TensorInfo): Promise<Uint8Array> {
  const out = new Uint8Array(tensor.end - tensor.begin);
  await streamTensor(fh, tensor, (chunk, first) => out.set(chunk, first * (tensor.elements ? out.byteLength / tensor.elements : 1)));
  return out;
}

/** One safetensors file of a model: where it is, its path inside the model, its header. */
export type SafetensorsShard = { readonly path: string; readonly relativePath: string; readonly header: SafetensorsHeader };

/** A model in safetensors: one file, or the shards of a directory (with their index, if any). */
export type SafetensorsModel = {
  readonly kind: "file" | "directory";
  readonly root: string;
  readonly shards: readonly SafetensorsShard[];
};

/**
 * Opens a model: a `.safetensors` file, or a directory holding `model.safetensors.index.json`
 * (Hugging Face's sharded layout: `weight_map` names each tensor's shard) or `.safetensors` files.
 * The index must list exactly the tensors the shards hold, each in the shard it names
 * (`INVALID_INDEX`); a directory of pickle checkpoints is refused (`PICKLE_REFUSED`). The model
 * path, the index and every shard are read as model hashing reads them: a symlink, a FIFO, socket
 * or device (and a directory where a file should be) is `UNREADABLE_FILE`, never followed or waited on.
 *
 * @example
 * import { openSafetensorsModel } from "provenance-ledger";
 * const model = await openSafetensorsModel("./llama-3-8b");
 * console.log(model.shards.map((s) => s.relativePath));
 */
export async function openSafetensorsModel(path: string): Promise<SafetensorsModel> {
  // The model path as model hashing takes it: never followed, a symlink or special file refused.
  const { root, stats } = await lstatModelPath(path).catch((cause: unknown) => {
    throw unreadable(cause, path);
  });
  if (!stats.isDirectory())
    return { kind: "file", root: dirname(root), shards: [{ path: root, relativePath: basename(root), header: await readSafetensorsHeader(root) }] };
  const names = (
    await readdir(path).catch((cause: unknown) => {
      throw unreadable(cause, path);
    })
  ).sort();
  const indexName = names.includes(SAFETENSORS_INDEX_FILE) ? SAFETENSORS_INDEX_FILE : names.find((n) => n.endsWith(".safetensors.index.json"));
  if (!indexName) {
    const files = names.filter((n) => n.endsWith(".safetensors"));
    if (files.length === 0) {
      const pickle = names.find((n) => PICKLE_SUFFIXES.some((s) => n.toLowerCase().endsWith(s)));
      if (pickle) await readSafetensorsHeader(join(path, pickle)); // throws PICKLE_REFUSED
      throw new ModelFormatError("INVALID_INDEX", "the directory holds no .safetensors file", { file: path });
    }
    return {
      kind: "directory",
      root: path,
      shards: await Promise.all(files.map(async (n) => ({ path: join(path, n), relativePath: n, header: await readSafetensorsHeader(join(path, n)) }))),
    };
  }
  const indexFile = join(path, indexName);
  const index = parseIndex(await readIndex(indexFile), indexFile, indexName);
  const map = index?.weight_map;
  if (map === null || typeof map !== "object" || Array.isArray(map))
    throw new ModelFormatError("INVALID_INDEX", "weight_map must be an object of tensor name → shard file", { file: indexFile });
  const byShard = new Map<string, Set<string>>();
  for (const [tensor, shard] of Object.entries(map as Record<string, unknown>)) {
    if (typeof shard !== "string" || shard.includes("/") || shard.includes("\\") || shard.startsWith(".") || !shard.endsWith(".safetensors"))
      throw new ModelFormatError("INVALID_INDEX", `weight_map names ${JSON.stringify(String(shard)).slice(0, 80)}, not a .safetensors file beside the index`, {
        file: indexFile,
        field: tensor,
      });
    if (!byShard.has(shard)) byShard.set(shard, new Set());
    byShard.get(shard)!.add(tensor);
  }
  const shards: SafetensorsShard[] = [];
  for (const name of [...byShard.keys()].sort()) {
    const header = await readSafetensorsHeader(join(path, name));
    const listed = byShard.get(name)!;
    for (const t of header.tensors)
      if (!listed.has(t.name))
        throw new ModelFormatError("INVALID_INDEX", `the shard holds tensor ${JSON.stringify(t.name)}, which the index does not map to it`, {
          file: indexFile,
          field: name,
        });
    const held = new Set(header.tensors.map((t) => t.name));
    for (const t of listed)
      if (!held.has(t))
        throw new ModelFormatError("INVALID_INDEX", `the index maps ${JSON.stringify(t)} to ${name}, which does not hold it`, { file: indexFile, field: t });
    shards.push({ path: join(path, name), relativePath: relative(path, join(path, name)), header });
  }
  return { kind: "directory", root: path, shards };
}

/** The index file's bytes, opened by the same rule as a shard ({@link openSafetensorsFile}). */
async function readIndex(indexFile: string): Promise<Uint8Array> {
  const fh = await openSafetensorsFile(indexFile);
  try {
    return await fh.readFile();
  } catch (cause) {
    throw unreadable(cause, indexFile);
  } finally {
    await fh.close();
  }
}

/** The index as strict JSON (duplicate keys refused); anything else is `INVALID_INDEX`. */
function parseIndex(bytes: Uint8Array, indexFile: string, indexName: string): Record<string, unknown> {
  try {
    return parseJsonBytes(bytes, `index ${indexName}`) as Record<string, unknown>;
  } catch (cause) {
    throw new ModelFormatError("INVALID_INDEX", `the index is not valid JSON: ${describeCause(cause)}`, { file: indexFile, cause });
  }
}

/** Edits a chunk of a tensor in place (dtype and shape never change); return nothing. */
export type TensorChunkTransform = (tensor: TensorInfo, chunk: Uint8Array, firstElement: number) => void | Promise<void>;

/**
 * Writes `output` as a copy of the safetensors file `input` whose tensor bytes went through
 * `transform` (chunk by chunk, in data order). The header is copied verbatim, so a transform that
 * changes nothing gives a byte-identical file. Written to a temporary name, then renamed.
 */
export async function rewriteSafetensorsFile(input: string, output: string, transform: TensorChunkTransform): Promise<void> {
  const src = await openSafetensorsFile(input);
  let tmp: string | undefined;
  try {
    const header = await readHeaderFrom(src, input);
    // A new file under an unpredictable name, never written through a symlink planted beside the output.
    const { path, handle: dst } = await openTemporaryBeside(output, 0o644);
    tmp = path;
    try {
      let position = 0;
      const write = async (bytes: Uint8Array) => {
        for (let done = 0; done < bytes.byteLength; ) {
          const { bytesWritten } = await dst.write(bytes, done, bytes.byteLength - done, position + done);
          done += bytesWritten;
        }
        position += bytes.byteLength;
      };
      await write(header.headerBytes);
      for (const tensor of header.tensors)
        await streamTensor(src, tensor, async (chunk, first) => {
          await transform(tensor, chunk, first);
          await write(chunk);
        });
      await dst.sync();
    } finally {
      await dst.close();
    }
    await rename(tmp, output);
  } catch (error) {
    if (tmp !== undefined) await rm(tmp, { force: true });
    throw error;
  } finally {
    await src.close();
  }
}

/**
 * {@link rewriteSafetensorsFile} for a whole model: a file gives a file; a directory gives a
 * directory with every shard rewritten and every other file (index, config, tokenizer) copied.
 */
export async function rewriteSafetensorsModel(model: SafetensorsModel, output: string, transform: TensorChunkTransform): Promise<void> {
  if (model.kind === "file") return rewriteSafetensorsFile(model.shards[0]!.path, output, transform);
  await mkdir(output, { recursive: true });
  const shardPaths = new Set(model.shards.map((s) => s.path));
  // Everything else (index, config, tokenizer, …) is copied as is; symlinks are not followed.
  await cp(model.root, output, { recursive: true, verbatimSymlinks: true, filter: (source) => !shardPaths.has(source) });
  for (const shard of model.shards) await rewriteSafetensorsFile(shard.path, join(output, shard.relativePath), transform);
}
