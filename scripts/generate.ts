// Writes what is generated from the format specs (src/core/spec/): each spec's JSON Schema in schemas/ and
// its field table in docs/. `npm run generate` writes; `checkGenerated()` (test/generated.test.ts) lists
// the files that are stale. A new format joins by adding one entry to GENERATED.
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { approvalSpec } from "../src/formats/predicates/approval.js";
import { datasetSpec } from "../src/formats/predicates/dataset.js";
import { verificationPolicySpec } from "../src/verify/verificationPolicy.js";
import { receiptSpec } from "../src/formats/receipt.js";
import { trustV1Spec, trustV2Spec } from "../src/verify/trustFile.js";
import { qbftTrustSpec } from "../src/verify/lightclient/trustFile.js";
import { offlineKitSpec } from "../src/formats/offlineKit.js";
import { bundleV1Spec, bundleV2Spec } from "../src/formats/bundle.js";
import { recordV1Spec, recordV2Spec } from "../src/formats/record.js";
import { deploymentSpec } from "../src/formats/predicates/deployment.js";
import { modelWatermarkSpec } from "../src/formats/predicates/modelWatermark.js";
import { specTable } from "../src/core/spec/docTable.js";
import { revocationSpec } from "../src/formats/predicates/revocation.js";
import { modelUpdateSpec } from "../src/formats/predicates/modelUpdate.js";
import { evaluationSpec } from "../src/formats/predicates/evaluation.js";
import { sbomSpec } from "../src/formats/predicates/sbom.js";
import { environmentSpec } from "../src/formats/predicates/environment.js";
import { modelManifestSpec, modelManifestSpecV1 } from "../src/formats/predicates/modelManifest.js";
import { TRAINING_RUN_BUILD_TYPE, TRAINING_RUN_BUILD_TYPE_V2, trainingRunSpec, trainingRunSpecOf } from "../src/formats/predicates/trainingRun.js";
import { formatJson, type SchemaHeader, specSchema } from "../src/core/spec/jsonSchema.js";
import type { AnySpec } from "../src/core/spec/spec.js";

/** One generated format: its spec, its schema file with the schema's header, and the docs page holding its table (between markers). */
export type Generated = {
  readonly spec: AnySpec;
  /** Where the JSON Schema goes, relative to the repository root. */
  readonly schema?: { readonly file: string } & Omit<SchemaHeader, "$id">;
  /** The docs page holding the field table, between `<!-- spec:<table> -->` and `<!-- /spec:<table> -->`. */
  readonly docs?: { readonly file: string; readonly table: string };
};

const ID = "https://provenance-ledger.dev/";

export const GENERATED: readonly Generated[] = [
  {
    spec: approvalSpec,
    schema: {
      file: "schemas/predicates/approval-v1.schema.json",
      title: "Approval predicate v1 (https://provenance-ledger.dev/approval/v1)",
      description:
        "One approver's decision on a model (the statement's subject) under one policy. The verifier checks that approver.keyid signed the envelope and is registered on chain with approver.role. Strings are measured in UTF-16 code units by parseApprovalPredicate. See docs/predicates.md.",
    },
    docs: { file: "docs/predicates.md", table: "approval" },
  },
  {
    spec: deploymentSpec,
    schema: {
      file: "schemas/predicates/deployment-v1.schema.json",
      title: "Deployment predicate v1 (https://provenance-ledger.dev/deployment/v1)",
      description:
        "Which model (the statement's subject) was deployed where, when, by whom, under which approval policy, relying on which approvals. Whether the approvals meet the policy is the verifier's check, not the schema's. Strings are measured in UTF-16 code units by parseDeploymentPredicate. See docs/predicates.md.",
    },
    docs: { file: "docs/predicates.md", table: "deployment" },
  },
  {
    spec: modelWatermarkSpec,
    schema: {
      file: "schemas/predicates/model-watermark-v1.schema.json",
      title: "Model watermark predicate v1 (https://provenance-ledger.dev/model-watermark/v1)",
      description:
        "A watermark bound to the provenance record: the scheme and its parameters, a commitment to the secret key (never the key), and for weights the tensors covered, the unmarked model's digest and the 64-bit payload; for text the deployment whose outputs carry it. The subject is the marked model (weights) or the deployed model (text). See docs/watermark.md and docs/predicates.md.",
    },
    docs: { file: "docs/predicates.md", table: "model-watermark" },
  },
  {
    spec: revocationSpec,
    schema: {
      file: "schemas/predicates/revocation-v1.schema.json",
      title: "Revocation predicate v1 (https://provenance-ledger.dev/revocation/v1)",
      description:
        "The model (the statement's subject) must no longer be used: why, since when, and what replaces it. A superseded model names its replacement. Strings are measured in UTF-16 code units by parseRevocationPredicate. See docs/predicates.md.",
    },
    docs: { file: "docs/predicates.md", table: "revocation" },
  },
  {
    spec: modelUpdateSpec,
    schema: {
      file: "schemas/predicates/model-update-v1.schema.json",
      title: "Model update predicate v1 (https://provenance-ledger.dev/model-update/v1)",
      description:
        "How a new model (the statement's subject) was derived from its parent(s): one parent, or 2 to 100 for a merge. Rules this schema cannot express, enforced by parseModelUpdatePredicate: parent digests are distinct by sha256; parameters nest at most 128 levels and hold no integer beyond 2^53; strings are measured in UTF-16 code units. See docs/predicates.md.",
    },
    docs: { file: "docs/predicates.md", table: "model-update" },
  },
  {
    spec: evaluationSpec,
    schema: {
      file: "schemas/predicates/evaluation-v1.schema.json",
      title: "Evaluation predicate v1 (https://provenance-ledger.dev/evaluation/v1)",
      description:
        "How a model (the statement's subject) scored on an evaluation dataset. Rules this schema cannot express, enforced by parseEvaluationPredicate: metric names are distinct; passed equals 'every metric with a threshold meets it' (a predicate cannot claim a pass its numbers contradict, nor hide one); strings are measured in UTF-16 code units. See docs/predicates.md.",
    },
    docs: { file: "docs/predicates.md", table: "evaluation" },
  },
  {
    spec: datasetSpec,
    schema: {
      file: "schemas/predicates/dataset-v1.schema.json",
      title: "Dataset predicate v1 (https://provenance-ledger.dev/dataset/v1)",
      description:
        "Where a dataset (the statement's subject) came from, under which licence and consent, whether it holds personal data, and who did what with it. Rules this schema cannot express, enforced by parseDatasetPredicate: accessEvents are in time order (oldest first, equal times allowed); licence.spdxId follows the SPDX licence-expression grammar (this schema only checks its characters); strings are measured in UTF-16 code units. See docs/predicates.md.",
    },
    docs: { file: "docs/predicates.md", table: "dataset" },
  },
  {
    spec: sbomSpec,
    schema: {
      file: "schemas/predicates/sbom-v1.schema.json",
      // The CycloneDX schema it builds on is draft-07, so this one is too.
      $schema: "http://json-schema.org/draft-07/schema#",
      title: "SBOM predicate (https://cyclonedx.org/bom): a CycloneDX 1.6 ML-BOM",
      description:
        "The predicate is a CycloneDX 1.6 BOM (the CycloneDX JSON schema, http://cyclonedx.org/schema/bom-1.6.schema.json, shipped as bom-1.6.SNAPSHOT.schema.json by @cyclonedx/cyclonedx-library, must be loaded next to this one) describing a machine-learning model that carries a SHA-256 hash; the statement's subject must carry the same SHA-256. Rules this schema cannot express, enforced by parseSbomPredicate: bom-refs are unique; dependency refs and model-card dataset refs name bom-refs of the document; a hash has the length of its algorithm; a component does not carry two values for one algorithm; the model is metadata.component when that is a machine-learning-model, else the only top-level machine-learning-model (pedigree ancestors never count); components nest at most 16 levels. See docs/sbom.md.",
    },
  },
  {
    spec: environmentSpec,
    schema: {
      file: "schemas/predicates/environment-v1.schema.json",
      title: "Environment predicate v1 (https://provenance-ledger.dev/environment/v1)",
      description:
        "What a build or training machine looked like, captured by `provenance env capture`: OS, kernel, CPU, memory, NVIDIA GPUs and CUDA, container, runtimes, installed packages, and the probes that were consulted. Text never holds control characters. Rules this schema cannot express are enforced by parseEnvironmentPredicate: package lists are sorted strictly by the UTF-8 bytes of their key (OS: name, NUL, architecture; Python: PEP 503 normalised name) so keys are unique; count >= the number listed and truncated == (count > listed); container.detected == (evidence is not empty) and runtime is null unless detected; image, imageDigest and imageDigestSource are all null or all set, imageDigest is the digest part of image, and imageDigestUnknownReason is set exactly when imageDigest is null; runtime names are unique. See docs/environment.md.",
    },
    docs: { file: "docs/environment.md", table: "environment" },
  },
  {
    spec: trainingRunSpecOf(TRAINING_RUN_BUILD_TYPE),
    schema: {
      file: "schemas/predicates/training-run-v1.schema.json",
      title: "Training run predicate v1 (SLSA Provenance v1, buildType https://provenance-ledger.dev/training-run/v1)",
      description:
        "The predicate of an in-toto statement with predicateType https://slsa.dev/provenance/v1 whose subjects are the trained model(s). Unlike plain SLSA, unknown fields (extension fields included) are refused. Rules this schema cannot express, enforced by parseTrainingRunPredicate: runDetails.metadata.finishedOn is not before startedOn; a base-model or dataset digest.sha256 is listed once; no key is both an external and an internal parameter; content is the canonical base64 of its bytes; JSON values nest at most 128 levels and hold no integer beyond 2^53; strings are measured in UTF-16 code units. See docs/predicates.md.",
    },
  },
  {
    spec: trainingRunSpecOf(TRAINING_RUN_BUILD_TYPE_V2),
    schema: {
      file: "schemas/predicates/training-run-v2.schema.json",
      title: "Training run predicate v2 (SLSA Provenance v1, buildType https://provenance-ledger.dev/training-run/v2)",
      description:
        "The predicate of an in-toto statement with predicateType https://slsa.dev/provenance/v1 whose subjects are the trained model(s). Unlike plain SLSA, unknown fields (extension fields included) are refused. Rules this schema cannot express, enforced by parseTrainingRunPredicate: runDetails.metadata.finishedOn is not before startedOn; a base-model or dataset digest.sha256 is listed once; no key is both an external and an internal parameter; content is the canonical base64 of its bytes; JSON values nest at most 128 levels and hold no integer beyond 2^53; strings are measured in UTF-16 code units. v2 is v1 plus: every base-model and dataset dependency names, in annotations.entry, the entry id (0x + 64 lower-case hex) of the signed attestation that identifies it, so that evidence handed over without that entry breaks a signed reference. See docs/predicates.md.",
    },
  },
  { spec: trainingRunSpec, docs: { file: "docs/predicates.md", table: "training-run" } },
  {
    spec: modelManifestSpec,
    schema: {
      file: "schemas/predicates/model-manifest-v2.schema.json",
      title: "Model manifest predicate v2 (predicateType https://provenance-ledger.dev/model-manifest/v2)",
      description:
        "v2: the statement's subject digest is model hashing v2 (a directory's digest is SHA-256 of the domain tag 'provenance-ledger/model-directory/v2\\n' followed by the canonical provenance-model-manifest-v2 manifest; a file's is SHA-256 of its bytes), and artifact binds the subject's kind under the signature. The layout of OpenSSF model signing's predicate (serialization, resources) plus each resource's size and a Merkle root over the resources. Rules this schema cannot express are enforced by parseModelManifestPredicate: resources sorted as OpenSSF model signing sorts them (path segments, then offsets) and unique; algorithm equal to sha256-sharded-<shard_size> for shards; shards of a file contiguous from 0, all but the last full, size = end - start; '.' only for a single-file model; no path under another listed path; merkle.leafCount = number of resources; merkle.root = the root recomputed from the resources. See docs/model-hashing.md. artifact.kind must be the kind the resources describe ('.' names a single-file model): checked by parseModelManifestPredicate.",
    },
    docs: { file: "docs/model-hashing.md", table: "model-manifest" },
  },
  {
    spec: modelManifestSpecV1,
    schema: {
      file: "schemas/predicates/model-manifest-v1.schema.json",
      title: "Model manifest predicate v1 (predicateType https://provenance-ledger.dev/model-manifest/v1)",
      description:
        "Superseded by model-manifest-v2 (still read; verifiers refuse it with check hashing-version: its directory subject digests are model hashing v1, which a single file can share). The layout of OpenSSF model signing's predicate (serialization, resources) plus each resource's size and a Merkle root over the resources. Rules this schema cannot express are enforced by parseModelManifestPredicate: resources sorted as OpenSSF model signing sorts them (path segments, then offsets) and unique; algorithm equal to sha256-sharded-<shard_size> for shards; shards of a file contiguous from 0, all but the last full, size = end - start; '.' only for a single-file model; no path under another listed path; merkle.leafCount = number of resources; merkle.root = the root recomputed from the resources. See docs/model-hashing.md.",
    },
  },
  {
    spec: verificationPolicySpec,
    schema: {
      file: "schemas/verification-policy-v1.schema.json",
      title: "Verification policy v1 (provenance-verification-policy-v1)",
      description:
        "What a verifier demands of a model's evidence beyond valid signatures and anchors: the attestations the model must have, the organisations whose anchors count, the roles that may sign deployments and approvals, and the organisations whose on-chain revocations count besides the one that registered each artifact. The verifier pins it (provenance verify-bundle --policy file.json); it never comes from a bundle. Rules this schema cannot express, enforced by parseVerificationPolicy: the JSON is parsed strictly (duplicate keys refused). See docs/bundle.md#verification-policy.",
    },
    docs: { file: "docs/bundle.md", table: "verification-policy" },
  },
  {
    spec: recordV2Spec,
    schema: {
      file: "schemas/record-v2.schema.json",
      title: "Provenance record v2",
      description:
        "Binds a subject (a model, by SHA-256, and its kind: file or directory) to a record type and optional fields. Its identity is SHA-256 over its RFC 8785 canonical JSON. v2: subject.artifact is required and a directory is hashed with model hashing v2 (provenance-model-manifest-v2), or v3 (provenance-model-manifest-v3: the same digest rule over a manifest that also records --follow-symlinks and --ignore-paths). See docs/formats.md.",
    },
  },
  {
    spec: recordV1Spec,
    schema: {
      file: "schemas/record-v1.schema.json",
      title: "Provenance record v1",
      description:
        "Binds a subject (a model, by SHA-256) to a record type and optional fields. Its identity is SHA-256 over its RFC 8785 canonical JSON. Superseded by record-v2: still read, refused by verifiers (check hashing-version: model hashing v1 lets a file and a directory share a digest, and the kind is optional here). See docs/formats.md.",
    },
  },
  {
    spec: receiptSpec,
    schema: {
      file: "schemas/receipt-v1.schema.json",
      title: "Provenance receipt v1",
      description:
        "Self-contained evidence that a ledger entry (a plain record, or a signed attestation's DSSE envelope) was included in a Merkle batch whose root was anchored in a ProvenanceRegistry. A receipt carries exactly one of record and envelope. Every field is a claim a verifier checks against the chain; chainId and registry are checked against values the verifier pins. See docs/formats.md and docs/attestations.md.",
    },
  },
  {
    spec: bundleV1Spec,
    schema: {
      file: "schemas/bundle-v1.schema.json",
      title: "Provenance evidence bundle v1",
      description:
        "Everything needed to verify a model's history except the chain itself: the model, the receipt of every attestation in its lineage (each with its DSSE envelope, leaf, proof, root, batch and anchor), and the public keys of its ed25519 and P-256 signers. chain says where the producer anchored; a verifier checks every receipt against a chain ID and registry it pins itself. See docs/attestations.md and docs/bundle.md.",
    },
  },
  {
    spec: bundleV2Spec,
    schema: {
      file: "schemas/bundle-v2.schema.json",
      title: "Provenance evidence bundle v2 (with an offline verifier kit)",
      description:
        "A v1 bundle (bundle-v1.schema.json) plus offlineKit: the recorded JSON-RPC answers (sealed QBFT headers, eth_getProof answers, receipts) a light verification needs, so verify-bundle --offline runs with no network. The kit is unsigned and adds no trust: every answer is proven against the validator set the verifier pins itself. See docs/offline-kit.md and docs/bundle.md.",
    },
  },
  {
    spec: trustV1Spec,
    schema: {
      file: "schemas/trust-v1.schema.json",
      title: "Provenance verifier trust file v1",
      description:
        "What a verifier pins, in a file it writes itself and names with `provenance verify … --trust <file>` (or PROVENANCE_TRUST): the chain, the ProvenanceRegistry on it, the organisations whose anchors it accepts and optionally the JSON-RPC node to ask. A flag given on the command line overrides the file; the file overrides the environment. Every verdict prints each pin with where it came from. Nothing here may come from the party whose evidence is checked. Later versions add validators and a verification policy. See docs/formats.md.",
    },
  },
  {
    spec: trustV2Spec,
    schema: {
      file: "schemas/trust-v2.schema.json",
      title: "Provenance verifier trust file v2",
      description:
        "Version 1 (chain, registry, organisations, optional rpc) and, optionally, the QBFT validator set the verifier pins for light mode (`qbft`, a provenance-qbft-trust-v1 object for the same chain ID and registry: a rule parsers enforce). With `qbft`, verify and verify-bundle run in light mode unless --trust-mode says otherwise: every fact is proven against headers sealed by those validators, and the node is only a transport. Version 1 files still load. See docs/formats.md and docs/trust-model.md.",
    },
  },
  {
    spec: qbftTrustSpec,
    schema: {
      file: "schemas/qbft-trust-v1.schema.json",
      title: "QBFT light-client trust file and checkpoint v1",
      description:
        "The validator set a verifier pins for a Besu QBFT chain, and the block after which it is in force. A checkpoint is the same object moved forward by verified headers. validators and every vote list are in ascending order without repeats, and votes is empty in contract mode (rules parsers enforce; JSON Schema cannot state them). See docs/light-client.md.",
    },
    docs: { file: "docs/light-client.md", table: "qbft-trust" },
  },
  {
    spec: offlineKitSpec,
    schema: {
      file: "schemas/offline-kit-v1.schema.json",
      title: "Provenance offline verifier kit v1",
      description:
        "A record of the JSON-RPC answers a light verification asked for, replayed by verify-bundle --offline instead of a node: each answer is looked up by method and parameters (compared as JSON with object keys sorted), and a question with no recorded answer is refused (check offline-kit). Nothing here is trusted: headers are checked against the verifier's pinned QBFT validator set (seals, parent links, votes), state against eth_getProof proofs under verified stateRoots, receipts against verified receiptsRoots. Parsers refuse a repeated question (a rule JSON Schema cannot state). See docs/offline-kit.md.",
    },
    docs: { file: "docs/offline-kit.md", table: "offline-kit" },
  },
];

const root = new URL("../", import.meta.url);

/** Each generated file's expected text, keyed by its path from the repository root. */
export function generatedFiles(): Map<string, string> {
  const files = new Map<string, string>();
  const read = (file: string) => files.get(file) ?? readFileSync(new URL(file, root), "utf8");
  for (const g of GENERATED) {
    if (g.schema) {
      const { file, ...header } = g.schema;
      files.set(file, `${formatJson(specSchema(g.spec, { $id: `${ID}${file}`, ...header }))}\n`);
    }
    if (g.docs) {
      const { file, table } = g.docs;
      const text = read(file);
      const begin = `<!-- spec:${table} (generated by npm run generate from its spec: edit the spec) -->\n`;
      const end = `\n<!-- /spec:${table} -->`;
      const at = text.indexOf(begin);
      const stop = text.indexOf(end, at);
      if (at < 0 || stop < 0) throw new Error(`${file} has no markers for the ${table} table: ${JSON.stringify(begin)} … ${JSON.stringify(end)}`);
      files.set(file, text.slice(0, at + begin.length) + specTable(g.spec) + text.slice(stop));
    }
  }
  return files;
}

/** The generated files whose text on disk is not what the specs generate. */
export function staleFiles(): string[] {
  return [...generatedFiles()].filter(([file, text]) => readFileSync(new URL(file, root), "utf8") !== text).map(([file]) => file);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const check = process.argv.includes("--check");
  const stale = staleFiles();
  if (check) {
    for (const file of stale) console.error(`stale: ${file} (run npm run generate)`);
    process.exitCode = stale.length ? 1 : 0;
  } else {
    for (const [file, text] of generatedFiles()) writeFileSync(new URL(file, root), text);
    console.log(stale.length ? `wrote ${stale.join(", ")}` : "every generated file is up to date");
  }
}
