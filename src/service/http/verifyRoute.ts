// `POST /v1/verify`: verifies a receipt (and an attestation's signers) against the service's own
// chain pins, never the receipt's claims.
import { type PublicKeyInfo, parsePublicKeyInfo } from "../../formats/attestation/publicKeys.js";
import { describeEntry, entryHash, entrySubjects } from "../../formats/entry.js";
import { ChainError } from "../../core/errors/chain.js";
import { InputError, rebase } from "../../core/errors/input.js";
import { VerificationError } from "../../core/errors/verification.js";
import { parseReceipt } from "../../formats/receipt.js";
import { expectArray, expectObject, expectSha256 } from "../../core/validate.js";
import { type VerifiedSigner, verifyAttestation } from "../../verify/verifyAttestation.js";
import { type VerifiedReceipt, verifyReceipt } from "../../verify/verifyReceipt.js";
import { type EntryRevocation, readEntryRevocation } from "../../verify/revocation.js";
import { readJson } from "./body.js";
import type { CreateHttpApiParameters } from "./httpApi.js";
import { HttpError } from "./httpError.js";
import type { Reply } from "./reply.js";
import type { Context } from "./router.js";

/** Most public keys in one `POST /v1/verify`. */
export const MAX_VERIFY_PUBLIC_KEYS = 64;

/**
 * @example
 * import { createVerifyRoute } from "./service/http/verifyRoute.js";
 * const postVerify = createVerifyRoute(parameters, 1024 * 1024);
 */
export function createVerifyRoute(parameters: CreateHttpApiParameters, maxBodyBytes: number): (context: Context) => Promise<Reply> {
  return async ({ request }: Context): Promise<Reply> => {
    const body = await readJson(request, maxBodyBytes);
    const o = expectObject(body, "$", "INVALID_ARGUMENT", { required: ["receipt"], allowed: ["artifactSha256", "publicKeys"] });
    const receipt = atPath("$", () => parseReceipt(o.receipt));
    const artifactSha256 = o.artifactSha256 === undefined ? undefined : expectSha256(o.artifactSha256, "$.artifactSha256", "INVALID_ARGUMENT");
    const publicKeys: PublicKeyInfo[] | undefined =
      o.publicKeys === undefined
        ? undefined
        : expectArray(o.publicKeys, "$.publicKeys", "INVALID_ARGUMENT", 0, MAX_VERIFY_PUBLIC_KEYS).map((k, i) => parsePublicKeyInfo(k, `$.publicKeys[${i}]`));
    const common = {
      receipt,
      artifactSha256,
      chain: parameters.chain,
      chainId: parameters.chainId,
      registry: parameters.registry,
      confirmations: parameters.confirmations,
    };
    let result: VerifiedReceipt;
    let signers: readonly VerifiedSigner[] | undefined;
    let revocation: EntryRevocation;
    try {
      if (receipt.envelope !== undefined) {
        const attestation = await verifyAttestation({ ...common, publicKeys });
        signers = attestation.signers;
        result = attestation;
      } else result = await verifyReceipt(common);
      // Anchored is not the whole answer: a subject the anchoring organisation has revoked since is not verified.
      revocation = await readEntryRevocation({
        chain: parameters.chain,
        registry: parameters.registry,
        entry: result.entry,
        organisations: [result.organisation.id],
      });
    } catch (error) {
      if (error instanceof VerificationError) return { status: 422, body: { verified: false, check: error.check, message: error.shortMessage } };
      // "Could not check" is never "not verified", and never "verified".
      if (error instanceof ChainError)
        throw new HttpError(503, "CHAIN_UNAVAILABLE", `could not verify: the chain did not answer (${error.shortMessage})`, {
          cause: error,
          headers: { "retry-after": "5" },
        });
      throw error;
    }
    if (revocation.revoked) {
      const by = revocation.findings.map((f) => `organisation ${f.orgId} at block ${f.blockNumber}`).join("; ");
      return { status: 422, body: { verified: false, check: "revocation", message: `${describeEntry(result.entry)} is revoked by ${by}`, revocation } };
    }
    return {
      status: 200,
      body: {
        verified: true,
        revocation,
        kind: result.entry.kind,
        entryHash: entryHash(result.entry),
        description: describeEntry(result.entry),
        subjects: entrySubjects(result.entry),
        organisation: result.organisation,
        chainId: result.chainId,
        registry: result.registry,
        sequence: result.sequence,
        root: result.root,
        txHash: result.txHash,
        blockNumber: result.blockNumber,
        blockHash: result.blockHash,
        timestamp: result.timestamp,
        confirmations: result.confirmations,
        artifactChecked: artifactSha256 !== undefined,
        // The service reads no model files: a supplied digest is "digest-only" (issue 9), never "files".
        artifact: result.artifact,
        checks: result.checks,
        ...(signers ? { signers: signers.map((s) => ({ algorithm: s.algorithm, keyid: s.keyid, role: s.role, registeredAt: s.registeredAt })) } : {}),
      },
    };
  };
}

/** Runs a parser whose paths start at its own root (`receipt.format`), reporting them from the body's (`$.receipt.format`). */
function atPath<T>(prefix: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof InputError && error.path !== undefined) rebase(error, `${prefix}.${error.path}`);
    throw error;
  }
}
