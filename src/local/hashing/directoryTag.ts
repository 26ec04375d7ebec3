import { HashingError } from "../../core/errors/hashing.js";
import { MODEL_DIRECTORY_TAG } from "../../formats/model/modelManifest.js";
import { openListedFile, type FileIdentity } from "./openListedFile.js";

const TAG = Buffer.from(MODEL_DIRECTORY_TAG, "utf8");

/**
 * Collects the first bytes of a file as it is read and refuses, once it is read, a file that
 * starts with the directory domain tag. Why: a directory's v2 digest is SHA-256(tag ‖ manifest),
 * so such a file, hashed as a single-file model, would have a directory's digest. Refusing it
 * keeps the two digest spaces apart whatever a record or predicate says about the kind.
 */
export function directoryTagGuard(path: string): { onChunk: (chunk: Buffer) => void; check: () => void } {
  const head = Buffer.alloc(TAG.length);
  let filled = 0;
  return {
    onChunk: (chunk) => {
      if (filled < head.length) filled += chunk.copy(head, filled, 0, Math.min(chunk.length, head.length - filled));
    },
    check: () => {
      if (filled === TAG.length && head.equals(TAG)) throw directoryTagInFile(path);
    },
  };
}

/** Reads the first bytes of a listed file (identity checked) and refuses it if it starts with the tag. */
export async function refuseDirectoryTag(path: string, expected: FileIdentity): Promise<void> {
  if (expected.size < TAG.length) return;
  const { handle } = await openListedFile(path, expected);
  try {
    const head = Buffer.alloc(TAG.length);
    const { bytesRead } = await handle.read(head, 0, TAG.length, 0);
    if (bytesRead === TAG.length && head.equals(TAG)) throw directoryTagInFile(path);
  } finally {
    await handle.close();
  }
}

function directoryTagInFile(path: string): HashingError {
  return new HashingError(
    "DIRECTORY_TAG_IN_FILE",
    `file starts with the directory domain tag ${JSON.stringify(MODEL_DIRECTORY_TAG)}, so its SHA-256 could be a model directory's digest; it is refused as a single-file model`,
    { path },
  );
}
