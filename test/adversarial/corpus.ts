// The adversarial corpus: named attacks on the verifiers, as data. Each case takes a genuine
// document (a receipt, an envelope or the evidence bundle), changes it as an attacker would,
// and names the refusal a verifier must give: the failed check (VerificationError) or the input
// error code. A new case is one entry; test/verify/adversarial.test.ts runs them all.
import { createHash } from "node:crypto";
import type { GenuineEvidence } from "../helpers/genuineEvidence.js";
import { CLI_CASES, type CliCase, SCENARIOS, type ScenarioCase } from "./scenarios.js";

/** The document a case starts from; the runner verifies it the way a third party would. */
export type CorpusTarget = "record receipt" | "attestation receipt" | "envelope" | "bundle";

/** What the verifier must answer: the named check that fails, or the input error code. */
export type Refusal = { readonly check: string } | { readonly code: string };

// biome-ignore lint/suspicious/noExplicitAny: documents are edited as plain JSON.
export type Doc = any;

export type DocumentCase = {
  /** `<class>/<what the attacker did>`, unique. */
  readonly name: string;
  readonly target: CorpusTarget;
  /** Returns the attacker's document: a JSON value (serialised by the runner) or raw text. */
  readonly attack: (doc: Doc, evidence: GenuineEvidence) => Doc | string | Promise<Doc | string>;
  readonly refusal: Refusal;
};

/** A case: an edited document (this file), or a scenario or a CLI run (scenarios.ts). */
export type CorpusCase = DocumentCase | ScenarioCase | CliCase;

const flipHex = (s: string, at = -1): string => {
  const i = at < 0 ? s.length + at : at;
  const c = s[i]!;
  return s.slice(0, i) + (c === "0" ? "1" : "0") + s.slice(i + 1);
};
const b64 = (value: unknown): string => Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64");
const unb64 = (text: string): Doc => JSON.parse(Buffer.from(text, "base64").toString("utf8"));
const sha256 = (text: string): string => createHash("sha256").update(text).digest("hex");
/** Edits the statement inside an envelope, keeping the base64 valid (the signature no longer matches). */
const editStatement = (envelope: Doc, edit: (statement: Doc) => void): Doc => {
  const statement = unb64(envelope.payload);
  edit(statement);
  return { ...envelope, payload: b64(statement) };
};
/** The bundle's receipts whose statement has a predicate type containing `fragment` (and is about `subject`, if given). */
const receiptsOfType = (bundle: Doc, fragment: string, subject?: string): Doc[] =>
  bundle.receipts.filter((r: Doc) => {
    if (!r.envelope) return false;
    const s = unb64(r.envelope.payload);
    return s.predicateType.includes(fragment) && (subject === undefined || s.subject.some((x: Doc) => x.digest.sha256 === subject));
  });
const withoutReceipts = (bundle: Doc, drop: (r: Doc) => boolean): Doc => ({ ...bundle, receipts: bundle.receipts.filter((r: Doc) => !drop(r)) });

const receiptFieldCases: DocumentCase[] = (["record receipt", "attestation receipt"] as const).flatMap((target) => {
  const t = target === "record receipt" ? "record-receipt" : "attestation-receipt";
  return [
    { name: `${t}/leaf digit flipped`, target, attack: (r: Doc) => ({ ...r, leaf: flipHex(r.leaf) }), refusal: { check: "record-leaf" } },
    { name: `${t}/root digit flipped`, target, attack: (r: Doc) => ({ ...r, root: flipHex(r.root) }), refusal: { check: "proof-root" } },
    {
      name: `${t}/proof sibling flipped`,
      target,
      attack: (r: Doc) => ({ ...r, proof: r.proof.map((p: string, i: number) => (i === 0 ? flipHex(p) : p)) }),
      refusal: { check: "proof-root" },
    },
    { name: `${t}/proof sibling dropped`, target, attack: (r: Doc) => ({ ...r, proof: r.proof.slice(1) }), refusal: { check: "proof-root" } },
    { name: `${t}/proof reversed`, target, attack: (r: Doc) => ({ ...r, proof: [...r.proof].reverse() }), refusal: { check: "proof-root" } },
    { name: `${t}/proof sibling duplicated`, target, attack: (r: Doc) => ({ ...r, proof: [...r.proof, r.proof[0]] }), refusal: { check: "proof-root" } },
    {
      name: `${t}/leaf and proof replaced by the root alone`,
      target,
      attack: (r: Doc) => ({ ...r, leaf: r.root, proof: [] }),
      refusal: { check: "record-leaf" },
    },
    { name: `${t}/chain id of another chain`, target, attack: (r: Doc) => ({ ...r, anchor: { ...r.anchor, chainId: 1 } }), refusal: { check: "chain-id" } },
    {
      name: `${t}/registry of another contract`,
      target,
      attack: (r: Doc) => ({ ...r, anchor: { ...r.anchor, registry: flipHex(r.anchor.registry) } }),
      refusal: { check: "registry" },
    },
    {
      name: `${t}/organisation claimed is another`,
      target,
      attack: (r: Doc, e) => ({ ...r, anchor: { ...r.anchor, orgId: e.otherOrgId } }),
      refusal: { check: "anchor-root" },
    },
    {
      name: `${t}/sequence off by one`,
      target,
      attack: (r: Doc) => ({ ...r, anchor: { ...r.anchor, sequence: r.anchor.sequence + 1 } }),
      refusal: { check: "anchor-root" },
    },
    {
      name: `${t}/leaf count inflated`,
      target,
      attack: (r: Doc) => ({ ...r, batch: { ...r.batch, leafCount: r.batch.leafCount + 1 } }),
      refusal: { check: "anchor-root" },
    },
    {
      name: `${t}/block number earlier`,
      target,
      attack: (r: Doc) => ({ ...r, anchor: { ...r.anchor, blockNumber: r.anchor.blockNumber - 1 } }),
      refusal: { check: "anchor-root" },
    },
    {
      name: `${t}/timestamp backdated a day`,
      target,
      attack: (r: Doc) => ({ ...r, anchor: { ...r.anchor, timestamp: r.anchor.timestamp - 86_400 } }),
      refusal: { check: "anchor-root" },
    },
    {
      name: `${t}/transaction hash of another transaction`,
      target,
      attack: (r: Doc) => ({ ...r, anchor: { ...r.anchor, txHash: flipHex(r.anchor.txHash) } }),
      refusal: { check: "anchor-transaction" },
    },
    {
      name: `${t}/block hash of another block`,
      target,
      attack: (r: Doc) => ({ ...r, anchor: { ...r.anchor, blockHash: flipHex(r.anchor.blockHash) } }),
      refusal: { check: "anchor-transaction" },
    },
    {
      name: `${t}/metadata hash changed`,
      target,
      attack: (r: Doc) => ({ ...r, batch: { ...r.batch, metadataHash: flipHex(r.batch.metadataHash) } }),
      refusal: { check: "anchor-transaction" },
    },
    {
      name: `${t}/format of a future version`,
      target,
      attack: (r: Doc) => ({ ...r, format: "provenance-receipt-v9" }),
      refusal: { code: "UNSUPPORTED_FORMAT" },
    },
    { name: `${t}/unknown top-level field`, target, attack: (r: Doc) => ({ ...r, verified: true }), refusal: { code: "INVALID_RECEIPT" } },
    {
      name: `${t}/anchor field missing`,
      target,
      attack: (r: Doc) => ({ ...r, anchor: { ...r.anchor, blockHash: undefined } }),
      refusal: { code: "INVALID_RECEIPT" },
    },
    { name: `${t}/root without 0x`, target, attack: (r: Doc) => ({ ...r, root: r.root.slice(2) }), refusal: { code: "INVALID_HEX" } },
    {
      name: `${t}/block number as a string`,
      target,
      attack: (r: Doc) => ({ ...r, anchor: { ...r.anchor, blockNumber: String(r.anchor.blockNumber) } }),
      refusal: { code: "INVALID_RECEIPT" },
    },
    {
      name: `${t}/negative block number`,
      target,
      attack: (r: Doc) => ({ ...r, anchor: { ...r.anchor, blockNumber: -1 } }),
      refusal: { code: "INVALID_RECEIPT" },
    },
    {
      name: `${t}/fractional timestamp`,
      target,
      attack: (r: Doc) => ({ ...r, anchor: { ...r.anchor, timestamp: r.anchor.timestamp + 0.5 } }),
      refusal: { code: "INVALID_RECEIPT" },
    },
    {
      name: `${t}/proof of 65 siblings`,
      target,
      attack: (r: Doc) => ({ ...r, proof: Array.from({ length: 65 }, () => r.root) }),
      refusal: { code: "INVALID_RECEIPT" },
    },
    {
      name: `${t}/both a record and an envelope`,
      target,
      attack: (r: Doc, e) => ({
        ...r,
        ...(r.record ? { envelope: JSON.parse(e.attestationReceipts[0]!).envelope } : { record: JSON.parse(e.recordReceipts[0]!).record }),
      }),
      refusal: { code: "INVALID_RECEIPT" },
    },
  ] satisfies DocumentCase[];
});

const jsonCases: DocumentCase[] = [
  {
    name: "json/duplicate key: root given twice",
    target: "record receipt",
    attack: (r: Doc) => JSON.stringify(r).replace('"root":', `"root":"${flipHex(r.root)}","root":`),
    refusal: { code: "DUPLICATE_KEY" },
  },
  {
    name: "json/duplicate key inside the record",
    target: "record receipt",
    attack: (r: Doc) => JSON.stringify(r).replace('"sha256":', '"sha256":"00","sha256":'),
    refusal: { code: "DUPLICATE_KEY" },
  },
  {
    name: "json/lone surrogate in a name",
    target: "record receipt",
    attack: (r: Doc) => JSON.stringify(r).replace('"name":"', '"name":"\\ud800'),
    refusal: { code: "LONE_SURROGATE" },
  },
  {
    name: "json/number beyond 2^53",
    target: "record receipt",
    attack: (r: Doc) => JSON.stringify(r).replace(/"blockNumber":\d+/, '"blockNumber":9007199254740993'),
    refusal: { code: "NUMBER_OUT_OF_RANGE" },
  },
  { name: "json/trailing comma", target: "record receipt", attack: (r: Doc) => `${JSON.stringify(r).slice(0, -1)},}`, refusal: { code: "INVALID_JSON" } },
  { name: "json/two documents", target: "record receipt", attack: (r: Doc) => `${JSON.stringify(r)}${JSON.stringify(r)}`, refusal: { code: "INVALID_JSON" } },
  { name: "json/truncated", target: "record receipt", attack: (r: Doc) => JSON.stringify(r).slice(0, 100), refusal: { code: "INVALID_JSON" } },
  { name: "json/nesting 1000 deep", target: "record receipt", attack: () => `${"[".repeat(1000)}${"]".repeat(1000)}`, refusal: { code: "INVALID_JSON" } },
  {
    name: "json/single quotes",
    target: "record receipt",
    attack: (r: Doc) => JSON.stringify(r).replace(/"format"/, "'format'"),
    refusal: { code: "INVALID_JSON" },
  },
  {
    name: "json/__proto__ key",
    target: "record receipt",
    attack: (r: Doc) => JSON.stringify(r).replace("{", '{"__proto__":{"verified":true},'),
    refusal: { code: "INVALID_RECEIPT" },
  },
  {
    name: "json/record created in month 52 (found by the fuzz: crashed the parser)",
    target: "record receipt",
    attack: (r: Doc) => ({ ...r, record: { ...r.record, createdAt: r.record.createdAt.replace(/-\d\d-/, "-52-") } }),
    refusal: { code: "INVALID_RECORD" },
  },
  { name: "json/an array instead of a receipt", target: "record receipt", attack: (r: Doc) => [r], refusal: { code: "INVALID_RECEIPT" } },
  {
    name: "json/duplicate key in a bundle's receipt",
    target: "bundle",
    attack: (b: Doc) => JSON.stringify(b).replace('"leaf":', '"leaf":"0x00","leaf":'),
    refusal: { code: "DUPLICATE_KEY" },
  },
  {
    name: "json/duplicate key inside a signed payload",
    target: "envelope",
    attack: (env: Doc) => ({ ...env, payload: b64(Buffer.from(env.payload, "base64").toString("utf8").replace('"_type":', '"_type":"x","_type":')) }),
    refusal: { code: "DUPLICATE_KEY" },
  },
];

const dsseCases: DocumentCase[] = [
  {
    name: "dsse/payload statement subject digest changed",
    target: "envelope",
    attack: (env: Doc) => editStatement(env, (s) => (s.subject[0].digest.sha256 = flipHex(s.subject[0].digest.sha256))),
    refusal: { check: "signature" },
  },
  {
    name: "dsse/payload subject name changed",
    target: "envelope",
    attack: (env: Doc) => editStatement(env, (s) => (s.subject[0].name += "-forged")),
    refusal: { check: "signature" },
  },
  {
    name: "dsse/payload re-encoded with whitespace",
    target: "envelope",
    attack: (env: Doc) => ({ ...env, payload: b64(JSON.stringify(unb64(env.payload), null, 1)) }),
    refusal: { check: "signature" },
  },
  {
    name: "dsse/payload type changed",
    target: "envelope",
    attack: (env: Doc) => ({ ...env, payloadType: "application/json" }),
    refusal: { code: "WRONG_PAYLOAD_TYPE" },
  },
  {
    name: "dsse/signature byte flipped",
    target: "envelope",
    attack: (env: Doc) => ({
      ...env,
      signatures: env.signatures.map((s: Doc) => ({ ...s, sig: b64(Buffer.from(Buffer.from(s.sig, "base64").map((x, i) => (i === 5 ? x ^ 1 : x)))) })),
    }),
    refusal: { check: "signature" },
  },
  { name: "dsse/no signatures", target: "envelope", attack: (env: Doc) => ({ ...env, signatures: [] }), refusal: { code: "INVALID_ENVELOPE" } },
  {
    name: "dsse/signature duplicated",
    target: "envelope",
    attack: (env: Doc) => ({ ...env, signatures: [env.signatures[0], env.signatures[0]] }),
    refusal: { code: "INVALID_ENVELOPE" },
  },
  {
    name: "dsse/keyid swapped for an unknown key",
    target: "envelope",
    attack: (env: Doc) => ({ ...env, signatures: [{ ...env.signatures[0], keyid: `sha256:${sha256("unknown")}` }] }),
    refusal: { check: "signing-key" },
  },
  {
    name: "dsse/keyid of another address",
    target: "envelope",
    attack: (env: Doc) => ({ ...env, signatures: [{ ...env.signatures[0], keyid: "0x70997970c51812dc3a010c7d01b50e0d17dc79c8" }] }),
    refusal: { check: "signature" },
  },
  {
    name: "dsse/signature not base64",
    target: "envelope",
    attack: (env: Doc) => ({ ...env, signatures: [{ ...env.signatures[0], sig: "!!!" }] }),
    refusal: { code: "INVALID_BASE64" },
  },
  { name: "dsse/payload not base64", target: "envelope", attack: (env: Doc) => ({ ...env, payload: "not base64 !" }), refusal: { code: "INVALID_BASE64" } },
  {
    name: "dsse/statement type of another spec",
    target: "envelope",
    attack: (env: Doc) => editStatement(env, (s) => (s._type = "https://in-toto.io/Statement/v0.1")),
    refusal: { code: "INVALID_STATEMENT" },
  },
  {
    name: "dsse/statement without subjects",
    target: "envelope",
    attack: (env: Doc) => editStatement(env, (s) => (s.subject = [])),
    refusal: { code: "INVALID_STATEMENT" },
  },
  {
    name: "dsse/unknown predicate type",
    target: "envelope",
    attack: (env: Doc) => editStatement(env, (s) => (s.predicateType = "https://evil.example/v1")),
    refusal: { code: "UNKNOWN_PREDICATE" },
  },
  {
    name: "dsse/envelope in a receipt edited after anchoring",
    target: "attestation receipt",
    attack: (r: Doc) => ({ ...r, envelope: editStatement(r.envelope, (s) => (s.subject[0].name += "x")) }),
    refusal: { check: "signature" },
  },
  {
    name: "dsse/envelope swapped for another genuine envelope",
    target: "attestation receipt",
    attack: (r: Doc, e) => ({ ...r, envelope: JSON.parse(e.attestationReceipts.find((t) => JSON.parse(t).leaf !== r.leaf)!).envelope }),
    refusal: { check: "record-leaf" },
  },
  {
    name: "dsse/extra unsigned field in the envelope",
    target: "attestation receipt",
    attack: (r: Doc) => ({ ...r, envelope: { ...r.envelope, note: "trust me" } }),
    refusal: { code: "INVALID_ENVELOPE" },
  },
];

const keyCases: DocumentCase[] = [
  {
    name: "keys/bundle public key swapped for an attacker's",
    target: "bundle",
    attack: (b: Doc, e) => ({ ...b, keys: b.keys.map((k: Doc) => (k.keyid === e.publicKeys[0]!.keyid ? { ...k, publicKey: e.publicKeys[1]!.publicKey } : k)) }),
    refusal: { code: "INVALID_KEY" },
  },
  { name: "keys/bundle key listed twice", target: "bundle", attack: (b: Doc) => ({ ...b, keys: [...b.keys, b.keys[0]] }), refusal: { code: "INVALID_BUNDLE" } },
  {
    name: "keys/bundle key labelled with the wrong algorithm",
    target: "bundle",
    attack: (b: Doc) => ({ ...b, keys: b.keys.map((k: Doc) => ({ ...k, algorithm: k.algorithm === "ed25519" ? "p256" : "ed25519" })) }),
    refusal: { code: "INVALID_KEY" },
  },
  {
    name: "keys/an approver's public key left out",
    target: "bundle",
    attack: (b: Doc) => ({ ...b, keys: b.keys.slice(1) }),
    refusal: { check: "signing-key" },
  },
];

const approvalCases: DocumentCase[] = [
  {
    name: "approvals/one of two approvals left out",
    target: "bundle",
    attack: (b: Doc, e) => withoutReceipts(b, (r) => r === receiptsOfType(b, "approval", e.model.sha256)[0]),
    refusal: { check: "approval-quorum" },
  },
  {
    name: "approvals/every approval left out",
    target: "bundle",
    attack: (b: Doc, e) => withoutReceipts(b, (r) => receiptsOfType(b, "approval", e.model.sha256).includes(r)),
    refusal: { check: "approval-quorum" },
  },
  {
    name: "approvals/one approval given twice",
    target: "bundle",
    attack: (b: Doc, e) => {
      const [first, second] = receiptsOfType(b, "approval", e.model.sha256);
      return { ...b, receipts: [...withoutReceipts(b, (r) => r === first).receipts, second] };
    },
    refusal: { check: "approval-quorum" },
  },
  {
    name: "approvals/deployment left out while approvals are required",
    target: "bundle",
    attack: (b: Doc, e) => withoutReceipts(b, (r) => receiptsOfType(b, "deployment", e.model.sha256).includes(r)),
    refusal: { check: "approval-quorum" },
  },
];

const lineageCases: DocumentCase[] = [
  {
    name: "lineage/dataset attestation left out",
    target: "bundle",
    attack: (b: Doc) => withoutReceipts(b, (r) => receiptsOfType(b, "dataset").includes(r)),
    refusal: { check: "lineage" },
  },
  {
    name: "lineage/base model's attestations left out",
    target: "bundle",
    attack: (b: Doc, e) =>
      withoutReceipts(
        b,
        (r) =>
          r.envelope &&
          !unb64(r.envelope.payload).subject.some((s: Doc) => s.digest.sha256 === e.model.sha256) &&
          !unb64(r.envelope.payload).predicateType.includes("dataset"),
      ),
    refusal: { check: "lineage" },
  },
  {
    name: "lineage/bundle about another model's digest",
    target: "bundle",
    attack: (b: Doc) => ({ ...b, subject: { ...b.subject, digest: { sha256: flipHex(b.subject.digest.sha256) } } }),
    refusal: { check: "artifact-digest" },
  },
  {
    name: "lineage/every receipt of the model left out",
    target: "bundle",
    attack: (b: Doc, e) => withoutReceipts(b, (r) => r.envelope && unb64(r.envelope.payload).subject.some((s: Doc) => s.digest.sha256 === e.model.sha256)),
    refusal: { check: "lineage" },
  },
  {
    name: "lineage/a receipt of the bundle tampered",
    target: "bundle",
    attack: (b: Doc) => ({ ...b, receipts: b.receipts.map((r: Doc, i: number) => (i === 0 ? { ...r, root: flipHex(r.root) } : r)) }),
    refusal: { check: "proof-root" },
  },
  {
    name: "lineage/bundle of a future format",
    target: "bundle",
    attack: (b: Doc) => ({ ...b, format: "provenance-bundle-v9" }),
    refusal: { code: "UNSUPPORTED_FORMAT" },
  },
  { name: "lineage/bundle with no receipts", target: "bundle", attack: (b: Doc) => ({ ...b, receipts: [] }), refusal: { code: "INVALID_BUNDLE" } },
];

const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
/** Edits the raw bytes of an envelope's first signature. */
const editSig = (env: Doc, edit: (sig: Buffer) => Buffer): Doc => ({
  ...env,
  signatures: env.signatures.map((s: Doc, i: number) => (i === 0 ? { ...s, sig: edit(Buffer.from(s.sig, "base64")).toString("base64") } : s)),
});
/** The same ECDSA signature with s replaced by n - s and v flipped: valid maths, refused as malleable. */
const highS = (sig: Buffer): Buffer => {
  const s = BigInt(`0x${sig.subarray(32, 64).toString("hex")}`);
  const out = Buffer.from(sig);
  Buffer.from((SECP256K1_N - s).toString(16).padStart(64, "0"), "hex").copy(out, 32);
  out[64] = out[64] === 27 ? 28 : 27;
  return out;
};
const HOSTILE_TEXT = [
  ["ANSI escape", "\x1b[2J"],
  ["carriage return", "a\rVERIFIED"],
  ["newline", "a\nVERIFIED"],
  ["bidi override", "a\u202eb"],
] as const;

const moreCases: DocumentCase[] = [
  ...(["record receipt", "attestation receipt"] as const).flatMap((target): DocumentCase[] => {
    const t = target === "record receipt" ? "record-receipt" : "attestation-receipt";
    return [
      {
        name: `${t}/timestamp moved a day later`,
        target,
        attack: (r: Doc) => ({ ...r, anchor: { ...r.anchor, timestamp: r.anchor.timestamp + 86_400 } }),
        refusal: { check: "anchor-root" },
      },
      { name: `${t}/organisation 0`, target, attack: (r: Doc) => ({ ...r, anchor: { ...r.anchor, orgId: 0 } }), refusal: { code: "INVALID_RECEIPT" } },
      {
        name: `${t}/chain id as a string`,
        target,
        attack: (r: Doc) => ({ ...r, anchor: { ...r.anchor, chainId: String(r.anchor.chainId) } }),
        refusal: { code: "INVALID_RECEIPT" },
      },
      {
        name: `${t}/proof sibling replaced by the leaf itself`,
        target,
        attack: (r: Doc) => ({ ...r, proof: r.proof.map((p: string, i: number) => (i === 0 ? r.leaf : p)) }),
        refusal: { check: "proof-root" },
      },
      { name: `${t}/batch of zero leaves`, target, attack: (r: Doc) => ({ ...r, batch: { ...r.batch, leafCount: 0 } }), refusal: { code: "INVALID_RECEIPT" } },
    ];
  }),
  // The record receipt: what the record says is bound by the leaf.
  {
    name: "record/subject digest swapped for another model's",
    target: "record receipt",
    attack: (r: Doc) => ({ ...r, record: { ...r.record, subject: { ...r.record.subject, digest: { sha256: flipHex(r.record.subject.digest.sha256) } } } }),
    refusal: { check: "record-leaf" },
  },
  {
    name: "record/subject renamed",
    target: "record receipt",
    attack: (r: Doc) => ({ ...r, record: { ...r.record, subject: { ...r.record.subject, name: "acme/trusted-model" } } }),
    refusal: { check: "record-leaf" },
  },
  {
    name: "record/version changed",
    target: "record receipt",
    attack: (r: Doc) => ({ ...r, record: { ...r.record, subject: { ...r.record.subject, version: "9.9.9" } } }),
    refusal: { check: "record-leaf" },
  },
  {
    name: "record/creation time backdated",
    target: "record receipt",
    attack: (r: Doc) => ({ ...r, record: { ...r.record, createdAt: "2020-01-01T00:00:00.000Z" } }),
    refusal: { check: "record-leaf" },
  },
  {
    name: "kind/the record's signed kind changed from file to directory",
    target: "record receipt",
    attack: (r: Doc) => ({
      ...r,
      record: {
        ...r.record,
        subject: { ...r.record.subject, artifact: { ...r.record.subject.artifact, kind: "directory", hashing: "provenance-model-manifest-v2" } },
      },
    }),
    refusal: { check: "record-leaf" },
  },
  {
    name: "kind/the record's kind removed (a v2 record must name it)",
    target: "record receipt",
    attack: (r: Doc) => ({ ...r, record: { ...r.record, subject: { ...r.record.subject, artifact: undefined } } }),
    refusal: { code: "INVALID_RECORD" },
  },
  {
    name: "hashing/the record's format rewritten to v1 (model hashing v1) keeping its fields",
    target: "record receipt",
    attack: (r: Doc) => ({ ...r, record: { ...r.record, format: "provenance-record-v1" } }),
    refusal: { check: "hashing-version" },
  },
  {
    name: "hashing/the frozen model hashing v1 receipt is refused by name",
    target: "record receipt",
    attack: async () => JSON.parse(await (await import("node:fs/promises")).readFile(new URL("../vectors/receipt-v1.json", import.meta.url), "utf8")).receipt,
    refusal: { check: "hashing-version" },
  },
  {
    name: "hashing/the record's format of a future version",
    target: "record receipt",
    attack: (r: Doc) => ({ ...r, record: { ...r.record, format: "provenance-record-v9" } }),
    refusal: { code: "UNSUPPORTED_FORMAT" },
  },
  // DSSE signatures: malleability and encodings.
  {
    name: "dsse/secp256k1 signature malleated to high s (valid maths, refused)",
    target: "envelope",
    attack: (env: Doc) => editSig(env, highS),
    refusal: { check: "signature" },
  },
  {
    name: "dsse/secp256k1 recovery id 0 instead of 27",
    target: "envelope",
    attack: (env: Doc) => editSig(env, (s) => Buffer.concat([s.subarray(0, 64), Buffer.from([s[64]! - 27])])),
    refusal: { check: "signature" },
  },
  {
    name: "dsse/signature truncated to 64 bytes",
    target: "envelope",
    attack: (env: Doc) => editSig(env, (s) => s.subarray(0, 64)),
    refusal: { check: "signature" },
  },
  {
    name: "dsse/signature with a byte appended",
    target: "envelope",
    attack: (env: Doc) => editSig(env, (s) => Buffer.concat([s, Buffer.from([0])])),
    refusal: { check: "signature" },
  },
  { name: "dsse/signature of zeros", target: "envelope", attack: (env: Doc) => editSig(env, (s) => Buffer.alloc(s.length)), refusal: { check: "signature" } },
  {
    name: "dsse/payload with a second subject added",
    target: "envelope",
    attack: (env: Doc) => editStatement(env, (s) => s.subject.push({ name: "acme/other", digest: { sha256: sha256("other") } })),
    refusal: { check: "signature" },
  },
  {
    name: "dsse/predicate value changed (the dataset's licence)",
    target: "envelope",
    attack: (env: Doc) => editStatement(env, (s) => (s.predicate = JSON.parse(JSON.stringify(s.predicate).replace('"CC-BY-4.0"', '"MIT"')))),
    refusal: { check: "signature" },
  },
  {
    name: "dsse/payload base64 without padding",
    target: "envelope",
    attack: (env: Doc) => ({ ...env, payload: env.payload.replace(/=+$/, "") || `${env.payload}A` }),
    refusal: { code: "INVALID_BASE64" },
  },
  {
    name: "dsse/payload in base64url",
    target: "envelope",
    attack: (env: Doc) => ({ ...env, payload: `${env.payload.slice(0, -4)}-_${env.payload.slice(-2)}` }),
    refusal: { code: "INVALID_BASE64" },
  },
  {
    name: "dsse/keyid in upper case",
    target: "envelope",
    attack: (env: Doc) => ({ ...env, signatures: [{ ...env.signatures[0], keyid: env.signatures[0].keyid.toUpperCase() }] }),
    refusal: { code: "INVALID_ENVELOPE" },
  },
  ...HOSTILE_TEXT.map(
    ([what, text]): DocumentCase => ({
      name: `terminal/${what} in a keyid`,
      target: "envelope",
      attack: (env: Doc) => ({ ...env, signatures: [{ ...env.signatures[0], keyid: `${env.signatures[0].keyid}${text}` }] }),
      refusal: { code: "INVALID_ENVELOPE" },
    }),
  ),
  ...HOSTILE_TEXT.map(
    ([what, text]): DocumentCase => ({
      name: `terminal/${what} in a statement subject name`,
      target: "envelope",
      attack: (env: Doc) => editStatement(env, (s) => (s.subject[0].name = `model${text}`)),
      refusal: { code: "INVALID_STATEMENT" },
    }),
  ),
  // Bundles: omissions the policy or a signed reference catches.
  {
    name: "omission/the model's manifest left out (default policy requires it)",
    target: "bundle",
    attack: (b: Doc, e) => withoutReceipts(b, (r) => receiptsOfType(b, "model-manifest", e.model.sha256).includes(r)),
    refusal: { check: "required-attestation" },
  },
  {
    name: "omission/the fine-tune's training run left out (the model update names it)",
    target: "bundle",
    attack: (b: Doc, e) => withoutReceipts(b, (r) => receiptsOfType(b, "slsa.dev/provenance", e.model.sha256).includes(r)),
    refusal: { check: "lineage-reference" },
  },
  {
    name: "omission/the base model's own training run left out (found by npm run fuzz: its dataset, and that dataset's revocation, dropped out of the lineage)",
    target: "bundle",
    attack: (b: Doc, e) =>
      withoutReceipts(b, (r) => receiptsOfType(b, "slsa.dev/provenance").includes(r) && !receiptsOfType(b, "slsa.dev/provenance", e.model.sha256).includes(r)),
    refusal: { check: "required-attestation" },
  },
  {
    name: "omission/the base model's manifest left out (the training run names it)",
    target: "bundle",
    attack: (b: Doc, e) =>
      withoutReceipts(b, (r) => receiptsOfType(b, "model-manifest").includes(r) && !receiptsOfType(b, "model-manifest", e.model.sha256).includes(r)),
    refusal: { check: "lineage-reference" },
  },
  {
    name: "omission/the fine-tune's dataset entry left out (the training run names it)",
    target: "bundle",
    attack: (b: Doc) =>
      withoutReceipts(b, (r) => receiptsOfType(b, "dataset").some((d) => d === r && unb64(d.envelope.payload).subject[0].name === "dataset-tuned")),
    refusal: { check: "lineage" },
  },
  {
    name: "bundle/receipts of another bundle's model spliced in (the subject is not the model)",
    target: "bundle",
    attack: (b: Doc, e) => ({ ...b, subject: { ...b.subject, digest: { sha256: e.fileModel.sha256 } } }),
    refusal: { check: "artifact-digest" },
  },
  {
    name: "bundle/unknown top-level field (verified: true)",
    target: "bundle",
    attack: (b: Doc) => ({ ...b, verified: true }),
    refusal: { code: "INVALID_BUNDLE" },
  },
];

/** Every case; names are unique (the runner checks). */
export const CORPUS: readonly CorpusCase[] = [
  ...receiptFieldCases,
  ...jsonCases,
  ...dsseCases,
  ...keyCases,
  ...approvalCases,
  ...lineageCases,
  ...moreCases,
  ...SCENARIOS,
  ...CLI_CASES,
];
