/** The `format` of a v1 model manifest; loaders refuse any other. */
export const MODEL_MANIFEST_FORMAT = "provenance-model-manifest-v1";

/** The per-file digest algorithm of a v1 manifest (and of the manifest itself): whole-file SHA-256. */
export const MODEL_MANIFEST_ALGORITHM = "sha256";

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
 * the UTF-8 bytes of `path`. The model digest is SHA-256 of its RFC 8785 canonical JSON
 * (see `hashModelManifest`). `format` and `algorithm` say how to recompute it.
 */
export type ModelManifest = {
  format: typeof MODEL_MANIFEST_FORMAT;
  algorithm: typeof MODEL_MANIFEST_ALGORITHM;
  files: ModelManifestFile[];
};

/**
 * What `hashModel` returns. For a single file `sha256` is the file's SHA-256 (what `sha256sum`
 * prints); for a directory it is the SHA-256 of the manifest's canonical JSON, and the manifest
 * is included.
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
