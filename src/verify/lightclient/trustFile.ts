// The pinned starting point of a light client, and the checkpoint it saves: one versioned JSON
// format (schemas/qbft-trust-v1.schema.json, docs/light-client.md). A checkpoint is a trust file
// moved forward by verified headers, so a verifier resumes from either the same way.
import { LightClientError, refusedAs } from "../../core/errors/lightClient.js";
import { type Fail, parseSpec, type Spec, s } from "../../core/spec/spec.js";
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

/** A trust file as JSON holds it: `votes` may be absent (none pending). */
export type QbftTrustJson = Omit<QbftTrust, "votes" | "block"> & {
  readonly block: { readonly number: number; readonly hash: Hex; readonly timestamp?: number };
  readonly votes?: readonly PendingVotes[];
};

// The spec (src/core/spec/): parser, schemas/qbft-trust-v1.schema.json and the docs/light-client.md
// table are all read from it. The engine refuses with InputError; parseQbftTrust tells that as this
// file's LightClientError (check trust-file) at the same field.
const CODE = "INVALID_ARGUMENT";
const refuse = (message: string, field: string): never => {
  throw new LightClientError("trust-file", message, { field });
};

// Besu lists a set in ascending order, and a set has no repeats: the walk compares sets by position.
const ascending = (addresses: readonly Hex[], fail: Fail) => {
  const sorted = [...addresses].sort();
  addresses.forEach((a, i) => {
    if (a !== sorted[i]) fail(`[${i}]`, "addresses must be in ascending order (as Besu lists them)");
    if (i > 0 && a === addresses[i - 1]) fail(`[${i}]`, "listed twice");
  });
};
const addressSet = (min: number) =>
  s
    .array(s.hex(20), min, MAX_VALIDATORS)
    .refine(ascending, { schema: { uniqueItems: true }, doc: "ascending, no repeats (the order is checked by the parser)" });

const selection = s.union("mode", {
  header: s.object({
    mode: s.literal("header").describe("Besu's block-header validator selection: each header lists the set; proposers vote to add or drop."),
    epochLength: s.integer(1).describe("The genesis qbft.epochlength (Besu's default 30000): an epoch block discards pending votes."),
  }),
  contract: s.object({
    mode: s.literal("contract").describe("Besu's contract validator selection (qbft.validatorcontractaddress)."),
    contract: s.hex(20).describe("The validator contract's address."),
    validatorsSlot: s
      .hex(32)
      .describe("The storage slot of the contract's address[] that getValidators() returns (an assumption the auditor checks in the contract's source)."),
  }),
});

/** Version 1's spec: a trust file as JSON holds it (`votes` may be absent: none pending). */
export const qbftTrustSpec = s
  .object({
    format: s
      .custom<typeof QBFT_TRUST_FORMAT>(
        (value, path) =>
          value === QBFT_TRUST_FORMAT
            ? QBFT_TRUST_FORMAT
            : refuse(`unsupported format ${JSON.stringify(value)?.slice(0, 80)} (expected ${QBFT_TRUST_FORMAT})`, path),
        { const: QBFT_TRUST_FORMAT },
        `\`"${QBFT_TRUST_FORMAT}"\``,
        { versionTag: true },
      )
      .describe("this format; another is refused (check trust-file)"),
    chainId: s.integer(1).describe("EIP-155 chain ID: the chain whose headers the validators seal."),
    registry: s.hex(20).describe("The ProvenanceRegistry whose state the verifier proves on this chain."),
    validatorSelection: selection,
    block: s.object({
      number: s.integer(0).describe("The block after which validators is in force."),
      hash: s.hex(32).describe("The block's QBFT hash (seals emptied, round 0; the genesis as it is): the next header's parentHash must be this."),
      timestamp: s.optional(s.integer(0).describe("The block's timestamp, seconds (written by checkpoints).")),
    }),
    validators: addressSet(1).describe("The set in force for block number + 1"),
    votes: s.optional(
      s
        .array(
          s.object({
            recipient: s.hex(20).describe("The validator voted on."),
            add: addressSet(0).describe("Validators that voted to add recipient"),
            drop: addressSet(0).describe("Validators that voted to drop recipient"),
          }),
        )
        .describe("Block-header mode: the pending votes after block (empty or absent after an epoch block, and in contract mode)."),
    ),
  })
  .refine((trust, fail) => {
    if (trust.validatorSelection.mode === "contract" && trust.votes?.length) fail(".votes", "contract mode has no votes");
  }) satisfies Spec<QbftTrustJson>;

/**
 * Parses a trust file or checkpoint (hostile JSON, already parsed): refuses an unknown `format`,
 * unknown members, and anything out of shape, naming the field.
 *
 * @example
 * import { parseQbftTrust } from "provenance-ledger/lightclient";
 * const trust = parseQbftTrust(JSON.parse(await readFile("validators.json", "utf8")));
 */
export function parseQbftTrust(value: unknown, field = "trust"): QbftTrust {
  const { votes = [], ...trust } = refusedAs("trust-file", () => parseSpec(qbftTrustSpec, value, field, CODE));
  return { ...trust, votes };
}

/** The trust file or checkpoint as JSON (what `parseQbftTrust` reads back). */
export function serializeQbftTrust(trust: QbftTrust): string {
  return `${JSON.stringify(trust, null, 2)}\n`;
}
