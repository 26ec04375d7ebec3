import { BaseError, type BaseErrorParameters } from "./base.js";

export type ChainErrorCode =
  | "RPC_UNREACHABLE"
  | "RPC_TIMEOUT"
  | "RPC_ERROR"
  /** The client library refused a request before sending it (e.g. a wallet client without an account). */
  | "CLIENT_CONFIGURATION"
  | "CHAIN_ID_MISMATCH"
  | "CONTRACT_REVERTED"
  | "TRANSACTION_FAILED"
  | "TRANSACTION_NOT_FOUND"
  | "CONFIRMATION_TIMEOUT"
  | "NOT_A_REGISTRY"
  | "ANCHOR_CONFLICT";

/**
 * A failure talking to the chain or the registry. `revertName`/`revertArgs` carry the
 * decoded custom error when a call or transaction reverted.
 */
export class ChainError extends BaseError<ChainErrorCode> {
  override name = "ChainError";
  readonly revertName: string | undefined;
  readonly revertData: string | undefined;
  constructor(code: ChainErrorCode, shortMessage: string, parameters: BaseErrorParameters & { revertName?: string; revertData?: string } = {}) {
    super(code, shortMessage, parameters);
    this.revertName = parameters.revertName;
    this.revertData = parameters.revertData;
  }
}

/** Strips credentials, API keys in the path and query strings from an RPC URL before it is logged or printed. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.username || u.password) {
      u.username = "***";
      u.password = "";
    }
    if (u.search) u.search = "?***";
    // Providers put keys in the last path segment (…/v3/<key>): keep only the host for long segments.
    u.pathname = u.pathname
      .split("/")
      .map((segment) => (segment.length >= 20 ? "***" : segment))
      .join("/");
    return u.toString();
  } catch {
    return "<invalid URL>";
  }
}
