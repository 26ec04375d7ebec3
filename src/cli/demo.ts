import { randomBytes } from "node:crypto";
import { cp, mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { envelopeHash } from "../formats/attestation/dsse.js";
import { proveKeyPossession } from "../formats/attestation/keyPossession.js";
import { type KeyFile, generateKeyFile, keyFileFromEthereumKey, onChainRole, signerFromKeyFile } from "../local/keys/keys.js";
import { type EvidenceBundle, parseBundle, serializeBundle } from "../formats/bundle.js";
import { buildBundle } from "../ledger/buildBundle.js";
import { type VerifiedBundle, verifyBundle } from "../verify/verifyBundle.js";
import { deployRegistry, registerOrganisation, registerSigningKey } from "../chain/registry.js";
import type { ChainWriter } from "../chain/types.js";
import { DEV_PRIVATE_KEY, startEmbeddedChain } from "../chain/embeddedChain.js";
import { type JsonRpcTransport, type TrustReport, type TrustedChainReader, httpTransport, rpcTrustedReader } from "../chain/trustMode.js";
import { invalidArgument } from "./usage.js";
import { LightClientError } from "../core/errors/lightClient.js";
import { VerificationError } from "../core/errors/verification.js";
import { createLightChainReader } from "../verify/lightclient/lightReader.js";
import { type QbftTrust, parseQbftTrust, serializeQbftTrust } from "../verify/lightclient/trustFile.js";
import { testValidators } from "../local/qbftDevNode/sealer.js";
import { type QbftTestNode, startQbftTestNode } from "../local/qbftDevNode/testNode.js";
import { hashModel } from "../local/hashing/hashModel.js";
import { artifactFromModelDigest } from "../verify/artifact.js";
import type { Hex } from "../core/hex.js";
import { anchorBatches, sealBatch } from "../ledger/ledger.js";
import { renderLineage } from "../verify/lineage/renderLineage.js";
import {
  type Artifact,
  type PipelineContext,
  approveModel,
  collectDataset,
  recordDeployment,
  recordEvaluation,
  recordTraining,
  revokeModel,
} from "../ledger/pipeline/modelPipeline.js";
import { publishRevocation } from "../ledger/pipeline/publishRevocation.js";
import { LedgerStore } from "../ledger/store/ledgerStore.js";
import { verdictLines } from "./attestCommands.js";
import type { CommandContext } from "./commands.js";
import { connectReader, connectWriter } from "../chain/connect.js";
import { type Output, note } from "./output.js";
import { DEFAULT_MAX_HEAD_AGE_SECONDS, txHashNote } from "./pins.js";
import { demoSafetensors, demoWatermark } from "./demoWatermark.js";

const POLICY = { id: "eu-ai-act-high-risk-release-v1", threshold: 2, role: "approver" } as const;

/**
 * `provenance demo`: the whole pipeline on an embedded chain. An organisation registers its
 * signing keys on chain; a base model and its fine-tune go through data collection, training,
 * validation, two-person approval and deployment, every stage a signed attestation; the batch is
 * anchored; the fine-tune's evidence bundle is verified by a third party holding only the bundle,
 * the model files and an RPC URL; the verdict names the model from its signed manifest and says
 * in which block, by which organisation (its name read from the chain) and in which transaction it
 * was registered. Then tampered and incomplete bundles are refused, and revoking the base model on
 * chain marks the fine-tune as derived from a revoked model, even when the verifier checks the
 * bundle made before the revocation. Exit 0 only if all of that happened.
 *
 * `--trust-mode light`: the same pipeline on the embedded chain presented as a Besu QBFT chain,
 * sealed by four test validators (src/local/qbftDevNode/); the verifier pins those validators
 * (a provenance-qbft-trust-v1 file) and proves every chain fact against headers they sealed, never
 * trusting the node. Every verdict names its trust mode.
 */
export async function demo({ out: printer, flags }: CommandContext): Promise<number> {
  // Under --json stdout is one document (the result, with each step's outcome); the narration goes to stderr.
  const out: Output = flags.json ? { ...printer, say: note } : printer;
  const mode = flags["trust-mode"] ?? "rpc";
  if (mode !== "rpc" && mode !== "light")
    invalidArgument(`the demo runs in --trust-mode rpc or light (light: on a QBFT chain sealed by test validators), not "${mode}"`);
  const steps: Record<string, unknown>[] = [];
  const work = await mkdtemp(join(tmpdir(), "provenance-demo-"));
  const chain = await startEmbeddedChain();
  let qbft: QbftTestNode | undefined;
  const store = LedgerStore.open(join(work, ".provenance"));
  try {
    let rpcUrl = chain.rpcUrl;
    if (mode === "light") {
      // The whole demo (writes included) goes through the QBFT front, so receipts name QBFT block hashes.
      const upstream = httpTransport(chain.rpcUrl, 30_000);
      qbft = startQbftTestNode({
        upstream: (method, params) => upstream({ method, params }),
        chainId: chain.chainId,
        registry: `0x${"00".repeat(20)}`,
        validators: testValidators(4),
        selection: { mode: "header" },
      });
      rpcUrl = await qbft.listen();
      out.say(
        `1. Embedded chain (Hardhat EDR, chain ${chain.chainId}) presented as a Besu QBFT chain sealed by 4 test validators, serving JSON-RPC at ${rpcUrl}`,
      );
    } else out.say(`1. Embedded chain (Hardhat EDR, chain ${chain.chainId}) serving JSON-RPC at ${rpcUrl}`);
    const writer = await connectWriter(rpcUrl, DEV_PRIVATE_KEY, 30_000);
    const { registry } = await deployRegistry(writer);
    const { orgId } = await registerOrganisation(writer, registry, { name: "Demo AI Lab" });
    out.say(`   deployed ProvenanceRegistry at ${registry}; registered organisation ${orgId} "Demo AI Lab" (admin and anchorer ${writer.account})`);
    const verifier = await demoVerifier(mode, rpcUrl, work, qbft, registry);
    if (verifier.trustFile)
      out.say(`   the verifier pins the validator set in ${verifier.trustFile} (genesis block and its 4 validators): light mode trusts them, not the node`);
    steps.push({
      step: 1,
      name: "chain",
      chainId: chain.chainId,
      registry,
      orgId,
      admin: writer.account,
      trustMode: mode,
      ...(verifier.trustFile ? { validatorTrustFile: verifier.trustFile } : {}),
    });
    const registered: Record<string, unknown>[] = [];

    // Keys: the pipeline signs with the organisation's Ethereum account; people have their own keys.
    const keys = {
      pipeline: keyFileFromEthereumKey(DEV_PRIVATE_KEY),
      steward: generateKeyFile("p256"),
      alice: generateKeyFile("ed25519"),
      bob: generateKeyFile("p256"),
    };
    for (const [who, key, role] of [
      ["pipeline", keys.pipeline, "ml-pipeline"],
      ["data steward", keys.steward, "data-steward"],
      ["approver Alice", keys.alice, "approver"],
      ["approver Bob", keys.bob, "approver"],
    ] as const) {
      const possession = await proveKeyPossession(signerFromKeyFile(key), { chainId: chain.chainId, registry, orgId, role: onChainRole(role) });
      await registerSigningKey(writer, registry, { orgId, role: onChainRole(role), possession });
      out.say(`2. registered the ${who}'s ${key.algorithm} key ${key.keyid.slice(0, 24)}… with role "${role}"`);
      registered.push({ who, algorithm: key.algorithm, keyid: key.keyid, role });
    }
    steps.push({ step: 2, name: "keys", keys: registered });

    const context: PipelineContext = { store, key: keys.pipeline };
    const base = await runPipeline(context, keys, work, { name: "demo/fraud-detector-base", step: 3 }, out.say);
    const fineTune = await runPipeline(context, keys, work, { name: "demo/fraud-detector-eu", step: 4, base }, out.say);
    for (const [step, m] of [
      [3, base],
      [4, fineTune],
    ] as const)
      steps.push({
        step,
        name: "pipeline",
        model: m.name,
        sha256: m.sha256,
        dataset: { name: m.dataset.name, sha256: m.dataset.sha256 },
        entries: m.entries,
        approvals: m.approvals,
      });

    const anchored = await anchorAll(store, writer, registry, orgId);
    out.say(`5. Anchored ${anchored.leaves} signed attestations in ${anchored.batches} batch(es) at block ${anchored.block}`);
    steps.push({ step: 5, name: "anchor", ...anchored });

    // The third party: a bundle file, the model files, an RPC URL, and pins of its own.
    const bundleFile = join(work, "fraud-detector-eu.bundle.json");
    await writeFile(bundleFile, serializeBundle(buildBundle(store, fineTune.sha256)));
    const bundle = parseBundle(await readFile(bundleFile, "utf8"));
    const hashedFineTune = await hashModel(fineTune.path);
    const pins = { chainId: chain.chainId, registry, requireApprovals: 2, ...(mode === "light" ? { maxHeadAgeSeconds: DEFAULT_MAX_HEAD_AGE_SECONDS } : {}) };
    const { value: result, report } = await verifier.verified((c) =>
      verifyBundle({ ...pins, chain: c, bundle, artifact: artifactFromModelDigest(hashedFineTune) }),
    );
    out.say(`6. Wrote the evidence bundle (${bundle.receipts.length} envelopes with receipts, ${bundle.keys.length} public keys) to ${bundleFile}`);
    out.say(
      `   A verifier holding only the bundle, the model files and the RPC URL${mode === "light" ? " (and its pinned validators)" : ""} checks it (default verification policy):`,
    );
    printResult(out, result, report);
    steps.push({
      step: 6,
      name: "verify-bundle",
      bundleFile,
      verdict: result.verdict,
      envelopes: bundle.receipts.length,
      keys: bundle.keys.length,
      trustMode: report.trustMode,
      trusted: report,
    });

    let refused = 0;
    const refusals: Record<string, unknown>[] = [];
    const expectRefusal = async (label: string, run: () => Promise<unknown>): Promise<void> => {
      try {
        await run();
        out.say(`   ${label}: VERIFIED — this must not happen`);
        refusals.push({ input: label, refused: false, trustMode: mode });
      } catch (error) {
        if (!(error instanceof VerificationError || error instanceof LightClientError)) throw error;
        refused++;
        refusals.push({ input: label, refused: true, check: error.check, trustMode: mode });
        out.say(`   ${label}: NOT VERIFIED in trust mode ${mode} (check "${error.check}": ${error.shortMessage.slice(0, 160)})`);
      }
    };
    out.say("7. Tampering and omission are refused:");
    const modified = join(work, "modified");
    await cp(fineTune.path, modified, { recursive: true });
    const weights = join(modified, "model.safetensors");
    const bytes = await readFile(weights);
    bytes[1000] = bytes[1000]! ^ 0x01;
    await writeFile(weights, bytes);
    const hashedModified = await hashModel(modified);
    await expectRefusal("model files with one bit flipped", () =>
      verifier.verified((c) => verifyBundle({ ...pins, chain: c, bundle, artifact: artifactFromModelDigest(hashedModified) })),
    );
    await expectRefusal("an envelope whose payload was edited", () =>
      verifier.verified((c) => verifyBundle({ ...pins, chain: c, bundle: tamperPayload(bundle) })),
    );
    await expectRefusal("the bundle without Bob's approval", () =>
      verifier.verified((c) => verifyBundle({ ...pins, chain: c, bundle: withoutEntry(bundle, fineTune.approvals[1]!) })),
    );
    await expectRefusal("the bundle without the dataset attestation", () =>
      verifier.verified((c) => verifyBundle({ ...pins, chain: c, bundle: withoutEntry(bundle, fineTune.dataset.entry) })),
    );
    await expectRefusal("the bundle without the fine-tune's training run", () =>
      verifier.verified((c) => verifyBundle({ ...pins, chain: c, bundle: withoutEntry(bundle, fineTune.entries["training-run"]!) })),
    );

    steps.push({ step: 7, name: "tampering", refusals });
    out.say("8. The base model is revoked (data-licence problem): the revocation is anchored and set on chain.");
    const revocation = await revokeModel(context, base, {
      reason: "data-licence",
      description: "the licence of transactions-2025 does not cover model training",
    });
    const published = await publishRevocation(store, writer, { registry, orgId, entryHash: revocation, confirmations: 1 });
    out.say(
      `   revocation ${revocation.slice(0, 18)}… anchored at block ${published.anchoredAt}; revokeSubject at block ${published.receipts[0]!.blockNumber}`,
    );
    out.say("   The verifier checks the SAME bundle file as before (it holds no revocation): the chain says the base is revoked.");
    const sameBundle = parseBundle(await readFile(bundleFile, "utf8"));
    const { value: after, report: reportAfter } = await verifier.verified((c) => verifyBundle({ ...pins, chain: c, bundle: sameBundle }));
    printResult(out, after, reportAfter);
    const revocationSeen = after.verdict === "derived-from-revoked" && after.revocation.findings.some((f) => f.source === "chain" && f.sha256 === base.sha256);
    // Light mode's point: a node that lies is caught. This one hides the revocation (every registry
    // value it reports is zero, its proof nodes untouched); an rpc-mode verifier would believe it.
    let lieRefused: string | undefined;
    if (mode === "light") {
      try {
        await verifier.verified((c) => verifyBundle({ ...pins, chain: c, bundle: sameBundle }), hideRegistryValues);
        out.say("   a node hiding the revocation: VERIFIED — this must not happen");
      } catch (error) {
        if (!(error instanceof LightClientError)) throw error;
        lieRefused = error.check;
        out.say(
          `   a node hiding the revocation (it reports every registry slot as empty): NOT VERIFIED in trust mode light (check "${error.check}": ${error.shortMessage.slice(0, 120)})`,
        );
      }
    }
    steps.push({
      step: 8,
      name: "revocation",
      entryHash: revocation,
      anchoredAt: published.anchoredAt,
      revokedAt: Number(published.receipts[0]!.blockNumber),
      verdictAfter: after.verdict,
      seenOnChain: revocationSeen,
      trustMode: reportAfter.trustMode,
      ...(mode === "light" ? { lyingNode: { refused: lieRefused !== undefined, check: lieRefused } } : {}),
    });
    const watermarked = await demoWatermark(out, {
      context,
      work,
      model: fineTune,
      anchor: async () => ({ block: (await anchorAll(store, writer, registry, orgId)).block }),
      pins: { chain: verifier.reader, chainId: pins.chainId, registry },
      step: 9,
    });

    steps.push({ step: 9, name: "watermark", detected: watermarked });
    const ok = result.verdict === "verified" && refused === 5 && revocationSeen && watermarked && (mode === "rpc" || lieRefused !== undefined);
    printer.result(
      {
        verified: result.verdict === "verified",
        trustMode: mode,
        model: result.model,
        registration: result.registration,
        revocationCheckedAt: result.revocation.checkedAt,
        refusedTampered: refused,
        revocationPropagated: revocationSeen,
        afterRevocation: { verdict: after.verdict, revocation: after.revocation },
        watermarkDetected: watermarked,
        bundleFile,
        registry,
        orgId,
        ok,
        steps,
      },
      [
        ok
          ? `Demo complete${mode === "light" ? " in trust mode light (every chain fact but transaction hashes proven against headers sealed by the pinned QBFT validators; a node hiding the revocation was refused)" : ""}: the fine-tune's whole history verified, all ${refused} tampered or incomplete bundles were refused, revoking its base model on chain marked it derived from a revoked model (even in a bundle made before), and a leaked quantised copy carried the watermark whose key commitment was anchored. Files are in ${work}`
          : `Demo FAILED: verdict ${result.verdict}, ${refused} of 5 tampered inputs refused, revocation ${revocationSeen ? "" : "not "}read from the chain, watermark ${watermarked ? "" : "not "}detected${mode === "light" ? `, lying node ${lieRefused ? "" : "not "}refused` : ""}`,
      ],
    );
    return ok ? 0 : 1;
  } finally {
    store.close();
    await qbft?.close();
    await chain.close();
  }
}

type DemoVerifier = {
  /** light: the validator trust file the verifier pins (written by the demo, read back like any pin). */
  readonly trustFile: string | undefined;
  /** A reader for one verification (light: from the checkpoint the last completed one saved). */
  reader(): TrustedChainReader;
  /** Runs one verification with a fresh reader and says what it trusted; light: saves the checkpoint after its verified head. */
  verified<T>(
    run: (chain: TrustedChainReader) => Promise<T>,
    lie?: (transport: JsonRpcTransport) => JsonRpcTransport,
  ): Promise<{ value: T; report: TrustReport }>;
};

/**
 * The third party's chain access. rpc: the node, trusted. light: the QBFT test node's genesis
 * validators pinned in a trust file; a fresh light reader per verification (its head is fixed once
 * verified, and a revocation comes later), resuming from the checkpoint the previous one saved.
 */
async function demoVerifier(mode: "rpc" | "light", url: string, work: string, qbft: QbftTestNode | undefined, registry: Hex): Promise<DemoVerifier> {
  if (mode === "rpc") {
    const reader = () => rpcTrustedReader(connectReader(url, 10_000), url);
    return {
      trustFile: undefined,
      reader,
      verified: async (run) => {
        const chain = reader();
        const value = await run(chain);
        return { value, report: await chain.trustReport() };
      },
    };
  }
  const trustFile = join(work, "validators.json");
  const checkpointFile = join(work, "checkpoint.json");
  await writeFile(trustFile, serializeQbftTrust({ ...(await qbft!.trustAt(0n)), registry: registry.toLowerCase() as Hex }));
  // Read back as a verifier reads its pin (parsed strictly), not handed over in memory.
  const trust = parseQbftTrust(JSON.parse(await readFile(trustFile, "utf8")), `QBFT trust file ${trustFile}`);
  let checkpoint: QbftTrust | undefined;
  const light = (lie = (t: JsonRpcTransport) => t) =>
    createLightChainReader({ transport: lie(httpTransport(url, 10_000)), trust, checkpoint, validatorsSource: `QBFT trust file ${trustFile}`, node: url });
  return {
    trustFile,
    reader: () => light(),
    verified: async (run, lie) => {
      const chain = light(lie);
      const value = await run(chain);
      checkpoint = await chain.checkpoint();
      await writeFile(checkpointFile, serializeQbftTrust(checkpoint));
      return { value, report: await chain.trustReport() };
    },
  };
}

/** A lying node: every storage value its eth_getProof answers report is zero (the proof nodes are the real ones). */
function hideRegistryValues(transport: JsonRpcTransport): JsonRpcTransport {
  return async (args) => {
    const answer = await transport(args);
    if (args.method !== "eth_getProof" || answer === null || typeof answer !== "object") return answer;
    const proof = answer as { storageProof?: { value: string }[] };
    return { ...proof, storageProof: proof.storageProof?.map((p) => ({ ...p, value: "0x0" })) };
  };
}

/** The verdict's trust-mode line: what the verification trusted. */
function trustLine(report: TrustReport): string {
  if (report.trustMode === "light")
    return `trust mode: light: trusted ${
      report.checkpoint.from === "checkpoint"
        ? `the checkpoint the demo saved at block ${report.checkpoint.number} (its ${report.checkpoint.validators.length} validators)`
        : `the ${report.validators.length} pinned QBFT validators (${report.validatorsSource})`
    }, not the node; head block ${report.head.number} verified by walking ${report.headersVerified} header(s) from ${report.checkpoint.from === "checkpoint" ? "checkpoint" : "pinned"} block ${report.checkpoint.number}, each sealed by a quorum of the set in force; every fact proven against it but transaction hashes (as the node reported them, not proven)`;
  return `trust mode: ${report.trustMode}: the node's answers (${report.node as string}) were trusted as they are`;
}

type DemoKeys = { pipeline: KeyFile; steward: KeyFile; alice: KeyFile; bob: KeyFile };

async function runPipeline(
  context: PipelineContext,
  keys: DemoKeys,
  work: string,
  p: { name: string; step: number; base?: Artifact },
  say: (line: string) => void,
): Promise<Artifact & { path: string; entry: Hex; entries: Record<string, Hex>; dataset: Artifact & { entry: Hex }; approvals: Hex[] }> {
  const tag = p.base ? "eu" : "base";
  say(`${p.step}. Pipeline for ${p.name}${p.base ? ` (fine-tune of ${p.base.name})` : ""}:`);
  const dataDir = join(work, `transactions-${tag}`);
  await mkdir(dataDir, { recursive: true });
  await writeFile(join(dataDir, "part-0000.csv"), randomBytes(64 * 1024).toString("hex"));
  await writeFile(join(work, `licence-${tag}.txt`), `Data licence for transactions-${tag}: model training permitted.`);
  const licence = await hashModel(join(work, `licence-${tag}.txt`));
  const start = new Date();
  const dataset = await collectDataset(context, {
    path: dataDir,
    key: keys.steward,
    name: p.base ? "transactions-eu-2026" : "transactions-2025",
    source: { uri: `s3://demo-lake/transactions/${tag}/`, collectedFrom: "payments core ledger" },
    licence: { spdxId: "LicenseRef-Demo-Internal", document: { name: "licence.txt", digest: { sha256: licence.sha256 } } },
    personalData: true,
    accessEvents: [{ actor: "etl-service", action: "collected", at: start, purpose: "fraud model training" }],
  });
  say(`   data collection: ${dataset.name} sha256 ${dataset.sha256.slice(0, 16)}…, licence and consent hashed, signed by the data steward`);
  const modelPath = join(work, p.name.replace("/", "-"));
  await generateModel(modelPath, p.base ? "fine-tune" : "base");
  const model = await recordTraining(context, {
    modelPath,
    name: p.name,
    datasets: [dataset],
    ...(p.base ? { baseModel: p.base } : {}),
    hyperparameters: p.base ? { learningRate: 0.0001, epochs: 3, batchSize: 64, frozenLayers: 2 } : { learningRate: 0.001, epochs: 20, batchSize: 256 },
    codeCommit: "4f2a9c1d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39",
    codeUri: "git+https://git.example/demo/fraud-detector",
    builder: { id: "https://ci.example/demo/training-runner", version: { runner: "1.4.2" } },
    startedOn: start,
    finishedOn: new Date(start.getTime() + 1000),
    modelCard: { approach: "supervised", task: "fraud-detection", architectureFamily: "mlp", modelArchitecture: "mlp-64-32-2" },
  });
  say(
    `   training: model sha256 ${model.sha256.slice(0, 16)}… — file manifest (per-file Merkle root), SLSA training run, environment, CycloneDX ML-BOM${p.base ? ", fine-tune link to the base model" : ""}`,
  );
  await recordEvaluation(context, model, {
    dataset: { name: `${dataset.name}-holdout`, digest: { sha256: dataset.sha256 } },
    metrics: [
      { name: "auc", value: p.base ? 0.94 : 0.91, threshold: { operator: ">=", value: 0.9 } },
      { name: "false-positive-rate", value: 0.012, threshold: { operator: "<=", value: 0.02 } },
    ],
  });
  say("   validation: AUC and false-positive rate against the hold-out set, thresholds met");
  const approvals = [
    await approveModel(context, model, { key: keys.alice, approverName: "Alice (model risk)", role: POLICY.role, policyId: POLICY.id }),
    await approveModel(context, model, { key: keys.bob, approverName: "Bob (compliance)", role: POLICY.role, policyId: POLICY.id }),
  ];
  say(`   approval: Alice (ed25519) and Bob (P-256) approved under ${POLICY.id} (2 of 2 required)`);
  await recordDeployment(context, model, {
    environment: "production",
    target: { name: `fraud-scoring-${tag}`, uri: `https://scoring.example/${tag}` },
    deployer: { name: "release-bot", role: "ml-pipeline" },
    approvalPolicy: POLICY,
  });
  say(`   deployment: production, fraud-scoring-${tag}`);
  return { ...model, path: modelPath, dataset, approvals };
}

async function anchorAll(store: LedgerStore, writer: ChainWriter, registry: Hex, orgId: number): Promise<{ leaves: number; batches: number; block: number }> {
  const batch = sealBatch(store);
  const anchored = await anchorBatches(store, writer, { registry, orgId, confirmations: 1 });
  return { leaves: batch?.leafCount ?? 0, batches: anchored.length, block: anchored.at(-1)?.anchor?.blockNumber ?? 0 };
}

function printResult(out: CommandContext["out"], result: VerifiedBundle, report: TrustReport): void {
  for (const line of verdictLines(result, undefined, txHashNote(report, false))) out.say(`   ${line}`);
  out.say(`     ${trustLine(report)}`);
  const marks = new Map<string, string[]>();
  for (const f of result.revocation.findings) marks.set(f.sha256, ["REVOKED"]);
  if (result.revocation.derivedFromRevoked.length) marks.set(result.model.sha256, ["derived from a revoked model"]);
  for (const line of renderLineage(result.graph, result.model.sha256, "text", marks).trimEnd().split("\n")) out.say(`     ${line}`);
}

function withoutEntry(bundle: EvidenceBundle, entryHash: Hex): EvidenceBundle {
  return { ...bundle, receipts: bundle.receipts.filter((r) => r.envelope === undefined || envelopeHash(r.envelope) !== entryHash) };
}

function tamperPayload(bundle: EvidenceBundle): EvidenceBundle {
  const receipts = bundle.receipts.map((r, i) => {
    if (i !== 0 || r.envelope === undefined) return r;
    const statement = JSON.parse(Buffer.from(r.envelope.payload, "base64").toString("utf8"));
    statement.subject[0].name = `${statement.subject[0].name}-forged`;
    return { ...r, envelope: { ...r.envelope, payload: Buffer.from(JSON.stringify(statement)).toString("base64") } };
  });
  return { ...bundle, receipts };
}

/** A small model directory: config, tokenizer and ~256 KiB of weights. */
async function generateModel(dir: string, kind: string): Promise<void> {
  await mkdir(join(dir, "tokenizer"), { recursive: true });
  await writeFile(join(dir, "config.json"), JSON.stringify({ architecture: "mlp", layers: [64, 32, 2], task: "fraud-detection", kind }, null, 2));
  await writeFile(join(dir, "tokenizer", "vocab.txt"), Array.from({ length: 500 }, (_, i) => `token${i}`).join("\n"));
  await writeFile(join(dir, "model.safetensors"), demoSafetensors());
}
