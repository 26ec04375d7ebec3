/**
 * Reads an os-release file (`/etc/os-release`, freedesktop.org format): `KEY=value` lines,
 * values unquoted or in single or double quotes, `\` escaping `"`, `\`, `$` and backquote
 * inside double quotes; blank lines and `#` comments ignored. Lines that are not assignments
 * are skipped, as the specification asks.
 *
 * @example
 * import { parseOsRelease } from "provenance-ledger";
 * parseOsRelease('ID=debian\nVERSION_ID="12"\n').get("VERSION_ID"); // "12"
 */
export function parseOsRelease(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    const match = /^([A-Za-z0-9_]+)=(.*)$/.exec(line);
    if (!match) continue;
    const [, key, value] = match as unknown as [string, string, string];
    let parsed: string | undefined;
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) parsed = value.slice(1, -1).replace(/\\(["\\$`])/g, "$1");
    else if (value.length >= 2 && value.startsWith("'") && value.endsWith("'")) parsed = value.slice(1, -1);
    else if (!/["'\\$`\s]/.test(value)) parsed = value;
    if (parsed !== undefined) fields.set(key, parsed);
  }
  return fields;
}
