import { constants } from "node:fs";
import { open } from "node:fs/promises";
import { invalid } from "../../core/errors/input.js";

export type ReadSbomInputParameters = {
  /** Larger files are refused (`INVALID_SBOM`) before being read. */
  maxBytes: number;
  /** Return `undefined` when the file does not exist instead of throwing. */
  optional?: boolean;
};

/**
 * Reads one input file of an SBOM scan or ingestion: a regular file, opened with `O_NOFOLLOW`
 * so a symlink is refused rather than followed (a scanned tree must not make us read files
 * outside it), and at most `maxBytes` long. A missing or unreadable file is `INVALID_ARGUMENT`;
 * a symlink, a non-regular file or an oversized one is `INVALID_SBOM`; both name the path.
 */
export async function readSbomInput(path: string, parameters: ReadSbomInputParameters): Promise<Buffer | undefined> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === "ENOENT" && parameters.optional) return undefined;
    if (code === "ELOOP") invalid("INVALID_SBOM", "is a symbolic link (never followed)", path, cause);
    invalid("INVALID_ARGUMENT", `cannot read${code ? ` (${code})` : ""}`, path, cause);
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) invalid("INVALID_SBOM", "is not a regular file", path);
    if (stats.size > parameters.maxBytes) invalid("INVALID_SBOM", `is ${stats.size} bytes, more than the ${parameters.maxBytes} accepted`, path);
    const bytes = await handle.readFile();
    if (bytes.length > parameters.maxBytes) invalid("INVALID_SBOM", `grew beyond ${parameters.maxBytes} bytes while being read`, path);
    return bytes;
  } finally {
    await handle.close();
  }
}
