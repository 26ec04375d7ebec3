import { REVOCATION_PREDICATE_TYPE } from "../../formats/predicates/revocation.js";
import { revokeSubject } from "../../chain/registry.js";
import type { ChainWriter, TransactionReceipt } from "../../chain/types.js";
import type { WaitParameters } from "../../chain/transactions.js";
import { invalid } from "../../core/errors/input.js";
import type { Hex } from "../../core/hex.js";
import { anchorBatches, sealBatch } from "../ledger.js";
import type { LedgerStore } from "../store/ledgerStore.js";

export type PublishRevocationParameters = WaitParameters & {
  readonly registry: Hex;
  readonly orgId: number;
  /** The revocation attestation (entry id) stored in `store`. */
  readonly entryHash: Hex;
};

export type PublishRevocationReturnType = {
  /** The SHA-256 of each subject now revoked on chain. */
  readonly subjects: readonly string[];
  /** Block in which the revocation attestation is anchored. */
  readonly anchoredAt: number;
  /** One `revokeSubject` transaction per subject. */
  readonly receipts: readonly TransactionReceipt[];
};

/**
 * Makes a stored revocation attestation count for every verifier, whatever bundle it is handed:
 * anchors it (sealing and anchoring what is pending, if it is not anchored yet), then sets the
 * organisation's on-chain revocation state of each of its subjects (`revokeSubject`, explained by
 * the attestation's entry id). The writer must be an anchorer and the organisation admin.
 * Verifiers read that state (`readRevocation`) for the model and every ancestor.
 *
 * Throws `InputError("INVALID_ARGUMENT")` if the entry is not a revocation attestation in the store.
 *
 * @example
 * import { publishRevocation, revokeModel } from "provenance-ledger";
 * const entryHash = await revokeModel(context, model, { reason: "data-licence", description: "…" });
 * const { receipts } = await publishRevocation(store, writer, { registry, orgId, entryHash });
 */
export async function publishRevocation(
  store: LedgerStore,
  writer: ChainWriter,
  parameters: PublishRevocationParameters,
): Promise<PublishRevocationReturnType> {
  const stored = store.findRecordByHash(parameters.entryHash);
  if (!stored || stored.entry.kind !== "attestation" || stored.entry.statement.predicateType !== REVOCATION_PREDICATE_TYPE)
    invalid("INVALID_ARGUMENT", `entry ${parameters.entryHash} is not a revocation attestation in ${store.path}`);
  const { registry, orgId, entryHash, ...wait } = parameters;
  if (stored.batchId === null) sealBatch(store);
  await anchorBatches(store, writer, { registry, orgId, ...wait });
  const batch = store.getBatch(store.findRecordByHash(entryHash)!.batchId!);
  if (batch?.status !== "anchored" || !batch.anchor) invalid("INVALID_ARGUMENT", `entry ${entryHash} could not be anchored`);
  const subjects = stored.entry.statement.subject.map((s) => s.digest.sha256);
  const receipts: TransactionReceipt[] = [];
  for (const sha256 of subjects) receipts.push((await revokeSubject(writer, registry, orgId, `0x${sha256}`, entryHash, wait)).receipt);
  return { subjects, anchoredAt: batch.anchor.blockNumber, receipts };
}
