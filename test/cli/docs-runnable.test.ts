import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { chmod, mkdir, mkdtemp, readFile, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { type HardhatNode, startHardhatNode } from "../helpers/localNode.js";

// Every shell block of README.md and docs/*.md marked `<!-- runnable -->` (on the line before its
// opening fence) runs as written: with bash -euo pipefail, in a new empty folder, with
// `provenance` on PATH (this checkout's bin, as built) and PROVENANCE_RPC_URL and
// PROVENANCE_PRIVATE_KEY set to a local `hardhat node` and its first development key, as
// README's "Using the CLI" sets them. A block that needs more (a real network, a GPU) is left
// unmarked. So a documented command that breaks fails this test.

const root = fileURLToPath(new URL("../..", import.meta.url));
const KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"; // Hardhat account #0

export type RunnableBlock = { readonly file: string; readonly line: number; readonly script: string };

/** The `<!-- runnable -->` shell blocks of a Markdown text. */
export function runnableBlocks(file: string, text: string): RunnableBlock[] {
  const blocks: RunnableBlock[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length - 1; i++) {
    if (lines[i]!.trim() !== "<!-- runnable -->") continue;
    assert.match(lines[i + 1]!, /^```(sh|bash|shell)$/, `${file}:${i + 1}: <!-- runnable --> must be followed by a \`\`\`sh block`);
    const end = lines.findIndex((l, j) => j > i + 1 && l.startsWith("```"));
    assert.ok(end > 0, `${file}:${i + 2}: unterminated block`);
    blocks.push({ file, line: i + 2, script: lines.slice(i + 2, end).join("\n") });
  }
  return blocks;
}

const pages = [join(root, "README.md"), ...(await readdir(join(root, "docs"))).filter((f) => f.endsWith(".md")).map((f) => join(root, "docs", f))];
const blocks = (await Promise.all(pages.map(async (p) => runnableBlocks(p.slice(root.length), await readFile(p, "utf8"))))).flat();

let node: HardhatNode | undefined;
let rpc: string;
let bin: string;

before(async () => {
  node = await startHardhatNode();
  rpc = node.rpcUrl;
  bin = await mkdtemp(join(tmpdir(), "provenance-docs-bin-"));
  await writeFile(join(bin, "provenance"), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(join(root, "bin", "provenance.js"))} "$@"\n`);
  await chmod(join(bin, "provenance"), 0o755);
});

after(async () => {
  await node?.stop();
});

describe("runnable documentation", () => {
  it("default: README.md marks at least its attestation block runnable", () => {
    assert.ok(
      blocks.some((b) => b.file === "README.md" && b.script.includes("provenance verify-bundle")),
      "README's attestation block",
    );
  });

  it("error: a runnable marker not followed by a shell block is refused", () => {
    assert.throws(() => runnableBlocks("x.md", "<!-- runnable -->\n```ts\nconst a = 1;\n```\n"), /must be followed by a ```sh block/);
    assert.deepEqual(runnableBlocks("x.md", "text\n<!-- runnable -->\n```sh\necho hi\n```\n"), [{ file: "x.md", line: 3, script: "echo hi" }]);
  });

  it("default: every shell block of README.md and docs/ is marked runnable or says why it is not", async () => {
    const unmarked: string[] = [];
    for (const page of pages) {
      const lines = (await readFile(page, "utf8")).split("\n");
      lines.forEach((line, i) => {
        if (/^```(sh|bash|shell)$/.test(line) && !/^<!-- (runnable|not runnable: .+) -->$/.test(lines[i - 1]?.trim() ?? ""))
          unmarked.push(`${page.slice(root.length)}:${i + 1}`);
      });
    }
    assert.deepEqual(unmarked, [], "mark each <!-- runnable --> or <!-- not runnable: <why> -->");
  });

  for (const block of blocks)
    it(`behavior: ${block.file}:${block.line} runs as written`, async () => {
      const work = await mkdtemp(join(tmpdir(), "provenance-docs-"));
      await mkdir(join(work, "home"));
      const env = {
        PATH: `${bin}:${dirname(process.execPath)}:${process.env.PATH}`,
        HOME: join(work, "home"),
        PROVENANCE_RPC_URL: rpc,
        PROVENANCE_PRIVATE_KEY: KEY,
      };
      const run = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(
          "bash",
          ["-euo", "pipefail", "-c", block.script],
          { cwd: work, env, timeout: 600_000, maxBuffer: 64 * 1024 * 1024 },
          (error, stdout, stderr) => {
            resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
          },
        );
      });
      assert.equal(run.code, 0, `${block.file}:${block.line} failed in ${work}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`);
      if (block.script.includes("provenance verify")) assert.match(run.stdout, /^VERIFIED/m, "the block's verification says VERIFIED");
    });
});
