import { BaseError } from "../core/errors/base.js";
import { LightClientError } from "../core/errors/lightClient.js";
import { errorBody } from "../core/errors/errorBody.js";
import { VerificationError } from "../core/errors/verification.js";
import { escapeJsonText, escapeTerminal, safeJsonStringify } from "../core/terminalText.js";

export { escapeJsonText, escapeTerminal } from "../core/terminalText.js";

// The CLI's only way to a terminal. Every human-readable line is passed through escapeTerminal
// as a whole, whoever built it, so a name, keyid, path or error message taken from a receipt,
// bundle, the chain or the filesystem cannot carry a control character, a bidi override or a
// line break of its own to the screen. JSON keeps the real strings (a parser gets them back)
// with every control, format and separator character written as \uXXXX.
// test/cli/cli-output.test.ts fails if any other module of src/ writes to stdout or stderr.

/** Where commands write: human lines by default, one JSON document with `--json`. */
export type Output = {
  /** A command's result: `json` under `--json`, else the human `lines` (one line each, escaped). */
  result(json: unknown, lines: readonly string[]): void;
  /** A JSON document written as is (e.g. a receipt on stdout), its strings' control characters escaped. */
  raw(text: string): void;
  /** Progress or narration for people; silent under `--json`. Escaped like `result` lines. */
  say(line: string): void;
};

// A closed pipe (`provenance … | head -1`) is not an error: the reader has what it wanted. The
// stream is written no more, and the command runs to its end, so the process exits quietly with
// the code it would have had (a NOT VERIFIED stays 1, under `set -o pipefail` too). Any other
// write error (a full disk) is reported once on stderr and turns a successful exit (0 or 3) into 2.
const failedStreams = new Set<NodeJS.WriteStream>();
let watching = false;

function watchProcessStreams(): void {
  if (watching) return;
  watching = true;
  for (const [stream, name] of [
    [process.stdout, "standard output"],
    [process.stderr, "standard error"],
  ] as const)
    stream.on("error", (error: NodeJS.ErrnoException) => writeFailed(stream, name, error));
}

function writeFailed(stream: NodeJS.WriteStream, name: string, error: NodeJS.ErrnoException): void {
  if (failedStreams.has(stream)) return; // a write queued before the first failure fails too
  failedStreams.add(stream);
  if (error.code === "EPIPE") return;
  write(process.stderr, terminalLines([`error: cannot write ${name}: ${error.code ?? error.message}`]));
  process.once("exit", (code) => {
    if (code === 0 || code === 3) process.exitCode = 2;
  });
}

function write(stream: NodeJS.WriteStream, text: string): void {
  watchProcessStreams();
  if (!failedStreams.has(stream)) stream.write(text);
}

/** Writes to stdout (the default sink of {@link createOutput}); a closed pipe ends the output quietly. */
export const stdout = (text: string): void => write(process.stdout, text);
/** Writes to stderr; a closed pipe ends the output quietly. */
export const stderr = (text: string): void => write(process.stderr, text);

/** A warning or note for people, on stderr (so stdout stays the command's output), escaped like every line. */
export function note(line: string): void {
  stderr(terminalLines([line]));
}

/** A question for the person at the terminal (a passphrase prompt), on stderr, escaped, without a line break. */
export function prompt(text: string): void {
  stderr(escapeTerminal(text));
}

/** The two sinks of a CLI run (tests pass their own to capture the bytes). */
export type Streams = { readonly stdout: (text: string) => void; readonly stderr: (text: string) => void };
export const processStreams: Streams = { stdout, stderr };

/** Lines for a terminal: each escaped as a whole, then ended with a line break. */
export function terminalLines(lines: readonly string[]): string {
  return lines.map((l) => `${escapeTerminal(l)}\n`).join("");
}

export function createOutput(json: boolean, write: (text: string) => void = stdout): Output {
  return {
    result: (value, lines) => write(json ? `${safeJsonStringify(value)}\n` : terminalLines(lines)),
    raw: (text) => write(escapeJsonText(text)),
    say: (line) => {
      if (!json) write(terminalLines([line]));
    },
  };
}

/** The usage text (ours): still written line by line through the escaper. */
export function printUsage(text: string, streams: Streams = processStreams): void {
  streams.stdout(terminalLines(text.replace(/\n$/, "").split("\n")));
}

/**
 * What a refused verification trusted (its trust mode and pins, as its verdict would print them):
 * `lines` follow the refusal on stderr, `json` is spread beside `error` (`trustMode`, `trusted`).
 */
export type RefusalTrust = { readonly lines: readonly string[]; readonly json: Readonly<Record<string, unknown>> };

/**
 * Prints a failed command's error once: the single place the CLI prints errors. Messages embed
 * hostile strings (a field's value, a file name, an organisation's name), so the text form is
 * escaped like every line; the JSON form keeps the real strings, escaped as JSON.
 */
export function printError(
  error: unknown,
  json: boolean,
  { stdout, stderr }: Streams = processStreams,
  { verifier = false, trusted }: { verifier?: boolean; trusted?: RefusalTrust | undefined } = {},
): void {
  if (json) {
    // One shape for every command (docs/cli.md#errors); `verified: false` only where something was verified.
    stdout(`${safeJsonStringify({ ...(verifier ? { verified: false } : {}), error: errorBody(error), ...trusted?.json })}\n`);
  } else if (error instanceof VerificationError) {
    stderr(terminalLines([`NOT VERIFIED: check "${error.check}" failed: ${error.shortMessage}`, ...(trusted?.lines ?? [])]));
  } else if (error instanceof LightClientError) {
    // Light mode: the node's answer did not prove what it claimed; the verdict is refused, naming the proof check.
    stderr(terminalLines([`NOT VERIFIED: light-client check "${error.check}" failed: ${error.shortMessage}`, ...(trusted?.lines ?? [])]));
  } else if (error instanceof BaseError) {
    stderr(terminalLines([`error: ${error.shortMessage}`, ...error.metaMessages.map((m) => `  ${m}`), ...(error.details ? [`  ${error.details}`] : [])]));
  } else {
    // The message may hold hostile text (a line break of its own included): one escaped line;
    // only the stack frames below it, which are ours, are split into lines.
    const message = error instanceof Error ? error.message : String(error);
    const head = error instanceof Error ? `${error.name}: ${message}` : message;
    const stack =
      error instanceof Error && error.stack?.startsWith(head)
        ? error.stack
            .slice(head.length)
            .split("\n")
            .filter((l) => l !== "")
        : [];
    stderr(terminalLines([`internal error: ${message}`, ...stack]));
  }
}

/** `2026-11-24 13:45:07 UTC` from Unix seconds. */
export function formatTime(seconds: number): string {
  return `${new Date(seconds * 1000)
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, "")} UTC`;
}
