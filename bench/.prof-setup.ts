// temporary profiling setup (not committed)
import { writeFile } from "node:fs/promises";
import { parseBundle, serializeBundle } from "../src/formats/bundle.js";
import { buildBundle } from "../src/ledger/buildBundle.js";
import { embedOfflineKit } from "../src/verify/offlineBundle.js";
import { httpTransport } from "../src/chain/trustMode.js";
import type { Hex } from "../src/core/hex.js";
import { anchorBatches, sealBatch } from "../src/ledger/ledger.js";
import { serializeQbftTrust } from "../src/verify/lightclient/trustFile.js";
import { recordEvaluation } from "../src/ledger/pipeline/modelPipeline.js";
import { testValidators } from "../src/local/qbftDevNode/sealer.js";
import { type QbftTestNode, startQbftTestNode } from "../src/local/qbftDevNode/testNode.js";
import { createGenuineEvidence } from "../test/helpers/genuineEvidence.js";
const ENTRIES = 20;
let node: QbftTestNode | undefined;
const keys = testValidators(5);
const votes = Object.fromEntries([2, 3, 4].map((n) => [n, { recipient: keys[4]!.address, add: true }]));
const evidence = await createGenuineEvidence({
  front: async (rpcUrl) => {
    const upstream = httpTransport(rpcUrl, 30_000);
    const chainId = Number(BigInt((await upstream({ method: "eth_chainId" })) as Hex));
    node = startQbftTestNode({ upstream: (method, params) => upstream({ method, params }), chainId, registry: `0x${"00".repeat(20)}`, validators: keys.slice(0, 4), keyPool: keys, selection: { mode: "header", votes } });
    return node.listen();
  },
});
const url = await node!.listen();
const context = { store: evidence.store, key: evidence.keys.pipeline };
let bundle = parseBundle(evidence.bundle);
for (let i = bundle.receipts.length; i < ENTRIES; i++) await recordEvaluation(context, evidence.model, { dataset: { name: `holdout-${i}`, digest: { sha256: evidence.model.sha256 } }, metrics: [{ name: "auc", value: 0.9 }] });
if (bundle.receipts.length < ENTRIES) {
  sealBatch(evidence.store);
  await anchorBatches(evidence.store, evidence.writer, { registry: evidence.registry, orgId: evidence.orgId, confirmations: 1 });
  bundle = parseBundle(serializeBundle(buildBundle(evidence.store, evidence.model.sha256)));
}
const trust = { ...(await node!.trustAt(0n)), registry: evidence.registry.toLowerCase() as Hex };
const { bundle: withKit } = await embedOfflineKit({ bundle, transport: httpTransport(url, 30_000), trust });
await writeFile("/tmp/i12prof/bundle.json", serializeBundle(withKit));
await writeFile("/tmp/i12prof/trust.json", serializeQbftTrust(trust));
await writeFile("/tmp/i12prof/meta.json", JSON.stringify({ registry: evidence.registry, sha256: evidence.model.sha256, entries: withKit.receipts.length }));
console.log("entries", withKit.receipts.length, "answers", withKit.offlineKit!.answers.length);
await node!.close();
await evidence.close();
