import { Command, type CommanderError, Help, Option } from "commander";
import { InputError } from "../core/errors/input.js";
import { invalidArgument } from "./usage.js";
import * as attestations from "./attestCommands.js";
import * as commands from "./commands.js";
import type { CommandContext } from "./commands.js";
import { demo } from "./demo.js";
import { envCapture } from "./envCommand.js";
import { hash } from "./hashCommand.js";
import { FLAGS, type FlagName, type ParsedFlags, normaliseFlags } from "./options.js";
import type { Output } from "./output.js";
import { sbom } from "./sbomCommand.js";
import * as service from "./serveCommands.js";
import { watermarkCommands } from "./watermarkCommands.js";

/** Help is wrapped to this many columns (test/cli/cli-program.test.ts checks every command's help). */
export const HELP_WIDTH = 100;

/** One command of the CLI: what it takes, how help shows it, and what runs it. */
export type CommandSpec = {
  /** Words after `provenance` (`["org", "add"]`). */
  readonly path: readonly string[];
  /** Arguments and required flags, after `provenance <path>` in the synopsis. */
  readonly synopsis: string;
  readonly summary: string;
  /** The flags this command takes (`--json` and `--help` come with every command). */
  readonly flags: readonly FlagName[];
  /** Another form of the command, shown in its help. */
  readonly also?: string;
  /** One runnable example for its help. */
  readonly example: string;
  /** Commands that verify: never read a `.env`; their JSON errors carry `verified: false`. */
  readonly verifier?: true;
  /** Resolves to the exit code (void: 0). */
  readonly run: (context: CommandContext) => Promise<number | void>;
};

// Flag groups that several commands share: each is what the shared helpers of commands.ts read.
const STORE = ["data-dir"] as const satisfies readonly FlagName[];
/** `writer()`, `registry()`, `orgId()`, `confirmations()`, `timeoutMs()`: the organisation's transactions. */
const WRITE = ["rpc", "private-key", "registry", "org", "confirmations", "timeout"] as const satisfies readonly FlagName[];
const READ = ["rpc", "registry", "org", "timeout"] as const satisfies readonly FlagName[];
/** `resolveVerifierPins()` and the checks' settings: a verifier's own pins. */
const PINS = [
  "rpc",
  "registry",
  "chain-id",
  "org",
  "trust",
  "trust-mode",
  "qbft-trust",
  "checkpoint",
  "max-head-age",
  "confirmations",
  "timeout",
] as const satisfies readonly FlagName[];
const SERVICE_STORE = ["store", "data-dir"] as const satisfies readonly FlagName[];
/** `walkOptions()`: how a model folder is hashed (Hugging Face layouts; docs/model-hashing.md). */
const WALK = ["follow-symlinks", "ignore-paths"] as const satisfies readonly FlagName[];
/** `readPassphrase()`: an encrypted key file's passphrase (docs/keys.md). */
const PASSPHRASE = ["passphrase-file"] as const satisfies readonly FlagName[];

const SHA = "sha256:<hex>";

/** Every command, in the order help lists them. */
export const COMMANDS: readonly CommandSpec[] = [
  { path: ["init"], synopsis: "", summary: "create the local ledger store (.provenance/)", flags: [...STORE], example: "provenance init", run: commands.init },
  {
    path: ["deploy"],
    synopsis: "[--admin <address>]",
    summary: "deploy a ProvenanceRegistry (prints registry, chainId)",
    flags: [...STORE, "rpc", "private-key", "admin", "confirmations", "timeout"],
    example: "provenance deploy --rpc http://127.0.0.1:8545",
    run: commands.deploy,
  },
  {
    path: ["org", "add"],
    synopsis: "<name> [--admin <address>] [--anchorer <address>]...",
    summary: "register an organisation (caller: admin + anchorer)",
    flags: [...STORE, ...WRITE, "admin", "anchorer"],
    example: 'provenance org add "Acme AI"',
    run: commands.orgAdd,
  },
  {
    path: ["org", "show"],
    synopsis: "[<id>]",
    summary: "show an organisation's batches",
    flags: [...STORE, ...READ],
    example: "provenance org show 1 --json",
    run: commands.orgShow,
  },
  {
    path: ["org", "anchorer"],
    synopsis: "add|remove <address>",
    summary: "grant or revoke an anchorer (caller: org admin)",
    flags: [...STORE, ...WRITE],
    example: "provenance org anchorer add 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 --org 1",
    run: commands.orgAnchorer,
  },
  {
    path: ["record"],
    synopsis: "<path> [--name <name>] [--model-version <version>] [--type <type>] [--field <k=v>]...",
    summary: "hash a model (file or directory) and record it",
    flags: [...STORE, "name", "model-version", "version", "type", "field", ...WALK],
    example: "provenance record ./model --name acme/fraud-detector --model-version 1.0.0",
    run: commands.record,
  },
  {
    path: ["hash"],
    synopsis: "<path>",
    summary: "print a model's digest (file or directory); records nothing",
    flags: [...WALK],
    example: "provenance hash ./model",
    run: hash,
  },
  {
    path: ["anchor"],
    synopsis: "[--confirmations <n>]",
    summary: "seal pending records into a batch and anchor it",
    flags: [...STORE, ...WRITE],
    example: "provenance anchor",
    run: commands.anchor,
  },
  {
    path: ["receipt"],
    synopsis: "<digest|entry id> [--type <type>] [-o <file>]",
    summary: "write the receipt of an anchored entry (several entries about one model: name one by --type or id)",
    flags: [...STORE, "type", "output"],
    example: "provenance receipt sha256:<hex> -o model.receipt.json",
    run: commands.receipt,
  },
  {
    path: ["verify"],
    synopsis: `<receipt> (--artifact <path> | --artifact-digest ${SHA}) --rpc <url> --registry <address>`,
    also: `provenance verify --lineage (<model path> | --artifact-digest ${SHA}) [--policy <file>]`,
    summary: "verify a receipt against a node (an attestation: also its signatures and keys); --lineage: the model's whole lineage from this store",
    flags: ["artifact", "artifact-digest", ...PINS, "save-checkpoint", "quorum", "key", "lineage", ...STORE, "policy", "require-approvals", "format", ...WALK],
    example: "provenance verify model.receipt.json --artifact ./model --trust trust.json",
    verifier: true,
    run: (context) => (context.flags.lineage ? attestations.verifyLineage(context) : commands.verify(context)),
  },
  { path: ["status"], synopsis: "", summary: "what the local store holds", flags: [...STORE], example: "provenance status --json", run: commands.status },
  {
    path: ["key", "generate"],
    synopsis: "--algorithm ed25519|p256|secp256k1 -o <key.json> [--encrypt]",
    summary: "a new signing key (+ key.pub.json)",
    flags: ["algorithm", "output", "encrypt", ...PASSPHRASE],
    example: "provenance key generate --algorithm ed25519 -o alice.key.json",
    run: attestations.keyGenerate,
  },
  {
    path: ["key", "prove"],
    synopsis: "<key.json> [--role <role>] [-o <key.pop.json>]",
    summary: "sign the key's proof of possession for --org (caller: key holder)",
    flags: [...STORE, ...READ, "chain-id", "role", "output", ...PASSPHRASE],
    example: "provenance key prove alice.key.json --org 1 --role approver",
    run: attestations.keyProve,
  },
  {
    path: ["key", "register"],
    synopsis: "<key.pop.json|key.json> [--role <role>]",
    summary: "register a key for --org with its proof (caller: org admin)",
    flags: [...STORE, ...WRITE, "chain-id", "role", ...PASSPHRASE],
    example: "provenance key register alice.key.pop.json --org 1",
    run: attestations.keyRegister,
  },
  {
    path: ["key", "revoke"],
    synopsis: "<keyid|key file>",
    summary: "revoke a key from the next block on",
    flags: [...STORE, ...WRITE],
    example: "provenance key revoke alice.key.pub.json --org 1",
    run: attestations.keyRevoke,
  },
  {
    path: ["key", "show"],
    synopsis: "<keyid|key file> [--role <role>]",
    summary: "a key's on-chain registration (--role: check its role)",
    flags: [...STORE, ...READ, "role"],
    example: "provenance key show alice.key.pub.json --org 1 --json",
    run: attestations.keyShow,
  },
  {
    path: ["attest"],
    synopsis: `<type> (--subject <path> | --subject-digest ${SHA})... --key <key.json> [--predicate <file.json>] [-o <envelope.json>]`,
    summary:
      "sign an in-toto statement about a model: model-manifest, sbom, training-run, dataset, environment, evaluation, approval, deployment, model-update, revocation (anchored at once: needs the org admin's key), model-watermark",
    flags: ["subject", "subject-digest", "name", "predicate", "key", "output", "python-env", ...STORE, ...WRITE, ...WALK, ...PASSPHRASE],
    example: "provenance attest training-run --subject ./model --predicate run.json --key pipeline.key.json",
    run: attestations.attest,
  },
  {
    path: ["approve"],
    synopsis: `(<model path> | --model-digest ${SHA}) --policy <id> --role <role> --key <key.json> [--decision approved|rejected]`,
    summary: "sign an approval (or rejection) of a model under a policy",
    flags: ["model-digest", "policy", "role", "decision", "comment", "key", "name", "output", ...STORE, ...WALK, ...PASSPHRASE],
    example: "provenance approve ./model --policy release-v1 --role approver --key alice.key.json",
    run: attestations.approve,
  },
  {
    path: ["sbom"],
    synopsis: "<model> [--dataset <name=path>]... [--python-env <venv|python>]... [--npm <dir>]... [-o <model.cdx.json>]",
    summary: "write the model's CycloneDX 1.6 ML-BOM (and an SPDX 3.0.1 export)",
    flags: ["name", "model-version", "version", "dataset", "python-env", "npm", "ingest", "architecture", "task", "hyperparameter", "output", "spdx"],
    example: "provenance sbom ./model --dataset train=./data/train.csv --python-env ./venv -o model.cdx.json",
    run: sbom,
  },
  {
    path: ["env", "capture"],
    synopsis: "[-o <env.json>] [--python-env <dir>]...",
    summary: "capture this machine's environment predicate",
    flags: ["output", "python-env"],
    example: "provenance env capture -o env.json",
    run: envCapture,
  },
  {
    path: ["lineage"],
    synopsis: `(<model path> | --model-digest ${SHA}) [--format text|mermaid|dot] [-o <file>]`,
    summary: "the model's lineage as recorded in this store (only the graph on stdout)",
    flags: ["model-digest", "format", "output", ...STORE, ...WALK],
    example: "provenance lineage ./model --format dot | dot -Tsvg > lineage.svg",
    run: attestations.lineage,
  },
  {
    path: ["bundle"],
    synopsis: `(<model path> | --model-digest ${SHA}) -o <model.bundle.json>`,
    summary: "every envelope, receipt and key about a model, for offline checks",
    flags: ["model-digest", "output", "name", ...STORE, ...PINS, "embed-proofs", ...WALK],
    example: "provenance bundle ./model -o model.bundle.json",
    run: attestations.bundle,
  },
  {
    path: ["verify-bundle"],
    synopsis: `<bundle> (--artifact <model path> | --artifact-digest ${SHA}) --rpc <url> --registry <address>`,
    summary: "verify an evidence bundle against a node, under a verification policy",
    flags: ["artifact", "artifact-digest", ...PINS, "save-checkpoint", "quorum", "offline", "require-approvals", "policy", "format", ...WALK],
    example: "provenance verify-bundle model.bundle.json --artifact ./model --trust trust.json",
    verifier: true,
    run: attestations.verifyBundleCommand,
  },
  {
    path: ["demo"],
    synopsis: "[--trust-mode rpc|light]",
    summary: "the whole pipeline on an embedded chain (light: QBFT-sealed)",
    flags: ["trust-mode"],
    example: "provenance demo --trust-mode light",
    run: demo,
  },
  {
    path: ["watermark", "keygen"],
    synopsis: "[--kind weights|text] [--gamma <g> --delta <d>] -o <wm.key.json>",
    summary: "a secret watermark key; prints its commitment",
    flags: ["kind", "gamma", "delta", "output", "encrypt", ...PASSPHRASE],
    example: "provenance watermark keygen -o wm.key.json",
    run: watermarkCommands.keygen,
  },
  {
    path: ["watermark", "embed"],
    synopsis: "<model> --key <wm.key.json> -o <marked> [--strength <s>] [--predicate <out.json>]",
    summary: "mark a safetensors model; writes the model-watermark predicate",
    flags: ["key", "output", "strength", "predicate", ...PASSPHRASE],
    example: "provenance watermark embed model.safetensors --key wm.key.json -o marked.safetensors",
    run: watermarkCommands.embed,
  },
  {
    path: ["watermark", "detect"],
    synopsis: "<model> --key <wm.key.json> [--original <unmarked>]",
    summary: "detect the watermark (exit 0 detected, 1 not detected)",
    flags: ["key", "original", ...PASSPHRASE],
    example: "provenance watermark detect suspect.safetensors --key wm.key.json",
    run: watermarkCommands.detect,
  },
  {
    path: ["watermark", "detect-text"],
    synopsis: "<tokens.json> --key <text.key.json> [--bundle <b.json>]...",
    summary: "score token ids with a text key; with bundles, name the anchored deployment",
    flags: ["key", "bundle", ...PINS, ...PASSPHRASE],
    example: "provenance watermark detect-text tokens.json --key text.key.json",
    verifier: true,
    run: watermarkCommands["detect-text"],
  },
  {
    path: ["watermark", "reveal"],
    synopsis: "<model> --key <wm.key.json> --bundle <bundle.json> [--original <unmarked>]",
    summary: "dispute: check the key against the anchored commitment, then detect",
    flags: ["key", "bundle", "original", ...PINS, ...PASSPHRASE],
    example: "provenance watermark reveal leaked.safetensors --key wm.key.json --bundle m.bundle.json",
    verifier: true,
    run: watermarkCommands.reveal,
  },
  {
    path: ["serve"],
    synopsis: "--org <id>[,<id>...] --chain-id <id> [--listen <host:port>] [--store <file|postgres://...>]",
    summary: "the anchoring service: ingest entries over HTTP, seal, anchor, issue receipts",
    flags: [
      "org",
      "chain-id",
      "listen",
      ...SERVICE_STORE,
      "interval",
      "batch-size",
      "confirmations",
      "max-body",
      "fee-cap",
      "lease-ttl",
      "log-level",
      "rpc",
      "registry",
      "private-key",
      "timeout",
    ],
    example: "provenance serve --org 1 --chain-id 31337 --store ./service.db",
    run: async (context) => {
      await service.serve(context);
    },
  },
  {
    path: ["token", "create"],
    synopsis: "--org <id> --name <name>",
    summary: "a new API token for one organisation (printed once)",
    flags: ["org", "name", ...SERVICE_STORE],
    example: "provenance token create --org 1 --name ci --store ./service.db",
    run: service.tokenCreate,
  },
  {
    path: ["token", "list"],
    synopsis: "[--org <id>]",
    summary: "live tokens (ids and names, never the tokens)",
    flags: ["org", ...SERVICE_STORE],
    example: "provenance token list --org 1",
    run: service.tokenList,
  },
  {
    path: ["token", "revoke"],
    synopsis: "<id>",
    summary: "revoke a token",
    flags: SERVICE_STORE,
    example: "provenance token revoke 3",
    run: service.tokenRevoke,
  },
  {
    path: ["store", "check"],
    synopsis: "--chain-id <id> [--store <file|postgres://...>]",
    summary: "after a restore: every stored batch matches the chain",
    flags: ["chain-id", "rpc", "registry", "timeout", ...SERVICE_STORE],
    example: "provenance store check --chain-id 31337 --store ./service.db",
    run: service.storeCheck,
  },
];

/** The groups' one-line summaries (`provenance org --help`). */
const GROUPS: Readonly<Record<string, string>> = {
  org: "organisations: add, show, anchorer",
  key: "signing keys: generate, prove, register, revoke, show",
  env: "the machine's environment: capture",
  watermark: "model and text watermarks: keygen, embed, detect, detect-text, reveal (exit 0 detected, 1 not)",
  token: "the service's API tokens: create, list, revoke",
  store: "the service's store: check",
};

/** The spec of `provenance <words…>`, or undefined. */
export function findCommand(words: readonly string[]): CommandSpec | undefined {
  return COMMANDS.find((c) => c.path.length <= words.length && c.path.every((w, i) => words[i] === w));
}

/** What a parse ends in: a command to run, or help already written (exit 0). */
export type Parsed = { kind: "run"; spec: CommandSpec; context: CommandContext } | { kind: "help" };

/** How the program writes: help text to stdout, through the escaping printer (output.ts). */
export type ProgramIo = {
  /** The top-level overview (`provenance --help`): main.ts's hand-written usage. */
  readonly usage: string;
  writeHelp(text: string): void;
  out(json: boolean): Output;
};

/**
 * Parses argv with commander against {@link COMMANDS}. Refusals (an unknown command or flag, a
 * flag without its value) become an `InputError` (exit 2) with one clean line naming the flag
 * and the command; commander itself prints nothing but help.
 */
export async function parseProgram(argv: readonly string[], io: ProgramIo): Promise<Parsed> {
  let parsed: Parsed = { kind: "help" };
  const program = new Command("provenance");
  const groups = new Map<string, Command>();
  configure(program, [], io);
  program.configureHelp({
    // The top level keeps the hand-written overview (every command with its main flags).
    formatHelp(cmd: Command, helper: Help) {
      return cmd === program ? io.usage : Help.prototype.formatHelp.call(helper, cmd, helper);
    },
  });
  for (const spec of COMMANDS) {
    let parent = program;
    if (spec.path.length === 2) {
      const group = spec.path[0]!;
      if (!groups.has(group)) {
        const g = program
          .command(group)
          .description(GROUPS[group] ?? "")
          .usage("<command> [options]");
        configure(g, [group], io);
        groups.set(group, g);
      }
      parent = groups.get(group)!;
    }
    const name = spec.path[spec.path.length - 1]!;
    const cmd = parent.command(name).description(spec.summary).usage(wrapSynopsis(spec));
    configure(cmd, spec.path, io);
    cmd.allowExcessArguments(true); // each handler checks its own arguments, with its own usage line
    for (const flag of [...new Set([...spec.flags, "json" as const])]) cmd.addOption(optionOf(flag, spec.path));
    cmd.addHelpText("after", `${spec.also ? `\nAlso:\n  ${spec.also}\n` : ""}\nExample:\n  ${spec.example}\n`);
    cmd.action(async (...actionArgs: unknown[]) => {
      const self = actionArgs[actionArgs.length - 1] as Command;
      const flags: Record<string, unknown> = {};
      for (const option of self.options) {
        const value = self.getOptionValue(option.attributeName());
        if (value !== undefined && option.long) flags[option.long.slice(2)] = value;
      }
      const json = flags.json === true;
      parsed = { kind: "run", spec, context: { flags: normaliseFlags(flags as ParsedFlags), args: [...self.args], out: io.out(json) } };
    });
  }
  await program.parseAsync([...argv], { from: "user" });
  return parsed;
}

/** `<synopsis> [options]`, wrapped under `Usage: provenance <path> ` to fit {@link HELP_WIDTH}. */
function wrapSynopsis(spec: CommandSpec): string {
  const indent = "Usage: provenance ".length + spec.path.join(" ").length + 1;
  const lines = [""];
  for (const word of `${spec.synopsis} [options]`.trim().split(" ")) {
    const line = lines[lines.length - 1]!;
    if (line !== "" && indent + line.length + 1 + word.length > HELP_WIDTH) lines.push(word);
    else lines[lines.length - 1] = line === "" ? word : `${line} ${word}`;
  }
  return lines.join(`\n${" ".repeat(indent)}`);
}

/**
 * The commander option of a flag. A repeatable flag (`multiple`) collects every value; a flag
 * that takes one value refuses a second (commander would keep the last one silently: a wrapper
 * that appends `--trust-mode rpc` or another `--registry` must not swap a pin unnoticed).
 */
function optionOf(flag: FlagName, path: readonly string[]): Option {
  const spec: { value?: string; multiple?: true; short?: string; description: string; hidden?: true } = FLAGS[flag];
  const option = new Option(`${spec.short ? `-${spec.short}, ` : ""}--${flag}${spec.value ? ` ${spec.value}` : ""}`, spec.description);
  if (spec.multiple) option.argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]);
  else if (spec.value)
    option.argParser((value: string, previous: string | undefined) => {
      // Neither value is echoed: it may be a key.
      if (previous !== undefined) invalidArgument(`--${flag} is given twice (provenance ${path.join(" ")}): it takes one value`);
      return value;
    });
  if (spec.hidden) option.hideHelp();
  return option;
}

/** Settings every command of the tree gets: our printer, our width, our errors. */
function configure(cmd: Command, path: readonly string[], io: ProgramIo): void {
  cmd.configureOutput({
    writeOut: (text) => io.writeHelp(text),
    // Commander writes to stderr only help after a refusal and its own error lines: we raise an
    // InputError instead, printed once by main (text or JSON).
    writeErr: () => undefined,
    outputError: () => undefined,
    getOutHelpWidth: () => HELP_WIDTH,
    getErrHelpWidth: () => HELP_WIDTH,
    getOutHasColors: () => false,
    getErrHasColors: () => false,
  });
  cmd.configureHelp({ helpWidth: HELP_WIDTH, sortOptions: false });
  cmd.helpOption("-h, --help", "show this help");
  cmd.exitOverride((error) => {
    throw refusal(error, path);
  });
}

/** A commander refusal as our InputError (exit 2), or help shown (exit 0). */
function refusal(error: CommanderError, path: readonly string[]): Error {
  if (error.code === "commander.helpDisplayed" || (error.code === "commander.help" && error.exitCode === 0)) return new HelpShown();
  const where = path.length ? `provenance ${path.join(" ")}` : "provenance";
  const quoted = /'([^']*)'/.exec(error.message)?.[1] ?? "";
  const suggestion = /\(Did you mean ([^?]+)\?\)/.exec(error.message)?.[1];
  const didYouMean = suggestion ? `: did you mean ${suggestion}?` : "";
  return new InputError("INVALID_ARGUMENT", refusalMessage(error, path, where, quoted, didYouMean));
}

function refusalMessage(error: CommanderError, path: readonly string[], where: string, quoted: string, didYouMean: string): string {
  switch (error.code) {
    case "commander.unknownCommand":
      return `unknown ${path.length ? `${path.join(" ")} ` : ""}command "${quoted}"${didYouMean} (see ${where} --help)`;
    case "commander.help": // a group without its subcommand
      return `${where} needs a command: ${subcommandsOf(path).join(", ")} (see ${where} --help)`;
    case "commander.unknownOption":
      return `${where} does not take ${quoted}${didYouMean} (see ${where} --help)`;
    case "commander.optionMissingArgument":
      return `${quoted.split(/[ ,]/).find((w) => w.startsWith("--")) ?? quoted} needs a value (${where})`;
    default:
      return `${error.message.replace(/^error: /, "").split("\n")[0]} (${where})`;
  }
}

function subcommandsOf(path: readonly string[]): string[] {
  return COMMANDS.filter((c) => c.path.length === path.length + 1 && path.every((w, i) => c.path[i] === w)).map((c) => c.path[path.length]!);
}

/** Thrown by the parse when help was written: main exits 0. */
export class HelpShown extends Error {
  override name = "HelpShown";
}
