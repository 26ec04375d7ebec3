import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { closeSync, existsSync, openSync, readdirSync, readFileSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { IN_TOTO_PAYLOAD_TYPE, parseEnvelope } from "../../src/formats/attestation/dsse.js";
import { parseStatement } from "../../src/formats/attestation/parseStatement.js";
import { APPROVAL_PREDICATE_TYPE, createApprovalPredicate } from "../../src/formats/predicates/approval.js";
import { DEPLOYMENT_PREDICATE_TYPE, createDeploymentPredicate } from "../../src/formats/predicates/deployment.js";
import { MODEL_UPDATE_PREDICATE_TYPE, createModelUpdatePredicate } from "../../src/formats/predicates/modelUpdate.js";
import { STATEMENT_TYPE } from "../../src/formats/attestation/statement.js";
import { registerOrganisation } from "../../src/chain/registry.js";
import { main } from "../../src/cli/main.js";
import { DEV_PRIVATE_KEY, type EmbeddedChain } from "../../src/chain/embeddedChain.js";
import { InputError } from "../../src/core/errors/input.js";
import type { Hex } from "../../src/core/hex.js";
import { addRecord, anchorBatches, buildReceipt, sealBatch } from "../../src/ledger/ledger.js";
import { buildLineageGraph } from "../../src/verify/lineage/lineageGraph.js";
import { renderLineage } from "../../src/verify/lineage/renderLineage.js";
import { serializeReceipt } from "../../src/formats/receipt.js";
import { createRecord } from "../../src/formats/record.js";
import { LedgerStore } from "../../src/ledger/store/ledgerStore.js";
import { escapeJsonText, escapeTerminal } from "../../src/core/terminalText.js";
import { TRUST_FORMAT, parseTrustFile } from "../../src/verify/trustFile.js";
import { expectName } from "../../src/core/validate.js";
import { serializeSafetensors } from "../../src/formats/safetensors/header.js";
import { startRegistryChain } from "../helpers/registryChain.js";

// Issue 9, classes 5 and 6. Class 5: text from receipts, envelopes, bundles, the chain or the
// filesystem never reaches a terminal as control characters, bidi overrides or invisible
// characters (one printer, src/cli/output.ts; grammars at parse time). Class 6: a verifier's
// pins come from its flags, its real environment or a trust file it names, never from a .env in
// the folder it runs in, and every verdict says what it trusted and where each pin came from.

/** The hostile corpus: one named case per way text can act on a terminal or pass for other text. */
export const HOSTILE = [
  { name: "esc-csi-colour", text: "\x1b[32mVERIFIED\x1b[0m" },
  { name: "esc-clear-screen", text: "\x1b[2J\x1b[Hclean" },
  { name: "esc-cursor-up-overwrite", text: "x\x1b[1A\x1b[2KVERIFIED: trusted" },
  { name: "osc8-hyperlink", text: "\x1b]8;;https://evil.example/\x07click here\x1b]8;;\x07" },
  { name: "osc0-window-title", text: "\x1b]0;owned\x07title" },
  { name: "osc52-clipboard", text: "\x1b]52;c;cm0gLXJmIH4=\x07clip" },
  { name: "dcs-string", text: "\x1bP+q544e\x1b\\dcs" },
  { name: "cr-overwrite", text: "revoked-model\rVERIFIED: good-model" },
  { name: "lf-fake-line", text: "acme\nVERIFIED: acme/other (sha256 00)" },
  { name: "crlf-fake-line", text: "acme\r\nVERIFIED: x" },
  { name: "backspace-erase", text: "NOT\b\b\bYES" },
  { name: "tab", text: "a\tb" },
  { name: "bell", text: "ding\x07" },
  { name: "nul", text: "a\x00b" },
  { name: "del", text: "ab\x7fc" },
  { name: "c1-csi-0x9b", text: "\u009b31mred" },
  { name: "c1-osc-0x9d", text: "\u009d0;title\u009c" },
  { name: "c1-nel-0x85", text: "line\u0085next" },
  { name: "bidi-rlo", text: "acme\u202egnp.exe" },
  { name: "bidi-lro-pdf", text: "\u202dacme\u202c" },
  { name: "bidi-rle-lre", text: "\u202bx\u202ay\u202c" },
  { name: "bidi-isolates", text: "\u2066acme\u2069\u2067x\u2069\u2068y\u2069" },
  { name: "lrm-rlm", text: "\u200eacme\u200f" },
  { name: "arabic-letter-mark", text: "\u061cacme" },
  { name: "zero-width-space", text: "ac\u200bme" },
  { name: "zero-width-joiner", text: "a\u200dcme" },
  { name: "zero-width-non-joiner", text: "a\u200ccme" },
  { name: "word-joiner", text: "a\u2060cme" },
  { name: "bom-zwnbsp", text: "\ufeffacme" },
  { name: "soft-hyphen", text: "ac\u00adme" },
  { name: "tag-characters", text: "acme\u{e0041}\u{e0042}" },
  { name: "line-separator", text: "a\u2028VERIFIED" },
  { name: "paragraph-separator", text: "a\u2029VERIFIED" },
] as const;

/** Look-alikes: printable, accepted by the grammar, but made visible when printed. */
export const LOOK_ALIKES = [
  { name: "cyrillic-a", text: "\u0430cme", visible: "\\u{430}cme" },
  { name: "fullwidth-latin", text: "\uff41cme", visible: "\\u{ff41}cme" },
  { name: "greek-omicron", text: "pr\u03bfvenance", visible: "pr\\u{3bf}venance" },
] as const;

// What must never reach a terminal raw: C0 (but the line feed ending a line), DEL, C1, every
// format character (bidi, zero-width, BOM, tags), line and paragraph separators.
const UNSAFE = /[\x00-\x09\x0b-\x1f\x7f-\x9f\p{Cf}\p{Zl}\p{Zp}]/u;
const OWN = new Set(["…", "—", "–", "×", "└", "─", "→"]);

function assertTerminalSafe(text: string, label: string, options: { asciiOnly?: boolean } = {}): void {
  const bad = UNSAFE.exec(text);
  assert.equal(
    bad,
    null,
    `${label}: U+${bad?.[0].codePointAt(0)?.toString(16)} at ${bad?.index} in ${JSON.stringify(text.slice(Math.max(0, (bad?.index ?? 0) - 40), (bad?.index ?? 0) + 40))}`,
  );
  if (options.asciiOnly)
    for (const c of text) assert.ok(/[\x20-\x7e\n]/.test(c) || OWN.has(c), `${label}: non-ASCII U+${c.codePointAt(0)!.toString(16)} printed as is`);
}

/** Double quotes that delimit DOT strings (a backslash escapes the next character). */
function unescapedQuotes(line: string): number {
  let n = 0;
  for (let i = 0; i < line.length; i++) {
    if (line[i] === "\\") i++;
    else if (line[i] === '"') n++;
  }
  return n;
}

const sha = (label: string) => createHash("sha256").update(label).digest("hex");

describe("escapeTerminal and escapeJsonText (src/core/terminalText.ts)", () => {
  for (const h of HOSTILE)
    it(`behavior: ${h.name} is printed as visible escapes, on one line`, () => {
      const escaped = escapeTerminal(h.text);
      assertTerminalSafe(escaped, h.name, { asciiOnly: true });
      assert.ok(!escaped.includes("\n"), "a line break in hostile text cannot start a line");
      assert.equal(escapeTerminal(escaped), escaped, "idempotent");
    });

  it("default: plain ASCII and our own typography are unchanged", () => {
    const own = "VERIFIED: acme/model@1.0 (sha256 ab…) — blocks 5–9, 2 × approver └─ dataset → x";
    assert.equal(escapeTerminal(own), own);
  });

  for (const l of LOOK_ALIKES)
    it(`behavior: look-alike ${l.name} is made visible`, () => {
      assert.equal(escapeTerminal(l.text), l.visible);
    });

  it("behavior: escapeTerminal names the exact characters (\\x1b, \\x9b, \\n, \\u{202e})", () => {
    assert.equal(escapeTerminal("\x1b[31m\u009b\n\u202e"), "\\x1b[31m\\x9b\\n\\u{202e}");
  });

  it("default: escapeJsonText keeps the real strings for a JSON parser and nothing unsafe for a terminal", () => {
    const value = { names: HOSTILE.map((h) => h.text), nested: { a: [1, "\u{e0041}x"] } };
    const text = escapeJsonText(JSON.stringify(value, null, 2));
    assertTerminalSafe(text, "json");
    assert.deepEqual(JSON.parse(text), value);
    assert.ok(text.includes("\n  "), "pretty-printing line breaks are kept");
  });
});

describe("grammars at parse time: keyids and printed names", () => {
  const payload = (subjectName: string) =>
    Buffer.from(
      JSON.stringify({
        _type: STATEMENT_TYPE,
        subject: [{ name: subjectName, digest: { sha256: sha("m") } }],
        predicateType: APPROVAL_PREDICATE_TYPE,
        predicate: {},
      }),
    ).toString("base64");
  const envelope = (keyid: string) => ({ payloadType: IN_TOTO_PAYLOAD_TYPE, payload: payload("m"), signatures: [{ keyid, sig: "QUJD" }] });
  const refused = (run: () => unknown, code: string, path: string) =>
    assert.throws(
      run,
      (e: unknown) => e instanceof InputError && e.code === code && e.path === path && (assertTerminalSafe(escapeTerminal(e.shortMessage), path), true),
    );

  for (const h of HOSTILE)
    it(`error: INVALID_ENVELOPE at signatures[0].keyid for a keyid with ${h.name}`, () => {
      refused(() => parseEnvelope(envelope(`sha256:${"a".repeat(64)}${h.text}`)), "INVALID_ENVELOPE", "envelope.signatures[0].keyid");
      refused(() => parseEnvelope(envelope(h.text)), "INVALID_ENVELOPE", "envelope.signatures[0].keyid");
    });

  it("error: keyids other than a lower-case 0x address or sha256:<64 hex> are refused", () => {
    for (const keyid of ["", "alice", `0x${"A".repeat(40)}`, `SHA256:${"a".repeat(64)}`, `sha256:${"a".repeat(63)}`, ` 0x${"a".repeat(40)}`])
      refused(() => parseEnvelope(envelope(keyid)), "INVALID_ENVELOPE", "envelope.signatures[0].keyid");
  });

  it("default: both keyid forms this project makes are accepted", () => {
    for (const keyid of [`0x${"a".repeat(40)}`, `sha256:${"0".repeat(64)}`]) assert.equal(parseEnvelope(envelope(keyid)).signatures[0]!.keyid, keyid);
  });

  const approval = createApprovalPredicate({
    decision: "approved",
    policy: { id: "release" },
    approver: { keyid: `0x${"1".repeat(40)}`, name: "Ana", role: "approver" },
    approvedAt: new Date(Date.UTC(2026, 10, 1)),
  });
  const statement = (name: string, predicateType: string = APPROVAL_PREDICATE_TYPE, predicate: unknown = approval) => ({
    _type: STATEMENT_TYPE,
    subject: [{ name, digest: { sha256: sha("m") } }],
    predicateType,
    predicate,
  });

  for (const h of HOSTILE)
    it(`error: INVALID_STATEMENT at subject[0].name for a subject name with ${h.name}`, () => {
      refused(() => parseStatement(statement(`acme/${h.text}`)), "INVALID_STATEMENT", "statement.subject[0].name");
    });

  it("error: a subject name with leading or trailing space, or a no-break space, is refused", () => {
    for (const name of [" acme", "acme ", "ac\u00a0me", "ac\u3000me"])
      refused(() => parseStatement(statement(name)), "INVALID_STATEMENT", "statement.subject[0].name");
  });

  it("default: non-ASCII names are accepted (and made visible when printed)", () => {
    for (const name of ["acme/modèle-😀@1.0.0", "\u0430cme", "Société Générale"]) assert.equal(parseStatement(statement(name)).subject[0]!.name, name);
  });

  it("error: INVALID_PREDICATE naming the field for hostile printed predicate names", () => {
    const deployment = createDeploymentPredicate({
      environment: "production",
      target: { name: "scoring" },
      deployer: { name: "bot" },
      approvalPolicy: { id: "release", threshold: 1, role: "approver" },
      deployedAt: new Date(Date.UTC(2026, 10, 1)),
    }) as unknown as Record<string, any>;
    for (const h of HOSTILE.slice(0, 6)) {
      refused(
        () => parseStatement(statement("m", DEPLOYMENT_PREDICATE_TYPE, { ...deployment, target: { name: `s${h.text}` } })),
        "INVALID_PREDICATE",
        "statement.predicate.target.name",
      );
      refused(
        () => parseStatement(statement("m", APPROVAL_PREDICATE_TYPE, { ...approval, approver: { ...approval.approver, name: h.text } })),
        "INVALID_PREDICATE",
        "statement.predicate.approver.name",
      );
      const update = createModelUpdatePredicate({
        kind: "fine-tune",
        parents: [{ name: "base", digest: { sha256: sha("b") } }],
        updatedAt: new Date(Date.UTC(2026, 10, 1)),
      }) as unknown as Record<string, any>;
      refused(
        () => parseStatement(statement("m", MODEL_UPDATE_PREDICATE_TYPE, { ...update, parents: [{ ...update.parents[0], name: `b${h.text}` }] })),
        "INVALID_PREDICATE",
        "statement.predicate.parents[0].name",
      );
    }
  });

  it("error: expectName (organisation names at registration) names the field and the code point", () => {
    assert.throws(() => expectName("acme\u202e", "organisation name", "INVALID_ARGUMENT"), /^InputError: organisation name: contains U\+202E at index 4/);
  });
});

describe("lineage renderers escape names for the terminal and for Mermaid and DOT syntax", () => {
  // Names that bypassed the parser (a graph built in memory): the renderer still escapes them.
  const names = HOSTILE.map((h) => `m${h.text}"<b>#1|\`x\`\\`);
  const parent = { name: `base${HOSTILE[0].text}`, sha256: sha("base") };
  const attestations = names.map((name, i) => ({
    entryHash: `0x${sha(`e${i}`)}` as Hex,
    statement: {
      _type: STATEMENT_TYPE,
      subject: [{ name, digest: { sha256: sha(name) } }],
      predicateType: MODEL_UPDATE_PREDICATE_TYPE,
      predicate: {
        ...createModelUpdatePredicate({
          kind: "fine-tune",
          parents: [{ name: "base", digest: { sha256: parent.sha256 } }],
          updatedAt: new Date(Date.UTC(2026, 10, 1)),
        }),
        parents: [{ name: parent.name, digest: { sha256: parent.sha256 } }],
      },
    },
  }));
  const graph = buildLineageGraph(attestations as never);

  for (const format of ["text", "mermaid", "dot"] as const)
    it(`behavior: ${format} output holds no control, bidi or invisible character, one line per node or edge`, () => {
      const text = renderLineage(graph, parent.sha256, format);
      assertTerminalSafe(text, format, { asciiOnly: true });
      const lines = text.trimEnd().split("\n");
      if (format === "mermaid") {
        for (const l of lines.slice(1)) assert.match(l, /^ {2}(n\d+\["[^"]*"\]|n\d+ -->\|[^|]+\| n\d+|style n\d+ .+)$/, l);
        assert.ok(!text.includes("<b>"), "no HTML from a name");
      }
      if (format === "dot") for (const l of lines.filter((x) => x.includes("label="))) assert.equal(unescapedQuotes(l) % 2, 0, `balanced quotes: ${l}`);
      if (format === "text") assert.equal(lines.length, 2, "the base, and one line naming what derives from it");
    });
});

describe("trust files (provenance-trust-v1)", () => {
  const good = { format: TRUST_FORMAT, chainId: 31337, registry: `0x${"ab".repeat(20)}`, organisations: [1, 2] };
  it("default: a trust file parses, with an optional rpc", () => {
    assert.deepEqual(parseTrustFile(good), good);
    assert.equal(parseTrustFile({ ...good, rpc: "https://rpc.example/" }).rpc, "https://rpc.example/");
  });
  const refused = (value: unknown, code: string, path: string) =>
    assert.throws(
      () => parseTrustFile(value),
      (e: unknown) => e instanceof InputError && e.code === code && e.path === path,
    );
  it("error: UNSUPPORTED_FORMAT naming format for another version", () =>
    refused({ ...good, format: "provenance-trust-v0" }, "UNSUPPORTED_FORMAT", "trust.format"));
  it("error: an unknown field is refused (validators come in a later version)", () =>
    refused({ ...good, validators: [] }, "INVALID_ARGUMENT", "trust.validators"));
  it("error: no organisation, a duplicate, or an out-of-range id", () => {
    refused({ ...good, organisations: [] }, "INVALID_ARGUMENT", "trust.organisations");
    refused({ ...good, organisations: [1, 1] }, "INVALID_ARGUMENT", "trust.organisations[1]");
    refused({ ...good, organisations: [2 ** 32] }, "INVALID_ARGUMENT", "trust.organisations[0]");
  });
  it("error: a registry that is not an address, a chain ID of 0, an rpc that is not http(s)", () => {
    assert.throws(() => parseTrustFile({ ...good, registry: "0x1234" }), /trust\.registry/);
    refused({ ...good, chainId: 0 }, "INVALID_ARGUMENT", "trust.chainId");
    refused({ ...good, rpc: "file:///etc/passwd" }, "INVALID_ARGUMENT", "trust.rpc");
  });
});

describe("no module of src/ writes to a terminal except through src/cli/output.ts", () => {
  // Allowed: output.ts itself; the service logger (its JSON lines pass escapeJsonText); a script
  // string run in a child process by the SQLite store (it filters warnings, prints no input).
  const ALLOWED = new Set(["src/cli/output.ts", "src/service/logger.ts", "src/service/store/sqliteIngestThread.ts"]);
  const root = fileURLToPath(new URL("../..", import.meta.url));
  const files = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? files(join(dir, d.name)) : d.name.endsWith(".ts") ? [join(dir, d.name)] : []));
  it("default: process.stdout/stderr.write and console.* appear nowhere else (outside comments)", () => {
    const offenders: string[] = [];
    for (const file of files(join(root, "src"))) {
      const rel = relative(root, file);
      if (ALLOWED.has(rel)) continue;
      readFileSync(file, "utf8")
        .split("\n")
        .forEach((line, i) => {
          if (/^\s*(\*|\/\/)/.test(line)) return;
          if (/process\.(stdout|stderr)\.write|console\.(log|error|warn|info|debug)\(/.test(line)) offenders.push(`${rel}:${i + 1}: ${line.trim()}`);
        });
    }
    assert.deepEqual(offenders, []);
  });
});

// ---------------------------------------------------------------------------------------------
// The CLI as a process, against a real chain (Hardhat EDR behind JSON-RPC on loopback).

const root = fileURLToPath(new URL("../..", import.meta.url));
const CLI = join(root, "bin", "provenance.js");
type Run = { code: number; stdout: string; stderr: string };

function run(args: string[], cwd: string, env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd, env: { PATH: process.env.PATH!, HOME: cwd, ...env }, timeout: 120_000, encoding: "utf8" },
      (error, stdout, stderr) => {
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

/** The CLI's main() in this process, its stdout and stderr captured. */
async function inProcess(args: string[]): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const code = await main(args, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
  return { code, stdout, stderr };
}

function assertRunSafe(r: Run, label: string, json = false): void {
  assertTerminalSafe(r.stdout, `${label} stdout`, { asciiOnly: !json });
  assertTerminalSafe(r.stderr, `${label} stderr`, { asciiOnly: true });
}

/**
 * The CLI as a process whose stdout is `"closed"` (a pipe whose reading end is closed before the
 * CLI starts writing: every write gets EPIPE) or the file descriptor given.
 */
function runWithStdout(args: string[], cwd: string, stdout: "closed" | number): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd,
      env: { PATH: process.env.PATH!, HOME: cwd },
      stdio: ["ignore", stdout === "closed" ? "pipe" : stdout, "pipe"],
      timeout: 120_000,
    });
    if (stdout === "closed") child.stdout!.destroy();
    let stderr = "";
    child.stderr!.setEncoding("utf8").on("data", (text: string) => (stderr += text));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stderr }));
  });
}

describe("CLI: a closed stdout (provenance … | head -1)", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "provenance-epipe-"));
    // An unmarked model and a key: detect prints NOT DETECTED on stdout and exits 1.
    assert.equal((await run(["watermark", "keygen", "-o", "wm.key.json"], dir)).code, 0);
    const weights = new Uint8Array(Float32Array.from({ length: 128 * 128 }, (_, i) => Math.sin(i) * 0.02).buffer);
    await writeFile(join(dir, "model.safetensors"), serializeSafetensors([{ name: "w", dtype: "F32", shape: [128, 128], data: weights }]));
  });

  it("behavior: EPIPE ends the output quietly, with the exit code the command would have had", async () => {
    const [help, usage, jsonError, notDetected] = await Promise.all([
      runWithStdout(["watermark", "keygen", "--help"], dir, "closed"),
      runWithStdout([], dir, "closed"),
      runWithStdout(["watermark", "frob", "--json"], dir, "closed"),
      runWithStdout(["watermark", "detect", "model.safetensors", "--key", "wm.key.json"], dir, "closed"),
    ]);
    assert.deepEqual(help, { code: 0, stderr: "" });
    assert.deepEqual(usage, { code: 2, stderr: "" });
    assert.deepEqual(jsonError, { code: 2, stderr: "" });
    assert.deepEqual(notDetected, { code: 1, stderr: "" });
  });

  it("error: another write error (a full disk) is reported on stderr, and a run that succeeded exits 2", { skip: !existsSync("/dev/full") }, async () => {
    const full = openSync("/dev/full", "w");
    try {
      const [help, usage] = await Promise.all([runWithStdout(["watermark", "keygen", "--help"], dir, full), runWithStdout([], dir, full)]);
      assert.deepEqual(help, { code: 2, stderr: "error: cannot write standard output: ENOSPC\n" });
      assert.deepEqual(usage, { code: 2, stderr: "error: cannot write standard output: ENOSPC\n" });
    } finally {
      closeSync(full);
    }
  });
});

const HOSTILE_ORG = `Acme${HOSTILE.find((h) => h.name === "esc-csi-colour")!.text}${HOSTILE.find((h) => h.name === "bidi-rlo")!.text}\r\nVERIFIED\u009b2J\u200b`;
const HOSTILE_RECORD = `acme/${HOSTILE.find((h) => h.name === "osc8-hyperlink")!.text}\nVERIFIED: other\u2066x\u2069\x7f`;

describe("CLI: hostile text never reaches the terminal raw; pins come from the verifier", () => {
  let chain: EmbeddedChain;
  let registry: Hex;
  let orgId: number;
  let otherOrg: number;
  let work: string;
  let project: string;
  let receiptFile: string;
  let modelFile: string;
  let verifier: string;

  before(async () => {
    // An organisation registered directly on chain (not through `org add`) with a hostile name.
    const { writer, ...started } = await startRegistryChain(HOSTILE_ORG);
    ({ chain, registry, orgId } = started);
    ({ orgId: otherOrg } = await registerOrganisation(writer, registry, { name: "Other" }));
    work = await mkdtemp(join(tmpdir(), "provenance-cli-output-"));
    project = join(work, "project");
    const store = LedgerStore.open(join(project, ".provenance"));
    try {
      addRecord(
        store,
        createRecord({
          subject: {
            name: HOSTILE_RECORD,
            version: `1\x1b[8m`,
            digest: { sha256: sha("model") },
            artifact: { kind: "file", hashing: "sha256", size: 5, files: 1 },
          },
        }),
      );
      // The model's one file (its SHA-256 is sha("model")): verify needs the files (issue 9, --artifact).
      modelFile = join(work, "model.bin");
      await writeFile(modelFile, "model");
      sealBatch(store);
      await anchorBatches(store, writer, { registry, orgId });
      receiptFile = join(work, "model.receipt.json");
      await writeFile(receiptFile, serializeReceipt(buildReceipt(store, sha("model"))));
    } finally {
      store.close();
    }
    verifier = join(work, "verifier");
    await mkdir(verifier);
  });

  after(async () => {
    await chain?.close();
  });

  const verifyArgs = (extra: string[] = []) => ["verify", receiptFile, "--artifact", modelFile, "--rpc", chain.rpcUrl, "--registry", registry, ...extra];

  it("default: the verdict prints the organisation's and the record's names escaped, and the pins with their sources", async () => {
    const r = await run(verifyArgs(["--chain-id", "31337"]), verifier);
    assert.equal(r.code, 0, r.stderr);
    assertRunSafe(r, "verify");
    assert.match(r.stdout, /^VERIFIED: /);
    assert.ok(r.stdout.includes("Acme\\x1b[32mVERIFIED\\x1b[0macme\\u{202e}gnp.exe\\r\\nVERIFIED\\x9b2J\\u{200b}"), r.stdout);
    assert.ok(r.stdout.includes("\\x1b]8;;https://evil.example/\\x07click here"), r.stdout);
    assert.equal(r.stdout.split("\n").filter((l) => l.startsWith("VERIFIED")).length, 1, "one VERIFIED line: hostile line breaks are escaped");
    assert.ok(
      r.stdout.includes(`trusted the RPC node at ${chain.rpcUrl}/ (--rpc)`) || r.stdout.includes(`trusted the RPC node at ${chain.rpcUrl} (--rpc)`),
      r.stdout,
    );
    assert.match(
      r.stdout,
      new RegExp(`pins: registry ${registry} \\(--registry\\); chain 31337 \\(--chain-id\\); any organisation \\(not pinned: any organisation\\)`),
    );
  });

  it("default: --json keeps the real strings (escaped as JSON) and names every pin's source", async () => {
    const r = await run(verifyArgs(["--json", "--org", String(orgId)]), verifier);
    assert.equal(r.code, 0, r.stderr);
    assertRunSafe(r, "verify --json", true);
    const j = JSON.parse(r.stdout);
    assert.equal(j.organisation.name, HOSTILE_ORG, "the real name, for a program");
    assert.deepEqual(j.trusted.registry, { value: registry, source: { kind: "flag", name: "--registry", description: "--registry" } });
    assert.deepEqual(j.trusted.chainId, { value: 31337, pinned: false, source: { kind: "node", description: "not pinned: as reported by the node" } });
    assert.deepEqual(j.trusted.organisations.value, [orgId]);
    assert.equal(j.trusted.rpcNode.source.name, "--rpc");
  });

  it("behavior: pins from the real environment are named by variable", async () => {
    const r = await run(["verify", receiptFile, "--artifact", modelFile, "--json"], verifier, {
      PROVENANCE_RPC_URL: chain.rpcUrl,
      PROVENANCE_REGISTRY: registry,
      PROVENANCE_CHAIN_ID: "31337",
      PROVENANCE_ORG: String(orgId),
    });
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    for (const [pin, variable] of [
      ["registry", "PROVENANCE_REGISTRY"],
      ["chainId", "PROVENANCE_CHAIN_ID"],
      ["organisations", "PROVENANCE_ORG"],
      ["rpcNode", "PROVENANCE_RPC_URL"],
    ] as const)
      assert.deepEqual(j.trusted[pin].source, { kind: "environment", name: variable, description: `environment variable ${variable}` });
  });

  it("error: a .env in the working folder with hostile pins is not read by verify (missing --registry, exit 2)", async () => {
    const folder = await mkdtemp(join(work, "dotenv-"));
    await writeFile(
      join(folder, ".env"),
      `PROVENANCE_REGISTRY=0x${"66".repeat(20)}\nPROVENANCE_RPC_URL=http://evil.example:8545\nPROVENANCE_CHAIN_ID=1\nPROVENANCE_ORG=${otherOrg}\nPROVENANCE_TRUST=evil.json\n`,
    );
    const r = await run(["verify", receiptFile, "--artifact", modelFile, "--rpc", chain.rpcUrl], folder);
    assert.equal(r.code, 2, r.stdout);
    assert.match(r.stderr, /missing --registry/);
  });

  it("behavior: with a hostile .env in the working folder, verify's pins are still the verifier's own", async () => {
    const folder = await mkdtemp(join(work, "dotenv-"));
    await writeFile(
      join(folder, ".env"),
      `PROVENANCE_REGISTRY=0x${"66".repeat(20)}\nPROVENANCE_RPC_URL=http://evil.example:8545\nPROVENANCE_CHAIN_ID=1\nPROVENANCE_ORG=${otherOrg}\n`,
    );
    const sub = join(folder, "sub");
    await mkdir(sub);
    for (const cwd of [folder, sub]) {
      const r = await run(verifyArgs(["--json"]), cwd);
      assert.equal(r.code, 0, `${r.stdout}${r.stderr}`);
      const j = JSON.parse(r.stdout);
      assert.equal(j.trusted.chainId.source.kind, "node", "PROVENANCE_CHAIN_ID=1 from .env was not used");
      assert.deepEqual(
        j.trusted.organisations,
        { value: [], source: { kind: "unpinned", description: "not pinned: any organisation" } },
        "PROVENANCE_ORG from .env was not used",
      );
      assert.equal(j.trusted.registry.value, registry);
    }
    const bundle = await run(["verify-bundle", join(folder, "missing.bundle.json")], folder);
    assert.equal(bundle.code, 2);
  });

  it("default: --trust file.json pins chain, registry, organisations and RPC, named in the verdict", async () => {
    const trust = join(verifier, "trust.json");
    await writeFile(trust, JSON.stringify({ format: TRUST_FORMAT, chainId: 31337, registry, organisations: [orgId], rpc: chain.rpcUrl }));
    const r = await run(["verify", receiptFile, "--artifact", modelFile, "--trust", "trust.json"], verifier);
    assert.equal(r.code, 0, r.stderr);
    assertRunSafe(r, "verify --trust");
    assert.ok(r.stdout.includes(`(trust file ${trust}): its answers were not checked further`), r.stdout);
    assert.ok(
      r.stdout.includes(`pins: registry ${registry} (trust file ${trust}); chain 31337 (trust file ${trust}); organisation(s) ${orgId} (trust file ${trust})`),
      r.stdout,
    );
    // A flag still overrides the file, and says so.
    const j = JSON.parse((await run(["verify", receiptFile, "--artifact", modelFile, "--trust", trust, "--chain-id", "31337", "--json"], verifier)).stdout);
    assert.equal(j.trusted.chainId.source.name, "--chain-id");
    assert.equal(j.trusted.trustFile, trust);
  });

  it("error: exit 1 organisation when the trust file accepts only another organisation; the refusal names the trust mode and each pin with its source (text and JSON)", async () => {
    const trust = join(verifier, "other.trust.json");
    await writeFile(trust, JSON.stringify({ format: TRUST_FORMAT, chainId: 31337, registry, organisations: [otherOrg] }));
    const args = ["verify", receiptFile, "--artifact", modelFile, "--trust", trust, "--rpc", chain.rpcUrl];
    const r = await run(args, verifier);
    assert.equal(r.code, 1, r.stdout);
    assertRunSafe(r, "verify --trust other");
    const lines = r.stderr.split("\n");
    assert.match(lines[0]!, /^NOT VERIFIED: check "organisation" failed/);
    assert.equal(lines[1], "  trust mode: rpc (default: no QBFT validator trust given); no head age limit");
    assert.match(lines[2]!, /^ {2}trusted the RPC node at http:\/\/127\.0\.0\.1:\d+\/? \(--rpc\): its answers were not checked further$/);
    assert.equal(
      lines[3],
      `  pins: registry ${registry} (trust file ${trust}); chain 31337 (trust file ${trust}); organisation(s) ${otherOrg} (trust file ${trust})`,
    );
    const j = JSON.parse((await inProcess([...args, "--json"])).stdout);
    assert.equal(j.verified, false);
    assert.equal(j.error.check, "organisation");
    assert.equal(j.trustMode, "rpc");
    assert.deepEqual(j.trusted.organisations, { value: [otherOrg], source: { kind: "trust-file", path: trust, description: `trust file ${trust}` } });
    assert.equal(j.trusted.trustFile, trust);
    // A refusal before the pins were settled names none: they were not used.
    const early = JSON.parse((await inProcess(["verify", join(verifier, "missing.receipt.json"), "--trust", trust, "--json"])).stdout);
    assert.equal(early.error.code, "INVALID_ARGUMENT");
    assert.equal(early.trusted, undefined);
  });

  it("error: exit 2 UNSUPPORTED_FORMAT for a trust file of another version", async () => {
    const trust = join(verifier, "v0.trust.json");
    await writeFile(trust, JSON.stringify({ format: "provenance-trust-v0", chainId: 31337, registry, organisations: [orgId] }));
    const r = await run(["verify", receiptFile, "--artifact", modelFile, "--trust", trust, "--rpc", chain.rpcUrl, "--json"], verifier);
    assert.equal(r.code, 2);
    assert.equal(JSON.parse(r.stdout).error.code, "UNSUPPORTED_FORMAT");
  });

  // The whole corpus runs through the CLI's main() in this process (its two streams captured:
  // the same printer a process writes with); a sample of it also runs as separate processes.
  const SAMPLE = new Set(["esc-csi-colour", "osc8-hyperlink", "cr-overwrite", "bidi-rlo", "c1-csi-0x9b"]);
  const both = async (args: string[], cwd: string, h: (typeof HOSTILE)[number]): Promise<Run[]> => [
    await inProcess(args),
    ...(SAMPLE.has(h.name) ? [await run(args, cwd)] : []),
  ];

  it("error: hostile file names in error messages are escaped (exit 2)", async () => {
    const named = HOSTILE.filter((h) => !h.text.includes("\x00") && !h.text.includes("/"));
    for (const h of named) {
      for (const missing of await both(["verify", join(verifier, `r${h.text}.json`), "--rpc", chain.rpcUrl, "--registry", registry], verifier, h)) {
        assert.equal(missing.code, 2, h.name);
        assertRunSafe(missing, `missing file ${h.name}`);
        assert.match(missing.stderr, /^error: cannot read the receipt .*: ENOENT\n$/, h.name);
      }
      const file = join(verifier, `bad${h.text}.json`);
      await writeFile(file, "{not json");
      for (const bad of await both(["verify", file, "--rpc", chain.rpcUrl, "--registry", registry], verifier, h)) {
        assert.equal(bad.code, 2, h.name);
        assertRunSafe(bad, `bad file ${h.name}`);
      }
      for (const key of await both(["key", "register", join(verifier, `k${h.text}.pub.json`)], verifier, h)) {
        assert.equal(key.code, 2, h.name);
        assertRunSafe(key, `key file ${h.name}`);
      }
    }
  });

  it("error: hostile values inside a receipt reach the error message escaped, in text and JSON", async () => {
    const genuine = JSON.parse(await readFile(receiptFile, "utf8"));
    for (const h of HOSTILE) {
      for (const [what, mutate] of [
        ["format", (r: any) => (r.format = h.text)],
        ["leaf", (r: any) => (r.leaf = `0x${h.text}`)],
        ["envelope keyid", (r: any) => (r.envelope = { payloadType: IN_TOTO_PAYLOAD_TYPE, payload: "e30=", signatures: [{ keyid: h.text, sig: "QUJD" }] })],
      ] as const) {
        const r = structuredClone(genuine);
        mutate(r);
        if (what === "envelope keyid") delete r.record;
        const file = join(verifier, `mutated-${h.name}-${what.replace(" ", "-")}.json`);
        await writeFile(file, JSON.stringify(r));
        const args = ["verify", file, "--rpc", chain.rpcUrl, "--registry", registry];
        for (const text of what === "format" ? await both(args, verifier, h) : [await inProcess(args)]) {
          assert.equal(text.code, 2, `${h.name} ${what}: ${text.stdout}${text.stderr}`);
          assertRunSafe(text, `${h.name} in ${what}`);
        }
        const json = await inProcess([...args, "--json"]);
        assertRunSafe(json, `${h.name} in ${what} (json)`, true);
        assert.equal(JSON.parse(json.stdout).verified, false);
      }
    }
  });

  it("error: org add refuses a hostile organisation name before any transaction (exit 2, naming the field)", async () => {
    for (const h of HOSTILE) {
      for (const r of await both(
        ["org", "add", `Acme${h.text}`, "--rpc", chain.rpcUrl, "--private-key", DEV_PRIVATE_KEY, "--registry", registry],
        project,
        h,
      )) {
        assert.equal(r.code, 2, h.name);
        assert.match(r.stderr, /^error: organisation name: contains U\+[0-9A-F]{4,5} at index \d+/, h.name);
        assertRunSafe(r, `org add ${h.name}`);
      }
    }
  });

  it("behavior: the organisation's commands find .provenance/ and .env upward; a command that reads the store never creates one", async () => {
    const deep = join(project, "a", "b");
    await mkdir(deep, { recursive: true });
    const status = await run(["status", "--json"], deep);
    assert.equal(status.code, 0, status.stderr);
    assert.equal(JSON.parse(status.stdout).store, join(project, ".provenance", "ledger.db"));
    assertRunSafe(await run(["status"], deep), "status");

    const elsewhere = await mkdtemp(join(work, "elsewhere-"));
    await writeFile(join(elsewhere, ".env"), `PROVENANCE_DATA_DIR=${join(project, ".provenance")}\n`);
    await mkdir(join(elsewhere, "sub"));
    const viaEnv = await run(["status", "--json"], join(elsewhere, "sub"));
    assert.equal(viaEnv.code, 0, viaEnv.stderr);
    assert.equal(JSON.parse(viaEnv.stdout).store, join(project, ".provenance", "ledger.db"), "the project's .env, found upward");

    // A world-writable folder (like /tmp) is where anyone can leave a .env: the search stops below it.
    const shared = await mkdtemp(join(work, "shared-"));
    await chmod(shared, 0o1777);
    await writeFile(join(shared, ".env"), `PROVENANCE_DATA_DIR=${join(project, ".provenance")}\n`);
    await mkdir(join(shared, "mine"), { mode: 0o700 });
    const planted = await run(["status"], join(shared, "mine"));
    assert.equal(planted.code, 2, "the .env in the world-writable folder was not read, so there is no store");
    assert.match(planted.stderr, /no ledger store at .*mine.*\.provenance/);

    const empty = await mkdtemp(join(work, "empty-"));
    for (const args of [["status"], ["receipt", sha("model")], ["lineage", "--model-digest", `sha256:${sha("model")}`]]) {
      const r = await run(args, empty);
      assert.equal(r.code, 2, `${args[0]}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, /no ledger store at .*\.provenance/);
    }
    assert.equal(existsSync(join(empty, ".provenance")), false, "no empty store was created");
    assert.equal((await run(["init"], empty)).code, 0);
    assert.equal(existsSync(join(empty, ".provenance", "ledger.db")), true);
  });
});
