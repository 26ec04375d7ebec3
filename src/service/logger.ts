import { redactUrl } from "../core/errors/chain.js";
import { escapeJsonText } from "../core/terminalText.js";
import { type Logger, silentLogger } from "../core/logger.js";

export type LogLevel = "debug" | "info" | "warn" | "error";

export const LOG_LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error"];

export type CreateLoggerParameters = {
  /** Least severe level written (default `info`). */
  readonly level?: LogLevel | undefined;
  /** Where lines go (default: process.stderr). */
  readonly write?: ((line: string) => void) | undefined;
  /** Clock, for tests. */
  readonly now?: (() => Date) | undefined;
  /** Fields added to every line (e.g. `{ instance }`). */
  readonly base?: Record<string, unknown> | undefined;
};

/**
 * A JSON-lines logger: one object per line, `{ level, time, msg, ...fields }`. Every field and the
 * message pass through {@link redactLogValue} first, so a URL with credentials, an Authorization
 * header, an API token or a private key handed to it by mistake is not written.
 *
 * @example
 * import { createLogger } from "./service/logger.js";
 * const log = createLogger({ level: "debug" });
 * log.info("listening", { url: "http://127.0.0.1:8080" });
 */
export function createLogger(parameters: CreateLoggerParameters = {}): Logger {
  const min = LOG_LEVELS.indexOf(parameters.level ?? "info");
  const write = parameters.write ?? ((line: string) => void process.stderr.write(line));
  const now = parameters.now ?? (() => new Date());
  const base = parameters.base ?? {};
  const log =
    (level: LogLevel) =>
    (message: string, fields: Record<string, unknown> = {}): void => {
      if (LOG_LEVELS.indexOf(level) < min) return;
      const line = { level, time: now().toISOString(), msg: redactText(message), ...(redactLogValue({ ...base, ...fields }) as Record<string, unknown>) };
      let text: string;
      try {
        text = JSON.stringify(line, jsonReplacer);
      } catch {
        text = JSON.stringify({ level, time: line.time, msg: line.msg, logError: "fields could not be serialised" });
      }
      // Logs are read in terminals too: control and bidi characters in a field stay \u-escaped.
      write(`${escapeJsonText(text)}\n`);
    };
  return { debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") };
}

/** A logger that writes nothing (library use, tests). */
export { silentLogger };

/** Parses a `--log-level` value. */
export function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

// Field names whose value is a secret whatever it looks like.
const SECRET_NAME = /authorization|cookie|password|passwd|secret|token|credential|mnemonic|private/i;
// Field names that may hold a key: an Ethereum private key (0x + 64 hex) under them is removed.
const KEY_NAME = /key/i;
const PRIVATE_KEY_HEX = /0x[0-9a-fA-F]{64}(?![0-9a-fA-F])/g;
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi;
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi;
/** The service's API tokens (see tokens.ts), wherever they appear. */
const API_TOKEN = /\bpvl_[A-Za-z0-9_-]{20,}/g;
const REDACTED = "[REDACTED]";

/**
 * What a log line may carry of `value`: URLs lose credentials, query strings and key-like path
 * segments (redactUrl), `Bearer …` values and API tokens are replaced, fields named like
 * authorization/password/secret/token lose their string value (numbers such as a token's id stay;
 * objects are walked), and fields named like `key` lose any
 * 0x + 64-hex value (a private key). Hashes under other names (entryHash, root, txHash) stay.
 */
export function redactLogValue(value: unknown, name = "", depth = 0): unknown {
  if (depth > 8) return "[…]";
  if (typeof value === "string") {
    if (SECRET_NAME.test(name)) return REDACTED;
    const text = redactText(value);
    return KEY_NAME.test(name) ? text.replace(PRIVATE_KEY_HEX, REDACTED) : text;
  }
  if (value === null || typeof value !== "object") return value;
  if (value instanceof Error) return redactLogValue(describeError(value), name, depth + 1);
  if (Array.isArray(value)) return value.map((v) => redactLogValue(v, name, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = redactLogValue(v, k, depth + 1);
  return out;
}

/** Free text: URLs redacted, bearer credentials and API tokens removed. */
export function redactText(text: string): string {
  return text
    .replace(URL_IN_TEXT, (url) => redactUrl(url))
    .replace(BEARER, (_m, scheme: string) => `${scheme} ${REDACTED}`)
    .replace(API_TOKEN, REDACTED);
}

function describeError(error: Error): Record<string, unknown> {
  const e = error as Error & { code?: unknown; shortMessage?: unknown };
  return {
    name: error.name,
    ...(typeof e.code === "string" ? { code: e.code } : {}),
    message: typeof e.shortMessage === "string" ? e.shortMessage : (error.message.split("\n")[0] ?? ""),
  };
}

function jsonReplacer(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}
