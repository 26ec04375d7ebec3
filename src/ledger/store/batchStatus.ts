// One vocabulary for where a batch is on its way to receipts, shared by the CLI's ledger store
// (src/ledger/store/ledgerStore.ts) and the service store (src/service/store/). Each store records the
// subset its design needs; a word means the same thing in both.

/**
 * Every batch status, in the order a batch goes through them:
 * - `sealed`: its tree is built and its root fixed; no anchoring transaction is known to be on its way
 *   (the service store also keeps a batch `sealed` while its outbox holds transactions, or after a reorg);
 * - `submitted`: an anchoring transaction was signed and persisted (the ledger store keeps it to rebroadcast);
 * - `anchored`: the root is in a block;
 * - `confirmed`: that block has the required confirmations; receipts are issued.
 */
export const BATCH_STATUSES = ["sealed", "submitted", "anchored", "confirmed"] as const;

export type BatchStatus = (typeof BATCH_STATUSES)[number];

/**
 * The statuses of a ledger (CLI) store batch. `provenance anchor` waits for the confirmations
 * before it records the anchor, so its `anchored` batches are confirmed ones.
 */
export type LedgerBatchStatus = Extract<BatchStatus, "sealed" | "submitted" | "anchored">;

/** The statuses of a service store batch: its outbox, not the batch, records transactions in flight. */
export type ServiceBatchStatus = Extract<BatchStatus, "sealed" | "anchored" | "confirmed">;

/** Where an entry is: `pending` until it is sealed into a batch, then its batch's status. */
export type EntryStatus = "pending" | ServiceBatchStatus;
