import { resolve, sep } from "node:path";
import { HashingError } from "../../core/errors/hashing.js";

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Why `path` is not a valid model-relative path, or `undefined` if it is. A valid path is
 * relative and POSIX: non-empty `/`-separated segments, none of them `.` or `..`, with no
 * leading `/`, no backslash, no NUL and no lone surrogate (it must be representable in UTF-8).
 * The same rule applies to paths read from disk and paths read from an untrusted manifest.
 *
 * @example
 * import { modelPathProblem } from "provenance-ledger";
 * modelPathProblem("weights/model.safetensors"); // undefined
 * modelPathProblem("../etc/passwd"); // "has a '..' segment"
 */
export function modelPathProblem(path: string): string | undefined {
  if (path.length === 0) return "is empty";
  if (path.includes("\0")) return "contains NUL";
  if (path.includes("\\")) return "contains a backslash (paths are POSIX, '/'-separated)";
  if (path.startsWith("/")) return "is absolute (starts with '/')";
  if (LONE_SURROGATE.test(path)) return "contains a lone surrogate (not valid Unicode)";
  for (const segment of path.split("/")) {
    if (segment === "") return "has an empty segment ('//' or a trailing '/')";
    if (segment === ".") return "has a '.' segment";
    if (segment === "..") return "has a '..' segment";
  }
  return undefined;
}

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
