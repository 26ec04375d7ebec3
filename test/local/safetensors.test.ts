import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { constants, mkdtempSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync, existsSync, mkdirSync, symlinkSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { HashingError } from "../../src/core/errors/hashing.js";
import { ModelFormatError } from "../../src/core/errors/modelFormat.js";
import { bfloat16BitsToFloat, decodeFloats, encodeFloats, floatToBfloat16Bits, floatToHalfBits, halfBitsToFloat } from "../../src/formats/safetensors/dtype.js";
import { MAX_HEADER_SIZE, serializeSafetensors } from "../../src/formats/safetensors/header.js";
import { hashModel } from "../../src/local/hashing/hashModel.js";
import { openSafetensorsModel, readSafetensorsHeader, rewriteSafetensorsFile, rewriteSafetensorsModel } from "../../src/local/safetensorsFile.js";

const scratch = mkdtempSync(join(existsSync("/dev/shm") ? "/dev/shm" : tmpdir(), "safetensors-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

function floats(values: number[], dtype: "F32" | "F16" | "BF16"): Uint8Array {
  const bytes = new Uint8Array(values.length * (dtype === "F32" ? 4 : 2));
  encodeFloats(Float32Array.from(values), dtype, bytes);
  return bytes;
}

const sample = () =>
  serializeSafetensors(
    [
      { name: "layer.0.weight", dtype: "F32", shape: [2, 3], data: floats([1, -2, 3.5, 0.25, -0.125, 1e-3], "F32") },
      { name: "layer.0.bias", dtype: "F16", shape: [3], data: floats([0.1, -65504, 1], "F16") },
      { name: "embed", dtype: "BF16", shape: [2, 2], data: floats([0.1, 3, -7, 1e20], "BF16") },
      { name: "steps", dtype: "I64", shape: [], data: new Uint8Array(8).fill(7) },
    ],
    { format: "pt", note: "ünïcode" },
  );

/** A file holding `header` (a JSON value or raw text) and `data`. */
function craft(name: string, header: unknown, data = new Uint8Array(0), lengthOverride?: bigint): string {
  const json = new TextEncoder().encode(typeof header === "string" ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.byteLength + data.byteLength);
  new DataView(out.buffer).setBigUint64(0, lengthOverride ?? BigInt(json.byteLength), true);
  out.set(json, 8);
  out.set(data, 8 + json.byteLength);
  const file = join(scratch, name);
  writeFileSync(file, out);
  return file;
}

async function refused(file: string, code: string, pattern: RegExp): Promise<void> {
  await assert.rejects(readSafetensorsHeader(file), (e: unknown) => {
    assert.ok(e instanceof ModelFormatError, String(e));
    assert.equal(e.code, code, e.message);
    assert.match(e.shortMessage, pattern);
    return true;
  });
}

describe("safetensors", () => {
  it("default: a written file reads back with its dtypes, shapes, offsets and metadata", async () => {
    const file = join(scratch, "sample.safetensors");
    writeFileSync(file, sample());
    const header = await readSafetensorsHeader(file);
    assert.deepEqual(header.metadata, { format: "pt", note: "ünïcode" });
    assert.deepEqual(
      header.tensors.map((t) => [t.name, t.dtype, t.shape, t.elements]),
      [
        ["embed", "BF16", [2, 2], 4],
        ["layer.0.bias", "F16", [3], 3],
        ["layer.0.weight", "F32", [2, 3], 6],
        ["steps", "I64", [], 1],
      ],
    );
    assert.equal(header.dataStart % 8, 0, "the header is padded to 8 bytes");
    const bytes = readFileSync(file);
    const w = header.tensors[2]!;
    assert.deepEqual([...decodeFloats(bytes.subarray(w.begin, w.end), "F32")], [1, -2, 3.5, 0.25, -0.125, Math.fround(1e-3)]);
    const b = header.tensors[1]!;
    assert.deepEqual([...decodeFloats(bytes.subarray(b.begin, b.end), "F16")], [halfBitsToFloat(0x2e66), -65504, 1]);
  });

  it('behavior: a __metadata__ key "__proto__" is kept as data, as the reference implementation keeps it', async () => {
    const header = await readSafetensorsHeader(craft("proto-metadata.safetensors", '{"__metadata__":{"__proto__":"evil","format":"pt"}}'));
    const metadata = header.metadata!;
    assert.deepEqual(Object.entries(metadata), [
      ["__proto__", "evil"],
      ["format", "pt"],
    ]);
    assert.ok(Object.hasOwn(metadata, "__proto__"), "an own property");
    assert.equal(Object.getPrototypeOf(metadata), Object.prototype, "the prototype is untouched");
  });

  it("behavior: a rewrite that changes nothing is byte-identical, and an edit stays in its dtype", async () => {
    const file = join(scratch, "roundtrip.safetensors");
    // A header as another writer might lay it out: keys out of order, odd spacing, no padding.
    const w = floats([1, 2, 3, 4], "F32");
    const h = floats([0.5, -0.5], "F16");
    writeFileSync(
      file,
      Buffer.concat([
        Buffer.from(
          craftBytes(
            `{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}, "__metadata__":{"a":"b"},"h":{"data_offsets":[16,20],"shape":[2],"dtype":"F16"}}`,
          ),
        ),
        w,
        h,
      ]),
    );
    await rewriteSafetensorsFile(file, join(scratch, "same.safetensors"), () => {});
    assert.deepEqual(readFileSync(join(scratch, "same.safetensors")), readFileSync(file));
    await rewriteSafetensorsFile(file, join(scratch, "edited.safetensors"), (t, chunk) => {
      if (t.dtype !== "F16" && t.dtype !== "F32") return;
      const values = decodeFloats(chunk, t.dtype);
      for (let i = 0; i < values.length; i++) values[i] = values[i]! * 2;
      encodeFloats(values, t.dtype, chunk);
    });
    const edited = readFileSync(join(scratch, "edited.safetensors"));
    const header = await readSafetensorsHeader(join(scratch, "edited.safetensors"));
    assert.equal(edited.byteLength, readFileSync(file).byteLength);
    const ht = header.tensors.find((t) => t.name === "h")!;
    assert.deepEqual([...decodeFloats(edited.subarray(ht.begin, ht.end), "F16")], [1, -1]);
  });

  it("behavior: rewriteSafetensorsFile writes through no symlink planted beside its output (the old predictable temporary name) and leaves no temporary behind", async () => {
    const dir = mkdtempSync(join(scratch, "planted-"));
    const file = join(dir, "in.safetensors");
    writeFileSync(file, Buffer.concat([craftBytes('{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}'), Buffer.alloc(4)]));
    const victim = join(dir, "victim.txt");
    writeFileSync(victim, "untouched");
    const output = join(dir, "out.safetensors");
    symlinkSync(victim, `${output}.tmp-${process.pid}`);
    await rewriteSafetensorsFile(file, output, () => {});
    assert.equal(readFileSync(victim, "utf8"), "untouched");
    assert.deepEqual(readFileSync(output), readFileSync(file));
    assert.deepEqual(readdirSync(dir).sort(), ["in.safetensors", `out.safetensors`, `out.safetensors.tmp-${process.pid}`, "victim.txt"].sort());
  });

  it("behavior: F16 and BF16 conversions round to nearest even and every finite pattern round-trips", () => {
    assert.equal(floatToHalfBits(1), 0x3c00);
    assert.equal(floatToHalfBits(0.1), 0x2e66);
    assert.equal(floatToHalfBits(65504), 0x7bff);
    assert.equal(floatToHalfBits(65520), 0x7c00, "rounds up to infinity");
    assert.equal(floatToHalfBits(2 ** -24), 0x0001);
    assert.equal(floatToHalfBits(2 ** -25), 0x0000, "a tie rounds to even (zero)");
    assert.equal(floatToHalfBits(1 + 2 ** -11), 0x3c00, "a tie rounds to even");
    assert.equal(floatToHalfBits(1 + 3 * 2 ** -11), 0x3c02);
    assert.equal(floatToBfloat16Bits(1), 0x3f80);
    assert.equal(floatToBfloat16Bits(0.1), 0x3dcd);
    assert.equal(floatToBfloat16Bits(1 + 2 ** -8), 0x3f80, "a tie rounds to even");
    assert.equal(bfloat16BitsToFloat(0xc0a0), -5);
    for (let bits = 0; bits < 65536; bits++) {
      const exp = (bits >>> 10) & 0x1f;
      if (exp !== 31) assert.equal(floatToHalfBits(halfBitsToFloat(bits)), bits, `half 0x${bits.toString(16)}`);
      if (((bits >>> 7) & 0xff) !== 0xff) assert.equal(floatToBfloat16Bits(bfloat16BitsToFloat(bits)), bits, `bf16 0x${bits.toString(16)}`);
    }
  });

  it("behavior: a sharded model is read through its index and rewritten shard by shard, other files copied", async () => {
    const dir = join(scratch, "sharded");
    mkdirSync(join(dir, "tokenizer"), { recursive: true });
    writeFileSync(join(dir, "model-00001-of-00002.safetensors"), serializeSafetensors([{ name: "a", dtype: "F32", shape: [2], data: floats([1, 2], "F32") }]));
    writeFileSync(
      join(dir, "model-00002-of-00002.safetensors"),
      serializeSafetensors([{ name: "b", dtype: "BF16", shape: [2], data: floats([3, 4], "BF16") }]),
    );
    const index = { metadata: { total_size: 12 }, weight_map: { a: "model-00001-of-00002.safetensors", b: "model-00002-of-00002.safetensors" } };
    writeFileSync(join(dir, "model.safetensors.index.json"), JSON.stringify(index));
    writeFileSync(join(dir, "tokenizer", "vocab.txt"), "hello");
    const model = await openSafetensorsModel(dir);
    assert.deepEqual(
      model.shards.map((s) => [s.relativePath, s.header.tensors.map((t) => t.name)]),
      [
        ["model-00001-of-00002.safetensors", ["a"]],
        ["model-00002-of-00002.safetensors", ["b"]],
      ],
    );
    const out = join(scratch, "sharded-out");
    await rewriteSafetensorsModel(model, out, () => {});
    for (const f of ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors", "model.safetensors.index.json", "tokenizer/vocab.txt"])
      assert.deepEqual(readFileSync(join(out, f)), readFileSync(join(dir, f)), f);

    writeFileSync(
      join(dir, "model.safetensors.index.json"),
      JSON.stringify({ weight_map: { a: "model-00002-of-00002.safetensors", b: "model-00002-of-00002.safetensors" } }),
    );
    await assert.rejects(
      openSafetensorsModel(dir),
      (e: unknown) => e instanceof ModelFormatError && e.code === "INVALID_INDEX" && /does not hold it/.test(e.message),
    );
    writeFileSync(join(dir, "model.safetensors.index.json"), JSON.stringify({ weight_map: { a: "../elsewhere.safetensors" } }));
    await assert.rejects(
      openSafetensorsModel(dir),
      (e: unknown) => e instanceof ModelFormatError && e.code === "INVALID_INDEX" && /beside the index/.test(e.message),
    );
  });

  it("behavior: a 256 MiB tensor is rewritten in flat memory (peak RSS grows < 48 MiB)", async (t) => {
    const file = join(scratch, "big.safetensors");
    const size = 256 * 1024 * 1024;
    // A header naming one huge tensor, then the file extended sparsely (reads as zeros).
    const json = `{"w":{"dtype":"F32","shape":[${size / 4}],"data_offsets":[0,${size}]}}`;
    writeFileSync(file, craftBytes(json));
    truncateSync(file, 8 + json.length + size);
    const hwm = () => Number(/VmHWM:\s*(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"))?.[1]) * 1024;
    globalThis.gc?.();
    writeFileSync("/proc/self/clear_refs", "5");
    const before = hwm();
    let seen = 0;
    await rewriteSafetensorsFile(file, join(scratch, "big-out.safetensors"), (_t, chunk) => {
      seen += chunk.byteLength;
    });
    const growth = hwm() - before;
    t.diagnostic(`peak RSS grew ${(growth / 2 ** 20).toFixed(1)} MiB`);
    assert.equal(seen, size);
    assert.ok(growth < 48 * 2 ** 20, `peak RSS grew ${growth} bytes`);
    rmSync(join(scratch, "big-out.safetensors"));
  });

  it("error: truncated, oversized and malformed headers are refused, naming what is wrong", async () => {
    writeFileSync(join(scratch, "short.safetensors"), new Uint8Array([1, 2, 3]));
    await refused(join(scratch, "short.safetensors"), "TRUNCATED_HEADER", /shorter than the 8-byte header length/);
    await refused(craft("past.safetensors", { a: 1 }, new Uint8Array(0), 1000n), "TRUNCATED_HEADER", /runs past the end/);
    await refused(craft("huge.safetensors", {}, new Uint8Array(0), BigInt(MAX_HEADER_SIZE) + 1n), "HEADER_TOO_LARGE", /exceeds the 100000000-byte limit/);
    await refused(craft("huge64.safetensors", {}, new Uint8Array(0), 2n ** 63n), "HEADER_TOO_LARGE", /exceeds/);
    await refused(craft("array.safetensors", "[1,2]"), "INVALID_HEADER", /does not start with/);
    await refused(craft("badjson.safetensors", '{"a":'), "INVALID_HEADER", /not valid JSON/);
    await refused(
      craft("dup.safetensors", '{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}', new Uint8Array(1)),
      "INVALID_HEADER",
      /duplicate/i,
    );
  });

  it("error: offsets that overlap, leave gaps, run past the file or disagree with the shape", async () => {
    const t = (o: [number, number], shape = [2]) => ({ dtype: "F32", shape, data_offsets: o });
    await refused(
      craft("overlap.safetensors", { a: t([0, 8]), b: t([4, 12]) }, new Uint8Array(12)),
      "OVERLAPPING_OFFSETS",
      /"b": data_offsets \[4, 12\] overlap the previous tensor/,
    );
    await refused(
      craft("pastend.safetensors", { a: t([0, 8]), b: t([8, 16]) }, new Uint8Array(12)),
      "OFFSETS_PAST_END",
      /"b": data_offsets \[8, 16\] run past the end of the 12-byte data buffer/,
    );
    await refused(craft("gap.safetensors", { a: t([0, 8]), b: t([12, 20]) }, new Uint8Array(20)), "INVALID_HEADER", /gap of 4 bytes/);
    await refused(craft("trailing.safetensors", { a: t([0, 8]) }, new Uint8Array(12)), "INVALID_HEADER", /trailing data/);
    await refused(craft("shape.safetensors", { a: t([0, 8], [3]) }, new Uint8Array(8)), "INVALID_HEADER", /needs 12/);
    await refused(craft("neg.safetensors", { a: t([0, 8], [-2]) }, new Uint8Array(8)), "INVALID_HEADER", /non-negative/);
  });

  it("error: an unsupported dtype is named", async () => {
    await refused(
      craft("dtype.safetensors", { a: { dtype: "F128", shape: [1], data_offsets: [0, 16] } }, new Uint8Array(16)),
      "UNSUPPORTED_DTYPE",
      /"a": unsupported dtype "F128"/,
    );
  });

  it("error: a directory where a shard or the index should be is UNREADABLE_FILE naming it, not a raw EISDIR", async () => {
    const unreadable = (path: string) => (e: unknown) => {
      assert.ok(e instanceof ModelFormatError, String(e));
      assert.equal(e.code, "UNREADABLE_FILE", e.message);
      assert.equal(e.file, path);
      assert.match(e.shortMessage, /: is a directory, not a file$/);
      return true;
    };
    const good = serializeSafetensors([{ name: "w", dtype: "U8", shape: [1], data: new Uint8Array(1) }]);
    const shardDir = join(scratch, "dir-shard");
    mkdirSync(join(shardDir, "weights.safetensors"), { recursive: true });
    await assert.rejects(readSafetensorsHeader(join(shardDir, "weights.safetensors")), unreadable(join(shardDir, "weights.safetensors")));
    await assert.rejects(openSafetensorsModel(shardDir), unreadable(join(shardDir, "weights.safetensors")));
    const indexDir = join(scratch, "dir-index");
    mkdirSync(join(indexDir, "model.safetensors.index.json"), { recursive: true });
    writeFileSync(join(indexDir, "a.safetensors"), good);
    await assert.rejects(openSafetensorsModel(indexDir), unreadable(join(indexDir, "model.safetensors.index.json")));
    const named = join(scratch, "dir-named");
    mkdirSync(join(named, "dir.safetensors"), { recursive: true });
    writeFileSync(join(named, "model.safetensors.index.json"), JSON.stringify({ weight_map: { w: "dir.safetensors" } }));
    await assert.rejects(openSafetensorsModel(named), unreadable(join(named, "dir.safetensors")));
    writeFileSync(join(named, "model.safetensors.index.json"), '{"weight_map":{"w":"dir.safetensors"},"weight_map":{}}');
    await assert.rejects(
      openSafetensorsModel(named),
      (e: unknown) => e instanceof ModelFormatError && e.code === "INVALID_INDEX" && /index is not valid JSON: .*duplicate key/.test(e.shortMessage),
    );
  });

  it("error: a FIFO, a device or a symlink is refused as model hashing refuses it: never opened blocking, never followed", { timeout: 60_000 }, async () => {
    const good = serializeSafetensors([{ name: "w", dtype: "U8", shape: [1], data: new Uint8Array(1) }]);
    const dir = join(scratch, "special");
    mkdirSync(dir);
    writeFileSync(join(dir, "real.bin"), good);
    const fifo = join(dir, "pipe.safetensors");
    execFileSync("mkfifo", [fifo]);
    const link = join(dir, "link.safetensors");
    symlinkSync("real.bin", link);
    const folderLink = join(scratch, "special-link");
    symlinkSync(dir, folderLink);
    /** Settles `promise`, or, if it blocks (an open() waiting for a writer), unblocks the FIFO and fails. */
    const settled = async <T>(promise: Promise<T>, pipe = fifo): Promise<T> => {
      let timer: NodeJS.Timeout | undefined;
      const hung = new Promise<never>((_, reject) => {
        timer = setTimeout(async () => {
          await (await open(pipe, constants.O_WRONLY | constants.O_NONBLOCK).catch(() => undefined))?.close();
          reject(new Error("blocked on the FIFO"));
        }, 5_000);
      });
      try {
        return await Promise.race([promise, hung]);
      } finally {
        clearTimeout(timer);
      }
    };
    // The same refusal as model hashing's, for the same path: its HashingError is the cause.
    const cases = [
      [fifo, "SPECIAL_FILE_REFUSED", /^a FIFO \(named pipe\) is refused/],
      ["/dev/null", "SPECIAL_FILE_REFUSED", /^a character device is refused/],
      [link, "SYMLINK_REFUSED", /^symbolic links are refused \(never followed\)$/],
      [folderLink, "SYMLINK_REFUSED", /^symbolic links are refused \(never followed\)$/],
      [`${folderLink}/`, "SYMLINK_REFUSED", /^symbolic links are refused \(never followed\)$/],
    ] as const;
    for (const [path, code, message] of cases) {
      await assert.rejects(hashModel(path), (e: unknown) => e instanceof HashingError && e.code === code, `hashModel refuses ${path}`);
      const reads: (() => Promise<unknown>)[] = [() => openSafetensorsModel(path)];
      if (path !== folderLink && !path.endsWith("/")) reads.push(() => readSafetensorsHeader(path));
      for (const read of reads)
        await assert.rejects(settled(read()), (e: unknown) => {
          assert.ok(e instanceof ModelFormatError, String(e));
          assert.equal(e.code, "UNREADABLE_FILE", e.message);
          assert.equal(e.file, path);
          assert.match(e.shortMessage.slice(path.length + 2), message);
          assert.ok(e.cause instanceof HashingError && e.cause.code === code, String(e.cause));
          return true;
        });
    }
    // Inside a folder: a FIFO shard, then a FIFO index, then a symlinked shard.
    const fifoFolder = join(scratch, "special-fifo");
    mkdirSync(fifoFolder);
    execFileSync("mkfifo", [join(fifoFolder, "x.safetensors")]);
    await assert.rejects(
      settled(openSafetensorsModel(fifoFolder), join(fifoFolder, "x.safetensors")),
      (e: unknown) => e instanceof ModelFormatError && e.code === "UNREADABLE_FILE" && /FIFO/.test(e.message),
    );
    execFileSync("mkfifo", [join(fifoFolder, "model.safetensors.index.json")]);
    await assert.rejects(
      settled(openSafetensorsModel(fifoFolder), join(fifoFolder, "model.safetensors.index.json")),
      (e: unknown) => e instanceof ModelFormatError && e.file === join(fifoFolder, "model.safetensors.index.json") && /FIFO/.test(e.message),
    );
    const linkFolder = join(scratch, "special-symlinked-shard");
    mkdirSync(linkFolder);
    writeFileSync(join(linkFolder, "real.bin"), good);
    symlinkSync("real.bin", join(linkFolder, "w.safetensors"));
    await assert.rejects(
      openSafetensorsModel(linkFolder),
      (e: unknown) => e instanceof ModelFormatError && e.file === join(linkFolder, "w.safetensors") && /symbolic link/.test(e.message),
    );
  });

  it("error: PyTorch pickle checkpoints are refused, never read", async () => {
    writeFileSync(join(scratch, "model.pt"), Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0, 0, 0]));
    await refused(join(scratch, "model.pt"), "PICKLE_REFUSED", /executes code/);
    writeFileSync(join(scratch, "raw.pkl"), Buffer.from([0x80, 0x02, 0x7d, 0x71, 0x00, 0x28, 0x58, 0x01, 0, 0]));
    await refused(join(scratch, "raw.pkl"), "PICKLE_REFUSED", /executes code/);
    writeFileSync(join(scratch, "pytorch_model.bin"), Buffer.from("not a safetensors file at all, really"));
    await refused(join(scratch, "pytorch_model.bin"), "PICKLE_REFUSED", /convert it to safetensors/);
    const dir = join(scratch, "pickled");
    mkdirSync(dir);
    writeFileSync(join(dir, "pytorch_model.bin"), Buffer.from([0x80, 0x04, 0x95, 0, 0, 0, 0, 0, 0, 0]));
    await assert.rejects(openSafetensorsModel(dir), (e: unknown) => e instanceof ModelFormatError && e.code === "PICKLE_REFUSED");
  });
});

function craftBytes(json: string): Uint8Array {
  const body = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + body.byteLength);
  new DataView(out.buffer).setBigUint64(0, BigInt(body.byteLength), true);
  out.set(body, 8);
  return out;
}
