import { invalid } from "../core/errors/input.js";
import { StoreError } from "../core/errors/store.js";
import { buildReceipt } from "./ledger.js";
import { type LineageAttestation, ancestorsOf, buildLineageGraph } from "../verify/lineage/lineageGraph.js";
import type { PublicKeyInfo } from "../formats/attestation/publicKeys.js";
import type { LedgerStore, StoredRecord } from "./store/ledgerStore.js";
import { BUNDLE_FORMAT, type EvidenceBundle } from "../formats/bundle.js";

/** The attestations in a store that make up a model's lineage: about it or any ancestor. */
export function lineageEntries(store: LedgerStore, modelSha256: string): StoredRecord[] {
  const entries = new Map<string, StoredRecord>();
  const expanded = new Set<string>();
  let frontier = [modelSha256];
  while (frontier.length) {
    for (const sha of frontier) {
      expanded.add(sha);
      for (const e of store.findEntriesAbout(sha)) if (e.entry.kind === "attestation") entries.set(e.recordHash, e);
    }
    const graph = buildLineageGraph([...entries.values()].map(asLineage));
    frontier = ancestorsOf(graph, modelSha256).filter((a) => !expanded.has(a));
  }
  return [...entries.values()].sort((a, b) => a.id - b.id);
}

export function asLineage(e: StoredRecord): LineageAttestation {
  if (e.entry.kind !== "attestation") invalid("INVALID_ARGUMENT", `entry ${e.recordHash} is a plain record, not an attestation`);
  return { entryHash: e.recordHash, statement: e.entry.statement };
}

/**
 * Builds the evidence bundle of a model from the local store: the receipt of every attestation
 * about the model or an ancestor (every one must be anchored), and the public keys of their
 * ed25519/P-256 signers.
 *
 * @example
 * import { buildBundle, serializeBundle } from "provenance-ledger";
 * await writeFile("model.bundle.json", serializeBundle(buildBundle(store, modelSha256, { name: "acme/detector" })));
 */
export function buildBundle(store: LedgerStore, modelSha256: string, options: { name?: string; now?: Date } = {}): EvidenceBundle {
  const entries = lineageEntries(store, modelSha256);
  if (entries.length === 0) throw new StoreError("NOT_FOUND", `no attestation about ${modelSha256} in ${store.path}`);
  const pending = entries.filter((e) => e.batchId === null || store.getBatch(e.batchId)?.status !== "anchored");
  if (pending.length)
    throw new StoreError(
      "NOT_FOUND",
      `${pending.length} attestation(s) of this lineage are not anchored yet (run \`provenance anchor\`): ${pending.map((e) => e.recordHash).join(", ")}`,
    );
  const receipts = entries.map((e) => buildReceipt(store, e.recordHash));
  const keys = new Map<string, PublicKeyInfo>();
  for (const e of entries) {
    if (e.entry.kind !== "attestation") continue;
    for (const s of e.entry.envelope.signatures) {
      if (/^0x[0-9a-f]{40}$/.test(s.keyid) || keys.has(s.keyid)) continue;
      const key = store.getPublicKey(s.keyid);
      if (!key) throw new StoreError("NOT_FOUND", `the public key of signer ${s.keyid} is not in ${store.path}; import it with provenance key import`);
      keys.set(s.keyid, key);
    }
  }
  const first = receipts[0]!.anchor;
  const model = entries.flatMap((e) => (e.entry.kind === "attestation" ? e.entry.statement.subject : [])).find((s) => s.digest.sha256 === modelSha256);
  return {
    format: BUNDLE_FORMAT,
    subject: { name: options.name ?? model?.name ?? modelSha256, digest: { sha256: modelSha256 } },
    chain: { chainId: first.chainId, registry: first.registry },
    createdAt: (options.now ?? new Date()).toISOString(),
    keys: [...keys.values()],
    receipts,
  };
}
