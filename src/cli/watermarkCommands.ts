import { randomBytes } from "node:crypto";
import { chmod, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { parseBundle } from "../formats/bundle.js";
import { invalid } from "../core/errors/input.js";
import { cannotWrite, invalidArgument } from "./usage.js";
import { WatermarkError } from "../core/errors/watermark.js";
import { hashModel } from "../local/hashing/hashModel.js";
import { type AnchoredWatermark, WATERMARK_VERIFICATION_POLICY, findAnchoredWatermark } from "../verify/anchoredWatermark.js";
import { detectModelWatermark, markModelWeights } from "../local/embedModel.js";
import { TEXT_DETECTION_THRESHOLD, detectTextWatermark } from "../formats/watermark/textWatermark.js";
import {
  type WatermarkKey,
  type WATERMARK_KEY_FORMAT,
  createWatermarkKey,
  keyCommitment,
  parseWatermarkKey,
  serializeWatermarkKey,
} from "../formats/watermark/watermarkKey.js";
import { DEFAULT_STRENGTH, checkStrength, watermarkPayload } from "../formats/watermark/weightWatermark.js";
import { readJsonFile, runBundleVerification, verdictExitCode, verdictLines } from "./attestCommands.js";
import { decryptKeyDocument } from "../local/keys/encryptedKey.js";
import { encryptedHeader, newKeyFileText, readPassphrase } from "./keyFiles.js";
import type { ParsedFlags } from "./options.js";
import type { CommandContext } from "./commands.js";
import { pinLines, pinsJson } from "./pins.js";
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
  const {
    predicate,
    payload,
    keyCommitment: commitment,
    tensors,
    positions,
    unmarkedSha256,
  } = await markModelWeights({ model, output: flags.output, key, strength });
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
      unmarkedSha256,
    },
    [
      `Marked ${tensors.length} tensor(s), ${positions} elements, strength ${strength}: ${flags.output}`,
      `  payload ${payload} (bound to the unmarked model sha256 ${unmarkedSha256.slice(0, 16)}… and key ${commitment.slice(0, 23)}…)`,
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

/** The policy a watermark's bundle is verified under (a command's own: `--policy` is verify-bundle's). */
const WATERMARK_POLICY = {
  policy: WATERMARK_VERIFICATION_POLICY,
  source: "the watermark policy: a model-watermark attestation about the model (docs/watermark.md#commit-and-reveal)",
};

/** A bundle's verdict as verify-bundle reaches it (pins, trust report, policy), and the file it came from. */
type BundleVerdict = Awaited<ReturnType<typeof runBundleVerification>> & { readonly file: string };

/**
 * Each bundle verified exactly as verify-bundle verifies it: the verifier's own pins (flags,
 * environment, --trust; never a .env or the bundle), its trust mode, `--max-head-age` and
 * confirmations, under the watermark policy. The suspect model is not the bundle's, so no
 * model files are checked.
 */
async function verifiedBundles(context: CommandContext, files: readonly string[]): Promise<BundleVerdict[]> {
  const verdicts: BundleVerdict[] = [];
  for (const file of files) {
    const bundle = parseBundle(await readTextFile(file, "the bundle", "bundle"));
    verdicts.push({ ...(await runBundleVerification(context.flags, bundle, undefined, WATERMARK_POLICY)), file });
  }
  return verdicts;
}

/** What a watermark verdict trusted, as verify-bundle prints it: the policy, the trust mode and every pin with its source. */
function trustedLines(v: BundleVerdict): string[] {
  return [`  policy: ${v.policySource}`, ...pinLines(v.pins, v.chainId, v.report)];
}

function trustedJson(v: BundleVerdict) {
  return { trustMode: v.report.trustMode, trusted: pinsJson(v.pins, v.chainId, v.report) };
}

/**
 * A bundle whose model is revoked, or derived from a revoked model, proves nothing: prints
 * verify-bundle's NOT VERIFIED verdict with what it trusted, then NOT PROVEN, and resolves to
 * its exit code (1). Undefined when every bundle verified.
 */
function refuseUnverified(out: CommandContext["out"], verdicts: readonly BundleVerdict[]): number | undefined {
  const refused = verdicts.find((v) => v.result.verdict !== "verified");
  if (!refused) return undefined;
  const { result } = refused;
  const why = result.verdict === "revoked" ? "its model is REVOKED" : "its model is DERIVED FROM A REVOKED MODEL";
  out.result(
    {
      proven: false,
      verified: false,
      verdict: result.verdict,
      bundle: resolve(refused.file),
      model: result.model,
      revocation: result.revocation,
      ...trustedJson(refused),
    },
    [
      ...verdictLines(result),
      ...trustedLines(refused),
      `NOT PROVEN: the bundle ${refused.file} does not verify (${why}); a watermark is proven only against a verified bundle`,
    ],
  );
  return verdictExitCode(result);
}

/** The first verified model-watermark attestation committing to `key`, and the verdict it came from. */
function findMatch(verdicts: readonly BundleVerdict[], key: WatermarkKey): { match: AnchoredWatermark; verdict: BundleVerdict } | undefined {
  for (const verdict of verdicts) {
    const match = findAnchoredWatermark(verdict.result.attestations, key);
    if (match) return { match, verdict };
  }
  return undefined;
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
  const value = await readJsonFile(file, "token ids", "document");
  const tokens = Array.isArray(value) ? value : (value as { tokens?: unknown })?.tokens;
  if (!Array.isArray(tokens) || !tokens.every((t) => Number.isInteger(t) && t >= 0 && t <= 0xffffffff))
    invalidArgument(`${file} must hold token ids: a JSON array of integers from 0 to 2^32 - 1, or {"tokens": [...]}`);
  const verdicts = flags.bundle?.length ? await verifiedBundles(context, flags.bundle) : [];
  const refused = refuseUnverified(out, verdicts);
  if (refused !== undefined) return refused;
  const found = findMatch(verdicts, key);
  const match = found?.match;
  // What the naming rests on: the pins of the bundle that named it (else of the last one checked).
  const trusted = found?.verdict ?? verdicts.at(-1);
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
      ...(trusted ? trustedJson(trusted) : {}),
    },
    [
      `${r.detected ? "DETECTED" : "NOT DETECTED"}: z = ${r.z.toFixed(2)} (threshold ${threshold}; ${r.green} of ${r.scored} tokens green, gamma = ${r.gamma})`,
      match && deployment && model
        ? `  ${r.detected ? "this text was generated by" : "the key belongs to"} deployment "${deployment.name}" of model ${anchoredLine(match, `${model.name} (sha256 ${model.digest.sha256.slice(0, 16)}…)`)}`
        : flags.bundle?.length
          ? "  no verified model-watermark attestation in the bundle(s) commits to this key"
          : "  (pass --bundle <bundle.json> with --rpc and --registry to name the anchored deployment)",
      ...(trusted ? trustedLines(trusted) : []),
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
  const verdicts = await verifiedBundles(context, flags.bundle);
  const refused = refuseUnverified(out, verdicts);
  if (refused !== undefined) return refused;
  const found = findMatch(verdicts, key);
  const match = found?.match;
  if (!found || match?.predicate.kind !== "weights")
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
      ...trustedJson(found.verdict),
    },
    [
      `Key commitment ${match.predicate.keyCommitment} matches the model-watermark attestation of ${anchoredLine(match, `${subject.name} (sha256 ${subject.digest.sha256.slice(0, 16)}…)`)}`,
      ...trustedLines(found.verdict),
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
