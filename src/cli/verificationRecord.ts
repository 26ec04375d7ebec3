import { AsyncLocalStorage } from "node:async_hooks";
import type { TrustedChainReader } from "../chain/trustMode.js";
import type { VerifierPins } from "./pins.js";

// What a verifier command had settled when it was refused: its pins, its chain reader and the
// chain ID. main runs each command with a record of its own; verifierChainId (pins.ts) fills it
// in, and a NOT VERIFIED refusal prints what it trusted from it (main.ts, docs/cli.md#errors).

/** A verification whose pins and chain are settled. */
export type Verification = { readonly pins: VerifierPins; readonly chain: TrustedChainReader; readonly chainId: number };

/** One command's record: the last verification it settled, if any. */
export type VerificationRecord = { verification?: Verification };

const records = new AsyncLocalStorage<VerificationRecord>();

/** Runs `run` with `record` as the record its verifications are written to. */
export function recordingVerifications<T>(record: VerificationRecord, run: () => Promise<T>): Promise<T> {
  return records.run(record, run);
}

/** Records a settled verification in the running command's record (nothing outside a command). */
export function recordVerification(verification: Verification): void {
  const record = records.getStore();
  if (record) record.verification = verification;
}
