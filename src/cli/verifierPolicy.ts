// The verifier's own verification policy: a flag or its real environment, never a .env or the store.
import { createHash } from "node:crypto";
import { DEFAULT_VERIFICATION_POLICY, type VerificationPolicy, parseVerificationPolicy } from "../verify/verificationPolicy.js";
import { type ParsedFlags, verifierEnvironmentFile } from "./options.js";
import { readTextFile } from "./readJsonFile.js";

/**
 * The verifier's policy: `--policy file.json` (or PROVENANCE_POLICY in its real environment), else the documented default.
 *
 * @example
 * const { policy, source } = await verifierPolicy(flags);
 */
export async function verifierPolicy(flags: ParsedFlags): Promise<{ policy: VerificationPolicy; source: string }> {
  const flagged = flags.policy;
  const file = flagged ?? verifierEnvironmentFile("PROVENANCE_POLICY");
  if (file === undefined || file === "") return { policy: DEFAULT_VERIFICATION_POLICY, source: "the default policy (docs/bundle.md#verification-policy)" };
  const text = await readTextFile(file, "the policy");
  const digest = createHash("sha256").update(text, "utf8").digest("hex");
  return {
    policy: parseVerificationPolicy(text),
    source: `${file} (sha256 ${digest}; ${flagged === undefined ? "environment variable PROVENANCE_POLICY" : "--policy"})`,
  };
}
