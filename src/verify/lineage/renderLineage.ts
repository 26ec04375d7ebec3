import { PREDICATE_NAMES } from "../../formats/predicates/index.js";
import { escapeTerminal } from "../../core/terminalText.js";
import { type LineageGraph, ancestorsOf, descendantsOf } from "./lineageGraph.js";

export type LineageFormat = "text" | "mermaid" | "dot";

/** Per-artifact marks shown beside its name: `REVOKED`, `derived from a revoked model`. */
export type LineageMarks = ReadonlyMap<string, readonly string[]>;

const SHORT_NAMES = new Map(Object.entries(PREDICATE_NAMES).map(([name, type]) => [type, name]));

// Names and relations come from envelopes: every one is made terminal-safe here (the output may
// go to a file, not through the CLI's printer), then escaped again for Mermaid or DOT syntax.
function label(graph: LineageGraph, sha256: string): string {
  return escapeTerminal(graph.nodes.get(sha256)?.names[0] ?? "(unnamed)");
}

function attested(graph: LineageGraph, sha256: string): string {
  const kinds = [...new Set(graph.nodes.get(sha256)?.attestedBy.map((a) => SHORT_NAMES.get(a.predicateType) ?? a.predicateType) ?? [])];
  return kinds.length ? escapeTerminal(kinds.join(", ")) : "no attestation";
}

/** The part of the graph connected to `target`: its ancestors, itself and its descendants. */
function relevant(graph: LineageGraph, target: string): Set<string> {
  return new Set([...ancestorsOf(graph, target), target, ...descendantsOf(graph, target)]);
}

/**
 * Renders the lineage around `target` as an indented text tree (inputs under what they
 * produced), a Mermaid flowchart, or a Graphviz DOT digraph.
 */
export function renderLineage(graph: LineageGraph, target: string, format: LineageFormat, marks: LineageMarks = new Map()): string {
  const keep = relevant(graph, target);
  // One arrow per (input, output) pair, labelled with every relation attested between them
  // (a fine-tune is both the training run's base model and the model update's parent).
  const grouped = new Map<string, { from: string; to: string; labels: string[] }>();
  for (const e of graph.edges) {
    if (!keep.has(e.from) || !keep.has(e.to)) continue;
    const key = `${e.from}>${e.to}`;
    const label = e.relation === "parent-model" ? e.kind : e.relation;
    const g = grouped.get(key) ?? { from: e.from, to: e.to, labels: [] };
    if (!g.labels.includes(label)) g.labels.push(label);
    grouped.set(key, g);
  }
  const edges = [...grouped.values()].map((g) => ({ from: g.from, to: g.to, label: escapeTerminal(g.labels.join(", ")) }));
  const mark = (sha: string) =>
    marks.get(sha)?.length
      ? ` ${marks
          .get(sha)!
          .map((m) => `[${m}]`)
          .join(" ")}`
      : "";
  if (format === "mermaid") {
    const id = new Map([...keep].map((sha, i) => [sha, `n${i}`]));
    const lines = ["flowchart BT"];
    for (const sha of keep) {
      const text = [label(graph, sha), `sha256:${sha.slice(0, 12)}…`, `${attested(graph, sha)}${mark(sha)}`].map(escapeMermaid).join("<br/>");
      lines.push(`  ${id.get(sha)}["${text}"]`);
      if (marks.get(sha)?.length) lines.push(`  style ${id.get(sha)} stroke:#c00,stroke-width:3px`);
    }
    for (const e of edges) lines.push(`  ${id.get(e.from)} -->|${escapeMermaid(e.label)}| ${id.get(e.to)}`);
    lines.push(`  style ${id.get(target)} stroke-width:4px`);
    return `${lines.join("\n")}\n`;
  }
  if (format === "dot") {
    const q = (s: string) => `"${escapeDot(s)}"`;
    const lines = ["digraph lineage {", "  rankdir=BT;", "  node [shape=box, fontname=Helvetica];"];
    for (const sha of keep) {
      // Escape each line, then join with DOT's \n line break (escaping after joining would double it).
      const lines3 = [label(graph, sha), `sha256:${sha.slice(0, 12)}…`, `${attested(graph, sha)}${mark(sha)}`].map(escapeDot);
      const attrs = [`label="${lines3.join("\\n")}"`];
      if (sha === target) attrs.push("penwidth=3");
      if (marks.get(sha)?.length) attrs.push("color=red");
      lines.push(`  ${q(sha)} [${attrs.join(", ")}];`);
    }
    for (const e of edges) lines.push(`  ${q(e.from)} -> ${q(e.to)} [label=${q(e.label)}];`);
    lines.push("}");
    return `${lines.join("\n")}\n`;
  }
  const out: string[] = [];
  const walk = (sha: string, depth: number, via: string, seen: Set<string>) => {
    out.push(`${"  ".repeat(depth)}${depth ? `└─ ${via}: ` : ""}${label(graph, sha)} (sha256 ${sha.slice(0, 16)}…) — ${attested(graph, sha)}${mark(sha)}`);
    if (seen.has(sha)) return;
    for (const e of edges.filter((x) => x.to === sha)) walk(e.from, depth + 1, e.label, new Set([...seen, sha]));
  };
  walk(target, 0, "", new Set());
  const below = descendantsOf(graph, target);
  if (below.length) out.push(`derived from it: ${below.map((d) => `${label(graph, d)}${mark(d)}`).join(", ")}`);
  return `${out.join("\n")}\n`;
}

/** Mermaid label text: entity codes for `#`, quotes, angle brackets (HTML), backticks (Markdown) and `|` (edge labels). */
function escapeMermaid(s: string): string {
  return s.replaceAll("#", "#35;").replaceAll('"', "#quot;").replaceAll("<", "#lt;").replaceAll(">", "#gt;").replaceAll("`", "#96;").replaceAll("|", "#124;");
}

function escapeDot(s: string): string {
  return s.replaceAll("\\", "\\\\").replaceAll('"', '\\"');
}
