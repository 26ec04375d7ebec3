import { sep } from "node:path";

/**
 * A path with the home directory shown as `~` (`/home/alice/.venv/bin/python3` →
 * `~/.venv/bin/python3`), so that a recorded path does not publish a user name. Paths outside
 * the home directory are returned unchanged; a home of `/` or `""` redacts nothing.
 *
 * @example
 * import { redactHome } from "./redactHome.js";
 * redactHome("/home/alice/.venv/bin/python3", "/home/alice"); // "~/.venv/bin/python3"
 */
export function redactHome(path: string, home: string): string {
  if (home === "" || home === sep) return path;
  const base = home.endsWith(sep) ? home.slice(0, -1) : home;
  if (path === base) return "~";
  return path.startsWith(base + sep) ? `~${path.slice(base.length)}` : path;
}

/**
 * Free text (an error message) with every occurrence of the home directory shown as `~`.
 *
 * @example
 * import { redactHomeInText } from "./redactHome.js";
 * redactHomeInText("cannot open /home/alice/x", "/home/alice"); // "cannot open ~/x"
 */
export function redactHomeInText(text: string, home: string): string {
  if (home === "" || home === sep) return text;
  const base = home.endsWith(sep) ? home.slice(0, -1) : home;
  return text.split(base).join("~");
}
