import { createRequire } from "node:module";

type Sqlite = typeof import("node:sqlite");

let loaded: Sqlite | undefined;

/**
 * `node:sqlite`, loaded on first use rather than on import: code that only verifies never loads
 * SQLite, and the SDK's users do not see its ExperimentalWarning (Node 22 prints it once, on
 * load). Only that warning is held back; every other warning is emitted as usual.
 */
export function loadSqlite(): Sqlite {
  if (loaded) return loaded;
  const emitWarning = process.emitWarning;
  process.emitWarning = function (this: NodeJS.Process, warning: string | Error, ...rest: unknown[]) {
    const type = typeof rest[0] === "string" ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
    const name = warning instanceof Error ? warning.name : type;
    if (name === "ExperimentalWarning" && /SQLite/.test(String(warning instanceof Error ? warning.message : warning))) return;
    return (emitWarning as (...args: unknown[]) => void).call(process, warning, ...rest);
  } as typeof process.emitWarning;
  try {
    loaded = createRequire(import.meta.url)("node:sqlite") as Sqlite;
  } finally {
    process.emitWarning = emitWarning;
  }
  return loaded;
}
