/**
 * Every repository path README.md and docs/*.md name under src/, test/, bench/ or schemas/ (and
 * dist/src/…, the built copy of src/…) exists, so a page cannot keep sending readers to a folder that
 * was moved or split (as src/lightclient/, src/hashing/ and src/safetensors/ were by the relayout).
 * Patterns are skipped: a path with `<…>`, `{…}`, `*` or `…` in it names many files, not one.
 * CHANGELOG.md is not checked: it records old paths on purpose.
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

export type NamedPath = { readonly line: number; readonly path: string };

/**
 * The repository paths a Markdown text names: `src/…`, `test/…`, `bench/…`, `schemas/…`, with
 * `../` prefixes (links from docs/) dropped and `dist/src/…` read as `src/…` (its source, without
 * the .js/.d.ts ending). A path must start a word: `foo/src/x` and `@scope/test/x` are not ours.
 */
export function namedPaths(text: string): NamedPath[] {
  const found: NamedPath[] = [];
  const pattern = /(?<![\w.@/-])(?:\.\.\/)*(dist\/)?((?:src|test|bench|schemas)\/[\w./<>{},*…-]*)/g;
  for (const [i, line] of text.split("\n").entries()) {
    for (const match of line.matchAll(pattern)) {
      let path = (match[2] as string).replace(/[.,:;]+$/, "");
      if (/[<>{}*…]/.test(path)) continue;
      if (match[1] !== undefined) path = path.replace(/\.(d\.ts|js)$/, "");
      found.push({ line: i + 1, path });
    }
  }
  return found;
}

/** The named paths that do not exist under `base` (for dist/src/…, neither as a folder nor as a .ts file). */
export function missingPaths(text: string, base: string): NamedPath[] {
  return namedPaths(text).filter(({ path }) => !existsSync(join(base, path)) && !existsSync(join(base, `${path}.ts`)));
}

const pages = [
  "README.md",
  ...readdirSync(join(root, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
];

describe("documentation: repository paths", () => {
  it("default: every src/, test/, bench/ and schemas/ path named in README.md and docs/ exists", () => {
    const missing = pages.flatMap((page) => missingPaths(readFileSync(join(root, page), "utf8"), root).map(({ line, path }) => `${page}:${line}: ${path}`));
    assert.deepEqual(missing, [], `${missing.length} path(s) named in the docs do not exist:\n${missing.join("\n")}`);
  });

  it("default: the pages name paths at all (the check is not vacuous)", () => {
    const named = pages.flatMap((page) => namedPaths(readFileSync(join(root, page), "utf8")));
    assert.ok(named.length > 100, `only ${named.length} paths found`);
    assert.ok(named.some(({ path }) => path === "src/verify/lightclient/lightReader.ts"));
  });

  it("error: a moved folder, a moved file and a built path to a moved module are reported; patterns, other packages' paths and links are read as meant", () => {
    const text = [
      "The light client is in `src/lightclient/` and `src/hashing/hashModel.ts`.",
      "Built: `dist/src/lightclient` and dist/src/verify/lightclient/index.js.",
      "Tests in `test/<layer>/`, schemas in `schemas/*.json`, `src/service/store/{sqlite,postgres}.ts`.",
      "Not ours: `@scope/test/x`, `node_modules/foo/src/x`, `scripts/train.py`.",
      "A link: [tree](../src/merkle/tree.ts), and `bench/merkle.ts`.",
    ].join("\n");
    assert.deepEqual(
      namedPaths(text).map(({ path }) => path),
      ["src/lightclient/", "src/hashing/hashModel.ts", "src/lightclient", "src/verify/lightclient/index", "src/merkle/tree.ts", "bench/merkle.ts"],
    );
    assert.deepEqual(missingPaths(text, root), [
      { line: 1, path: "src/lightclient/" },
      { line: 1, path: "src/hashing/hashModel.ts" },
      { line: 2, path: "src/lightclient" },
    ]);
  });
});
