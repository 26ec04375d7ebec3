import { BaseError, type BaseErrorParameters } from "./base.js";

export type StoreErrorCode = "STORE_UNAVAILABLE" | "STORE_VERSION" | "NOT_FOUND" | "STORE_CONFLICT";

/** A failure of the local ledger store (open, schema, lookups). */
export class StoreError extends BaseError<StoreErrorCode> {
  override name = "StoreError";
  constructor(code: StoreErrorCode, shortMessage: string, parameters: BaseErrorParameters = {}) {
    super(code, shortMessage, parameters);
  }
}

/** The error for a batch or transaction that does not exist. */
export function notFound(what: "batch" | "transaction", id: number): StoreError {
  return new StoreError("NOT_FOUND", `no ${what} ${id}`);
}
