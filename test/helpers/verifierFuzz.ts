// The verifier fuzz: mutate genuine receipts, envelopes and bundles, verify each mutant exactly as
// a third party would (strict parse, then verify against the real node with the verifier's pins
// and the real model files' digest), and count a false VERIFIED whenever a mutant verifies to a
// verdict that no genuine document has. A mutant whose every claim a genuine verdict also makes
// (whitespace, key order, an optional entry left out) asserts nothing false, and is counted apart.
// `npm run fuzz` runs a million mutations; the test suite runs a slice.
import { parseEnvelope } from "../../src/formats/attestation/dsse.js";
import { verifyEnvelope } from "../../src/formats/attestation/verifyEnvelope.js";
import { parseBundle } from "../../src/formats/bundle.js";
import { type VerifiedBundle, verifyBundle } from "../../src/verify/verifyBundle.js";
import type { ChainReader } from "../../src/chain/types.js";
import { BaseError } from "../../src/core/errors/base.js";
import { parseJson } from "../../src/core/parseJson.js";
import { parseReceipt } from "../../src/formats/receipt.js";
import { verifyAttestation } from "../../src/verify/verifyAttestation.js";
import { verifyReceipt } from "../../src/verify/verifyReceipt.js";
import type { PublicKeyInfo } from "../../src/formats/attestation/publicKeys.js";
import type { Hex } from "../../src/core/hex.js";
import type { GenuineEvidence } from "./genuineEvidence.js";
import { createRandom, mutateJsonText } from "./jsonMutator.js";
import { offlineChainReader } from "../../src/verify/offlineBundle.js";
import { parseQbftTrust } from "../../src/verify/lightclient/trustFile.js";

/** One kind of document under test: its genuine texts and how a verifier turns one into a verdict. */
export type FuzzTarget = {
  readonly name: string;
  readonly genuine: readonly string[];
  /** Share of the mutations this target gets, relative to the others' (a bundle costs ~15 envelopes). */
  readonly weight: number;
  /**
   * Parses and verifies `text` as a verifier would, or throws. Returns the verdict as the claims it
   * makes (strings); a verdict is true when each of its claims is one a genuine document's verdict
   * makes. (A bundle with an optional entry left out verifies to fewer claims, all true.)
   */
  verify(text: string): Promise<readonly string[]>;
};

export type FuzzReport = {
  readonly mutations: number;
  readonly milliseconds: number;
  readonly perTarget: readonly { readonly name: string; readonly mutations: number; readonly refused: number; readonly equivalent: number }[];
  /** Every mutant that verified to a verdict no genuine document has. Must be empty. */
  readonly falseVerified: readonly { readonly target: string; readonly seed: number; readonly claims: readonly string[]; readonly text: string }[];
  /** Failures that were not a refusal (a bug: a crash instead of a named error). */
  readonly crashes: readonly { readonly target: string; readonly seed: number; readonly error: string }[];
};

/**
 * A ChainReader that asks the real node once per distinct question. The chain does not move
 * during a fuzz run, so every answer is the node's own; without this, a million mutants would
 * spend their time in JSON-RPC round trips rather than in the verifier.
 */
export function memoizeReader(reader: ChainReader): ChainReader {
  const cache = new Map<string, Promise<unknown>>();
  const once = <T>(key: string, ask: () => Promise<T>): Promise<T> => {
    let answer = cache.get(key) as Promise<T> | undefined;
    if (!answer) {
      answer = ask();
      cache.set(key, answer);
      answer.catch(() => cache.delete(key));
    }
    return answer;
  };
  return {
    getChainId: () => once("chainId", () => reader.getChainId()),
    getBlockNumber: () => once("blockNumber", () => reader.getBlockNumber()),
    getBlock: (n) => once(`block:${n}`, () => reader.getBlock(n)),
    getTransactionReceipt: (h) => once(`receipt:${h.toLowerCase()}`, () => reader.getTransactionReceipt(h)),
    call: (r) => once(`call:${r.to.toLowerCase()}:${r.data.toLowerCase()}`, () => reader.call(r)),
    getLogs: (f) => once(`logs:${JSON.stringify(f, (_, v) => (typeof v === "bigint" ? v.toString() : v))}`, () => reader.getLogs(f)),
  };
}

/** What the verifier targets need of genuine evidence: plain data, so that worker threads can receive it. */
export type FuzzEvidence = {
  readonly rpcUrl: string;
  readonly chainId: number;
  readonly registry: Hex;
  readonly orgId: number;
  readonly publicKeys: readonly PublicKeyInfo[];
  readonly fileModel: { readonly sha256: string };
  readonly model: { readonly sha256: string };
  readonly recordReceipts: readonly string[];
  readonly attestationReceipts: readonly string[];
  readonly bundle: string;
  /**
   * A bundle with its offline kit (v2, from the QBFT test node) and the validator trust file it is
   * verified against, when the run has one: the "offline bundle" target, verified with no chain.
   */
  readonly offline?: { readonly bundle: string; readonly trust: string; readonly modelSha256: string; readonly orgId: number };
};

export function fuzzEvidence(evidence: GenuineEvidence, offline?: FuzzEvidence["offline"]): FuzzEvidence {
  const { chain, registry, orgId, publicKeys, fileModel, model, recordReceipts, attestationReceipts, bundle } = evidence;
  return {
    ...(offline ? { offline } : {}),
    rpcUrl: chain.rpcUrl,
    chainId: chain.chainId,
    registry,
    orgId,
    publicKeys,
    fileModel: { sha256: fileModel.sha256 },
    model: { sha256: model.sha256 },
    recordReceipts,
    attestationReceipts,
    bundle,
  };
}

/** The verifier's targets over genuine evidence: what a third party runs, with its own pins. */
export function verifierTargets(evidence: FuzzEvidence, reader: ChainReader): FuzzTarget[] {
  const chain = memoizeReader(reader);
  const pins = { chain, chainId: evidence.chainId, registry: evidence.registry, acceptedOrgIds: [evidence.orgId] };
  const envelopes = evidence.attestationReceipts.map((text) => JSON.stringify((JSON.parse(text) as { envelope: unknown }).envelope, null, 2));
  const subjectDigests = [evidence.fileModel.sha256, evidence.model.sha256];
  return [
    {
      name: "record receipt",
      weight: 6,
      genuine: evidence.recordReceipts,
      async verify(text) {
        const receipt = parseReceipt(text);
        // The verifier hashed the file it holds: each genuine receipt is checked against its own model's bytes.
        const digest = receipt.record?.subject.digest.sha256;
        const r = await verifyReceipt({ ...pins, receipt, artifactSha256: digest === evidence.fileModel.sha256 ? digest : undefined });
        return [JSON.stringify([r.entry, r.root, r.organisation, r.blockNumber, r.txHash, r.timestamp])];
      },
    },
    {
      name: "attestation receipt",
      weight: 6,
      genuine: evidence.attestationReceipts,
      async verify(text) {
        const r = await verifyAttestation({ ...pins, receipt: parseReceipt(text), publicKeys: evidence.publicKeys });
        return [JSON.stringify([r.entryHash, r.statement, r.signers.map((s) => [s.keyid, s.role]), r.organisation, r.blockNumber, r.txHash])];
      },
    },
    {
      name: "envelope",
      weight: 6,
      genuine: envelopes,
      async verify(text) {
        const r = await verifyEnvelope({ envelope: parseEnvelope(parseJson(text, "envelope")), publicKeys: evidence.publicKeys });
        return [JSON.stringify([r.entryHash, r.statement, r.signers.map((s) => s.keyid)])];
      },
    },
    {
      name: "bundle",
      weight: 1,
      genuine: [evidence.bundle],
      async verify(text) {
        const bundle = parseBundle(text);
        const r = await verifyBundle({ ...pins, bundle, artifactSha256: evidence.model.sha256, requireApprovals: 2 });
        if (!subjectDigests.includes(r.model.sha256)) throw new Error("unreachable: the artifact check let another model through");
        return bundleClaims(r);
      },
    },
    ...(evidence.offline ? [offlineBundleTarget(evidence.offline)] : []),
  ];
}

/** A bundle verdict as the claims it makes: the model, its revocation state as of the head read, each attestation and each deployment's quorum. */
function bundleClaims(r: VerifiedBundle): string[] {
  return [
    `verdict ${r.verdict} of ${r.model.sha256} named ${JSON.stringify(r.model.name)}`,
    `revocation ${JSON.stringify(r.revocation)}`,
    ...r.attestations.map((a) => `attestation ${a.entryHash} by ${a.organisation.id} at ${a.blockNumber}`),
    ...r.deployments.map((d) => `deployment ${d.entryHash} approved by ${d.quorum.approvers.length} of ${d.quorum.required}`),
  ];
}

/** What `verify-bundle --offline` runs: the bundle's kit replayed and proven against the pinned validators; no chain at all. */
export function offlineBundleTarget(offline: NonNullable<FuzzEvidence["offline"]>): FuzzTarget {
  const trust = parseQbftTrust(JSON.parse(offline.trust));
  return {
    name: "offline bundle",
    weight: 1,
    genuine: [offline.bundle],
    async verify(text) {
      const bundle = parseBundle(text);
      const chain = offlineChainReader({ bundle, trust });
      const r = await verifyBundle({
        bundle,
        chain,
        chainId: trust.chainId,
        registry: trust.registry,
        acceptedOrgIds: [offline.orgId],
        artifactSha256: offline.modelSha256,
        requireApprovals: 2,
      });
      if (r.model.sha256 !== offline.modelSha256) throw new Error("unreachable: the artifact check let another model through");
      return bundleClaims(r);
    },
  };
}

/**
 * Runs `mutations` mutants spread over the targets by weight, reproducibly from `seed` (mutant k of
 * a run uses seed `seed + k`, so any finding is replayed alone with its seed).
 */
export async function runVerifierFuzz(parameters: {
  targets: readonly FuzzTarget[];
  mutations: number;
  seed?: number;
  /** Run only the mutants k with k mod `stride` = `offset` (to share one run between workers). */
  stride?: number;
  offset?: number;
  onProgress?: (done: number) => void;
  /** Called at once for each false VERIFIED or crash (a long run prints them as they come). */
  onFinding?: (finding: { falseVerified?: FuzzReport["falseVerified"][number]; crash?: FuzzReport["crashes"][number] }) => void;
}): Promise<FuzzReport> {
  const { targets, mutations } = parameters;
  const seed = parameters.seed ?? 1;
  const stride = parameters.stride ?? 1;
  const started = performance.now();
  const genuineClaims = new Map<string, Set<string>>();
  for (const t of targets) genuineClaims.set(t.name, new Set((await Promise.all(t.genuine.map((g) => t.verify(g)))).flat()));
  const stats = targets.map((t) => ({ name: t.name, mutations: 0, refused: 0, equivalent: 0 }));
  const falseVerified: FuzzReport["falseVerified"][number][] = [];
  const crashes: FuzzReport["crashes"][number][] = [];
  const donors = targets.map((t) => t.genuine.map((g) => JSON.parse(g) as never));
  // Mutant k goes to the target that owns slot k mod (sum of weights).
  const slots = targets.flatMap((t, i) => Array.from({ length: t.weight }, () => i));

  let done = 0;
  for (let k = parameters.offset ?? 0; k < mutations; k += stride, done++) {
    if (parameters.onProgress && done > 0 && done % 1_000 === 0) parameters.onProgress(done);
    const i = slots[k % slots.length]!;
    const target = targets[i]!;
    const r = createRandom(seed + k);
    const original = target.genuine[r.below(target.genuine.length)]!;
    const text = mutateJsonText(original, r, donors[i]!);
    stats[i]!.mutations++;
    let claims: readonly string[];
    try {
      claims = await target.verify(text);
    } catch (error) {
      if (error instanceof BaseError) stats[i]!.refused++;
      else {
        crashes.push({ target: target.name, seed: seed + k, error: String(error).slice(0, 300) });
        parameters.onFinding?.({ crash: crashes.at(-1)! });
      }
      continue;
    }
    const known = genuineClaims.get(target.name)!;
    const falseClaims = claims.filter((c) => !known.has(c));
    if (falseClaims.length === 0) stats[i]!.equivalent++;
    else {
      falseVerified.push({ target: target.name, seed: seed + k, claims: falseClaims.map((c) => c.slice(0, 500)), text: text.slice(0, 4000) });
      parameters.onFinding?.({ falseVerified: falseVerified.at(-1)! });
    }
  }
  return { mutations: stats.reduce((n, t) => n + t.mutations, 0), milliseconds: performance.now() - started, perTarget: stats, falseVerified, crashes };
}
