import { resolve } from "node:path";
import type { ChainReader } from "../chain/types.js";
import { ChainError, redactUrl } from "../errors/chain.js";
import { InputError } from "../errors/input.js";
import type { Hex } from "../hex.js";
import { type TrustFile, parseTrustFile } from "../trustFile.js";
import { readJsonFile } from "./readJsonFile.js";
import { connectReader } from "./connect.js";
import { type ParsedFlags, parseInteger, parseRegistry, parseRpcUrl, verifierEnvironment } from "./options.js";

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
  | { readonly kind: "unpinned" };

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
};

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
  const trustPath = first(flag("--trust", flags.trust), environment("PROVENANCE_TRUST"));
  let trust: TrustFile | undefined;
  let trustFile: string | undefined;
  if (trustPath) {
    trustFile = resolve(trustPath.value!);
    trust = parseTrustFile(await readJsonFile(trustFile, "trust file"), `trust file ${trustFile}`);
  }
  const fromTrust = (value: string | number | undefined): Candidate => ({ value: value === undefined ? undefined : String(value), source: { kind: "trust-file", path: trustFile ?? "" } });

  const rpc = first(flag("--rpc", flags.rpc), fromTrust(trust?.rpc), environment("PROVENANCE_RPC_URL"));
  const registry = first(flag("--registry", flags.registry), fromTrust(trust?.registry), environment("PROVENANCE_REGISTRY"));
  if (!rpc) throw new InputError("INVALID_ARGUMENT", "missing --rpc (or set PROVENANCE_RPC_URL, or rpc in a --trust file)");
  if (!registry) throw new InputError("INVALID_ARGUMENT", "missing --registry (or set PROVENANCE_REGISTRY, or use a --trust file)");
  const chainId = first(flag("--chain-id", flags["chain-id"]), fromTrust(trust?.chainId), environment("PROVENANCE_CHAIN_ID"));

  let organisations: Pin<readonly number[]>;
  const orgIds = (values: readonly string[], what: string) => values.map((o) => parseInteger(o, what, 1, 2 ** 32 - 1));
  if (flags.org?.length) organisations = { value: orgIds(flags.org, "--org"), source: { kind: "flag", name: "--org" } };
  else if (trust) organisations = { value: trust.organisations, source: { kind: "trust-file", path: trustFile! } };
  else {
    const env = verifierEnvironment("PROVENANCE_ORG");
    organisations = env ? { value: orgIds([env], "PROVENANCE_ORG"), source: { kind: "environment", name: "PROVENANCE_ORG" } } : { value: [], source: { kind: "unpinned" } };
  }

  return {
    rpc: { value: parseRpcUrl(rpc.value!, describeSource(rpc.source)), source: rpc.source },
    registry: { value: parseRegistry(registry.value!), source: registry.source },
    chainId: chainId ? { value: parseInteger(chainId.value!, describeSource(chainId.source), 1), source: chainId.source } : { value: undefined, source: { kind: "node" } },
    organisations,
    trustFile,
  };
}

/** A read-only connection to the pinned node. */
export function connectVerifier(pins: VerifierPins, timeoutMs: number): ChainReader {
  return connectReader(pins.rpc.value, timeoutMs);
}

/** The pinned chain ID, or the node's when none is pinned (a node error names the node, redacted). */
export async function verifierChainId(pins: VerifierPins, chain: ChainReader): Promise<number> {
  if (pins.chainId.value !== undefined) return pins.chainId.value;
  try {
    return await chain.getChainId();
  } catch (error) {
    throw error instanceof ChainError ? new ChainError(error.code, `${error.shortMessage}: ${redactUrl(pins.rpc.value)}`, { cause: error }) : error;
  }
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
  }
}

/** The pins as a verdict's JSON shows them (`trusted`): values, sources, the node's URL (redacted). */
export function pinsJson(pins: VerifierPins, chainId: number) {
  const source = (s: PinSource) => ({ ...s, description: describeSource(s) });
  return {
    rpcNode: { url: redactUrl(pins.rpc.value), source: source(pins.rpc.source), note: "the node's answers were trusted as they are" },
    registry: { value: pins.registry.value, source: source(pins.registry.source) },
    chainId: { value: chainId, pinned: pins.chainId.value !== undefined, source: source(pins.chainId.source) },
    organisations: { value: pins.organisations.value, source: source(pins.organisations.source) },
    ...(pins.trustFile ? { trustFile: pins.trustFile } : {}),
  };
}

/** The pins as a verdict's text shows them: what it trusted, and where each pin came from. */
export function pinLines(pins: VerifierPins, chainId: number): string[] {
  const orgs = pins.organisations.value.length ? `organisation(s) ${pins.organisations.value.join(", ")}` : "any organisation";
  return [
    `  trusted the RPC node at ${redactUrl(pins.rpc.value)} (${describeSource(pins.rpc.source)}): its answers were not checked further`,
    `  pins: registry ${pins.registry.value} (${describeSource(pins.registry.source)}); chain ${chainId} (${describeSource(pins.chainId.source)}); ${orgs} (${describeSource(pins.organisations.source)})`,
  ];
}
