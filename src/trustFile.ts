import { InputError } from "./errors/input.js";
import { type Hex, parseAddress } from "./hex.js";
import { expectArray, expectInteger, expectObject, expectString } from "./validate.js";

/** The format of a verifier's trust file (schemas/trust-v1.schema.json). */
export const TRUST_FORMAT = "provenance-trust-v1";

/**
 * What a verifier pins, in a file it writes and names with `--trust <file>`: the chain, the
 * registry on it and the organisations whose anchors it accepts; optionally the RPC node it
 * asks. Nothing in it comes from the party whose evidence is checked. Later format versions add
 * validators and a verification policy.
 */
export type TrustFile = {
  readonly format: typeof TRUST_FORMAT;
  /** EIP-155 chain ID the node must report. */
  readonly chainId: number;
  /** The ProvenanceRegistry contract, lower-case. */
  readonly registry: Hex;
  /** Organisation ids whose anchors are accepted (at least one, no duplicates). */
  readonly organisations: readonly number[];
  /** The JSON-RPC node to ask (http or https), when the file names one. */
  readonly rpc?: string;
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
  if (o.format !== TRUST_FORMAT)
    throw new InputError("UNSUPPORTED_FORMAT", `format is ${JSON.stringify(o.format) ?? "missing"}; this verifier reads "${TRUST_FORMAT}"`, { path: `${path}.format` });
  expectObject(o, path, CODE, { required: ["format", "chainId", "registry", "organisations"], allowed: ["rpc"] });
  const chainId = expectInteger(o.chainId, `${path}.chainId`, CODE, 1);
  const registry = parseAddress(expectString(o.registry, `${path}.registry`, CODE, { max: 42 }), `${path}.registry`).toLowerCase() as Hex;
  const organisations = expectArray(o.organisations, `${path}.organisations`, CODE, 1, 1024).map((id, i) => expectInteger(id, `${path}.organisations[${i}]`, CODE, 1, 2 ** 32 - 1));
  const dup = organisations.findIndex((id, i) => organisations.indexOf(id) !== i);
  if (dup >= 0) throw new InputError(CODE, "is listed twice", { path: `${path}.organisations[${dup}]` });
  let rpc: string | undefined;
  if (o.rpc !== undefined) {
    rpc = expectString(o.rpc, `${path}.rpc`, CODE, { max: 2048 });
    let url: URL | undefined;
    try {
      url = new URL(rpc);
    } catch {
      url = undefined;
    }
    if (url === undefined || (url.protocol !== "http:" && url.protocol !== "https:")) throw new InputError(CODE, "must be an http(s) URL such as http://127.0.0.1:8545", { path: `${path}.rpc` });
  }
  return { format: TRUST_FORMAT, chainId, registry, organisations, ...(rpc === undefined ? {} : { rpc }) };
}
