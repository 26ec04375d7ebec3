/** The `format` of a model manifest made by this version (model hashing v2); see `MODEL_DIRECTORY_TAG`. */
export const MODEL_MANIFEST_FORMAT = "provenance-model-manifest-v2";

/**
 * The `format` of a v1 manifest (model hashing v1, before 2026-12): its directory digest was
 * SHA-256 of the manifest's canonical JSON alone, so a single file holding exactly those bytes
 * had the same digest as the whole directory. Still parsed (old stores and vectors), never made.
 */
export const MODEL_MANIFEST_FORMAT_V1 = "provenance-model-manifest-v1";

/**
 * The `format` of a manifest that records how the directory was walked (model hashing v3): made
 * only when symlinks were followed within a root or paths were ignored (`--follow-symlinks`,
 * `--ignore-paths`), so a verifier hashes with the same settings. Its digest is made as v2's.
 */
export const MODEL_MANIFEST_FORMAT_V3 = "provenance-model-manifest-v3";

/** The manifest formats a reader understands, newest first. */
export const MODEL_MANIFEST_FORMATS = [MODEL_MANIFEST_FORMAT_V3, MODEL_MANIFEST_FORMAT, MODEL_MANIFEST_FORMAT_V1] as const;

/** How a directory was walked, as a v3 manifest records it (docs/model-hashing.md#hugging-face-layouts). */
export type ModelWalkSettings = {
  /** Model-relative POSIX paths left out, each with everything under it; sorted by UTF-8 bytes, no repeats. */
  ignorePaths: string[];
  /** `follow`: symlinks resolving inside the root the user named were hashed as the files they point to; `refuse`: none were allowed. */
  symlinks: "follow" | "refuse";
};

/** The per-file digest algorithm of a manifest (and of the manifest itself): whole-file SHA-256. */
export const MODEL_MANIFEST_ALGORITHM = "sha256";

/**
 * Domain tag of model hashing v2: a directory's digest is SHA-256 of these bytes followed by the
 * manifest's canonical JSON. The tag is not JSON and ends with a newline, so no canonical JSON,
 * and no manifest of another version, starts with it; and `hashModel` refuses, as a single-file
 * model, a file that starts with it (`DIRECTORY_TAG_IN_FILE`), so a file's digest (SHA-256 of its
 * bytes, as `sha256sum` prints) can never equal a directory's.
 */
export const MODEL_DIRECTORY_TAG = "provenance-ledger/model-directory/v2\n";

/** How a model's digest is computed, per kind, as records and predicates name it. */
export type ModelHashing = "sha256" | typeof MODEL_MANIFEST_FORMAT | typeof MODEL_MANIFEST_FORMAT_V3;

/** The `hashing` of a digest `hashModel` returned: `sha256` for a file, its manifest's format for a directory. */
export function hashingOfDigest(digest: Pick<ModelDigest, "kind" | "manifest">): ModelHashing {
  return digest.kind === "file" ? "sha256" : digest.manifest?.format === MODEL_MANIFEST_FORMAT_V3 ? MODEL_MANIFEST_FORMAT_V3 : MODEL_MANIFEST_FORMAT;
}

/** The `hashing` that goes with a kind under the current version: `sha256` for a file, the v2 manifest for a directory. */
export function hashingOfKind(kind: "file" | "directory"): "sha256" | typeof MODEL_MANIFEST_FORMAT {
  return kind === "file" ? "sha256" : MODEL_MANIFEST_FORMAT;
}

/** One regular file of a model directory, as recorded in its manifest. */
export type ModelManifestFile = {
  /** Path relative to the model directory, `/`-separated, no `.`/`..`/empty segments. */
  path: string;
  /** Size in bytes. */
  size: number;
  /** SHA-256 of the file's bytes: 64 lower-case hex digits, no `0x`. */
  sha256: string;
};

/**
 * The manifest of a model directory: every regular file with its size and SHA-256, sorted by
 * the UTF-8 bytes of `path`. The model digest is SHA-256 of `MODEL_DIRECTORY_TAG` followed by
 * its RFC 8785 canonical JSON (v2; v1: the canonical JSON alone), see `hashModelManifest`.
 * `format` and `algorithm` say how to recompute it.
 */
export type ModelManifest = {
  format: (typeof MODEL_MANIFEST_FORMATS)[number];
  algorithm: typeof MODEL_MANIFEST_ALGORITHM;
  /** v3 only. */
  ignorePaths?: string[];
  /** v3 only. */
  symlinks?: ModelWalkSettings["symlinks"];
  files: ModelManifestFile[];
};

/**
 * What `hashModel` returns. For a single file `sha256` is the file's SHA-256 (what `sha256sum`
 * prints); for a directory it is the v2 directory digest (`hashModelManifest`), and the manifest
 * is included. `kind` is part of what a model is: records and predicates bind it, verifiers check it.
 */
export type ModelDigest = {
  kind: "file" | "directory";
  /** 64 lower-case hex digits, no `0x`. */
  sha256: string;
  /** Total bytes of all files. */
  size: number;
  /** Number of files (1 for a single-file model). */
  fileCount: number;
  /** Present for directories. */
  manifest?: ModelManifest;
};

/** What `hashModel` reports while it reads. `file` is the model-relative path being read. */
export type HashProgress = {
  bytesHashed: number;
  totalBytes: number;
  file?: string;
};
