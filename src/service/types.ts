// Small contracts between the parts of the anchoring service (HTTP layer, anchorer, metrics, logs).

export type { Logger } from "../core/logger.js";
export type { AnchorerEvents } from "../ledger/anchoring/types.js";
