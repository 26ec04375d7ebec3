import "../local/merkleThreads.js"; // big batches hash their trees on worker threads
import "../local/nodeSha256.js"; // core's SHA-256 on node:crypto
import "../local/nodeSecp256k1.js"; // QBFT seal recovery on libsecp256k1
import "../local/nodeKeccak.js"; // keccak256 of proofs and headers in WebAssembly
import "../local/nodeSignatures.js"; // ed25519/P-256 checks on node:crypto first, noble deciding every no
import { BaseError } from "../core/errors/base.js";
import { ChainError } from "../core/errors/chain.js";
import { InputError } from "../core/errors/input.js";
import { StoreError } from "../core/errors/store.js";
import { VerificationError } from "../core/errors/verification.js";
import { HashingError } from "../core/errors/hashing.js";
import { ModelFormatError } from "../core/errors/modelFormat.js";
import { WatermarkError } from "../core/errors/watermark.js";
import { loadDotenv } from "./options.js";
import { COMMANDS, HELP_WIDTH, HelpShown, findCommand, parseProgram } from "./program.js";
import { type RefusalTrust, type Streams, createOutput, printError, printUsage, processStreams } from "./output.js";
import { LightClientError } from "../core/errors/lightClient.js";
import { redactUrl } from "../core/errors/chain.js";
import { type VerifierPins, describeSource, pinLines, pinsJson } from "./pins.js";
import { type Verification, type VerificationRecord, recordingVerifications } from "./verificationRecord.js";

import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The settings every command reads (flag, else environment, else .env for the organisation's commands). */
const SETTINGS = `Settings (flag, else environment variable, else .env found here or in a parent folder; verify,
verify-bundle, watermark detect-text and reveal never read .env: flag, else --trust file, else
environment):
  --rpc <url>            PROVENANCE_RPC_URL       JSON-RPC endpoint
  --registry <address>   PROVENANCE_REGISTRY      registry contract
  --private-key <hex>    PROVENANCE_PRIVATE_KEY   signing key (never printed); prefer the variable
                                                  or .env: a flag's value is visible to other
                                                  users (ps) and kept in shell history
  --org <id>             PROVENANCE_ORG           organisation id
  --data-dir <dir>       PROVENANCE_DATA_DIR      ledger store folder (default .provenance)
  --confirmations <n>    PROVENANCE_CONFIRMATIONS blocks to wait for / require (default 1)
  --timeout <seconds>    PROVENANCE_TIMEOUT       per RPC request and per wait (default 30)
  --store <file|url>     PROVENANCE_STORE         service store: SQLite file or postgres:// URL
                                                  (default <data dir>/service.db)
  --listen <host:port>   PROVENANCE_LISTEN        service address (default 127.0.0.1:8080)
  --chain-id <id>        PROVENANCE_CHAIN_ID      chain the service anchors on (required by serve)
  --trust <file>         PROVENANCE_TRUST         verifier's pins: chain ID, registry, organisations
                                                  and optionally QBFT validators (trust v1/v2)
  --trust-mode <mode>                             verify/verify-bundle: rpc trusts the node; light
                                                  proves every fact against pinned QBFT validators
                                                  (the default when validators are given); quorum
                                                  needs k of several nodes to agree
                                                  (docs/trust-model.md)
  --rpc <url> … --quorum <k>                      quorum mode: one --rpc per independent node; every
                                                  answer must come identically from k of them
                                                  (default a majority)
  --offline                                       verify-bundle: from the bundle's offline kit, with
                                                  no network (needs --qbft-trust)
  --qbft-trust <file>                             pinned QBFT validators (provenance-qbft-trust-v1)
  --checkpoint <file>                             light mode: resume the header walk from here
  --save-checkpoint <file>                        verify/verify-bundle, light mode: save the
                                                  checkpoint after the verified head
  --max-head-age <dur>                            refuse a revocation verdict on an older head
                                                  (e.g. 15m, 1h; default 1h in light mode)
  (serve also reads PROVENANCE_INTERVAL, _BATCH_SIZE, _MAX_BODY, _FEE_CAP, _LEASE_TTL, _LOG_LEVEL)
  --passphrase-file <f>  PROVENANCE_KEY_PASSPHRASE  passphrase of an encrypted key file (else asked
                                                  on a terminal; never a flag's value)
  --follow-symlinks <root>, --ignore-paths <path>  Hugging Face layouts (record, hash, verify,
                                                  verify-bundle, attest; docs/model-hashing.md)
  --json                                          one JSON document on stdout (docs/cli.md)
  --version, -V (before any command)              print the version of provenance-ledger

Exit codes: 0 verified or done, 1 not verified (or the chain refused), 2 usage or input error
(including a record or digest the store does not hold, an unknown command or flag), 3 verified
against a digest the caller supplied (--artifact-digest): no file was read. Watermark detection:
0 detected, 1 not detected.
`;

/** `provenance --help`: every command in one line, then the shared settings and the exit codes. */
export const USAGE = `provenance: a blockchain-anchored provenance ledger for AI models

Usage: provenance <command> [arguments] [options]
       provenance help <command>      a command's synopsis, its flags and an example

Commands:
${commandList(HELP_WIDTH)}

${SETTINGS}`;

function commandList(width: number): string {
  const column = 2 + Math.max(...COMMANDS.map((c) => c.path.join(" ").length)) + 2;
  const lines: string[] = [];
  for (const c of COMMANDS) {
    let line = `  ${c.path.join(" ")}`.padEnd(column);
    for (const word of c.summary.split(" ")) {
      if (line.trim() !== c.path.join(" ") && line.length + 1 + word.length > width) {
        lines.push(line);
        line = " ".repeat(column) + word;
      } else line = line.length <= column ? `${line}${word}` : `${line} ${word}`;
    }
    lines.push(line);
  }
  return lines.join("\n");
}

/** This package's version, from its package.json (beside dist/ or the sources). */
export function packageVersion(): string {
  for (const relative of ["../../package.json", "../../../package.json"]) {
    const file = fileURLToPath(new URL(relative, import.meta.url));
    if (!existsSync(file)) continue;
    const manifest = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
    if (manifest.name === "provenance-ledger" && manifest.version) return manifest.version;
  }
  return "unknown";
}

/**
 * `provenance --version` / `-V`: only before the command, so that `record … --version 1.2.0`
 * (the model's version, also spelt `--model-version`) keeps its meaning.
 */
function asksForVersion(argv: readonly string[]): boolean {
  for (const arg of argv) {
    if (arg === "--version" || arg === "-V") return true;
    if (!arg.startsWith("-")) return false; // the command comes first
  }
  return false;
}

/** Runs the CLI; resolves to the exit code. Never throws. */
export async function main(argv: readonly string[], streams: Streams = processStreams): Promise<number> {
  let json = argv.includes("--json");
  // Before the parse (a refusal of the command line): the words as given name the command.
  let verifier = findCommand(argv)?.verifier === true;
  const record: VerificationRecord = {};
  try {
    if (asksForVersion(argv)) {
      const version = packageVersion();
      streams.stdout(json ? `${JSON.stringify({ name: "provenance-ledger", version, node: process.versions.node })}\n` : `provenance-ledger ${version}\n`);
      return 0;
    }
    if (argv.length === 0) {
      printUsage(USAGE, streams);
      return 2;
    }
    // `provenance help org add` is `provenance org add --help` (commander's help command takes one word).
    const words = argv[0] === "help" && argv.length > 2 ? [...argv.slice(1), "--help"] : argv;
    const parsed = await parseProgram(words, {
      usage: USAGE,
      writeHelp: (text) => printUsage(text, streams),
      out: (asJson) => createOutput(asJson, streams.stdout),
    });
    if (parsed.kind === "help") return 0;
    const { spec, context } = parsed;
    json = context.flags.json ?? false;
    verifier = spec.verifier === true;
    // The verifier's commands (`verifier: true`: verify, verify-bundle, watermark detect-text and
    // reveal) run wherever a third party put the files they check, so they never read a .env
    // there (their pins: flags, the real environment, --trust <file>).
    if (!spec.verifier) loadDotenv();
    return (await recordingVerifications(record, () => spec.run(context))) ?? 0;
  } catch (error) {
    if (error instanceof HelpShown) return 0;
    return report(error, json, verifier, streams, verifier ? await refusalTrust(error, record.verification) : undefined);
  }
}

/** Prints an error once, briefly (escaped: output.ts), and maps it to an exit code. */
function report(error: unknown, json: boolean, verifier: boolean, streams: Streams, trusted: RefusalTrust | undefined): number {
  printError(error, json, streams, { verifier, trusted });
  return exitCode(error);
}

/**
 * What a NOT VERIFIED refusal (a failed check or light-client proof) raised after the
 * verification's pins and chain were settled trusted: the trust mode and each pin with its
 * source, as the verdict prints them (docs/cli.md#errors). In light mode the reader is not asked
 * for its report, which could start a header walk on the way out: the validators it pinned are
 * named instead of a verified head.
 */
async function refusalTrust(error: unknown, verification: Verification | undefined): Promise<RefusalTrust | undefined> {
  if (!verification || !(error instanceof VerificationError || error instanceof LightClientError)) return undefined;
  const { pins, chain, chainId } = verification;
  const light = pins.trustMode.value === "light";
  const report = light ? undefined : await chain.trustReport().catch(() => undefined);
  const lines = pinLines(pins, chainId, report);
  return {
    // Every form of pinLines ends with the pins line (registry, chain, organisations).
    lines: light ? [...lightTrustLines(pins), lines.at(-1)!] : lines,
    json: { trustMode: pins.trustMode.value, trusted: pinsJson(pins, chainId, report) },
  };
}

/** Light mode's trust, without a verified head: the validator set, and the node as a transport (or no network, offline). */
function lightTrustLines(pins: VerifierPins): string[] {
  const validators = pins.qbft?.source ?? "";
  if (pins.offline) return [`  trust mode: light, offline: trusted the QBFT validator set (${validators}), not the bundle; no network was used`];
  return [
    `  trust mode: light (${describeSource(pins.trustMode.source)}): trusted the QBFT validator set (${validators}), not the node`,
    `  node ${redactUrl(pins.rpc.value)} (${describeSource(pins.rpc.source)}): used only as a transport`,
  ];
}

function exitCode(error: unknown): number {
  if (error instanceof InputError || error instanceof HashingError || error instanceof ModelFormatError || error instanceof WatermarkError) return 2;
  if (error instanceof StoreError && error.code === "NOT_FOUND") return 2;
  if (error instanceof VerificationError || error instanceof ChainError) return 1;
  if (error instanceof BaseError) return 1;
  return 1;
}
