import type { Hex } from "../../core/hex.js";
import { parseSpec, type Spec, s } from "../../core/spec/spec.js";
import { KEYID, MAX_KEYID_LENGTH } from "../../core/validate.js";

// Field specs several predicates share: one definition each, so their limits and patterns agree.

/** Parses untrusted JSON with a predicate's spec: every predicate's errors are `INVALID_PREDICATE`. */
export function parsePredicate<T>(spec: Spec<T>, value: unknown, path: string): T {
  return parseSpec(spec, value, path, "INVALID_PREDICATE");
}

/** A predicate's fields as its `create…` function takes them: the time field `K` as a `Date`, not a timestamp string. */
export type WithDate<P, K extends keyof P> = Omit<P, K> & { readonly [F in K]: Date };

/** A role or environment: lower-case kebab-case, at most 64 characters (`approver`, `eu-west-production`). */
export const kebabCase = (example: string) => s.string({ max: 64, pattern: /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/, hint: `lower-case kebab-case, e.g. ${example}` });

/** A policy id compared exactly: letters, digits and `._:/@+-`, at most 128 characters. */
export const policyId = () => s.string({ max: 128, pattern: /^[A-Za-z0-9][A-Za-z0-9._:/@+-]*$/, hint: "a policy id: letters, digits and ._:/@+- (no spaces)" });

/** A DSSE keyid as this project makes them (validate.ts KEYID). */
export const keyid = () => s.string({ max: MAX_KEYID_LENGTH, pattern: KEYID, hint: "a DSSE keyid: 0x + 40 lower-case hex digits, or sha256: + 64" });

/** An entry id: `0x` + 64 lower-case hex (SHA-256 of the envelope's canonical JSON). */
export const entryId = () => s.string<Hex>({ min: 66, max: 66, pattern: /^0x[0-9a-f]{64}$/, hint: "an entry id: 0x + 64 lower-case hex digits" });
