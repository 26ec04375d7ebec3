import type { BigIntStats } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { InputError, invalid } from "../core/errors/input.js";
import { parseJson } from "../core/parseJson.js";
import { describeFileType } from "../local/hashing/fileSystemError.js";
import { OPEN_FLAGS } from "../local/hashing/openListedFile.js";
import { cannotRead } from "./usage.js";

// The files the CLI reads by name (receipts, bundles, trust, QBFT trust and checkpoint files,
// policies, key files, predicates, token ids) come from whoever handed them over: each is opened
// without following a symlink or blocking on a FIFO, must be a regular file no larger than the
// limit of its kind, and must be strict UTF-8 (docs/cli.md#files-the-cli-reads).

const MiB = 1024 * 1024;

/**
 * The largest file of each kind the CLI reads; a larger one is refused (`FILE_TOO_LARGE`) before
 * a byte of it is read. docs/cli.md#files-the-cli-reads states the same numbers.
 */
export const MAX_FILE_BYTES = {
  /**
   * An evidence bundle (`verify-bundle`, `watermark … --bundle`): at most `MAX_BUNDLE_ENTRIES`
   * (10,000) receipts of 2 to 4 KiB each (a model manifest's tens of KiB), and an offline kit of
   * about 3 KiB per recorded answer: under 100 MiB for the largest realistic bundle. 256 MiB
   * leaves a margin and stays well below what a JavaScript string holds (512 MiB).
   */
  bundle: 256 * MiB,
  /** A receipt (`verify`): its envelope's payload may be 32 MiB (`MAX_PAYLOAD_BYTES`), 43 MiB in base64. */
  receipt: 64 * MiB,
  /** A document to sign or score: a predicate (`attest --predicate`; a statement is at most 32 MiB), token ids (`watermark detect-text`). */
  document: 64 * MiB,
  /** Settings and keys: trust, QBFT trust and checkpoint files, verification policies, key files, a passphrase file. */
  settings: 1 * MiB,
} as const;

/** Which limit of {@link MAX_FILE_BYTES} a file is read under. */
export type FileKind = keyof typeof MAX_FILE_BYTES;

/**
 * Reads a UTF-8 file named on the command line; `what` names it in errors (`cannot read the
 * receipt r.json: ENOENT`). Refuses, each as an `InputError` (exit 2) naming the file: a symbolic
 * link, a FIFO, socket, device or directory (`NOT_A_REGULAR_FILE`, never read: a FIFO would block,
 * a device never end), a file larger than its kind's limit (`FILE_TOO_LARGE`), and bytes that are
 * not UTF-8 (`INVALID_UTF8`, with the offset of the first bad byte; a byte order mark is kept,
 * and refused by the JSON parser).
 */
export async function readTextFile(file: string, what: string, kind: FileKind = "settings"): Promise<string> {
  const name = `${what} ${file}`;
  let handle: FileHandle;
  try {
    handle = await open(file, OPEN_FLAGS);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === "ELOOP")
      invalid("NOT_A_REGULAR_FILE", `${name} is a symbolic link: refused (never followed); name the file itself`, undefined, cause);
    cannotRead(name, cause);
  }
  try {
    const stats = await handle.stat({ bigint: true });
    if (!stats.isFile()) invalid("NOT_A_REGULAR_FILE", `${name} is ${fileType(stats)}, not a regular file: refused (never read)`);
    const limit = MAX_FILE_BYTES[kind];
    if (stats.size > BigInt(limit)) tooLarge(name, kind, `is ${stats.size} bytes`);
    return strictUtf8(await readAtMost(handle, Number(stats.size), limit, name, kind), name);
  } catch (cause) {
    if (cause instanceof InputError) throw cause;
    cannotRead(name, cause);
  } finally {
    await handle.close();
  }
}

/** Reads and strictly parses a JSON file, naming the file in errors. */
export async function readJsonFile(file: string, what: string, kind: FileKind = "settings"): Promise<unknown> {
  return parseJson(await readTextFile(file, what, kind), `${what} ${file}`);
}

function fileType(stats: BigIntStats): string {
  return stats.isDirectory() ? "a directory" : describeFileType(stats);
}

function tooLarge(name: string, kind: FileKind, size: string): never {
  return invalid(
    "FILE_TOO_LARGE",
    `${name} ${size}: larger than the ${MAX_FILE_BYTES[kind] / MiB} MiB a ${kind} file may be (docs/cli.md#files-the-cli-reads)`,
  );
}

/**
 * The file's bytes: one read of the size `fstat` gave (and one more byte, to see the end), then
 * small reads for what a file that grows, or reports no size (`/proc`), still holds; refused as
 * soon as more than `limit` bytes arrive.
 */
async function readAtMost(handle: FileHandle, size: number, limit: number, name: string, kind: FileKind): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (let length = Math.min(size, limit) + 1; ; length = 64 * 1024) {
    const { bytesRead, buffer } = await handle.read({ buffer: Buffer.allocUnsafe(length) });
    if (bytesRead === 0) return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
    total += bytesRead;
    if (total > limit) tooLarge(name, kind, "grew while being read");
    chunks.push(buffer.subarray(0, bytesRead));
  }
}

const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function strictUtf8(bytes: Uint8Array, name: string): string {
  try {
    return UTF8.decode(bytes);
  } catch (cause) {
    return invalid("INVALID_UTF8", `${name} is not valid UTF-8: the byte at offset ${invalidUtf8Offset(bytes)} starts no valid sequence`, undefined, cause);
  }
}

/**
 * The offset of the first byte that does not begin a well-formed UTF-8 sequence (RFC 3629: no
 * overlong forms, no surrogates, nothing above U+10FFFF), or -1 when every byte does.
 */
export function invalidUtf8Offset(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; ) {
    const form = utf8Form(bytes[i]!);
    if (form === undefined) return i;
    const [count, low, high] = form;
    for (let k = 1; k <= count; k++) {
      const b = bytes[i + k];
      if (b === undefined || b < (k === 1 ? low : 0x80) || b > (k === 1 ? high : 0xbf)) return i;
    }
    i += count + 1;
  }
  return -1;
}

/** For a lead byte: how many continuation bytes follow it and the range of the first; undefined if it leads no sequence. */
function utf8Form(lead: number): readonly [count: number, low: number, high: number] | undefined {
  if (lead < 0x80) return [0, 0, 0];
  if (lead >= 0xc2 && lead <= 0xdf) return [1, 0x80, 0xbf];
  if (lead === 0xe0) return [2, 0xa0, 0xbf]; // no overlong forms
  if (lead === 0xed) return [2, 0x80, 0x9f]; // no surrogates
  if (lead >= 0xe1 && lead <= 0xef) return [2, 0x80, 0xbf];
  if (lead === 0xf0) return [3, 0x90, 0xbf]; // no overlong forms
  if (lead >= 0xf1 && lead <= 0xf3) return [3, 0x80, 0xbf];
  if (lead === 0xf4) return [3, 0x80, 0x8f]; // nothing above U+10FFFF
  return undefined;
}
