import { randomBytes } from "node:crypto";
import { cp, mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deployRegistry, registerOrganisation } from "../chain/registry.js";
import { startEmbeddedChain, DEV_PRIVATE_KEY } from "../embeddedChain.js";
import { VerificationError } from "../errors/verification.js";
import { hashModel } from "../hashing/hashModel.js";
import { compareManifests } from "../hashing/compareManifests.js";
import { addRecord, anchorBatches, buildReceipt, sealBatch } from "../ledger.js";
import { parseReceipt, serializeReceipt, type Receipt } from "../receipt.js";
import { createRecord } from "../record.js";
import { LedgerStore } from "../store/ledgerStore.js";
import { verifyReceipt } from "../verify/verifyReceipt.js";
import type { CommandContext } from "./commands.js";
import { connectReader, connectWriter } from "./connect.js";
import { formatTime } from "./output.js";

/**
 * `provenance demo`: the whole flow on an embedded chain. Records a small generated model,
 * anchors it, verifies its receipt, and shows that a modified copy and a tampered receipt fail.
 * Exit 0 only if the genuine model verified and every tampered input was refused.
 */
export async function demo({ out }: CommandContext): Promise<number> {
  const work = await mkdtemp(join(tmpdir(), "provenance-demo-"));
  const chain = await startEmbeddedChain();
  const store = LedgerStore.open(join(work, ".provenance"));
  try {
    out.say(`1. Embedded chain (Hardhat EDR, chain ${chain.chainId}) serving JSON-RPC at ${chain.rpcUrl}`);
    const writer = await connectWriter(chain.rpcUrl, DEV_PRIVATE_KEY, 30_000);
    const { registry, receipt: deployed } = await deployRegistry(writer);
    out.say(`2. Deployed ProvenanceRegistry at ${registry} (gas ${deployed.gasUsed})`);
    const { orgId } = await registerOrganisation(writer, registry, { name: "Demo AI Lab" });
    out.say(`3. Registered organisation ${orgId} "Demo AI Lab"; ${writer.account} is its admin and anchorer`);

    const model = join(work, "fraud-detector");
    await generateModel(model);
    const digest = await hashModel(model);
    const record = createRecord({
      subject: {
        name: "demo/fraud-detector",
        version: "1.0.0",
        digest: { sha256: digest.sha256 },
        artifact: { kind: "directory", hashing: "provenance-model-manifest-v1", size: digest.size, files: digest.fileCount },
      },
      fields: { stage: "deployment-candidate", pipeline: "demo" },
    });
    addRecord(store, record);
    // A few more records share the batch, so the receipt carries a real Merkle proof.
    for (const [i, name] of ["dataset/transactions-2026q3", "demo/fraud-detector-int8", "demo/tokenizer"].entries())
      addRecord(store, createRecord({ type: i === 0 ? "dataset-registered" : "model-registered", subject: { name, version: "1.0.0", digest: { sha256: randomBytes(32).toString("hex") } } }));
    out.say(`4. Generated a model at ${model} (${digest.fileCount} files, ${digest.size} bytes) and recorded it`);
    out.say(`   model sha256 ${digest.sha256} (over its file manifest), plus 3 other records pending`);

    const batch = sealBatch(store)!;
    const [anchored] = await anchorBatches(store, writer, { registry, orgId, confirmations: 1 });
    const tx = await writer.getTransactionReceipt(anchored!.anchor!.txHash);
    out.say(`5. Sealed ${batch.leafCount} records into batch root ${batch.root}`);
    out.say(`   anchored at block ${anchored!.anchor!.blockNumber} in tx ${anchored!.anchor!.txHash} (gas ${tx?.gasUsed})`);

    const receipt = buildReceipt(store, digest.sha256);
    const receiptFile = join(work, "fraud-detector.receipt.json");
    await writeFile(receiptFile, serializeReceipt(receipt));
    out.say(`6. Wrote the receipt to ${receiptFile} (proof of ${receipt.proof.length} hashes)`);

    // The verifier's side: a receipt file, the model files, an RPC URL, and pins it chose itself.
    const verifier = connectReader(chain.rpcUrl, 10_000);
    const pins = { chain: verifier, chainId: chain.chainId, registry, acceptedOrgIds: [orgId] };
    const parsed = parseReceipt(await readFile(receiptFile, "utf8"));
    const ok = await verifyReceipt({ ...pins, receipt: parsed, artifactSha256: (await hashModel(model)).sha256 });
    out.say(`7. Verifying the receipt with the original model files:`);
    out.say(`   VERIFIED: registered at block ${ok.blockNumber} (${formatTime(ok.timestamp)}) by organisation ${ok.organisation.id} "${ok.organisation.name}" in transaction ${ok.txHash}`);
    out.say(`   checks passed: ${ok.checks.join(", ")}`);

    let refused = 0;
    const expectRefusal = async (label: string, run: () => Promise<unknown>): Promise<void> => {
      try {
        await run();
        out.say(`   ${label}: VERIFIED — this must not happen`);
      } catch (error) {
        if (!(error instanceof VerificationError)) throw error;
        refused++;
        out.say(`   ${label}: NOT VERIFIED (check "${error.check}" failed: ${error.shortMessage})`);
      }
    };
    out.say(`8. Tampering is refused:`);
    const modified = join(work, "fraud-detector-modified");
    await cp(model, modified, { recursive: true });
    const weights = join(modified, "model.safetensors");
    const bytes = await readFile(weights);
    bytes[1000] = bytes[1000]! ^ 0x01;
    await writeFile(weights, bytes);
    const modifiedDigest = await hashModel(modified);
    const changed = compareManifests(digest.manifest!, modifiedDigest.manifest!);
    await expectRefusal(`a copy with one bit flipped in model.safetensors`, () => verifyReceipt({ ...pins, receipt: parsed, artifactSha256: modifiedDigest.sha256 }));
    out.say(`     the manifests differ in: ${JSON.stringify(changed)}`);
    const flip = (hex: string): `0x${string}` => `0x${hex.slice(2, -1)}${hex.endsWith("0") ? "1" : "0"}`;
    await expectRefusal("the receipt with one proof element changed", () => verifyReceipt({ ...pins, receipt: { ...parsed, proof: [flip(parsed.proof[0]!), ...parsed.proof.slice(1)] } }));
    await expectRefusal("the receipt with its root changed", () => verifyReceipt({ ...pins, receipt: { ...parsed, root: flip(parsed.root) } as Receipt }));
    await expectRefusal("the receipt checked against another registry", () => verifyReceipt({ ...pins, registry: "0x000000000000000000000000000000000000dead", receipt: parsed }));
    out.result({ verified: true, refusedTampered: refused, receiptFile, registry, orgId }, [
      refused === 4 ? `Demo complete: the genuine model verified and all ${refused} tampered inputs were refused. Files are in ${work}` : `Demo FAILED: only ${refused} of 4 tampered inputs were refused`,
    ]);
    return refused === 4 ? 0 : 1;
  } finally {
    store.close();
    await chain.close();
  }
}

/** A small, deterministic-looking model directory: config, tokenizer and ~256 KiB of weights. */
async function generateModel(dir: string): Promise<void> {
  await mkdir(join(dir, "tokenizer"), { recursive: true });
  await writeFile(join(dir, "config.json"), JSON.stringify({ architecture: "mlp", layers: [64, 32, 2], task: "fraud-detection" }, null, 2));
  await writeFile(join(dir, "tokenizer", "vocab.txt"), Array.from({ length: 500 }, (_, i) => `token${i}`).join("\n"));
  await writeFile(join(dir, "model.safetensors"), randomBytes(256 * 1024));
}
