import { invalid } from "../../core/errors/input.js";
import { expectArray, expectDigestSet, expectName, expectObject, expectUri } from "../../core/validate.js";

/** The in-toto Statement v1 `_type`. */
export const STATEMENT_TYPE = "https://in-toto.io/Statement/v1";

/** Most subjects accepted in one statement. */
export const MAX_SUBJECTS = 1024;

export type StatementSubject = {
  readonly name: string;
  /** in-toto DigestSet; `sha256` is always present here (the lineage graph is keyed by it). */
  readonly digest: { readonly sha256: string; readonly [algorithm: string]: string };
};

/** An in-toto Statement v1 whose predicate has been validated by its type's parser. */
export type Statement<P = unknown> = {
  readonly _type: typeof STATEMENT_TYPE;
  readonly subject: readonly StatementSubject[];
  readonly predicateType: string;
  readonly predicate: P;
};

/**
 * Validates the statement layer of untrusted JSON: `_type`, 1 to {@link MAX_SUBJECTS} subjects
 * each with a printable name (`expectName`) and a SHA-256 digest, and a `predicateType` URI. The predicate itself is left to
 * `parsePredicate`. Unknown top-level fields are refused.
 */
export function parseStatementLayer(value: unknown, path = "statement"): Statement<unknown> {
  const o = expectObject(value, path, "INVALID_STATEMENT", { required: ["_type", "subject", "predicateType", "predicate"] });
  if (o._type !== STATEMENT_TYPE) invalid("INVALID_STATEMENT", `_type is ${JSON.stringify(o._type)}; only "${STATEMENT_TYPE}" is accepted`, `${path}._type`);
  const subject = expectArray(o.subject, `${path}.subject`, "INVALID_STATEMENT", 1, MAX_SUBJECTS).map((s, i) => {
    const p = `${path}.subject[${i}]`;
    const entry = expectObject(s, p, "INVALID_STATEMENT", { required: ["name", "digest"] });
    return {
      // Printed in verdicts and lineages: printable text only (docs/attestations.md, "Names and printed text").
      name: expectName(entry.name, `${p}.name`, "INVALID_STATEMENT", { max: 1024 }),
      digest: expectDigestSet(entry.digest, `${p}.digest`, "INVALID_STATEMENT", true) as StatementSubject["digest"],
    };
  });
  const predicateType = expectUri(o.predicateType, `${path}.predicateType`, "INVALID_STATEMENT");
  return { _type: STATEMENT_TYPE, subject, predicateType, predicate: o.predicate };
}
