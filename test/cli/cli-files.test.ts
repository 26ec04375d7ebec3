import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, symlink, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { main } from "../../src/cli/main.js";
import { MAX_FILE_BYTES, invalidUtf8Offset, readJsonFile, readTextFile } from "../../src/cli/readJsonFile.js";
import { InputError } from "../../src/core/errors/input.js";

// The files the CLI reads by name come from whoever handed them over (docs/cli.md#files-the-cli-reads):
// only regular files, never through a symlink, within the limit of their kind, strict UTF-8.

const CLI = fileURLToPath(new URL("../../bin/provenance.js", import.meta.url));
const REGISTRY = "0x5fbdb2315678afecb367f032d93f642f64180aa3";
const DIGEST = `sha256:${"ab".repeat(32)}`;
let work: string;

type Run = { code: number | null; stdout: string; stderr: string };

/** The CLI in this process, under --json: its error document. */
async function refusal(args: string[]): Promise<{ code: number; error: { code: string; message: string } }> {
  let stdout = "";
  const code = await main([...args, "--json"], { stdout: (t) => void (stdout += t), stderr: () => undefined });
  return { code, error: JSON.parse(stdout).error };
}

/** The built CLI as a process, stopped after `timeout` ms (code null then: it hung). */
function spawned(args: string[], timeout = 30_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd: work, env: { PATH: process.env.PATH, HOME: work }, timeout }, (error, stdout, stderr) => {
      resolve({
        code: error ? ((error as { code?: number | string }).code === undefined ? null : Number((error as { code?: number }).code)) : 0,
        stdout,
        stderr,
      });
    });
  });
}

const verifyBundle = (file: string) => ["verify-bundle", file, "--artifact-digest", DIGEST, "--rpc", "http://127.0.0.1:1", "--registry", REGISTRY];

async function refusedWith(promise: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  await assert.rejects(promise, (e: unknown) => e instanceof InputError && e.code === code && message.test(e.shortMessage));
}

before(async () => {
  work = await mkdtemp(join(tmpdir(), "provenance-cli-files-"));
});

describe("files the CLI reads: regular files only, a limit per kind, strict UTF-8", () => {
  it("error: a FIFO named bundle.json is refused at once (NOT_A_REGULAR_FILE, exit 2), not waited on", async () => {
    const fifo = join(work, "fifo.bundle.json");
    execFileSync("mkfifo", [fifo]);
    const r = await spawned([...verifyBundle(fifo), "--json"], 20_000);
    assert.equal(r.code, 2, `the verifier must not block on a FIFO (code ${r.code}): ${r.stdout}${r.stderr}`);
    const document = JSON.parse(r.stdout);
    assert.equal(document.verified, false);
    assert.equal(document.error.code, "NOT_A_REGULAR_FILE");
    assert.match(document.error.message, /^the bundle .*fifo\.bundle\.json is a FIFO \(named pipe\), not a regular file/);
  });

  it("error: a symlink to /dev/zero, /dev/zero itself and a directory are refused without reading (NOT_A_REGULAR_FILE)", async () => {
    const zero = join(work, "zero.receipt.json");
    await symlink("/dev/zero", zero);
    const linked = await refusal(["verify", zero, "--artifact-digest", DIGEST, "--rpc", "http://127.0.0.1:1", "--registry", REGISTRY]);
    assert.equal(linked.code, 2);
    assert.equal(linked.error.code, "NOT_A_REGULAR_FILE");
    assert.match(linked.error.message, /^the receipt .*zero\.receipt\.json is a symbolic link: refused \(never followed\)/);
    const device = await refusal(verifyBundle("/dev/zero"));
    assert.equal(device.code, 2);
    assert.equal(device.error.code, "NOT_A_REGULAR_FILE");
    assert.match(device.error.message, /^the bundle \/dev\/zero is a character device, not a regular file/);
    const folder = join(work, "folder.json");
    await mkdir(folder);
    const directory = await refusal(verifyBundle(folder));
    assert.equal(directory.error.code, "NOT_A_REGULAR_FILE");
    assert.match(directory.error.message, /is a directory, not a regular file/);
  });

  it("error: a bundle over 256 MiB is refused from its size, before a byte is read (FILE_TOO_LARGE, exit 2)", async () => {
    const huge = join(work, "huge.bundle.json");
    await writeFile(huge, "");
    await truncate(huge, MAX_FILE_BYTES.bundle + 1); // sparse: nothing is written
    const before = process.memoryUsage().rss;
    const r = await refusal(verifyBundle(huge));
    assert.equal(r.code, 2);
    assert.equal(r.error.code, "FILE_TOO_LARGE");
    assert.equal(
      r.error.message,
      `the bundle ${huge} is ${MAX_FILE_BYTES.bundle + 1} bytes: larger than the 256 MiB a bundle file may be (docs/cli.md#files-the-cli-reads)`,
    );
    assert.ok(process.memoryUsage().rss - before < 64 * 1024 * 1024, "the file was not read");
  });

  it("error: each kind has its own limit: a receipt over 64 MiB, a trust or key file over 1 MiB (FILE_TOO_LARGE)", async () => {
    const receipt = join(work, "big.receipt.json");
    await writeFile(receipt, "");
    await truncate(receipt, MAX_FILE_BYTES.receipt + 1);
    const r = await refusal(["verify", receipt, "--artifact-digest", DIGEST, "--rpc", "http://127.0.0.1:1", "--registry", REGISTRY]);
    assert.equal(r.error.code, "FILE_TOO_LARGE");
    assert.match(r.error.message, /larger than the 64 MiB a receipt file may be/);
    const trust = join(work, "big.trust.json");
    await writeFile(trust, `{"format": "provenance-trust-v1", "padding": "${"x".repeat(MAX_FILE_BYTES.settings)}"}`);
    await refusedWith(
      readJsonFile(trust, "trust file"),
      "FILE_TOO_LARGE",
      /^trust file .*big\.trust\.json is \d+ bytes: larger than the 1 MiB a settings file may be/,
    );
    // At the limit, a file is read.
    const exact = join(work, "exact.txt");
    await writeFile(exact, "a".repeat(MAX_FILE_BYTES.settings));
    assert.equal((await readTextFile(exact, "--passphrase-file")).length, MAX_FILE_BYTES.settings);
  });

  it("error: bytes that are not UTF-8 are refused (INVALID_UTF8, naming the file and the byte's offset), never replaced by U+FFFD", async () => {
    const file = join(work, "latin1.bundle.json");
    const text = Buffer.from('{"format": "provenance-bundle-v1", "subject": {"name": "acme/model"}}');
    const at = text.indexOf("acme") + 4;
    await writeFile(file, Buffer.concat([text.subarray(0, at), Buffer.from([0xff]), text.subarray(at)]));
    const r = await refusal(verifyBundle(file));
    assert.equal(r.code, 2);
    assert.equal(r.error.code, "INVALID_UTF8");
    assert.equal(r.error.message, `the bundle ${file} is not valid UTF-8: the byte at offset ${at} starts no valid sequence`);
    // A byte order mark is UTF-8: kept, and refused by the JSON parser by name, as before.
    const bom = join(work, "bom.json");
    await writeFile(bom, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("{}")]));
    await refusedWith(readJsonFile(bom, "trust file"), "INVALID_JSON", /is not valid JSON: unexpected character "\uFEFF" at line 1, column 1/);
  });

  it("behavior: invalidUtf8Offset finds the first byte TextDecoder refuses (overlong forms, surrogates, above U+10FFFF, truncated)", () => {
    const cases: [number[], number][] = [
      [[0x61, 0x62], -1],
      [[0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80], -1], // é € 😀
      [[0x61, 0xc0, 0xaf], 1], // overlong "/"
      [[0xe0, 0x80, 0xaf], 0], // overlong, three bytes
      [[0x61, 0x62, 0xed, 0xa0, 0x80], 2], // a surrogate, U+D800
      [[0xf4, 0x90, 0x80, 0x80], 0], // U+110000
      [[0xf5, 0x80, 0x80, 0x80], 0],
      [[0x61, 0xe2, 0x82], 1], // truncated at the end
      [[0xe2, 0x28, 0xa1], 0], // a continuation missing
      [[0x80], 0], // a lone continuation byte
    ];
    const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
    for (const [bytes, offset] of cases) {
      assert.equal(invalidUtf8Offset(new Uint8Array(bytes)), offset, bytes.join(","));
      const valid = (() => {
        try {
          decoder.decode(new Uint8Array(bytes));
          return true;
        } catch {
          return false;
        }
      })();
      assert.equal(valid, offset === -1, `TextDecoder agrees on ${bytes.join(",")}`);
    }
  });

  it("default: a regular file named through a path is read as before; a missing one is cannot read … ENOENT", async () => {
    const plain = join(work, "plain.json");
    await writeFile(plain, '{"a": "é"}');
    assert.deepEqual(await readJsonFile(plain, "predicate", "document"), { a: "é" });
    assert.equal(await readFile(plain, "utf8"), await readTextFile(plain, "the policy"));
    await refusedWith(
      readTextFile(join(work, "missing.json"), "the receipt", "receipt"),
      "INVALID_ARGUMENT",
      /^cannot read the receipt .*missing\.json: ENOENT$/,
    );
  });
});
