import { MODEL_UPDATE_PREDICATE_TYPE, type ModelUpdatePredicate, modelUpdateParents } from "../../formats/predicates/modelUpdate.js";
import { REVOCATION_PREDICATE_TYPE } from "../../formats/predicates/revocation.js";
import { TRAINING_RUN_PREDICATE_TYPE, type TrainingRunPredicate, trainingRunInputs } from "../../formats/predicates/trainingRun.js";
import type { Statement } from "../../formats/attestation/statement.js";
import { VerificationError } from "../../core/errors/verification.js";
import type { Hex } from "../../core/hex.js";

/** One attestation as the lineage sees it: which entry, what it says, when it was anchored. */
export type LineageAttestation = {
  readonly entryHash: Hex;
  readonly statement: Statement;
  /** Block in which it was anchored (ordering of events), when known. */
  readonly blockNumber?: number | undefined;
};

/** How an input relates to what was derived from it. */
export type LineageRelation = "base-model" | "dataset" | "parent-model";

/** A derivation: `from` (an input) was used to produce `to`, as attested by `via`. */
export type LineageEdge = {
  readonly from: string;
  readonly to: string;
  readonly relation: LineageRelation;
  /** The kind of derivation: `training-run`, or the model update's kind (`fine-tune`, `quantisation`, …). */
  readonly kind: string;
  readonly via: Hex;
};

export type LineageNode = {
  readonly sha256: string;
  /** Names the attestations give this artifact (first one is used for display). */
  readonly names: readonly string[];
  /** Short predicate names of the attestations about it (`dataset`, `model-manifest`, …). */
  readonly attestedBy: readonly { readonly entryHash: Hex; readonly predicateType: string }[];
};

export type LineageGraph = {
  readonly nodes: ReadonlyMap<string, LineageNode>;
  readonly edges: readonly LineageEdge[];
};

/**
 * Builds the derivation graph of a set of attestations: artifacts are nodes (by SHA-256); a
 * training run links each base model and dataset it resolved to each model it produced, a model
 * update links each parent to the new model. Refuses a cycle (check `lineage`): no model can be
 * its own ancestor, whatever was signed.
 */
export function buildLineageGraph(attestations: readonly LineageAttestation[]): LineageGraph {
  const nodes = new Map<string, { sha256: string; names: string[]; attestedBy: { entryHash: Hex; predicateType: string }[] }>();
  const node = (sha256: string, name?: string) => {
    let n = nodes.get(sha256);
    if (!n) nodes.set(sha256, (n = { sha256, names: [], attestedBy: [] }));
    if (name && !n.names.includes(name)) n.names.push(name);
    return n;
  };
  const edges: LineageEdge[] = [];
  for (const a of attestations) {
    const { statement } = a;
    for (const s of statement.subject) node(s.digest.sha256, s.name).attestedBy.push({ entryHash: a.entryHash, predicateType: statement.predicateType });
    const inputs =
      statement.predicateType === TRAINING_RUN_PREDICATE_TYPE
        ? trainingRunInputs(statement.predicate as TrainingRunPredicate).map((i) => ({ ...i, kind: "training-run" }))
        : statement.predicateType === MODEL_UPDATE_PREDICATE_TYPE
          ? modelUpdateParents(statement.predicate as ModelUpdatePredicate).map((i) => ({
              ...i,
              kind: (statement.predicate as ModelUpdatePredicate).kind as string,
            }))
          : [];
    for (const input of inputs) {
      node(input.sha256, input.name);
      for (const s of statement.subject) {
        if (s.digest.sha256 === input.sha256)
          throw new VerificationError("lineage", `lineage cycle: attestation ${a.entryHash} derives ${s.name} (sha256 ${s.digest.sha256}) from itself`);
        edges.push({ from: input.sha256, to: s.digest.sha256, relation: input.role, kind: input.kind, via: a.entryHash });
      }
    }
  }
  const graph = { nodes, edges };
  const cycle = findCycle(graph);
  if (cycle)
    throw new VerificationError("lineage", `lineage cycle: ${cycle.map((sha) => `${displayName(graph, sha)}`).join(" → ")}; a model cannot derive from itself`);
  return graph;
}

/** A name for display: the first name given, else the short digest. */
export function displayName(graph: LineageGraph, sha256: string): string {
  const n = graph.nodes.get(sha256);
  return `${n?.names[0] ?? "(unnamed)"} [${sha256.slice(0, 12)}]`;
}

function findCycle(graph: LineageGraph): string[] | null {
  const out = new Map<string, string[]>();
  for (const e of graph.edges) out.set(e.from, [...(out.get(e.from) ?? []), e.to]);
  const state = new Map<string, 1 | 2>(); // 1 on the stack, 2 done
  const stack: string[] = [];
  const visit = (n: string): string[] | null => {
    state.set(n, 1);
    stack.push(n);
    for (const m of out.get(n) ?? []) {
      if (state.get(m) === 1) return [...stack.slice(stack.indexOf(m)), m];
      if (!state.has(m)) {
        const c = visit(m);
        if (c) return c;
      }
    }
    stack.pop();
    state.set(n, 2);
    return null;
  };
  for (const n of graph.nodes.keys()) {
    if (state.has(n)) continue;
    const c = visit(n);
    if (c) return c;
  }
  return null;
}

/** Every artifact reachable from `sha256` along edges, back to its inputs or forward to what was derived from it, nearest first. */
function reachable(graph: LineageGraph, sha256: string, direction: "inputs" | "derived"): string[] {
  const seen = new Set<string>();
  const queue = [sha256];
  while (queue.length) {
    const n = queue.shift()!;
    for (const e of graph.edges) {
      const [here, next] = direction === "inputs" ? [e.to, e.from] : [e.from, e.to];
      if (here === n && !seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
  return [...seen];
}

/** Every ancestor of `sha256` (inputs, their inputs, …), nearest first. */
export function ancestorsOf(graph: LineageGraph, sha256: string): string[] {
  return reachable(graph, sha256, "inputs");
}

/** Every descendant of `sha256` (what was derived from it, transitively). */
export function descendantsOf(graph: LineageGraph, sha256: string): string[] {
  return reachable(graph, sha256, "derived");
}

/** Artifacts named by a revocation attestation. */
export function revokedArtifacts(attestations: readonly LineageAttestation[]): Map<string, Hex> {
  const revoked = new Map<string, Hex>();
  for (const a of attestations)
    if (a.statement.predicateType === REVOCATION_PREDICATE_TYPE)
      for (const s of a.statement.subject) if (!revoked.has(s.digest.sha256)) revoked.set(s.digest.sha256, a.entryHash);
  return revoked;
}

/** The lineage status of one artifact: revoked itself, derived from revoked ancestors, or clear. */
export type RevocationStatus = {
  readonly revoked: boolean;
  /** The revocation attestation, when revoked. */
  readonly revokedBy: Hex | null;
  /** Revoked ancestors this artifact derives from. */
  readonly derivedFromRevoked: readonly string[];
};

export function revocationStatus(graph: LineageGraph, attestations: readonly LineageAttestation[], sha256: string): RevocationStatus {
  const revoked = revokedArtifacts(attestations);
  return {
    revoked: revoked.has(sha256),
    revokedBy: revoked.get(sha256) ?? null,
    derivedFromRevoked: ancestorsOf(graph, sha256).filter((a) => revoked.has(a)),
  };
}
