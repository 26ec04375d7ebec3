import { note } from "./output.js";
import { invalidArgument } from "./usage.js";
import { hashingOfDigest } from "../formats/model/modelManifest.js";
import { walkOptions } from "./options.js";
import type { CommandContext } from "./commands.js";
import { hashWithProgress } from "./hashWithProgress.js";

/**
 * `provenance hash <path>`: prints a model's digest (a file or a directory, hashed exactly as
 * `record` and `verify` hash it) without recording anything. In text mode stdout is the digest
 * alone (`sha256:<hex>`), so `$(provenance hash ./model)` can be pasted into `--subject-digest` or `--artifact-digest`; what
 * was hashed goes to stderr.
 */
export async function hash({ args, out, flags }: CommandContext): Promise<void> {
  const path = args[0];
  if (!path || args.length > 1)
    invalidArgument("usage: provenance hash <model file or directory> [--follow-symlinks <root>] [--ignore-paths <path>]… [--json]");
  const digest = await hashWithProgress(path, walkOptions(flags));
  const hashing = hashingOfDigest(digest);
  if (!flags.json) note(`${path}: ${digest.kind}, ${digest.fileCount} file(s), ${digest.size} bytes, hashed as ${hashing}; nothing recorded`);
  out.result({ path, digest: `sha256:${digest.sha256}`, sha256: digest.sha256, kind: digest.kind, hashing, size: digest.size, fileCount: digest.fileCount }, [
    `sha256:${digest.sha256}`,
  ]);
}
