// What every hashModel progress report must be, however the model is hashed (one thread or workers).
import assert from "node:assert/strict";
import type { HashProgress } from "../../src/formats/model/modelManifest.js";

/** Asserts that `events`, the progress reports of hashing a model of `size` bytes, know the total from the start, never go back, and end at the total without a file. */
export function assertProgressToTotal(events: readonly HashProgress[], size: number): void {
  assert.ok(
    events.every((e) => e.totalBytes === size),
    "totalBytes is known from the start",
  );
  assert.ok(
    events.every((e, i) => i === 0 || e.bytesHashed >= (events[i - 1]?.bytesHashed ?? 0)),
    "bytesHashed never decreases",
  );
  assert.deepEqual(events.at(-1), { bytesHashed: size, totalBytes: size });
}
