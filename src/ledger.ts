import { buildBatch } from "./batchMetadata.js";
import { decodeBatchAnchored, encodeAnchor, findBatchAnchoredLog, readAnchor, withRevertName } from "./chain/registry.js";
import { sendAndWait, waitForTransaction, type WaitParameters } from "./chain/transactions.js";
import type { ChainWriter, TransactionReceipt } from "./chain/types.js";
import { ChainError } from "./errors/chain.js";
import { InputError } from "./errors/input.js";
import { StoreError } from "./errors/store.js";
import type { Hex } from "./hex.js";
import { MAX_LEAF_COUNT } from "./merkle/tree.js";
import { assembleReceipt } from "./assembleReceipt.js";
import type { Receipt } from "./receipt.js";
import { type ProvenanceRecord, parseRecord } from "./record.js";
import type { DsseEnvelope } from "./attestation/dsse.js";
import { type LedgerEntry, attestationEntry, entryHash, entrySubjectSha256, leafOfEntry } from "./entry.js";
import type { BatchAnchorInfo, LedgerStore, StoredBatch, StoredRecord } from "./store/ledgerStore.js";

export { SOFTWARE } from "./batchMetadata.js";

/**
 * Validates a record and stores it as pending. A record already stored (same hash) is not
 * stored again. When this returns, the record is durable.
 *
 * @example
 * import { LedgerStore, addRecord, createRecord } from "provenance-ledger";
 * const { stored } = addRecord(LedgerStore.open(".provenance"), createRecord({ subject }));
 */
export function addRecord(store: LedgerStore, record: ProvenanceRecord): { stored: StoredRecord; created: boolean } {
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
export function addAttestation(store: LedgerStore, envelope: DsseEnvelope): { stored: StoredRecord; created: boolean } {
  return addEntry(store, attestationEntry(envelope));
}

/** Stores an already-parsed entry (record or attestation). */
export function addEntry(store: LedgerStore, entry: LedgerEntry): { stored: StoredRecord; created: boolean } {
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
  const { tree, metadata, metadataHash } = buildBatch(pending.map((r) => r.leaf), sealedAt);
  return store.insertBatch({ lastRecordId: pending.at(-1)!.id, root: tree.root, leafCount: tree.leafCount, metadata, metadataHash, tree: tree.toBytes(), sealedAt: sealedAt.toISOString() });
}

export type AnchorBatchesParameters = WaitParameters & {
  readonly registry: Hex;
  readonly orgId: number;
};

/**
 * Anchors every sealed batch not yet anchored, idempotently: before sending anything it asks the
 * chain whether the root is already anchored (a previous run may have crashed after
 * broadcasting); it persists each signed transaction before broadcasting it and rebroadcasts the
 * same bytes after a crash. The registry refuses a root twice, so no batch is ever anchored twice.
 *
 * @example
 * import { anchorBatches } from "provenance-ledger";
 * const anchored = await anchorBatches(store, chain, { registry, orgId: 1, confirmations: 2 });
 */
export async function anchorBatches(store: LedgerStore, writer: ChainWriter, parameters: AnchorBatchesParameters): Promise<StoredBatch[]> {
  const chainId = await writer.getChainId();
  const done: StoredBatch[] = [];
  for (const batch of store.batchesNotAnchored()) {
    const info = await anchorOne(store, writer, batch, chainId, parameters);
    store.markAnchored(batch.id, info);
    done.push(store.getBatch(batch.id)!);
  }
  return done;
}

async function anchorOne(store: LedgerStore, writer: ChainWriter, batch: StoredBatch, chainId: number, p: AnchorBatchesParameters): Promise<BatchAnchorInfo> {
  const registry = p.registry.toLowerCase() as Hex;
  for (let attempt = 0; attempt < 3; attempt++) {
    // 1. Already anchored (a previous run crashed after broadcasting, or the rebroadcast landed)?
    // Our organisation's anchor only: another organisation's anchor of the same root is no obstacle.
    const onChain = await readAnchor(writer, registry, p.orgId, batch.root);
    if (onChain) {
      const found = await findBatchAnchoredLog(writer, registry, p.orgId, batch.root, BigInt(onChain.blockNumber));
      if (!found) throw new ChainError("TRANSACTION_NOT_FOUND", `root ${batch.root} is anchored at block ${onChain.blockNumber} but its BatchAnchored log was not found`);
      const receipt = await waitForTransaction(writer, found.log.transactionHash, p);
      return toAnchorInfo(writer, receipt, chainId, registry, batch.root, p.orgId);
    }
    // 2. Submitted before a crash: rebroadcast the very same signed bytes (same nonce, same hash).
    const pending = batch.pendingTx;
    if (attempt === 0 && pending && pending.chainId === chainId && pending.registry.toLowerCase() === registry && pending.orgId === p.orgId && pending.raw !== "0x") {
      try {
        await writer.sendRawTransaction(pending.raw);
        const receipt = await waitForTransaction(writer, pending.hash, { ...p, timeoutMs: Math.min(p.timeoutMs ?? 120_000, 30_000) });
        return toAnchorInfo(writer, receipt, chainId, registry, batch.root, p.orgId);
      } catch (error) {
        // Dropped, replaced or reverted: go round again; step 1 tells whether it landed after all.
        if (!(error instanceof ChainError)) throw error;
        continue;
      }
    }
    // 3. Sign, persist the hash, broadcast, wait.
    try {
      const receipt = await sendAndWait(
        writer,
        { to: registry, data: encodeAnchor({ orgId: p.orgId, root: batch.root, leafCount: batch.leafCount, metadataHash: batch.metadataHash }) },
        { ...p, onSigned: (hash, raw) => store.markSubmitted(batch.id, { hash, raw, chainId, registry, orgId: p.orgId }) },
        withRevertName,
      );
      return toAnchorInfo(writer, receipt, chainId, registry, batch.root, p.orgId);
    } catch (error) {
      // Someone (our earlier self) anchored it meanwhile: step 1 picks it up.
      if (error instanceof ChainError && error.revertName === "ProvenanceRegistryRootAlreadyAnchored") continue;
      throw error;
    }
  }
  throw new ChainError("TRANSACTION_FAILED", `batch ${batch.id} (root ${batch.root}) could not be anchored after 3 attempts`);
}

async function toAnchorInfo(writer: ChainWriter, receipt: TransactionReceipt, chainId: number, registry: Hex, root: Hex, orgId: number): Promise<BatchAnchorInfo> {
  const event = receipt.logs.map((log) => decodeBatchAnchored(log, registry)).find((e) => e?.orgId === orgId && e.root === root.toLowerCase());
  if (!event) throw new ChainError("TRANSACTION_FAILED", `transaction ${receipt.transactionHash} did not anchor root ${root} for organisation ${orgId}`);
  const block = await writer.getBlock(receipt.blockNumber);
  if (!block || block.hash !== receipt.blockHash)
    throw new ChainError("TRANSACTION_NOT_FOUND", `block ${receipt.blockNumber} of transaction ${receipt.transactionHash} is no longer on the chain (reorg?)`);
  return {
    chainId,
    registry,
    orgId: event.orgId,
    sequence: event.sequence,
    txHash: receipt.transactionHash,
    blockNumber: Number(receipt.blockNumber),
    blockHash: receipt.blockHash,
    timestamp: Number(block.timestamp),
  };
}

/**
 * Finds stored records by record id (the record hash, 0x + 64 hex) or by model digest
 * (64 hex, optionally `sha256:`-prefixed), newest first.
 */
export function findRecords(store: LedgerStore, query: string): StoredRecord[] {
  const q = query.trim().toLowerCase().replace(/^sha256:/, "");
  const hex = q.startsWith("0x") ? q.slice(2) : q;
  if (!/^[0-9a-f]{64}$/.test(hex))
    throw new InputError("INVALID_ARGUMENT", `"${query}" is neither a record id (0x + 64 hex digits) nor a model digest (64 hex digits, optionally sha256:-prefixed)`);
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
  const records = findRecords(store, query);
  if (records.length === 0) throw new StoreError("NOT_FOUND", `no record matches ${query} in ${store.path}`);
  for (const record of records) {
    const batch = record.batchId === null ? null : store.getBatch(record.batchId);
    if (!batch?.anchor) continue;
    return assembleReceipt({ entry: record.entry, leaf: record.leaf, batch: { ...batch, anchor: batch.anchor }, tree: store.getBatchTree(batch.id) });
  }
  const r = records[0]!;
  const status = r.batchId === null ? "pending (run `provenance anchor`)" : `in batch ${r.batchId}, ${store.getBatch(r.batchId)?.status} but not anchored yet (run \`provenance anchor\`)`;
  throw new StoreError("NOT_FOUND", `record ${r.recordHash} is ${status}`);
}
