// Text from receipts, envelopes, bundles, the chain or the filesystem is hostile when it reaches
// a terminal: an ESC sequence can rewrite the screen (recolour "NOT VERIFIED", set the title,
// plant an OSC 8 link), CR can overwrite a line, a C1 CSI (U+009B) is an ESC [ to many
// terminals, and bidi overrides or invisible characters make one string look like another.
// These functions make such characters visible instead of letting a terminal act on them.

/**
 * Characters of our own wording that are not ASCII. They are shown as they are; every other
 * non-ASCII character is made visible, so a look-alike (a Cyrillic `а` in `аcme`) cannot pass
 * for ASCII in a verdict (docs/attestations.md, "Names and printed text").
 */
const OWN_TYPOGRAPHY = new Set(["…", "—", "–", "×", "└", "─", "→"]);

const PRINTABLE_ASCII = /^[\x20-\x7e]$/;

function escapeCodePoint(c: string): string {
  const cp = c.codePointAt(0)!;
  if (c === "\n") return "\\n";
  if (c === "\r") return "\\r";
  if (c === "\t") return "\\t";
  return cp < 0x100 ? `\\x${cp.toString(16).padStart(2, "0")}` : `\\u{${cp.toString(16)}}`;
}

/**
 * One line of human-readable output made safe for a terminal: every character outside printable
 * ASCII (and outside our own few typographic characters) is written as a visible escape
 * (`\x1b`, `\x9b`, `\n`, `\u{202e}`, `\u{430}`), so control characters, bidi overrides,
 * invisible format characters and look-alikes never reach the terminal as themselves. A line
 * break in hostile text becomes `\n` and cannot start a line of its own. Idempotent.
 *
 * @example
 * import { escapeTerminal } from "provenance-ledger";
 * escapeTerminal("acme\x1b[32m VERIFIED"); // "acme\\x1b[32m VERIFIED"
 */
export function escapeTerminal(text: string): string {
  let out = "";
  for (const c of text) out += PRINTABLE_ASCII.test(c) || OWN_TYPOGRAPHY.has(c) ? c : escapeCodePoint(c);
  return out;
}

// Control (Cc), format (Cf: bidi overrides and isolates, zero-width characters, U+061C, BOM,
// tags) and line/paragraph separators. In JSON text these can only occur inside strings.
const UNSAFE_IN_JSON = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;

/**
 * A JSON document made safe for a terminal without changing what it says: every control, format
 * (bidi, zero-width) and separator character inside its strings is written as a `\uXXXX`
 * escape, which a JSON parser turns back into the same character. Line breaks between tokens
 * (pretty printing) are kept. The input must be JSON text (e.g. from `JSON.stringify`).
 *
 * @example
 * import { escapeJsonText } from "provenance-ledger";
 * escapeJsonText(JSON.stringify({ name: "a\u202eb" })); // '{"name":"a\\u202eb"}'
 */
export function escapeJsonText(json: string): string {
  return json.replace(UNSAFE_IN_JSON, (c) => {
    if (c === "\n") return c;
    let out = "";
    for (let i = 0; i < c.length; i++) out += `\\u${c.charCodeAt(i).toString(16).padStart(4, "0")}`;
    return out;
  });
}

/** `JSON.stringify` (bigints as decimal strings, 2-space indent) passed through {@link escapeJsonText}. */
export function safeJsonStringify(value: unknown, indent = 2): string {
  return escapeJsonText(JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v), indent) ?? "null");
}
