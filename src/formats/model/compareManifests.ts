import { hexEquals } from "../../core/hex.js";
import { sortByUtf8 } from "../../core/compareUtf8.js";
import type { ModelManifest, ModelManifestFile } from "./modelManifest.js";

/** A file present in both manifests whose size or SHA-256 differs. */
export type ChangedModelFile = {
  path: string;
  expected: ModelManifestFile;
  actual: ModelManifestFile;
};

/** Which files of a model directory differ, each list sorted by the UTF-8 bytes of the path. */
export type CompareManifestsReturnType = {
  /** True when both manifests list exactly the same files with the same sizes and digests. */
  equal: boolean;
  /** Paths in `actual` but not in `expected`. */
  added: string[];
  /** Paths in `expected` but not in `actual`. */
  removed: string[];
  /** Paths in both whose size or SHA-256 differs. */
  changed: ChangedModelFile[];
};

/**
 * Names the files that differ between the manifest a model was anchored with (`expected`) and
 * the manifest of the model at hand (`actual`): added, removed and changed files. Both
 * manifests must already be valid (`parseModelManifest`, `hashModel`).
 *
 * @example
 * import { compareManifests, hashModel } from "provenance-ledger";
 * const actual = await hashModel("./model");
 * const { equal, changed } = compareManifests(anchoredManifest, actual.manifest!);
 * if (!equal) for (const file of changed) console.error(`modified: ${file.path}`);
 */
export function compareManifests(expected: ModelManifest, actual: ModelManifest): CompareManifestsReturnType {
  const expectedByPath = new Map(expected.files.map((file) => [file.path, file]));
  const actualByPath = new Map(actual.files.map((file) => [file.path, file]));
  const added = actual.files.filter((file) => !expectedByPath.has(file.path)).map((file) => file.path);
  const removed = expected.files.filter((file) => !actualByPath.has(file.path)).map((file) => file.path);
  const changed: ChangedModelFile[] = [];
  for (const file of expected.files) {
    const other = actualByPath.get(file.path);
    if (other !== undefined && (other.size !== file.size || !hexEquals(other.sha256, file.sha256)))
      changed.push({ path: file.path, expected: file, actual: other });
  }
  return {
    equal: added.length === 0 && removed.length === 0 && changed.length === 0,
    added: sortByUtf8(added, (path) => path),
    removed: sortByUtf8(removed, (path) => path),
    changed: sortByUtf8(changed, (file) => file.path),
  };
}
