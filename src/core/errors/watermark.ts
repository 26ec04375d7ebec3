import { BaseError, type BaseErrorParameters } from "./base.js";

export type WatermarkErrorCode =
  | "INVALID_KEY_FILE"
  | "WRONG_KEY_KIND"
  | "NO_CAPACITY"
  | "INVALID_PARAMETERS"
  | "MODEL_MISMATCH"
  | "KEY_COMMITMENT_MISMATCH"
  | "NO_WATERMARK_ATTESTATION";

/**
 * A watermark operation was refused: a key file that is not a watermark key of this version (or
 * of the wrong kind), parameters out of range, a model with no tensor large enough to carry the
 * payload, an original that does not match the suspect's tensors (non-blind mode), or a revealed
 * key whose commitment is not the anchored one.
 *
 * @example
 * import { WatermarkError } from "provenance-ledger";
 * try { parseWatermarkKey(json) } catch (e) { if (e instanceof WatermarkError) console.error(e.code); }
 */
export class WatermarkError extends BaseError<WatermarkErrorCode> {
  override name = "WatermarkError";
  constructor(code: WatermarkErrorCode, shortMessage: string, parameters: BaseErrorParameters = {}) {
    super(code, shortMessage, parameters);
  }
}
