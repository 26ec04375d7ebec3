import { compareBytes, utf8Bytes } from "./bytes.js";

/**
 * Orders two strings by their UTF-8 bytes (what `sort` in the C locale, Python's
 * `sorted(key=str.encode)` and Go's `sort.Strings` do). JavaScript's default `sort` compares
 * UTF-16 code units, which orders astral-plane characters (e.g. U+1F600) before U+E000–U+FFFF
 * (e.g. U+FF61); UTF-8 order puts them after.
 *
 * @example
 * import { compareUtf8 } from "provenance-ledger";
 * ["\u{1F600}", "\uFF61"].sort(compareUtf8); // ["\uFF61", "\u{1F600}"]
 */
export function compareUtf8(a: string, b: string): number {
  return compareBytes(utf8Bytes(a), utf8Bytes(b));
}

/**
 * Sorts (a copy of) `items` by the UTF-8 bytes of `key(item)`, encoding each key once.
 *
 * @example
 * import { sortByUtf8 } from "provenance-ledger";
 * sortByUtf8([{ path: "\u{1F600}" }, { path: "\uFF61" }], (f) => f.path); // [{ path: "\uFF61" }, { path: "\u{1F600}" }]
 */
export function sortByUtf8<T>(items: readonly T[], key: (item: T) => string): T[] {
  return items
    .map((item) => ({ item, bytes: utf8Bytes(key(item)) }))
    .sort((x, y) => compareBytes(x.bytes, y.bytes))
    .map(({ item }) => item);
}
