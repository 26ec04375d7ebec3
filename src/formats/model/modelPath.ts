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
