import { MAX_LISTED_PACKAGES } from "../../formats/predicates/environment.js";
import { sortByUtf8 } from "../../core/compareUtf8.js";

/** A package list as recorded: sorted, unique, capped, with the full count. */
export type CappedList<T> = { readonly count: number; readonly truncated: boolean; readonly packages: readonly T[] };

/**
 * Sorts `items` by the UTF-8 bytes of `key`, keeps the first of each key (callers pass items in
 * precedence order), and lists at most `max`; `count` says how many there were.
 *
 * @example
 * import { capPackageList } from "./listPackages.js";
 * capPackageList([{ name: "b" }, { name: "a" }, { name: "a" }], (p) => p.name, 1);
 * // { count: 2, truncated: true, packages: [{ name: "a" }] }
 */
export function capPackageList<T>(items: readonly T[], key: (item: T) => string, max = MAX_LISTED_PACKAGES): CappedList<T> {
  const seen = new Set<string>();
  const unique = items.filter((item) => {
    const k = key(item);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  const sorted = sortByUtf8(unique, key);
  return { count: sorted.length, truncated: sorted.length > max, packages: sorted.slice(0, max) };
}
