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
  // Without encoding, where UTF-16 code units already decide: the first unit that differs, when both
  // are below the surrogates (U+D800), orders the UTF-8 bytes the same way (the equal units before
  // it encode alike, a lone surrogate as U+FFFD in both), and a string that is a prefix of the other
  // comes first unless it ends in a high surrogate the longer one may pair. Anything else (surrogate
  // pairs, lone surrogates, U+E000 and above at the difference) is encoded and compared as bytes.
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if (x < 0xd800 && y < 0xd800) return x < y ? -1 : 1;
    return compareBytes(utf8Bytes(a), utf8Bytes(b));
  }
  if (a.length === b.length) return 0;
  const last = n === 0 ? 0 : a.charCodeAt(n - 1);
  if (last >= 0xd800 && last <= 0xdbff) return compareBytes(utf8Bytes(a), utf8Bytes(b));
  return a.length < b.length ? -1 : 1;
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
