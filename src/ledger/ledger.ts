import { buildBatch } from "../formats/batchMetadata.js";
import type { WaitParameters } from "../chain/transactions.js";
import type { ChainWriter } from "../chain/types.js";
import { ChainError } from "../core/errors/chain.js";
import { invalid } from "../core/errors/input.js";
import { StoreError } from "../core/errors/store.js";
import type { Hex } from "../core/hex.js";
import { MAX_LEAF_COUNT } from "../merkle/tree.js";
import { assembleReceipt } from "./assembleReceipt.js";
import type { Receipt } from "../formats/receipt.js";
import { type ProvenanceRecord, parseRecord } from "../formats/record.js";
import type { DsseEnvelope } from "../formats/attestation/dsse.js";
import { type LedgerEntry, attestationEntry, entryHash, entrySubjectSha256, leafOfEntry } from "../formats/entry.js";
import type { LedgerStore, StoredBatch, StoredLedgerEntry } from "./store/ledgerStore.js";
// The one anchoring engine, the service's (its decisions: src/ledger/anchoring/decide.ts).
import { createAnchoringEngine } from "./anchoring/engine.js";
import { ledgerOutbox } from "./anchoring/ledgerOutbox.js";
import { DEFAULT_FEE_POLICY, type FeePolicy } from "./anchoring/feePolicy.js";
import { silentLogger } from "../core/logger.js";

export { SOFTWARE } from "../formats/batchMetadata.js";

/**
 * Validates a record and stores it as pending. A record already stored (same hash) is not
 * stored again. When this returns, the record is durable.
 *
 * @example
 * import { LedgerStore, addRecord, createRecord } from "provenance-ledger";
 * const { stored } = addRecord(LedgerStore.open(".provenance"), createRecord({ subject }));
 */
export function addRecord(store: LedgerStore, record: ProvenanceRecord): { stored: StoredLedgerEntry; created: boolean } {
  return addEntry(store, { kind: "record", record: parseRecord(record) });
}

/**
 * Stores a signed attestation (a DSSE envelope) as pending, after checking its shape, statement
 * and predicate (not its signatures: the verifier checks those against the chain). The leaf
 * commits to the whole envelope. Durable when this returns.
 *
 * @example
 * import { addAttestation, signStatement } from "provenance-ledger";
 * const { stored } = addAttestation(store, await signStatement(statement, [signer]));
 */
export function addAttestation(store: LedgerStore, envelope: DsseEnvelope): { stored: StoredLedgerEntry; created: boolean } {
  return addEntry(store, attestationEntry(envelope));
}

/** Stores an already-parsed entry (record or attestation). */
export function addEntry(store: LedgerStore, entry: LedgerEntry): { stored: StoredLedgerEntry; created: boolean } {
  return store.addRecord({ entry, recordHash: entryHash(entry), leaf: leafOfEntry(entry), subjectSha256: entrySubjectSha256(entry) });
}

/**
 * Seals pending records (oldest first, at most `maxRecords`, default and cap 2^25) into one
 * Merkle batch and persists it with its whole tree. A record is stored once, so its leaf is in at
 * most one batch; `buildMerkleTree` refuses duplicates besides. `null` if nothing is pending.
 *
 * @example
 * import { sealBatch } from "provenance-ledger";
 * const batch = sealBatch(store); // batch.root is what gets anchored
 */
export function sealBatch(store: LedgerStore, parameters: { now?: Date; maxRecords?: number } = {}): StoredBatch | null {
  const pending = store.pendingLeaves(Math.min(parameters.maxRecords ?? MAX_LEAF_COUNT, MAX_LEAF_COUNT));
  if (pending.length === 0) return null;
  const sealedAt = parameters.now ?? new Date();
  const { tree, metadata, metadataHash } = buildBatch(
    pending.map((r) => r.leaf),
    sealedAt,
  );
  return store.insertBatch({
    lastRecordId: pending.at(-1)!.id,
    root: tree.root,
    leafCount: tree.leafCount,
    metadata,
    metadataHash,
    tree: tree.toBytes(),
    sealedAt: sealedAt.toISOString(),
  });
}

export type AnchorBatchesParameters = WaitParameters & {
  readonly registry: Hex;
  readonly orgId: number;
  /** Fee bumps of a stuck transaction, the fee cap and when a transaction counts as lost (default DEFAULT_FEE_POLICY). */
  readonly fees?: FeePolicy | undefined;
};

/**
 * Anchors every sealed batch not yet anchored, with the anchoring service's engine
 * (src/service/anchorer/): before sending anything it asks the chain whether the root is already
 * anchored (a previous run may have crashed after broadcasting); it persists each signed
 * transaction before broadcasting it and rebroadcasts the same bytes after a crash; a
 * transaction the node lost is rebroadcast, one stuck is replaced with bumped fees up to the cap,
 * one whose nonce was taken or left behind a gap is signed anew, and a batch whose block is
 * reorged out before `confirmations` is anchored again. A batch is recorded once its block has
 * `confirmations`. The registry refuses a root twice, so no batch is ever anchored twice. Throws
 * `CONFIRMATION_TIMEOUT` when the batches are not all confirmed within `timeoutMs` (default 120 s).
 *
 * @example
 * import { anchorBatches } from "provenance-ledger";
 * const anchored = await anchorBatches(store, chain, { registry, orgId: 1, confirmations: 2 });
 */
export async function anchorBatches(store: LedgerStore, writer: ChainWriter, parameters: AnchorBatchesParameters): Promise<StoredBatch[]> {
  const chainId = await writer.getChainId();
  const todo = store.batchesNotAnchored();
  if (todo.length === 0) return [];
  const registry = parameters.registry.toLowerCase() as Hex;
  const confirmations = parameters.confirmations ?? 1;
  const engine = createAnchoringEngine({
    store: await ledgerOutbox(store, { chainId, registry, orgId: parameters.orgId }),
    writer,
    registry,
    chainId,
    orgIds: [parameters.orgId],
    intervalMs: 1,
    maxPending: 1,
    maxLeaves: MAX_LEAF_COUNT,
    confirmations,
    fees: parameters.fees ?? DEFAULT_FEE_POLICY,
    logger: silentLogger,
    events: {},
    now: () => new Date(),
    maySign: async () => true,
  });
  const timeoutMs = parameters.timeoutMs ?? 120_000;
  const deadline = Date.now() + timeoutMs;
  const done = () => todo.every((b) => store.getBatch(b.id)?.status === "anchored");
  await engine.reconcile();
  for (;;) {
    // The service's pass without sealing: confirmations and reorgs, the outbox, then confirmations of what was just mined.
    await engine.checkAnchoredBatches(await writer.getBlockNumber());
    engine.takeNewlyAnchored();
    await engine.driveOutbox();
    if (engine.takeNewlyAnchored()) await engine.checkAnchoredBatches(await writer.getBlockNumber());
    if (done()) return todo.map((b) => store.getBatch(b.id)!);
    if (Date.now() >= deadline)
      throw new ChainError(
        "CONFIRMATION_TIMEOUT",
        `${todo.filter((b) => store.getBatch(b.id)?.status !== "anchored").length} batch(es) did not reach ${confirmations} confirmation(s) within ${timeoutMs / 1000} s; run \`provenance anchor\` again to go on`,
      );
    await new Promise((resolve) => setTimeout(resolve, parameters.pollIntervalMs ?? 250));
  }
}

/**
 * Finds stored entries (records and attestations) by entry id (the entry hash, 0x + 64 hex) or
 * by model digest (64 hex, optionally `sha256:`-prefixed), newest first.
 *
 * @example
 * import { LedgerStore, findEntries } from "provenance-ledger";
 * const [newest] = findEntries(LedgerStore.open(".provenance"), modelSha256);
 */
export function findEntries(store: LedgerStore, query: string): StoredLedgerEntry[] {
  const q = query
    .trim()
    .toLowerCase()
    .replace(/^sha256:/, "");
  const hex = q.startsWith("0x") ? q.slice(2) : q;
  if (!/^[0-9a-f]{64}$/.test(hex))
    invalid("INVALID_ARGUMENT", `"${query}" is neither a record id (0x + 64 hex digits) nor a model digest (64 hex digits, optionally sha256:-prefixed)`);
  const byHash = store.findRecordByHash(`0x${hex}`);
  return byHash ? [byHash] : store.findRecordsBySubject(hex);
}

/**
 * Builds the receipt of a stored, anchored record: the record, its leaf, its proof from the
 * batch's stored tree, the root, and where the root was anchored.
 *
 * @example
 * import { buildReceipt, serializeReceipt } from "provenance-ledger";
 * await writeFile("model.receipt.json", serializeReceipt(buildReceipt(store, modelSha256)));
 */
export function buildReceipt(store: LedgerStore, query: string): Receipt {
  const records = findEntries(store, query);
  if (records.length === 0) throw new StoreError("NOT_FOUND", `no record matches ${query} in ${store.path}`);
  for (const record of records) {
    const batch = record.batchId === null ? null : store.getBatch(record.batchId);
    if (!batch?.anchor) continue;
    return assembleReceipt({ entry: record.entry, leaf: record.leaf, batch: { ...batch, anchor: batch.anchor }, tree: store.getBatchTree(batch.id) });
  }
  const r = records[0]!;
  const status =
    r.batchId === null
      ? "pending (run `provenance anchor`)"
      : `in batch ${r.batchId}, ${store.getBatch(r.batchId)?.status} but not anchored yet (run \`provenance anchor\`)`;
  throw new StoreError("NOT_FOUND", `record ${r.recordHash} is ${status}`);
}

/** @deprecated It finds entries (records and attestations): use `findEntries`. Removed in the next minor release. */
export const findRecords = findEntries;
