import { createPublicClient, custom } from "viem";
import type { Eip1193Request } from "./transport.js";
import type { ChainReader } from "./types.js";
import { fromViem } from "./viem.js";

/**
 * The rpc reader (answers taken as they are) over any EIP-1193 `request`: a quorum of nodes
 * (`quorumRequest`), a recording or an offline replay. A `LightClientError` the request throws
 * (`quorum-disagreement`, `offline-kit`, …) comes out unchanged; no retries.
 *
 * @example
 * import { fromEip1193 } from "provenance-ledger/chain";
 * import { quorumRequest } from "provenance-ledger/lightclient";
 * const chain = fromEip1193(quorumRequest({ quorum: 2, endpoints }));
 */
export function fromEip1193(request: Eip1193Request): ChainReader {
  return fromViem({
    publicClient: createPublicClient({
      transport: custom({ request: request as (args: { method: string; params?: unknown }) => Promise<never> }, { retryCount: 0 }),
    }),
  });
}
