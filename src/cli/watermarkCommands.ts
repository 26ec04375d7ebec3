import { randomBytes } from "node:crypto";
import { chmod, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { WATERMARK_SCHEMES, WEIGHTS_PAYLOAD_DERIVATION, createModelWatermarkPredicate } from "../formats/predicates/modelWatermark.js";
import { parseBundle } from "../formats/bundle.js";
import { type VerifiedBundle, verifyBundle } from "../verify/verifyBundle.js";
import { invalid } from "../core/errors/input.js";
import { cannotWrite, invalidArgument } from "./usage.js";
import { WatermarkError } from "../core/errors/watermark.js";
import { hashModel } from "../local/hashing/hashModel.js";
import { type AnchoredWatermark, WATERMARK_VERIFICATION_POLICY, findAnchoredWatermark } from "../verify/anchoredWatermark.js";
import { detectModelWatermark, embedModelWatermark } from "../local/embedModel.js";
import { TEXT_DETECTION_THRESHOLD, detectTextWatermark } from "../formats/watermark/textWatermark.js";
import {
  type WatermarkKey,
  type WATERMARK_KEY_FORMAT,
  createWatermarkKey,
  keyCommitment,
  parseWatermarkKey,
  serializeWatermarkKey,
} from "../formats/watermark/watermarkKey.js";
import { DEFAULT_STRENGTH, DETECTION_THRESHOLD, checkStrength, watermarkPayload } from "../formats/watermark/weightWatermark.js";
import { readJsonFile } from "./attestCommands.js";
import { decryptKeyDocument } from "../local/keys/encryptedKey.js";
import { encryptedHeader, newKeyFileText, readPassphrase } from "./keyFiles.js";
import type { ParsedFlags } from "./options.js";
import type { CommandContext } from "./commands.js";
import { confirmations, timeoutMs } from "./commands.js";
import { connectVerifier, resolveVerifierPins, verifierChainId } from "./pins.js";
import { formatTime } from "./output.js";
import { readTextFile } from "./readJsonFile.js";

const USAGE = `usage:
  provenance watermark keygen [--kind weights|text] [--gamma G --delta D] -o wm.key.json [--encrypt]
  provenance watermark embed <model> --key wm.key.json -o <marked> [--strength S] [--predicate out.json]
  provenance watermark detect <model> --key wm.key.json [--original <unmarked model>] [--json]
  provenance watermark detect-text <tokens.json> --key text.key.json [--bundle b.json]… [--json]
  provenance watermark reveal <model> --key wm.key.json --bundle <bundle.json> [--original <model>] --rpc <url> --registry <address>`;

/** `provenance watermark …`: dispatches the subcommand; resolves to the exit code (0 detected, 1 not). */
export async function watermark(context: CommandContext): Promise<number> {
  const [sub, ...args] = context.args;
  const handlers = watermarkCommands;
  const handler = sub !== undefined && Object.hasOwn(handlers, sub) ? handlers[sub as keyof typeof handlers] : undefined;
  if (!handler) invalidArgument(`unknown watermark command "${sub ?? ""}"\n${USAGE}`);
  return handler({ ...context, args });
}

function number(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n)) invalidArgument(`${flag} must be a number, got "${value}"`);
  return n;
}

async function loadWatermarkKey(file: string | undefined, flags: ParsedFlags): Promise<WatermarkKey> {
  if (!file) invalidArgument(`--key <watermark key file> is required\n${USAGE}`);
  const value = await readJsonFile(file, "watermark key");
  const header = encryptedHeader(value, `watermark key ${file}`);
  if (!header) return parseWatermarkKey(value, `watermark key ${file}`);
  const key = parseWatermarkKey(
    await decryptKeyDocument(header, await readPassphrase(flags, `watermark key ${file}`), `watermark key ${file}`),
    `watermark key ${file} (decrypted)`,
  );
  // The header names the key by its commitment: the decrypted key must be that key.
  if (!("commitment" in header.public) || header.public.commitment !== keyCommitment(key) || header.public.kind !== key.kind)
    invalid("INVALID_KEY", "the decrypted key is not the key its header names", `watermark key ${file}.public`);
  return key;
}

/** `keygen`: a new secret key file (mode 0600); prints its commitment, which is what gets published. */
async function keygen({ flags, out }: CommandContext): Promise<number> {
  if (!flags.output) invalidArgument(`-o <key file> is required\n${USAGE}`);
  const kind = flags.kind ?? "weights";
  if (kind !== "weights" && kind !== "text") invalidArgument(`--kind must be weights or text, got "${kind}"`);
  const gamma = number(flags.gamma, "--gamma");
  const delta = number(flags.delta, "--delta");
  const key = createWatermarkKey(kind, new Uint8Array(randomBytes(32)), {
    ...(gamma === undefined ? {} : { gamma }),
    ...(delta === undefined ? {} : { delta }),
  });
  const text = flags.encrypt
    ? await newKeyFileText(
        flags,
        JSON.parse(serializeWatermarkKey(key)) as { format: typeof WATERMARK_KEY_FORMAT },
        { kind: key.kind, commitment: keyCommitment(key) },
        flags.output,
      )
    : serializeWatermarkKey(key);
  await writeFile(flags.output, text, { mode: 0o600, flag: "wx" }).catch((cause: NodeJS.ErrnoException) => {
    cannotWrite(flags.output!, cause, `${flags.output} exists; a key is never overwritten`);
  });
  await chmod(flags.output, 0o600);
  const commitment = keyCommitment(key);
  out.result({ file: resolve(flags.output), kind, commitment, parameters: key.parameters }, [
    `Generated a ${kind} watermark key: ${flags.output} (mode 0600; keep it secret until a dispute)`,
    `  commitment ${commitment} (published in the model-watermark attestation)`,
  ]);
  return 0;
}

/** `embed`: marks the model, writes the model-watermark predicate to attest next. */
async function embed({ flags, args, out }: CommandContext): Promise<number> {
  const model = args[0];
  if (!model || !flags.output) invalidArgument(`embed needs <model> and -o <marked model>\n${USAGE}`);
  const key = await loadWatermarkKey(flags.key, flags);
  if (key.kind !== "weights") throw new WatermarkError("WRONG_KEY_KIND", `this is a ${key.kind} watermark key; embedding into weights needs a "weights" key`);
  const strength = checkStrength(number(flags.strength, "--strength") ?? DEFAULT_STRENGTH);
  const unmarked = await hashModel(model);
  const commitment = keyCommitment(key);
  const payload = watermarkPayload(unmarked.sha256, commitment);
  const { tensors, positions } = await embedModelWatermark({ model, output: flags.output, key, payload, strength });
  const predicate = createModelWatermarkPredicate({
    kind: "weights",
    scheme: WATERMARK_SCHEMES.weights,
    keyCommitment: commitment,
    parameters: { strength, spacing: key.parameters.spacing, threshold: DETECTION_THRESHOLD },
    tensors: tensors.map((t) => ({ name: t.name, dtype: t.dtype, shape: [...t.shape], positions: t.positions })),
    unmarkedModel: { sha256: unmarked.sha256 },
    payload,
    payloadDerivation: WEIGHTS_PAYLOAD_DERIVATION,
  });
  const predicateFile = flags.predicate ?? `${flags.output.replace(/\/+$/, "")}.model-watermark.json`;
  await writeFile(predicateFile, `${JSON.stringify(predicate, null, 2)}\n`);
  out.result(
    {
      output: resolve(flags.output),
      predicateFile: resolve(predicateFile),
      payload,
      keyCommitment: commitment,
      strength,
      tensors: tensors.length,
      positions,
      unmarkedSha256: unmarked.sha256,
    },
    [
      `Marked ${tensors.length} tensor(s), ${positions} elements, strength ${strength}: ${flags.output}`,
      `  payload ${payload} (bound to the unmarked model sha256 ${unmarked.sha256.slice(0, 16)}… and key ${commitment.slice(0, 23)}…)`,
      `  predicate: ${predicateFile}`,
      `Next: provenance attest model-watermark --subject ${flags.output} --predicate ${predicateFile} --key <signing key> && provenance anchor`,
    ],
  );
  return 0;
}

function detectionLines(r: Awaited<ReturnType<typeof detectModelWatermark>>): string[] {
  return [
    `${r.detected ? "DETECTED" : "NOT DETECTED"}: z = ${r.z.toFixed(2)} (threshold ${r.threshold}, ${r.mode}; ${r.positions} elements in ${r.tensors} tensors)`,
    r.detected
      ? `  payload ${r.payload}, ${r.bitErrors} code bit(s) corrected${r.payloadBitErrors === undefined ? "" : `, ${r.payloadBitErrors} payload bit(s) differ from the expected payload`}`
      : "  (no payload: without the mark, the decoded bits are noise)",
  ];
}

/** `detect`: blind, or non-blind with --original (whose digest also gives the expected payload). */
async function detect({ flags, args, out }: CommandContext): Promise<number> {
  const model = args[0];
  if (!model) invalidArgument(`detect needs <model>\n${USAGE}`);
  const key = await loadWatermarkKey(flags.key, flags);
  const expectedPayload = flags.original === undefined ? undefined : watermarkPayload((await hashModel(flags.original)).sha256, keyCommitment(key));
  const r = await detectModelWatermark({
    model,
    key,
    ...(flags.original === undefined ? {} : { original: flags.original }),
    ...(expectedPayload === undefined ? {} : { expectedPayload }),
  });
  out.result({ ...r, ...(expectedPayload === undefined ? {} : { expectedPayload }) }, detectionLines(r));
  return r.detected ? 0 : 1;
}

async function verifiedBundles(context: CommandContext, files: readonly string[]): Promise<VerifiedBundle[]> {
  // The verifier's own pins (flags, environment, --trust; never the bundle), as verify-bundle takes them.
  const pins = await resolveVerifierPins(context.flags);
  const chain = connectVerifier(pins, timeoutMs(context.flags));
  const chainId = await verifierChainId(pins, chain);
  const results: VerifiedBundle[] = [];
  for (const file of files) {
    const text = await readTextFile(file, "the bundle");
    results.push(
      await verifyBundle({
        bundle: parseBundle(text),
        policy: WATERMARK_VERIFICATION_POLICY,
        chain,
        chainId,
        registry: pins.registry.value,
        acceptedOrgIds: pins.organisations.value.length ? [...pins.organisations.value] : undefined,
        confirmations: confirmations(context.flags),
      }),
    );
  }
  return results;
}

function anchoredLine(match: AnchoredWatermark, model: string): string {
  const a = match.attestation;
  return `${model}, committed at block ${a.blockNumber} (${formatTime(a.timestamp)}) by organisation ${a.organisation.id} "${a.organisation.name}" (entry ${a.entryHash.slice(0, 18)}…)`;
}

/** `detect-text`: token ids (a JSON array, or {"tokens": […]}) scored with a text key; with bundles, names the anchored deployment. */
async function detectText(context: CommandContext): Promise<number> {
  const { flags, args, out } = context;
  const file = args[0];
  if (!file) invalidArgument(`detect-text needs <tokens.json>\n${USAGE}`);
  const key = await loadWatermarkKey(flags.key, flags);
  const value = await readJsonFile(file, "token ids");
  const tokens = Array.isArray(value) ? value : (value as { tokens?: unknown })?.tokens;
  if (!Array.isArray(tokens) || !tokens.every((t) => Number.isInteger(t) && t >= 0 && t <= 0xffffffff))
    invalidArgument(`${file} must hold token ids: a JSON array of integers from 0 to 2^32 - 1, or {"tokens": [...]}`);
  let match: AnchoredWatermark | undefined;
  if (flags.bundle?.length) for (const b of await verifiedBundles(context, flags.bundle)) match ??= findAnchoredWatermark(b.attestations, key);
  const threshold = match?.predicate.parameters.threshold ?? TEXT_DETECTION_THRESHOLD;
  const r = detectTextWatermark(tokens as number[], key, threshold);
  const deployment = match && match.predicate.kind === "text" ? match.predicate.deployment : undefined;
  const model = match?.attestation.statement.subject[0];
  out.result(
    {
      ...r,
      keyCommitment: keyCommitment(key),
      ...(match
        ? {
            anchored: {
              deployment,
              model,
              blockNumber: match.attestation.blockNumber,
              organisation: match.attestation.organisation,
              entryHash: match.attestation.entryHash,
            },
          }
        : { anchored: null }),
    },
    [
      `${r.detected ? "DETECTED" : "NOT DETECTED"}: z = ${r.z.toFixed(2)} (threshold ${threshold}; ${r.green} of ${r.scored} tokens green, gamma = ${r.gamma})`,
      match && deployment && model
        ? `  ${r.detected ? "this text was generated by" : "the key belongs to"} deployment "${deployment.name}" of model ${anchoredLine(match, `${model.name} (sha256 ${model.digest.sha256.slice(0, 16)}…)`)}`
        : flags.bundle?.length
          ? "  no verified model-watermark attestation in the bundle(s) commits to this key"
          : "  (pass --bundle <bundle.json> with --rpc and --registry to name the anchored deployment)",
    ],
  );
  return r.detected ? 0 : 1;
}

/**
 * `reveal`: the dispute procedure. The bundle is verified against the chain; the revealed key must
 * match the commitment of a verified model-watermark attestation (the earliest anchored one is
 * reported); detection then runs with that attestation's payload as the expected one.
 */
async function reveal(context: CommandContext): Promise<number> {
  const { flags, args, out } = context;
  const model = args[0];
  if (!model || !flags.bundle?.length) invalidArgument(`reveal needs <model> and --bundle <bundle.json>\n${USAGE}`);
  const key = await loadWatermarkKey(flags.key, flags);
  let match: AnchoredWatermark | undefined;
  for (const b of await verifiedBundles(context, flags.bundle)) match ??= findAnchoredWatermark(b.attestations, key);
  if (!match || match.predicate.kind !== "weights")
    throw new WatermarkError(
      "KEY_COMMITMENT_MISMATCH",
      `the revealed key's commitment ${keyCommitment(key)} matches no verified model-watermark attestation in the bundle`,
    );
  const expected = match.predicate.payload;
  const r = await detectModelWatermark({ model, key, expectedPayload: expected, ...(flags.original === undefined ? {} : { original: flags.original }) });
  const proven = r.detected && r.payloadBitErrors === 0;
  const subject = match.attestation.statement.subject[0]!;
  out.result(
    {
      proven,
      keyCommitment: match.predicate.keyCommitment,
      anchored: {
        model: subject,
        unmarkedModel: match.predicate.unmarkedModel,
        blockNumber: match.attestation.blockNumber,
        timestamp: match.attestation.timestamp,
        organisation: match.attestation.organisation,
        entryHash: match.attestation.entryHash,
      },
      expectedPayload: expected,
      detection: r,
    },
    [
      `Key commitment ${match.predicate.keyCommitment} matches the model-watermark attestation of ${anchoredLine(match, `${subject.name} (sha256 ${subject.digest.sha256.slice(0, 16)}…)`)}`,
      ...detectionLines(r),
      proven
        ? `PROVEN: ${model} carries the watermark of ${subject.name}, whose key was committed on chain at block ${match.attestation.blockNumber}`
        : `NOT PROVEN: ${r.detected ? "the payload differs from the anchored one" : "the watermark was not detected"}`,
    ],
  );
  return proven ? 0 : 1;
}

/** The `watermark` subcommands by name (each resolves to its exit code: 0 detected, 1 not). */
export const watermarkCommands = { keygen, embed, detect, "detect-text": detectText, reveal } as const;
