import { chmod, readFile, writeFile } from "node:fs/promises";
import { basename, resolve } from "node:path";
import type { DsseEnvelope } from "../attestation/dsse.js";
import { type KeyAlgorithm, KEY_ALGORITHMS, type PublicKeyInfo, type KeyFile, PUBLIC_KEY_FORMAT, generateKeyFile, onChainKeyId, onChainRole, parseKeyFile, parsePublicKeyInfo, publicKeyInfo, signerFromKeyFile } from "../attestation/keys.js";
import { createModelManifestPredicate } from "../attestation/predicates/modelManifest.js";
import { APPROVAL_PREDICATE_TYPE, createApprovalPredicate } from "../attestation/predicates/approval.js";
import { ENVIRONMENT_PREDICATE_TYPE } from "../attestation/predicates/environment.js";
import { PREDICATE_NAMES } from "../attestation/predicates/index.js";
import { signStatement } from "../attestation/signStatement.js";
import { STATEMENT_TYPE, type Statement, type StatementSubject } from "../attestation/statement.js";
import { buildBundle } from "../bundle/buildBundle.js";
import { parseBundle, serializeBundle } from "../bundle/bundle.js";
import { type VerifiedBundle, verifyBundle } from "../bundle/verifyBundle.js";
import { readSigningKey, registerSigningKey, revokeSigningKey } from "../chain/registry.js";
import { captureEnvironment } from "../environment/captureEnvironment.js";
import { ChainError } from "../errors/chain.js";
import { InputError } from "../errors/input.js";
import { createTtyProgress } from "../hashing/createTtyProgress.js";
import { hashModel } from "../hashing/hashModel.js";
import { addAttestation } from "../ledger.js";
import { buildLineageGraph, displayName, revocationStatus, ancestorsOf } from "../lineage/lineageGraph.js";
import { statementOfEnvelope } from "../attestation/parseStatement.js";
import { entryHash } from "../entry.js";
import { receiptEntry } from "../receipt.js";
import { VerificationError } from "../errors/verification.js";
import { type LineageFormat, renderLineage } from "../lineage/renderLineage.js";
import { asLineage, lineageEntries } from "../bundle/buildBundle.js";
import type { LedgerStore } from "../store/ledgerStore.js";
import { type CommandContext, confirmations, orgId, registry, timeoutMs, withStore, writer } from "./commands.js";
import { connectReader } from "./connect.js";
import { type VerifierPins, connectVerifier, pinLines, pinsJson, resolveVerifierPins, verifierChainId } from "./pins.js";
import { type ParsedFlags, parseInteger, parseRegistry, parseRpcUrl, requireSetting, setting } from "./options.js";
import { formatTime } from "./output.js";
import { readJsonFile } from "./readJsonFile.js";

export { readJsonFile } from "./readJsonFile.js";

async function loadKey(flags: ParsedFlags): Promise<KeyFile> {
  const file = requireSetting(setting(flags.key, "PROVENANCE_SIGNING_KEY"), "--key", "PROVENANCE_SIGNING_KEY");
  return parseKeyFile(await readJsonFile(file, "key file"), `key file ${file}`);
}

const DIGEST = /^(?:sha256:)?([0-9a-f]{64})$/;

/** A subject from a path (hashed) or a digest (`sha256:<hex>`); the name is --name or the file name. */
export async function resolveSubject(spec: string, name: string | undefined): Promise<StatementSubject> {
  const m = DIGEST.exec(spec.trim().toLowerCase());
  if (m) return { name: name ?? `sha256:${m[1]}`, digest: { sha256: m[1]! } };
  const progress = createTtyProgress();
  try {
    const digest = await hashModel(spec, { onProgress: progress.onProgress });
    return { name: name ?? basename(resolve(spec)), digest: { sha256: digest.sha256 } };
  } finally {
    progress.finish();
  }
}

async function signAndStore(store: LedgerStore, statement: Statement, key: KeyFile): Promise<{ envelope: DsseEnvelope; entryHash: string; created: boolean }> {
  const envelope = await signStatement(statement, [signerFromKeyFile(key)]);
  if (key.algorithm !== "secp256k1") store.putPublicKey(publicKeyInfo(key));
  const { stored, created } = addAttestation(store, envelope);
  return { envelope, entryHash: stored.recordHash, created };
}

/** `-o` of attest and approve: the signed DSSE envelope as JSON, as `provenance serve` takes it (`{"envelope": …}`). */
async function writeEnvelope(file: string, envelope: DsseEnvelope): Promise<void> {
  try {
    await writeFile(file, `${JSON.stringify(envelope, null, 2)}\n`);
  } catch (cause) {
    throw new InputError("INVALID_ARGUMENT", `cannot write ${file}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`, { cause });
  }
}

/** `provenance key generate --algorithm A -o key.json`: a new signing key (file mode 0600). */
export async function keyGenerate({ flags, out }: CommandContext): Promise<void> {
  const algorithm = (flags.algorithm ?? "ed25519") as KeyAlgorithm;
  if (!KEY_ALGORITHMS.includes(algorithm)) throw new InputError("INVALID_ARGUMENT", `--algorithm must be one of ${KEY_ALGORITHMS.join(", ")}, got "${flags.algorithm}"`);
  if (!flags.output) throw new InputError("INVALID_ARGUMENT", "usage: provenance key generate --algorithm ed25519|p256|secp256k1 -o key.json");
  const key = generateKeyFile(algorithm);
  await writeFile(flags.output, `${JSON.stringify(key, null, 2)}\n`, { mode: 0o600, flag: "wx" }).catch((cause: NodeJS.ErrnoException) => {
    throw new InputError("INVALID_ARGUMENT", cause.code === "EEXIST" ? `${flags.output} exists; refusing to overwrite a key` : `cannot write ${flags.output}: ${cause.code}`, { cause });
  });
  await chmod(flags.output, 0o600);
  const publicFile = flags.output.replace(/(\.json)?$/, ".pub.json");
  await writeFile(publicFile, `${JSON.stringify({ format: PUBLIC_KEY_FORMAT, ...publicKeyInfo(key) }, null, 2)}\n`);
  out.result({ keyid: key.keyid, algorithm, file: resolve(flags.output), publicKeyFile: resolve(publicFile) }, [
    `Generated a ${algorithm} key ${key.keyid}`,
    `  private: ${flags.output} (mode 0600, never share it); public: ${publicFile}`,
    `Next: provenance key register ${publicFile} --role <role> (as the organisation admin)`,
  ]);
}

async function readPublicKey(file: string): Promise<PublicKeyInfo> {
  const value = await readJsonFile(file, "key file");
  const o = value as Record<string, unknown>;
  return o && typeof o === "object" && "privateKey" in o ? publicKeyInfo(parseKeyFile(value, `key file ${file}`)) : parsePublicKeyInfo(value, `key file ${file}`);
}

/** `provenance key register <key file> --role R`: the organisation admin registers a signing key on chain. */
export async function keyRegister({ flags, args, out }: CommandContext): Promise<void> {
  const file = args[0];
  if (!file) throw new InputError("INVALID_ARGUMENT", "usage: provenance key register <key.pub.json> --role <role>");
  const key = await readPublicKey(file);
  await withStore(flags, async (store) => {
    const chain = await writer(flags, store);
    const org = orgId(flags, store);
    const { receipt } = await registerSigningKey(chain, registry(flags, store), { orgId: org, keyId: onChainKeyId(key.keyid), role: onChainRole(flags.role), confirmations: confirmations(flags), timeoutMs: timeoutMs(flags) });
    if (key.algorithm !== "secp256k1") store.putPublicKey(key);
    out.result({ keyid: key.keyid, onChainKeyId: onChainKeyId(key.keyid), orgId: org, role: flags.role ?? null, txHash: receipt.transactionHash, blockNumber: Number(receipt.blockNumber) }, [
      `Registered ${key.algorithm} key ${key.keyid} for organisation ${org}${flags.role ? ` with role "${flags.role}"` : ""} at block ${receipt.blockNumber}`,
    ]);
  });
}

/** `provenance key revoke <keyid|key file>`. */
export async function keyRevoke({ flags, args, out }: CommandContext): Promise<void> {
  const spec = args[0];
  if (!spec) throw new InputError("INVALID_ARGUMENT", "usage: provenance key revoke <keyid|key file>");
  const keyid = /^(0x[0-9a-f]{40}|sha256:[0-9a-f]{64})$/.test(spec) ? spec : (await readPublicKey(spec)).keyid;
  await withStore(flags, async (store) => {
    const chain = await writer(flags, store);
    const org = orgId(flags, store);
    const { receipt } = await revokeSigningKey(chain, registry(flags, store), { orgId: org, keyId: onChainKeyId(keyid), confirmations: confirmations(flags), timeoutMs: timeoutMs(flags) });
    out.result({ keyid, orgId: org, txHash: receipt.transactionHash, blockNumber: Number(receipt.blockNumber) }, [`Revoked key ${keyid} of organisation ${org} at block ${receipt.blockNumber}; envelopes anchored from this block on no longer count`]);
  });
}

/** `provenance key show <keyid|key file>`: the key's on-chain registration. */
export async function keyShow({ flags, args, out }: CommandContext): Promise<void> {
  const spec = args[0];
  if (!spec) throw new InputError("INVALID_ARGUMENT", "usage: provenance key show <keyid|key file>");
  const keyid = /^(0x[0-9a-f]{40}|sha256:[0-9a-f]{64})$/.test(spec) ? spec : (await readPublicKey(spec)).keyid;
  await withStore(flags, async (store) => {
    const pins = verifierPins(flags, store);
    const state = await readSigningKey(pins.chain, pins.registry, onChainKeyId(keyid));
    if (!state) {
      out.result({ keyid, registered: false }, [`Key ${keyid} is not registered in ${pins.registry}`]);
      return;
    }
    out.result({ keyid, registered: true, ...state }, [
      `Key ${keyid}: organisation ${state.orgId}, registered at block ${state.registeredAt}${state.revokedAt ? `, REVOKED at block ${state.revokedAt}` : ", active"}`,
    ]);
  });
}

/**
 * `provenance attest <type> --subject <path|sha256:…>… [--name N] [--predicate file.json] --key key.json`:
 * signs an in-toto statement and stores the envelope as pending. `model-manifest` and
 * `environment` compute their predicate when none is given.
 */
export async function attest({ flags, args, out }: CommandContext): Promise<void> {
  const type = args[0];
  const predicateType = type === undefined ? undefined : (PREDICATE_NAMES[type] ?? (Object.values(PREDICATE_NAMES).includes(type) ? type : undefined));
  if (!predicateType)
    throw new InputError("INVALID_ARGUMENT", `usage: provenance attest <${Object.keys(PREDICATE_NAMES).join("|")}> --subject <path|sha256:…> [--predicate file.json] --key key.json`);
  const subjects = flags.subject ?? [];
  if (subjects.length === 0) throw new InputError("INVALID_ARGUMENT", "attest needs at least one --subject (a path to hash, or sha256:<hex>)");
  const key = await loadKey(flags);
  const subject = await Promise.all(subjects.map((s, i) => resolveSubject(s, i === 0 ? flags.name : undefined)));
  let predicate: unknown;
  if (flags.predicate) predicate = await readJsonFile(flags.predicate, "predicate");
  else if (type === "model-manifest") {
    const made = await createModelManifestPredicate(subjects[0]!, {});
    predicate = made.predicate;
  } else if (predicateType === ENVIRONMENT_PREDICATE_TYPE) predicate = await captureEnvironment({ pythonEnvironments: flags["python-env"] ?? [] });
  else throw new InputError("INVALID_ARGUMENT", `attest ${type} needs --predicate <file.json> (see docs/predicates.md for its fields)`);
  const statement: Statement = { _type: STATEMENT_TYPE, subject, predicateType, predicate };
  await withStore(flags, async (store) => {
    const { entryHash, created, envelope } = await signAndStore(store, statement, key);
    if (flags.output) await writeEnvelope(flags.output, envelope);
    out.result({ entryHash, predicateType, subject, keyid: key.keyid, created, ...(flags.output ? { envelopeFile: resolve(flags.output) } : {}) }, [
      `${created ? "Attested" : "Already attested"} ${type} about ${subject.map((s) => `${s.name} (sha256 ${s.digest.sha256.slice(0, 16)}…)`).join(", ")}`,
      `  signed by ${key.keyid}; entry ${entryHash}; pending until the next \`provenance anchor\``,
      ...(flags.output ? [`  signed envelope written to ${flags.output} (POST it to provenance serve as {"envelope": …})`] : []),
    ]);
  });
}

/** `provenance approve <model> --policy P --role R [--decision approved|rejected] [--comment C] --key key.json`. */
export async function approve({ flags, args, out }: CommandContext): Promise<void> {
  const spec = args[0];
  if (!spec || !flags.policy || !flags.role)
    throw new InputError("INVALID_ARGUMENT", "usage: provenance approve <model path|sha256:…> --policy <id> --role <role> [--decision approved|rejected] [--comment text] --key key.json [--name N]");
  const key = await loadKey(flags);
  const subject = await resolveSubject(spec, flags.name);
  const decision = flags.decision ?? "approved";
  if (decision !== "approved" && decision !== "rejected") throw new InputError("INVALID_ARGUMENT", `--decision must be approved or rejected, got "${decision}"`);
  const predicate = createApprovalPredicate({
    decision,
    policy: { id: flags.policy },
    approver: { keyid: key.keyid, name: process.env.PROVENANCE_APPROVER_NAME ?? key.keyid, role: flags.role },
    approvedAt: new Date(),
    ...(flags.comment ? { comment: flags.comment } : {}),
  });
  await withStore(flags, async (store) => {
    const { entryHash, envelope } = await signAndStore(store, { _type: STATEMENT_TYPE, subject: [subject], predicateType: APPROVAL_PREDICATE_TYPE, predicate }, key);
    if (flags.output) await writeEnvelope(flags.output, envelope);
    out.result({ entryHash, decision, policy: flags.policy, role: flags.role, keyid: key.keyid, model: subject, ...(flags.output ? { envelopeFile: resolve(flags.output) } : {}) }, [
      `${decision === "approved" ? "Approved" : "Rejected"} ${subject.name} (sha256 ${subject.digest.sha256.slice(0, 16)}…) under policy ${flags.policy} as ${flags.role}; entry ${entryHash}`,
      ...(flags.output ? [`  signed envelope written to ${flags.output} (POST it to provenance serve as {"envelope": …})`] : []),
    ]);
  });
}

function lineageFormat(flags: ParsedFlags): LineageFormat {
  const format = flags.format ?? "text";
  if (format !== "text" && format !== "mermaid" && format !== "dot") throw new InputError("INVALID_ARGUMENT", `--format must be text, mermaid or dot, got "${format}"`);
  return format;
}

/** `provenance lineage <model> [--format text|mermaid|dot] [-o file]`: the graph as the local store records it (not verified). */
export async function lineage({ flags, args, out }: CommandContext): Promise<void> {
  const spec = args[0];
  if (!spec) throw new InputError("INVALID_ARGUMENT", "usage: provenance lineage <model path|sha256:…> [--format text|mermaid|dot] [-o file]");
  const { digest } = await resolveSubject(spec, undefined);
  await withStore(flags, async (store) => {
    const entries = lineageEntries(store, digest.sha256).map(asLineage);
    if (entries.length === 0) throw new InputError("INVALID_ARGUMENT", `no attestation about sha256 ${digest.sha256} in ${store.path}`);
    const graph = buildLineageGraph(entries);
    const status = revocationStatus(graph, entries, digest.sha256);
    const marks = revocationMarks(graph, entries);
    const text = renderLineage(graph, digest.sha256, lineageFormat(flags), marks);
    const note = "(as recorded in the local store; `provenance verify --lineage` checks it against the chain)";
    if (flags.output) await writeFile(flags.output, text);
    const result = { model: digest.sha256, nodes: [...graph.nodes.values()], edges: graph.edges, revocation: status, ...(flags.output ? { file: resolve(flags.output) } : {}) };
    if (flags.output || flags.json) {
      out.result(result, [`Wrote the lineage (${lineageFormat(flags)}) to ${flags.output}`, note]);
      return;
    }
    // Only the graph on stdout, so `provenance lineage m --format dot | dot -Tsvg` works; the note goes to stderr.
    out.raw(text.endsWith("\n") ? text : `${text}\n`);
    process.stderr.write(`${note}\n`);
  });
}

function revocationMarks(graph: ReturnType<typeof buildLineageGraph>, entries: Parameters<typeof revocationStatus>[1]): Map<string, string[]> {
  const marks = new Map<string, string[]>();
  for (const sha of graph.nodes.keys()) {
    const s = revocationStatus(graph, entries, sha);
    const m = [...(s.revoked ? ["REVOKED"] : []), ...(s.derivedFromRevoked.length ? ["derived from a revoked model"] : [])];
    if (m.length) marks.set(sha, m);
  }
  return marks;
}

/** `provenance bundle <model> -o file`: the self-contained evidence bundle of a model. */
export async function bundle({ flags, args, out }: CommandContext): Promise<void> {
  const spec = args[0];
  if (!spec || !flags.output) throw new InputError("INVALID_ARGUMENT", "usage: provenance bundle <model path|sha256:…> -o model.bundle.json [--name N]");
  const { digest } = await resolveSubject(spec, undefined);
  await withStore(flags, async (store) => {
    const b = buildBundle(store, digest.sha256, flags.name ? { name: flags.name } : {});
    await writeFile(flags.output!, serializeBundle(b));
    // A bundle that cannot verify is worth writing (to inspect it), never worth writing silently.
    const check = await checkWrittenBundle(flags, b, store);
    for (const problem of check.problems) process.stderr.write(`warning: this bundle will not verify: ${problem}\n`);
    if (check.checkedOnChain === false && check.problems.length === 0) process.stderr.write(`note: the bundle was not verified against the chain (${check.why})\n`);
    out.result(
      { file: resolve(flags.output!), model: b.subject, entries: b.receipts.length, keys: b.keys.length, verifies: check.problems.length === 0 ? (check.checkedOnChain ? true : null) : false, problems: check.problems },
      [`Wrote the evidence bundle of ${b.subject.name} to ${flags.output}: ${b.receipts.length} signed, anchored entries and ${b.keys.length} public key(s)`],
    );
  });
}

/**
 * What `bundle` checks in the bundle it just wrote: every ancestor of the model has an
 * attestation (offline), then, when the store or the settings name a node and a registry, the
 * whole verification a third party runs.
 */
async function checkWrittenBundle(flags: ParsedFlags, b: ReturnType<typeof buildBundle>, store: LedgerStore): Promise<{ problems: string[]; checkedOnChain: boolean; why?: string }> {
  const model = b.subject.digest.sha256;
  const lineage = b.receipts.flatMap((r) => (r.envelope === undefined ? [] : [{ entryHash: entryHash(receiptEntry(r)), statement: statementOfEnvelope(r.envelope) }]));
  const graph = buildLineageGraph(lineage);
  const problems: string[] = [];
  for (const ancestor of ancestorsOf(graph, model)) {
    if (graph.nodes.get(ancestor)?.attestedBy.length) continue;
    const edge = graph.edges.find((e) => e.from === ancestor)!;
    problems.push(`${displayName(graph, ancestor)}, the ${edge.relation} of ${displayName(graph, edge.to)}, has no attestation in this store (attest it, anchor, and write the bundle again)`);
  }
  if (problems.length) return { problems, checkedOnChain: false };
  let pins;
  try {
    pins = verifierPins(flags, store);
  } catch (error) {
    return { problems, checkedOnChain: false, why: error instanceof InputError ? error.shortMessage : String(error) };
  }
  try {
    const chainId = await pins.chain.getChainId(); // the organisation's own node: it checks its own work
    const result = await verifyBundle({ bundle: b, chain: pins.chain, chainId, registry: pins.registry, confirmations: confirmations(flags) });
    if (result.verdict !== "verified") problems.push(`the model is ${result.verdict === "revoked" ? "revoked" : "derived from a revoked model"}`);
    return { problems, checkedOnChain: true };
  } catch (error) {
    if (error instanceof VerificationError) return { problems: [`check "${error.check}" fails: ${error.shortMessage}`], checkedOnChain: true };
    if (error instanceof ChainError) return { problems, checkedOnChain: false, why: `the node could not be asked: ${error.shortMessage}` };
    throw error;
  }
}

/** Chain ID, registry and node for the organisation's own reads (`key show`): its flags, environment and store. */
export function verifierPins(flags: ParsedFlags, store?: LedgerStore) {
  const registryAddress = parseRegistry(requireSetting(setting(flags.registry, "PROVENANCE_REGISTRY", store?.getMeta("registry")), "--registry", "PROVENANCE_REGISTRY"));
  const url = parseRpcUrl(requireSetting(setting(flags.rpc, "PROVENANCE_RPC_URL", store?.getMeta("rpc")), "--rpc", "PROVENANCE_RPC_URL"));
  return { url, registry: registryAddress, chain: connectReader(url, timeoutMs(flags)) };
}

/** A bundle verification with the verifier's pins (flags, environment, --trust; never a .env or the store). */
async function runBundleVerification(flags: ParsedFlags, b: ReturnType<typeof parseBundle>): Promise<{ result: VerifiedBundle; pins: VerifierPins; chainId: number }> {
  const pins = await resolveVerifierPins(flags);
  const chain = connectVerifier(pins, timeoutMs(flags));
  let artifactSha256: string | undefined;
  if (flags.artifact) artifactSha256 = (await resolveSubject(flags.artifact, undefined)).digest.sha256;
  const chainId = await verifierChainId(pins, chain);
  const result = await verifyBundle({
    bundle: b,
    chain,
    chainId,
    registry: pins.registry.value,
    artifactSha256,
    acceptedOrgIds: pins.organisations.value.length ? [...pins.organisations.value] : undefined,
    confirmations: confirmations(flags),
    requireApprovals: flags["require-approvals"] ? parseInteger(flags["require-approvals"], "--require-approvals", 1, 100) : undefined,
  });
  return { result, pins, chainId };
}

/** Exit code of a bundle verdict: 0 only for `verified`. */
export function verdictExitCode(result: VerifiedBundle): number {
  return result.verdict === "verified" ? 0 : 1;
}

function printVerdict(out: CommandContext["out"], { result, pins, chainId }: Awaited<ReturnType<typeof runBundleVerification>>, flags: ParsedFlags): void {
  const { graph } = result;
  // The bundle's own subject.name is nobody's signature: the verdict names the model only by the
  // names that verified, anchored statements give its digest (issue 9, class 3).
  const signedNames = graph.nodes.get(result.model.sha256)?.names ?? [];
  const name = signedNames[0] ?? `sha256:${result.model.sha256}`;
  const model = { name, sha256: result.model.sha256, signedNames };
  const marks = revocationMarks(graph, result.attestations.map((a) => ({ entryHash: a.entryHash, statement: a.statement })));
  const headline =
    result.verdict === "verified"
      ? `VERIFIED: ${name} (sha256 ${model.sha256})`
      : result.verdict === "revoked"
        ? `NOT VERIFIED: ${name} is REVOKED (revocation ${result.revocation.revokedBy})`
        : `NOT VERIFIED: ${name} is DERIVED FROM A REVOKED MODEL (${result.revocation.derivedFromRevoked.map((r) => graph.nodes.get(r)?.names[0] ?? r).join(", ")})`;
  const orgs = [...new Set(result.attestations.map((a) => `${a.organisation.id} "${a.organisation.name}"`))];
  const blocks = result.attestations.map((a) => a.blockNumber);
  out.result(
    {
      verified: result.verdict === "verified",
      verdict: result.verdict,
      model,
      artifactChecked: result.artifactChecked,
      entries: result.attestations.map((a) => ({ entryHash: a.entryHash, predicateType: a.statement.predicateType, subject: a.statement.subject, signers: a.signers.map((s) => s.keyid), organisation: a.organisation, blockNumber: a.blockNumber, timestamp: a.timestamp, txHash: a.txHash })),
      lineage: { nodes: [...graph.nodes.values()], edges: graph.edges, ancestors: ancestorsOf(graph, model.sha256) },
      revocation: result.revocation,
      deployments: result.deployments,
      trusted: pinsJson(pins, chainId),
    },
    [
      headline,
      `  ${result.attestations.length} signed attestation(s), every signature, signing key and anchor checked against chain ${result.attestations[0]?.chainId} (registry ${result.attestations[0]?.registry}), by organisation(s) ${orgs.join(", ")}, blocks ${Math.min(...blocks)}–${Math.max(...blocks)} (${formatTime(Math.min(...result.attestations.map((a) => a.timestamp)))} to ${formatTime(Math.max(...result.attestations.map((a) => a.timestamp)))})`,
      ...result.deployments.map((d) => `  deployment to ${d.environment}: policy ${d.quorum.policy.id} met, ${d.quorum.approvers.length} of ${d.quorum.required} required distinct approvers (${d.quorum.policy.role})${d.quorum.duplicates.length ? `; ${d.quorum.duplicates.length} duplicate approval(s) counted once` : ""}`),
      ...(signedNames.length > 1 ? [`  also signed as: ${signedNames.slice(1).join(", ")}`] : []),
      result.artifactChecked ? "  model files: hash matches" : "  model files: not checked (pass --artifact <path>)",
      ...pinLines(pins, chainId),
      "",
      "Lineage:",
      ...renderLineage(graph, model.sha256, "text", marks).trimEnd().split("\n"),
      ...(flags.format && flags.format !== "text" ? ["", ...renderLineage(graph, model.sha256, lineageFormat(flags), marks).trimEnd().split("\n")] : []),
    ],
  );
}

/** `provenance verify-bundle <file> --rpc URL --registry ADDR [--artifact path] [--chain-id N] [--require-approvals N]`. */
export async function verifyBundleCommand({ flags, args, out }: CommandContext): Promise<number> {
  const file = args[0];
  if (!file) throw new InputError("INVALID_ARGUMENT", "usage: provenance verify-bundle <bundle.json> --rpc <url> --registry <address> [--artifact <model path>] [--chain-id <id>] [--require-approvals N]");
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (cause) {
    throw new InputError("INVALID_ARGUMENT", `cannot read the bundle ${file}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`, { cause });
  }
  // A third party's verifier: pins come from flags and the environment only, not from a local store.
  const verdict = await runBundleVerification(flags, parseBundle(text));
  printVerdict(out, verdict, flags);
  return verdictExitCode(verdict.result);
}

/** `provenance verify --lineage <model>`: builds the model's bundle from the local store and verifies every link. */
export async function verifyLineage({ flags, args, out }: CommandContext): Promise<number> {
  const spec = args[0];
  if (!spec) throw new InputError("INVALID_ARGUMENT", "usage: provenance verify --lineage <model path|sha256:…> --rpc <url> --registry <address>");
  const { digest } = await resolveSubject(spec, undefined);
  return withStore(flags, async (store) => {
    // The evidence comes from the organisation's store; the pins still come from the verifier only.
    const verdict = await runBundleVerification(flags, buildBundle(store, digest.sha256));
    printVerdict(out, verdict, flags);
    return verdictExitCode(verdict.result);
  });
}
