import { BaseError } from "../errors/base.js";
import { ChainError } from "../errors/chain.js";
import { InputError } from "../errors/input.js";
import { StoreError } from "../errors/store.js";
import { VerificationError } from "../errors/verification.js";
import { HashingError } from "../errors/hashing.js";
import * as commands from "./commands.js";
import { demo } from "./demo.js";
import * as attestations from "./attestCommands.js";
import { sbom } from "./sbomCommand.js";
import { hash } from "./hashCommand.js";
import { envCapture } from "./envCommand.js";
import { watermark } from "./watermarkCommands.js";
import { ModelFormatError } from "../errors/modelFormat.js";
import { WatermarkError } from "../errors/watermark.js";
import * as service from "./serveCommands.js";
import { loadDotenv, parseCommandLine } from "./options.js";
import { type Streams, createOutput, printError, printUsage, processStreams } from "./output.js";

/**
 * The verifier's commands: they run wherever a third party put the files they check, so they
 * never read a `.env` there (their pins: flags, the real environment, `--trust <file>`).
 */
const VERIFIER_COMMANDS: ReadonlySet<string> = new Set(["verify", "verify-bundle"]);
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const USAGE = `provenance: a blockchain-anchored provenance ledger for AI models

Usage:
  provenance init                                   create the local ledger store (.provenance/)
  provenance deploy                                 deploy a ProvenanceRegistry (prints registry, chainId)
  provenance org add <name> [--admin A] [--anchorer A]…  register an organisation (caller: admin + anchorer)
  provenance org show [<id>]                        show an organisation's batches
  provenance org anchorer add|remove <address>      grant or revoke an anchorer (caller: org admin)
  provenance record <path> [--name N] [--model-version V] [--type T] [--field k=v]…
                    [--follow-symlinks <root>] [--ignore-paths <path>]…  (also hash, verify, verify-bundle,
                    attest --subject: a Hugging Face cache folder; docs/model-hashing.md)
                                                    hash a model (file or directory) and record it
  provenance hash <path>                            print a model's digest (file or directory); records nothing
  provenance anchor [--confirmations N]             seal pending records into a batch and anchor it
  provenance receipt <digest|entry id> [--type T] [-o file]
                                                    write the receipt of an anchored entry (several
                                                    entries about one model: name one by --type or id)
  provenance verify <receipt> (--artifact <path> | --artifact-digest sha256:<hex>) --rpc <url> --registry <address>
                    [--chain-id <id>] [--org <id>]… [--trust <trust.json>] [--confirmations N] [--key <signer.pub.json>]
                                                    verify a receipt against a node (for an
                                                    attestation, also its signatures and keys);
                                                    --artifact is always hashed as a path
  provenance status                                 what the local store holds

Signed attestations (in-toto statements in DSSE envelopes; docs/attestations.md):
  provenance key generate --algorithm ed25519|p256|secp256k1 -o key.json [--encrypt]
                                                    a new signing key (+ key.pub.json); --encrypt:
                                                    under a passphrase (docs/keys.md)
  provenance key prove <key.json> [--role R] [-o key.pop.json]
                                                    sign its proof of possession for --org (caller: key holder)
  provenance key register <key.pop.json|key.json> [--role R]
                                                    register it for --org with that proof (caller: org admin)
  provenance key revoke <keyid|key file>            revoke it from the next block on
  provenance key show <keyid|key file>              its on-chain registration
  provenance attest <type> (--subject <path> | --subject-digest sha256:<hex>)… [--name N] [--predicate file.json] --key key.json [-o envelope.json]
                    types: model-manifest, sbom, training-run, dataset, environment, evaluation,
                           approval, deployment, model-update, revocation, model-watermark (a revocation
                           is anchored at once and set on chain: needs --private-key of the org admin)
  provenance approve (<model path> | --model-digest sha256:<hex>) --policy P --role R [--decision approved|rejected] [--comment C] --key key.json [-o envelope.json]
  provenance sbom <model> [--name N] [--model-version V] [--dataset name=path]… [--python-env venv|python]… [--npm dir]… [--ingest sbom.json]…
                  [--architecture A] [--task T] [--hyperparameter k=v]… [-o model.cdx.json] [--spdx f]
  provenance env capture [-o env.json] [--python-env dir]…
  provenance lineage (<model path> | --model-digest sha256:<hex>) [--format text|mermaid|dot] [-o file]
  provenance bundle (<model path> | --model-digest sha256:<hex>) -o model.bundle.json
                    [--embed-proofs --qbft-trust <file> --rpc <url> --registry <address>]
                                                    every envelope, receipt and key, for offline checks;
                                                    --embed-proofs adds the sealed headers and proofs
                                                    (bundle v2) for verify-bundle --offline
  provenance verify-bundle <bundle> (--artifact <model path> | --artifact-digest sha256:<hex>)
                    --rpc <url> --registry <address> [--chain-id <id>] [--org <id>]… [--trust <trust.json>]
                    [--require-approvals N] [--policy policy.json] [--format mermaid|dot]
                    [--offline --qbft-trust <file>]  no network: the bundle's recorded proofs (docs/offline-kit.md)
  provenance verify --lineage (<model path> | --artifact-digest sha256:<hex>) …
                                                    verify the model's whole lineage from this store

  provenance demo                                   the whole pipeline on an embedded chain

Watermarks (docs/watermark.md; exit 0 detected, 1 not detected, 2 usage or input error):
  provenance watermark keygen [--kind weights|text] -o wm.key.json [--encrypt]  a secret key; its commitment
  provenance watermark embed <model> --key wm.key.json -o <marked> [--strength S]
                                                    mark a safetensors model; writes the model-watermark predicate
  provenance watermark detect <model> --key wm.key.json [--original <unmarked>] [--json]
  provenance watermark detect-text <tokens.json> --key text.key.json [--bundle b.json]…
  provenance watermark reveal <model> --key wm.key.json --bundle <bundle.json> [--original <unmarked>]
                                                    dispute: check the key against the anchored commitment, detect

Anchoring service (HTTP API; docs/service-api.md, docs/openapi.json):
  provenance serve --org <id>[,<id>…] --chain-id <id> [--listen 127.0.0.1:8080] [--store <file|postgres://…>]
                   [--interval 10s] [--batch-size N] [--confirmations N] [--max-body 1MiB] [--fee-cap <gwei>]
                   [--lease-ttl 30s] [--log-level debug|info|warn|error]
                                                    ingest entries over HTTP, seal, anchor, issue receipts
  provenance token create --org <id> --name <name>  a new API token for one organisation (printed once)
  provenance token list [--org <id>]                live tokens (ids and names, never the tokens)
  provenance token revoke <id>                      revoke a token
  provenance store check --chain-id <id> [--store …] after a restore: every stored batch matches the chain

Options (flag, else environment variable, else .env found here or in a parent folder; verify and
verify-bundle never read .env: flag, else --trust file, else environment):
  --rpc <url>            PROVENANCE_RPC_URL       JSON-RPC endpoint
  --registry <address>   PROVENANCE_REGISTRY      registry contract
  --private-key <hex>    PROVENANCE_PRIVATE_KEY   signing key (never printed). Prefer the variable or
                                                  .env: a flag's value is visible to other users
                                                  (ps) and kept in shell history
  --org <id>             PROVENANCE_ORG           organisation id
  --data-dir <dir>       PROVENANCE_DATA_DIR      ledger store folder (default .provenance)
  --confirmations <n>    PROVENANCE_CONFIRMATIONS blocks to wait for / require (default 1)
  --timeout <seconds>    PROVENANCE_TIMEOUT       per RPC request and per wait (default 30)
  --store <file|url>     PROVENANCE_STORE         service store: SQLite file or postgres:// URL
                                                  (default <data dir>/service.db)
  --listen <host:port>   PROVENANCE_LISTEN        service address (default 127.0.0.1:8080)
  --chain-id <id>        PROVENANCE_CHAIN_ID      chain the service anchors on (required by serve)
  --trust <file>         PROVENANCE_TRUST         verifier's pins: chain ID, registry, organisations,
                                                  optionally QBFT validators (provenance-trust-v1/v2)
  --trust-mode rpc|light|quorum                   verify/verify-bundle: trust the node (rpc), or prove
                                                  every fact against pinned QBFT validators (light,
                                                  the default when validators are given), or demand
                                                  that k of several nodes agree (quorum; docs/trust-model.md)
  --rpc <url> … --quorum <k>                      quorum mode: one --rpc per independent node; every
                                                  answer must come identically from k of them
                                                  (default a majority)
  --offline                                       verify-bundle: verify from the bundle's offline kit
                                                  with no network (needs --qbft-trust)
  --qbft-trust <file>                             pinned QBFT validators (provenance-qbft-trust-v1)
  --checkpoint <file>                             light mode: resume the header walk from a checkpoint
  --max-head-age <dur>                            refuse a revocation verdict on an older head
                                                  (e.g. 15m, 1h; default 1h in light mode)
  (serve also reads PROVENANCE_INTERVAL, _BATCH_SIZE, _MAX_BODY, _FEE_CAP, _LEASE_TTL, _LOG_LEVEL)
  --passphrase-file <f>  PROVENANCE_KEY_PASSPHRASE  passphrase of an encrypted key file (else asked
                                                  on a terminal; never a flag's value)
  --json                                          machine-readable output
  --version, -V (before any command)              print the version of provenance-ledger

Exit codes: 0 verified or done, 1 not verified (or the chain refused), 2 usage or input error
(including a record or digest the store does not hold), 3 verified against a digest the caller
supplied (--artifact-digest): no file was read.
`;

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
  try {
    if (asksForVersion(argv)) {
      const version = packageVersion();
      streams.stdout(json ? `${JSON.stringify({ name: "provenance-ledger", version, node: process.versions.node })}\n` : `provenance-ledger ${version}\n`);
      return 0;
    }
    const { positionals, flags } = parseCommandLine(argv);
    json = flags.json ?? false;
    const out = createOutput(json, streams.stdout);
    const [command, ...rest] = positionals;
    if (command !== undefined && !VERIFIER_COMMANDS.has(command)) loadDotenv();
    if (flags.help || command === undefined || command === "help") {
      printUsage(USAGE, streams);
      return command === undefined && !flags.help ? 2 : 0;
    }
    const context = { flags, args: rest, out };
    switch (command) {
      case "init":
        await commands.init(context);
        return 0;
      case "deploy":
        await commands.deploy(context);
        return 0;
      case "org": {
        const [sub, ...subArgs] = rest;
        if (sub === "add") await commands.orgAdd({ ...context, args: subArgs });
        else if (sub === "show") await commands.orgShow({ ...context, args: subArgs });
        else if (sub === "anchorer") await commands.orgAnchorer({ ...context, args: subArgs });
        else throw new InputError("INVALID_ARGUMENT", `unknown org command "${sub ?? ""}": use org add <name>, org show [<id>] or org anchorer add|remove <address>`);
        return 0;
      }
      case "record":
        await commands.record(context);
        return 0;
      case "hash":
        await hash(context);
        return 0;
      case "anchor":
        await commands.anchor(context);
        return 0;
      case "receipt":
        await commands.receipt(context);
        return 0;
      case "status":
        await commands.status(context);
        return 0;
      case "verify":
        if (flags.lineage) return await attestations.verifyLineage(context);
        return await commands.verify(context);
      case "key": {
        const [sub, ...subArgs] = rest;
        const handlers = { generate: attestations.keyGenerate, prove: attestations.keyProve, register: attestations.keyRegister, revoke: attestations.keyRevoke, show: attestations.keyShow } as const;
        const handler = sub !== undefined && Object.hasOwn(handlers, sub) ? handlers[sub as keyof typeof handlers] : undefined;
        if (!handler) throw new InputError("INVALID_ARGUMENT", `unknown key command "${sub ?? ""}": use key generate, prove, register, revoke or show`);
        await handler({ ...context, args: subArgs });
        return 0;
      }
      case "attest":
        await attestations.attest(context);
        return 0;
      case "approve":
        await attestations.approve(context);
        return 0;
      case "sbom":
        await sbom(context);
        return 0;
      case "env": {
        const [sub, ...subArgs] = rest;
        if (sub !== "capture") throw new InputError("INVALID_ARGUMENT", `unknown env command "${sub ?? ""}": use env capture`);
        await envCapture({ ...context, args: subArgs });
        return 0;
      }
      case "lineage":
        await attestations.lineage(context);
        return 0;
      case "bundle":
        await attestations.bundle(context);
        return 0;
      case "verify-bundle":
        return await attestations.verifyBundleCommand(context);
      case "demo":
        return await demo(context);
      case "watermark":
        return await watermark(context);
      case "serve":
        await service.serve(context);
        return 0;
      case "store": {
        const [sub, ...subArgs] = rest;
        if (sub !== "check") throw new InputError("INVALID_ARGUMENT", `unknown store command "${sub ?? ""}": use store check`);
        return await service.storeCheck({ ...context, args: subArgs });
      }
      case "token": {
        const [sub, ...subArgs] = rest;
        const handlers = { create: service.tokenCreate, list: service.tokenList, revoke: service.tokenRevoke } as const;
        const handler = sub !== undefined && Object.hasOwn(handlers, sub) ? handlers[sub as keyof typeof handlers] : undefined;
        if (!handler) throw new InputError("INVALID_ARGUMENT", `unknown token command "${sub ?? ""}": use token create, list or revoke`);
        await handler({ ...context, args: subArgs });
        return 0;
      }
      default:
        throw new InputError("INVALID_ARGUMENT", `unknown command "${command}" (see provenance --help)`);
    }
  } catch (error) {
    return report(error, json, streams);
  }
}

/** Prints an error once, briefly (escaped: output.ts), and maps it to an exit code. */
function report(error: unknown, json: boolean, streams: Streams): number {
  printError(error, json, streams);
  return exitCode(error);
}

function exitCode(error: unknown): number {
  if (error instanceof InputError || error instanceof HashingError || error instanceof ModelFormatError || error instanceof WatermarkError) return 2;
  if (error instanceof StoreError && error.code === "NOT_FOUND") return 2;
  if (error instanceof VerificationError || error instanceof ChainError) return 1;
  if (error instanceof BaseError) return 1;
  return 1;
}
