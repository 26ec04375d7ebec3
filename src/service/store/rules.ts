// The rules both service store drivers share: the schema version they pin, which batch status
// changes are allowed, the argument checks, and the errors that name a missing row. Each driver
// (sqlite.ts, postgres.ts) keeps only its own SQL and I/O and asks these functions what to do,
// so the two cannot drift apart (the conformance suite, test/service/service-store.test.ts, runs on both).
import { invalid } from "../../core/errors/input.js";
import { StoreError } from "../../core/errors/store.js";
import type { Hex } from "../../core/hex.js";
import type { BatchStatus } from "./serviceStore.js";

/** Schema version of the service store (both drivers) this code reads and writes; newer stores are refused. */
export const SERVICE_SCHEMA_VERSION = 1;

/** The meta key holding the schema version (reserved: `setMeta` refuses it). */
export const SERVICE_SCHEMA_VERSION_KEY = "service_schema_version";

/**
 * The schema version a store holds, checked. `stored`: the meta value (undefined when the store
 * has tables but no version: not a service store). Throws `STORE_VERSION` for a store that is not
 * one, or of a newer version than this code reads.
 *
 * @example
 * import { checkSchemaVersion } from "./service/store/rules.js";
 * checkSchemaVersion("1", "sqlite:/var/lib/provenance/service.db"); // 1
 */
export function checkSchemaVersion(stored: unknown, description: string): number {
  if (stored === undefined)
    throw new StoreError("STORE_VERSION", `${description} is not a provenance service store (it has tables but no ${SERVICE_SCHEMA_VERSION_KEY})`);
  const version = Number(stored);
  if (!Number.isSafeInteger(version) || version > SERVICE_SCHEMA_VERSION)
    throw new StoreError(
      "STORE_VERSION",
      `the service store ${description} has schema version ${String(stored)}; this version of provenance reads up to ${SERVICE_SCHEMA_VERSION}`,
    );
  return version;
}

/** `setMeta`: the schema version's key is the store's own. */
export function checkMetaKey(key: string): void {
  if (key === SERVICE_SCHEMA_VERSION_KEY) invalid("INVALID_ARGUMENT", `the meta key ${key} is reserved for the store's schema version`);
}

/** `sealBatch`'s and `acquireLease`'s counts: positive safe integers. */
export function checkPositive(value: number, name: "maxLeaves" | "ttlMs"): void {
  if (!Number.isSafeInteger(value) || value < 1) invalid("INVALID_ARGUMENT", `${name} must be a positive integer, got ${value}`);
}

/**
 * Whether a batch in status `from` may be marked `to`: true (write it), false (nothing to do: it
 * is there already, or a reorg of a batch that is sealed again), or STORE_CONFLICT for a change
 * that would skip a step: a confirmed batch is not anchored again before a reorg, and a sealed
 * one is not confirmed.
 *
 * @example
 * import { batchTransition } from "./service/store/rules.js";
 * batchTransition(7, "anchored", "confirmed"); // true
 * batchTransition(7, "sealed", "confirmed"); // throws StoreError STORE_CONFLICT
 */
export function batchTransition(batchId: number, from: BatchStatus, to: "anchored" | "confirmed" | "reorged"): boolean {
  switch (to) {
    case "anchored":
      // Anchored again (a reorg moved it, or the same anchor recorded twice) rewrites the anchor.
      if (from === "confirmed") throw new StoreError("STORE_CONFLICT", `batch ${batchId} is confirmed; mark it reorged before anchoring it again`);
      return true;
    case "confirmed":
      if (from === "sealed") throw new StoreError("STORE_CONFLICT", `batch ${batchId} is not anchored; it cannot be confirmed`);
      return from === "anchored";
    case "reorged":
      return from !== "sealed";
  }
}

/** Sealing assigned another number of entries than it read: another writer raced it. Nothing is kept. */
export function checkSealed(orgId: number, read: number, assigned: number): void {
  if (assigned !== read)
    throw new StoreError("STORE_CONFLICT", `expected to seal ${read} pending entries of organisation ${orgId} but assigned ${assigned}; sealing aborted`);
}

export { notFound } from "../../core/errors/store.js";

/** Hashes are stored and compared in lower case. */
export function lower(hex: Hex): Hex {
  return hex.toLowerCase() as Hex;
}
