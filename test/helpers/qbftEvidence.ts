// Genuine evidence (the whole pipeline: keys registered, attestations anchored, receipts taken) made
// through the QBFT test node in front of the local chain, with the validator trust pinned at genesis.
// The light-mode tests and bench/trust-modes.ts start from here.
import { type JsonRpcTransport, httpTransport } from "../../src/chain/trustMode.js";
import type { Hex } from "../../src/core/hex.js";
import type { QbftTrust } from "../../src/verify/lightclient/trustFile.js";
import { type GenuineEvidence, createGenuineEvidence } from "./genuineEvidence.js";
import { testValidators } from "./qbftSealer.js";
import { type QbftTestNode, startQbftTestNode } from "./qbftTestNode.js";

export type QbftEvidence = {
  readonly evidence: GenuineEvidence;
  readonly node: QbftTestNode;
  /** The QBFT front's URL (what a verifier is given as `--rpc`). */
  readonly nodeUrl: string;
  /** The local chain behind the front (to mine, move time, read storage). */
  readonly upstream: JsonRpcTransport;
  /** The validator set at genesis, for the evidence's registry. */
  readonly trust: QbftTrust;
};

/**
 * Starts the evidence behind a QBFT front sealed by four test validators. With `joinByVote` (the
 * default) blocks 2, 3 and 4 carry add votes for a fifth key: it joins the set by vote and seals from
 * block 5 on. Close with `evidence.close()` after `node.close()`.
 */
export async function createQbftEvidence(options: { readonly joinByVote?: boolean } = {}): Promise<QbftEvidence> {
  const keys = testValidators(5);
  const votes = Object.fromEntries([2, 3, 4].map((n) => [n, { recipient: keys[4]!.address, add: true }]));
  let node: QbftTestNode | undefined;
  let nodeUrl = "";
  let upstream: JsonRpcTransport | undefined;
  const evidence = await createGenuineEvidence({
    front: async (rpcUrl) => {
      const chain = httpTransport(rpcUrl, 30_000);
      upstream = chain;
      const chainId = Number(BigInt((await chain({ method: "eth_chainId" })) as Hex));
      node = startQbftTestNode({
        upstream: (method, params) => chain({ method, params }),
        chainId,
        registry: `0x${"00".repeat(20)}`,
        validators: keys.slice(0, 4),
        ...(options.joinByVote === false ? { selection: { mode: "header" } } : { keyPool: keys, selection: { mode: "header", votes } }),
      });
      // One listener (a second listen() would leave the first server open and the process running).
      nodeUrl = await node.listen();
      return nodeUrl;
    },
  });
  const trust: QbftTrust = { ...(await node!.trustAt(0n)), registry: evidence.registry.toLowerCase() as Hex };
  return { evidence, node: node!, nodeUrl, upstream: upstream!, trust };
}
