export { HashingError, type HashingErrorCode, ModelManifestError, type ModelManifestErrorCode } from "../../core/errors/hashing.js";
export { type ChangedModelFile, type CompareManifestsReturnType, compareManifests } from "../../formats/model/compareManifests.js";
export { compareUtf8, sortByUtf8 } from "../../core/compareUtf8.js";
export {
  type CreateTtyProgressParameters,
  type ProgressStream,
  type TtyProgress,
  createTtyProgress,
  formatProgressLine,
} from "./createTtyProgress.js";
export {
  type FileIdentity,
  HASH_CHUNK_SIZE,
  type HashFileErrorType,
  type HashFileParameters,
  type HashFileReturnType,
  hashFile,
} from "./hashFile.js";
export { PARALLEL_MIN_BYTES } from "./hashFileRanges.js";
export { type HashModelErrorType, type HashModelParameters, type HashModelReturnType, hashModel } from "./hashModel.js";
export {
  DEFAULT_SHARD_SIZE,
  type HashModelShardsErrorType,
  type HashModelShardsParameters,
  type HashModelShardsReturnType,
  MAX_SHARD_COUNT,
  type ModelShard,
  SINGLE_FILE_PATH,
  hashModelShards,
  iterateShardRanges,
  shardRanges,
} from "./hashModelShards.js";
export { hashModelManifest } from "../../formats/model/hashModelManifest.js";
export { type ListModelFilesErrorType, type ListModelFilesParameters, type ModelFileEntry, listModelFiles } from "./listModelFiles.js";
export {
  type HashProgress,
  MODEL_DIRECTORY_TAG,
  MODEL_MANIFEST_ALGORITHM,
  MODEL_MANIFEST_FORMAT,
  MODEL_MANIFEST_FORMAT_V1,
  MODEL_MANIFEST_FORMATS,
  type ModelHashing,
  hashingOfKind,
  type ModelDigest,
  type ModelManifest,
  type ModelManifestFile,
} from "../../formats/model/modelManifest.js";
export { modelPathProblem } from "../../formats/model/modelPath.js";
export { resolveModelPath } from "./resolveModelPath.js";
export { type ParseModelManifestErrorType, parseModelManifest } from "../../formats/model/parseModelManifest.js";
export {
  type ExpectedModelDigest,
  type VerifyModelDigestErrorType,
  type VerifyModelDigestParameters,
  type VerifyModelDigestReturnType,
  verifyModelDigest,
} from "./verifyModelDigest.js";
