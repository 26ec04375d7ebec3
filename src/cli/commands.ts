import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { type PublicKeyInfo, parsePublicKeyInfo } from "../formats/attestation/publicKeys.js";
import type { JsonValue } from "../core/canonicalJson.js";
import { deployRegistry, readOrganisation, registerOrganisation, setAnchorer } from "../chain/registry.js";
import { ChainError } from "../core/errors/chain.js";
import { InputError } from "../core/errors/input.js";
import { invalidArgument } from "./usage.js";
import type { Hex } from "../core/hex.js";
import { parseAddress } from "../core/hex.js";
import { parseJson } from "../core/parseJson.js";
import { addRecord, anchorBatches, buildReceipt, findRecords, sealBatch } from "../ledger/ledger.js";
import { PREDICATE_NAMES } from "../formats/predicates/index.js";
import { parseReceipt, receiptEntry, serializeReceipt } from "../formats/receipt.js";
import { artifactOfDigest, createRecord } from "../formats/record.js";
import { type LedgerEntry, describeEntry, entryHash, entrySubjects } from "../formats/entry.js";
import { LedgerStore } from "../ledger/store/ledgerStore.js";
import { type VerifiedSigner, verifyAttestation } from "../verify/verifyAttestation.js";
import { type ArtifactCheck, type ArtifactEvidence, artifactFromDigest, artifactFromModelDigest } from "../verify/artifact.js";
import { verifyReceipt, type VerifiedReceipt } from "../verify/verifyReceipt.js";
import { type EntryRevocation, readEntryRevocation } from "../verify/revocation.js";
import { connectReader, connectWriter } from "../chain/connect.js";
import { connectVerifier, pinLines, pinsJson, resolveVerifierPins, saveCheckpoint, txHashNote, verifierChainId } from "./pins.js";
import { StoreError } from "../core/errors/store.js";
import { expectName, UINT32_MAX } from "../core/validate.js";
import {
  type ParsedFlags,
  findUp,
  firstArgument,
  parseInteger,
  parsePrivateKey,
  parseRegistry,
  parseRpcUrl,
  requireSetting,
  setting,
  walkOptions,
} from "./options.js";
import { type Output, formatTime } from "./output.js";
import { readTextFile } from "./readJsonFile.js";
import { verifierPolicy } from "./verifierPolicy.js";
import { hashWithProgress } from "./hashWithProgress.js";

export type CommandContext = { flags: ParsedFlags; args: string[]; out: Output };

const DEFAULT_DATA_DIR = ".provenance";

/**
 * The ledger store's folder: `--data-dir`, else PROVENANCE_DATA_DIR, else the nearest
 * `.provenance/` in the working directory or a parent (as git finds `.git`), else
 * `./.provenance` (where `provenance init` creates it).
 */
export function dataDir(flags: ParsedFlags): string {
  return resolve(setting(flags["data-dir"], "PROVENANCE_DATA_DIR") ?? findUp(DEFAULT_DATA_DIR, "directory") ?? DEFAULT_DATA_DIR);
}

export function timeoutMs(flags: ParsedFlags): number {
  return parseInteger(setting(flags.timeout, "PROVENANCE_TIMEOUT", "30")!, "--timeout (seconds)", 1, 3600) * 1000;
}

export function confirmations(flags: ParsedFlags): number {
  return parseInteger(setting(flags.confirmations, "PROVENANCE_CONFIRMATIONS", "1")!, "--confirmations", 1, 10_000);
}

export function rpcUrl(flags: ParsedFlags, store?: LedgerStore): string {
  return parseRpcUrl(requireSetting(setting(flags.rpc, "PROVENANCE_RPC_URL", store?.getMeta("rpc")), "--rpc", "PROVENANCE_RPC_URL"));
}

export async function writer(flags: ParsedFlags, store?: LedgerStore) {
  const key = parsePrivateKey(requireSetting(setting(flags["private-key"], "PROVENANCE_PRIVATE_KEY"), "--private-key", "PROVENANCE_PRIVATE_KEY"));
  return connectWriter(rpcUrl(flags, store), key, timeoutMs(flags));
}

export function registry(flags: ParsedFlags, store?: LedgerStore): Hex {
  return parseRegistry(requireSetting(setting(flags.registry, "PROVENANCE_REGISTRY", store?.getMeta("registry")), "--registry", "PROVENANCE_REGISTRY"));
}

export function orgId(flags: ParsedFlags, store?: LedgerStore): number {
  const value = setting(flags.org?.[0], "PROVENANCE_ORG", store?.getMeta("org"));
  return parseInteger(requireSetting(value, "--org", "PROVENANCE_ORG"), "--org", 1, UINT32_MAX);
}

/**
 * Runs `body` with the ledger store open. Only `provenance init` creates a store (`create`):
 * every other command refuses a folder that holds none, rather than silently working on an
 * empty one (a typo'd --data-dir, or a subfolder of the project).
 */
export function withStore<T>(flags: ParsedFlags, body: (store: LedgerStore) => Promise<T>, options: { create?: boolean } = {}): Promise<T> {
  const dir = dataDir(flags);
  if (!options.create && !existsSync(join(dir, "ledger.db")))
    throw new StoreError("NOT_FOUND", `no ledger store at ${dir}`, {
      details:
        flags["data-dir"] || process.env.PROVENANCE_DATA_DIR
          ? "run provenance init to create one there"
          : "no .provenance/ in this folder or any parent: run provenance init in the project's folder, or pass --data-dir",
    });
  const store = LedgerStore.open(dir);
  return body(store).finally(() => store.close());
}

/** `provenance init`: creates the data folder and its ledger store. */
export async function init({ flags, out }: CommandContext): Promise<void> {
  // A store found in a parent folder would be reused: init creates one here unless told where.
  const here = flags["data-dir"] || process.env.PROVENANCE_DATA_DIR ? flags : { ...flags, "data-dir": DEFAULT_DATA_DIR };
  await withStore(
    here,
    async (store) => {
      out.result({ dataDir: dataDir(here), store: store.path }, [
        `Initialised the ledger store at ${store.path}`,
        "Next: provenance deploy (or set PROVENANCE_REGISTRY), then provenance org add <name>.",
      ]);
    },
    { create: true },
  );
}

/** `provenance deploy`: deploys a registry; the store remembers it as the default. */
export async function deploy({ flags, out }: CommandContext): Promise<void> {
  await withStore(flags, async (store) => {
    const chain = await writer(flags, store);
    const admin = flags.admin ? parseAddress(flags.admin, "--admin") : chain.account;
    const { registry: address, receipt } = await deployRegistry(chain, { admin, confirmations: confirmations(flags), timeoutMs: timeoutMs(flags) });
    const chainId = await chain.getChainId();
    store.setMeta("registry", address);
    store.setMeta("chain_id", String(chainId));
    store.setMeta("deploy_block", String(receipt.blockNumber));
    if (flags.rpc) store.setMeta("rpc", flags.rpc);
    out.result(
      { registry: address, chainId, admin, txHash: receipt.transactionHash, blockNumber: Number(receipt.blockNumber), gasUsed: Number(receipt.gasUsed) },
      [
        `Deployed ProvenanceRegistry at ${address} on chain ${chainId} (block ${receipt.blockNumber}, tx ${receipt.transactionHash}).`,
        `Registry admin: ${admin}`,
      ],
    );
  });
}

/** `provenance org add <name>`: registers an organisation; the caller becomes its admin and anchorer. */
export async function orgAdd({ flags, args, out }: CommandContext): Promise<void> {
  if (!args[0]) invalidArgument("usage: provenance org add <name>");
  // Verdicts print this name: printable text only (docs/attestations.md, "Names and printed text").
  const name = expectName(args[0], "organisation name", "INVALID_ARGUMENT", { max: 256 });
  await withStore(flags, async (store) => {
    const chain = await writer(flags, store);
    const address = registry(flags, store);
    const anchorers = [chain.account, ...(flags.anchorer ?? []).map((a, i) => parseAddress(a, `--anchorer[${i}]`))];
    const admin = flags.admin ? parseAddress(flags.admin, "--admin") : chain.account;
    const { orgId: id, receipt } = await registerOrganisation(chain, address, {
      name,
      admin,
      anchorers,
      confirmations: confirmations(flags),
      timeoutMs: timeoutMs(flags),
    });
    store.setMeta("org", String(id));
    out.result({ orgId: id, name, admin, anchorers, registry: address, txHash: receipt.transactionHash }, [
      `Registered organisation ${id} "${name}" in ${address} (tx ${receipt.transactionHash}).`,
      `Admin: ${admin}; anchorers: ${anchorers.join(", ")}. It is now this store's default --org.`,
    ]);
  });
}

/** `provenance org anchorer add|remove <address>`: the organisation admin grants or revokes an anchorer (key rotation). */
export async function orgAnchorer({ flags, args, out }: CommandContext): Promise<void> {
  const [action, address] = args;
  if ((action !== "add" && action !== "remove") || !address) invalidArgument("usage: provenance org anchorer add|remove <address>");
  await withStore(flags, async (store) => {
    const chain = await writer(flags, store);
    const org = orgId(flags, store);
    const account = parseAddress(address, "<address>");
    const { receipt } = await setAnchorer(chain, registry(flags, store), {
      orgId: org,
      account,
      grant: action === "add",
      confirmations: confirmations(flags),
      timeoutMs: timeoutMs(flags),
    });
    out.result({ orgId: org, account, anchorer: action === "add", txHash: receipt.transactionHash, blockNumber: Number(receipt.blockNumber) }, [
      `${action === "add" ? "Granted" : "Revoked"} the anchorer role of organisation ${org} ${action === "add" ? "to" : "from"} ${account} at block ${receipt.blockNumber}`,
    ]);
  });
}

/** `provenance org show <id>`. */
export async function orgShow({ flags, args, out }: CommandContext): Promise<void> {
  await withStore(flags, async (store) => {
    const id = args[0] ? parseInteger(args[0], "<id>", 1, UINT32_MAX) : orgId(flags, store);
    const org = await readOrganisation(connectReader(rpcUrl(flags, store), timeoutMs(flags)), registry(flags, store), id);
    if (!org) throw new ChainError("NOT_A_REGISTRY", `organisation ${id} is not registered`);
    out.result(org, [`Organisation ${org.id} "${org.name}": ${org.batchCount} batch(es), head root ${org.headRoot}`]);
  });
}

function parseFields(fields: readonly string[] | undefined): Record<string, JsonValue> | undefined {
  if (!fields?.length) return undefined;
  const result: Record<string, JsonValue> = {};
  for (const field of fields) {
    const eq = field.indexOf("=");
    if (eq <= 0) invalidArgument(`--field must look like key=value, got "${field}"`);
    result[field.slice(0, eq)] = field.slice(eq + 1);
  }
  return result;
}

/** `provenance record <path>`: hashes a model and stores a pending record (durable when acknowledged). */
export async function record({ flags, args, out }: CommandContext): Promise<void> {
  const path = firstArgument(args, "usage: provenance record <path> [--name N] [--version V] [--type T] [--field k=v]");
  const digest = await hashWithProgress(path, walkOptions(flags));
  const fields = parseFields(flags.field);
  const rec = createRecord({
    ...(flags.type ? { type: flags.type } : {}),
    subject: {
      name: flags.name ?? resolve(path).split("/").pop()!,
      version: flags.version ?? "unversioned",
      digest: { sha256: digest.sha256 },
      artifact: artifactOfDigest(digest),
    },
    ...(fields ? { fields } : {}),
  });
  await withStore(flags, async (store) => {
    const { stored, created } = addRecord(store, rec);
    out.result({ recordId: stored.recordHash, leaf: stored.leaf, sha256: digest.sha256, created, record: rec }, [
      `${created ? "Recorded" : "Already recorded"} ${rec.subject.name}@${rec.subject.version} (${digest.kind}, ${digest.fileCount} file(s), ${digest.size} bytes)`,
      `  model sha256: ${digest.sha256}`,
      `  record id:    ${stored.recordHash}`,
      `Pending until the next \`provenance anchor\`.`,
    ]);
  });
}

/** `provenance anchor`: seals pending records into a batch and anchors every batch not yet anchored. */
export async function anchor({ flags, out }: CommandContext): Promise<void> {
  await withStore(flags, async (store) => {
    const sealed = sealBatch(store);
    const pending = store.batchesNotAnchored();
    if (pending.length === 0) {
      out.result({ anchored: [] }, ["Nothing to anchor: no pending records."]);
      return;
    }
    const chain = await writer(flags, store);
    const anchored = await anchorBatches(store, chain, {
      registry: registry(flags, store),
      orgId: orgId(flags, store),
      confirmations: confirmations(flags),
      timeoutMs: timeoutMs(flags),
    });
    out.result(
      {
        sealed: sealed ? { id: sealed.id, root: sealed.root, leafCount: sealed.leafCount } : null,
        anchored: anchored.map((b) => ({ id: b.id, root: b.root, leafCount: b.leafCount, ...b.anchor })),
      },
      anchored.map(
        (b) =>
          `Anchored batch ${b.id} (${b.leafCount} record(s), root ${b.root}) as sequence ${b.anchor!.sequence} of organisation ${b.anchor!.orgId} at block ${b.anchor!.blockNumber}, tx ${b.anchor!.txHash}`,
      ),
    );
  });
}

/** `provenance receipt <digest|record id> [-o file]`. */
export async function receipt({ flags, args, out }: CommandContext): Promise<void> {
  const query = firstArgument(args, "usage: provenance receipt <model digest|record id> [--type T] [-o file]");
  await withStore(flags, async (store) => {
    const r = buildReceipt(store, chooseEntry(store, query, flags.type));
    const text = serializeReceipt(r);
    if (flags.output) {
      await writeFile(flags.output, text);
      out.result({ file: resolve(flags.output), recordId: entryHash(receiptEntry(r)), leaf: r.leaf, root: r.root }, [`Wrote the receipt to ${flags.output}`]);
    } else out.raw(text);
  });
}

/** An entry's type for `receipt --type`: a record's `type`, an attestation's predicate name (`training-run`) or predicate type URI. */
function entryTypes(entry: LedgerEntry): string[] {
  if (entry.kind === "record") return [entry.record.type];
  const type = entry.statement.predicateType;
  return [
    type,
    ...Object.entries(PREDICATE_NAMES)
      .filter(([, uri]) => uri === type)
      .map(([name]) => name),
  ];
}

/**
 * The one entry a `receipt` query names: an entry id, or a model digest that only one entry (of
 * `--type`, when given) is about. Several matches are listed, never resolved by picking one.
 */
export function chooseEntry(store: LedgerStore, query: string, type: string | undefined): string {
  const all = findRecords(store, query);
  if (all.length === 0) throw new StoreError("NOT_FOUND", `no record matches ${query} in ${store.path}`);
  const matches = type === undefined ? all : all.filter((e) => entryTypes(e.entry).includes(type));
  if (matches.length === 1) return matches[0]!.recordHash;
  if (matches.length === 0)
    throw new StoreError(
      "NOT_FOUND",
      `none of the ${all.length} entries about ${query} has type "${type}" (types: ${[...new Set(all.map((e) => entryTypes(e.entry).at(-1)))].join(", ")})`,
    );
  throw new InputError("INVALID_ARGUMENT", `${matches.length} entries are about ${query}: pass --type <type> or one entry id`, {
    metaMessages: matches.map(
      (e) => `${e.recordHash}  ${entryTypes(e.entry).at(-1)}  ${describeEntry(e.entry)}  ${e.batchId === null ? "pending" : `batch ${e.batchId}`}`,
    ),
  });
}

/** `provenance status`: what the local store holds. */
export async function status({ flags, out }: CommandContext): Promise<void> {
  await withStore(flags, async (store) => {
    const s = store.stats();
    out.result({ ...s, store: store.path, registry: store.getMeta("registry"), org: store.getMeta("org") }, [
      `Store ${store.path}: ${s.records} record(s), ${s.pending} pending; ${s.batches} batch(es), ${s.anchored} anchored.`,
      `Default registry: ${store.getMeta("registry") ?? "(none)"}; default organisation: ${store.getMeta("org") ?? "(none)"}`,
    ]);
  });
}

/** Exit code 1: verification ran and did not succeed. */
export class NotVerified extends Error {}

/** The public key of an ed25519 or P-256 signer (`key.pub.json`), checked against its keyid. */
async function readPublicKeys(file: string | undefined): Promise<PublicKeyInfo[]> {
  if (file === undefined) return [];
  const text = await readTextFile(file, "the public key");
  return [parsePublicKeyInfo(parseJson(text, `public key ${file}`), `public key ${file}`)];
}

/** Exit code of a verdict that passed against a digest the caller supplied: no file was read. */
export const EXIT_DIGEST_ONLY = 3;

/** The first words of a passing verdict: plain for files the verifier hashed, qualified for a supplied digest. */
export function verifiedHeadline(artifact: ArtifactCheck): string {
  return artifact.checked === "files" ? "VERIFIED" : "VERIFIED (digest only: no file was read)";
}

/** The verdict's line about the model's files. */
export function artifactLine(artifact: ArtifactCheck, flags?: ParsedFlags): string {
  // A directory walked with --follow-symlinks/--ignore-paths is hashed into a v3 manifest that records them.
  const walked = artifact.checked === "files" && artifact.kind === "directory" && flags !== undefined && Object.keys(walkOptions(flags)).length > 0;
  const hashing = walked
    ? `model hashing v3: ${[flags!["follow-symlinks"] !== undefined ? "symlinks followed inside --follow-symlinks" : "", flags!["ignore-paths"] ? `ignoring ${walkOptions(flags!).ignorePaths?.join(", ")}` : ""].filter(Boolean).join(", ")}`
    : "model hashing v2";
  if (artifact.checked === "files")
    return `  model files: this verifier hashed the ${artifact.kind} (${hashing}): sha256 ${artifact.sha256} matches, kind ${artifact.kind} matches what was signed`;
  if (artifact.checked === "digest-only")
    return `  model files: NOT READ; verified against the digest the caller supplied (sha256:${artifact.sha256}), exit code ${EXIT_DIGEST_ONLY}`;
  return "  model files: not checked";
}

/**
 * The verifier's evidence about the model: `--artifact <path>` is hashed (always as a path, even
 * when its name looks like a digest: content-addressed stores name files by their SHA-256);
 * `--artifact-digest sha256:<hex>` is a digest the caller holds. Exactly one is required.
 */
export async function artifactEvidence(flags: ParsedFlags, path: string | undefined = flags.artifact, pathFlag = "--artifact"): Promise<ArtifactEvidence> {
  const digest = flags["artifact-digest"];
  if (path !== undefined && digest !== undefined) invalidArgument(`give ${pathFlag} or --artifact-digest, not both`);
  if (digest !== undefined) return artifactFromDigest(digest);
  if (path === undefined || path === "")
    invalidArgument(
      `missing ${pathFlag} <model path> (the files to hash) or --artifact-digest sha256:<64 hex> (a digest you hold; the verdict then says no file was read and exits ${EXIT_DIGEST_ONLY})`,
    );
  return artifactFromModelDigest(await hashWithProgress(path, walkOptions(flags)));
}

/**
 * `provenance verify <receipt> (--artifact path | --artifact-digest sha256:<hex>) [--key key.pub.json] --rpc url --registry addr [--chain-id id] [--org id]…`.
 * A receipt of a signed attestation is verified as one: signatures and on-chain signing keys too.
 * Resolves to the exit code: 0 verified from files, 3 verified against a supplied digest.
 */
export async function verify({ flags, args, out }: CommandContext): Promise<number> {
  const file = firstArgument(
    args,
    "usage: provenance verify <receipt> (--artifact <path> | --artifact-digest sha256:<hex>) [--key <signer's key.pub.json>] --rpc <url> --registry <address> [--chain-id <id>] [--org <id>] [--trust-mode rpc|light] [--qbft-trust <file>] [--checkpoint <file>] [--save-checkpoint <file>]",
  );
  // A receipt holds one entry: there are no approvals to count and no lineage to draw.
  for (const flag of ["require-approvals", "format"] as const)
    if (flags[flag] !== undefined) invalidArgument(`--${flag} applies to verify --lineage and verify-bundle, not to one receipt`);
  const text = await readTextFile(file, "the receipt", "receipt");
  const parsed = parseReceipt(text);
  // Pins come from the verifier (flags, its environment, --trust), never from the receipt, a .env or the local store.
  const pins = await resolveVerifierPins(flags);
  // The verifier's policy: for one receipt, which organisations' anchors and revocations count.
  const { policy, source: policySource } = await verifierPolicy(flags);
  const chain = connectVerifier(pins, timeoutMs(flags));
  const artifact = await artifactEvidence(flags);
  const chainId = await verifierChainId(pins, chain);
  const orgs = pins.organisations.value;
  const accepted = orgs.length ? (policy.organisations ? orgs.filter((o) => policy.organisations!.includes(o)) : [...orgs]) : policy.organisations;
  const common = {
    receipt: parsed,
    artifact,
    chain,
    chainId,
    registry: pins.registry.value,
    acceptedOrgIds: accepted === undefined ? undefined : [...accepted],
    confirmations: confirmations(flags),
  };
  // An anchored envelope proves only that someone anchored it: its signatures and keys must be checked too.
  let result: VerifiedReceipt;
  let signers: readonly VerifiedSigner[] = [];
  if (parsed.envelope !== undefined) {
    const attestation = await verifyAttestation({ ...common, publicKeys: await readPublicKeys(flags.key) });
    ({ signers } = attestation);
    result = attestation;
  } else result = await verifyReceipt(common);
  // Anchored is not the whole answer: a subject its organisation has revoked since is NOT VERIFIED, as in verify-bundle.
  const revocation = await readEntryRevocation({
    chain,
    registry: pins.registry.value,
    entry: result.entry,
    organisations: [result.organisation.id, ...(policy.revocation?.organisations ?? [])],
    maxHeadAgeSeconds: pins.maxHeadAgeSeconds.value,
  });
  const report = await chain.trustReport();
  await saveCheckpoint(pins, chain);
  const subjects = `${describeEntry(result.entry)} (sha256 ${entrySubjects(result.entry).join(", ")})`;
  out.result(
    {
      verified: !revocation.revoked,
      verdict: revocation.revoked ? "revoked" : "verified",
      ...result,
      revocation,
      policy: { source: policySource, ...policy },
      chainIdPinned: pins.chainId.value !== undefined,
      trustMode: report.trustMode,
      trusted: pinsJson(pins, chainId, report),
    },
    [
      revocation.revoked ? `NOT VERIFIED: ${subjects} is REVOKED by ${revokedBy(revocation)}` : `${verifiedHeadline(result.artifact)}: ${subjects}`,
      `registered at block ${result.blockNumber} (${formatTime(result.timestamp)}) by organisation ${result.organisation.id} "${result.organisation.name}" in transaction ${result.txHash}${txHashNote(report, pins.offline)}`,
      ...signers.map(
        (s) => `  signed by ${s.algorithm} key ${s.keyid}, registered to the organisation at block ${s.registeredAt} and not revoked by the anchor block`,
      ),
      `  chain ${result.chainId}${pins.chainId.value !== undefined ? "" : " (as reported by the node; pin it with --chain-id)"}, registry ${result.registry}, batch ${result.sequence}, ${result.confirmations} confirmation(s)`,
      artifactLine(result.artifact, flags),
      `  checks passed: ${result.checks.join(", ")}`,
      revocationLine(revocation),
      `  policy: ${policySource} (for one receipt: the organisations whose anchors and revocations count)`,
      ...pinLines(pins, chainId, report),
    ],
  );
  if (revocation.revoked) return 1;
  return result.artifact.checked === "files" ? 0 : EXIT_DIGEST_ONLY;
}

/** Who revoked what, and when: `organisation 1 at block 8 (revocation 0x…)`. */
function revokedBy(revocation: EntryRevocation): string {
  return revocation.findings.map((f) => `organisation ${f.orgId} at block ${f.blockNumber}${f.entryHash ? ` (revocation ${f.entryHash})` : ""}`).join("; ");
}

/** The revocation line of a receipt's verdict: what the chain said of its subjects, and as of when. */
function revocationLine(revocation: EntryRevocation): string {
  const orgs = [...new Set(revocation.checked.flatMap((c) => c.organisations))].join(", ");
  const asOf = `as of block ${revocation.checkedAt.blockNumber} (${formatTime(revocation.checkedAt.timestamp)}), read from the chain for organisation ${orgs}`;
  if (revocation.findings.length === 0) return `  revocation: not revoked ${asOf}`;
  const state = `revoked by ${revokedBy(revocation)}`;
  return revocation.revoked
    ? `  revocation: ${state}, ${asOf}`
    : `  revocation: the subject this revocation is about is ${state}, ${asOf} (this entry records that revocation)`;
}
