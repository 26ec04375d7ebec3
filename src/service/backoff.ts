export type CreateBackoffParameters = {
  /** The first delay (default 250 ms). */
  readonly initialMs?: number | undefined;
  /** The longest delay (default 30 s). */
  readonly maxMs?: number | undefined;
  /** Uniform in [0, 1) (default `Math.random`); tests pass a fixed one. */
  readonly random?: (() => number) | undefined;
};

/** Exponential backoff with jitter: each failure doubles the delay up to a cap; a success starts over. */
export type Backoff = {
  /** The delay before the next attempt, after one more failure. */
  next(): number;
  /** Failures since the last success. */
  readonly failures: number;
  reset(): void;
};

/**
 * Creates a backoff: the n-th consecutive failure waits a random time between half and all of
 * `min(maxMs, initialMs · 2^(n−1))` ("equal jitter"). The jitter keeps instances that failed
 * together from retrying in step; the lower half bound keeps the delays growing.
 *
 * @example
 * import { createBackoff } from "./service/backoff.js";
 * const backoff = createBackoff();
 * try { await call(); backoff.reset(); } catch { await sleep(backoff.next()); }
 */
export function createBackoff(parameters: CreateBackoffParameters = {}): Backoff {
  const initialMs = parameters.initialMs ?? 250;
  const maxMs = parameters.maxMs ?? 30_000;
  const random = parameters.random ?? Math.random;
  let failures = 0;
  return {
    next() {
      const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(failures, 30));
      failures++;
      return Math.round(ceiling / 2 + (random() * ceiling) / 2);
    },
    get failures() {
      return failures;
    },
    reset() {
      failures = 0;
    },
  };
}
