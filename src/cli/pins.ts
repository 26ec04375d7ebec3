import { resolve } from "node:path";
import { type LightChainReader, createLightChainReader } from "../verify/lightclient/lightReader.js";
import { createQuorumChainReader } from "../chain/quorumReader.js";
import { TRUST_MODES, type TrustMode, type TrustReport, type TrustedChainReader, httpTransport, rpcTrustedReader } from "../chain/trustMode.js";
import { ChainError, redactUrl } from "../core/errors/chain.js";
import { invalidArgument } from "./usage.js";
import { LightClientError, refusedAsInput } from "../core/errors/lightClient.js";
import type { Hex } from "../core/hex.js";
import { type QbftTrust, parseQbftTrust, serializeQbftTrust } from "../verify/lightclient/trustFile.js";
import { type TrustFile, parseTrustFile } from "../verify/trustFile.js";
import { formatTime } from "./output.js";
import { readJsonFile } from "./readJsonFile.js";
import { connectReader } from "../chain/connect.js";
import {
  type ParsedFlags,
  parseDuration,
  parseInteger,
  parseRegistry,
  parseRpcUrl,
  rpcNodeKey,
  verifierEnvironment,
  verifierEnvironmentFile,
} from "./options.js";
import { UINT32_MAX } from "../core/validate.js";
import { replaceFile } from "../local/replaceFile.js";
import { recordVerification } from "./verificationRecord.js";

// A verifier's pins come from the verifier: its flags, the real environment of its process, or
// a trust file it names. Never from a `.env`, a local store or anything in the folder it runs in
// (those were put there by whoever supplied the files), and never from the evidence it checks.
// Order: flag, then the trust file, then the environment. Each pin keeps where it came from, and
// every verdict prints it.

/** Where a pin came from. */
export type PinSource =
  | { readonly kind: "flag"; readonly name: string }
  | { readonly kind: "environment"; readonly name: string }
  | { readonly kind: "trust-file"; readonly path: string }
  /** The chain ID when nothing pinned it: whatever the node reported. */
  | { readonly kind: "node" }
  /** Organisations when nothing pinned them: any organisation's anchor is accepted. */
  | { readonly kind: "unpinned" }
  /** A default of the verifier (the trust mode, the freshness limit), with why. */
  | { readonly kind: "default"; readonly reason: string };

export type Pin<T> = { readonly value: T; readonly source: PinSource };

export type VerifierPins = {
  /** The JSON-RPC node every chain read goes to (trusted: its answers are not checked further). */
  readonly rpc: Pin<string>;
  readonly registry: Pin<Hex>;
  /** `undefined` with source `node`: not pinned, the node's answer is used. */
  readonly chainId: Pin<number | undefined>;
  /** Accepted organisation ids; empty with source `unpinned`: any. */
  readonly organisations: Pin<readonly number[]>;
  /** The trust file read, as an absolute path. */
  readonly trustFile: string | undefined;
  /** How chain facts are established: `rpc` (the node trusted), `light` (QBFT validators pinned), `quorum` (reserved). */
  readonly trustMode: Pin<TrustMode>;
  /** The pinned QBFT validator trust (light mode), and where it came from. */
  readonly qbft: { readonly trust: QbftTrust; readonly source: string } | undefined;
  /** A saved checkpoint to resume the header walk from (`--checkpoint`). */
  readonly checkpoint: { readonly trust: QbftTrust; readonly path: string } | undefined;
  /** Where to save the checkpoint after the verified head (`--save-checkpoint`, light mode), absolute. */
  readonly saveCheckpoint: string | undefined;
  /** Quorum mode: k and the nodes (every --rpc given). */
  readonly quorum: { readonly k: number; readonly endpoints: readonly string[] } | undefined;
  /** verify-bundle --offline: the bundle's offline kit is the only source, no network. */
  readonly offline: boolean;
  /** The oldest head a revocation verdict accepts, in seconds (`--max-head-age`); none in rpc mode unless given. */
  readonly maxHeadAgeSeconds: Pin<number | undefined>;
};

/** Light mode's default freshness limit: a head older than an hour is not a statement about revocation now. */
export const DEFAULT_MAX_HEAD_AGE_SECONDS = 3600;

async function readQbftTrustFile(file: string, what: string): Promise<QbftTrust> {
  try {
    return parseQbftTrust(await readJsonFile(file, what), `${what} ${file}`);
  } catch (cause) {
    if (cause instanceof LightClientError) refusedAsInput(cause, "INVALID_ARGUMENT");
    throw cause;
  }
}

type Candidate = { readonly value: string | undefined; readonly source: PinSource };

function first(...candidates: Candidate[]): Candidate | undefined {
  return candidates.find((c) => c.value !== undefined && c.value !== "");
}

const flag = (name: string, value: string | undefined): Candidate => ({ value, source: { kind: "flag", name } });
const environment = (name: string): Candidate => ({ value: verifierEnvironment(name), source: { kind: "environment", name } });

/**
 * The verifier's pins from its flags, its process environment (a value loaded from `.env` does
 * not count) and the trust file named by `--trust` or `PROVENANCE_TRUST`.
 */
export async function resolveVerifierPins(flags: ParsedFlags): Promise<VerifierPins> {
  const trustPath = first(flag("--trust", flags.trust), {
    value: flags.trust === undefined ? verifierEnvironmentFile("PROVENANCE_TRUST") : undefined,
    source: { kind: "environment", name: "PROVENANCE_TRUST" },
  });
  let trust: TrustFile | undefined;
  let trustFile: string | undefined;
  if (trustPath) {
    trustFile = resolve(trustPath.value!);
    trust = parseTrustFile(await readJsonFile(trustFile, "trust file"), `trust file ${trustFile}`);
  }
  const fromTrust = (value: string | number | undefined): Candidate => ({
    value: value === undefined ? undefined : String(value),
    source: { kind: "trust-file", path: trustFile ?? "" },
  });

  const rpc = first(flag("--rpc", flags.rpc), fromTrust(trust?.rpc), environment("PROVENANCE_RPC_URL"));
  const registry = first(flag("--registry", flags.registry), fromTrust(trust?.registry), environment("PROVENANCE_REGISTRY"));
  if (!rpc && !flags.offline) invalidArgument("missing --rpc (or set PROVENANCE_RPC_URL, or rpc in a --trust file)");
  if (!registry) invalidArgument("missing --registry (or set PROVENANCE_REGISTRY, or use a --trust file)");
  const chainId = first(flag("--chain-id", flags["chain-id"]), fromTrust(trust?.chainId), environment("PROVENANCE_CHAIN_ID"));

  let organisations: Pin<readonly number[]>;
  const orgIds = (values: readonly string[], what: string) => values.map((o) => parseInteger(o, what, 1, UINT32_MAX));
  if (flags.org?.length) organisations = { value: orgIds(flags.org, "--org"), source: { kind: "flag", name: "--org" } };
  else if (trust) organisations = { value: trust.organisations, source: { kind: "trust-file", path: trustFile! } };
  else {
    const env = verifierEnvironment("PROVENANCE_ORG");
    organisations = env
      ? { value: orgIds([env], "PROVENANCE_ORG"), source: { kind: "environment", name: "PROVENANCE_ORG" } }
      : { value: [], source: { kind: "unpinned" } };
  }

  const registryPin = parseRegistry(registry.value!);
  const chainIdPin = chainId ? parseInteger(chainId.value!, describeSource(chainId.source), 1) : undefined;

  // The validator set: --qbft-trust <file>, else the one embedded in a provenance-trust-v2 file.
  let qbft: VerifierPins["qbft"];
  if (flags["qbft-trust"]) {
    const path = resolve(flags["qbft-trust"]);
    qbft = { trust: await readQbftTrustFile(path, "QBFT trust file"), source: `QBFT trust file ${path} (--qbft-trust)` };
  } else if (trust?.qbft) qbft = { trust: trust.qbft, source: `embedded in trust file ${trustFile}` };
  if (qbft) {
    if (qbft.trust.registry !== registryPin.toLowerCase())
      invalidArgument(`the QBFT trust is for registry ${qbft.trust.registry}, but the verifier pinned ${registryPin} (${describeSource(registry.source)})`);
    if (chainIdPin !== undefined && qbft.trust.chainId !== chainIdPin)
      invalidArgument(`the QBFT trust is for chain ${qbft.trust.chainId}, but the verifier pinned chain ${chainIdPin}`);
  }
  let trustMode: Pin<TrustMode>;
  if (flags["trust-mode"] !== undefined) {
    const mode = flags["trust-mode"] as TrustMode;
    if (!TRUST_MODES.includes(mode)) invalidArgument(`--trust-mode must be one of ${TRUST_MODES.join(", ")}, got "${flags["trust-mode"]}"`);
    trustMode = { value: mode, source: { kind: "flag", name: "--trust-mode" } };
  } else if (flags.quorum !== undefined) trustMode = { value: "quorum", source: { kind: "default", reason: "--quorum is given" } };
  else
    trustMode = qbft
      ? { value: "light", source: { kind: "default", reason: "a QBFT validator trust is given" } }
      : { value: "rpc", source: { kind: "default", reason: "no QBFT validator trust given" } };
  if (flags["qbft-trust"] && trustMode.value !== "light")
    invalidArgument(
      `--qbft-trust pins validators that only light mode uses, but the trust mode is ${trustMode.value} (${describeSource(trustMode.source)}): give one or the other`,
    );
  if (trustMode.value === "light" && !qbft)
    invalidArgument(
      "--trust-mode light needs the pinned validators: --qbft-trust <provenance-qbft-trust-v1 file>, or qbft in a provenance-trust-v2 --trust file",
    );
  if (flags.offline && trustMode.value !== "light")
    invalidArgument("--offline verifies the bundle's recorded proofs against pinned QBFT validators: it needs --qbft-trust (light mode)");
  const endpoints = flags["rpc-endpoints"] ?? [];
  let quorum: VerifierPins["quorum"];
  if (trustMode.value === "quorum") {
    // One node is rpc mode under another name: a quorum needs at least two to compare.
    if (endpoints.length < 2) invalidArgument(`quorum mode needs at least two independent nodes (--rpc <url> once per node), got ${endpoints.length}`);
    const urls = endpoints.map((url, i) => parseRpcUrl(url, `--rpc #${i + 1}`));
    refuseRepeatedNodes(urls);
    const k = flags.quorum !== undefined ? parseInteger(flags.quorum, "--quorum", 1, urls.length) : Math.floor(urls.length / 2) + 1;
    quorum = { k, endpoints: urls };
  } else if (flags.quorum !== undefined) invalidArgument(`--quorum is for --trust-mode quorum, not ${trustMode.value}`);
  else if (endpoints.length > 1) invalidArgument(`${endpoints.length} --rpc nodes given: several nodes are for quorum mode (add --quorum <k>)`);
  let checkpoint: VerifierPins["checkpoint"];
  if (flags.checkpoint) {
    if (trustMode.value !== "light") invalidArgument("--checkpoint resumes a light-mode header walk: it needs --trust-mode light");
    const path = resolve(flags.checkpoint);
    checkpoint = { trust: await readQbftTrustFile(path, "checkpoint"), path };
  }
  if (flags["save-checkpoint"] && trustMode.value !== "light")
    invalidArgument("--save-checkpoint saves a light-mode header walk: it needs the pinned validators (--qbft-trust <file>) and --trust-mode light");
  const saveCheckpoint = flags["save-checkpoint"] ? resolve(flags["save-checkpoint"]) : undefined;
  const maxHeadAgeSeconds: Pin<number | undefined> = flags["max-head-age"]
    ? { value: parseDuration(flags["max-head-age"], "--max-head-age"), source: { kind: "flag", name: "--max-head-age" } }
    : flags.offline
      ? { value: undefined, source: { kind: "default", reason: "offline: the verdict is stated as of the kit's verified head" } }
      : trustMode.value === "rpc"
        ? { value: undefined, source: { kind: "default", reason: "rpc mode: the node's head is trusted" } }
        : { value: DEFAULT_MAX_HEAD_AGE_SECONDS, source: { kind: "default", reason: `${trustMode.value} mode's default` } };

  return {
    // Offline: no node at all (the value is only printed).
    rpc:
      rpc && !flags.offline
        ? { value: parseRpcUrl(rpc.value!, describeSource(rpc.source)), source: rpc.source }
        : { value: "none (--offline)", source: { kind: "default", reason: "--offline: no network" } },
    registry: { value: registryPin, source: registry.source },
    chainId:
      chainIdPin !== undefined
        ? { value: chainIdPin, source: chainId!.source }
        : qbft && trustMode.value === "light"
          ? { value: qbft.trust.chainId, source: { kind: "default", reason: `the chain of the ${qbft.source}` } }
          : { value: undefined, source: { kind: "node" } },
    organisations,
    trustFile,
    trustMode,
    qbft,
    checkpoint,
    saveCheckpoint,
    maxHeadAgeSeconds,
    quorum,
    offline: flags.offline === true,
  };
}

/**
 * Quorum mode counts nodes: one node named twice (the same URL, or one spelled another way: case,
 * default port, trailing slash) would be counted as two that agreed. Refused as a usage error
 * naming both `--rpc`s. Distinct URLs are taken as distinct nodes; that they are independent is
 * the verifier's responsibility (aliases such as 127.0.0.1 and localhost cannot be detected).
 */
function refuseRepeatedNodes(urls: readonly string[]): void {
  const seen = new Map<string, number>();
  urls.forEach((url, i) => {
    const key = rpcNodeKey(url);
    const earlier = seen.get(key);
    if (earlier !== undefined)
      invalidArgument(
        `--rpc #${i + 1} (${redactUrl(url)}) names the same node as --rpc #${earlier + 1} (${redactUrl(urls[earlier]!)}): quorum mode needs independent nodes, and one node named twice is one answer counted twice`,
      );
    seen.set(key, i);
  });
}

/**
 * A read-only connection in the pinned trust mode: `rpc` asks the node and trusts it; `light` uses the
 * node only as a transport and proves every answer against headers sealed by the pinned validators.
 */
export function connectVerifier(pins: VerifierPins, timeoutMs: number): TrustedChainReader {
  const node = redactUrl(pins.rpc.value);
  switch (pins.trustMode.value) {
    case "rpc":
      return rpcTrustedReader(connectReader(pins.rpc.value, timeoutMs), node);
    case "light":
      return createLightChainReader({
        transport: httpTransport(pins.rpc.value, timeoutMs),
        trust: pins.qbft!.trust,
        checkpoint: pins.checkpoint?.trust,
        validatorsSource: pins.qbft!.source,
        node,
      });
    case "quorum":
      return createQuorumChainReader({
        quorum: pins.quorum!.k,
        endpoints: pins.quorum!.endpoints.map((url) => ({ name: redactUrl(url), request: httpTransport(url, timeoutMs) })),
      });
  }
}

/**
 * `--save-checkpoint`: writes the light reader's checkpoint after its verified head (the same
 * `provenance-qbft-trust-v1` format as the trust file), through a temporary file and a rename so a
 * crash leaves the old one whole (`replaceFile`: an unpredictable temporary name, created
 * exclusively and never through a symlink). Called once a verification has completed: the walk it records
 * verified every header from the starting point with the validators' seals. Resolves to what was
 * saved (nothing without the flag).
 */
export async function saveCheckpoint(pins: VerifierPins, chain: TrustedChainReader): Promise<QbftTrust | undefined> {
  if (pins.saveCheckpoint === undefined) return undefined;
  // Light mode is checked when the pins are resolved; every light reader is a LightChainReader.
  if (chain.trustMode !== "light") invalidArgument("--save-checkpoint needs light mode");
  const checkpoint = await (chain as LightChainReader).checkpoint();
  try {
    await replaceFile(pins.saveCheckpoint, serializeQbftTrust(checkpoint), 0o644);
  } catch (cause) {
    invalidArgument(`cannot write the checkpoint ${pins.saveCheckpoint}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`, cause);
  }
  return checkpoint;
}

/** The pinned chain ID, or the node's when none is pinned (a node error names the node, redacted). */
export async function verifierChainId(pins: VerifierPins, chain: TrustedChainReader): Promise<number> {
  if (pins.chainId.value !== undefined) return recorded(pins, chain, pins.chainId.value);
  try {
    return recorded(pins, chain, await chain.getChainId());
  } catch (error) {
    throw error instanceof ChainError ? new ChainError(error.code, `${error.shortMessage}: ${redactUrl(pins.rpc.value)}`, { cause: error }) : error;
  }
}

/** The chain ID, once the verification's pins and chain are settled: recorded for a refusal to name them (verificationRecord.ts). */
function recorded(pins: VerifierPins, chain: TrustedChainReader, chainId: number): number {
  recordVerification({ pins, chain, chainId });
  return chainId;
}

/** `--registry`, `environment variable PROVENANCE_REGISTRY`, `trust file /abs/trust.json`, … */
export function describeSource(source: PinSource): string {
  switch (source.kind) {
    case "flag":
      return source.name;
    case "environment":
      return `environment variable ${source.name}`;
    case "trust-file":
      return `trust file ${source.path}`;
    case "node":
      return "not pinned: as reported by the node";
    case "unpinned":
      return "not pinned: any organisation";
    case "default":
      return `default: ${source.reason}`;
  }
}

/**
 * What a verdict's anchoring transaction hash rests on (`trusted.txHash` in the JSON verdict). No
 * mode proves the hash itself: light and offline mode prove the block (sealed header) and its
 * BatchAnchored event (the receipts trie against the header's receiptsRoot), but take the block's
 * list of transaction hashes as the node or the kit gave it (the transactions trie is not rebuilt);
 * quorum mode has k nodes agree on it; rpc mode trusts the node for every chain fact.
 */
export type TxHashTrust = {
  /** Whether the hash itself was proven against a sealed header: false in every mode today. */
  readonly proven: boolean;
  /** Who said it: the node (rpc, or light as a transport), at least k of n nodes (quorum), the bundle's offline kit. */
  readonly reportedBy: "node" | "quorum" | "offline-kit";
  readonly description: string;
};

/** The anchoring transaction hash's standing in a verdict, by trust mode (`offline`: verify-bundle --offline). */
export function txHashTrust(report: TrustReport, offline: boolean): TxHashTrust {
  const unproven = "NOT proven: the block and its BatchAnchored event are proven against the sealed header, the block's transaction list is not";
  if (report.trustMode === "light")
    return offline
      ? { proven: false, reportedBy: "offline-kit", description: `transaction hash as the bundle's offline kit recorded it, ${unproven}` }
      : { proven: false, reportedBy: "node", description: `transaction hash as the node reported it, ${unproven}` };
  if (report.trustMode === "quorum") {
    const nodes = Array.isArray(report.nodes) ? report.nodes.length : "the";
    return {
      proven: false,
      reportedBy: "quorum",
      description: `transaction hash as at least ${String(report.quorum)} of ${nodes} nodes reported it identically; not proven`,
    };
  }
  return {
    proven: false,
    reportedBy: "node",
    description: "transaction hash as the trusted RPC node reported it, like every chain fact in rpc mode; not proven",
  };
}

/** What the verdict's text adds after the anchoring transaction hash: light and offline mode say it is not proven (the other modes' trust lines already do). */
export function txHashNote(report: TrustReport, offline: boolean): string {
  return report.trustMode === "light" ? ` (${txHashTrust(report, offline).description})` : "";
}

/** What quorum mode cannot check about its nodes, said in every quorum verdict (text and JSON). */
const QUORUM_INDEPENDENCE =
  "the nodes were told apart by URL only (a URL repeated is refused); that distinct URLs are independent nodes run by different operators is the verifier's responsibility: aliases of one node (127.0.0.1 and localhost, one provider's several addresses) cannot be detected";

/** `--checkpoint` as the verdict's JSON shows it (`trusted.checkpoint`): the file, and what of it was trusted as the starting pin. */
function checkpointJson(checkpoint: NonNullable<VerifierPins["checkpoint"]>, report?: TrustReport) {
  const walked = report?.trustMode === "light" ? report.headersVerified : undefined;
  return {
    path: checkpoint.path,
    block: { number: checkpoint.trust.block.number, hash: checkpoint.trust.block.hash },
    validators: checkpoint.trust.validators,
    note: `the starting pin, trusted as it is (its block hash and validator set were not re-derived from the trust file)${walked === 0 ? "; no header seal was checked: the head is the checkpoint block itself" : ""}`,
  };
}

/** The pins as a verdict's JSON shows them (`trusted`): values, sources, the node's URL (redacted), and what the trust mode trusted (`chain`). */
export function pinsJson(pins: VerifierPins, chainId: number, report?: TrustReport) {
  const source = (s: PinSource) => ({ ...s, description: describeSource(s) });
  const light = pins.trustMode.value === "light";
  return {
    trustMode: { value: pins.trustMode.value, source: source(pins.trustMode.source) },
    rpcNode: {
      url: pins.offline ? null : redactUrl(pins.rpc.value),
      source: source(pins.rpc.source),
      note: pins.offline
        ? "none: verified offline from the bundle's recorded proofs"
        : pins.quorum
          ? `quorum: ${pins.quorum.k} of ${pins.quorum.endpoints.length} nodes had to agree on every answer`
          : light
            ? "used only as a transport: every answer but the blocks' transaction hashes was proven against headers sealed by the pinned validators"
            : "the node's answers were trusted as they are",
    },
    ...(report ? { chain: report, txHash: txHashTrust(report, pins.offline) } : {}),
    ...(pins.quorum ? { quorum: { k: pins.quorum.k, nodes: pins.quorum.endpoints.map(redactUrl), independence: QUORUM_INDEPENDENCE } } : {}),
    ...(pins.offline && report?.trustMode === "light" ? { asOf: { blockNumber: report.head.number, timestamp: report.head.timestamp } } : {}),
    ...(pins.checkpoint ? { checkpoint: checkpointJson(pins.checkpoint, report) } : {}),
    ...(pins.saveCheckpoint ? { savedCheckpoint: pins.saveCheckpoint } : {}),
    maxHeadAge: { seconds: pins.maxHeadAgeSeconds.value ?? null, source: source(pins.maxHeadAgeSeconds.source) },
    registry: { value: pins.registry.value, source: source(pins.registry.source) },
    chainId: { value: chainId, pinned: pins.chainId.value !== undefined, source: source(pins.chainId.source) },
    organisations: { value: pins.organisations.value, source: source(pins.organisations.source) },
    ...(pins.trustFile ? { trustFile: pins.trustFile } : {}),
  };
}

type LightReport = TrustReport & { trustMode: "light" };

const validatorList = (validators: readonly Hex[]) => `${validators.length} validator(s) (${validators.join(", ")})`;

/** What light mode trusted as it is: the starting pin (the trust file's validator set, or a saved checkpoint). */
function lightTrusted(report: LightReport): string {
  return report.checkpoint.from === "checkpoint" ? "the saved checkpoint (a pin: its block hash and validator set)" : "the QBFT validator set";
}

/**
 * The starting pin, as it was trusted. From the trust file: its validator set and block. From a
 * checkpoint: the checkpoint's file, block, hash and set (taken as they are, not re-derived from the
 * trust file), and what of the trust file was used (its chain, registry and selection; its set only
 * when the checkpoint is at its own block, where the two were checked to be the same state).
 */
function lightStartLines(pins: VerifierPins, report: LightReport): string[] {
  const mode = report.validatorSelection.mode === "header" ? "block-header" : "contract";
  const pinned = `block ${report.pinnedBlock.number} (${report.pinnedBlock.hash})`;
  if (report.checkpoint.from === "trust-file")
    return [
      `  validators: ${report.validators.length} pinned (${report.validators.join(", ")}), ${mode} mode, from ${pinned}; source: ${report.validatorsSource}`,
    ];
  const start = report.checkpoint;
  return [
    `  checkpoint: block ${start.number} (${start.hash}) with ${validatorList(start.validators)} in force after it, from ${pins.checkpoint?.path ?? "a checkpoint given by the caller"} (--checkpoint): the starting pin, trusted as it is, as a trust file is (its hash and validator set were not re-derived from the trust file)`,
    start.number === report.pinnedBlock.number
      ? `  validator trust: ${report.validatorsSource}: ${pinned}, the checkpoint's own block, with the same hash and ${validatorList(report.validators)} (checked)`
      : `  validator trust: ${report.validatorsSource}: only its chain, registry and ${mode} selection were used (checked against the checkpoint); its ${validatorList(report.validators)} from ${pinned} were not: the walk started at the checkpoint`,
  ];
}

/** The head, and how it was verified from the starting pin: by a walk of sealed headers, or (none walked) as the pinned block itself. */
function lightHeadLine(report: LightReport, head: string, headers: string, tail: string, offline: boolean): string {
  const start = report.checkpoint.from === "checkpoint" ? "checkpoint" : "pinned";
  const proven = `every fact proven against it but transaction hashes (as the ${offline ? "kit recorded" : "node reported"} them, not proven)`;
  if (report.headersVerified === 0)
    return `  head: block ${report.head.number} (${head}): no header seal was checked: the head is the ${start} block itself, trusted by the hash the ${start === "checkpoint" ? "checkpoint" : "trust file"} pins; ${proven}${tail}`;
  return `  head: block ${report.head.number} (${head}) verified by walking ${report.headersVerified} ${headers} from ${start} block ${report.checkpoint.number}, each sealed by a quorum of the set in force (${report.head.validators.length} validator(s) at the head); ${proven}${tail}`;
}

function savedLine(pins: VerifierPins, report: LightReport): string[] {
  if (pins.saveCheckpoint === undefined) return [];
  return [
    `  checkpoint saved to ${pins.saveCheckpoint}: block ${report.head.number} (${report.head.hash}); resume with --checkpoint (keep it as you keep the validator trust file: it is a pin)`,
  ];
}

/** The pins as a verdict's text shows them: the trust mode, what it trusted, and where each pin came from. */
export function pinLines(pins: VerifierPins, chainId: number, report?: TrustReport): string[] {
  const orgs = pins.organisations.value.length ? `organisation(s) ${pins.organisations.value.join(", ")}` : "any organisation";
  const freshness =
    pins.maxHeadAgeSeconds.value === undefined ? "no head age limit" : `head at most ${pins.maxHeadAgeSeconds.value} s old for a revocation verdict`;
  if (report?.trustMode === "quorum" && pins.quorum)
    return [
      `  trust mode: quorum (${describeSource(pins.trustMode.source)}): trusted that no ${pins.quorum.k} of these ${pins.quorum.endpoints.length} nodes lie together; every answer used was given identically by at least ${pins.quorum.k}`,
      `  independence: ${QUORUM_INDEPENDENCE}`,
      ...(report.nodes as { node: string; dissents: number; failures: number }[]).map(
        (n) => `  node ${n.node}: ${n.dissents} answer(s) outvoted, ${n.failures} unanswered`,
      ),
      `  head: block ${String(report.head)} (the highest block ${pins.quorum.k} nodes reported; every read pinned to it); ${freshness} (${describeSource(pins.maxHeadAgeSeconds.source)})`,
      `  pins: registry ${pins.registry.value} (${describeSource(pins.registry.source)}); chain ${chainId} (${describeSource(pins.chainId.source)}); ${orgs} (${describeSource(pins.organisations.source)})`,
    ];
  if (report?.trustMode === "light" && pins.offline)
    return [
      `  trust mode: light, offline: trusted ${lightTrusted(report)}, not the bundle; verified from the bundle's recorded proofs with no network`,
      `  as of block ${report.head.number} (${formatTime(report.head.timestamp)}): the revocation state is the state at that block, not now`,
      ...lightStartLines(pins, report),
      lightHeadLine(report, `${report.head.hash}`, "recorded header(s)", "", true),
      ...savedLine(pins, report),
      `  pins: registry ${pins.registry.value} (${describeSource(pins.registry.source)}); chain ${chainId} (${describeSource(pins.chainId.source)}); ${orgs} (${describeSource(pins.organisations.source)})`,
    ];
  if (report?.trustMode === "light")
    return [
      `  trust mode: light (${describeSource(pins.trustMode.source)}): trusted ${lightTrusted(report)}, not the node`,
      ...lightStartLines(pins, report),
      lightHeadLine(
        report,
        `${report.head.hash}, ${formatTime(report.head.timestamp)}`,
        "header(s)",
        `; ${freshness} (${describeSource(pins.maxHeadAgeSeconds.source)})`,
        false,
      ),
      `  node ${report.node} (${describeSource(pins.rpc.source)}): used only as a transport`,
      ...savedLine(pins, report),
      `  pins: registry ${pins.registry.value} (${describeSource(pins.registry.source)}); chain ${chainId} (${describeSource(pins.chainId.source)}); ${orgs} (${describeSource(pins.organisations.source)})`,
    ];
  return [
    `  trust mode: ${pins.trustMode.value} (${describeSource(pins.trustMode.source)}); ${freshness}`,
    `  trusted the RPC node at ${redactUrl(pins.rpc.value)} (${describeSource(pins.rpc.source)}): its answers were not checked further`,
    `  pins: registry ${pins.registry.value} (${describeSource(pins.registry.source)}); chain ${chainId} (${describeSource(pins.chainId.source)}); ${orgs} (${describeSource(pins.organisations.source)})`,
  ];
}
