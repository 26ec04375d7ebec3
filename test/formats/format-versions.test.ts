// A later version of a one-version format, whatever fields it adds or drops, is refused by its
// version: UNSUPPORTED_FORMAT (or the format's own version error) at `.format`, naming the version it
// has and the one this verifier reads; never "unknown field" or "required field is missing" about a
// field of a version this one does not read. Each row's valid document is a frozen vector where one
// exists (test/vectors/), else one the library writes.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { InputError } from "../../src/core/errors/input.js";
import { LightClientError } from "../../src/core/errors/lightClient.js";
import { POSSESSION_FORMAT, parseKeyPossessionFile, proveKeyPossession } from "../../src/formats/attestation/keyPossession.js";
import { onChainRole, PUBLIC_KEY_FORMAT, parsePublicKeyInfo } from "../../src/formats/attestation/publicKeys.js";
import { parseOfflineKit } from "../../src/formats/offlineKit.js";
import { parseReceipt } from "../../src/formats/receipt.js";
import { parseEncryptedKeyFile } from "../../src/local/keys/encryptedKey.js";
import { type KeyFile, parseKeyFile, signerFromKeyFile } from "../../src/local/keys/keys.js";
import { parseQbftTrust } from "../../src/verify/lightclient/trustFile.js";
import { DEFAULT_VERIFICATION_POLICY, parseVerificationPolicy } from "../../src/verify/verificationPolicy.js";

const vector = (name: string) => JSON.parse(readFileSync(new URL(`../vectors/${name}`, import.meta.url), "utf8"));
const keys = vector("encrypted-key-v1.json").vectors as { name: string; plaintext: Record<string, unknown>; file: Record<string, unknown> }[];
const keyFile = keys.find((k) => k.name === "ed25519")!.plaintext as KeyFile;
const registry = "0x5fbdb2315678afecb367f032d93f642f64180aa3";
const possession = {
  format: POSSESSION_FORMAT,
  chainId: 31337,
  registry,
  orgId: 1,
  role: "approver",
  ...(await proveKeyPossession(signerFromKeyFile(keyFile), { chainId: 31337, registry, orgId: 1, role: onChainRole("approver") })),
};

type Row = {
  /** The format's name without its version (`provenance-receipt`). */
  readonly name: string;
  readonly valid: Record<string, unknown>;
  readonly parse: (value: unknown) => unknown;
  /** The parser's root path. */
  readonly root: string;
  /** The refusal of another version: its class, and its code (InputError) or check (LightClientError). */
  readonly version: { readonly error: typeof InputError | typeof LightClientError; readonly code: string };
  /** The refusal of a malformed v1 document (a missing or an unknown field). */
  readonly shape: { readonly error: typeof InputError | typeof LightClientError; readonly code: string };
  /** `format` may be absent (version 1 implied). */
  readonly formatOptional?: boolean;
};

const input = (code: string) => ({ error: InputError, code });
const light = (check: string) => ({ error: LightClientError, code: check });
const ROWS: readonly Row[] = [
  {
    name: "provenance-receipt",
    valid: vector("receipt-v1.json").receipt,
    parse: parseReceipt,
    root: "receipt",
    version: input("UNSUPPORTED_FORMAT"),
    shape: input("INVALID_RECEIPT"),
  },
  {
    name: "provenance-verification-policy",
    valid: structuredClone(DEFAULT_VERIFICATION_POLICY),
    parse: parseVerificationPolicy,
    root: "policy",
    version: input("UNSUPPORTED_FORMAT"),
    shape: input("INVALID_POLICY"),
  },
  {
    name: "provenance-offline-kit",
    valid: vector("offline-kit-v1.json").bundle.offlineKit,
    parse: (v) => parseOfflineKit(v),
    root: "offlineKit",
    version: light("offline-kit"),
    shape: light("offline-kit"),
  },
  {
    name: "provenance-qbft-trust",
    valid: vector("qbft-trust-v1.json"),
    parse: (v) => parseQbftTrust(v),
    root: "trust",
    version: light("trust-file"),
    shape: light("trust-file"),
  },
  {
    name: "provenance-key-possession",
    valid: possession,
    parse: (v) => parseKeyPossessionFile(v),
    root: "possession",
    version: input("UNSUPPORTED_FORMAT"),
    shape: input("INVALID_KEY"),
  },
  {
    name: "provenance-key",
    valid: keyFile,
    parse: (v) => parseKeyFile(v),
    root: "key",
    version: input("UNSUPPORTED_FORMAT"),
    shape: input("INVALID_KEY"),
  },
  {
    name: "provenance-encrypted-key",
    valid: keys.find((k) => k.name === "ed25519")!.file,
    parse: (v) => parseEncryptedKeyFile(v),
    root: "key file",
    version: input("UNSUPPORTED_FORMAT"),
    shape: input("INVALID_KEY"),
  },
  {
    name: "provenance-public-key",
    valid: { format: PUBLIC_KEY_FORMAT, algorithm: keyFile.algorithm, keyid: keyFile.keyid, publicKey: keyFile.publicKey },
    parse: (v) => parsePublicKeyInfo(v),
    root: "key",
    version: input("UNSUPPORTED_FORMAT"),
    shape: input("INVALID_KEY"),
    formatOptional: true,
  },
];

/** Asserts `parse(value)` throws `expected` at `field`, its message matching `message`. */
function refused(row: Row, value: unknown, expected: Row["version"], field: string, message: RegExp): void {
  assert.throws(
    () => row.parse(value),
    (e: unknown) => {
      assert.ok(e instanceof expected.error, `expected ${expected.error.name}, got ${e}`);
      const where = e instanceof InputError ? { code: e.code, field: e.path } : { code: (e as LightClientError).check, field: (e as LightClientError).field };
      assert.deepEqual(where, { code: expected.code, field }, e.message);
      assert.match(e.message, message);
      return true;
    },
  );
}

const without = (value: Record<string, unknown>, key: string) => Object.fromEntries(Object.entries(value).filter(([k]) => k !== key));
/** A field besides `format` whose absence version 1 refuses as "required field is missing". */
const requiredField = (row: Row) => {
  for (const key of Object.keys(row.valid).filter((k) => k !== "format"))
    try {
      row.parse(without(row.valid, key));
    } catch (e) {
      if (/required field is missing$/.test((e as Error).message)) return key;
    }
  throw new Error(`${row.name}: no required field`);
};

describe("a later version of a one-version format is refused by its version, not by its fields", () => {
  for (const row of ROWS) {
    const v1 = `${row.name}-v1`;
    const v2 = `${row.name}-v2`;
    // Names the version it got and the one it reads, in either wording the parsers use.
    const namesVersions = new RegExp(`"${v2}".*${v1}`);
    it(`default: the valid ${v1} document parses`, () => {
      assert.equal(row.valid.format, v1);
      row.parse(structuredClone(row.valid));
    });
    it(`error: ${v2} with a field ${v1} does not have is refused at ${row.root}.format, naming both versions`, () => {
      refused(row, { ...structuredClone(row.valid), format: v2, newField: 1 }, row.version, `${row.root}.format`, namesVersions);
    });
    it(`error: ${v2} without a field ${v1} requires is refused at ${row.root}.format, naming both versions`, () => {
      refused(row, { ...without(structuredClone(row.valid), requiredField(row)), format: v2 }, row.version, `${row.root}.format`, namesVersions);
    });
    it(`error: a format that is not a string is refused at ${row.root}.format, naming it and ${v1}`, () => {
      refused(row, { ...structuredClone(row.valid), format: 2, newField: 1 }, row.version, `${row.root}.format`, new RegExp(`\\b2\\b.*${v1}`));
      refused(row, { ...structuredClone(row.valid), format: { version: 2 } }, row.version, `${row.root}.format`, new RegExp(`\\{"version":2\\}.*${v1}`));
    });
    if (row.formatOptional)
      it(`default: ${row.name} without a format is version 1`, () => {
        row.parse(without(structuredClone(row.valid), "format"));
      });
    else
      it(`error: ${v1} without a format is refused as a missing field at ${row.root}.format`, () => {
        refused(row, without(structuredClone(row.valid), "format"), row.shape, `${row.root}.format`, /required field is missing/);
      });
    it(`error: ${v1} with an unknown field is still refused naming that field`, () => {
      refused(row, { ...structuredClone(row.valid), newField: 1 }, row.shape, `${row.root}.newField`, /unknown field/);
    });
  }
});
