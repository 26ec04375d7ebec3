/**
 * The one error class of provenance-ledger. Every error the library throws is a
 * `BaseError` with a stable `code`, a one-line `shortMessage` meant for people,
 * optional `details`, and the underlying `cause` when there is one.
 *
 * @example
 * import { BaseError } from "provenance-ledger";
 * try { await verifyReceipt(...) } catch (e) {
 *   if (e instanceof BaseError) console.error(e.code, e.shortMessage);
 * }
 */
export type BaseErrorParameters = {
  /** Extra detail for people, printed on a separate line. */
  details?: string | undefined;
  /** Further lines printed below the message (hints, context). */
  metaMessages?: readonly string[] | undefined;
  /** The error that caused this one. */
  cause?: unknown;
};

export class BaseError<code extends string = string> extends Error {
  override name = "ProvenanceError";
  readonly code: code;
  readonly shortMessage: string;
  readonly details: string | undefined;
  readonly metaMessages: readonly string[];

  constructor(code: code, shortMessage: string, parameters: BaseErrorParameters = {}) {
    const lines = [shortMessage];
    if (parameters.metaMessages?.length) lines.push("", ...parameters.metaMessages);
    if (parameters.details) lines.push("", `Details: ${parameters.details}`);
    super(lines.join("\n"), parameters.cause === undefined ? undefined : { cause: parameters.cause });
    this.code = code;
    this.shortMessage = shortMessage;
    this.details = parameters.details;
    this.metaMessages = parameters.metaMessages ?? [];
  }
}

/** The message of any thrown value, for `details`. */
export function describeCause(cause: unknown): string {
  if (cause instanceof BaseError) return cause.shortMessage;
  if (cause instanceof Error) return cause.message.split("\n")[0] ?? cause.name;
  return String(cause);
}
