/**
 * Light-client benchmark: what verifying against a pinned QBFT validator set costs per header and
 * per entry, on a real local chain (anvil) presented as a QBFT chain by the test node
 * (test/helpers/qbftTestNode.ts: four validators, three seals per block).
 *
 *     node_modules/.bin/tsx bench/lightclient.ts          # ≈ 20 s
 *
 * Environment: BENCH_ENTRIES (anchored batches, default 20), BENCH_RUNS (timed rounds, default 5;
 * the median is reported).
 *
 * Reported: header verification (seal recovery, hashing, set tracking) per header, from memory and
 * through JSON-RPC (node latency included); per entry, the verification of the anchor slot's storage
 * proof at the verified head and of the BatchAnchored receipt proof at the anchoring block, from
 * memory, and the proof bytes. Node latency is excluded from the "verify" figures.
 */
import { keccak256 as viemKeccak256, toHex } from "viem";
import { anchorSlot } from "../src/verify/lightclient/registrySlots.js";
import { deployRegistry, encodeAnchor, registerOrganisation } from "../src/chain/registry.js";
import { sendAndWait } from "../src/chain/transactions.js";
import type { Hex } from "../src/verify/lightclient/bytes.js";
import { verifyQbftHeader } from "../src/verify/lightclient/qbft.js";
import { buildReceiptsTrie, receiptFromRpc, receiptKey, verifyReceiptProof } from "../src/verify/lightclient/receiptProof.js";
import { verifyGetProof } from "../src/verify/lightclient/stateProof.js";
import { syncQbftHeaders } from "../src/verify/lightclient/syncQbft.js";
import { type QbftWalkStep, walkQbftHeaders } from "../src/verify/lightclient/walk.js";
import { ANVIL_CHAIN_ID, startAnvil } from "../test/helpers/anvilNode.js";
import { testValidators } from "../test/helpers/qbftSealer.js";
import { startQbftTestNode } from "../test/helpers/qbftTestNode.js";

const ENTRIES = Number(process.env.BENCH_ENTRIES ?? 20);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
async function timed(run: () => unknown | Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}
const ms = (value: number): string => `${value.toFixed(3)} ms`;

const anvil = await startAnvil();
try {
  const admin = anvil.writerFor(0);
  const anchorer = anvil.writerFor(1);
  const { registry } = await deployRegistry(admin);
  const { orgId } = await registerOrganisation(admin, registry, { name: "Bench Lab", anchorers: [anchorer.account] });
  const anchored: { root: Hex; transactionHash: Hex; blockNumber: bigint; transactionIndex: number }[] = [];
  for (let i = 0; i < ENTRIES; i++) {
    const root = viemKeccak256(toHex(`bench root ${i}`));
    const receipt = await sendAndWait(
      anchorer,
      { to: registry, data: encodeAnchor({ orgId, root, leafCount: 1, metadataHash: viemKeccak256(toHex(`meta ${i}`)) }) },
      {},
    );
    const { transactionIndex } = (await anvil.rpc("eth_getTransactionReceipt", [receipt.transactionHash])) as { transactionIndex: Hex };
    anchored.push({ root, transactionHash: receipt.transactionHash, blockNumber: receipt.blockNumber, transactionIndex: Number(transactionIndex) });
  }

  const validators = testValidators(4);
  const node = startQbftTestNode({
    upstream: (method, params) => anvil.rpc(method, params),
    chainId: ANVIL_CHAIN_ID,
    registry,
    validators,
    selection: { mode: "header" },
  });
  const trust = await node.trustAt(0n);
  const head = BigInt((await anvil.rpc("eth_blockNumber")) as string);
  const steps: QbftWalkStep[] = [];
  for (let n = 1n; n <= head; n++) steps.push({ header: await node.header(n) });

  const headerRuns: number[] = [];
  const singleRuns: number[] = [];
  const rpcRuns: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    headerRuns.push((await timed(() => walkQbftHeaders(trust, steps))) / steps.length);
    singleRuns.push(
      (await timed(() => {
        for (const step of steps) verifyQbftHeader(step.header, { validators: trust.validators, mode: "header" });
      })) / steps.length,
    );
    rpcRuns.push((await timed(() => syncQbftHeaders(trust, node.request))) / steps.length);
  }
  const { checkpoint, blocks } = walkQbftHeaders(trust, steps);
  const verifiedHead = blocks.at(-1)!;

  // Per entry: the anchor slot at the verified head, the BatchAnchored receipt at the anchoring block.
  const evidence: { slot: Hex; stateProof: unknown; receiptProof: { transactionIndex: number; proof: Uint8Array[] }; receiptsRoot: Uint8Array }[] = [];
  for (const entry of anchored) {
    const slot = anchorSlot(orgId, entry.root);
    const stateProof = await node.request("eth_getProof", [registry, [slot], verifiedHead.hash]);
    const block = (await node.request("eth_getBlockByNumber", [toHex(entry.blockNumber), false])) as { transactions: Hex[] };
    const receipts = await Promise.all(block.transactions.map(async (hash) => receiptFromRpc(await node.request("eth_getTransactionReceipt", [hash]))));
    const receiptProof = { transactionIndex: entry.transactionIndex, proof: buildReceiptsTrie(receipts).proof(receiptKey(entry.transactionIndex)) };
    const anchorBlock = blocks.find((b) => b.number === entry.blockNumber)!;
    evidence.push({ slot, stateProof, receiptProof, receiptsRoot: anchorBlock.receiptsRoot });
  }
  const proofRuns: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    proofRuns.push(
      (await timed(() => {
        for (const e of evidence) {
          verifyGetProof(verifiedHead.stateRoot, registry, [e.slot], e.stateProof);
          verifyReceiptProof(e.receiptsRoot, e.receiptProof);
        }
      })) / evidence.length,
    );
  }
  const hexBytes = (nodes: readonly string[]): number => nodes.reduce((sum, node) => sum + (node.length - 2) / 2, 0);
  const stateBytes = median(
    evidence.map((e) => {
      const p = e.stateProof as { accountProof: string[]; storageProof: { proof: string[] }[] };
      return hexBytes(p.accountProof) + hexBytes(p.storageProof[0]!.proof);
    }),
  );
  const receiptBytes = median(evidence.map((e) => e.receiptProof.proof.reduce((sum, node) => sum + node.length, 0)));

  console.log(`light client, ${steps.length} QBFT headers (4 validators, 3 seals), ${ENTRIES} anchored entries, median of ${RUNS} runs`);
  console.log(`  header: verify one (seals, hashes)          ${ms(median(singleRuns))}`);
  console.log(`  header: walk per header (with set tracking) ${ms(median(headerRuns))}`);
  console.log(`  header: sync per header through JSON-RPC    ${ms(median(rpcRuns))}  (test node over anvil, its re-sealing included)`);
  console.log(`  entry: state + receipt proof verification   ${ms(median(proofRuns))}`);
  console.log(`  entry: proof bytes (state ${stateBytes} + receipt ${receiptBytes})   ${stateBytes + receiptBytes} B`);
  console.log(`  checkpoint after block ${checkpoint.block.number}: ${checkpoint.validators.length} validators`);
  await node.close();
} finally {
  await anvil.stop();
}
