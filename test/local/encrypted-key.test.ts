import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { Ajv2020 } from "ajv/dist/2020.js";
import {
  type EncryptedKeyFile,
  decryptKeyDocument,
  decryptSigningKeyFile,
  encryptKeyDocument,
  encryptSigningKeyFile,
  parseEncryptedKeyFile,
} from "../../src/local/keys/encryptedKey.js";
import { generateKeyFile, signerFromKeyFile, verifySignature } from "../../src/local/keys/keys.js";
import { InputError } from "../../src/core/errors/input.js";

// Encrypted key files (docs/keys.md): the frozen vectors, the authenticated header, the
// hostile-input limits on the KDF, and the CLI's passphrase sources (file, environment, terminal).

const root = fileURLToPath(new URL("../..", import.meta.url));
const CLI = join(root, "bin", "provenance.js");
type Vector = { name: string; passphrase?: string; plaintext: Record<string, unknown>; file: EncryptedKeyFile };
const vectors = JSON.parse(await readFile(join(root, "test/vectors/encrypted-key-v1.json"), "utf8")) as { passphrase: string; vectors: Vector[] };
const schema = JSON.parse(await readFile(join(root, "schemas/encrypted-key-v1.schema.json"), "utf8")) as object;
const validateSchema = new Ajv2020({ strict: true, allErrors: true }).compile(schema);
const ed = vectors.vectors.find((v) => v.name === "ed25519")!;
const secp = vectors.vectors.find((v) => v.name === "secp256k1")!;
const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
const b64 = (bytes: number[]): Uint8Array => Uint8Array.from(bytes);

const isCode = (code: string, message?: RegExp) => (error: unknown) => {
  assert.ok(error instanceof InputError, `expected an InputError, got ${String(error)}`);
  assert.equal(error.code, code, error.message);
  if (message) assert.match(error.message, message);
  return true;
};

describe("encrypted key files (provenance-encrypted-key-v1)", () => {
  it("default: every frozen vector decrypts to its key, is reproduced bit for bit, and matches the schema", async () => {
    assert.equal(vectors.vectors.length, 4);
    for (const v of vectors.vectors) {
      const file = parseEncryptedKeyFile(v.file, v.name);
      assert.deepEqual(await decryptKeyDocument(file, v.passphrase ?? vectors.passphrase, v.name), v.plaintext, v.name);
      assert.ok(validateSchema(v.file), `${v.name}: ${JSON.stringify(validateSchema.errors)}`);
      const salt = b64([...Buffer.from(v.file.kdf.salt, "base64")]);
      const nonce = b64([...Buffer.from(v.file.cipher.nonce, "base64")]);
      const again = await encryptKeyDocument(v.plaintext as never, v.file.public, v.passphrase ?? vectors.passphrase, { scrypt: v.file.kdf, salt, nonce });
      assert.deepEqual(again, v.file, `${v.name} re-encrypted`);
    }
  });

  it("behavior: a passphrase typed in another Unicode normal form (NFD) opens a file encrypted under its NFC form", async () => {
    const v = vectors.vectors.find((x) => x.name === "ed25519-nfc-passphrase")!;
    assert.notEqual(v.passphrase, v.passphrase!.normalize("NFC"));
    assert.deepEqual(await decryptKeyDocument(parseEncryptedKeyFile(v.file), v.passphrase!), v.plaintext);
  });

  it("behavior: a new signing key encrypted with the default scrypt cost decrypts to a key that signs", async () => {
    const key = generateKeyFile("p256");
    const file = await encryptSigningKeyFile(key, "a passphrase");
    assert.deepEqual({ N: file.kdf.N, r: file.kdf.r, p: file.kdf.p }, { N: 2 ** 17, r: 8, p: 1 });
    assert.ok(validateSchema(file), JSON.stringify(validateSchema.errors));
    assert.ok(!JSON.stringify(file).includes("PRIVATE KEY"), "no private key in the clear");
    const back = await decryptSigningKeyFile(parseEncryptedKeyFile(JSON.parse(JSON.stringify(file))), "a passphrase");
    assert.deepEqual(back, key);
    const message = new TextEncoder().encode("hello");
    assert.ok(await verifySignature(key, message, await signerFromKeyFile(back).sign(message)));
  });

  it("error: a wrong passphrase is KEY_DECRYPTION_FAILED, one line naming the file", async () => {
    await assert.rejects(decryptKeyDocument(parseEncryptedKeyFile(ed.file), "correct horse battery stapler", "key file k.json"), (e: unknown) => {
      isCode("KEY_DECRYPTION_FAILED", /^key file k\.json: cannot decrypt: wrong passphrase, or the file was altered$/)(e);
      assert.ok(!(e as Error).message.includes("\n"));
      return true;
    });
  });

  it("error: changing any part of the clear header or the ciphertext makes decryption fail (the header is the associated data)", async () => {
    const tampers: [string, (f: any) => void][] = [
      ["public swapped for another key's", (f) => (f.public = clone(secp.file.public))],
      ["kdf.N lowered", (f) => (f.kdf.N = 2 ** 15)],
      ["kdf.r changed", (f) => (f.kdf.r = 4)],
      ["salt changed", (f) => (f.kdf.salt = Buffer.alloc(16, 9).toString("base64"))],
      ["nonce changed", (f) => (f.cipher.nonce = Buffer.alloc(12, 9).toString("base64"))],
      [
        "one ciphertext bit",
        (f) => {
          const bytes = Buffer.from(f.ciphertext, "base64");
          bytes[5]! ^= 1;
          f.ciphertext = bytes.toString("base64");
        },
      ],
      [
        "the tag's last bit",
        (f) => {
          const bytes = Buffer.from(f.ciphertext, "base64");
          bytes[bytes.length - 1]! ^= 1;
          f.ciphertext = bytes.toString("base64");
        },
      ],
    ];
    for (const [what, tamper] of tampers) {
      const f = clone(ed.file);
      tamper(f);
      await assert.rejects(decryptKeyDocument(parseEncryptedKeyFile(f), vectors.passphrase), isCode("KEY_DECRYPTION_FAILED"), what);
    }
    // The other key's header with its own ciphertext is consistent but a decrypted key that is not the named one is refused too.
    const mixed = clone(secp.file);
    await assert.rejects(
      decryptSigningKeyFile(parseEncryptedKeyFile({ ...mixed, public: ed.file.public }), vectors.passphrase),
      isCode("KEY_DECRYPTION_FAILED"),
    );
  });

  it("error: a file asking for more scrypt memory or work than the limits is refused before any work (2^40 does not hang)", () => {
    const cases: [Record<string, number>, RegExp][] = [
      [{ N: 2 ** 40 }, /kdf: asks for 128 GiB|kdf: asks for \d+ GiB of scrypt memory/],
      [{ N: 2 ** 17, r: 8, p: 64 }, /2\^26\.0 scrypt work.*at most 2\^24/],
      [{ N: 2 ** 20, r: 8, p: 1 }, /1 GiB of scrypt memory.*256 MiB/],
      [{ N: 2 ** 13 }, /kdf\.N: is 8192, below 16384/],
      [{ N: 3 * 2 ** 14 }, /kdf\.N: must be a power of two/],
      [{ N: 2 ** 17, r: 0 }, /kdf\.r: expected an integer from 1 to 64/],
      [{ N: Number.MAX_SAFE_INTEGER + 2 }, /kdf\.N: expected an integer/],
    ];
    for (const [kdf, message] of cases) {
      const f = clone(ed.file) as any;
      Object.assign(f.kdf, kdf);
      const started = performance.now();
      assert.throws(() => parseEncryptedKeyFile(f, "key file k.json"), isCode("INVALID_KEY", message), JSON.stringify(kdf));
      assert.ok(performance.now() - started < 1000);
    }
  });

  it("error: unknown format, fields, algorithms and malformed salt, nonce or ciphertext are refused by name", () => {
    const cases: [(f: any) => void, string, RegExp][] = [
      [(f) => (f.format = "provenance-encrypted-key-v2"), "UNSUPPORTED_FORMAT", /unknown encrypted key format/],
      [(f) => (f.extra = 1), "INVALID_KEY", /k\.extra: unknown field/],
      [(f) => (f.kdf.name = "pbkdf2"), "INVALID_KEY", /kdf\.name/],
      [(f) => (f.cipher.name = "aes-128-gcm"), "INVALID_KEY", /cipher\.name/],
      [(f) => (f.contents = "provenance-public-key-v1"), "INVALID_KEY", /contents/],
      [(f) => (f.kdf.salt = "AAAA"), "INVALID_KEY", /kdf\.salt: must be at least 16 bytes/],
      [(f) => (f.cipher.nonce = "AAAAAAAA"), "INVALID_KEY", /cipher\.nonce: must be 12 bytes/],
      [(f) => (f.ciphertext = "AAAA"), "INVALID_KEY", /ciphertext: is shorter than its authentication tag/],
      [(f) => (f.ciphertext = "not base64!"), "INVALID_BASE64", /ciphertext/],
      [(f) => (f.public.keyid = `sha256:${"0".repeat(64)}`), "INVALID_KEY", /public\.keyid/],
    ];
    for (const [tamper, code, message] of cases) {
      const f = clone(ed.file);
      tamper(f);
      assert.throws(() => parseEncryptedKeyFile(f, "k"), isCode(code, message));
    }
  });
});

type Run = { code: number; stdout: string; stderr: string };
function cli(args: string[], cwd: string, env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd, env: { PATH: process.env.PATH!, HOME: cwd, ...env }, timeout: 120_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe("CLI: encrypted key files", () => {
  const PASS = "correct horse battery staple";

  it("default: key generate --encrypt writes an encrypted 0600 file; attest decrypts it with --passphrase-file", async () => {
    const work = await mkdtemp(join(tmpdir(), "provenance-enckey-"));
    const g = await cli(["key", "generate", "--algorithm", "ed25519", "-o", "k.json", "--encrypt", "--json"], work, { PROVENANCE_KEY_PASSPHRASE: PASS });
    assert.equal(g.code, 0, g.stderr);
    assert.equal(JSON.parse(g.stdout).encrypted, true);
    const text = await readFile(join(work, "k.json"), "utf8");
    assert.ok(!text.includes("PRIVATE KEY"));
    const file = parseEncryptedKeyFile(JSON.parse(text));
    assert.equal((file.public as { keyid: string }).keyid, JSON.parse(g.stdout).keyid);
    assert.equal((await stat(join(work, "k.json"))).mode & 0o777, 0o600);
    await writeFile(join(work, "pass.txt"), `${PASS}\n`);
    await mkdir(join(work, "model"));
    await writeFile(join(work, "model", "w.bin"), "weights");
    assert.equal((await cli(["init"], work)).code, 0);
    const a = await cli(["attest", "model-manifest", "--subject", "model", "--key", "k.json", "--passphrase-file", "pass.txt", "--json"], work);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(JSON.parse(a.stdout).keyid, (file.public as { keyid: string }).keyid);
  });

  it("behavior: --passphrase-file reads a pipe (a FIFO, as <(pass show …) gives), so the passphrase need not touch the disk", async () => {
    const work = await mkdtemp(join(tmpdir(), "provenance-enckey-"));
    const g = await cli(["key", "generate", "--algorithm", "ed25519", "-o", "k.json", "--encrypt", "--json"], work, { PROVENANCE_KEY_PASSPHRASE: PASS });
    assert.equal(g.code, 0, g.stderr);
    await mkdir(join(work, "model"));
    await writeFile(join(work, "model", "w.bin"), "weights");
    assert.equal((await cli(["init"], work)).code, 0);
    const piped = async (passphrase: string) => {
      const fifo = join(work, `pass-${randomUUID()}.fifo`);
      execFileSync("mkfifo", [fifo]);
      const run = cli(["attest", "model-manifest", "--subject", "model", "--key", "k.json", "--passphrase-file", fifo, "--json"], work);
      // The writer blocks until the CLI opens the pipe; killed after 30 s if it never does (so a refusal fails, never hangs).
      execFile("sh", ["-c", 'printf "%s\\n" "$1" > "$2"', "sh", passphrase, fifo], { timeout: 30_000 }, () => {});
      return run;
    };
    const good = await piped(PASS);
    assert.equal(good.code, 0, good.stderr + good.stdout);
    assert.equal(JSON.parse(good.stdout).keyid, JSON.parse(g.stdout).keyid);
    const wrong = await piped("not it");
    assert.notEqual(wrong.code, 0, wrong.stdout);
    assert.match(wrong.stdout, /"code": "INVALID_KEY"|passphrase/);
  });

  it("error: without --passphrase-file, PROVENANCE_KEY_PASSPHRASE or a terminal, the command says where a passphrase comes from (exit 2)", async () => {
    const work = await mkdtemp(join(tmpdir(), "provenance-enckey-"));
    await writeFile(join(work, "k.json"), JSON.stringify(ed.file));
    const r = await cli(["key", "prove", "k.json", "--org", "1"], work);
    assert.equal(r.code, 2);
    assert.equal(
      r.stderr,
      "error: key file k.json needs a passphrase: give --passphrase-file <file> or set PROVENANCE_KEY_PASSPHRASE (or run on a terminal to be asked)\n",
    );
    // key generate --encrypt too: a passphrase is never taken from a flag's value.
    const g = await cli(["key", "generate", "-o", "n.json", "--encrypt"], work);
    assert.equal(g.code, 2);
    assert.match(g.stderr, /^error: the new key n\.json needs a passphrase/);
    assert.ok(!existsSync(join(work, "n.json")));
  });

  it("error: a wrong passphrase, a tampered header and a hostile KDF cost are one-line errors, exit 2", async () => {
    const work = await mkdtemp(join(tmpdir(), "provenance-enckey-"));
    await writeFile(join(work, "k.json"), JSON.stringify(ed.file));
    await writeFile(join(work, "swapped.json"), JSON.stringify({ ...ed.file, public: secp.file.public }));
    await writeFile(join(work, "hostile.json"), JSON.stringify({ ...ed.file, kdf: { ...ed.file.kdf, N: 2 ** 40 } }));
    await writeFile(join(work, "model"), "weights");
    assert.equal((await cli(["init"], work)).code, 0);
    const attest = (key: string, passphrase: string) =>
      cli(["attest", "model-manifest", "--subject", "model", "--key", key], work, { PROVENANCE_KEY_PASSPHRASE: passphrase });
    const wrong = await attest("k.json", "not it");
    assert.equal(wrong.code, 2);
    assert.equal(wrong.stderr, "error: key file k.json: cannot decrypt: wrong passphrase, or the file was altered\n");
    const swapped = await attest("swapped.json", vectors.passphrase);
    assert.equal(swapped.code, 2);
    assert.equal(swapped.stderr, "error: key file swapped.json: cannot decrypt: wrong passphrase, or the file was altered\n");
    const hostile = await attest("hostile.json", vectors.passphrase);
    assert.equal(hostile.code, 2);
    assert.match(
      hostile.stderr,
      /^error: key file hostile\.json\.kdf: asks for \d+ GiB of scrypt memory \(128\*N\*r\); this version allows at most 256 MiB\n$/,
    );
    const right = await attest("k.json", vectors.passphrase);
    assert.equal(right.code, 0, right.stderr);
  });

  it("behavior: watermark keygen --encrypt; detect-text decrypts the key", async () => {
    const work = await mkdtemp(join(tmpdir(), "provenance-enckey-"));
    const g = await cli(["watermark", "keygen", "--kind", "text", "-o", "t.json", "--encrypt", "--json"], work, { PROVENANCE_KEY_PASSPHRASE: PASS });
    assert.equal(g.code, 0, g.stderr);
    const file = parseEncryptedKeyFile(JSON.parse(await readFile(join(work, "t.json"), "utf8")));
    assert.deepEqual(file.public, { kind: "text", commitment: JSON.parse(g.stdout).commitment });
    await writeFile(join(work, "tokens.json"), JSON.stringify(Array.from({ length: 40 }, (_, i) => i)));
    const d = await cli(["watermark", "detect-text", "tokens.json", "--key", "t.json", "--json"], work, { PROVENANCE_KEY_PASSPHRASE: PASS });
    assert.equal(d.code, 1, d.stderr); // decrypted and scored: unmarked tokens are not detected
    assert.equal(JSON.parse(d.stdout).detected, false);
    const bad = await cli(["watermark", "detect-text", "tokens.json", "--key", "t.json"], work, { PROVENANCE_KEY_PASSPHRASE: "nope" });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^error: watermark key t\.json: cannot decrypt: wrong passphrase, or the file was altered\n$/);
  });

  it("behavior: on a terminal the passphrase is asked without echo (twice for a new key)", {
    skip: !existsSync("/usr/bin/script") && "needs util-linux script for a pseudo-terminal",
  }, async () => {
    const work = await mkdtemp(join(tmpdir(), "provenance-enckey-"));
    // script(1) gives the CLI a pseudo-terminal; the passphrase is typed on its input.
    const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} key generate -o k.json --encrypt`;
    const typed = await new Promise<Run>((resolve) => {
      const child = execFile(
        "script",
        ["-qec", command, "/dev/null"],
        { cwd: work, env: { PATH: process.env.PATH!, HOME: work }, timeout: 120_000 },
        (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
      // Typed when the prompts are up (raw mode reads what arrives after it is set).
      let sent = 0;
      let seen = "";
      child.stdout!.on("data", (chunk: Buffer) => {
        seen += chunk.toString();
        const prompts = (seen.match(/assphrase[^:]*: /g) ?? []).length;
        for (; sent < Math.min(prompts, 2); sent++) child.stdin!.write(`${PASS}\r`);
      });
    });
    assert.equal(typed.code, 0, typed.stdout + typed.stderr);
    assert.match(typed.stdout, /Passphrase for the new key k\.json: /);
    assert.match(typed.stdout, /Repeat the passphrase: /);
    assert.ok(!typed.stdout.includes(PASS), "the passphrase is not echoed");
    const key = await decryptSigningKeyFile(parseEncryptedKeyFile(JSON.parse(await readFile(join(work, "k.json"), "utf8"))), PASS);
    assert.equal(key.algorithm, "ed25519");
  });
});
