import { invalid } from "../../core/errors/input.js";
import { expectArray, expectObject, expectString } from "../../core/validate.js";
import { CYCLONEDX_HASH_LENGTHS, type CycloneDxHash, type CycloneDxHashAlgorithm } from "./cycloneDxBom.js";
import { type SoftwarePackage, spdxPackage } from "./softwarePackage.js";

/** SPDX 3 `HashAlgorithm` values that have a CycloneDX equivalent. */
export const SPDX3_TO_CYCLONEDX_HASH: Readonly<Record<string, CycloneDxHashAlgorithm>> = {
  md5: "MD5",
  sha1: "SHA-1",
  sha256: "SHA-256",
  sha384: "SHA-384",
  sha512: "SHA-512",
  sha3_256: "SHA3-256",
  sha3_384: "SHA3-384",
  sha3_512: "SHA3-512",
  blake2b256: "BLAKE2b-256",
  blake2b384: "BLAKE2b-384",
  blake2b512: "BLAKE2b-512",
  blake3: "BLAKE3",
};

const CONTEXT = /^https:\/\/spdx\.org\/rdf\/3\.0\.\d+\/spdx-context\.jsonld$/;
const HEX = /^[0-9a-fA-F]+$/;
const MAX_ELEMENTS = 1_000_000;

/**
 * Validates an SPDX 3.0 JSON-LD document (`@context` an `https://spdx.org/rdf/3.0.x/spdx-context.jsonld`,
 * `@graph` of typed elements with unique `spdxId`s) for the parts read here, and returns its
 * `software_Package` elements: name, `software_packageVersion`, `software_packageUrl` (or a
 * `packageUrl` external identifier), `verifiedUsing` hashes with a CycloneDX equivalent, and the
 * declared (else concluded) licence when it is a `simplelicensing_LicenseExpression`. AI and
 * dataset packages are subclasses with their own type and are not read; packages that are a
 * `rootElement` of the document or of an SBOM (the scanned project itself) are left out.
 * Errors are `INVALID_SBOM` naming the path.
 */
export function readSpdx3Packages(value: unknown, path = "$"): { specVersion: string; packages: SoftwarePackage[] } {
  const code = "INVALID_SBOM";
  const doc = expectObject(value, path, code, { allowed: ["@context", "@graph"], required: ["@context", "@graph"] });
  const contexts = typeof doc["@context"] === "string" ? [doc["@context"]] : expectArray(doc["@context"], `${path}.@context`, code, 1, 16);
  const context = contexts.find((c): c is string => typeof c === "string" && CONTEXT.test(c));
  if (context === undefined) invalid(code, "not an SPDX 3.0 context (https://spdx.org/rdf/3.0.x/spdx-context.jsonld)", `${path}.@context`);
  const specVersion = context.split("/")[4]!;

  const graph = expectArray(doc["@graph"], `${path}.@graph`, code, 1, MAX_ELEMENTS);
  const byId = new Map<string, { node: Record<string, unknown>; at: string }>();
  const nodes = graph.map((n, i) => {
    const at = `${path}.@graph[${i}]`;
    const node = expectObject(n, at, code, { required: ["type"], open: true });
    expectString(node.type, `${at}.type`, code, { max: 256 });
    if (node.spdxId !== undefined) {
      const id = expectString(node.spdxId, `${at}.spdxId`, code, { max: 4096 });
      if (byId.has(id)) invalid(code, `duplicate spdxId "${id}"`, `${at}.spdxId`);
      byId.set(id, { node, at });
    }
    return { node, at };
  });

  const roots = new Set<string>();
  const licenses = new Map<string, { declared?: string; concluded?: string }>();
  for (const { node, at } of nodes) {
    if ((node.type === "SpdxDocument" || node.type === "software_Sbom") && node.rootElement !== undefined)
      expectArray(node.rootElement, `${at}.rootElement`, code).forEach((r, i) => roots.add(expectString(r, `${at}.rootElement[${i}]`, code, { max: 4096 })));
    if (node.type !== "Relationship" || (node.relationshipType !== "hasDeclaredLicense" && node.relationshipType !== "hasConcludedLicense")) continue;
    const from = expectString(node.from, `${at}.from`, code, { max: 4096 });
    for (const [i, to] of expectArray(node.to, `${at}.to`, code, 1, 1024).entries()) {
      const target = byId.get(expectString(to, `${at}.to[${i}]`, code, { max: 4096 }))?.node;
      if (target?.type !== "simplelicensing_LicenseExpression") continue;
      const expression = expectString(target.simplelicensing_licenseExpression, `${at}.to[${i}] → simplelicensing_licenseExpression`, code, { max: 4096 });
      const entry = licenses.get(from) ?? {};
      entry[node.relationshipType === "hasDeclaredLicense" ? "declared" : "concluded"] ??= expression;
      licenses.set(from, entry);
    }
  }

  const packages: SoftwarePackage[] = [];
  for (const { node, at } of nodes) {
    if (node.type !== "software_Package") continue;
    const id = expectString(node.spdxId, `${at}.spdxId`, code, { max: 4096 });
    const name = expectString(node.name, `${at}.name`, code, { max: 2048 });
    const version =
      node.software_packageVersion === undefined ? undefined : expectString(node.software_packageVersion, `${at}.software_packageVersion`, code, { max: 1024 });
    let purl = node.software_packageUrl === undefined ? undefined : expectString(node.software_packageUrl, `${at}.software_packageUrl`, code, { max: 4096 });
    if (node.externalIdentifier !== undefined)
      for (const [i, e] of expectArray(node.externalIdentifier, `${at}.externalIdentifier`, code, 0, 1024).entries()) {
        const identifier = expectObject(e, `${at}.externalIdentifier[${i}]`, code);
        if (identifier.externalIdentifierType === "packageUrl")
          purl ??= expectString(identifier.identifier, `${at}.externalIdentifier[${i}].identifier`, code, { max: 4096 });
      }
    if (purl !== undefined && !/^pkg:[a-zA-Z.+-]+\/\S+$/.test(purl))
      invalid(code, "must be a package URL (pkg:type/name@version)", `${at}.software_packageUrl`);
    const hashes: CycloneDxHash[] = [];
    if (node.verifiedUsing !== undefined)
      for (const [i, v] of expectArray(node.verifiedUsing, `${at}.verifiedUsing`, code, 0, 64).entries()) {
        const method = expectObject(v, `${at}.verifiedUsing[${i}]`, code, { required: ["type"], open: true });
        if (method.type !== "Hash") continue;
        const algorithm = expectString(method.algorithm, `${at}.verifiedUsing[${i}].algorithm`, code, { max: 64 });
        const content = expectString(method.hashValue, `${at}.verifiedUsing[${i}].hashValue`, code, {
          max: 1024,
          pattern: HEX,
          hint: "hex digits",
        }).toLowerCase();
        const alg = SPDX3_TO_CYCLONEDX_HASH[algorithm];
        if (alg === undefined) continue;
        const lengths: readonly number[] = CYCLONEDX_HASH_LENGTHS[alg];
        if (!lengths.includes(content.length))
          invalid(code, `a ${algorithm} hash is ${lengths.join(" or ")} hex digits, got ${content.length}`, `${at}.verifiedUsing[${i}].hashValue`);
        const previous = hashes.find((h) => h.alg === alg);
        if (previous && previous.content !== content) invalid(code, `two different ${algorithm} hashes for one package`, `${at}.verifiedUsing[${i}]`);
        if (!previous) hashes.push({ alg, content });
      }
    if (roots.has(id)) continue;
    const license = licenses.get(id);
    const licenseText = license?.declared ?? license?.concluded;
    packages.push(spdxPackage(name, version, purl, hashes, licenseText ? [licenseText] : []));
  }
  return { specVersion, packages };
}
