import { InputError, rebase } from "../../core/errors/input.js";
import { parseJsonBytes } from "../../core/parseJson.js";
import { type DsseEnvelope, envelopePayload } from "./dsse.js";
import { parsePredicate } from "../predicates/index.js";
import { type Statement, parseStatementLayer } from "./statement.js";

/**
 * Validates an untrusted in-toto Statement v1 completely: the statement layer, then the predicate
 * with its type's parser. An unknown `predicateType` is refused (`UNKNOWN_PREDICATE`): a verifier
 * that does not understand a claim must not vouch for it.
 */
export function parseStatement(value: unknown, path = "statement"): Statement {
  const statement = parseStatementLayer(value, path);
  return { ...statement, predicate: parsePredicate(statement.predicateType, statement.predicate, `${path}.predicate`) };
}

/**
 * The statement an envelope carries: payload bytes parsed with the strict JSON parser (duplicate
 * keys, lone surrogates and numbers beyond 2^53 refused first), then {@link parseStatement}.
 * Does not check signatures.
 */
export function statementOfEnvelope(envelope: DsseEnvelope, path = "envelope"): Statement {
  return statementOfPayload(envelopePayload(envelope), path);
}

/** {@link statementOfEnvelope} from the payload's bytes already decoded (`verifyEnvelope` decodes them once for the statement and the PAE). */
export function statementOfPayload(payload: Uint8Array, path = "envelope"): Statement {
  let json: unknown;
  try {
    json = parseJsonBytes(payload, `${path}.payload`);
  } catch (error) {
    if (error instanceof InputError && error.path?.startsWith("$")) rebase(error, `${path}.payload${error.path.slice(1)}`);
    throw error;
  }
  return parseStatement(json, `${path}.payload`);
}
