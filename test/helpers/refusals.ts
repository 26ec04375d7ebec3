/** Assertions that a verifier refused with the check a test expects (errors carry a named `check`). */
import assert from "node:assert/strict";
import { LightClientError, type LightClientCheck } from "../../src/core/errors/lightClient.js";
import { type VerificationCheck, VerificationError } from "../../src/core/errors/verification.js";

/** Asserts `run` throws a LightClientError with `check`, whose field starts with `field`. */
export function assertLightClientRefusal(run: () => unknown, check: LightClientCheck, field?: string): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof LightClientError, `a LightClientError, got ${String(error)}`);
    assert.equal(error.check, check, error.message);
    if (field !== undefined) assert.ok(error.field?.startsWith(field), `field ${error.field} starts with ${field}`);
    return true;
  });
}

/** Asserts `run` throws a VerificationError with `check` whose message matches every pattern. */
export function assertVerificationRefusal(run: () => unknown, check: VerificationCheck, ...patterns: RegExp[]): void {
  assert.throws(run, (e: unknown) => {
    assert.ok(e instanceof VerificationError, `expected VerificationError, got ${String(e)}`);
    assert.equal(e.check, check);
    for (const p of patterns) assert.match(e.message, p);
    return true;
  });
}
