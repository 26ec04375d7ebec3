import { invalid } from "../../core/errors/input.js";
import type { CycloneDxBom } from "../sbom/cycloneDxBom.js";
import { findModelComponent } from "../sbom/findModelComponent.js";
import { parseCycloneDxBom } from "../sbom/parseCycloneDxBom.js";

/**
 * The `predicateType` of an SBOM attestation: the URI the in-toto attestation framework lists
 * for CycloneDX (spec/predicates/cyclonedx.md), also what `cosign attest --type cyclonedx`
 * writes. The CycloneDX version is in the predicate's own `specVersion`, which must be "1.6".
 */
export const SBOM_PREDICATE_TYPE = "https://cyclonedx.org/bom";

/** A CycloneDX 1.6 ML-BOM: the model is `metadata.component` (or the only top-level model). */
export type SbomPredicate = CycloneDxBom & { readonly specVersion: "1.6" };

/**
 * Validates untrusted JSON as an SBOM predicate: a CycloneDX 1.6 BOM (bomFormat, specVersion,
 * components, hashes of the right length, unique bom-refs, a dependency graph that only names
 * bom-refs of the document; keys unknown to CycloneDX 1.6 refused) that describes exactly one
 * `machine-learning-model` carrying one SHA-256 hash. Errors are `InputError` code
 * `INVALID_PREDICATE` naming the field (`predicate.components[2].hashes[0].content`).
 *
 * @example
 * import { parseSbomPredicate, sbomModelDigest } from "provenance-ledger";
 * const predicate = parseSbomPredicate(statement.predicate);
 * if (sbomModelDigest(predicate) !== statement.subject[0].digest.sha256) throw new Error("SBOM is about another model");
 */
export function parseSbomPredicate(value: unknown, path = "predicate"): SbomPredicate {
  const bom = parseCycloneDxBom(value, { path, code: "INVALID_PREDICATE", specVersions: ["1.6"] }) as SbomPredicate;
  const model = findModelComponent(bom, { path, code: "INVALID_PREDICATE" });
  if (!model.component.hashes?.some((h) => h.alg === "SHA-256"))
    invalid("INVALID_PREDICATE", "the model component has no SHA-256 hash to bind it to the statement subject", `${model.path}.hashes`);
  return bom;
}

/**
 * The SHA-256 (64 lower-case hex digits) of the model an SBOM predicate describes. The statement's
 * subject must carry the same digest: an SBOM signed for one model must not be accepted for
 * another.
 *
 * @example
 * import { parseSbomPredicate, sbomModelDigest } from "provenance-ledger";
 * sbomModelDigest(parseSbomPredicate(predicate)); // "9f86d081…"
 */
export function sbomModelDigest(predicate: SbomPredicate): string {
  const model = findModelComponent(predicate, { path: "predicate", code: "INVALID_PREDICATE" });
  const sha256 = model.component.hashes?.find((h) => h.alg === "SHA-256")?.content;
  if (sha256 === undefined) invalid("INVALID_PREDICATE", "the model component has no SHA-256 hash", `${model.path}.hashes`);
  return sha256.toLowerCase();
}
