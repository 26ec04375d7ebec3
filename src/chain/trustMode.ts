// Trust modes: what a verifier trusted for its chain facts, named in every verdict.
// - `rpc`: the node's answers, as they are (today's behaviour).
// - `light`: a pinned QBFT validator set; the node is only a transport (src/verify/lightclient/lightReader.ts).
// - `quorum`: several independent nodes that must agree (reserved for the quorum reader).
import { ChainError, redactUrl } from "../core/errors/chain.js";
import type { Hex } from "../core/hex.js";
import type { ChainReader } from "./types.js";

export const TRUST_MODES = ["rpc", "light", "quorum"] as const;
export type TrustMode = (typeof TRUST_MODES)[number];

/**
 * One JSON-RPC request, EIP-1193 style (`provider.request`): resolves to the `result`, rejects on an
 * error answer. Every byte a light or quorum reader reads goes through this one function, so a
 * transport can be a live node, several, or recorded answers replayed offline.
 */
export type JsonRpcTransport = (args: { readonly method: string; readonly params?: readonly unknown[] | undefined }) => Promise<unknown>;

/** What a verification trusted, as verdicts print it (`trustMode` and `trusted` in the JSON verdict). */
export type TrustReport =
  | { readonly trustMode: "rpc"; readonly node: string }
  | {
      readonly trustMode: "light";
      /** Where the answers came from: a transport only, nothing it says is taken unproven but the blocks' transaction hashes (the transactions trie is not rebuilt). */
      readonly node: string;
      readonly chainId: number;
      readonly registry: Hex;
      readonly validatorSelection:
        | { readonly mode: "header"; readonly epochLength: number }
        | { readonly mode: "contract"; readonly contract: Hex; readonly validatorsSlot: Hex };
      /** The pinned validator set and where it came from (a trust file's path, or an embedded pin). */
      readonly validators: readonly Hex[];
      readonly validatorsSource: string;
      /** The trust file's pinned block, the one its validator set applies from. */
      readonly pinnedBlock: { readonly number: number; readonly hash: Hex };
      /**
       * Where the walk started, and so what was trusted as it is: the trust file's pinned block and
       * set (`from: "trust-file"`), or a saved checkpoint's block, hash and set (`from: "checkpoint"`:
       * a pin too, not re-derived from the trust file, whose validators are then not used).
       */
      readonly checkpoint: { readonly number: number; readonly hash: Hex; readonly validators: readonly Hex[]; readonly from: "trust-file" | "checkpoint" };
      /** The head the walk verified (seals of the set in force checked on every header after the checkpoint; none when it is the checkpoint block itself); state is proven at it. */
      readonly head: { readonly number: number; readonly hash: Hex; readonly timestamp: number; readonly validators: readonly Hex[] };
      readonly headersVerified: number;
    }
  | { readonly trustMode: "quorum"; readonly [key: string]: unknown };

/** A chain reader that says what it trusted. Every reader the CLI builds is one. */
export interface TrustedChainReader extends ChainReader {
  readonly trustMode: TrustMode;
  /** What was trusted; for `light`, after the head is verified (it verifies it if not done yet). */
  trustReport(): Promise<TrustReport>;
}

/** Today's reader, named: the node's answers are trusted as they are. */
export function rpcTrustedReader(reader: ChainReader, node: string): TrustedChainReader {
  return {
    trustMode: "rpc",
    trustReport: async () => ({ trustMode: "rpc", node }),
    getChainId: () => reader.getChainId(),
    getBlockNumber: () => reader.getBlockNumber(),
    getBlock: (n) => reader.getBlock(n),
    getTransactionReceipt: (h) => reader.getTransactionReceipt(h),
    call: (r) => reader.call(r),
    getLogs: (f) => reader.getLogs(f),
  };
}

/** A JSON-RPC transport over HTTP(S) with `fetch` (platform-neutral); every request times out after `timeoutMs`. */
export function httpTransport(url: string, timeoutMs: number): JsonRpcTransport {
  let id = 0;
  return async ({ method, params }) => {
    let body: { result?: unknown; error?: { message?: unknown } };
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params: params ?? [] }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (!response.ok) throw new ChainError("RPC_ERROR", `HTTP ${response.status} from ${redactUrl(url)} for ${method}`);
      body = (await response.json()) as typeof body;
    } catch (cause) {
      if (cause instanceof ChainError) throw cause;
      const timeout = cause instanceof Error && (cause.name === "TimeoutError" || cause.name === "AbortError");
      throw new ChainError(
        timeout ? "RPC_TIMEOUT" : "RPC_UNREACHABLE",
        `${method} to ${redactUrl(url)} failed: ${cause instanceof Error ? cause.message : String(cause)}`,
        { cause },
      );
    }
    if (typeof body !== "object" || body === null) throw new ChainError("RPC_ERROR", `${redactUrl(url)} answered ${method} with no JSON-RPC object`);
    if (body.error !== undefined) throw new ChainError("RPC_ERROR", `${redactUrl(url)} refused ${method}: ${String(body.error?.message)}`);
    return body.result ?? null;
  };
}
