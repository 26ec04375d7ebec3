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

// any: documents are edited as plain JSON.
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

/** A case on one target: each case says only its name, the attacker's edit and the refusal. */
const on =
  (target: CorpusTarget) =>
  (name: string, attack: DocumentCase["attack"], refusal: Refusal): DocumentCase => ({ name, target, attack, refusal });
const onRecordReceipt = on("record receipt");
const onAttestationReceipt = on("attestation receipt");
const onEnvelope = on("envelope");
const onBundle = on("bundle");

const receiptFieldCases: DocumentCase[] = (["record receipt", "attestation receipt"] as const).flatMap((target) => {
  const t = target === "record receipt" ? "record-receipt" : "attestation-receipt";
  const onReceipt = on(target);
  return [
    onReceipt(`${t}/leaf digit flipped`, (r: Doc) => ({ ...r, leaf: flipHex(r.leaf) }), { check: "record-leaf" }),
    onReceipt(`${t}/root digit flipped`, (r: Doc) => ({ ...r, root: flipHex(r.root) }), { check: "proof-root" }),
    onReceipt(`${t}/proof sibling flipped`, (r: Doc) => ({ ...r, proof: r.proof.map((p: string, i: number) => (i === 0 ? flipHex(p) : p)) }), {
      check: "proof-root",
    }),
    onReceipt(`${t}/proof sibling dropped`, (r: Doc) => ({ ...r, proof: r.proof.slice(1) }), { check: "proof-root" }),
    onReceipt(`${t}/proof reversed`, (r: Doc) => ({ ...r, proof: [...r.proof].reverse() }), { check: "proof-root" }),
    onReceipt(`${t}/proof sibling duplicated`, (r: Doc) => ({ ...r, proof: [...r.proof, r.proof[0]] }), { check: "proof-root" }),
    onReceipt(`${t}/leaf and proof replaced by the root alone`, (r: Doc) => ({ ...r, leaf: r.root, proof: [] }), { check: "record-leaf" }),
    onReceipt(`${t}/chain id of another chain`, (r: Doc) => ({ ...r, anchor: { ...r.anchor, chainId: 1 } }), { check: "chain-id" }),
    onReceipt(`${t}/registry of another contract`, (r: Doc) => ({ ...r, anchor: { ...r.anchor, registry: flipHex(r.anchor.registry) } }), {
      check: "registry",
    }),
    onReceipt(`${t}/organisation claimed is another`, (r: Doc, e) => ({ ...r, anchor: { ...r.anchor, orgId: e.otherOrgId } }), { check: "anchor-root" }),
    onReceipt(`${t}/sequence off by one`, (r: Doc) => ({ ...r, anchor: { ...r.anchor, sequence: r.anchor.sequence + 1 } }), { check: "anchor-root" }),
    onReceipt(`${t}/leaf count inflated`, (r: Doc) => ({ ...r, batch: { ...r.batch, leafCount: r.batch.leafCount + 1 } }), { check: "anchor-root" }),
    onReceipt(`${t}/block number earlier`, (r: Doc) => ({ ...r, anchor: { ...r.anchor, blockNumber: r.anchor.blockNumber - 1 } }), { check: "anchor-root" }),
    onReceipt(`${t}/timestamp backdated a day`, (r: Doc) => ({ ...r, anchor: { ...r.anchor, timestamp: r.anchor.timestamp - 86_400 } }), {
      check: "anchor-root",
    }),
    onReceipt(`${t}/transaction hash of another transaction`, (r: Doc) => ({ ...r, anchor: { ...r.anchor, txHash: flipHex(r.anchor.txHash) } }), {
      check: "anchor-transaction",
    }),
    onReceipt(`${t}/block hash of another block`, (r: Doc) => ({ ...r, anchor: { ...r.anchor, blockHash: flipHex(r.anchor.blockHash) } }), {
      check: "anchor-transaction",
    }),
    onReceipt(`${t}/metadata hash changed`, (r: Doc) => ({ ...r, batch: { ...r.batch, metadataHash: flipHex(r.batch.metadataHash) } }), {
      check: "anchor-transaction",
    }),
    onReceipt(`${t}/format of a future version`, (r: Doc) => ({ ...r, format: "provenance-receipt-v9" }), { code: "UNSUPPORTED_FORMAT" }),
    onReceipt(`${t}/unknown top-level field`, (r: Doc) => ({ ...r, verified: true }), { code: "INVALID_RECEIPT" }),
    onReceipt(`${t}/anchor field missing`, (r: Doc) => ({ ...r, anchor: { ...r.anchor, blockHash: undefined } }), { code: "INVALID_RECEIPT" }),
    onReceipt(`${t}/root without 0x`, (r: Doc) => ({ ...r, root: r.root.slice(2) }), { code: "INVALID_HEX" }),
    onReceipt(`${t}/block number as a string`, (r: Doc) => ({ ...r, anchor: { ...r.anchor, blockNumber: String(r.anchor.blockNumber) } }), {
      code: "INVALID_RECEIPT",
    }),
    onReceipt(`${t}/negative block number`, (r: Doc) => ({ ...r, anchor: { ...r.anchor, blockNumber: -1 } }), { code: "INVALID_RECEIPT" }),
    onReceipt(`${t}/fractional timestamp`, (r: Doc) => ({ ...r, anchor: { ...r.anchor, timestamp: r.anchor.timestamp + 0.5 } }), { code: "INVALID_RECEIPT" }),
    onReceipt(`${t}/proof of 65 siblings`, (r: Doc) => ({ ...r, proof: Array.from({ length: 65 }, () => r.root) }), { code: "INVALID_RECEIPT" }),
    onReceipt(
      `${t}/both a record and an envelope`,
      (r: Doc, e) => ({
        ...r,
        ...(r.record ? { envelope: JSON.parse(e.attestationReceipts[0]!).envelope } : { record: JSON.parse(e.recordReceipts[0]!).record }),
      }),
      { code: "INVALID_RECEIPT" },
    ),
  ] satisfies DocumentCase[];
});

const jsonCases: DocumentCase[] = [
  onRecordReceipt("json/duplicate key: root given twice", (r: Doc) => JSON.stringify(r).replace('"root":', `"root":"${flipHex(r.root)}","root":`), {
    code: "DUPLICATE_KEY",
  }),
  onRecordReceipt("json/duplicate key inside the record", (r: Doc) => JSON.stringify(r).replace('"sha256":', '"sha256":"00","sha256":'), {
    code: "DUPLICATE_KEY",
  }),
  onRecordReceipt("json/lone surrogate in a name", (r: Doc) => JSON.stringify(r).replace('"name":"', '"name":"\\ud800'), { code: "LONE_SURROGATE" }),
  onRecordReceipt("json/number beyond 2^53", (r: Doc) => JSON.stringify(r).replace(/"blockNumber":\d+/, '"blockNumber":9007199254740993'), {
    code: "NUMBER_OUT_OF_RANGE",
  }),
  onRecordReceipt("json/trailing comma", (r: Doc) => `${JSON.stringify(r).slice(0, -1)},}`, { code: "INVALID_JSON" }),
  onRecordReceipt("json/two documents", (r: Doc) => `${JSON.stringify(r)}${JSON.stringify(r)}`, { code: "INVALID_JSON" }),
  onRecordReceipt("json/truncated", (r: Doc) => JSON.stringify(r).slice(0, 100), { code: "INVALID_JSON" }),
  onRecordReceipt("json/nesting 1000 deep", () => `${"[".repeat(1000)}${"]".repeat(1000)}`, { code: "INVALID_JSON" }),
  onRecordReceipt("json/single quotes", (r: Doc) => JSON.stringify(r).replace(/"format"/, "'format'"), { code: "INVALID_JSON" }),
  onRecordReceipt("json/__proto__ key", (r: Doc) => JSON.stringify(r).replace("{", '{"__proto__":{"verified":true},'), { code: "INVALID_RECEIPT" }),
  onRecordReceipt(
    "json/record created in month 52 (found by the fuzz: crashed the parser)",
    (r: Doc) => ({ ...r, record: { ...r.record, createdAt: r.record.createdAt.replace(/-\d\d-/, "-52-") } }),
    { code: "INVALID_RECORD" },
  ),
  onRecordReceipt("json/an array instead of a receipt", (r: Doc) => [r], { code: "INVALID_RECEIPT" }),
  onBundle("json/duplicate key in a bundle's receipt", (b: Doc) => JSON.stringify(b).replace('"leaf":', '"leaf":"0x00","leaf":'), { code: "DUPLICATE_KEY" }),
  onEnvelope(
    "json/duplicate key inside a signed payload",
    (env: Doc) => ({ ...env, payload: b64(Buffer.from(env.payload, "base64").toString("utf8").replace('"_type":', '"_type":"x","_type":')) }),
    { code: "DUPLICATE_KEY" },
  ),
];

const dsseCases: DocumentCase[] = [
  onEnvelope(
    "dsse/payload statement subject digest changed",
    (env: Doc) => editStatement(env, (s) => (s.subject[0].digest.sha256 = flipHex(s.subject[0].digest.sha256))),
    { check: "signature" },
  ),
  onEnvelope("dsse/payload subject name changed", (env: Doc) => editStatement(env, (s) => (s.subject[0].name += "-forged")), { check: "signature" }),
  onEnvelope("dsse/payload re-encoded with whitespace", (env: Doc) => ({ ...env, payload: b64(JSON.stringify(unb64(env.payload), null, 1)) }), {
    check: "signature",
  }),
  onEnvelope("dsse/payload type changed", (env: Doc) => ({ ...env, payloadType: "application/json" }), { code: "WRONG_PAYLOAD_TYPE" }),
  onEnvelope(
    "dsse/signature byte flipped",
    (env: Doc) => ({
      ...env,
      signatures: env.signatures.map((s: Doc) => ({ ...s, sig: b64(Buffer.from(Buffer.from(s.sig, "base64").map((x, i) => (i === 5 ? x ^ 1 : x)))) })),
    }),
    { check: "signature" },
  ),
  onEnvelope("dsse/no signatures", (env: Doc) => ({ ...env, signatures: [] }), { code: "INVALID_ENVELOPE" }),
  onEnvelope("dsse/signature duplicated", (env: Doc) => ({ ...env, signatures: [env.signatures[0], env.signatures[0]] }), { code: "INVALID_ENVELOPE" }),
  onEnvelope(
    "dsse/keyid swapped for an unknown key",
    (env: Doc) => ({ ...env, signatures: [{ ...env.signatures[0], keyid: `sha256:${sha256("unknown")}` }] }),
    { check: "signing-key" },
  ),
  onEnvelope(
    "dsse/keyid of another address",
    (env: Doc) => ({ ...env, signatures: [{ ...env.signatures[0], keyid: "0x70997970c51812dc3a010c7d01b50e0d17dc79c8" }] }),
    { check: "signature" },
  ),
  onEnvelope("dsse/signature not base64", (env: Doc) => ({ ...env, signatures: [{ ...env.signatures[0], sig: "!!!" }] }), { code: "INVALID_BASE64" }),
  onEnvelope("dsse/payload not base64", (env: Doc) => ({ ...env, payload: "not base64 !" }), { code: "INVALID_BASE64" }),
  onEnvelope("dsse/statement type of another spec", (env: Doc) => editStatement(env, (s) => (s._type = "https://in-toto.io/Statement/v0.1")), {
    code: "INVALID_STATEMENT",
  }),
  onEnvelope("dsse/statement without subjects", (env: Doc) => editStatement(env, (s) => (s.subject = [])), { code: "INVALID_STATEMENT" }),
  onEnvelope("dsse/unknown predicate type", (env: Doc) => editStatement(env, (s) => (s.predicateType = "https://evil.example/v1")), {
    code: "UNKNOWN_PREDICATE",
  }),
  onAttestationReceipt(
    "dsse/envelope in a receipt edited after anchoring",
    (r: Doc) => ({ ...r, envelope: editStatement(r.envelope, (s) => (s.subject[0].name += "x")) }),
    { check: "signature" },
  ),
  onAttestationReceipt(
    "dsse/envelope swapped for another genuine envelope",
    (r: Doc, e) => ({ ...r, envelope: JSON.parse(e.attestationReceipts.find((t) => JSON.parse(t).leaf !== r.leaf)!).envelope }),
    { check: "record-leaf" },
  ),
  onAttestationReceipt("dsse/extra unsigned field in the envelope", (r: Doc) => ({ ...r, envelope: { ...r.envelope, note: "trust me" } }), {
    code: "INVALID_ENVELOPE",
  }),
];

const keyCases: DocumentCase[] = [
  onBundle(
    "keys/bundle public key swapped for an attacker's",
    (b: Doc, e) => ({ ...b, keys: b.keys.map((k: Doc) => (k.keyid === e.publicKeys[0]!.keyid ? { ...k, publicKey: e.publicKeys[1]!.publicKey } : k)) }),
    { code: "INVALID_KEY" },
  ),
  onBundle("keys/bundle key listed twice", (b: Doc) => ({ ...b, keys: [...b.keys, b.keys[0]] }), { code: "INVALID_BUNDLE" }),
  onBundle(
    "keys/bundle key labelled with the wrong algorithm",
    (b: Doc) => ({ ...b, keys: b.keys.map((k: Doc) => ({ ...k, algorithm: k.algorithm === "ed25519" ? "p256" : "ed25519" })) }),
    { code: "INVALID_KEY" },
  ),
  onBundle("keys/an approver's public key left out", (b: Doc) => ({ ...b, keys: b.keys.slice(1) }), { check: "signing-key" }),
];

const approvalCases: DocumentCase[] = [
  onBundle("approvals/one of two approvals left out", (b: Doc, e) => withoutReceipts(b, (r) => r === receiptsOfType(b, "approval", e.model.sha256)[0]), {
    check: "approval-quorum",
  }),
  onBundle("approvals/every approval left out", (b: Doc, e) => withoutReceipts(b, (r) => receiptsOfType(b, "approval", e.model.sha256).includes(r)), {
    check: "approval-quorum",
  }),
  onBundle(
    "approvals/one approval given twice",
    (b: Doc, e) => {
      const [first, second] = receiptsOfType(b, "approval", e.model.sha256);
      return { ...b, receipts: [...withoutReceipts(b, (r) => r === first).receipts, second] };
    },
    { check: "approval-quorum" },
  ),
  onBundle(
    "approvals/deployment left out while approvals are required",
    (b: Doc, e) => withoutReceipts(b, (r) => receiptsOfType(b, "deployment", e.model.sha256).includes(r)),
    { check: "approval-quorum" },
  ),
];

const lineageCases: DocumentCase[] = [
  onBundle("lineage/dataset attestation left out", (b: Doc) => withoutReceipts(b, (r) => receiptsOfType(b, "dataset").includes(r)), { check: "lineage" }),
  onBundle(
    "lineage/base model's attestations left out",
    (b: Doc, e) =>
      withoutReceipts(
        b,
        (r) =>
          r.envelope &&
          !unb64(r.envelope.payload).subject.some((s: Doc) => s.digest.sha256 === e.model.sha256) &&
          !unb64(r.envelope.payload).predicateType.includes("dataset"),
      ),
    { check: "lineage" },
  ),
  onBundle(
    "lineage/bundle about another model's digest",
    (b: Doc) => ({ ...b, subject: { ...b.subject, digest: { sha256: flipHex(b.subject.digest.sha256) } } }),
    { check: "artifact-digest" },
  ),
  onBundle(
    "lineage/every receipt of the model left out",
    (b: Doc, e) => withoutReceipts(b, (r) => r.envelope && unb64(r.envelope.payload).subject.some((s: Doc) => s.digest.sha256 === e.model.sha256)),
    { check: "lineage" },
  ),
  onBundle(
    "lineage/a receipt of the bundle tampered",
    (b: Doc) => ({ ...b, receipts: b.receipts.map((r: Doc, i: number) => (i === 0 ? { ...r, root: flipHex(r.root) } : r)) }),
    { check: "proof-root" },
  ),
  onBundle("lineage/bundle of a future format", (b: Doc) => ({ ...b, format: "provenance-bundle-v9" }), { code: "UNSUPPORTED_FORMAT" }),
  onBundle("lineage/bundle with no receipts", (b: Doc) => ({ ...b, receipts: [] }), { code: "INVALID_BUNDLE" }),
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
    const onReceipt = on(target);
    return [
      onReceipt(`${t}/timestamp moved a day later`, (r: Doc) => ({ ...r, anchor: { ...r.anchor, timestamp: r.anchor.timestamp + 86_400 } }), {
        check: "anchor-root",
      }),
      onReceipt(`${t}/organisation 0`, (r: Doc) => ({ ...r, anchor: { ...r.anchor, orgId: 0 } }), { code: "INVALID_RECEIPT" }),
      onReceipt(`${t}/chain id as a string`, (r: Doc) => ({ ...r, anchor: { ...r.anchor, chainId: String(r.anchor.chainId) } }), { code: "INVALID_RECEIPT" }),
      onReceipt(
        `${t}/proof sibling replaced by the leaf itself`,
        (r: Doc) => ({ ...r, proof: r.proof.map((p: string, i: number) => (i === 0 ? r.leaf : p)) }),
        { check: "proof-root" },
      ),
      onReceipt(`${t}/batch of zero leaves`, (r: Doc) => ({ ...r, batch: { ...r.batch, leafCount: 0 } }), { code: "INVALID_RECEIPT" }),
    ];
  }),
  // The record receipt: what the record says is bound by the leaf.
  onRecordReceipt(
    "record/subject digest swapped for another model's",
    (r: Doc) => ({ ...r, record: { ...r.record, subject: { ...r.record.subject, digest: { sha256: flipHex(r.record.subject.digest.sha256) } } } }),
    { check: "record-leaf" },
  ),
  onRecordReceipt("record/subject renamed", (r: Doc) => ({ ...r, record: { ...r.record, subject: { ...r.record.subject, name: "acme/trusted-model" } } }), {
    check: "record-leaf",
  }),
  onRecordReceipt("record/version changed", (r: Doc) => ({ ...r, record: { ...r.record, subject: { ...r.record.subject, version: "9.9.9" } } }), {
    check: "record-leaf",
  }),
  onRecordReceipt("record/creation time backdated", (r: Doc) => ({ ...r, record: { ...r.record, createdAt: "2020-01-01T00:00:00.000Z" } }), {
    check: "record-leaf",
  }),
  onRecordReceipt(
    "kind/the record's signed kind changed from file to directory",
    (r: Doc) => ({
      ...r,
      record: {
        ...r.record,
        subject: { ...r.record.subject, artifact: { ...r.record.subject.artifact, kind: "directory", hashing: "provenance-model-manifest-v2" } },
      },
    }),
    { check: "record-leaf" },
  ),
  onRecordReceipt(
    "kind/the record's kind removed (a v2 record must name it)",
    (r: Doc) => ({ ...r, record: { ...r.record, subject: { ...r.record.subject, artifact: undefined } } }),
    { code: "INVALID_RECORD" },
  ),
  onRecordReceipt(
    "hashing/the record's format rewritten to v1 (model hashing v1) keeping its fields",
    (r: Doc) => ({ ...r, record: { ...r.record, format: "provenance-record-v1" } }),
    { check: "hashing-version" },
  ),
  onRecordReceipt(
    "hashing/the frozen model hashing v1 receipt is refused by name",
    async () => JSON.parse(await (await import("node:fs/promises")).readFile(new URL("../vectors/receipt-v1.json", import.meta.url), "utf8")).receipt,
    { check: "hashing-version" },
  ),
  onRecordReceipt("hashing/the record's format of a future version", (r: Doc) => ({ ...r, record: { ...r.record, format: "provenance-record-v9" } }), {
    code: "UNSUPPORTED_FORMAT",
  }),
  // DSSE signatures: malleability and encodings.
  onEnvelope("dsse/secp256k1 signature malleated to high s (valid maths, refused)", (env: Doc) => editSig(env, highS), { check: "signature" }),
  onEnvelope("dsse/secp256k1 recovery id 0 instead of 27", (env: Doc) => editSig(env, (s) => Buffer.concat([s.subarray(0, 64), Buffer.from([s[64]! - 27])])), {
    check: "signature",
  }),
  onEnvelope("dsse/signature truncated to 64 bytes", (env: Doc) => editSig(env, (s) => s.subarray(0, 64)), { check: "signature" }),
  onEnvelope("dsse/signature with a byte appended", (env: Doc) => editSig(env, (s) => Buffer.concat([s, Buffer.from([0])])), { check: "signature" }),
  onEnvelope("dsse/signature of zeros", (env: Doc) => editSig(env, (s) => Buffer.alloc(s.length)), { check: "signature" }),
  onEnvelope(
    "dsse/payload with a second subject added",
    (env: Doc) => editStatement(env, (s) => s.subject.push({ name: "acme/other", digest: { sha256: sha256("other") } })),
    { check: "signature" },
  ),
  onEnvelope(
    "dsse/predicate value changed (the dataset's licence)",
    (env: Doc) => editStatement(env, (s) => (s.predicate = JSON.parse(JSON.stringify(s.predicate).replace('"CC-BY-4.0"', '"MIT"')))),
    { check: "signature" },
  ),
  onEnvelope("dsse/payload base64 without padding", (env: Doc) => ({ ...env, payload: env.payload.replace(/=+$/, "") || `${env.payload}A` }), {
    code: "INVALID_BASE64",
  }),
  onEnvelope("dsse/payload in base64url", (env: Doc) => ({ ...env, payload: `${env.payload.slice(0, -4)}-_${env.payload.slice(-2)}` }), {
    code: "INVALID_BASE64",
  }),
  onEnvelope("dsse/keyid in upper case", (env: Doc) => ({ ...env, signatures: [{ ...env.signatures[0], keyid: env.signatures[0].keyid.toUpperCase() }] }), {
    code: "INVALID_ENVELOPE",
  }),
  ...HOSTILE_TEXT.map(([what, text]) =>
    onEnvelope(`terminal/${what} in a keyid`, (env: Doc) => ({ ...env, signatures: [{ ...env.signatures[0], keyid: `${env.signatures[0].keyid}${text}` }] }), {
      code: "INVALID_ENVELOPE",
    }),
  ),
  ...HOSTILE_TEXT.map(([what, text]) =>
    onEnvelope(`terminal/${what} in a statement subject name`, (env: Doc) => editStatement(env, (s) => (s.subject[0].name = `model${text}`)), {
      code: "INVALID_STATEMENT",
    }),
  ),
  // Bundles: omissions the policy or a signed reference catches.
  onBundle(
    "omission/the model's manifest left out (default policy requires it)",
    (b: Doc, e) => withoutReceipts(b, (r) => receiptsOfType(b, "model-manifest", e.model.sha256).includes(r)),
    { check: "required-attestation" },
  ),
  onBundle(
    "omission/the fine-tune's training run left out (the model update names it)",
    (b: Doc, e) => withoutReceipts(b, (r) => receiptsOfType(b, "slsa.dev/provenance", e.model.sha256).includes(r)),
    { check: "lineage-reference" },
  ),
  onBundle(
    "omission/the base model's own training run left out (found by npm run fuzz: its dataset, and that dataset's revocation, dropped out of the lineage)",
    (b: Doc, e) =>
      withoutReceipts(b, (r) => receiptsOfType(b, "slsa.dev/provenance").includes(r) && !receiptsOfType(b, "slsa.dev/provenance", e.model.sha256).includes(r)),
    { check: "required-attestation" },
  ),
  onBundle(
    "omission/the base model's manifest left out (the training run names it)",
    (b: Doc, e) =>
      withoutReceipts(b, (r) => receiptsOfType(b, "model-manifest").includes(r) && !receiptsOfType(b, "model-manifest", e.model.sha256).includes(r)),
    { check: "lineage-reference" },
  ),
  onBundle(
    "omission/the fine-tune's dataset entry left out (the training run names it)",
    (b: Doc) => withoutReceipts(b, (r) => receiptsOfType(b, "dataset").some((d) => d === r && unb64(d.envelope.payload).subject[0].name === "dataset-tuned")),
    { check: "lineage" },
  ),
  onBundle(
    "bundle/receipts of another bundle's model spliced in (the subject is not the model)",
    (b: Doc, e) => ({ ...b, subject: { ...b.subject, digest: { sha256: e.fileModel.sha256 } } }),
    { check: "artifact-digest" },
  ),
  onBundle("bundle/unknown top-level field (verified: true)", (b: Doc) => ({ ...b, verified: true }), { code: "INVALID_BUNDLE" }),
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
