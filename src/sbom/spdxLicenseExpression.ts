import { SPDX } from "@cyclonedx/cyclonedx-library";

const REF = /^(DocumentRef-[A-Za-z0-9.-]+:)?LicenseRef-[A-Za-z0-9.-]+$/;
const EXCEPTION = /^[A-Za-z0-9.-]+$/;

/**
 * Whether `text` is an SPDX licence expression (SPDX 2.3 Annex D) made of licence ids CycloneDX
 * knows, `LicenseRef-…` references, `+`, `AND`, `OR`, `WITH <exception>` and parentheses.
 * A single id is an expression too. Used to choose between a CycloneDX `expression`, an `id`
 * and a free-form licence `name`.
 *
 * @example
 * import { isSpdxLicenseExpression } from "provenance-ledger";
 * isSpdxLicenseExpression("MIT OR Apache-2.0"); // true
 * isSpdxLicenseExpression("BSD License"); // false
 */
export function isSpdxLicenseExpression(text: string): boolean {
  const tokens = text.replace(/[()]/g, " $& ").trim().split(/\s+/);
  if (text.length > 4096 || tokens.length === 0 || tokens[0] === "") return false;
  let i = 0;
  const operator = (word: string) => tokens[i] === word || tokens[i] === word.toLowerCase();
  const term = (depth: number): boolean => {
    const token = tokens[i++];
    if (token === undefined) return false;
    if (token === "(") {
      if (depth > 32 || !expression(depth + 1) || tokens[i++] !== ")") return false;
      return true;
    }
    const id = token.endsWith("+") ? token.slice(0, -1) : token;
    if (!SPDX.isSupportedSpdxId(id) && !REF.test(token)) return false;
    if (operator("WITH")) {
      i++;
      const exception = tokens[i++];
      return exception !== undefined && EXCEPTION.test(exception);
    }
    return true;
  };
  const expression = (depth: number): boolean => {
    if (!term(depth)) return false;
    while (operator("AND") || operator("OR")) {
      i++;
      if (!term(depth)) return false;
    }
    return true;
  };
  return expression(0) && i === tokens.length;
}

/**
 * Whether `text` is one licence id of the SPDX list (as CycloneDX 1.6 ships it), exactly.
 *
 * @example
 * import { isSpdxLicenseId } from "provenance-ledger";
 * isSpdxLicenseId("Apache-2.0"); // true
 * isSpdxLicenseId("Apache 2.0"); // false
 */
export function isSpdxLicenseId(text: string): boolean {
  return SPDX.isSupportedSpdxId(text);
}
