import { MAX_MACHINE_TEXT } from "../../formats/predicates/environmentLimits.js";

/**
 * Text read from the machine (command output, `/etc/os-release`, package metadata) made safe to
 * record and print: control characters (C0 and DEL: newlines, escapes that drive a terminal)
 * become U+FFFD, surrounding white space is trimmed, and the result is cut to `max` characters.
 *
 * @example
 * import { cleanText } from "./cleanText.js";
 * cleanText("Debian\u001b[31m 12\n"); // "Debian\uFFFD[31m 12"
 */
export function cleanText(text: string, max = MAX_MACHINE_TEXT): string {
  const clean = text.trim().replace(/[\u0000-\u001f\u007f]/g, "\uFFFD");
  return clean.length > max ? `${clean.slice(0, max - 1)}\u2026` : clean;
}
