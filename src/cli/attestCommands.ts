import { chmod, writeFile } from "node:fs/promises";
import { basename, dirname, resolve } from "node:path";
import type { DsseEnvelope } from "../formats/attestation/dsse.js";
import {
  type KeyAlgorithm,
  KEY_ALGORITHMS,
  type PublicKeyInfo,
  type KeyFile,
  PUBLIC_KEY_FORMAT,
  generateKeyFile,
  onChainKeyId,
  onChainRole,
  parseKeyFile,
  parsePublicKeyInfo,
  publicKeyInfo,
  signerFromKeyFile,
} from "../local/keys/keys.js";
import { MODEL_MANIFEST_PREDICATE_TYPE } from "../formats/predicates/modelManifest.js";
import { createModelManifestPredicate } from "../local/hashing/modelManifestPredicate.js";
import { APPROVAL_PREDICATE_TYPE, createApprovalPredicate } from "../formats/predicates/approval.js";
import { ENVIRONMENT_PREDICATE_TYPE } from "../formats/predicates/environment.js";
import { PREDICATE_NAMES } from "../formats/predicates/index.js";
import { REVOCATION_PREDICATE_TYPE } from "../formats/predicates/revocation.js";
import { signStatement } from "../formats/attestation/signStatement.js";
import { STATEMENT_TYPE, type Statement, type StatementSubject } from "../formats/attestation/statement.js";
import { buildBundle } from "../ledger/buildBundle.js";
import { parseBundle, serializeBundle } from "../formats/bundle.js";
import { type VerifiedBundle, verifyBundle } from "../verify/verifyBundle.js";
import {
  type KeyPossession,
  type KeyPossessionFile,
  POSSESSION_FORMAT,
  checkKeyPossession,
  parseKeyPossessionFile,
  proveKeyPossession,
  publicKeyInfoFromBytes,
} from "../formats/attestation/keyPossession.js";
import { readKeyPossession, readSigningKey, registerSigningKey, revokeSigningKey } from "../chain/registry.js";
import { captureEnvironment } from "../local/environment/captureEnvironment.js";
import { ChainError } from "../core/errors/chain.js";
import { InputError, invalid } from "../core/errors/input.js";
import { cannotWrite, invalidArgument } from "./usage.js";
import type { ModelWalkOptions } from "../local/hashing/listModelFiles.js";
import { type ArtifactEvidence, parseDigestSpec } from "../verify/artifact.js";
import { addAttestation } from "../ledger/ledger.js";
import { buildLineageGraph, displayName, revocationStatus, ancestorsOf } from "../verify/lineage/lineageGraph.js";
import { statementOfEnvelope } from "../formats/attestation/parseStatement.js";
import { entryHash } from "../formats/entry.js";
import { receiptEntry } from "../formats/receipt.js";
import { VerificationError } from "../core/errors/verification.js";
import { type LineageFormat, renderLineage } from "../verify/lineage/renderLineage.js";
import { asLineage, lineageEntries } from "../ledger/buildBundle.js";
import type { Hex } from "../core/hex.js";
import { publishRevocation } from "../ledger/pipeline/publishRevocation.js";
import type { LedgerStore } from "../ledger/store/ledgerStore.js";
import {
  type CommandContext,
  EXIT_DIGEST_ONLY,
  artifactEvidence,
  artifactLine,
  confirmations,
  orgId,
  registry,
  rpcUrl,
  timeoutMs,
  verifiedHeadline,
  withStore,
  writer,
} from "./commands.js";
import { connectReader } from "../chain/connect.js";
import type { TrustReport } from "../chain/trustMode.js";
import { type VerifierPins, connectVerifier, pinLines, pinsJson, resolveVerifierPins, saveCheckpoint, txHashNote, verifierChainId } from "./pins.js";
import { embedOfflineKit, offlineChainReader } from "../verify/offlineBundle.js";
import { httpTransport } from "../chain/trustMode.js";
import { type ParsedFlags, firstArgument, walkOptions, parseInteger, parseRegistry, parseRpcUrl, requireSetting, setting } from "./options.js";
import { formatTime, note as printNote } from "./output.js";
import { readJsonFile, readTextFile } from "./readJsonFile.js";
import { verifierPolicy } from "./verifierPolicy.js";
import type { VerificationPolicy } from "../verify/verificationPolicy.js";
import { encryptedHeader, newKeyFileText, readPassphrase } from "./keyFiles.js";
import { decryptSigningKeyFile } from "../local/keys/encryptedKey.js";
import { hashWithProgress } from "./hashWithProgress.js";

export { readJsonFile } from "./readJsonFile.js";

async function loadKey(flags: ParsedFlags): Promise<KeyFile> {
  const file = requireSetting(setting(flags.key, "PROVENANCE_SIGNING_KEY"), "--key", "PROVENANCE_SIGNING_KEY");
  return readSigningKeyFile(file, flags);
}

/** A private key file, plain or encrypted (then decrypted and checked to be the key its header names). */
async function readSigningKeyFile(file: string, flags: ParsedFlags): Promise<KeyFile> {
  const value = await readJsonFile(file, "key file");
  const header = encryptedHeader(value, `key file ${file}`);
  if (!header) return parseKeyFile(value, `key file ${file}`);
  return decryptSigningKeyFile(header, await readPassphrase(flags, `key file ${file}`), `key file ${file}`);
}

/**
 * A subject from a path, always hashed as a path (never read as a digest, whatever its name looks
 * like: the Hugging Face cache names blobs by their SHA-256); the name is --name or the file name.
 * Digests go through their own flags (`subjectFromDigest`).
 */
export async function resolveSubject(
  path: string,
  name: string | undefined,
  walk: ModelWalkOptions = {},
): Promise<StatementSubject & { kind: "file" | "directory" }> {
  const digest = await hashWithProgress(path, walk);
  return { name: name ?? basename(resolve(path)), digest: { sha256: digest.sha256 }, kind: digest.kind };
}

/** A subject named by an explicit digest flag (`sha256:<64 hex>`); the name is --name or the digest. */
export function subjectFromDigest(spec: string, name: string | undefined, flag: string): StatementSubject {
  const sha256 = parseDigestSpec(spec, flag);
  return { name: name ?? `sha256:${sha256}`, digest: { sha256 } };
}

/**
 * The model a store command is about: `<model path>` (hashed) or `--model-digest sha256:<hex>`,
 * exactly one; `usage` names the command's form.
 */
async function modelSha256(flags: ParsedFlags, path: string | undefined, usage: string): Promise<string> {
  const digest = flags["model-digest"];
  if (path !== undefined && digest !== undefined) invalidArgument(`give a model path or --model-digest, not both (${usage})`);
  if (digest !== undefined) return parseDigestSpec(digest, "--model-digest");
  if (path === undefined) invalidArgument(usage);
  return (await resolveSubject(path, undefined, walkOptions(flags))).digest.sha256;
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
    cannotWrite(file, cause);
  }
}

/** `provenance key generate --algorithm A -o key.json`: a new signing key (file mode 0600). */
export async function keyGenerate({ flags, out }: CommandContext): Promise<void> {
  const algorithm = (flags.algorithm ?? "ed25519") as KeyAlgorithm;
  if (!KEY_ALGORITHMS.includes(algorithm)) invalidArgument(`--algorithm must be one of ${KEY_ALGORITHMS.join(", ")}, got "${flags.algorithm}"`);
  if (!flags.output) invalidArgument("usage: provenance key generate --algorithm ed25519|p256|secp256k1 -o key.json");
  const key = generateKeyFile(algorithm);
  const text = await newKeyFileText(flags, key, publicKeyInfo(key), flags.output);
  await writeFile(flags.output, text, { mode: 0o600, flag: "wx" }).catch((cause: NodeJS.ErrnoException) => {
    cannotWrite(flags.output!, cause, `${flags.output} exists; refusing to overwrite a key`);
  });
  await chmod(flags.output, 0o600);
  const publicFile = flags.output.replace(/(\.json)?$/, ".pub.json");
  await writeFile(publicFile, `${JSON.stringify({ format: PUBLIC_KEY_FORMAT, ...publicKeyInfo(key) }, null, 2)}\n`);
  out.result({ keyid: key.keyid, algorithm, file: resolve(flags.output), publicKeyFile: resolve(publicFile), encrypted: flags.encrypt ?? false }, [
    `Generated a ${algorithm} key ${key.keyid}`,
    `  private: ${flags.output} (mode 0600, ${flags.encrypt ? "encrypted with your passphrase" : "never share it"}); public: ${publicFile}`,
    `Next: provenance key prove ${flags.output} --org <id> --role <role>, then the organisation admin runs provenance key register on the .pop.json it writes`,
  ]);
}

async function readPublicKey(file: string): Promise<PublicKeyInfo> {
  const value = await readJsonFile(file, "key file");
  const o = value as Record<string, unknown>;
  // An encrypted key file names its key in its header: no passphrase needed to name it.
  const header = encryptedHeader(value, `key file ${file}`);
  if (header) {
    if (header.contents !== "provenance-key-v1") invalid("INVALID_KEY", `holds a ${header.contents} key, not a signing key`, `key file ${file}.contents`);
    return publicKeyInfo(header.public as PublicKeyInfo);
  }
  return o && typeof o === "object" && "privateKey" in o
    ? publicKeyInfo(parseKeyFile(value, `key file ${file}`))
    : parsePublicKeyInfo(value, `key file ${file}`);
}

/** The chain ID a key's proof binds: `--chain-id` / PROVENANCE_CHAIN_ID if set (and then the node must serve it), else the node's. */
async function chainIdOf(flags: ParsedFlags, chain: { getChainId(): Promise<number> }): Promise<number> {
  const nodeChainId = await chain.getChainId();
  const pinned = setting(flags["chain-id"], "PROVENANCE_CHAIN_ID");
  if (pinned !== undefined && parseInteger(pinned, "--chain-id", 1) !== nodeChainId)
    invalidArgument(`--chain-id is ${pinned}, but the node serves chain ${nodeChainId}`);
  return nodeChainId;
}

/**
 * `provenance key prove <key.json> [--role R] [-o key.pop.json]`: the key holder signs the proof of possession that
 * registration needs, bound to this chain, registry, organisation (--org) and role. Writes a
 * `provenance-key-possession-v1` file for the organisation admin; the private key never leaves this machine.
 */
export async function keyProve({ flags, args, out }: CommandContext): Promise<void> {
  const file = firstArgument(args, "usage: provenance key prove <key.json> [--role R] [-o key.pop.json]");
  const key = await readSigningKeyFile(file, flags);
  const output = flags.output ?? file.replace(/(\.json)?$/, ".pop.json");
  await withStore(flags, async (store) => {
    const reg = registry(flags, store);
    const org = orgId(flags, store);
    const chainId = await chainIdOf(flags, connectReader(rpcUrl(flags, store), timeoutMs(flags)));
    const possession = await proveKeyPossession(signerFromKeyFile(key), { chainId, registry: reg, orgId: org, role: onChainRole(flags.role) });
    const document: KeyPossessionFile = { format: POSSESSION_FORMAT, chainId, registry: reg, orgId: org, role: flags.role ?? null, ...possession };
    await writeFile(output, `${JSON.stringify(document, null, 2)}\n`, { flag: "wx" }).catch((cause: NodeJS.ErrnoException) => {
      cannotWrite(output, cause, `${output} exists; refusing to overwrite it`);
    });
    out.result({ keyid: key.keyid, file: resolve(output), chainId, registry: reg, orgId: org, role: flags.role ?? null }, [
      `Proved possession of ${key.algorithm} key ${key.keyid} for organisation ${org}${flags.role ? ` with role "${flags.role}"` : ""} in registry ${reg} on chain ${chainId}`,
      `  wrote ${output} (no secret in it); next: provenance key register ${output} (as the organisation admin)`,
    ]);
  });
}

/**
 * `provenance key register <key.pop.json | key.json> [--role R]`: the organisation admin registers a signing key on
 * chain with its proof of possession: from a `provenance key prove` file, or made here from a private key file the
 * admin holds. A public key alone is refused: without the key's signature anyone could claim anyone's key.
 */
export async function keyRegister({ flags, args, out }: CommandContext): Promise<void> {
  const file = firstArgument(args, "usage: provenance key register <key.pop.json | key.json> [--role R]");
  const value = await readJsonFile(file, "key file");
  const format = value !== null && typeof value === "object" ? (value as Record<string, unknown>).format : undefined;
  if (format === PUBLIC_KEY_FORMAT || (format === undefined && value !== null && typeof value === "object" && !("privateKey" in value)))
    invalidArgument(
      `${file} holds a public key only: registration needs the key's proof of possession. The key holder runs \`provenance key prove <key.json> --org <id> --role <role>\` and gives you the .pop.json it writes`,
    );
  // A private key file (plain, or encrypted: decrypted before anything is sent).
  const ownKey = format === POSSESSION_FORMAT ? undefined : await readSigningKeyFile(file, flags);
  await withStore(flags, async (store) => {
    const chain = await writer(flags, store);
    const reg = registry(flags, store);
    const org = orgId(flags, store);
    const chainId = await chainIdOf(flags, chain);
    let possession: KeyPossession & { readonly keyid: string };
    let roleName: string | null;
    if (format === POSSESSION_FORMAT) {
      const proved = parseKeyPossessionFile(value, `proof of possession ${file}`);
      roleName = proved.role;
      if (flags.role !== undefined && flags.role !== proved.role)
        invalid(
          "INVALID_KEY",
          `the proof binds role ${JSON.stringify(proved.role)}, not --role ${JSON.stringify(flags.role)}: the key holder proves again for that role`,
        );
      if (proved.chainId !== chainId || proved.registry !== reg || proved.orgId !== org)
        invalid(
          "INVALID_KEY",
          `${file} proves possession for organisation ${proved.orgId} in registry ${proved.registry} on chain ${proved.chainId}, not for organisation ${org} in registry ${reg} on chain ${chainId}: the key holder proves again for this one`,
        );
      const binding = { chainId, registry: reg, orgId: org, keyId: onChainKeyId(proved.keyid), role: onChainRole(proved.role ?? undefined) };
      // Checked before anything is sent: the registry cannot check an ed25519 or P-256 proof, and verifiers refuse a key whose proof fails.
      const problem = await checkKeyPossession(proved, binding);
      if (problem)
        invalid("INVALID_KEY", `the proof of possession in ${file} does not hold for organisation ${org} in registry ${reg} on chain ${chainId}: ${problem}`);
      possession = proved;
    } else {
      const key = ownKey ?? parseKeyFile(value, `key file ${file}`);
      roleName = flags.role ?? null;
      possession = await proveKeyPossession(signerFromKeyFile(key), { chainId, registry: reg, orgId: org, role: onChainRole(flags.role) });
    }
    const { receipt } = await registerSigningKey(chain, reg, {
      orgId: org,
      role: onChainRole(roleName ?? undefined),
      possession,
      confirmations: confirmations(flags),
      timeoutMs: timeoutMs(flags),
    });
    const key = publicKeyInfoFromBytes(possession.algorithm, possession.publicKey);
    if (key.algorithm !== "secp256k1") store.putPublicKey(key);
    out.result(
      {
        keyid: key.keyid,
        onChainKeyId: onChainKeyId(key.keyid),
        orgId: org,
        role: roleName,
        txHash: receipt.transactionHash,
        blockNumber: Number(receipt.blockNumber),
      },
      [
        `Registered ${key.algorithm} key ${key.keyid} for organisation ${org}${roleName ? ` with role "${roleName}"` : ""} at block ${receipt.blockNumber} (with its proof of possession)`,
      ],
    );
  });
}

/** `provenance key revoke <keyid|key file>`. */
export async function keyRevoke({ flags, args, out }: CommandContext): Promise<void> {
  const spec = firstArgument(args, "usage: provenance key revoke <keyid|key file>");
  const keyid = /^(0x[0-9a-f]{40}|sha256:[0-9a-f]{64})$/.test(spec) ? spec : (await readPublicKey(spec)).keyid;
  await withStore(flags, async (store) => {
    const chain = await writer(flags, store);
    const org = orgId(flags, store);
    const { receipt } = await revokeSigningKey(chain, registry(flags, store), {
      orgId: org,
      keyId: onChainKeyId(keyid),
      confirmations: confirmations(flags),
      timeoutMs: timeoutMs(flags),
    });
    out.result({ keyid, orgId: org, txHash: receipt.transactionHash, blockNumber: Number(receipt.blockNumber) }, [
      `Revoked key ${keyid} of organisation ${org} at block ${receipt.blockNumber}; envelopes anchored from this block on no longer count`,
    ]);
  });
}

/** `provenance key show <keyid|key file>`: the key's on-chain registration. */
export async function keyShow({ flags, args, out }: CommandContext): Promise<void> {
  const spec = firstArgument(args, "usage: provenance key show <keyid|key file>");
  const keyid = /^(0x[0-9a-f]{40}|sha256:[0-9a-f]{64})$/.test(spec) ? spec : (await readPublicKey(spec)).keyid;
  await withStore(flags, async (store) => {
    const pins = verifierPins(flags, store);
    const org = orgId(flags, store);
    const state = await readSigningKey(pins.chain, pins.registry, org, onChainKeyId(keyid));
    if (!state) {
      out.result({ keyid, orgId: org, registered: false }, [`Key ${keyid} is not registered to organisation ${org} in ${pins.registry}`]);
      return;
    }
    // The same check every verifier makes before counting the key.
    const possession = await readKeyPossession(pins.chain, pins.registry, org, onChainKeyId(keyid), state);
    const binding = { chainId: await pins.chain.getChainId(), registry: pins.registry, orgId: org, keyId: onChainKeyId(keyid), role: state.role };
    const problem = possession
      ? await checkKeyPossession(possession, binding, { keyid, possessionHash: state.possessionHash })
      : "its registration log was not found";
    // Roles are names in JSON: the chain holds only keccak256(name), so the name is the one the
    // caller expects (--role), confirmed against the hash; the hash itself is roleHash.
    const { role: roleHash, ...rest } = state;
    const roleMatches = flags.role === undefined ? undefined : onChainRole(flags.role) === roleHash;
    out.result(
      {
        keyid,
        registered: true,
        ...rest,
        role: roleMatches ? flags.role : null,
        roleHash,
        ...(roleMatches === undefined ? {} : { roleMatches }),
        possessionValid: problem === null,
      },
      [
        `Key ${keyid}: organisation ${state.orgId}, registered at block ${state.registeredAt}${state.revokedAt ? `, REVOKED at block ${state.revokedAt}` : ", active"}`,
        problem === null ? "  proof of possession: valid" : `  proof of possession: INVALID (${problem}); verifiers do not count this key`,
        ...(roleMatches === undefined ? [] : [roleMatches ? `  role: "${flags.role}"` : `  role: NOT "${flags.role}" (registered role hash ${roleHash})`]),
      ],
    );
  });
}

/**
 * `provenance attest <type> (--subject <path> | --subject-digest sha256:<hex>)… [--name N] [--predicate file.json] --key key.json`:
 * signs an in-toto statement and stores the envelope as pending (path subjects first, then digest
 * subjects). `model-manifest` and `environment` compute their predicate when none is given;
 * `model-manifest` takes exactly one `--subject` path (the predicate describes its files and kind).
 */
export async function attest({ flags, args, out }: CommandContext): Promise<void> {
  const type = args[0];
  const predicateType = type === undefined ? undefined : (PREDICATE_NAMES[type] ?? (Object.values(PREDICATE_NAMES).includes(type) ? type : undefined));
  if (!predicateType)
    invalidArgument(
      `usage: provenance attest <${Object.keys(PREDICATE_NAMES).join("|")}> (--subject <path> | --subject-digest sha256:<hex>)… [--predicate file.json] --key key.json`,
    );
  const subjects = flags.subject ?? [];
  const digestSubjects = flags["subject-digest"] ?? [];
  if (subjects.length + digestSubjects.length === 0) invalidArgument("attest needs at least one --subject <path> (hashed) or --subject-digest sha256:<hex>");
  if (predicateType === MODEL_MANIFEST_PREDICATE_TYPE && (subjects.length !== 1 || digestSubjects.length !== 0))
    invalidArgument("attest model-manifest takes exactly one --subject <model path>: the predicate lists that model's files and its kind (file or directory)");
  if (predicateType === MODEL_MANIFEST_PREDICATE_TYPE && !flags.predicate && (flags["follow-symlinks"] !== undefined || flags["ignore-paths"] !== undefined))
    invalidArgument(
      "attest model-manifest does not take --follow-symlinks or --ignore-paths yet (its predicate, model-manifest v2, hashes every file and follows no link): record the model (provenance record … --follow-symlinks …) or attest another type about it",
    );
  const key = await loadKey(flags);
  const subject: StatementSubject[] = [];
  for (const [i, s] of subjects.entries()) {
    const { kind: _kind, ...hashed } = await resolveSubject(s, i === 0 ? flags.name : undefined, walkOptions(flags));
    subject.push(hashed);
  }
  for (const [i, s] of digestSubjects.entries())
    subject.push(subjectFromDigest(s, subject.length === 0 && i === 0 ? flags.name : undefined, "--subject-digest"));
  let predicate: unknown;
  if (flags.predicate) predicate = await readJsonFile(flags.predicate, "predicate", "document");
  else if (type === "model-manifest") {
    const made = await createModelManifestPredicate(subjects[0]!, {});
    predicate = made.predicate;
  } else if (predicateType === ENVIRONMENT_PREDICATE_TYPE) predicate = await captureEnvironment({ pythonEnvironments: flags["python-env"] ?? [] });
  else invalidArgument(`attest ${type} needs --predicate <file.json> (see docs/predicates.md for its fields)`);
  const statement: Statement = { _type: STATEMENT_TYPE, subject, predicateType, predicate };
  await withStore(flags, async (store) => {
    const { entryHash, created, envelope } = await signAndStore(store, statement, key);
    if (flags.output) await writeEnvelope(flags.output, envelope);
    const envelopeFile = flags.output ? { envelopeFile: resolve(flags.output) } : {};
    const about = `${type} about ${subject.map((s) => `${s.name} (sha256 ${s.digest.sha256.slice(0, 16)}…)`).join(", ")}`;
    if (predicateType === REVOCATION_PREDICATE_TYPE) {
      // A revocation must reach every verifier, whatever bundle it is handed: anchor it, then set the on-chain state.
      const org = orgId(flags, store);
      const published = await publishRevocation(store, await writer(flags, store), {
        registry: registry(flags, store),
        orgId: org,
        entryHash: entryHash as Hex,
        confirmations: confirmations(flags),
        timeoutMs: timeoutMs(flags),
      });
      out.result(
        {
          entryHash,
          predicateType,
          subject,
          keyid: key.keyid,
          created,
          ...envelopeFile,
          orgId: org,
          anchoredAt: published.anchoredAt,
          revokedOnChain: published.receipts.map((r) => ({ txHash: r.transactionHash, blockNumber: Number(r.blockNumber) })),
        },
        [
          `${created ? "Attested" : "Already attested"} ${about}`,
          `  signed by ${key.keyid}; entry ${entryHash}, anchored at block ${published.anchoredAt}`,
          ...published.receipts.map(
            (r, i) => `  revoked on chain for organisation ${org}: sha256 ${published.subjects[i]} at block ${r.blockNumber} (tx ${r.transactionHash})`,
          ),
        ],
      );
      return;
    }
    out.result({ entryHash, predicateType, subject, keyid: key.keyid, created, ...envelopeFile }, [
      `${created ? "Attested" : "Already attested"} ${about}`,
      `  signed by ${key.keyid}; entry ${entryHash}; pending until the next \`provenance anchor\``,
      ...(flags.output ? [`  signed envelope written to ${flags.output} (POST it to provenance serve as {"envelope": …})`] : []),
    ]);
  });
}

/** `provenance approve (<model path> | --model-digest sha256:<hex>) --policy P --role R [--decision approved|rejected] [--comment C] --key key.json`. */
export async function approve({ flags, args, out }: CommandContext): Promise<void> {
  const path = args[0];
  const usage =
    "usage: provenance approve (<model path> | --model-digest sha256:<hex>) --policy <id> --role <role> [--decision approved|rejected] [--comment text] --key key.json [--name N]";
  if ((path === undefined) === (flags["model-digest"] === undefined) || !flags.policy || !flags.role) invalidArgument(usage);
  const key = await loadKey(flags);
  let subject: StatementSubject;
  if (path === undefined) subject = subjectFromDigest(flags["model-digest"]!, flags.name, "--model-digest");
  else {
    const { kind: _kind, ...hashed } = await resolveSubject(path, flags.name, walkOptions(flags));
    subject = hashed;
  }
  const decision = flags.decision ?? "approved";
  if (decision !== "approved" && decision !== "rejected") invalidArgument(`--decision must be approved or rejected, got "${decision}"`);
  const predicate = createApprovalPredicate({
    decision,
    policy: { id: flags.policy },
    approver: { keyid: key.keyid, name: process.env.PROVENANCE_APPROVER_NAME ?? key.keyid, role: flags.role },
    approvedAt: new Date(),
    ...(flags.comment ? { comment: flags.comment } : {}),
  });
  await withStore(flags, async (store) => {
    const { entryHash, envelope } = await signAndStore(
      store,
      { _type: STATEMENT_TYPE, subject: [subject], predicateType: APPROVAL_PREDICATE_TYPE, predicate },
      key,
    );
    if (flags.output) await writeEnvelope(flags.output, envelope);
    out.result(
      {
        entryHash,
        decision,
        policy: flags.policy,
        role: flags.role,
        keyid: key.keyid,
        model: subject,
        ...(flags.output ? { envelopeFile: resolve(flags.output) } : {}),
      },
      [
        `${decision === "approved" ? "Approved" : "Rejected"} ${subject.name} (sha256 ${subject.digest.sha256.slice(0, 16)}…) under policy ${flags.policy} as ${flags.role}; entry ${entryHash}`,
        ...(flags.output ? [`  signed envelope written to ${flags.output} (POST it to provenance serve as {"envelope": …})`] : []),
      ],
    );
  });
}

function lineageFormat(flags: ParsedFlags): LineageFormat {
  const format = flags.format ?? "text";
  if (format !== "text" && format !== "mermaid" && format !== "dot") invalidArgument(`--format must be text, mermaid or dot, got "${format}"`);
  return format;
}

/** `provenance lineage (<model path> | --model-digest sha256:<hex>) [--format text|mermaid|dot] [-o file]`: the graph as the local store records it (not verified). */
export async function lineage({ flags, args, out }: CommandContext): Promise<void> {
  const digest = {
    sha256: await modelSha256(flags, args[0], "usage: provenance lineage (<model path> | --model-digest sha256:<hex>) [--format text|mermaid|dot] [-o file]"),
  };
  await withStore(flags, async (store) => {
    const entries = lineageEntries(store, digest.sha256).map(asLineage);
    if (entries.length === 0) invalidArgument(`no attestation about sha256 ${digest.sha256} in ${store.path}`);
    const graph = buildLineageGraph(entries);
    const status = revocationStatus(graph, entries, digest.sha256);
    const marks = revocationMarks(graph, entries);
    const text = renderLineage(graph, digest.sha256, lineageFormat(flags), marks);
    const note = "(as recorded in the local store; `provenance verify --lineage` checks it against the chain)";
    if (flags.output) await writeFile(flags.output, text);
    const result = {
      model: digest.sha256,
      nodes: [...graph.nodes.values()],
      edges: graph.edges,
      revocation: status,
      ...(flags.output ? { file: resolve(flags.output) } : {}),
    };
    if (flags.output || flags.json) {
      out.result(result, [`Wrote the lineage (${lineageFormat(flags)}) to ${flags.output}`, note]);
      return;
    }
    // Only the graph on stdout, so `provenance lineage m --format dot | dot -Tsvg` works; the note goes to stderr.
    out.raw(text.endsWith("\n") ? text : `${text}\n`);
    printNote(note);
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

/** `provenance bundle (<model path> | --model-digest sha256:<hex>) -o file`: the self-contained evidence bundle of a model. */
export async function bundle({ flags, args, out }: CommandContext): Promise<void> {
  const usage =
    "usage: provenance bundle (<model path> | --model-digest sha256:<hex>) -o model.bundle.json [--name N] [--embed-proofs --qbft-trust <file> --rpc <url> --registry <address>]";
  if (!flags.output) invalidArgument(usage);
  const digest = { sha256: await modelSha256(flags, args[0], usage) };
  await withStore(flags, async (store) => {
    let b = buildBundle(store, digest.sha256, flags.name ? { name: flags.name } : {});
    if (flags["embed-proofs"]) {
      // The kit is what a light verification against the pinned validators asked: it must verify now.
      const pins = await resolveVerifierPins(flags);
      if (pins.trustMode.value !== "light" || !pins.qbft)
        invalidArgument("--embed-proofs records a light verification: give the validator trust (--qbft-trust <file>)");
      b = (
        await embedOfflineKit({
          bundle: b,
          transport: httpTransport(pins.rpc.value, timeoutMs(flags)),
          trust: pins.qbft.trust,
          acceptedOrgIds: pins.organisations.value.length ? [...pins.organisations.value] : undefined,
        })
      ).bundle;
    }
    await writeFile(flags.output!, serializeBundle(b));
    // A bundle that cannot verify is worth writing (to inspect it), never worth writing silently.
    const check = await checkWrittenBundle(flags, b, store);
    for (const problem of check.problems) printNote(`warning: this bundle will not verify: ${problem}`);
    if (check.checkedOnChain === false && check.problems.length === 0) printNote(`note: the bundle was not verified against the chain (${check.why})`);
    out.result(
      {
        file: resolve(flags.output!),
        model: b.subject,
        entries: b.receipts.length,
        keys: b.keys.length,
        verifies: check.problems.length === 0 ? (check.checkedOnChain ? true : null) : false,
        problems: check.problems,
      },
      [
        `Wrote the evidence bundle of ${b.subject.name} to ${flags.output}: ${b.receipts.length} signed, anchored entries and ${b.keys.length} public key(s)`,
        ...(b.offlineKit
          ? [
              `  with an offline kit (${b.format}): ${b.offlineKit.answers.length} recorded answers, proven against the pinned validators; verify with verify-bundle --offline --qbft-trust <file>`,
            ]
          : []),
      ],
    );
  });
}

/**
 * What `bundle` checks in the bundle it just wrote: every ancestor of the model has an
 * attestation (offline), then, when the store or the settings name a node and a registry, the
 * whole verification a third party runs.
 */
async function checkWrittenBundle(
  flags: ParsedFlags,
  b: ReturnType<typeof buildBundle>,
  store: LedgerStore,
): Promise<{ problems: string[]; checkedOnChain: boolean; why?: string }> {
  const model = b.subject.digest.sha256;
  const lineage = b.receipts.flatMap((r) =>
    r.envelope === undefined ? [] : [{ entryHash: entryHash(receiptEntry(r)), statement: statementOfEnvelope(r.envelope) }],
  );
  const graph = buildLineageGraph(lineage);
  const problems: string[] = [];
  for (const ancestor of ancestorsOf(graph, model)) {
    if (graph.nodes.get(ancestor)?.attestedBy.length) continue;
    const edge = graph.edges.find((e) => e.from === ancestor)!;
    problems.push(
      `${displayName(graph, ancestor)}, the ${edge.relation} of ${displayName(graph, edge.to)}, has no attestation in this store (attest it, anchor, and write the bundle again)`,
    );
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
  const registryAddress = parseRegistry(
    requireSetting(setting(flags.registry, "PROVENANCE_REGISTRY", store?.getMeta("registry")), "--registry", "PROVENANCE_REGISTRY"),
  );
  const url = parseRpcUrl(requireSetting(setting(flags.rpc, "PROVENANCE_RPC_URL", store?.getMeta("rpc")), "--rpc", "PROVENANCE_RPC_URL"));
  return { url, registry: registryAddress, chain: connectReader(url, timeoutMs(flags)) };
}

/**
 * A bundle verification with the verifier's pins and policy (flags, environment, --trust; never a
 * .env or the store). `artifact` undefined: the model's files are not checked (`watermark reveal`,
 * whose suspect model is not the bundle's); `fixedPolicy`: a command's own policy instead of the
 * verifier's `--policy` (the watermark commands).
 */
export async function runBundleVerification(
  flags: ParsedFlags,
  b: ReturnType<typeof parseBundle>,
  artifact: ArtifactEvidence | undefined,
  fixedPolicy?: { policy: VerificationPolicy; source: string },
): Promise<{ result: VerifiedBundle; pins: VerifierPins; chainId: number; policySource: string; report: TrustReport }> {
  const pins = await resolveVerifierPins(flags);
  const { policy, source: policySource } = fixedPolicy ?? (await verifierPolicy(flags));
  // Offline: the light reader over the bundle's own record; no transport to any network exists.
  const chain = pins.offline
    ? offlineChainReader({ bundle: b, trust: pins.qbft!.trust, checkpoint: pins.checkpoint?.trust, validatorsSource: pins.qbft!.source })
    : connectVerifier(pins, timeoutMs(flags));
  const chainId = await verifierChainId(pins, chain);
  const result = await verifyBundle({
    bundle: b,
    policy,
    chain,
    chainId,
    registry: pins.registry.value,
    artifact,
    acceptedOrgIds: pins.organisations.value.length ? [...pins.organisations.value] : undefined,
    confirmations: confirmations(flags),
    requireApprovals: flags["require-approvals"] ? parseInteger(flags["require-approvals"], "--require-approvals", 1, 100) : undefined,
    maxHeadAgeSeconds: pins.maxHeadAgeSeconds.value,
  });
  const report = await chain.trustReport();
  await saveCheckpoint(pins, chain);
  return { result, pins, chainId, policySource, report };
}

/** Exit code of a bundle verdict: 0 only for `verified` from files the verifier hashed; 3 for `verified` against a supplied digest. */
export function verdictExitCode(result: VerifiedBundle): number {
  if (result.verdict !== "verified") return 1;
  return result.artifact.checked === "files" ? 0 : EXIT_DIGEST_ONLY;
}

/** Marks for the lineage: what the chain (or a signed revocation) says is revoked, and the model's own state. */
function verdictMarks(result: VerifiedBundle): Map<string, string[]> {
  const marks = new Map<string, string[]>();
  for (const f of result.revocation.findings) marks.set(f.sha256, ["REVOKED"]);
  if (result.revocation.derivedFromRevoked.length) marks.set(result.model.sha256, [...(marks.get(result.model.sha256) ?? []), "derived from a revoked model"]);
  return marks;
}

/**
 * The verdict's lines. Every name comes from signed statements (the model's from its registration
 * entry), every organisation name from the chain; nothing from the bundle's unsigned fields.
 * `txNote` follows the registration's transaction hash (`txHashNote`: what the hash rests on).
 */
export function verdictLines(result: VerifiedBundle, flags?: ParsedFlags, txNote = ""): string[] {
  const { graph, model, registration: r, revocation } = result;
  const name = (sha: string) => graph.nodes.get(sha)?.names[0] ?? `sha256 ${sha.slice(0, 16)}…`;
  const revokedHere = revocation.findings.filter((f) => f.sha256 === model.sha256);
  const by = (fs: typeof revocation.findings) =>
    [
      ...new Set(fs.map((f) => `organisation ${f.orgId} at block ${f.blockNumber}${f.source === "attestation" ? " (signed revocation in the bundle)" : ""}`)),
    ].join("; ");
  const headline =
    result.verdict === "verified"
      ? `${verifiedHeadline(result.artifact)}: ${model.name} (sha256 ${model.sha256})`
      : result.verdict === "revoked"
        ? `NOT VERIFIED: ${model.name} (sha256 ${model.sha256}) is REVOKED by ${by(revokedHere)}${revocation.revokedBy ? ` (revocation ${revocation.revokedBy})` : ""}`
        : `NOT VERIFIED: ${model.name} (sha256 ${model.sha256}) is DERIVED FROM A REVOKED MODEL (${revocation.derivedFromRevoked.map((sha) => `${name(sha)}, revoked by ${by(revocation.findings.filter((f) => f.sha256 === sha))}`).join("; ")})`;
  const shortType = (t: string) => Object.entries(PREDICATE_NAMES).find(([, v]) => v === t)?.[0] ?? t;
  const checkedOrgs = [...new Set(revocation.checked.flatMap((c) => c.organisations))].join(", ");
  const orgs = [...new Set(result.attestations.map((a) => `${a.organisation.id} "${a.organisation.name}"`))];
  const blocks = result.attestations.map((a) => a.blockNumber);
  return [
    headline,
    `  the name is the one the signed ${shortType(r.predicateType)} entry ${r.entryHash} gives the model`,
    `  registered at block ${r.blockNumber} (${formatTime(r.timestamp)}) by organisation ${r.organisation.id} "${r.organisation.name}" (name as registered on chain) in transaction ${r.txHash}${txNote}`,
    `  revocation: ${revocation.findings.length ? `${revocation.findings.length} revocation(s) in its lineage` : `neither the model nor its ${revocation.checked.length - 1} ancestor(s) revoked`} as of block ${revocation.checkedAt.blockNumber} (${formatTime(revocation.checkedAt.timestamp)}), read from the chain for organisation(s) ${checkedOrgs}`,
    `  ${result.attestations.length} signed attestation(s), every signature, signing key and anchor checked against chain ${result.attestations[0]?.chainId} (registry ${result.attestations[0]?.registry}), by organisation(s) ${orgs.join(", ")}, blocks ${Math.min(...blocks)}–${Math.max(...blocks)} (${formatTime(Math.min(...result.attestations.map((a) => a.timestamp)))} to ${formatTime(Math.max(...result.attestations.map((a) => a.timestamp)))})`,
    ...result.deployments.map(
      (d) =>
        `  deployment to ${d.environment}: policy ${d.quorum.policy.id} met, ${d.quorum.approvers.length} of ${d.quorum.required} required distinct approvers (${d.quorum.policy.role})${d.quorum.duplicates.length ? `; ${d.quorum.duplicates.length} duplicate approval(s) counted once` : ""}`,
    ),
    `  required attestations present: ${result.policy.require.map((g) => g.join(" or ")).join("; ") || "none required"}`,
    artifactLine(result.artifact, flags),
  ];
}

function printVerdict(
  out: CommandContext["out"],
  { result, pins, chainId, policySource, report }: Awaited<ReturnType<typeof runBundleVerification>>,
  flags: ParsedFlags,
  /** Where the evidence came from, when not from a file the verifier named (`verify --lineage`: a ledger store). */
  evidence?: string,
): void {
  const { graph, model } = result;
  const marks = verdictMarks(result);
  out.result(
    {
      verified: result.verdict === "verified",
      verdict: result.verdict,
      model,
      registration: result.registration,
      artifact: result.artifact,
      entries: result.attestations.map((a) => ({
        entryHash: a.entryHash,
        predicateType: a.statement.predicateType,
        subject: a.statement.subject,
        signers: a.signers.map((s) => s.keyid),
        organisation: a.organisation,
        blockNumber: a.blockNumber,
        timestamp: a.timestamp,
        txHash: a.txHash,
      })),
      lineage: { nodes: [...graph.nodes.values()], edges: graph.edges, ancestors: ancestorsOf(graph, model.sha256) },
      revocation: result.revocation,
      deployments: result.deployments,
      policy: { source: policySource, ...result.policy },
      ...(evidence ? { evidence } : {}),
      trustMode: report.trustMode,
      trusted: pinsJson(pins, chainId, report),
    },
    [
      ...verdictLines(result, flags, txHashNote(report, pins.offline)),
      `  policy: ${policySource}`,
      ...(evidence ? [`  evidence: ${evidence}`] : []),
      ...pinLines(pins, chainId, report),
      "",
      "Lineage:",
      ...renderLineage(graph, model.sha256, "text", marks).trimEnd().split("\n"),
      ...(flags.format && flags.format !== "text" ? ["", ...renderLineage(graph, model.sha256, lineageFormat(flags), marks).trimEnd().split("\n")] : []),
    ],
  );
}

/** `provenance verify-bundle <file> (--artifact path | --artifact-digest sha256:<hex>) --rpc URL --registry ADDR [--chain-id N] [--require-approvals N]`. */
export async function verifyBundleCommand({ flags, args, out }: CommandContext): Promise<number> {
  const file = firstArgument(
    args,
    "usage: provenance verify-bundle <bundle.json> (--artifact <model path> | --artifact-digest sha256:<hex>) --rpc <url> --registry <address> [--chain-id <id>] [--require-approvals N] [--trust-mode rpc|light|quorum] [--qbft-trust <file>] [--checkpoint <file>] [--save-checkpoint <file>] [--max-head-age <duration>] [--rpc <url> … --quorum <k>] [--offline]",
  );
  const text = await readTextFile(file, "the bundle", "bundle");
  const bundle = parseBundle(text);
  const artifact = await artifactEvidence(flags);
  // A third party's verifier: pins come from flags and the environment only, not from a local store.
  const verdict = await runBundleVerification(flags, bundle, artifact);
  printVerdict(out, verdict, flags);
  return verdictExitCode(verdict.result);
}

/**
 * `provenance verify --lineage (<model path> | --artifact-digest sha256:<hex>)`: builds the model's
 * bundle from the local store and verifies every link; the model path is the artifact (hashed).
 */
export async function verifyLineage({ flags, args, out }: CommandContext): Promise<number> {
  if (flags.artifact !== undefined) invalidArgument("verify --lineage takes the model path as its argument, not --artifact");
  const artifact = await artifactEvidence(flags, args[0], "<model path>");
  return withStore(flags, async (store) => {
    // The evidence comes from the organisation's store; the pins still come from the verifier only.
    const verdict = await runBundleVerification(flags, buildBundle(store, artifact.sha256), artifact);
    printVerdict(out, verdict, flags, `the ledger store at ${dirname(store.path)} (its entries only; pins never come from it)`);
    return verdictExitCode(verdict.result);
  });
}
