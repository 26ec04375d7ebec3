import { MODEL_MANIFEST_PREDICATE_TYPE, MODEL_MANIFEST_PREDICATE_TYPE_V1, type ModelManifestPredicate } from "../formats/predicates/modelManifest.js";
import { type LedgerEntry, entrySubjects } from "../formats/entry.js";
import { invalid } from "../core/errors/input.js";
import { VerificationError } from "../core/errors/verification.js";
import { hashModelManifest } from "../formats/model/hashModelManifest.js";
import { MODEL_MANIFEST_FORMAT, MODEL_MANIFEST_FORMAT_V1, type ModelDigest } from "../formats/model/modelManifest.js";
import { hexEquals } from "../core/hex.js";
import { RECORD_FORMAT_V1 } from "../formats/record.js";

/**
 * What the verifier knows of the model's files, to compare with what was signed and anchored:
 *
 * - `files`: the verifier hashed the files itself (`artifactFromModelDigest(await hashModel(path))`),
 *   so it knows the digest AND the kind (file or directory);
 * - `digest-only`: a digest the caller supplied (`artifactFromDigest("sha256:…")`); no file was
 *   read, so the verdict can only say the evidence is about that digest.
 */
export type ArtifactEvidence =
  | {
      readonly checked: "files";
      readonly kind: "file" | "directory";
      /** The current (v2) digest, 64 lower-case hex digits. */
      readonly sha256: string;
      /** A directory's model hashing v1 digest, only to name an old receipt in the refusal. */
      readonly v1Sha256?: string | undefined;
    }
  | { readonly checked: "digest-only"; readonly sha256: string };

/** What a verdict says about the artifact: the evidence it was checked against, or `none` (SDK only: nothing given). */
export type ArtifactCheck =
  | { readonly checked: "files"; readonly kind: "file" | "directory"; readonly sha256: string }
  | { readonly checked: "digest-only"; readonly sha256: string }
  | { readonly checked: "none" };

/**
 * The evidence of files the verifier hashed with `hashModel` (model hashing v2).
 *
 * @example
 * import { artifactFromModelDigest, hashModel, verifyReceipt } from "provenance-ledger";
 * await verifyReceipt({ receipt, artifact: artifactFromModelDigest(await hashModel("./model")), chain, chainId, registry });
 */
export function artifactFromModelDigest(digest: ModelDigest): ArtifactEvidence {
  const v1 =
    digest.manifest && digest.manifest.format === MODEL_MANIFEST_FORMAT
      ? hashModelManifest({ ...digest.manifest, format: MODEL_MANIFEST_FORMAT_V1 })
      : undefined;
  return { checked: "files", kind: digest.kind, sha256: digest.sha256, ...(v1 !== undefined && { v1Sha256: v1 }) };
}

const DIGEST_SPEC = /^sha256:([0-9a-f]{64})$/;

/**
 * The evidence of a digest the caller already holds: exactly `sha256:` and 64 lower-case hex
 * digits (`--artifact-digest`). Anything else is an `InputError` naming `what`.
 *
 * @example
 * import { artifactFromDigest } from "provenance-ledger";
 * const artifact = artifactFromDigest("sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
 */
export function artifactFromDigest(spec: string, what = "--artifact-digest"): ArtifactEvidence {
  return { checked: "digest-only", sha256: parseDigestSpec(spec, what) };
}

/** `sha256:<64 lower-case hex>` → the hex, or an `InputError` naming `what`. */
export function parseDigestSpec(spec: string, what: string): string {
  const match = DIGEST_SPEC.exec(spec);
  if (!match) invalid("INVALID_ARGUMENT", `${what} must be sha256: followed by 64 lower-case hex digits, got ${JSON.stringify(spec.slice(0, 80))}`);
  return match[1]!;
}

/** How an entry says its subjects were hashed: model hashing v1 or v2, and the kind when it names one. */
export type HashingClaim = { readonly version: 1 | 2 | undefined; readonly kind?: "file" | "directory"; readonly by: string };

/**
 * What an entry (signed or anchored) claims about its subjects' hashing: a record names its
 * format (v2: with the kind); a model-manifest predicate its type (v2: `artifact.kind`). Other
 * statements name no kind: their digests are v2 by date, and v2 digests cannot be both a file's and
 * a directory's (docs/model-hashing.md).
 */
export function hashingClaim(entry: LedgerEntry): HashingClaim {
  if (entry.kind === "record") {
    const { record } = entry;
    if (record.format === RECORD_FORMAT_V1) return { version: 1, by: `the record's format ${RECORD_FORMAT_V1}` };
    return { version: 2, ...(record.subject.artifact && { kind: record.subject.artifact.kind }), by: "the record's subject.artifact.kind" };
  }
  const { statement } = entry;
  if (statement.predicateType === MODEL_MANIFEST_PREDICATE_TYPE_V1) return { version: 1, by: `the predicate type ${MODEL_MANIFEST_PREDICATE_TYPE_V1}` };
  if (statement.predicateType === MODEL_MANIFEST_PREDICATE_TYPE) {
    const kind = (statement.predicate as ModelManifestPredicate).artifact?.kind;
    return { version: 2, ...(kind && { kind }), by: "the signed model-manifest predicate's artifact.kind" };
  }
  return { version: undefined, by: "" };
}

/**
 * Refuses (check `hashing-version`) an entry hashed with model hashing v1: a v1 directory digest
 * is also the digest of a single file holding the manifest's bytes, and v1 records need not name
 * the kind, so nothing signed says which one was meant. The message names the version and what to do.
 */
export function checkHashingVersion(entry: LedgerEntry): void {
  const claim = hashingClaim(entry);
  if (claim.version === 1)
    throw new VerificationError(
      "hashing-version",
      `${claim.by} is model hashing v1, where a file and a directory can share a digest; v1 entries are no longer verified: re-record (provenance record) or re-attest the model with this version and anchor it again`,
    );
}

/**
 * Checks the verifier's evidence against the entry: the digest must be one of its subjects
 * (`artifact-digest`), and with files, the kind the verifier found must be the kind the entry
 * signed (`artifact-kind`). A directory whose v1 digest is the subject is named as a v1 receipt
 * (`hashing-version`). Returns what was checked, for the verdict.
 */
export function checkArtifact(entry: LedgerEntry, evidence: ArtifactEvidence): ArtifactCheck {
  const subjects = entrySubjects(entry);
  const claim = hashingClaim(entry);
  if (!subjects.some((s) => hexEquals(evidence.sha256, s))) {
    if (evidence.checked === "files" && evidence.v1Sha256 !== undefined && subjects.some((s) => hexEquals(evidence.v1Sha256!, s)))
      throw new VerificationError(
        "hashing-version",
        `the ${entry.kind}'s subject ${evidence.v1Sha256} is these files' model hashing v1 digest (${MODEL_MANIFEST_FORMAT_V1}), where a file and a directory can share a digest; v1 is no longer verified: re-attest the model with this version (${MODEL_MANIFEST_FORMAT}) and anchor it again`,
      );
    const what =
      evidence.checked === "files" ? `the ${evidence.kind}'s SHA-256 ${evidence.sha256} (model hashing v2)` : `the supplied digest sha256:${evidence.sha256}`;
    throw new VerificationError("artifact-digest", `${what} does not match the ${entry.kind}'s subject ${subjects.join(", ")}`);
  }
  if (evidence.checked === "digest-only") return { checked: "digest-only", sha256: evidence.sha256 };
  checkKind(claim, evidence.kind, `the ${entry.kind}`);
  return { checked: "files", kind: evidence.kind, sha256: evidence.sha256 };
}

/**
 * With files, every entry about the model that names a kind must name the one the verifier found
 * (`artifact-kind`): a file never verifies as a directory, or the reverse. For bundles, whose own
 * `subject` is not signed.
 */
export function checkKindClaims(entries: readonly LedgerEntry[], modelSha256: string, evidence: ArtifactEvidence | undefined): void {
  if (evidence?.checked !== "files") return;
  for (const [i, entry] of entries.entries())
    if (entrySubjects(entry).some((s) => hexEquals(s, modelSha256))) checkKind(hashingClaim(entry), evidence.kind, `entry ${i}`);
}

function checkKind(claim: HashingClaim, kind: "file" | "directory", what: string): void {
  if (claim.kind !== undefined && claim.kind !== kind)
    throw new VerificationError(
      "artifact-kind",
      `${what} is about a ${claim.kind} (${claim.by}), but the artifact is a ${kind}: a ${kind} never verifies as a ${claim.kind}`,
    );
}

/** The one evidence of a verification call: `artifact`, or the older `artifactSha256` (a digest the caller supplied). */
export function evidenceOf(parameters: {
  readonly artifact?: ArtifactEvidence | undefined;
  readonly artifactSha256?: string | undefined;
}): ArtifactEvidence | undefined {
  if (parameters.artifact !== undefined && parameters.artifactSha256 !== undefined)
    invalid("INVALID_ARGUMENT", "give artifact or artifactSha256, not both", "artifactSha256");
  if (parameters.artifactSha256 !== undefined) return { checked: "digest-only", sha256: parameters.artifactSha256.toLowerCase() };
  return parameters.artifact;
}
