import { readFile } from "node:fs/promises";
import { cannotRead } from "./usage.js";
import { parseJson } from "../core/parseJson.js";

/** Reads and strictly parses a JSON file, naming the file in errors. */
export async function readJsonFile(file: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (cause) {
    cannotRead(`${what} ${file}`, cause);
  }
  return parseJson(text, `${what} ${file}`);
}
