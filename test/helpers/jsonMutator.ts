/**
 * A deterministic mutation engine for JSON documents that a verifier reads: receipts, DSSE
 * envelopes (including the statement inside their base64 payload) and evidence bundles.
 *
 * It mutates genuine documents the way an attacker edits them: change one value (a digest digit,
 * a block number, a case, a prefix), delete or add a key, duplicate a key in the text, swap two
 * values, splice in a value from another genuine document (the most dangerous kind: every piece
 * is real, only the combination is false), change a type, flip or insert bytes, truncate.
 * The fuzz script and the test suite's slice share it, so a run is reproducible from its seed.
 */

/** splitmix32: small, fast, good enough to drive mutations reproducibly from a seed. */
export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  const below = (n: number): number => (n <= 1 ? 0 : next() % n);
  return { next, below, pick: <T>(items: readonly T[]): T => items[below(items.length)]! };
}

export type Random = { next(): number; below(n: number): number; pick<T>(items: readonly T[]): T };

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = readonly (string | number)[];

/** Characters an attacker puts in text that reaches a terminal or a comparison. */
const HOSTILE_CHARACTERS = [
  "\u0000",
  "\u001b[2J",
  "\u001b]8;;http://x\u0007",
  "\r",
  "\n",
  "\u007f",
  "\u009b",
  "\u202e",
  "\u2066",
  "\u200b",
  "\ufeff",
  "\u0301",
  "Ａ",
  "\\",
  '"',
];

/** Every path in `value` (the root excluded), depth first. */
export function pathsOf(value: Json, prefix: Path = []): Path[] {
  const out: Path[] = [];
  if (Array.isArray(value)) value.forEach((item, i) => out.push([...prefix, i], ...pathsOf(item, [...prefix, i])));
  else if (value !== null && typeof value === "object") for (const [k, v] of Object.entries(value)) out.push([...prefix, k], ...pathsOf(v, [...prefix, k]));
  return out;
}

function get(value: Json, path: Path): Json {
  let v: Json = value;
  for (const p of path) v = (v as Record<string | number, Json>)[p as never]!;
  return v;
}

function set(value: Json, path: Path, replacement: Json | undefined): void {
  const parent = get(value, path.slice(0, -1)) as Record<string | number, Json> | Json[];
  const key = path[path.length - 1]!;
  if (replacement === undefined) {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete (parent as Record<string, Json>)[key as string];
  } else (parent as Record<string | number, Json>)[key as never] = replacement as never;
}

function mutateString(s: string, r: Random): string {
  const i = r.below(s.length + 1);
  switch (r.below(12)) {
    case 0:
      return "";
    case 1:
      return s.toUpperCase() === s ? s.toLowerCase() : s.toUpperCase();
    case 2: {
      // Change one hex digit (digests, hashes, addresses, signatures) or one character.
      const hex = "0123456789abcdef";
      const c = s[i] ?? "0";
      const replacement = hex.includes(c) ? hex[(hex.indexOf(c) + 1 + r.below(15)) % 16]! : String.fromCharCode((c.charCodeAt(0) + 1) % 0x7f || 0x41);
      return s.slice(0, i) + replacement + s.slice(i + 1);
    }
    case 3:
      return s.startsWith("0x") ? s.slice(2) : s.startsWith("sha256:") ? s.slice(7) : `0x${s}`;
    case 4:
      return s + s.slice(-2);
    case 5:
      return s.slice(0, Math.max(0, s.length - 1 - r.below(4)));
    case 6:
      return s.slice(0, i) + r.pick(HOSTILE_CHARACTERS) + s.slice(i);
    case 7:
      return ` ${s}`;
    case 8:
      return `${s} `;
    case 9:
      return s.replace(/[0-9a-f]/g, (c) => (c === "0" ? "f" : c));
    case 10:
      return "x".repeat(1 + r.below(5000));
    default:
      return s.split("").reverse().join("");
  }
}

function mutateNumber(n: number, r: Random): Json {
  return r.pick<Json>([n + 1, n - 1, 0, -n, -1, n * 2, n + 0.5, 2 ** 53, 2 ** 32, 2 ** 32 - 1, 2 ** 64, 1e308, String(n), Number.MAX_SAFE_INTEGER]);
}

function mutateValue(v: Json, r: Random): Json | undefined {
  if (r.below(8) === 0) return r.pick<Json | undefined>([null, true, false, 0, "", [], {}, undefined]);
  if (typeof v === "string") {
    // Base64 that decodes to JSON (a DSSE payload): mutate the statement inside, keep the encoding valid.
    if (v.length > 40 && /^[A-Za-z0-9+/]+=*$/.test(v) && r.below(2) === 0) {
      const inner = tryParse(Buffer.from(v, "base64").toString("utf8"));
      if (inner !== undefined) return Buffer.from(JSON.stringify(mutateTree(inner, r, []))).toString("base64");
    }
    return mutateString(v, r);
  }
  if (typeof v === "number") return mutateNumber(v, r);
  if (typeof v === "boolean") return !v;
  if (Array.isArray(v)) {
    const copy = structuredClone(v);
    switch (r.below(5)) {
      case 0:
        return [];
      case 1:
        copy.reverse();
        return copy;
      case 2:
        if (copy.length) copy.push(structuredClone(copy[r.below(copy.length)]!));
        return copy;
      case 3:
        if (copy.length) copy.splice(r.below(copy.length), 1);
        return copy;
      default:
        if (copy.length > 1) {
          const a = r.below(copy.length),
            b = r.below(copy.length);
          [copy[a], copy[b]] = [copy[b]!, copy[a]!];
        }
        return copy;
    }
  }
  if (v !== null && typeof v === "object") {
    const copy = structuredClone(v);
    const keys = Object.keys(copy);
    switch (r.below(3)) {
      case 0:
        copy[r.pick(["extra", "__proto__", "format", "verified", "name", "kind"])] = r.pick<Json>(["x", 1, null, {}]);
        return copy;
      case 1:
        if (keys.length) delete copy[r.pick(keys)];
        return copy;
      default:
        return Object.fromEntries(Object.entries(copy).reverse());
    }
  }
  return v;
}

function tryParse(text: string): Json | undefined {
  try {
    return JSON.parse(text) as Json;
  } catch {
    return undefined;
  }
}

/** One structural mutation of a clone of `doc`, optionally splicing from genuine `donors`. */
function mutateTree(doc: Json, r: Random, donors: readonly Json[]): Json {
  const copy = structuredClone(doc);
  const paths = pathsOf(copy);
  if (!paths.length) return mutateValue(copy, r) ?? null;
  const path = r.pick(paths);
  const choice = r.below(10);
  if (choice < 3 && donors.length) {
    // Splice: the value at the same path in another genuine document, or any value of the same type.
    const donor = r.pick(donors);
    const donorPaths = pathsOf(donor);
    const same = donorPaths.filter((p) => p.length === path.length && p.every((k, i) => k === path[i]));
    const current = get(copy, path);
    const typed = donorPaths.filter((p) => typeof get(donor, p) === typeof current && Array.isArray(get(donor, p)) === Array.isArray(current));
    const from = same.length && r.below(2) === 0 ? same[0]! : typed.length ? r.pick(typed) : undefined;
    if (from) set(copy, path, structuredClone(get(donor, from)));
    return copy;
  }
  if (choice === 3) {
    // Swap two values of the document.
    const other = r.pick(paths);
    const a = structuredClone(get(copy, path));
    const b = structuredClone(get(copy, other));
    const nested =
      other.length >= path.length ? other.slice(0, path.length).every((k, i) => k === path[i]) : path.slice(0, other.length).every((k, i) => k === other[i]);
    if (!nested) {
      set(copy, path, b);
      set(copy, other, a);
    }
    return copy;
  }
  set(copy, path, mutateValue(get(copy, path), r));
  return copy;
}

/** One textual mutation: bytes an attacker writes that no structural edit produces. */
function mutateText(text: string, r: Random): string {
  const i = r.below(text.length);
  switch (r.below(6)) {
    case 0:
      return text.slice(0, i) + String.fromCharCode(text.charCodeAt(i) ^ (1 << r.below(7))) + text.slice(i + 1);
    case 1:
      return text.slice(0, i) + r.pick(HOSTILE_CHARACTERS) + text.slice(i);
    case 2:
      return text.slice(0, i) + text.slice(i + 1 + r.below(8));
    case 3:
      return text.slice(0, i);
    case 4: {
      // Duplicate a key: `"k": v` inserted again after the object's opening brace.
      const match = [...text.matchAll(/"([A-Za-z]+)":\s*("(?:[^"\\]|\\.)*"|-?\d+|true|false|null)/g)];
      if (!match.length) return text;
      const m = r.pick(match);
      const brace = text.lastIndexOf("{", m.index);
      return `${text.slice(0, brace + 1)}"${m[1]}": ${m[2]},${text.slice(brace + 1)}`;
    }
    default:
      return text.replace(/"/, "'");
  }
}

/**
 * One mutant of the genuine document `text`: mostly structural edits (1 to 3 of them, since
 * single edits are what parsers are best tested against and chains of edits reach deeper), some
 * textual. `donors` are other genuine documents of the same kind, for splicing.
 */
export function mutateJsonText(text: string, r: Random, donors: readonly Json[] = []): string {
  if (r.below(5) === 0) return mutateText(text, r);
  let doc = JSON.parse(text) as Json;
  const edits = 1 + (r.below(4) === 0 ? r.below(3) : 0);
  for (let k = 0; k < edits; k++) doc = mutateTree(doc, r, donors);
  return JSON.stringify(doc, null, r.below(2) ? 2 : undefined);
}
