import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { main } from "../../src/cli/main.js";
import { InputError } from "../../src/core/errors/input.js";
import { FLAGS, type FlagName, type FlagSpec } from "../../src/cli/options.js";
import { createOutput } from "../../src/cli/output.js";
import { COMMANDS, HELP_WIDTH, parseProgram } from "../../src/cli/program.js";

// The command line as commander parses it (src/cli/program.ts): per-command help, refusals, flags.
type Run = { code: number; stdout: string; stderr: string };

async function cli(args: string[]): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const code = await main(args, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
  return { code, stdout, stderr };
}

const tooWide = (text: string) => text.split("\n").filter((l) => l.length > HELP_WIDTH);

describe("CLI command line", () => {
  it("default: every command's help (--help and help <command>) shows its synopsis, its own flags and an example, within 100 columns", async () => {
    for (const spec of COMMANDS) {
      const name = spec.path.join(" ");
      const viaFlag = await cli([...spec.path, "--help"]);
      const viaHelp = await cli(["help", ...spec.path]);
      assert.equal(viaFlag.code, 0, `${name}: ${viaFlag.stderr}`);
      assert.equal(viaHelp.code, 0, `help ${name}: ${viaHelp.stderr}`);
      assert.equal(viaHelp.stdout, viaFlag.stdout, `help ${name} and ${name} --help agree`);
      const help = viaFlag.stdout;
      assert.match(help, new RegExp(`^Usage: provenance ${name} `), name);
      assert.match(help, /\nExample:\n {2}provenance /, `${name} shows an example`);
      assert.ok(help.includes(spec.example), `${name}: its example`);
      for (const flag of spec.flags) if (!("hidden" in FLAGS[flag])) assert.ok(help.includes(`--${flag}`), `${name} lists --${flag}`);
      assert.ok(help.includes("--json"), `${name} lists --json`);
      assert.deepEqual(tooWide(help), [], `${name}: lines wider than ${HELP_WIDTH} columns`);
      assert.equal(viaFlag.stderr, "");
    }
  });

  it("default: the overview (--help, help, no command) lists every command within 100 columns", async () => {
    for (const args of [["--help"], ["-h"], ["help"]]) {
      const run = await cli(args);
      assert.equal(run.code, 0, args.join(" "));
      for (const spec of COMMANDS) assert.ok(run.stdout.includes(`  ${spec.path.join(" ")} `), `${args.join(" ")} lists ${spec.path.join(" ")}`);
      assert.deepEqual(tooWide(run.stdout), []);
    }
    const none = await cli([]);
    assert.equal(none.code, 2, "no command is a usage error");
    assert.match(none.stdout, /^provenance: /);
  });

  it("behavior: every flag a command declares is parsed into its flags (repeated ones collect every value)", async () => {
    const io = { usage: "", writeHelp: () => assert.fail("no help"), out: (json: boolean) => createOutput(json, () => undefined) };
    for (const spec of COMMANDS) {
      const argv: string[] = [...spec.path, "arg"];
      const expected: Record<string, unknown> = {};
      for (const flag of spec.flags as readonly FlagName[]) {
        const f: FlagSpec = FLAGS[flag];
        if (flag === "version" && spec.flags.includes("model-version")) continue; // one flag, two spellings (below)
        if (!f.value) {
          argv.push(`--${flag}`);
          expected[flag] = true;
        } else if (f.multiple) {
          argv.push(`--${flag}`, `${flag}-1`, `--${flag}=${flag}-2`);
          if (flag === "rpc") {
            // --rpc repeats for quorum mode: the first node is `rpc`, every node `rpc-endpoints`.
            expected.rpc = "rpc-1";
            expected["rpc-endpoints"] = ["rpc-1", "rpc-2"];
          } else expected[flag] = [`${flag}-1`, `${flag}-2`];
        } else {
          argv.push(`--${flag}`, `${flag}-value`);
          expected[flag] = `${flag}-value`;
        }
      }
      const parsed = await parseProgram(argv, io);
      assert.equal(parsed.kind, "run", spec.path.join(" "));
      if (parsed.kind !== "run") continue;
      assert.equal(parsed.spec, spec);
      assert.deepEqual(parsed.context.args, ["arg"]);
      for (const [flag, value] of Object.entries(expected))
        assert.deepEqual((parsed.context.flags as Record<string, unknown>)[flag], value, `${spec.path.join(" ")} --${flag}`);
    }
    const short = await parseProgram(["receipt", "x", "-o", "r.json"], io);
    assert.equal(short.kind === "run" && short.context.flags.output, "r.json");
    const older = await parseProgram(["record", "m", "--version", "2.0"], io);
    assert.equal(older.kind === "run" && older.context.flags.version, "2.0");
  });

  it("error: a flag that takes one value, given twice, is refused naming the flag and the command (never the last one silently), exit 2", async () => {
    const io = { usage: "", writeHelp: () => assert.fail("no help"), out: (json: boolean) => createOutput(json, () => undefined) };
    for (const spec of COMMANDS)
      for (const flag of spec.flags as readonly FlagName[]) {
        const f: FlagSpec = FLAGS[flag];
        if (!f.value || f.multiple) continue;
        await assert.rejects(
          parseProgram([...spec.path, "arg", `--${flag}`, "first", `--${flag}=second`], io),
          (e: unknown) =>
            e instanceof InputError &&
            e.code === "INVALID_ARGUMENT" &&
            e.shortMessage === `--${flag} is given twice (provenance ${spec.path.join(" ")}): it takes one value`,
          `${spec.path.join(" ")} --${flag}`,
        );
      }
    const registry = "0x5fbdb2315678afecb367f032d93f642f64180aa3";
    for (const args of [
      ["verify", "r.json", "--artifact", "m", "--registry", "0x1111111111111111111111111111111111111111", "--registry", registry],
      ["verify-bundle", "b.json", "--artifact", "m", "--trust-mode", "light", "--trust-mode", "rpc"],
      ["verify", "r.json", "--artifact", "/nonexistent", "--artifact", "m"],
      ["receipt", "x", "-o", "a.json", "--output", "b.json"],
    ]) {
      const run = await cli(args);
      assert.equal(run.code, 2, args.join(" "));
      assert.match(run.stderr, /^error: --(registry|trust-mode|artifact|output) is given twice \(provenance [a-z-]+\): it takes one value\n$/);
    }
    const key = await cli(["deploy", "--private-key", "0x01", "--private-key", "0x02", "--json"]);
    assert.equal(key.code, 2);
    assert.doesNotMatch(key.stdout, /0x0[12]/, "neither value is echoed: it may be a key");
    assert.equal(JSON.parse(key.stdout).error.message, "--private-key is given twice (provenance deploy): it takes one value");
    // The repeatable flags still collect every value (--rpc for quorum mode, --org, --ignore-paths, --bundle).
    const parsed = await parseProgram(
      ["verify-bundle", "b.json", "--rpc", "a", "--rpc", "b", "--org", "1", "--org", "2", "--ignore-paths", "x", "--ignore-paths", "y"],
      io,
    );
    assert.ok(parsed.kind === "run");
    assert.deepEqual(parsed.context.flags["rpc-endpoints"], ["a", "b"]);
    assert.deepEqual(parsed.context.flags.org, ["1", "2"]);
    assert.deepEqual(parsed.context.flags["ignore-paths"], ["x", "y"]);
  });

  it("error: an unknown command gets a did-you-mean, exit 2 (also below a group)", async () => {
    let run = await cli(["verfy", "r.json"]);
    assert.equal(run.code, 2);
    assert.equal(run.stderr, 'error: unknown command "verfy": did you mean verify? (see provenance --help)\n');
    run = await cli(["org", "ad", "Acme"]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^error: unknown org command "ad": did you mean add\?/);
    run = await cli(["key"]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^error: provenance key needs a command: generate, prove, register, revoke, show/);
  });

  it("error: a flag the command does not take is refused in one line naming the flag and the command, exit 2", async () => {
    let run = await cli(["hash", "model.bin", "--rpc", "http://127.0.0.1:8545"]);
    assert.equal(run.code, 2);
    assert.equal(run.stderr, "error: provenance hash does not take --rpc (see provenance hash --help)\n");
    assert.equal(run.stdout, "");
    run = await cli(["verify", "r.json", "--formt", "dot"]);
    assert.equal(run.code, 2);
    assert.equal(run.stderr, "error: provenance verify does not take --formt: did you mean --format? (see provenance verify --help)\n");
    run = await cli(["record", "m", "--name"]);
    assert.equal(run.code, 2);
    assert.equal(run.stderr, "error: --name needs a value (provenance record)\n");
    // A flag of another command: the old single flag table accepted it everywhere.
    run = await cli(["status", "--private-key", "0x01"]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^error: provenance status does not take --private-key/);
    assert.doesNotMatch(run.stderr, /0x01/, "a refused value is never echoed");
  });

  it("error: under --json a refusal is one error document; verified: false only for commands that verify", async () => {
    let run = await cli(["hash", "m", "--rpc", "x", "--json"]);
    assert.equal(run.code, 2);
    assert.deepEqual(JSON.parse(run.stdout), {
      error: { code: "INVALID_ARGUMENT", message: "provenance hash does not take --rpc (see provenance hash --help)" },
    });
    assert.equal(run.stderr, "");
    run = await cli(["verify", "r.json", "--bogus", "--json"]);
    assert.equal(run.code, 2);
    const verdict = JSON.parse(run.stdout);
    assert.equal(verdict.verified, false);
    assert.equal(verdict.error.code, "INVALID_ARGUMENT");
    run = await cli(["frobnicate", "--json"]);
    assert.equal(run.code, 2);
    assert.equal(JSON.parse(run.stdout).error.code, "INVALID_ARGUMENT");
  });
});
