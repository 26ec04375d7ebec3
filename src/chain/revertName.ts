// The registry's custom errors by name: a revert's data decoded against the registry's ABI, so a
// refusal reads `ProvenanceRegistryRootAlreadyAnchored(…)`, not a selector.
import { type Abi, decodeErrorResult } from "viem";
import { ChainError } from "../core/errors/chain.js";
import type { Hex } from "../core/hex.js";
import { provenanceRegistryAbi } from "./registryArtifact.js";

/** Adds the decoded custom error name (e.g. `ProvenanceRegistryRootAlreadyAnchored`) to a revert. */
export function withRevertName(cause: unknown): unknown {
  if (!(cause instanceof ChainError) || cause.code !== "CONTRACT_REVERTED" || !cause.revertData || cause.revertName) return cause;
  try {
    const { errorName, args } = decodeErrorResult({ abi: provenanceRegistryAbi as Abi, data: cause.revertData as Hex });
    const shown = (args ?? []).map((a) => (typeof a === "bigint" ? a.toString() : String(a))).join(", ");
    return new ChainError("CONTRACT_REVERTED", `the registry refused: ${errorName}(${shown})`, { revertName: errorName, revertData: cause.revertData, cause });
  } catch {
    return cause;
  }
}
