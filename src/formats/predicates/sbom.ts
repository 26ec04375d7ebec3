import { invalid } from "../../core/errors/input.js";
import { type Spec, s } from "../../core/spec/spec.js";
import { parsePredicate } from "./fields.js";
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

const CODE = "INVALID_PREDICATE";

// A machine-learning-model component with a SHA-256 hash: what binds the BOM to the statement's subject.
const MODEL_WITH_SHA256 = {
  description: "A machine-learning-model component with a SHA-256 hash (the subject's digest).",
  type: "object",
  required: ["type", "hashes"],
  properties: {
    type: { const: "machine-learning-model" },
    hashes: { type: "array", contains: { type: "object", required: ["alg"], properties: { alg: { const: "SHA-256" } } } },
  },
};

/**
 * The SBOM predicate's spec: parser and `schemas/predicates/sbom-v1.schema.json`. The document is a
 * CycloneDX 1.6 BOM, checked by the CycloneDX parser SBOM ingestion shares (its rules need the whole
 * document: unique bom-refs, refs that resolve), so its schema is the CycloneDX 1.6 schema (draft-07)
 * plus the predicate's own rules.
 */
export const sbomSpec = s
  .custom<SbomPredicate>(
    (value, path, code) => parseCycloneDxBom(value, { path, code, specVersions: ["1.6"] }) as SbomPredicate,
    {
      allOf: [
        { $ref: "http://cyclonedx.org/schema/bom-1.6.schema.json" },
        { type: "object", required: ["bomFormat", "specVersion"], properties: { specVersion: { const: "1.6" } } },
      ],
    },
    "CycloneDX 1.6 BOM",
  )
  .refine(
    (bom, fail, path) => {
      const model = findModelComponent(bom, { path, code: CODE });
      if (!model.component.hashes?.some((h) => h.alg === "SHA-256"))
        fail(`${model.path.slice(path.length)}.hashes`, "the model component has no SHA-256 hash to bind it to the statement subject");
    },
    {
      schema: {
        anyOf: [
          { required: ["metadata"], properties: { metadata: { type: "object", required: ["component"], properties: { component: MODEL_WITH_SHA256 } } } },
          { required: ["components"], properties: { components: { type: "array", contains: MODEL_WITH_SHA256 } } },
        ],
      },
    },
  ) satisfies Spec<SbomPredicate>;

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
  return parsePredicate(sbomSpec, value, path);
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
  const model = findModelComponent(predicate, { path: "predicate", code: CODE });
  const sha256 = model.component.hashes?.find((h) => h.alg === "SHA-256")?.content;
  if (sha256 === undefined) invalid(CODE, "the model component has no SHA-256 hash", `${model.path}.hashes`);
  return sha256.toLowerCase();
}
