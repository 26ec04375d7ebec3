import { invalid } from "../core/errors/input.js";
import { LightClientError, refusedAsInput } from "../core/errors/lightClient.js";
import { type Hex, parseAddress } from "../core/hex.js";
import { parseSpec, type Spec, s } from "../core/spec/spec.js";
import { type QbftTrust, parseQbftTrust } from "./lightclient/trustFile.js";
import { expectString, UINT32_MAX } from "../core/validate.js";

/** The format of a verifier's trust file (schemas/trust-v1.schema.json). */
export const TRUST_FORMAT = "provenance-trust-v1";
/** Version 2 (schemas/trust-v2.schema.json): version 1 and, optionally, the QBFT validator trust (`qbft`) for light mode. */
export const TRUST_FORMAT_V2 = "provenance-trust-v2";

/**
 * What a verifier pins, in a file it writes and names with `--trust <file>`: the chain, the
 * registry on it and the organisations whose anchors it accepts; optionally the RPC node it
 * asks. Nothing in it comes from the party whose evidence is checked. Later format versions add
 * validators and a verification policy.
 */
export type TrustFile = {
  readonly format: typeof TRUST_FORMAT | typeof TRUST_FORMAT_V2;
  /** EIP-155 chain ID the node must report. */
  readonly chainId: number;
  /** The ProvenanceRegistry contract, lower-case. */
  readonly registry: Hex;
  /** Organisation ids whose anchors are accepted (at least one, no duplicates). */
  readonly organisations: readonly number[];
  /** The JSON-RPC node to ask (http or https), when the file names one. */
  readonly rpc?: string;
  /** Version 2: the pinned QBFT validator set (`provenance-qbft-trust-v1`, same chain ID and registry); light mode by default when present. */
  readonly qbft?: QbftTrust;
};

/** A version 1 trust file, as its spec reads it. */
export type TrustFileV1 = Omit<TrustFile, "format" | "qbft"> & { readonly format: typeof TRUST_FORMAT };
/** A version 2 trust file: version 1 and, optionally, the QBFT validator trust. */
export type TrustFileV2 = Omit<TrustFile, "format"> & { readonly format: typeof TRUST_FORMAT_V2 };

const CODE = "INVALID_ARGUMENT";

// Not s.hex: a registry that is not a string, or too long, is the trust file's INVALID_ARGUMENT (then INVALID_HEX).
const registry = s
  .custom(
    (value, path, code) => parseAddress(expectString(value, path, code, { max: 42 }), path),
    { type: "string", pattern: "^0x[0-9a-fA-F]{40}$" },
    "address",
  )
  .describe("The ProvenanceRegistry contract address.");

// The embedded validator trust refuses with LightClientError (check trust-file): told as the trust file's error, at its field.
function qbftTrust(value: unknown, path: string): QbftTrust {
  try {
    return parseQbftTrust(value, path);
  } catch (cause) {
    if (cause instanceof LightClientError) refusedAsInput(cause, CODE, path);
    throw cause;
  }
}

function isHttpUrl(text: string): boolean {
  try {
    const { protocol } = new URL(text);
    return protocol === "http:" || protocol === "https:";
  } catch {
    return false;
  }
}

/** A trust file's fields in one version: v2 adds `qbft`, and says what `rpc` is in light mode. */
function trustFields<const F extends string>(format: F, rpc: string) {
  return {
    format: s.literal(format),
    chainId: s.integer(1).describe("EIP-155 chain ID; the node must serve this chain and every receipt must name it."),
    registry,
    organisations: s
      .array(s.integer(1, UINT32_MAX), 1, 1024)
      .refine(
        (ids, fail) => {
          const dup = ids.findIndex((id, i) => ids.indexOf(id) !== i);
          if (dup >= 0) fail(`[${dup}]`, "is listed twice");
        },
        { schema: { uniqueItems: true } },
      )
      .describe("Organisation ids (uint32) whose anchors are accepted; an anchor by any other organisation is refused (check `organisation`)."),
    rpc: s.optional(
      s
        .string({ max: 2048 })
        .refine((url, fail) => !isHttpUrl(url) && fail("", "must be an http(s) URL such as http://127.0.0.1:8545"), {
          schema: { pattern: "^https?://" },
        })
        .describe(rpc),
    ),
  };
}

/** Version 1's spec: parser and `schemas/trust-v1.schema.json`. */
export const trustV1Spec = s.object(
  trustFields(TRUST_FORMAT, "The JSON-RPC node to ask (http or https). The verdict says it trusted this node."),
) satisfies Spec<TrustFileV1>;

/** Version 2's spec: parser and `schemas/trust-v2.schema.json`. */
export const trustV2Spec = s
  .object({
    ...trustFields(
      TRUST_FORMAT_V2,
      "The JSON-RPC node to ask (http or https). In rpc mode the verdict says it trusted this node; in light mode it is only a transport.",
    ),
    qbft: s.optional(
      s
        .custom(qbftTrust, { $ref: "https://provenance-ledger.dev/schemas/qbft-trust-v1.schema.json" }, "provenance-qbft-trust-v1")
        .describe("The pinned QBFT validator trust (light mode)."),
    ),
  })
  // One chain and one registry per file: the validators vouch for the chain the pins name.
  .refine((trust, fail) => {
    if (trust.qbft === undefined) return;
    if (trust.qbft.chainId !== trust.chainId) fail(".qbft.chainId", `is ${trust.qbft.chainId}, but the file pins chain ${trust.chainId}`);
    if (trust.qbft.registry !== trust.registry) fail(".qbft.registry", `is ${trust.qbft.registry}, but the file pins registry ${trust.registry}`);
  }) satisfies Spec<TrustFileV2>;

const anyTrustSpec = s.union(
  "format",
  { [TRUST_FORMAT]: trustV1Spec, [TRUST_FORMAT_V2]: trustV2Spec },
  {
    unknown: (format, path) =>
      invalid("UNSUPPORTED_FORMAT", `format is ${JSON.stringify(format) ?? "missing"}; this verifier reads "${TRUST_FORMAT}" and "${TRUST_FORMAT_V2}"`, path),
  },
) satisfies Spec<TrustFileV1 | TrustFileV2>;

/**
 * Validates an untrusted trust file strictly: exactly the fields of its version, an unknown
 * `format` refused by name (`UNSUPPORTED_FORMAT`), every error naming the field.
 *
 * @example
 * import { parseTrustFile } from "provenance-ledger";
 * const trust = parseTrustFile(parseJson(await readFile("trust.json", "utf8")), "trust.json");
 */
export function parseTrustFile(value: unknown, path = "trust"): TrustFile {
  return parseSpec(anyTrustSpec, value, path, CODE);
}
