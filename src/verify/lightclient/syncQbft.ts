// The I/O edge of the light client: fetches headers (and, in contract mode, the validator contract's
// storage proofs) from an RPC node and hands them to the pure walk. The node is not trusted: every
// answer is verified before it moves the checkpoint. Platform-neutral: the caller gives `request`
// (an EIP-1193 provider's, or a fetch-based JSON-RPC call).
import { LightClientError } from "../../core/errors/lightClient.js";
import { headerFromRpc } from "./header.js";
import type { QbftTrust } from "./trustFile.js";
import { validatorContractSlots } from "./validatorSet.js";
import { type QbftWalkStep, type VerifiedBlock, walkQbftHeaders } from "./walk.js";
import type { Hex } from "./bytes.js";

/** One JSON-RPC call: resolves to the `result`, rejects on an error answer. */
export type JsonRpcRequest = (method: string, params: readonly unknown[]) => Promise<unknown>;

export type SyncQbftHeadersParameters = {
  /** The last block to verify (default: the node's latest). */
  readonly toBlock?: bigint | undefined;
};

/**
 * Walks from `trust` (a trust file or checkpoint) to `toBlock`, one header at a time, fetching from
 * `request`. Returns the new checkpoint and the verified blocks.
 *
 * @example
 * import { parseQbftTrust, syncQbftHeaders } from "provenance-ledger/lightclient";
 * const { checkpoint, blocks } = await syncQbftHeaders(parseQbftTrust(json), (method, params) => provider.request({ method, params }));
 */
export async function syncQbftHeaders(
  trust: QbftTrust,
  request: JsonRpcRequest,
  parameters: SyncQbftHeadersParameters = {},
): Promise<{ checkpoint: QbftTrust; blocks: VerifiedBlock[] }> {
  const latest = parameters.toBlock ?? BigInt(parseNumber(await request("eth_blockNumber", []), "eth_blockNumber"));
  let checkpoint = trust;
  const blocks: VerifiedBlock[] = [];
  for (let n = BigInt(trust.block.number) + 1n; n <= latest; n++) {
    const step = await fetchWalkStep(checkpoint, request, n);
    const walked = walkQbftHeaders(checkpoint, [step]);
    checkpoint = walked.checkpoint;
    blocks.push(...walked.blocks);
  }
  return { checkpoint, blocks };
}

/** Fetches what the walk needs for block `n` (unverified). */
export async function fetchWalkStep(trust: QbftTrust, request: JsonRpcRequest, n: bigint): Promise<QbftWalkStep> {
  const tag = `0x${n.toString(16)}`;
  const block = await request("eth_getBlockByNumber", [tag, false]);
  if (block === null) throw new LightClientError("header", `the node has no block ${n}`, { field: `block ${n}` });
  const header = headerFromRpc(block, `block ${n}`);
  const reported = (block as { hash?: unknown }).hash;
  const step: QbftWalkStep = { header, reportedHash: typeof reported === "string" ? (reported as Hex) : undefined };
  const selection = trust.validatorSelection;
  if (selection.mode === "header") return step;
  // The length only chooses which slots to ask for; the proof then proves it.
  const length = parseNumber(await request("eth_getStorageAt", [selection.contract, selection.validatorsSlot, tag]), "eth_getStorageAt");
  const slots = validatorContractSlots(selection.validatorsSlot, Math.min(length, 1024));
  return { ...step, validatorProof: await request("eth_getProof", [selection.contract, slots, tag]) };
}

function parseNumber(value: unknown, field: string): number {
  if (typeof value !== "string" || !/^0x[0-9a-fA-F]{1,64}$/.test(value)) throw new LightClientError("header", "expected a hex quantity", { field });
  const n = BigInt(value);
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw new LightClientError("header", "out of range", { field });
  return Number(n);
}
