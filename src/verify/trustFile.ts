import { invalid } from "../core/errors/input.js";
import { LightClientError } from "../core/errors/lightClient.js";
import { type Hex, parseAddress } from "../core/hex.js";
import { type QbftTrust, parseQbftTrust } from "./lightclient/trustFile.js";
import { expectArray, expectInteger, expectObject, expectString, UINT32_MAX } from "../core/validate.js";

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

const CODE = "INVALID_ARGUMENT";

/**
 * Validates an untrusted trust file strictly: exactly the fields of its version, an unknown
 * `format` refused by name (`UNSUPPORTED_FORMAT`), every error naming the field.
 *
 * @example
 * import { parseTrustFile } from "provenance-ledger";
 * const trust = parseTrustFile(parseJson(await readFile("trust.json", "utf8")), "trust.json");
 */
export function parseTrustFile(value: unknown, path = "trust"): TrustFile {
  const o = expectObject(value, path, CODE);
  if (o.format !== TRUST_FORMAT && o.format !== TRUST_FORMAT_V2)
    invalid(
      "UNSUPPORTED_FORMAT",
      `format is ${JSON.stringify(o.format) ?? "missing"}; this verifier reads "${TRUST_FORMAT}" and "${TRUST_FORMAT_V2}"`,
      `${path}.format`,
    );
  const format = o.format;
  expectObject(o, path, CODE, {
    required: ["format", "chainId", "registry", "organisations"],
    allowed: format === TRUST_FORMAT_V2 ? ["rpc", "qbft"] : ["rpc"],
  });
  const chainId = expectInteger(o.chainId, `${path}.chainId`, CODE, 1);
  const registry = parseAddress(expectString(o.registry, `${path}.registry`, CODE, { max: 42 }), `${path}.registry`).toLowerCase() as Hex;
  const organisations = expectArray(o.organisations, `${path}.organisations`, CODE, 1, 1024).map((id, i) =>
    expectInteger(id, `${path}.organisations[${i}]`, CODE, 1, UINT32_MAX),
  );
  const dup = organisations.findIndex((id, i) => organisations.indexOf(id) !== i);
  if (dup >= 0) invalid(CODE, "is listed twice", `${path}.organisations[${dup}]`);
  let rpc: string | undefined;
  if (o.rpc !== undefined) {
    rpc = expectString(o.rpc, `${path}.rpc`, CODE, { max: 2048 });
    let url: URL | undefined;
    try {
      url = new URL(rpc);
    } catch {
      url = undefined;
    }
    if (url === undefined || (url.protocol !== "http:" && url.protocol !== "https:"))
      invalid(CODE, "must be an http(s) URL such as http://127.0.0.1:8545", `${path}.rpc`);
  }
  let qbft: QbftTrust | undefined;
  if (o.qbft !== undefined) {
    try {
      qbft = parseQbftTrust(o.qbft, `${path}.qbft`);
    } catch (cause) {
      if (cause instanceof LightClientError) invalid(CODE, cause.shortMessage, cause.field ?? `${path}.qbft`, cause);
      throw cause;
    }
    // One chain and one registry per file: the validators vouch for the chain the pins name.
    if (qbft.chainId !== chainId) invalid(CODE, `is ${qbft.chainId}, but the file pins chain ${chainId}`, `${path}.qbft.chainId`);
    if (qbft.registry !== registry) invalid(CODE, `is ${qbft.registry}, but the file pins registry ${registry}`, `${path}.qbft.registry`);
  }
  return { format, chainId, registry, organisations, ...(rpc === undefined ? {} : { rpc }), ...(qbft === undefined ? {} : { qbft }) };
}
