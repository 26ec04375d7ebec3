import { constants } from "node:fs";
import { access, stat } from "node:fs/promises";
import { delimiter, isAbsolute, join } from "node:path";

export type FindExecutableParameters = {
  /** The `PATH` to search. Relative entries (and the empty entry, meaning the working directory) are skipped. */
  readonly path: string | undefined;
  readonly platform?: NodeJS.Platform | undefined;
  /** Windows only: the extensions to try (`PATHEXT`). */
  readonly pathExt?: string | undefined;
};

/**
 * The first executable regular file named `name` in the directories of `PATH`, or undefined.
 * Looking it up first lets a probe say "absent" without spawning anything and record which
 * program ran. A name with a `/` is checked as given.
 *
 * @example
 * import { findExecutable } from "./findExecutable.js";
 * await findExecutable("nvidia-smi", { path: process.env.PATH }); // "/usr/bin/nvidia-smi" or undefined
 */
export async function findExecutable(name: string, parameters: FindExecutableParameters): Promise<string | undefined> {
  if (name.includes("/")) return (await isExecutableFile(name)) ? name : undefined;
  const windows = (parameters.platform ?? process.platform) === "win32";
  const extensions = windows ? ["", ...(parameters.pathExt ?? ".COM;.EXE;.BAT;.CMD").split(";").filter((e) => e !== "")] : [""];
  for (const dir of (parameters.path ?? "").split(delimiter)) {
    // A relative PATH entry would run whatever the working directory holds.
    if (dir === "" || !isAbsolute(dir)) continue;
    for (const extension of extensions) {
      const candidate = join(dir, name + extension);
      if (await isExecutableFile(candidate)) return candidate;
    }
  }
  return undefined;
}

async function isExecutableFile(path: string): Promise<boolean> {
  try {
    if (!(await stat(path)).isFile()) return false;
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
