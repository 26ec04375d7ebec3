// Offline bundles: a bundle that carries its own offline verifier kit (bundle v2). Building one runs
// the light verification once against a node, recording every answer; verifying one runs the same
// light verification over the record alone. The kit adds no trust: the pinned validator set does
// all of it (docs/offline-kit.md).
import { type LightChainReader, type LightTrustParameters, createLightChainReader } from "./lightclient/lightReader.js";
import type { JsonRpcTransport } from "../chain/trustMode.js";
import { invalid } from "../core/errors/input.js";
import { recordingRequest, replayRequest } from "./lightclient/offlineKit.js";
import type { QbftTrust } from "./lightclient/trustFile.js";
import type { VerificationPolicy } from "./verificationPolicy.js";
import { BUNDLE_FORMAT, BUNDLE_V2_FORMAT, type EvidenceBundle } from "../formats/bundle.js";
import { type VerifiedBundle, verifyBundle } from "./verifyBundle.js";

export type EmbedOfflineKitParameters = {
  /** A v1 bundle (or a v2 one, whose kit is replaced). */
  readonly bundle: EvidenceBundle;
  /** The node to record from (any JSON-RPC transport). */
  readonly transport: JsonRpcTransport;
  /** The validator trust a verifier will pin (`provenance-qbft-trust-v1`): the headers are recorded from its block. */
  readonly trust: QbftTrust;
  /** The policy whose questions are recorded (default policy when omitted); verifying offline under another policy may ask what the kit lacks. */
  readonly policy?: VerificationPolicy | undefined;
  /** Organisations whose revocations count, as the verifier will pin them (default: the registering ones). */
  readonly acceptedOrgIds?: readonly number[] | undefined;
};

/**
 * Verifies `bundle` in light mode against `transport` (it must verify: a kit of a broken bundle is
 * refused) while recording every answer, and returns the bundle as v2 with that record as its
 * `offlineKit`, with the verification.
 *
 * @example
 * import { embedOfflineKit, httpTransport, parseQbftTrust, serializeBundle } from "provenance-ledger";
 * const { bundle: offline } = await embedOfflineKit({ bundle, transport: httpTransport(url, 10_000), trust: parseQbftTrust(json) });
 * await writeFile("bundle.offline.json", serializeBundle(offline));
 */
export async function embedOfflineKit(parameters: EmbedOfflineKitParameters): Promise<{ bundle: EvidenceBundle; verified: VerifiedBundle }> {
  const { trust } = parameters;
  const recording = recordingRequest(parameters.transport);
  const chain = createLightChainReader({ transport: recording, trust });
  const { offlineKit: _replaced, ...v1 } = parameters.bundle;
  const verified = await verifyBundle({
    bundle: { ...v1, format: BUNDLE_FORMAT },
    chain,
    chainId: trust.chainId,
    registry: trust.registry,
    policy: parameters.policy,
    acceptedOrgIds: parameters.acceptedOrgIds,
  });
  return { bundle: { ...v1, format: BUNDLE_V2_FORMAT, offlineKit: recording.kit() }, verified };
}

/** The bundle, and the verifier's own pins (the trust is never taken from the bundle). */
export type OfflineChainReaderParameters = LightTrustParameters & { readonly bundle: EvidenceBundle };

/**
 * The light reader over the bundle's offline kit: it answers only from the record (no network code
 * is reached), proves everything against `trust`, and refuses a question the record lacks with
 * `offline-kit`. `InputError` when the bundle carries no kit (v1).
 *
 * @example
 * import { offlineChainReader, parseBundle, parseQbftTrust, verifyBundle } from "provenance-ledger";
 * const chain = offlineChainReader({ bundle, trust });
 * const result = await verifyBundle({ bundle, chain, chainId: trust.chainId, registry: trust.registry });
 * console.log(`as of block ${result.revocation.checkedAt.blockNumber}`);
 */
export function offlineChainReader(parameters: OfflineChainReaderParameters): LightChainReader {
  const kit = parameters.bundle.offlineKit;
  if (kit === undefined)
    invalid(
      "INVALID_BUNDLE",
      `the bundle (${parameters.bundle.format}) carries no offline kit: verify it online, or rebuild it with bundle --embed-proofs`,
      "bundle.offlineKit",
    );
  return createLightChainReader({
    transport: replayRequest(kit),
    trust: parameters.trust,
    checkpoint: parameters.checkpoint,
    validatorsSource: parameters.validatorsSource,
    node: "the bundle's offline kit (recorded answers, each proven but the blocks' transaction hashes; no network)",
  });
}
