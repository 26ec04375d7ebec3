// The one SPDX licence-expression parser (SPDX 2.3 Annex D). Both the dataset predicate and the
// SBOM writer use it; they differ only in whether an id must be on a licence list.

/** Deepest parenthesis nesting accepted: deeper input is refused rather than risking the stack. */
export const MAX_SPDX_NESTING = 32;

const CHARACTERS = /^[A-Za-z0-9.+:()-]+(?: [A-Za-z0-9.+:()-]+)*$/;
// Ids are case-insensitive (Annex D.2); `+` ("or later") follows a listed id, not a LicenseRef.
const LICENSE = /^(?:(?!(?:LicenseRef|DocumentRef)-)[a-z0-9.-]+\+?|(?:DocumentRef-[a-z0-9.-]+:)?LicenseRef-[a-z0-9.-]+)$/i;
const EXCEPTION = /^(?:(?!(?:AdditionRef|DocumentRef)-)[a-z0-9.-]+|(?:DocumentRef-[a-z0-9.-]+:)?AdditionRef-[a-z0-9.-]+)$/i;
// Operators are matched case-sensitively (Annex D.2): "MIT and Apache-2.0" is not an expression.
const OPERATORS = new Set(["AND", "OR", "WITH"]);

export type SpdxExpressionOptions = {
  /**
   * Whether a licence id (without its `+`, never a `LicenseRef-`) is one the caller knows. By default
   * any id of the right syntax: the list changes, the syntax does not.
   */
  readonly isLicenseId?: (id: string) => boolean;
};

/**
 * Whether `text` is an SPDX licence expression: licence ids (`+` allowed), `LicenseRef-` and
 * `DocumentRef-…:LicenseRef-` references, the operators `AND`, `OR` (`AND` binding tighter) and
 * `WITH` (an exception after a single licence), in upper case, and parentheses (at most
 * {@link MAX_SPDX_NESTING} deep), separated by single spaces. A single id is an expression too.
 *
 * @example
 * isSpdxExpression("(MIT AND BSD-3-Clause) OR Apache-2.0"); // true
 * isSpdxExpression("MIT and Apache-2.0"); // false
 */
export function isSpdxExpression(text: string, options: SpdxExpressionOptions = {}): boolean {
  if (!CHARACTERS.test(text)) return false;
  const tokens = text.match(/[()]|[^\s()]+/g) ?? [];
  let i = 0;
  const isToken = (token: string | undefined, pattern: RegExp): token is string => token !== undefined && !OPERATORS.has(token) && pattern.test(token);
  const simple = (depth: number): boolean => {
    if (tokens[i] === "(") {
      i++;
      return depth < MAX_SPDX_NESTING && compound(depth + 1) && tokens[i++] === ")";
    }
    const id = tokens[i++];
    if (!isToken(id, LICENSE)) return false;
    if (options.isLicenseId && !/^(?:DocumentRef-[^:]+:)?LicenseRef-/i.test(id) && !options.isLicenseId(id.replace(/\+$/, ""))) return false;
    if (tokens[i] !== "WITH") return true;
    i++;
    return isToken(tokens[i++], EXCEPTION);
  };
  // One level of the grammar: `operand (operator operand)*`; AND binds tighter than OR.
  const joined =
    (operator: "AND" | "OR", operand: (depth: number) => boolean) =>
    (depth: number): boolean => {
      if (!operand(depth)) return false;
      while (tokens[i] === operator) {
        i++;
        if (!operand(depth)) return false;
      }
      return true;
    };
  const conjunction = joined("AND", simple);
  const compound = joined("OR", conjunction);
  return compound(0) && i === tokens.length;
}
