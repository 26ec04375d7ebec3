import type { HashProgress } from "../../src/formats/model/modelManifest.js";

/**
 * A hashing progress callback that runs `change` once, as soon as some bytes of `file` (a path
 * relative to the model; any file when omitted) have been hashed: a file edited while it is read.
 */
export function changeWhileHashing(change: () => void, file?: string): (progress: HashProgress) => void {
  let changed = false;
  return (p) => {
    if (!changed && (file === undefined || p.file === file) && p.bytesHashed > 0) {
      change();
      changed = true;
    }
  };
}
