import { invalid } from "../../core/errors/input.js";
import type { ServiceStore } from "./serviceStore.js";
import { type SqliteServiceStoreOptions, openSqliteServiceStore } from "./sqlite.js";

/** Whether `location` names a PostgreSQL database rather than a SQLite file. */
export function isPostgresLocation(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/**
 * Opens the service store at `location`: a `postgres://` (or `postgresql://`) URL, or the path of
 * a SQLite file (created if missing). `sqlite` options apply to a SQLite file only.
 *
 * @example
 * import { openServiceStore } from "./service/store/openServiceStore.js";
 * const store = await openServiceStore(process.env.PROVENANCE_STORE ?? ".provenance/service.db");
 */
export async function openServiceStore(location: string, options: { readonly sqlite?: SqliteServiceStoreOptions } = {}): Promise<ServiceStore> {
  if (location.trim() === "") invalid("INVALID_ARGUMENT", "the store location is empty: give a SQLite file path or a postgres:// URL");
  if (isPostgresLocation(location)) {
    // Loaded only when asked for: a SQLite deployment never loads pg.
    const { openPostgresServiceStore } = await import("./postgres.js");
    return openPostgresServiceStore(location);
  }
  return openSqliteServiceStore(location, options.sqlite);
}
