import { note } from "./output.js";
import { InputError } from "../errors/input.js";
import { createTtyProgress } from "../hashing/createTtyProgress.js";
import { hashModel } from "../hashing/hashModel.js";
import { MODEL_MANIFEST_FORMAT } from "../hashing/modelManifest.js";
import type { CommandContext } from "./commands.js";

/**
 * `provenance hash <path>`: prints a model's digest (a file or a directory, hashed exactly as
 * `record` and `verify` hash it) without recording anything. In text mode stdout is the digest
 * alone (`sha256:<hex>`), so `$(provenance hash ./model)` can be pasted into `--subject-digest` or `--artifact-digest`; what
 * was hashed goes to stderr.
 */
export async function hash({ args, out, flags }: CommandContext): Promise<void> {
  const path = args[0];
  if (!path || args.length > 1) throw new InputError("INVALID_ARGUMENT", "usage: provenance hash <model file or directory> [--json]");
  const progress = createTtyProgress();
  let digest;
  try {
    digest = await hashModel(path, { onProgress: progress.onProgress });
  } finally {
    progress.finish();
  }
  const hashing = digest.kind === "file" ? "sha256" : MODEL_MANIFEST_FORMAT;
  if (!flags.json) note(`${path}: ${digest.kind}, ${digest.fileCount} file(s), ${digest.size} bytes, hashed as ${hashing}; nothing recorded`);
  out.result({ path, digest: `sha256:${digest.sha256}`, sha256: digest.sha256, kind: digest.kind, hashing, size: digest.size, fileCount: digest.fileCount }, [`sha256:${digest.sha256}`]);
}
