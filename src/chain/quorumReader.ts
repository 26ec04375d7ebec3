// The quorum-mode chain reader: the ordinary rpc reader over a k-of-n quorum of nodes, saying what
// it trusted. Every answer a verdict uses was given identically by at least k of the n nodes.
import { type QuorumEndpoint, quorumRequest } from "./quorum.js";
import { fromEip1193 } from "./eip1193.js";
import type { TrustReport, TrustedChainReader } from "./trustMode.js";

export type QuorumChainReaderParameters = {
  /** The independent nodes; `name` (a redacted URL) is what verdicts print. */
  readonly endpoints: readonly QuorumEndpoint[];
  /** k: how many must give the same answer. */
  readonly quorum: number;
};

/**
 * A `TrustedChainReader` in quorum mode. Refusals are `LightClientError`s `quorum-unavailable` and
 * `quorum-disagreement`; its `trustReport()` names the nodes, k, the pinned head and each node's dissents.
 *
 * @example
 * import { createQuorumChainReader, httpTransport } from "provenance-ledger/chain";
 * const chain = createQuorumChainReader({ quorum: 2, endpoints: urls.map((url) => ({ name: url, request: httpTransport(url, 10_000) })) });
 */
export function createQuorumChainReader(parameters: QuorumChainReaderParameters): TrustedChainReader {
  const request = quorumRequest(parameters);
  const reader = fromEip1193(request);
  return {
    ...reader,
    trustMode: "quorum",
    trustReport: async (): Promise<TrustReport> => {
      const report = request.report();
      return {
        trustMode: "quorum",
        quorum: report.quorum,
        nodes: report.endpoints.map((e) => ({ node: e.name, dissents: e.dissents, failures: e.failures })),
        head: report.head === undefined ? null : Number(report.head),
      };
    },
  };
}
