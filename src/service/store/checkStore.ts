import { decodeBatchAnchored, readAnchor } from "../../chain/registry.js";
import type { ChainReader } from "../../chain/types.js";
import { type Hex, hexEquals } from "../../core/hex.js";
import { loadMerkleTree } from "../../merkle/loadMerkleTree.js";
import type { ServiceBatch, ServiceStore } from "./serviceStore.js";

/** One batch whose stored state disagrees with its own tree or with the chain. */
export type StoreCheckProblem = { readonly batchId: number; readonly root: Hex; readonly problem: string };

export type StoreCheckResult = {
  readonly batches: number;
  /** Anchored or confirmed batches whose root, organisation, block, transaction and metadata the chain confirmed. */
  readonly matched: number;
  /** Sealed batches, not anchored yet (the service anchors them when it runs). */
  readonly sealed: number;
  readonly problems: readonly StoreCheckProblem[];
};

/**
 * The check to run after restoring a service store from a backup (docs/deployment.md): every
 * stored batch's tree must give its root, and every batch the store says is anchored must be
 * anchored on chain exactly where the store says (organisation, leaf count, block number and hash,
 * transaction with its BatchAnchored event and metadata hash). A sealed batch the chain already
 * has is reported too: the backup is older than the anchor, and the running service will adopt it.
 */
export async function checkStore(parameters: {
  store: ServiceStore;
  chain: ChainReader;
  registry: Hex;
  chainId: number;
  pageSize?: number;
}): Promise<StoreCheckResult> {
  const { store, chain, registry } = parameters;
  const problems: StoreCheckProblem[] = [];
  let batches = 0;
  let matched = 0;
  let sealed = 0;
  for (let after = 0; ; ) {
    const page = await store.listBatches(after, parameters.pageSize ?? 500);
    if (page.length === 0) break;
    for (const batch of page) {
      after = batch.id;
      batches++;
      const problem = await checkBatch(store, chain, registry, parameters.chainId, batch);
      if (problem) problems.push({ batchId: batch.id, root: batch.root, problem });
      else if (batch.status === "sealed") sealed++;
      else matched++;
    }
  }
  return { batches, matched, sealed, problems };
}

async function checkBatch(store: ServiceStore, chain: ChainReader, registry: Hex, chainId: number, batch: ServiceBatch): Promise<string | null> {
  let tree;
  try {
    tree = loadMerkleTree(await store.getBatchTree(batch.id));
  } catch (error) {
    return `its stored tree does not load: ${(error as Error).message}`;
  }
  if (!hexEquals(tree.root, batch.root)) return `its stored tree gives root ${tree.root}, not the batch's root`;
  if (tree.leafCount !== batch.leafCount) return `its stored tree has ${tree.leafCount} leaves, the batch says ${batch.leafCount}`;
  const onChain = await readAnchor(chain, registry, batch.orgId, batch.root);
  if (batch.status === "sealed" || batch.anchor === null)
    return onChain
      ? `the store says sealed, but the chain has it anchored at block ${onChain.blockNumber} (the backup predates the anchor; the service adopts it on start)`
      : null;
  const a = batch.anchor;
  if (!onChain) return `the store says anchored at block ${a.blockNumber}, but the root is not anchored in ${registry}`;
  if (a.chainId !== chainId) return `the store says chain ${a.chainId}, the node serves ${chainId}`;
  if (onChain.orgId !== batch.orgId || onChain.leafCount !== batch.leafCount || onChain.blockNumber !== a.blockNumber || onChain.sequence !== a.sequence)
    return `the chain has organisation ${onChain.orgId}, ${onChain.leafCount} leaves, sequence ${onChain.sequence}, block ${onChain.blockNumber}; the store says ${batch.orgId}, ${batch.leafCount}, ${a.sequence}, ${a.blockNumber}`;
  const block = await chain.getBlock(BigInt(a.blockNumber));
  if (!block || !hexEquals(block.hash, a.blockHash)) return `block ${a.blockNumber} is ${block?.hash ?? "missing"} on the node, the store says ${a.blockHash}`;
  const receipt = await chain.getTransactionReceipt(a.txHash);
  const event = receipt?.logs
    .map((log) => decodeBatchAnchored(log, registry))
    .find((e) => e !== null && e.orgId === batch.orgId && hexEquals(e.root, batch.root));
  if (!receipt || !event) return `transaction ${a.txHash} is not on the node or did not anchor this root`;
  if (!hexEquals(event.metadataHash, batch.metadataHash))
    return `the anchored metadata hash ${event.metadataHash} differs from the stored ${batch.metadataHash}`;
  return null;
}
