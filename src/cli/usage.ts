import { invalid } from "../core/errors/input.js";

// The CLI's refusals of its own arguments and files: INVALID_ARGUMENT without a field path (the
// message names the flag or file), built in one place so that every command words them alike.

/** Refuses the command line: a missing or malformed flag or argument, or a usage line. */
export function invalidArgument(message: string, cause?: unknown): never {
  return invalid("INVALID_ARGUMENT", message, undefined, cause);
}

/** What the operating system said about a file it could not read or write: its errno code, else the message. */
function reason(cause: unknown): string {
  return (cause as NodeJS.ErrnoException).code ?? (cause as Error).message;
}

/** Refuses a file that cannot be read: `cannot read <what>: ENOENT`. `what` names it: "the receipt r.json". */
export function cannotRead(what: string, cause: unknown): never {
  return invalidArgument(`cannot read ${what}: ${reason(cause)}`, cause);
}

/**
 * Refuses a file that cannot be written: `cannot write <file>: EACCES`, or `exists` when the file
 * already exists (a key or proof is never overwritten: written with the flag "wx").
 */
export function cannotWrite(file: string, cause: unknown, exists?: string): never {
  return invalidArgument(exists !== undefined && (cause as NodeJS.ErrnoException).code === "EEXIST" ? exists : `cannot write ${file}: ${reason(cause)}`, cause);
}
