/**
 * Trees of real files for tests: a test file's own scratch folder, and folders holding given files
 * (a model directory, a site-packages tree, a project's inputs).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after } from "node:test";

/** File contents by path relative to the tree's root (`a/b.bin`: parent folders are created). */
export type TreeFiles = Readonly<Record<string, string | Uint8Array>>;

/** Writes `files` under `root` (created with its parents), synchronously; `dirs` are extra empty folders. Returns `root`. */
export function writeTreeSync(root: string, files: TreeFiles, dirs: readonly string[] = []): string {
  mkdirSync(root, { recursive: true });
  for (const [path, contents] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), contents);
  }
  for (const dir of dirs) mkdirSync(join(root, dir), { recursive: true });
  return root;
}

/** Writes `files` under `root` (created with its parents). Returns `root`. */
export async function writeTree(root: string, files: TreeFiles): Promise<string> {
  for (const [path, contents] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), contents);
  }
  await mkdir(root, { recursive: true });
  return root;
}

/**
 * A scratch folder for the calling test file, removed after its tests (registers an `after` hook),
 * and `tree(files)`: a fresh folder `<name>-<n>` in it holding `files`.
 */
export function scratchTrees(prefix: string, name = "model"): { scratch: string; tree: (files: TreeFiles, dirs?: readonly string[]) => string } {
  const scratch = mkdtempSync(join(tmpdir(), prefix));
  after(() => rmSync(scratch, { recursive: true, force: true }));
  let counter = 0;
  return { scratch, tree: (files, dirs = []) => writeTreeSync(join(scratch, `${name}-${counter++}`), files, dirs) };
}
