import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import { APPROVAL_PREDICATE_TYPE, createApprovalPredicate } from "../../src/formats/predicates/approval.js";
import { DATASET_PREDICATE_TYPE, createDatasetPredicate } from "../../src/formats/predicates/dataset.js";
import { EVALUATION_PREDICATE_TYPE, createEvaluationPredicate } from "../../src/formats/predicates/evaluation.js";
import { MODEL_UPDATE_PREDICATE_TYPE, type ModelUpdateKind, createModelUpdatePredicate } from "../../src/formats/predicates/modelUpdate.js";
import { REVOCATION_PREDICATE_TYPE, createRevocationPredicate } from "../../src/formats/predicates/revocation.js";
import { TRAINING_RUN_PREDICATE_TYPE, createTrainingRunPredicate } from "../../src/formats/predicates/trainingRun.js";
import { parseStatement } from "../../src/formats/attestation/parseStatement.js";
import { STATEMENT_TYPE } from "../../src/formats/attestation/statement.js";
import { VerificationError } from "../../src/core/errors/verification.js";
import type { Hex } from "../../src/core/hex.js";
import {
  type LineageAttestation,
  type LineageGraph,
  ancestorsOf,
  buildLineageGraph,
  descendantsOf,
  displayName,
  revocationStatus,
  revokedArtifacts,
} from "../../src/verify/lineage/lineageGraph.js";
import { renderLineage } from "../../src/verify/lineage/renderLineage.js";
import { assertVerificationRefusal } from "../helpers/refusals.js";

const sha = (label: string) => createHash("sha256").update(label).digest("hex");
const entry = (label: string) => `0x${sha(`entry:${label}`)}` as Hex;

/** An artifact: a name and the SHA-256 the lineage knows it by. */
type Artifact = { readonly name: string; readonly sha256: string };
const artifact = (name: string): Artifact => ({ name, sha256: sha(name) });
const subject = (a: Artifact) => ({ name: a.name, digest: { sha256: a.sha256 } });

/** A lineage attestation of a statement checked by the real parser (statement layer and predicate). */
function attestation(label: string, subjects: readonly Artifact[], predicateType: string, predicate: unknown, blockNumber?: number): LineageAttestation {
  const statement = parseStatement({ _type: STATEMENT_TYPE, subject: subjects.map(subject), predicateType, predicate });
  return { entryHash: entry(label), statement, ...(blockNumber === undefined ? {} : { blockNumber }) };
}

const at = (day: number) => new Date(Date.UTC(2026, 10, day, 12));

function datasetAttestation(label: string, d: Artifact): LineageAttestation {
  return attestation(
    label,
    [d],
    DATASET_PREDICATE_TYPE,
    createDatasetPredicate({
      name: d.name,
      source: { uri: `s3://acme/${d.name}/` },
      content: { kind: "directory", files: 12, size: 4096 },
      licence: { spdxId: "CC-BY-4.0" },
      personalData: false,
      accessEvents: [{ actor: "data-eng@acme.example", action: "collected", at: at(1) }],
    }),
  );
}

function trainingRun(
  label: string,
  outputs: readonly Artifact[],
  inputs: { readonly base?: Artifact; readonly datasets: readonly Artifact[] },
): LineageAttestation {
  return attestation(
    label,
    outputs,
    TRAINING_RUN_PREDICATE_TYPE,
    createTrainingRunPredicate({
      hyperparameters: { learningRate: 0.0002, seed: 17 },
      dependencies: [
        ...(inputs.base ? [{ name: inputs.base.name, digest: { sha256: inputs.base.sha256 }, role: "base-model" as const }] : []),
        ...inputs.datasets.map((d) => ({ name: d.name, digest: { sha256: d.sha256 }, role: "dataset" as const })),
        { uri: "git+https://git.acme.example/train@refs/tags/v3", digest: { gitCommit: "a".repeat(40) }, role: "code" as const },
      ],
      builder: { id: "https://ci.acme.example/gpu-runner/v2" },
      startedOn: at(2),
      finishedOn: at(3),
    }),
  );
}

function modelUpdate(label: string, child: Artifact, kind: ModelUpdateKind, parents: readonly Artifact[]): LineageAttestation {
  return attestation(label, [child], MODEL_UPDATE_PREDICATE_TYPE, createModelUpdatePredicate({ kind, parents: parents.map(subject), updatedAt: at(4) }));
}

function revocation(label: string, model: Artifact): LineageAttestation {
  return attestation(
    label,
    [model],
    REVOCATION_PREDICATE_TYPE,
    createRevocationPredicate({ reason: "data-licence", description: "Trained on data whose licence forbids it.", revokedAt: at(20) }),
  );
}

// base → fine-tune → quantised build; datasets → training runs → models; a sibling base model.
const tickets = artifact("acme/support-tickets@2026-10");
const forum = artifact("acme/forum-posts@2026-09");
const base = artifact("acme/base-7b@1.0.0");
const sibling = artifact("acme/base-7b-multilingual@1.0.0");
const fineTune = artifact("acme/claims-7b@1.0.0");
const quantised = artifact("acme/claims-7b-q4@1.0.0");

const attestations: LineageAttestation[] = [
  datasetAttestation("dataset:tickets", tickets),
  datasetAttestation("dataset:forum", forum),
  trainingRun("train:base", [base], { datasets: [tickets] }),
  trainingRun("train:sibling", [sibling], { datasets: [tickets, forum] }),
  trainingRun("train:fine-tune", [fineTune], { base, datasets: [forum] }),
  modelUpdate("update:fine-tune", fineTune, "fine-tune", [base]),
  modelUpdate("update:quantise", quantised, "quantisation", [fineTune]),
];
const revokeBase = revocation("revoke:base", base);

/** Edges as comparable strings: `from-name > to-name (relation/kind via label)`. */
function edgeStrings(graph: LineageGraph): string[] {
  const name = (s: string) => graph.nodes.get(s)?.names[0] ?? s;
  return graph.edges.map((e) => `${name(e.from)} > ${name(e.to)} (${e.relation}/${e.kind})`).sort();
}

const names = (graph: LineageGraph, shas: readonly string[]) => shas.map((s) => graph.nodes.get(s)?.names[0]).sort();

/** Asserts `run` throws a VerificationError `lineage` whose message matches every pattern. */
const refusedCycle = (run: () => unknown, ...patterns: RegExp[]): void => assertVerificationRefusal(run, "lineage", ...patterns);

describe("buildLineageGraph", () => {
  const graph = buildLineageGraph([...attestations, revokeBase]);

  it("default: every artifact is a node, named by the attestations, with what attested it", () => {
    assert.deepEqual(names(graph, [...graph.nodes.keys()]), [base.name, sibling.name, fineTune.name, quantised.name, forum.name, tickets.name].sort());
    assert.deepEqual(graph.nodes.get(fineTune.sha256)?.attestedBy, [
      { entryHash: entry("train:fine-tune"), predicateType: TRAINING_RUN_PREDICATE_TYPE },
      { entryHash: entry("update:fine-tune"), predicateType: MODEL_UPDATE_PREDICATE_TYPE },
    ]);
    assert.deepEqual(graph.nodes.get(tickets.sha256)?.attestedBy, [{ entryHash: entry("dataset:tickets"), predicateType: DATASET_PREDICATE_TYPE }]);
    assert.deepEqual(
      graph.nodes.get(base.sha256)?.attestedBy.map((a) => a.predicateType),
      [TRAINING_RUN_PREDICATE_TYPE, REVOCATION_PREDICATE_TYPE],
    );
  });

  it("default: a training run links each base model and dataset to its output; a model update links each parent; code is not an edge", () => {
    assert.deepEqual(
      edgeStrings(graph),
      [
        `${tickets.name} > ${base.name} (dataset/training-run)`,
        `${tickets.name} > ${sibling.name} (dataset/training-run)`,
        `${forum.name} > ${sibling.name} (dataset/training-run)`,
        `${base.name} > ${fineTune.name} (base-model/training-run)`,
        `${forum.name} > ${fineTune.name} (dataset/training-run)`,
        `${base.name} > ${fineTune.name} (parent-model/fine-tune)`,
        `${fineTune.name} > ${quantised.name} (parent-model/quantisation)`,
      ].sort(),
    );
    const viaQuantise = graph.edges.find((e) => e.to === quantised.sha256);
    assert.equal(viaQuantise?.via, entry("update:quantise"), "each edge names the attestation that states it");
  });

  it("behavior: ancestors walk back from a model, nearest first", () => {
    const up = ancestorsOf(graph, quantised.sha256);
    assert.equal(up[0], fineTune.sha256, "the direct parent comes first");
    assert.deepEqual(names(graph, up), [base.name, fineTune.name, forum.name, tickets.name].sort());
    assert.deepEqual(names(graph, ancestorsOf(graph, base.sha256)), [tickets.name]);
    assert.deepEqual(ancestorsOf(graph, tickets.sha256), [], "a dataset derives from nothing");
  });

  it("behavior: descendants walk forward to everything derived from an artifact", () => {
    assert.deepEqual(names(graph, descendantsOf(graph, base.sha256)), [fineTune.name, quantised.name].sort());
    assert.deepEqual(names(graph, descendantsOf(graph, tickets.sha256)), [base.name, sibling.name, fineTune.name, quantised.name].sort());
    assert.deepEqual(descendantsOf(graph, quantised.sha256), []);
  });

  it("behavior: a merge links every parent; an evaluation's dataset is not a derivation", () => {
    const merged = artifact("acme/merged@1.0.0");
    const evalSet = artifact("acme/holdout@1");
    const g = buildLineageGraph([
      modelUpdate("merge", merged, "merge", [base, sibling]),
      attestation(
        "eval",
        [merged],
        EVALUATION_PREDICATE_TYPE,
        createEvaluationPredicate({
          dataset: { name: evalSet.name, digest: { sha256: evalSet.sha256 } },
          metrics: [{ name: "accuracy", value: 0.9 }],
          evaluatedAt: at(5),
        }),
      ),
    ]);
    assert.deepEqual(edgeStrings(g), [`${base.name} > ${merged.name} (parent-model/merge)`, `${sibling.name} > ${merged.name} (parent-model/merge)`].sort());
    assert.equal(g.nodes.has(evalSet.sha256), false, "the evaluation dataset is not part of the lineage");
  });

  it("behavior: the order of the attestations does not change the graph", () => {
    const reversed = buildLineageGraph([...attestations, revokeBase].reverse());
    assert.deepEqual(edgeStrings(reversed), edgeStrings(graph));
    assert.deepEqual(new Set(reversed.nodes.keys()), new Set(graph.nodes.keys()));
  });

  it("behavior: an empty set of attestations is an empty graph", () => {
    const g = buildLineageGraph([]);
    assert.equal(g.nodes.size, 0);
    assert.equal(g.edges.length, 0);
  });

  describe("cycles", () => {
    const a = artifact("acme/model-a@1");
    const b = artifact("acme/model-b@1");
    const c = artifact("acme/model-c@1");

    it("error: a 2-cycle (A from B, B from A) names both models in order", () => {
      refusedCycle(
        () => buildLineageGraph([modelUpdate("a-from-b", a, "fine-tune", [b]), modelUpdate("b-from-a", b, "fine-tune", [a])]),
        /^lineage cycle: /,
        new RegExp(`acme/model-(a|b)@1 \\[${"[0-9a-f]{12}"}\\] → acme/model-(a|b)@1 \\[[0-9a-f]{12}\\] → acme/model-(a|b)@1`),
        new RegExp(`${a.name} \\[${a.sha256.slice(0, 12)}\\]`),
        new RegExp(`${b.name} \\[${b.sha256.slice(0, 12)}\\]`),
        /a model cannot derive from itself/,
      );
    });

    it("error: the cycle message starts and ends on the same model", () => {
      assert.throws(
        () =>
          buildLineageGraph([
            modelUpdate("a-from-b", a, "fine-tune", [b]),
            modelUpdate("b-from-c", b, "distillation", [c]),
            modelUpdate("c-from-a", c, "pruning", [a]),
          ]),
        (e: unknown) => {
          assert.ok(e instanceof VerificationError && e.check === "lineage");
          const cycle = /lineage cycle: (.*); a model/.exec(e.shortMessage)?.[1]?.split(" → ") ?? [];
          assert.equal(cycle.length, 4, "three models and the first again");
          assert.equal(cycle[0], cycle[3]);
          assert.deepEqual(new Set(cycle), new Set([a, b, c].map((x) => `${x.name} [${x.sha256.slice(0, 12)}]`)));
          return true;
        },
      );
    });

    it("error: a self-loop (a model update whose parent is its own subject) names the attestation", () => {
      refusedCycle(
        () => buildLineageGraph([modelUpdate("a-from-a", a, "patch", [a])]),
        new RegExp(`attestation ${entry("a-from-a")} derives ${a.name} \\(sha256 ${a.sha256}\\) from itself`),
      );
    });

    it("error: a self-loop through a training run (its output listed as its own dataset)", () => {
      refusedCycle(() => buildLineageGraph([trainingRun("loop", [a], { datasets: [a] })]), /from itself/);
    });

    it("error: a cycle is refused however the rest of the graph looks, even when signed among valid attestations", () => {
      refusedCycle(
        () => buildLineageGraph([...attestations, modelUpdate("base-from-quantised", base, "conversion", [quantised])]),
        new RegExp(base.name),
        new RegExp(quantised.name),
        new RegExp(fineTune.name),
      );
    });
  });
});

describe("revocation", () => {
  const all = [...attestations, revokeBase];
  const graph = buildLineageGraph(all);

  it("default: the revoked model is revoked, by the revocation's entry", () => {
    assert.deepEqual(revocationStatus(graph, all, base.sha256), { revoked: true, revokedBy: entry("revoke:base"), derivedFromRevoked: [] });
    assert.deepEqual([...revokedArtifacts(all)], [[base.sha256, entry("revoke:base")]]);
  });

  it("behavior: the fine-tune and the quantised build are derived from a revoked model, not revoked themselves", () => {
    for (const model of [fineTune, quantised])
      assert.deepEqual(revocationStatus(graph, all, model.sha256), { revoked: false, revokedBy: null, derivedFromRevoked: [base.sha256] }, model.name);
  });

  it("behavior: siblings and inputs of the revoked model are untouched", () => {
    for (const other of [sibling, tickets, forum])
      assert.deepEqual(revocationStatus(graph, all, other.sha256), { revoked: false, revokedBy: null, derivedFromRevoked: [] }, other.name);
  });

  it("behavior: without the revocation nothing is revoked", () => {
    assert.deepEqual(revocationStatus(buildLineageGraph(attestations), attestations, quantised.sha256), {
      revoked: false,
      revokedBy: null,
      derivedFromRevoked: [],
    });
  });

  it("behavior: the first revocation of a model is the one reported; every revoked ancestor is listed", () => {
    const twice = [...all, revocation("revoke:base-again", base), revocation("revoke:fine-tune", fineTune)];
    assert.equal(revocationStatus(graph, twice, base.sha256).revokedBy, entry("revoke:base"));
    assert.deepEqual(new Set(revocationStatus(graph, twice, quantised.sha256).derivedFromRevoked), new Set([base.sha256, fineTune.sha256]));
  });

  it("behavior: an approval of a model is not a revocation", () => {
    const approval = attestation(
      "approve",
      [base],
      APPROVAL_PREDICATE_TYPE,
      createApprovalPredicate({
        decision: "rejected",
        policy: { id: "release" },
        approver: { keyid: `0x${"1".repeat(40)}`, name: "Ana", role: "approver" },
        approvedAt: at(6),
      }),
    );
    assert.equal(revokedArtifacts([...attestations, approval]).size, 0);
  });
});

describe("renderLineage", () => {
  const all = [...attestations, revokeBase];
  const graph = buildLineageGraph(all);
  const marks = new Map<string, readonly string[]>([
    [base.sha256, ["REVOKED"]],
    [fineTune.sha256, ["derived from a revoked model"]],
    [quantised.sha256, ["derived from a revoked model"]],
  ]);
  const around = [base, fineTune, quantised, tickets, forum]; // the fine-tune's ancestors, itself and its descendants
  const edgeLabels = ["dataset", "base-model, fine-tune", "quantisation"];

  it("default: text shows the target, its inputs below it with their relation, and what derives from it", () => {
    const text = renderLineage(graph, fineTune.sha256, "text", marks);
    const lines = text.trimEnd().split("\n");
    assert.equal(lines[0], `${fineTune.name} (sha256 ${fineTune.sha256.slice(0, 16)}…) — training-run, model-update [derived from a revoked model]`);
    for (const a of around) assert.ok(text.includes(a.name), `names ${a.name}`);
    assert.ok(!text.includes(sibling.name), "the sibling is not in the fine-tune's lineage");
    // Inputs hang below what they produced, labelled; descendants are listed on one line without their relation.
    for (const label of ["dataset", "base-model, fine-tune"]) assert.ok(text.includes(`└─ ${label}: `), `edge ${label}`);
    assert.match(text, new RegExp(`└─ base-model, fine-tune: ${base.name} .*\\[REVOKED\\]`), "one arrow for both relations between base and fine-tune");
    assert.match(text, new RegExp(` {4}└─ dataset: ${tickets.name}`), "the base's own dataset is one level deeper");
    assert.match(lines.at(-1)!, new RegExp(`^derived from it: ${quantised.name} \\[derived from a revoked model\\]$`));
  });

  it("default: mermaid declares every node once and every edge with its label, with ids that exist", () => {
    const text = renderLineage(graph, fineTune.sha256, "mermaid", marks);
    const lines = text.trimEnd().split("\n");
    assert.equal(lines[0], "flowchart BT");
    const nodes = lines.filter((l) => /^ {2}n\d+\["/.test(l));
    assert.equal(nodes.length, around.length, "one declaration per artifact around the target");
    const ids = new Set(nodes.map((l) => /^ {2}(n\d+)\[/.exec(l)![1]));
    for (const a of around) assert.equal(nodes.filter((l) => l.includes(`${a.name}<br/>sha256:${a.sha256.slice(0, 12)}`)).length, 1, a.name);
    const edges = lines.filter((l) => l.includes("-->"));
    assert.equal(edges.length, 4, "tickets→base, base→fine-tune (grouped), forum→fine-tune, fine-tune→quantised");
    for (const e of edges) {
      const m = /^ {2}(n\d+) -->\|([^|]+)\| (n\d+)$/.exec(e);
      assert.ok(m, `edge syntax: ${e}`);
      assert.ok(ids.has(m[1]!) && ids.has(m[3]!), `edge ends are declared: ${e}`);
    }
    assert.deepEqual(new Set(edges.map((e) => /\|([^|]+)\|/.exec(e)![1])), new Set(edgeLabels));
    for (const l of lines.slice(1))
      assert.match(l, /^ {2}(n\d+\[".*"\]|n\d+ -->\|[^|]+\| n\d+|style n\d+ .+)$/, `every line is a node, an edge or a style: ${l}`);
    assert.equal(lines.filter((l) => l.includes("stroke:#c00")).length, 3, "marked nodes are outlined");
  });

  it("behavior: mermaid escapes double quotes in names", () => {
    const quoted = artifact('acme/"quoted" model');
    const g = buildLineageGraph([modelUpdate("q", quoted, "patch", [base])]);
    const text = renderLineage(g, quoted.sha256, "mermaid");
    assert.ok(text.includes("acme/#quot;quoted#quot; model"));
    for (const line of text
      .trimEnd()
      .split("\n")
      .filter((l) => l.includes('["')))
      assert.equal(line.split('"').length, 3, `only the delimiting quotes remain: ${line}`);
  });

  it("default: DOT is a digraph with balanced braces, every node and every labelled edge", () => {
    const text = renderLineage(graph, fineTune.sha256, "dot", marks);
    assert.ok(text.startsWith("digraph lineage {\n"));
    assert.ok(text.endsWith("}\n"));
    assert.equal(balance(text, "{", "}"), 0);
    assert.equal(balance(text, "[", "]"), 0);
    for (const a of around) assert.ok(text.includes(`"${a.sha256}" [label=`), `node ${a.name}`);
    assert.ok(!text.includes(sibling.sha256));
    const edges = [...text.matchAll(/^ {2}"([0-9a-f]{64})" -> "([0-9a-f]{64})" \[label="([^"]+)"\];$/gm)];
    assert.equal(edges.length, 4);
    assert.deepEqual(new Set(edges.map((m) => m[3])), new Set(edgeLabels));
    assert.ok(
      edges.some((m) => m[1] === fineTune.sha256 && m[2] === quantised.sha256),
      "edges point from input to output",
    );
    assert.match(text, new RegExp(`"${base.sha256}" \\[label=".*\\[REVOKED\\]", color=red\\];`));
    assert.match(text, new RegExp(`"${fineTune.sha256}" \\[label=".*", penwidth=3, color=red\\];`));
  });

  it("behavior: DOT node labels break lines with \\n (not an escaped backslash that Graphviz prints literally)", () => {
    const text = renderLineage(graph, fineTune.sha256, "dot");
    assert.match(text, new RegExp(`label="${fineTune.name}\\\\nsha256:${fineTune.sha256.slice(0, 12)}`));
    assert.doesNotMatch(text, /\\\\n/, "no doubled backslash before n");
  });

  it("behavior: DOT escapes quotes and backslashes in names", () => {
    const odd = artifact('acme/"odd"\\model');
    const g = buildLineageGraph([modelUpdate("odd", odd, "patch", [base])]);
    const text = renderLineage(g, odd.sha256, "dot");
    assert.ok(text.includes('acme/\\"odd\\"\\\\model'));
    assert.equal(balance(text, "{", "}"), 0);
  });

  it("behavior: Graphviz accepts the DOT output, when it is installed", (t) => {
    const probe = spawnSync("dot", ["-V"], { encoding: "utf8" });
    if (probe.error) {
      t.skip("graphviz (dot) is not installed: structure is checked above");
      return;
    }
    for (const target of [fineTune, base, quantised, tickets]) {
      const run = spawnSync("dot", ["-Tsvg"], { input: renderLineage(graph, target.sha256, "dot", marks), encoding: "utf8" });
      assert.equal(run.status, 0, `dot failed for ${target.name}: ${run.stderr}`);
      assert.match(run.stdout, /<svg/);
      const drawn = [...run.stdout.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => decodeXml(m[1]!)).join("\n");
      for (const name of [target.name, ...names(graph, ancestorsOf(graph, target.sha256))]) assert.ok(drawn.includes(name!), `${name} is drawn`);
    }
  });

  it("behavior: a model with no lineage renders alone", () => {
    const lonely = artifact("acme/lonely@1");
    const g = buildLineageGraph([
      attestation("l", [lonely], REVOCATION_PREDICATE_TYPE, createRevocationPredicate({ reason: "other", description: "x", revokedAt: at(1) })),
    ]);
    assert.equal(renderLineage(g, lonely.sha256, "text"), `${lonely.name} (sha256 ${lonely.sha256.slice(0, 16)}…) — revocation\n`);
    assert.equal(
      renderLineage(g, lonely.sha256, "mermaid")
        .split("\n")
        .filter((l) => l.includes("-->")).length,
      0,
    );
  });

  it("behavior: displayName is the first name and the short digest", () => {
    assert.equal(displayName(graph, base.sha256), `${base.name} [${base.sha256.slice(0, 12)}]`);
    assert.equal(displayName(graph, sha("unknown")), `(unnamed) [${sha("unknown").slice(0, 12)}]`);
  });
});

function balance(text: string, open: string, close: string): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "\\") {
      i++;
      continue;
    }
    if (c === '"') inString = !inString;
    else if (!inString && c === open) depth++;
    else if (!inString && c === close) {
      depth--;
      assert.ok(depth >= 0, `unbalanced ${close} at ${i}`);
    }
  }
  assert.equal(inString, false, "every string is closed");
  return depth;
}

const decodeXml = (s: string) =>
  s
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)))
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&quot;", '"')
    .replaceAll("&amp;", "&");
