import type { ModelDigest } from "../formats/model/modelManifest.js";
import { createTtyProgress } from "../local/hashing/createTtyProgress.js";
import { hashModel } from "../local/hashing/hashModel.js";
import type { ModelWalkOptions } from "../local/hashing/listModelFiles.js";

/** Hashes a model file or directory as every command does, with a progress line on a terminal's stderr. */
export async function hashWithProgress(path: string, walk: ModelWalkOptions = {}): Promise<ModelDigest> {
  const progress = createTtyProgress();
  try {
    return await hashModel(path, { onProgress: progress.onProgress, ...walk });
  } finally {
    progress.finish();
  }
}
