// The pinned starting point of a light client, and the checkpoint it saves: one versioned JSON
// format (schemas/qbft-trust-v1.schema.json, docs/light-client.md). A checkpoint is a trust file
// moved forward by verified headers, so a verifier resumes from either the same way.
import { LightClientError } from "../../core/errors/lightClient.js";
import type { Hex } from "./bytes.js";
import { MAX_VALIDATORS } from "./qbft.js";
import type { PendingVotes } from "./validatorSet.js";

export const QBFT_TRUST_FORMAT = "provenance-qbft-trust-v1";
/** Besu's default epoch length (`epochlength` in the genesis `qbft` section). */
export const DEFAULT_EPOCH_LENGTH = 30000;

/** How the chain selects validators (Besu's genesis `qbft` section, or its `validatorcontractaddress`). */
export type ValidatorSelection =
  | { readonly mode: "header"; readonly epochLength: number }
  | { readonly mode: "contract"; readonly contract: Hex; readonly validatorsSlot: Hex };

/**
 * A light client's state: `validators` is the set in force for the block after `block`, whose hash
 * is `block.hash`. `votes` are the pending block-header-mode votes after `block` (empty after an
 * epoch block, and always in contract mode).
 */
export type QbftTrust = {
  readonly format: typeof QBFT_TRUST_FORMAT;
  readonly chainId: number;
  readonly registry: Hex;
  readonly validatorSelection: ValidatorSelection;
  readonly block: { readonly number: number; readonly hash: Hex; readonly timestamp?: number | undefined };
  readonly validators: readonly Hex[];
  readonly votes: readonly PendingVotes[];
};

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const BYTES32 = /^0x[0-9a-fA-F]{64}$/;

function fail(message: string, field: string): never {
  throw new LightClientError("trust-file", message, { field });
}
function object(value: unknown, field: string, keys: readonly string[], optional: readonly string[] = []): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) fail("expected an object", field);
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) if (!keys.includes(key) && !optional.includes(key)) fail("unknown member", `${field}.${key}`);
  for (const key of keys) if (record[key] === undefined) fail("missing", `${field}.${key}`);
  return record;
}
function uint(value: unknown, field: string, min = 0): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min) fail(`expected an integer of at least ${min}`, field);
  return value;
}
function address(value: unknown, field: string): Hex {
  if (typeof value !== "string" || !ADDRESS.test(value)) fail("expected a 20-byte 0x address", field);
  return value.toLowerCase() as Hex;
}
function addressSet(value: unknown, field: string, min: number): Hex[] {
  if (!Array.isArray(value)) fail("expected an array of addresses", field);
  if (value.length < min || value.length > MAX_VALIDATORS) fail(`expected ${min} to ${MAX_VALIDATORS} addresses`, field);
  const out = value.map((v, i) => address(v, `${field}[${i}]`));
  const sorted = [...out].sort();
  out.forEach((v, i) => {
    if (v !== sorted[i]) fail("addresses must be in ascending order (as Besu lists them)", `${field}[${i}]`);
    if (i > 0 && v === out[i - 1]) fail("listed twice", `${field}[${i}]`);
  });
  return out;
}

/**
 * Parses a trust file or checkpoint (hostile JSON, already parsed): refuses an unknown `format`,
 * unknown members, and anything out of shape, naming the field.
 *
 * @example
 * import { parseQbftTrust } from "provenance-ledger/lightclient";
 * const trust = parseQbftTrust(JSON.parse(await readFile("validators.json", "utf8")));
 */
export function parseQbftTrust(value: unknown, field = "trust"): QbftTrust {
  const json = object(value, field, ["format", "chainId", "registry", "validatorSelection", "block", "validators"], ["votes"]);
  if (json.format !== QBFT_TRUST_FORMAT)
    throw new LightClientError("trust-file", `unsupported format ${JSON.stringify(json.format)} (expected ${QBFT_TRUST_FORMAT})`, { field: `${field}.format` });
  const chainId = uint(json.chainId, `${field}.chainId`, 1);
  const registry = address(json.registry, `${field}.registry`);
  const selectionField = `${field}.validatorSelection`;
  const mode = (json.validatorSelection as { mode?: unknown } | null)?.mode;
  let validatorSelection: ValidatorSelection;
  if (mode === "header") {
    const s = object(json.validatorSelection, selectionField, ["mode", "epochLength"]);
    validatorSelection = { mode: "header", epochLength: uint(s.epochLength, `${selectionField}.epochLength`, 1) };
  } else if (mode === "contract") {
    const s = object(json.validatorSelection, selectionField, ["mode", "contract", "validatorsSlot"]);
    if (typeof s.validatorsSlot !== "string" || !BYTES32.test(s.validatorsSlot)) fail("expected a 32-byte 0x storage slot", `${selectionField}.validatorsSlot`);
    validatorSelection = {
      mode: "contract",
      contract: address(s.contract, `${selectionField}.contract`),
      validatorsSlot: s.validatorsSlot.toLowerCase() as Hex,
    };
  } else fail('expected "header" or "contract"', `${selectionField}.mode`);
  const block = object(json.block, `${field}.block`, ["number", "hash"], ["timestamp"]);
  if (typeof block.hash !== "string" || !BYTES32.test(block.hash)) fail("expected a 32-byte 0x block hash", `${field}.block.hash`);
  const validators = addressSet(json.validators, `${field}.validators`, 1);
  const votes: PendingVotes[] = [];
  if (json.votes !== undefined) {
    if (!Array.isArray(json.votes)) fail("expected an array", `${field}.votes`);
    if (json.votes.length > 0 && validatorSelection.mode === "contract") fail("contract mode has no votes", `${field}.votes`);
    json.votes.forEach((v, i) => {
      const vote = object(v, `${field}.votes[${i}]`, ["recipient", "add", "drop"]);
      votes.push({
        recipient: address(vote.recipient, `${field}.votes[${i}].recipient`),
        add: addressSet(vote.add, `${field}.votes[${i}].add`, 0),
        drop: addressSet(vote.drop, `${field}.votes[${i}].drop`, 0),
      });
    });
  }
  return {
    format: QBFT_TRUST_FORMAT,
    chainId,
    registry,
    validatorSelection,
    block: {
      number: uint(block.number, `${field}.block.number`),
      hash: block.hash.toLowerCase() as Hex,
      ...(block.timestamp === undefined ? {} : { timestamp: uint(block.timestamp, `${field}.block.timestamp`) }),
    },
    validators,
    votes,
  };
}

/** The trust file or checkpoint as JSON (what `parseQbftTrust` reads back). */
export function serializeQbftTrust(trust: QbftTrust): string {
  return `${JSON.stringify(trust, null, 2)}\n`;
}
