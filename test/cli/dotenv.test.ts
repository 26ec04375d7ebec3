import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { loadDotenv } from "../../src/cli/options.js";

// A `.env` sets the project's own settings (PROVENANCE_*) and nothing else (docs/cli.md): a name
// such as PYTHONPATH or NODE_OPTIONS would reach every program the CLI starts.

const CLI = fileURLToPath(new URL("../../bin/provenance.js", import.meta.url));
const FOREIGN = ["PYTHONPATH", "NODE_OPTIONS", "LD_PRELOAD", "provenance_lower", "PROVENANCEX"] as const;
const set: string[] = [];

after(() => {
  for (const name of set) delete process.env[name];
});

/** A python3 on PATH that runs (the probe `env capture` starts), or undefined. */
function python(): string | undefined {
  try {
    return execFileSync("python3", ["-c", "import sys; print(sys.executable)"], {
      encoding: "utf8",
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
    }).trim();
  } catch {
    return undefined;
  }
}

describe(".env: only the project's own settings", () => {
  it("behavior: loadDotenv sets PROVENANCE_* names from .env and ignores every other name", async () => {
    const folder = await mkdtemp(join(tmpdir(), "provenance-dotenv-"));
    for (const name of [...FOREIGN, "PROVENANCE_DOTENV_TEST"]) assert.equal(process.env[name], undefined, `${name} is not set before the test`);
    await writeFile(
      join(folder, ".env"),
      `PROVENANCE_DOTENV_TEST=kept\nPYTHONPATH=${folder}\nNODE_OPTIONS=--require ${join(folder, "x.cjs")}\nLD_PRELOAD=${join(folder, "x.so")}\nprovenance_lower=1\nPROVENANCEX=1\n`,
    );
    set.push("PROVENANCE_DOTENV_TEST", ...FOREIGN);
    assert.equal(loadDotenv(folder), join(folder, ".env"));
    assert.equal(process.env.PROVENANCE_DOTENV_TEST, "kept");
    for (const name of FOREIGN) assert.equal(process.env[name], undefined, `${name} from .env must not reach the process`);
  });

  it("error: PYTHONPATH in a .env does not reach the probes of env capture (a sitecustomize.py beside it never runs)", async (t) => {
    if (!python()) return t.skip("no python3 runs here");
    const folder = await mkdtemp(join(tmpdir(), "provenance-dotenv-capture-"));
    const marker = join(folder, "PWNED");
    await writeFile(join(folder, ".env"), `PYTHONPATH=${folder}\n`);
    await writeFile(join(folder, "sitecustomize.py"), `open(${JSON.stringify(marker)}, "a").write("sitecustomize ran\\n")\n`);
    const run = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [CLI, "env", "capture", "-o", join(folder, "env.json")],
        { cwd: folder, env: { PATH: process.env.PATH, HOME: process.env.HOME }, timeout: 120_000 },
        (error, _stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stderr }),
      );
    });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(existsSync(marker), false, "python3 ran the .env's sitecustomize.py");
  });
});
