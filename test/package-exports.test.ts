/**
 * The package's public surface, frozen: every name exported from the root and from each subpath
 * export in package.json, values and types apart, compared with test/fixtures/package-exports.json.
 * An export added, removed or turned from a value into a type fails here until the snapshot is
 * updated on purpose:
 *
 *   npm run build --silent && UPDATE_SNAPSHOTS=1 npx hardhat test nodejs test/package-exports.test.ts
 *
 * and the diff of the snapshot is reviewed with the change (and noted in CHANGELOG.md).
 */
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = fileURLToPath(new URL("..", import.meta.url));
const SNAPSHOT = join(root, "test", "fixtures", "package-exports.json");

type Entry = { readonly types: string; readonly default: string };
type Surface = { readonly values: string[]; readonly types: string[] };

/** The subpath exports that are modules (package.json itself is data, not API). */
async function moduleExports(): Promise<Map<string, Entry>> {
  const manifest = JSON.parse(await readFile(join(root, "package.json"), "utf8")) as { exports: Record<string, unknown> };
  const entries = new Map<string, Entry>();
  for (const [subpath, target] of Object.entries(manifest.exports)) {
    if (typeof target === "string") continue;
    entries.set(subpath, target as Entry);
  }
  return entries;
}

/** Names a declaration file exports that exist only as types (interfaces, type aliases, type-only re-exports). */
function typeOnlyNames(program: ts.Program, file: string): string[] {
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file);
  assert.ok(source, `${file} was not loaded`);
  const moduleSymbol = checker.getSymbolAtLocation(source);
  assert.ok(moduleSymbol, `${file} is not a module`);
  const names: string[] = [];
  for (const symbol of checker.getExportsOfModule(moduleSymbol)) {
    const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    if (!(target.flags & ts.SymbolFlags.Value)) names.push(symbol.getName());
  }
  return names.sort();
}

let computed: Promise<Record<string, Surface>> | undefined;
/** Computed once per run: building the declaration program takes a few seconds. */
const surface = () => (computed ??= computeSurface());

async function computeSurface(): Promise<Record<string, Surface>> {
  const entries = await moduleExports();
  const files = [...entries.values()].map((entry) => join(root, entry.types));
  const program = ts.createProgram(files, {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    skipLibCheck: true,
    noEmit: true,
  });
  const result: Record<string, Surface> = {};
  for (const [subpath, entry] of [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const specifier = subpath === "." ? "provenance-ledger" : `provenance-ledger/${subpath.slice(2)}`;
    const values = Object.keys((await import(specifier)) as object).sort();
    result[subpath] = { values, types: typeOnlyNames(program, join(root, entry.types)) };
  }
  return result;
}

describe("package export list", () => {
  it("default: the root and every subpath export exactly the names in test/fixtures/package-exports.json", async () => {
    const actual = await surface();
    if (process.env.UPDATE_SNAPSHOTS === "1") await writeFile(SNAPSHOT, `${JSON.stringify(actual, null, 2)}\n`);
    const expected = JSON.parse(await readFile(SNAPSHOT, "utf8")) as Record<string, Surface>;
    assert.deepEqual(Object.keys(actual), Object.keys(expected), "the subpath exports in package.json changed");
    for (const subpath of Object.keys(expected)) {
      const was = expected[subpath]!;
      const now = actual[subpath]!;
      const added = [...now.values.filter((n) => !was.values.includes(n)), ...now.types.filter((n) => !was.types.includes(n)).map((n) => `type ${n}`)];
      const removed = [...was.values.filter((n) => !now.values.includes(n)), ...was.types.filter((n) => !now.types.includes(n)).map((n) => `type ${n}`)];
      assert.deepEqual(
        { added, removed },
        { added: [], removed: [] },
        `exports of "${subpath}" changed: update the snapshot on purpose (see this file's header)`,
      );
    }
  });

  it("behavior: every subpath's declared types file and module both exist and agree on the value names", async () => {
    const actual = await surface();
    for (const [subpath, { values, types }] of Object.entries(actual)) {
      assert.ok(values.length > 0, `${subpath} exports no values`);
      for (const name of types) assert.ok(!values.includes(name), `${subpath}: ${name} is both a type-only export and a value`);
    }
  });
});
