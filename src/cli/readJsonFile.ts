import { readFile } from "node:fs/promises";
import { cannotRead } from "./usage.js";
import { parseJson } from "../core/parseJson.js";

/** Reads a UTF-8 file named on the command line; `what` names it in the error (`cannot read the receipt r.json: ENOENT`). */
export async function readTextFile(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (cause) {
    cannotRead(`${what} ${file}`, cause);
  }
}

/** Reads and strictly parses a JSON file, naming the file in errors. */
export async function readJsonFile(file: string, what: string): Promise<unknown> {
  return parseJson(await readTextFile(file, what), `${what} ${file}`);
}
