import { BaseError, type BaseErrorParameters } from "./base.js";

export type ModelFormatErrorCode =
  | "TRUNCATED_HEADER"
  | "HEADER_TOO_LARGE"
  | "INVALID_HEADER"
  | "UNSUPPORTED_DTYPE"
  | "OVERLAPPING_OFFSETS"
  | "OFFSETS_PAST_END"
  | "PICKLE_REFUSED"
  | "INVALID_INDEX"
  | "UNREADABLE_FILE";

/**
 * A model file was refused: a safetensors header that is truncated, larger than the limit or not
 * the expected JSON, a tensor whose dtype is not supported, data offsets that overlap, leave gaps
 * or run past the file, a PyTorch pickle checkpoint (loading one executes code), a sharded
 * model's index that does not match its shards, or a file that cannot be opened or is not a
 * regular file (`UNREADABLE_FILE`: a directory, symlink, FIFO, socket or device, refused as model
 * hashing refuses it). `file` names the file, `field` the header entry.
 *
 * @example
 * import { ModelFormatError, readSafetensorsHeader } from "provenance-ledger";
 * try { await readSafetensorsHeader("model.safetensors") } catch (e) {
 *   if (e instanceof ModelFormatError) console.error(e.code, e.shortMessage);
 * }
 */
export class ModelFormatError extends BaseError<ModelFormatErrorCode> {
  override name = "ModelFormatError";
  readonly file: string | undefined;
  readonly field: string | undefined;
  constructor(code: ModelFormatErrorCode, shortMessage: string, parameters: BaseErrorParameters & { file?: string; field?: string } = {}) {
    const where = [parameters.file, parameters.field].filter((x) => x !== undefined).join(": ");
    super(code, where ? `${where}: ${shortMessage}` : shortMessage, parameters);
    this.file = parameters.file;
    this.field = parameters.field;
  }
}
