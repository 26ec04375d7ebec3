import { invalid } from "../../core/errors/input.js";
import { expectArray, expectObject, expectOneOf, expectString } from "../../core/validate.js";
import type { CycloneDxHash, CycloneDxHashAlgorithm } from "./cycloneDxBom.js";
import { type SoftwarePackage, spdxPackage } from "./softwarePackage.js";

// SPDX 2.2/2.3 checksum algorithms → CycloneDX names and hex lengths. `null`: no CycloneDX
// equivalent; the checksum is validated and dropped.
const ALGORITHMS: Readonly<Record<string, { alg: CycloneDxHashAlgorithm | null; lengths: readonly number[] }>> = {
  SHA1: { alg: "SHA-1", lengths: [40] },
  SHA224: { alg: null, lengths: [56] },
  SHA256: { alg: "SHA-256", lengths: [64] },
  SHA384: { alg: "SHA-384", lengths: [96] },
  SHA512: { alg: "SHA-512", lengths: [128] },
  "SHA3-256": { alg: "SHA3-256", lengths: [64] },
  "SHA3-384": { alg: "SHA3-384", lengths: [96] },
  "SHA3-512": { alg: "SHA3-512", lengths: [128] },
  "BLAKE2b-256": { alg: "BLAKE2b-256", lengths: [64] },
  "BLAKE2b-384": { alg: "BLAKE2b-384", lengths: [96] },
  "BLAKE2b-512": { alg: "BLAKE2b-512", lengths: [128] },
  BLAKE3: { alg: "BLAKE3", lengths: [32, 40, 64, 96, 128] },
  MD2: { alg: null, lengths: [32] },
  MD4: { alg: null, lengths: [32] },
  MD5: { alg: "MD5", lengths: [32] },
  MD6: { alg: null, lengths: [] },
  ADLER32: { alg: null, lengths: [8] },
};

const SPDX_ID = /^SPDXRef-[A-Za-z0-9.-]+$/;
const HEX = /^[0-9a-fA-F]+$/;
const MAX_PACKAGES = 200_000;

/**
 * Validates an SPDX 2.2 or 2.3 JSON document (what Syft's `spdx-json` and Microsoft's sbom-tool
 * write) for the parts read here, and returns its packages: name, `versionInfo`, the first
 * `purl` external reference, checksums (converted to CycloneDX algorithm names; SHA224, MD2, MD4,
 * MD6 and ADLER32 have none and are dropped after validation) and the declared (else concluded)
 * licence unless it is NOASSERTION or NONE. Packages the document DESCRIBES (the scanned
 * project itself) are left out. Errors are `INVALID_SBOM` naming the path.
 */
export function readSpdx2Packages(value: unknown, path = "$"): { specVersion: string; packages: SoftwarePackage[] } {
  const code = "INVALID_SBOM";
  const doc = expectObject(value, path, code, { required: ["spdxVersion", "SPDXID", "name", "creationInfo"], open: true });
  const specVersion = expectOneOf(doc.spdxVersion, `${path}.spdxVersion`, code, ["SPDX-2.2", "SPDX-2.3"]);
  expectOneOf(doc.SPDXID, `${path}.SPDXID`, code, ["SPDXRef-DOCUMENT"]);
  expectString(doc.name, `${path}.name`, code, { min: 0, max: 4096 });
  const creationInfo = expectObject(doc.creationInfo, `${path}.creationInfo`, code, { required: ["created", "creators"], open: true });
  expectString(creationInfo.created, `${path}.creationInfo.created`, code, { max: 64 });
  expectArray(creationInfo.creators, `${path}.creationInfo.creators`, code, 1, 1024).forEach((c, i) =>
    expectString(c, `${path}.creationInfo.creators[${i}]`, code, { max: 4096 }),
  );

  const described = new Set<string>();
  if (doc.documentDescribes !== undefined)
    expectArray(doc.documentDescribes, `${path}.documentDescribes`, code).forEach((id, i) =>
      described.add(expectString(id, `${path}.documentDescribes[${i}]`, code, { max: 1024 })),
    );
  if (doc.relationships !== undefined)
    for (const [i, r] of expectArray(doc.relationships, `${path}.relationships`, code, 0, 10 * MAX_PACKAGES).entries()) {
      const at = `${path}.relationships[${i}]`;
      const relationship = expectObject(r, at, code, { required: ["spdxElementId", "relationshipType", "relatedSpdxElement"], open: true });
      const from = expectString(relationship.spdxElementId, `${at}.spdxElementId`, code, { max: 1024 });
      const type = expectString(relationship.relationshipType, `${at}.relationshipType`, code, { max: 64 });
      const to = expectString(relationship.relatedSpdxElement, `${at}.relatedSpdxElement`, code, { max: 1024 });
      if (type === "DESCRIBES" && from === "SPDXRef-DOCUMENT") described.add(to);
      if (type === "DESCRIBED_BY" && to === "SPDXRef-DOCUMENT") described.add(from);
    }

  const ids = new Set<string>();
  const packages: SoftwarePackage[] = [];
  const list = doc.packages === undefined ? [] : expectArray(doc.packages, `${path}.packages`, code, 0, MAX_PACKAGES);
  for (const [i, p] of list.entries()) {
    const at = `${path}.packages[${i}]`;
    const pkg = expectObject(p, at, code, { required: ["SPDXID", "name"], open: true });
    const id = expectString(pkg.SPDXID, `${at}.SPDXID`, code, { max: 1024, pattern: SPDX_ID, hint: "SPDXRef- followed by letters, digits, . or -" });
    if (ids.has(id)) invalid(code, `duplicate SPDXID "${id}"`, `${at}.SPDXID`);
    ids.add(id);
    const name = expectString(pkg.name, `${at}.name`, code, { max: 2048 });
    const version = pkg.versionInfo === undefined ? undefined : expectString(pkg.versionInfo, `${at}.versionInfo`, code, { min: 0, max: 1024 });
    const hashes: CycloneDxHash[] = [];
    if (pkg.checksums !== undefined)
      for (const [j, c] of expectArray(pkg.checksums, `${at}.checksums`, code, 0, 64).entries()) {
        const checksum = expectObject(c, `${at}.checksums[${j}]`, code, { required: ["algorithm", "checksumValue"], open: true });
        const algorithm = expectOneOf(checksum.algorithm, `${at}.checksums[${j}].algorithm`, code, Object.keys(ALGORITHMS));
        const { alg, lengths } = ALGORITHMS[algorithm]!;
        const content = expectString(checksum.checksumValue, `${at}.checksums[${j}].checksumValue`, code, {
          max: 1024,
          pattern: HEX,
          hint: "hex digits",
        }).toLowerCase();
        if (lengths.length > 0 && !lengths.includes(content.length))
          invalid(code, `a ${algorithm} checksum is ${lengths.join(" or ")} hex digits, got ${content.length}`, `${at}.checksums[${j}].checksumValue`);
        if (alg === null) continue;
        const previous = hashes.find((h) => h.alg === alg);
        if (previous && previous.content !== content) invalid(code, `two different ${algorithm} checksums for one package`, `${at}.checksums[${j}]`);
        if (!previous) hashes.push({ alg, content });
      }
    let purl: string | undefined;
    if (pkg.externalRefs !== undefined)
      for (const [j, r] of expectArray(pkg.externalRefs, `${at}.externalRefs`, code, 0, 1024).entries()) {
        const ref = expectObject(r, `${at}.externalRefs[${j}]`, code, { required: ["referenceCategory", "referenceType", "referenceLocator"], open: true });
        expectString(ref.referenceCategory, `${at}.externalRefs[${j}].referenceCategory`, code, { max: 64 });
        const type = expectString(ref.referenceType, `${at}.externalRefs[${j}].referenceType`, code, { max: 1024 });
        const locator = expectString(ref.referenceLocator, `${at}.externalRefs[${j}].referenceLocator`, code, { max: 4096 });
        if (type === "purl" && purl === undefined) {
          if (!/^pkg:[a-zA-Z.+-]+\/\S+$/.test(locator))
            invalid(code, "must be a package URL (pkg:type/name@version)", `${at}.externalRefs[${j}].referenceLocator`);
          purl = locator;
        }
      }
    const licenses: string[] = [];
    for (const key of ["licenseDeclared", "licenseConcluded"] as const) {
      if (pkg[key] === undefined) continue;
      const license = expectString(pkg[key], `${at}.${key}`, code, { max: 4096 });
      if (licenses.length === 0 && license !== "NOASSERTION" && license !== "NONE") licenses.push(license);
    }
    if (described.has(id)) continue;
    packages.push(spdxPackage(name, version, purl, hashes, licenses));
  }
  return { specVersion, packages };
}
