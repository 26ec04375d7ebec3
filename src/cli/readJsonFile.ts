import { readFile } from "node:fs/promises";
import { InputError } from "../core/errors/input.js";
import { parseJson } from "../core/parseJson.js";

/** Reads and strictly parses a JSON file, naming the file in errors. */
export async function readJsonFile(file: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (cause) {
    throw new InputError("INVALID_ARGUMENT", `cannot read ${what} ${file}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`, { cause });
  }
  return parseJson(text, `${what} ${file}`);
}
