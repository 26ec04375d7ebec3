import { BaseError, type BaseErrorParameters } from "./base.js";

export type HashingErrorCode =
  | "PATH_NOT_FOUND"
  | "PATH_UNREADABLE"
  | "SYMLINK_REFUSED"
  // --follow-symlinks <root>: a link that resolves outside the root, is absolute, or names a directory
  | "SYMLINK_ESCAPES_ROOT"
  | "SYMLINK_TO_DIRECTORY"
  // --ignore-paths: not a model-relative path
  | "INVALID_IGNORE_PATH"
  | "SPECIAL_FILE_REFUSED"
  | "PATH_ESCAPES_ROOT"
  | "INVALID_PATH_NAME"
  | "EMPTY_MODEL"
  | "FILE_CHANGED"
  | "DIRECTORY_TAG_IN_FILE"
  | "ABORTED";

/**
 * A model could not be hashed: the path is missing, unreadable, a symlink, a FIFO, socket or
 * device, would escape the model directory, has a name a manifest cannot hold, the model
 * directory holds no files, a file changed while it was read, a single-file model starts with
 * the directory domain tag (`DIRECTORY_TAG_IN_FILE`: its digest could be a directory's), or the
 * caller aborted.
 * `path` is the offending filesystem path; the message names it too.
 *
 * @example
 * import { HashingError, hashModel } from "provenance-ledger";
 * try { await hashModel("./model") } catch (e) {
 *   if (e instanceof HashingError && e.code === "SYMLINK_REFUSED") console.error(`refused ${e.path}`);
 * }
 */
export class HashingError extends BaseError<HashingErrorCode> {
  override name = "HashingError";
  readonly path: string | undefined;
  constructor(code: HashingErrorCode, shortMessage: string, parameters: BaseErrorParameters & { path?: string } = {}) {
    super(code, parameters.path === undefined ? shortMessage : `${shortMessage}: ${parameters.path}`, parameters);
    this.path = parameters.path;
  }
}

export type ModelManifestErrorCode = "INVALID_MANIFEST" | "UNSUPPORTED_FORMAT";

/**
 * A model manifest (untrusted JSON) was refused: an unknown `format` or `algorithm`
 * (`UNSUPPORTED_FORMAT`), or a field that is missing, mistyped, out of range or out of order
 * (`INVALID_MANIFEST`). `field` names the offending field, e.g. `files[3].path`.
 *
 * @example
 * import { ModelManifestError, parseModelManifest } from "provenance-ledger";
 * try { parseModelManifest(JSON.parse(text)) } catch (e) {
 *   if (e instanceof ModelManifestError) console.error(e.field, e.shortMessage);
 * }
 */
export class ModelManifestError extends BaseError<ModelManifestErrorCode> {
  override name = "ModelManifestError";
  readonly field: string | undefined;
  constructor(code: ModelManifestErrorCode, shortMessage: string, parameters: BaseErrorParameters & { field?: string } = {}) {
    super(code, parameters.field === undefined ? shortMessage : `${parameters.field}: ${shortMessage}`, parameters);
    this.field = parameters.field;
  }
}
