import {
  type EncryptedKeyFile,
  type EncryptedKeyPublicPart,
  type EncryptableFormat,
  decryptKeyDocument,
  encryptKeyDocument,
  isEncryptedKeyFile,
  parseEncryptedKeyFile,
} from "../local/keys/encryptedKey.js";
import { InputError } from "../core/errors/input.js";
import { invalidArgument } from "./usage.js";
import { open } from "node:fs/promises";
import type { ParsedFlags } from "./options.js";
import { prompt, stderr } from "./output.js";
import { readJsonFile } from "./readJsonFile.js";
import { cannotRead } from "./usage.js";

// Secret key files for the CLI: plain, or encrypted under a passphrase (docs/keys.md). The
// passphrase comes from --passphrase-file, else PROVENANCE_KEY_PASSPHRASE, else a prompt on a
// terminal; never from a flag's value (visible in `ps` and kept in shell history).

export const PASSPHRASE_ENV = "PROVENANCE_KEY_PASSPHRASE";
const MAX_PASSPHRASE = 1024;

/** Where a passphrase comes from: the flag's file, else the environment, else a terminal prompt. */
export async function readPassphrase(flags: ParsedFlags, purpose: string, confirm = false): Promise<string> {
  const file = flags["passphrase-file"];
  if (file !== undefined) {
    const text = await readSecretFile(file, `--passphrase-file ${file}`);
    // One trailing line break is the editor's, not the passphrase's.
    return checkPassphrase(text.replace(/\r?\n$/, ""), `--passphrase-file ${file}`);
  }
  const env = process.env[PASSPHRASE_ENV];
  if (env !== undefined && env !== "") return checkPassphrase(env, PASSPHRASE_ENV);
  if (!process.stdin.isTTY || !process.stderr.isTTY)
    invalidArgument(`${purpose} needs a passphrase: give --passphrase-file <file> or set ${PASSPHRASE_ENV} (or run on a terminal to be asked)`);
  const passphrase = checkPassphrase(await promptHidden(`Passphrase for ${purpose}: `), "the passphrase");
  if (confirm && (await promptHidden("Repeat the passphrase: ")) !== passphrase) invalidArgument("the two passphrases differ");
  return passphrase;
}

function checkPassphrase(value: string, what: string): string {
  if (value.length === 0) invalidArgument(`${what} is empty`);
  if (value.length > MAX_PASSPHRASE) invalidArgument(`${what} is longer than ${MAX_PASSPHRASE} characters`);
  return value;
}

/** Reads a line from the terminal without echoing it (raw mode); Ctrl-C or Ctrl-D cancels. */
function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  // Raw mode (no echo) before the question: what is typed once it shows is never echoed.
  stdin.setRawMode(true);
  prompt(question);
  return new Promise((resolve, reject) => {
    let typed = "";
    const finish = (error?: Error): void => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.removeListener("data", onData);
      stderr("\n");
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (chunk: Buffer): void => {
      for (const ch of chunk.toString("utf8")) {
        if (ch === "\r" || ch === "\n") {
          finish();
          return;
        }
        if (ch === "\u0003" || ch === "\u0004") {
          finish(new InputError("INVALID_ARGUMENT", "cancelled at the passphrase prompt"));
          return;
        }
        if (ch === "\u007f" || ch === "\b") typed = [...typed].slice(0, -1).join("");
        else if (ch >= " ") typed += ch;
      }
    };
    stdin.resume();
    stdin.on("data", onData);
  });
}

/**
 * A secret key file's JSON: as read for a plain file; decrypted (with the passphrase from
 * {@link readPassphrase}) for a `provenance-encrypted-key-v1` file.
 */
export async function readSecretKeyJson(file: string, what: string, flags: ParsedFlags): Promise<unknown> {
  const value = await readJsonFile(file, what);
  if (!isEncryptedKeyFile(value)) return value;
  const encrypted = parseEncryptedKeyFile(value, `${what} ${file}`);
  return decryptKeyDocument(encrypted, await readPassphrase(flags, `${what} ${file}`), `${what} ${file}`);
}

/** The encrypted header of a key file, or undefined for a plain one (read without a passphrase). */
export function encryptedHeader(value: unknown, path: string): EncryptedKeyFile | undefined {
  return isEncryptedKeyFile(value) ? parseEncryptedKeyFile(value, path) : undefined;
}

/** The text of a new key file: the key's JSON, or with `--encrypt` that JSON encrypted under a passphrase asked twice. */
export async function newKeyFileText(
  flags: ParsedFlags,
  document: { readonly format: EncryptableFormat } & Record<string, unknown>,
  publicPart: EncryptedKeyPublicPart,
  file: string,
): Promise<string> {
  if (!flags.encrypt) return `${JSON.stringify(document, null, 2)}\n`;
  const encrypted = await encryptKeyDocument(document, publicPart, await readPassphrase(flags, `the new key ${file}`, true));
  return `${JSON.stringify(encrypted, null, 2)}\n`;
}

/**
 * The organisation's own passphrase file, read as it comes: unlike a file handed over for
 * verification it may be a pipe or a link to one (`--passphrase-file <(pass show signer)`, or
 * `/dev/stdin`), which keeps the passphrase off the disk. At most a few KiB, in strict UTF-8.
 */
async function readSecretFile(file: string, name: string): Promise<string> {
  const limit = MAX_PASSPHRASE * 4 + 2;
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    const handle = await open(file, "r");
    try {
      const buffer = new Uint8Array(4096);
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
        if (bytesRead === 0) break;
        total += bytesRead;
        if (total > limit) invalidArgument(`${name} holds more than ${limit} bytes: not a passphrase (at most ${MAX_PASSPHRASE} characters)`);
        chunks.push(buffer.slice(0, bytesRead));
      }
    } finally {
      await handle.close();
    }
  } catch (cause) {
    if (cause instanceof InputError) throw cause;
    cannotRead(name, cause);
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return invalidArgument(`${name} is not UTF-8 text`);
  }
}
