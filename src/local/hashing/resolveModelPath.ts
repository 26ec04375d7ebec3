import { resolve, sep } from "node:path";
import { HashingError } from "../../core/errors/hashing.js";
import { modelPathProblem } from "../../formats/model/modelPath.js";

/**
 * Resolves a model-relative POSIX path under the model directory `root`, refusing with
 * `PATH_ESCAPES_ROOT` any path that is not a valid model path (see `modelPathProblem`) or
 * would resolve outside `root`. Lexical only: it never touches the filesystem, so symlinks must
 * be refused separately (`hashModel` does, with `lstat`).
 *
 * @example
 * import { resolveModelPath } from "provenance-ledger";
 * resolveModelPath("/models/m", "weights/a.bin"); // "/models/m/weights/a.bin"
 * resolveModelPath("/models/m", "../x"); // throws HashingError PATH_ESCAPES_ROOT
 */
export function resolveModelPath(root: string, relativePath: string): string {
  const problem = modelPathProblem(relativePath);
  const base = resolve(root);
  const full = resolve(base, ...relativePath.split("/"));
  if (problem !== undefined || !full.startsWith(base.endsWith(sep) ? base : base + sep))
    throw new HashingError("PATH_ESCAPES_ROOT", `path would escape the model directory${problem ? ` (${problem})` : ""}`, {
      path: `${base}${sep}${relativePath}`,
    });
  return full;
}
