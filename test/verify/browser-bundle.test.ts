/**
 * The verifier core runs in a browser: esbuild bundles the verification entry point
 * (src/verify/index.ts, the package's `provenance-ledger/verify/core`) for the browser platform,
 * where any Node-only import (`node:…` or a bare built-in) is an error, and the bundle then runs
 * in a context that has a browser's globals and none of Node's (no Buffer, process, require).
 * test/architecture.test.ts checks the same layers' sources; this checks what they pull in from
 * their dependencies too.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { runInNewContext } from "node:vm";
import { type BuildFailure, type BuildResult, build } from "esbuild";

const root = fileURLToPath(new URL("../..", import.meta.url));
const ENTRY = join(root, "src", "verify", "index.ts");

type Bundled = BuildResult<{ write: false; metafile: true }>;

/** Bundles `entry` (or `contents`, resolved from src/verify/) for the browser, as one IIFE script. */
function bundleForBrowser(from: { entry: string } | { contents: string }): Promise<Bundled> {
  return build({
    ...("entry" in from
      ? { entryPoints: [from.entry] }
      : { stdin: { contents: from.contents, loader: "ts", resolveDir: join(root, "src", "verify"), sourcefile: "entry.ts" } }),
    absWorkingDir: root,
    bundle: true,
    write: false,
    metafile: true,
    platform: "browser",
    format: "iife",
    globalName: "verifier",
    target: "es2022",
    logLevel: "silent",
  });
}

/** esbuild's errors for a bundle that fails, as one line each. */
async function bundleErrors(contents: string): Promise<string[]> {
  try {
    await bundleForBrowser({ contents });
  } catch (error) {
    return (error as BuildFailure).errors.map((e) => `${e.text}${e.location ? ` (${e.location.file}:${e.location.line})` : ""}`);
  }
  return [];
}

/** Globals a browser has too (the verifier may use them); Node's own (Buffer, process, require, …) are left out. */
const BROWSER_GLOBALS = [
  "TextEncoder",
  "TextDecoder",
  "crypto",
  "WebAssembly",
  "URL",
  "URLSearchParams",
  "AbortController",
  "AbortSignal",
  "fetch",
  "Headers",
  "Request",
  "Response",
  "atob",
  "btoa",
  "queueMicrotask",
  "structuredClone",
  "setTimeout",
  "clearTimeout",
  "console",
];

function browserContext(): Record<string, unknown> {
  const context: Record<string, unknown> = Object.fromEntries(BROWSER_GLOBALS.map((name) => [name, (globalThis as Record<string, unknown>)[name]]));
  context.navigator = { hardwareConcurrency: 2, userAgent: "browser-bundle.test" };
  context.globalThis = context;
  context.self = context;
  context.window = context;
  return context;
}

describe("verifier core: browser bundle", () => {
  it("default: src/verify/index.ts bundles for the browser platform, with no Node built-in among its inputs", async () => {
    const result = await bundleForBrowser({ entry: ENTRY });
    assert.deepEqual(result.errors, []);
    const inputs = Object.keys(result.metafile.inputs);
    assert.ok(inputs.includes("src/verify/index.ts"), "the entry point is bundled");
    assert.ok(inputs.some((f) => f.startsWith("src/merkle/")) && inputs.some((f) => f.startsWith("src/formats/")), "the layers below it are bundled");
    const outsideTheCore = inputs.filter((f) => /^src\/(local|ledger|service|cli)\//.test(f));
    assert.deepEqual(outsideTheCore, [], "nothing from local/, ledger/, service/ or cli/ is bundled");
    assert.deepEqual(
      inputs.filter((f) => f.startsWith("node:") || f.includes("(disabled)")),
      [],
      "no Node built-in, not even an empty stand-in",
    );
  });

  it("behavior: the bundle runs where Buffer, process and require do not exist, and parses the frozen receipt vector", async () => {
    const result = await bundleForBrowser({ entry: ENTRY });
    const code = result.outputFiles[0]!.text;
    const context = browserContext();
    runInNewContext(`${code}\nglobalThis.verifier = verifier;`, context, { filename: "verifier-core.js" });
    for (const name of ["Buffer", "process", "require"])
      assert.equal(runInNewContext(`typeof ${name}`, context), "undefined", `${name} is not defined in the context`);
    const exported = runInNewContext("Object.keys(verifier).filter((k) => typeof verifier[k] === 'function')", context) as string[];
    for (const name of ["verifyReceipt", "verifyAttestation", "verifyBundle", "parseBundle", "parseReceipt", "fromViem"])
      assert.ok(exported.includes(name), name);
    // The receipt is parsed inside the context, from text, as a page would (objects from Node's realm are not plain JSON there).
    const vector = JSON.parse(await readFile(join(root, "test", "vectors", "receipt-v1.json"), "utf8")) as {
      receipt: unknown;
      expected: { root: string; leaf: string };
    };
    context.receiptText = JSON.stringify(vector.receipt);
    const parsed = runInNewContext("JSON.stringify(verifier.parseReceipt(JSON.parse(receiptText)))", context) as string;
    const receipt = JSON.parse(parsed) as { root: string; leaf: string };
    assert.equal(receipt.root, vector.expected.root);
    assert.equal(receipt.leaf, vector.expected.leaf);
    // And refuses a tampered one with the package's own typed error.
    context.receiptText = JSON.stringify({ ...(vector.receipt as object), root: "0x1234" });
    const refused = runInNewContext(
      "try { verifier.parseReceipt(JSON.parse(receiptText)); 'accepted' } catch (e) { e.name + ' ' + e.code }",
      context,
    ) as string;
    assert.match(refused, /^InputError [A-Z_]+$/);
  });

  it("error: a module importing a Node built-in fails to bundle for the browser, naming it (so the default test can fail)", async () => {
    const fs = await bundleErrors('import { readFileSync } from "node:fs";\nexport const read = readFileSync;');
    assert.equal(fs.length, 1, fs.join("\n"));
    assert.match(fs[0]!, /Could not resolve "node:fs"/);
    const bare = await bundleErrors('import { createHash } from "crypto";\nexport const h = createHash;');
    assert.equal(bare.length, 1, bare.join("\n"));
    assert.match(bare[0]!, /Could not resolve "crypto"/);
    // Through the verifier core: a core module that pulls in local/ (node:fs) breaks the bundle.
    const upward = await bundleErrors('export * from "./index.js";\nexport { hashModel } from "../local/hashing/hashModel.js";');
    assert.ok(upward.length > 0 && upward.every((e) => /Could not resolve "(node:)?[a-z_/]+"/.test(e)), upward.join("\n"));
  });
});
