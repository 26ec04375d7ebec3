// Structured logging's contract, shared by the ledger's anchoring engine and the service (which
// writes JSON lines: src/service/logger.ts), and the logger that drops everything.

/** Structured logging: one JSON object per line; fields never carry secrets (the logger redacts URLs and keys). */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** Drops everything: the default where nobody asked for logs. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
