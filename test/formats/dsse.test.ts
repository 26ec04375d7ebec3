import assert from "node:assert/strict";
import {
  X509Certificate,
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign as nodeSign,
  verify as nodeVerify,
  type KeyObject,
} from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import canonicalize from "canonicalize";
import fc from "fast-check";
import { SigningKey, computeAddress, id as ethersId } from "ethers";
import { recoverAddress } from "viem";
import {
  type DsseEnvelope,
  IN_TOTO_PAYLOAD_TYPE,
  MAX_SIGNATURES,
  decodeBase64,
  envelopeHash,
  envelopePayload,
  parseEnvelope,
  parseEnvelopeBytes,
  parsedEnvelopeHash,
  preAuthEncoding,
} from "../../src/formats/attestation/dsse.js";
import {
  KEY_FORMAT,
  type KeyFile,
  type PublicKeyInfo,
  generateKeyFile,
  keyFileFromEthereumKey,
  keyidOfPublicKey,
  onChainKeyId,
  onChainRole,
  parseKeyFile,
  parsePublicKeyInfo,
  publicKeyInfo,
  signerFromKeyFile,
  verifySignature,
} from "../../src/local/keys/keys.js";
import { EVALUATION_PREDICATE_TYPE, createEvaluationPredicate } from "../../src/formats/predicates/evaluation.js";
import { addSignatures, signStatement } from "../../src/formats/attestation/signStatement.js";
import { STATEMENT_TYPE, type Statement } from "../../src/formats/attestation/statement.js";
import { verifyEnvelope } from "../../src/formats/attestation/verifyEnvelope.js";
import { attestationEntry, entryHash, leafOfEntry, parseEntry } from "../../src/formats/entry.js";
import { InputError } from "../../src/core/errors/input.js";
import { VerificationError } from "../../src/core/errors/verification.js";
import { LEAF_ENCODING, recordLeaf } from "../../src/merkle/leaf.js";

// Hardhat's well-known account #0: a public test key, never used for anything real.
const HARDHAT_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const HARDHAT_ADDRESS = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266";
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

const MODEL = "620c6ea47e6bd53b67d1982e646268e69c10a3bafba413e07067834ac68c57c9";
const HOLDOUT = "40233cbf0f4dc67c313da430779d573e0d1b24c4a4b288b4e7a69a88bd20bbf3";

const utf8 = (s: string) => new TextEncoder().encode(s);
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");
const sha256Hex = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** DSSE PAE written out by hand from the spec, independently of `preAuthEncoding`. */
function paeByHand(payloadType: string, body: Uint8Array, bodyLength = body.length): Buffer {
  return Buffer.concat([Buffer.from(`DSSEv1 ${Buffer.byteLength(payloadType, "utf8")} ${payloadType} ${bodyLength} `, "utf8"), body]);
}

/** A valid evaluation statement about MODEL, with the subject name given. */
function statement(name = "acme/detector@1.0.0"): Statement {
  return {
    _type: STATEMENT_TYPE,
    subject: [{ name, digest: { sha256: MODEL } }],
    predicateType: EVALUATION_PREDICATE_TYPE,
    predicate: createEvaluationPredicate({
      dataset: { name: "acme/claims-holdout-2026q3", digest: { sha256: HOLDOUT } },
      metrics: [{ name: "accuracy", value: 0.931, unit: "ratio", threshold: { operator: ">=", value: 0.9 } }],
      evaluatedAt: new Date("2026-11-22T10:00:00Z"),
    }),
  };
}

/** The canonical payload text of `statement()` (what signStatement signs), for hand edits. */
const payloadText = (name?: string) => Buffer.from(envelopePayloadOf(name)).toString("utf8");
function envelopePayloadOf(name?: string): Uint8Array {
  // canonicalize is an independent RFC 8785 implementation; signStatement writes the same bytes.
  return utf8(canonicalize(statement(name)) as string);
}

/** An envelope over arbitrary payload bytes, signed (over the correct PAE) by each key file. */
async function signBytes(payload: Uint8Array, keys: readonly KeyFile[], payloadType = IN_TOTO_PAYLOAD_TYPE): Promise<DsseEnvelope> {
  const message = preAuthEncoding(payloadType, payload);
  const signatures = [];
  for (const key of keys) signatures.push({ keyid: key.keyid, sig: b64(await signerFromKeyFile(key).sign(message)) });
  return { payloadType, payload: b64(payload), signatures };
}

/** Asserts `run` rejects with a VerificationError of `check` whose message matches `message`. */
async function failsCheck(run: Promise<unknown>, check: string, message?: RegExp): Promise<void> {
  await assert.rejects(run, (e: unknown) => {
    assert.ok(e instanceof VerificationError, `expected VerificationError, got ${String(e)}`);
    assert.equal(e.check, check, e.message);
    if (message) assert.match(e.message, message);
    return true;
  });
}

/** Asserts `run` throws (or rejects with) an InputError of `code` at `path`. */
async function refused(run: () => unknown, code: string, path?: string): Promise<void> {
  await assert.rejects(
    async () => run(),
    (e: unknown) => {
      assert.ok(e instanceof InputError, `expected InputError, got ${String(e)}`);
      assert.equal(e.code, code, e.message);
      if (path !== undefined) assert.equal(e.path, path, e.message);
      return true;
    },
  );
}

const keys = {
  hardhat: keyFileFromEthereumKey(HARDHAT_KEY),
  secp256k1: generateKeyFile("secp256k1"),
  ed25519: generateKeyFile("ed25519"),
  p256: generateKeyFile("p256"),
  ed25519Other: generateKeyFile("ed25519"),
};
const publicKeys: PublicKeyInfo[] = [keys.ed25519, keys.p256, keys.ed25519Other].map(publicKeyInfo);

describe("preAuthEncoding (DSSE PAE)", () => {
  it("default: matches the DSSE spec's published example", () => {
    const pae = preAuthEncoding("http://example.com/HelloWorld", utf8("hello world"));
    assert.equal(Buffer.from(pae).toString("latin1"), "DSSEv1 29 http://example.com/HelloWorld 11 hello world");
  });

  it("behavior: lengths count UTF-8 bytes, not characters or UTF-16 units", () => {
    const body = "modèle 😀"; // 9 UTF-16 units, 8 code points, 12 bytes
    assert.equal(body.length, 9);
    const pae = preAuthEncoding(IN_TOTO_PAYLOAD_TYPE, utf8(body));
    assert.equal(Buffer.from(pae).toString("utf8"), `DSSEv1 28 application/vnd.in-toto+json 12 ${body}`);
    const type = "application/vnd.modèle+json"; // 27 characters, 28 bytes
    assert.equal(Buffer.from(preAuthEncoding(type, utf8("{}"))).toString("utf8"), `DSSEv1 28 ${type} 2 {}`);
  });

  it("behavior: the body is copied byte for byte, even when it is not UTF-8, and may be empty", () => {
    const body = new Uint8Array([0x00, 0xff, 0x20, 0x0a, 0xc3]);
    assert.deepEqual(Buffer.from(preAuthEncoding("t", body)), Buffer.concat([Buffer.from("DSSEv1 1 t 5 "), body]));
    assert.equal(Buffer.from(preAuthEncoding("", new Uint8Array())).toString(), "DSSEv1 0  0 ");
  });

  it("behavior: equals the PAE written out by hand from the spec", () => {
    for (const body of ["", "x", "{}", payloadText(), payloadText("modèle-ß-模型-😀")])
      assert.deepEqual(Buffer.from(preAuthEncoding(IN_TOTO_PAYLOAD_TYPE, utf8(body))), paeByHand(IN_TOTO_PAYLOAD_TYPE, utf8(body)));
  });
});

describe("interop: DSSE signatures published by other implementations (test/vectors/dsse-interop.json)", () => {
  type Vector = {
    name: string;
    source: string;
    algorithm: "p256";
    publicKey?: { x: string; y: string };
    publicKeyPem?: string;
    certificate?: string;
    signatureEncoding: "der" | "ieee-p1363";
    pae: string;
    envelope: { payload: string; payloadType: string; signatures: { sig: string; keyid?: string }[] };
  };
  const file = JSON.parse(readFileSync(new URL("../vectors/dsse-interop.json", import.meta.url), "utf8")) as {
    vectors: Vector[];
    rawSignatures: { name: string; source: string; publicKeyHex: string; message: string; sig: string }[];
  };

  /** The vector's public key as published: a curve point, a PEM, or an X.509 certificate. */
  function publicKeyOf(v: Vector): KeyObject {
    if (v.publicKey) {
      const coordinate = (n: string) => Buffer.from(BigInt(n).toString(16).padStart(64, "0"), "hex").toString("base64url");
      return createPublicKey({ key: { kty: "EC", crv: "P-256", x: coordinate(v.publicKey.x), y: coordinate(v.publicKey.y) }, format: "jwk" });
    }
    if (v.publicKeyPem) return createPublicKey(v.publicKeyPem);
    return new X509Certificate(Buffer.from(v.certificate!, "base64")).publicKey;
  }

  /** IEEE P1363 r||s to ASN.1 DER `SEQUENCE { INTEGER r, INTEGER s }`. */
  function p1363ToDer(raw: Uint8Array): Uint8Array {
    const integer = (bytes: Uint8Array) => {
      let i = 0;
      while (i < bytes.length - 1 && bytes[i] === 0) i++;
      const body = (bytes[i]! & 0x80 ? [0, ...bytes.subarray(i)] : [...bytes.subarray(i)]) as number[];
      return [0x02, body.length, ...body];
    };
    const half = raw.length / 2;
    const body = [...integer(raw.subarray(0, half)), ...integer(raw.subarray(half))];
    return new Uint8Array([0x30, body.length, ...body]);
  }

  function infoOf(v: Vector): PublicKeyInfo {
    const key = publicKeyOf(v);
    return parsePublicKeyInfo({ algorithm: v.algorithm, keyid: keyidOfPublicKey(key), publicKey: key.export({ type: "spki", format: "pem" }).toString() });
  }

  const signatureOf = (v: Vector) => {
    const raw = decodeBase64(v.envelope.signatures[0]!.sig, "sig");
    return v.signatureEncoding === "der" ? raw : p1363ToDer(raw);
  };

  it("default: there are vectors from at least two independent sources", () => {
    assert.ok(file.vectors.length >= 3);
    assert.ok(new Set(file.vectors.map((v) => v.source.split(" ")[0])).size >= 2, "at least two repositories");
    for (const v of [...file.vectors, ...file.rawSignatures]) assert.match(v.source, /^[\w.-]+\/[\w.-]+ \S+/, `${v.name} names repo and path`);
  });

  for (const v of file.vectors) {
    describe(v.name, () => {
      const payload = decodeBase64(v.envelope.payload, "payload");

      it("default: our PAE is the one the signer signed, and verifySignature accepts the signature", async () => {
        const pae = preAuthEncoding(v.envelope.payloadType, payload);
        assert.equal(Buffer.from(pae).toString("utf8"), v.pae);
        assert.equal(await verifySignature(infoOf(v), pae, signatureOf(v)), true);
        // Cross-check with node:crypto in the vector's own encoding, so the test's DER conversion is not what passes.
        assert.equal(
          nodeVerify("sha256", pae, { key: publicKeyOf(v), dsaEncoding: v.signatureEncoding }, decodeBase64(v.envelope.signatures[0]!.sig, "sig")),
          true,
        );
      });

      it("error: one byte changed in the payload, the payload type or the signature is refused", async () => {
        const info = infoOf(v);
        const sig = signatureOf(v);
        for (let i = 0; i < payload.length; i += Math.max(1, Math.floor(payload.length / 4))) {
          const changed = Uint8Array.from(payload);
          changed[i]! ^= 0x01;
          assert.equal(await verifySignature(info, preAuthEncoding(v.envelope.payloadType, changed), sig), false, `payload byte ${i}`);
        }
        assert.equal(await verifySignature(info, preAuthEncoding(`${v.envelope.payloadType} `, payload), sig), false, "payload type");
        assert.equal(await verifySignature(info, preAuthEncoding(v.envelope.payloadType, payload).subarray(1), sig), false, "truncated PAE");
        const changedSig = Uint8Array.from(sig);
        changedSig[changedSig.length - 1]! ^= 0x01;
        assert.equal(await verifySignature(info, preAuthEncoding(v.envelope.payloadType, payload), changedSig), false, "signature");
      });

      it("error: verified over the payload alone (no PAE), the signature does not hold", async () => {
        assert.equal(await verifySignature(infoOf(v), payload, signatureOf(v)), false);
      });

      it("error: parseEnvelope refuses it for its payload type, although its signature is valid", async () => {
        await refused(() => parseEnvelope(v.envelope), "WRONG_PAYLOAD_TYPE", "envelope.payloadType");
      });
    });
  }

  it("error: a P-256 signature in IEEE P1363 form (not DER) is refused: our P-256 signatures are DER", async () => {
    const spec = file.vectors.find((v) => v.signatureEncoding === "ieee-p1363")!;
    const raw = decodeBase64(spec.envelope.signatures[0]!.sig, "sig");
    assert.equal(await verifySignature(infoOf(spec), utf8(spec.pae), raw), false);
  });

  for (const r of file.rawSignatures)
    it(`behavior: ${r.name}: our ed25519 verification accepts another implementation's signature`, async () => {
      const key = createPublicKey({
        key: Buffer.concat([Buffer.from("302a300506032b6570032100", "hex"), Buffer.from(r.publicKeyHex, "hex")]),
        format: "der",
        type: "spki",
      });
      const info = parsePublicKeyInfo({
        algorithm: "ed25519",
        keyid: keyidOfPublicKey(key),
        publicKey: key.export({ type: "spki", format: "pem" }).toString(),
      });
      const sig = decodeBase64(r.sig, "sig");
      assert.equal(await verifySignature(info, utf8(r.message), sig), true);
      assert.equal(await verifySignature(info, utf8(`${r.message}.`), sig), false);
    });
});

describe("interop: envelopes signed by independent implementations verify with ours", () => {
  async function envelopeBy(sign: (pae: Buffer) => Uint8Array, keyid: string, name = "acme/modèle-😀@1.0.0"): Promise<DsseEnvelope> {
    const payload = envelopePayloadOf(name);
    return {
      payloadType: IN_TOTO_PAYLOAD_TYPE,
      payload: Buffer.from(payload).toString("base64"),
      signatures: [{ keyid, sig: Buffer.from(sign(paeByHand(IN_TOTO_PAYLOAD_TYPE, payload))).toString("base64") }],
    };
  }
  const spkiKeyid = (key: KeyObject) => `sha256:${sha256Hex(key.export({ type: "spki", format: "der" }))}`;
  const pem = (key: KeyObject) => key.export({ type: "spki", format: "pem" }).toString();

  it("behavior: ed25519 signed with node:crypto directly", async () => {
    const { privateKey, publicKey } = generateKeyPairSync("ed25519");
    const keyid = spkiKeyid(publicKey);
    const envelope = await envelopeBy((pae) => nodeSign(null, pae, privateKey), keyid);
    const { signers, statement: s } = await verifyEnvelope({
      envelope,
      publicKeys: [parsePublicKeyInfo({ algorithm: "ed25519", keyid, publicKey: pem(publicKey) })],
    });
    assert.deepEqual(
      signers.map((k) => k.keyid),
      [keyid],
    );
    assert.equal(s.subject[0]!.name, "acme/modèle-😀@1.0.0");
  });

  it("behavior: ECDSA P-256 (DER, SHA-256) signed with node:crypto directly", async () => {
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const keyid = spkiKeyid(publicKey);
    const envelope = await envelopeBy((pae) => nodeSign("sha256", pae, { key: privateKey, dsaEncoding: "der" }), keyid);
    const { signers } = await verifyEnvelope({ envelope, publicKeys: [parsePublicKeyInfo({ algorithm: "p256", keyid, publicKey: pem(publicKey) })] });
    assert.deepEqual(
      signers.map((k) => k.keyid),
      [keyid],
    );
  });

  it("behavior: secp256k1 r||s||v over SHA-256(PAE) signed with ethers' SigningKey", async () => {
    const signingKey = new SigningKey(HARDHAT_KEY);
    const keyid = computeAddress(signingKey.publicKey).toLowerCase();
    assert.equal(keyid, HARDHAT_ADDRESS);
    const envelope = await envelopeBy((pae) => {
      const sig = signingKey.sign(`0x${sha256Hex(pae)}`);
      return Buffer.concat([Buffer.from(sig.r.slice(2), "hex"), Buffer.from(sig.s.slice(2), "hex"), Buffer.from([sig.v])]);
    }, keyid);
    const { signers } = await verifyEnvelope({ envelope });
    assert.deepEqual(signers, [{ algorithm: "secp256k1", keyid: HARDHAT_ADDRESS, publicKey: HARDHAT_ADDRESS }]);
  });

  it("behavior: our signatures verify with node:crypto and ethers (the other direction)", async () => {
    const envelope = await signStatement(statement(), [signerFromKeyFile(keys.ed25519), signerFromKeyFile(keys.p256), signerFromKeyFile(keys.hardhat)]);
    const pae = paeByHand(IN_TOTO_PAYLOAD_TYPE, Buffer.from(envelope.payload, "base64"));
    const [ed, p256, k1] = envelope.signatures.map((s) => Buffer.from(s.sig, "base64"));
    assert.equal(nodeVerify(null, pae, createPublicKey(keys.ed25519.publicKey), ed!), true);
    assert.equal(nodeVerify("sha256", pae, { key: createPublicKey(keys.p256.publicKey), dsaEncoding: "der" }, p256!), true);
    const recovered = SigningKey.recoverPublicKey(`0x${sha256Hex(pae)}`, `0x${k1!.toString("hex")}`);
    assert.equal(computeAddress(recovered).toLowerCase(), HARDHAT_ADDRESS);
  });
});

describe("parseEnvelope", () => {
  let valid: DsseEnvelope;
  const base = async () => (valid ??= await signStatement(statement(), [signerFromKeyFile(keys.ed25519), signerFromKeyFile(keys.hardhat)]));
  const edit = async (change: (e: any) => void) => {
    const copy = structuredClone(await base()) as any;
    change(copy);
    return copy;
  };

  it("default: accepts a well-formed envelope and returns exactly its three fields", async () => {
    const e = await base();
    assert.deepEqual(parseEnvelope(JSON.parse(JSON.stringify(e))), e);
  });

  it("error: a payload type other than in-toto's, before anything is decoded", async () => {
    for (const payloadType of ["application/json", "application/vnd.in-toto+JSON", "https://in-toto.io/Statement/v1", "application/vnd.in-toto+json ", ""])
      await refused(
        async () => parseEnvelope(await edit((e) => ((e.payloadType = payloadType), (e.payload = "not base64!")))),
        payloadType ? "WRONG_PAYLOAD_TYPE" : "INVALID_ENVELOPE",
        "envelope.payloadType",
      );
  });

  describe("base64", () => {
    const cases: [string, string][] = [
      ["invalid characters", "QUJD$A=="],
      ["missing padding", "QQ"],
      ["missing one padding character", "QUI"],
      ["url-safe alphabet", "-_-_"],
      ["url-safe alphabet (a JSON payload with '?>' in it)", Buffer.from('{"a":"?>"}').toString("base64url")],
      ["an inner space", "QUJD REVG"],
      ["a trailing newline", "QUJDREVG\n"],
      ["MIME line breaks", `${"QUJD".repeat(19)}\r\n${"QUJD".repeat(2)}`],
      ["non-zero trailing bits (QR== decodes like QQ==)", "QR=="],
      ["non-zero trailing bits (QUJ= decodes like QUI=)", "QUJ="],
      ["padding in the middle", "QQ==QQ=="],
      ["too much padding", "QQ==="],
    ];
    for (const [name, text] of cases) {
      it(`error: payload with ${name}`, () => refused(async () => parseEnvelope(await edit((e) => (e.payload = text))), "INVALID_BASE64", "envelope.payload"));
      it(`error: signature with ${name}`, () =>
        refused(async () => parseEnvelope(await edit((e) => (e.signatures[1].sig = text))), "INVALID_BASE64", "envelope.signatures[1].sig"));
    }

    it("behavior: the canonical forms of the same bytes are accepted", () => {
      assert.deepEqual(decodeBase64("QQ==", "x"), new Uint8Array([0x41]));
      assert.deepEqual(decodeBase64("QUI=", "x"), new Uint8Array([0x41, 0x42]));
      assert.deepEqual(decodeBase64("+/+/", "x"), new Uint8Array([0xfb, 0xff, 0xbf]));
    });
  });

  it("behavior: parseEnvelopeBytes gives the envelope parseEnvelope gives, with the payload and signature bytes decoded", async () => {
    const e = await base();
    const parsed = parseEnvelopeBytes(JSON.parse(JSON.stringify(e)));
    assert.deepEqual(parsed.envelope, parseEnvelope(e));
    assert.deepEqual(parsed.payload, new Uint8Array(Buffer.from(e.payload, "base64")));
    assert.deepEqual(
      parsed.signatures,
      e.signatures.map((s) => new Uint8Array(Buffer.from(s.sig, "base64"))),
    );
  });

  it("behavior: parsedEnvelopeHash is envelopeHash (sha256 of canonicalJson) for any envelope parseEnvelope accepts", async () => {
    const frozen = JSON.parse(readFileSync("test/vectors/attestation-v1.json", "utf8")).expected;
    assert.equal(parsedEnvelopeHash(parseEnvelope(frozen.envelope)), frozen.envelopeHash);
    const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");
    const keyid = fc.oneof(
      fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => `0x${Buffer.from(b).toString("hex")}`),
      fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => `sha256:${Buffer.from(b).toString("hex")}`),
    );
    const envelope = fc.record({
      payloadType: fc.constant(IN_TOTO_PAYLOAD_TYPE),
      payload: fc.uint8Array({ minLength: 1, maxLength: 300 }).map(base64),
      signatures: fc.uniqueArray(fc.record({ keyid, sig: fc.uint8Array({ minLength: 1, maxLength: 100 }).map(base64) }), {
        minLength: 1,
        maxLength: 5,
        selector: (s) => s.keyid,
      }),
    });
    assert.equal(parsedEnvelopeHash(await base()), envelopeHash(await base()));
    fc.assert(
      fc.property(envelope, (e) => {
        const parsed = parseEnvelope(e);
        assert.equal(parsedEnvelopeHash(parsed), envelopeHash(parsed));
        assert.equal(parsedEnvelopeHash(parsed), `0x${sha256Hex(utf8(canonicalize(parsed)!))}`);
      }),
      { numRuns: 500 },
    );
  });

  it("error: no signatures", () => refused(async () => parseEnvelope(await edit((e) => (e.signatures = []))), "INVALID_ENVELOPE", "envelope.signatures"));

  it("error: signatures missing", () => refused(async () => parseEnvelope(await edit((e) => delete e.signatures)), "INVALID_ENVELOPE", "envelope.signatures"));

  it(`error: more than ${MAX_SIGNATURES} signatures`, () =>
    refused(
      async () => parseEnvelope(await edit((e) => (e.signatures = Array.from({ length: MAX_SIGNATURES + 1 }, (_, i) => ({ keyid: `k${i}`, sig: "QQ==" }))))),
      "INVALID_ENVELOPE",
      "envelope.signatures",
    ));

  it("error: the same keyid twice, even with different signatures", () =>
    refused(
      async () => parseEnvelope(await edit((e) => e.signatures.push({ keyid: e.signatures[0].keyid, sig: "QQ==" }))),
      "INVALID_ENVELOPE",
      "envelope.signatures[2].keyid",
    ));

  it("error: an unknown top-level field", () => refused(async () => parseEnvelope(await edit((e) => (e.extra = "x"))), "INVALID_ENVELOPE", "envelope.extra"));

  it("error: an unknown field in a signature", () =>
    refused(async () => parseEnvelope(await edit((e) => (e.signatures[0].cert = "x"))), "INVALID_ENVELOPE", "envelope.signatures[0].cert"));

  it("error: fields of the wrong type", async () => {
    await refused(async () => parseEnvelope(await edit((e) => (e.payload = 42))), "INVALID_ENVELOPE", "envelope.payload");
    await refused(async () => parseEnvelope(await edit((e) => (e.payload = ""))), "INVALID_ENVELOPE", "envelope.payload");
    await refused(async () => parseEnvelope(await edit((e) => (e.signatures[0].keyid = null))), "INVALID_ENVELOPE", "envelope.signatures[0].keyid");
    await refused(async () => parseEnvelope(await edit((e) => (e.signatures = {}))), "INVALID_ENVELOPE", "envelope.signatures");
    await refused(() => parseEnvelope([]), "INVALID_ENVELOPE", "envelope");
  });
});

describe("verifyEnvelope", () => {
  it("default: each key type signs and verifies (secp256k1 from an Ethereum key and generated, ed25519, P-256), alone and together", async () => {
    for (const key of [keys.hardhat, keys.secp256k1, keys.ed25519, keys.p256]) {
      const envelope = await signStatement(statement(), [signerFromKeyFile(key)]);
      const verified = await verifyEnvelope({ envelope, publicKeys });
      assert.deepEqual(verified.signers, [publicKeyInfo(key)], key.algorithm);
      assert.deepEqual(verified.statement, statement());
      assert.equal(verified.entryHash, envelopeHash(envelope));
    }
    const all = [keys.hardhat, keys.secp256k1, keys.ed25519, keys.p256];
    const envelope = await signStatement(statement(), all.map(signerFromKeyFile));
    assert.deepEqual((await verifyEnvelope({ envelope, publicKeys })).signers, all.map(publicKeyInfo));
  });

  it("behavior: secp256k1 keyids are the lower-case address; the others hash the SPKI", () => {
    assert.equal(keys.hardhat.keyid, HARDHAT_ADDRESS);
    assert.match(keys.secp256k1.keyid, /^0x[0-9a-f]{40}$/);
    for (const key of [keys.ed25519, keys.p256])
      assert.equal(key.keyid, `sha256:${sha256Hex(createPublicKey(key.publicKey).export({ type: "spki", format: "der" }))}`);
  });

  it("behavior: addSignatures lets a second signer co-sign the same payload", async () => {
    const first = await signStatement(statement(), [signerFromKeyFile(keys.ed25519)]);
    const both = await addSignatures(first, [signerFromKeyFile(keys.hardhat)]);
    assert.equal(both.payload, first.payload);
    assert.deepEqual(
      (await verifyEnvelope({ envelope: both, publicKeys })).signers.map((s) => s.keyid),
      [keys.ed25519.keyid, HARDHAT_ADDRESS],
    );
  });

  it("error: a signature made by another key than its keyid names → signature", async () => {
    const byOther = await signStatement(statement(), [signerFromKeyFile(keys.ed25519Other)]);
    const claimed = { ...byOther, signatures: [{ keyid: keys.ed25519.keyid, sig: byOther.signatures[0]!.sig }] };
    await failsCheck(verifyEnvelope({ envelope: claimed, publicKeys }), "signature", new RegExp(`signature 0 by ${keys.ed25519.keyid} does not verify`));
    const k1 = await signStatement(statement(), [signerFromKeyFile(keys.secp256k1)]);
    await failsCheck(verifyEnvelope({ envelope: { ...k1, signatures: [{ keyid: HARDHAT_ADDRESS, sig: k1.signatures[0]!.sig }] } }), "signature");
  });

  it("error: the payload changed after signing (another valid statement) → signature", async () => {
    const envelope = await signStatement(statement(), [signerFromKeyFile(keys.p256)]);
    const other = await signStatement(statement("acme/other@1.0.0"), [signerFromKeyFile(keys.p256)]);
    await failsCheck(verifyEnvelope({ envelope: { ...envelope, payload: other.payload }, publicKeys }), "signature");
  });

  it("error: one invalid signature among valid ones fails the envelope (extra signatures are not ignored)", async () => {
    const envelope = await signStatement(statement(), [signerFromKeyFile(keys.hardhat), signerFromKeyFile(keys.ed25519)]);
    const bad = { ...envelope, signatures: [envelope.signatures[0]!, { keyid: keys.ed25519.keyid, sig: b64(new Uint8Array(64)) }] };
    await failsCheck(verifyEnvelope({ envelope: bad, publicKeys }), "signature", /signature 1 by sha256:/);
  });

  it("error: no public key for an ed25519 or P-256 signer → signing-key", async () => {
    for (const key of [keys.ed25519, keys.p256]) {
      const envelope = await signStatement(statement(), [signerFromKeyFile(key)]);
      await failsCheck(verifyEnvelope({ envelope }), "signing-key", new RegExp(`key ${key.keyid}, whose public key was not provided`));
      await failsCheck(verifyEnvelope({ envelope, publicKeys: [publicKeyInfo(keys.ed25519Other)] }), "signing-key");
    }
  });

  it("error: a signature over a PAE that used the UTF-16 length of a non-ASCII payload → pae", async () => {
    const payload = envelopePayloadOf("acme/détecteur-😀@1.0.0");
    const utf16Length = Buffer.from(payload).toString("utf8").length;
    assert.notEqual(utf16Length, payload.length, "the payload must be non-ASCII for the lengths to differ");
    const buggy = paeByHand(IN_TOTO_PAYLOAD_TYPE, payload, utf16Length);
    for (const key of [keys.ed25519, keys.hardhat]) {
      const envelope = {
        payloadType: IN_TOTO_PAYLOAD_TYPE,
        payload: b64(payload),
        signatures: [{ keyid: key.keyid, sig: b64(await signerFromKeyFile(key).sign(buggy)) }],
      };
      await failsCheck(
        verifyEnvelope({ envelope, publicKeys }),
        "pae",
        new RegExp(`UTF-16 length of the text \\(${utf16Length}\\) instead of the byte length \\(${payload.length}\\)`),
      );
    }
  });

  it("error: a signature over a PAE that used the base64 length → pae", async () => {
    const payload = envelopePayloadOf();
    const buggy = paeByHand(IN_TOTO_PAYLOAD_TYPE, payload, b64(payload).length);
    const envelope = {
      payloadType: IN_TOTO_PAYLOAD_TYPE,
      payload: b64(payload),
      signatures: [{ keyid: keys.p256.keyid, sig: b64(await signerFromKeyFile(keys.p256).sign(buggy)) }],
    };
    await failsCheck(verifyEnvelope({ envelope, publicKeys }), "pae", /length of the base64 text/);
  });

  it("error: a high-s secp256k1 signature (s' = n - s, v flipped) is refused although it recovers the same address", async () => {
    const envelope = await signStatement(statement(), [signerFromKeyFile(keys.hardhat)]);
    const sig = decodeBase64(envelope.signatures[0]!.sig, "sig");
    const s = BigInt(`0x${Buffer.from(sig.subarray(32, 64)).toString("hex")}`);
    assert.ok(s <= SECP256K1_N / 2n, "our signer emits low s");
    const malleated = Uint8Array.from(sig);
    malleated.set(Buffer.from((SECP256K1_N - s).toString(16).padStart(64, "0"), "hex"), 32);
    malleated[64] = sig[64] === 27 ? 28 : 27;
    const pae = preAuthEncoding(IN_TOTO_PAYLOAD_TYPE, envelopePayload(envelope));
    const recovered = await recoverAddress({ hash: `0x${sha256Hex(pae)}`, signature: `0x${Buffer.from(malleated).toString("hex")}` });
    assert.equal(recovered.toLowerCase(), HARDHAT_ADDRESS, "the malleated signature is mathematically valid");
    assert.equal(await verifySignature(publicKeyInfo(keys.hardhat), pae, malleated), false);
    await failsCheck(verifyEnvelope({ envelope: { ...envelope, signatures: [{ keyid: HARDHAT_ADDRESS, sig: b64(malleated) }] } }), "signature");
  });

  it("error: secp256k1 signatures with v other than 27/28, or not 65 bytes, are refused", async () => {
    const envelope = await signStatement(statement(), [signerFromKeyFile(keys.hardhat)]);
    const sig = decodeBase64(envelope.signatures[0]!.sig, "sig");
    const pae = preAuthEncoding(IN_TOTO_PAYLOAD_TYPE, envelopePayload(envelope));
    const info = publicKeyInfo(keys.hardhat);
    assert.equal(await verifySignature(info, pae, sig), true);
    for (const v of [0, 1, 29, 37]) assert.equal(await verifySignature(info, pae, Uint8Array.from([...sig.subarray(0, 64), v])), false, `v = ${v}`);
    assert.equal(await verifySignature(info, pae, sig.subarray(0, 64)), false, "64 bytes (EIP-2098 compact)");
    assert.equal(await verifySignature(info, pae, Uint8Array.from([...sig, 0])), false, "66 bytes");
    assert.equal(
      await verifySignature(
        info,
        pae,
        new Uint8Array(65).fill(0).map((_, i) => (i === 64 ? 27 : 0)),
      ),
      false,
      "r = s = 0",
    );
  });

  describe("the signed payload is parsed strictly before it is canonicalised, even when the signature is valid", () => {
    const cases: [string, (text: string) => string, string][] = [
      ["a duplicate key", (t) => t.replace('{"_type":', '{"_type":"https://in-toto.io/Statement/v1","_type":'), "DUPLICATE_KEY"],
      ["a lone surrogate", (t) => t.replace('"name":"acme/detector@1.0.0"', '"name":"acme/detector\\ud800"'), "LONE_SURROGATE"],
      ["a number beyond 2^53", (t) => t.replace('"value":0.931', '"value":9007199254740993'), "NUMBER_OUT_OF_RANGE"],
      ["a byte order mark", (t) => `\ufeff${t}`, "INVALID_JSON"],
      ["trailing garbage", (t) => `${t}x`, "INVALID_JSON"],
    ];
    for (const [name, change, code] of cases)
      it(`error: ${name} → ${code}`, async () => {
        const text = change(payloadText());
        assert.notEqual(text, payloadText(), "the edit applied");
        const envelope = await signBytes(utf8(text), [keys.ed25519]);
        const pae = preAuthEncoding(IN_TOTO_PAYLOAD_TYPE, utf8(text));
        assert.equal(await verifySignature(publicKeyInfo(keys.ed25519), pae, decodeBase64(envelope.signatures[0]!.sig, "sig")), true, "the signature is valid");
        await refused(() => verifyEnvelope({ envelope, publicKeys }), code);
        await refused(() => parseEntry(envelope), code);
      });

    it("error: the strict parser's error keeps the path, rewritten under envelope.payload", async () => {
      const envelope = await signBytes(utf8(payloadText().replace('"name":"acme/detector@1.0.0"', '"name":"x\\udc00"')), [keys.ed25519]);
      await assert.rejects(verifyEnvelope({ envelope, publicKeys }), (e: unknown) => {
        assert.ok(e instanceof InputError);
        assert.equal(e.code, "LONE_SURROGATE");
        assert.match(e.message, /^envelope\.payload\.subject\[0\]\.name: /);
        assert.equal(e.path, "envelope.payload.subject[0].name", "the path is machine-readable, not only in the message");
        return true;
      });
    });
  });

  it("error: an unknown predicateType → UNKNOWN_PREDICATE", async () => {
    const envelope = await signBytes(utf8(payloadText().replace(EVALUATION_PREDICATE_TYPE, "https://example.com/unknown/v1")), [keys.ed25519]);
    await refused(() => verifyEnvelope({ envelope, publicKeys }), "UNKNOWN_PREDICATE", "envelope.payload.predicateType");
  });

  it("error: a statement with the wrong _type → INVALID_STATEMENT", async () => {
    const envelope = await signBytes(utf8(payloadText().replace("https://in-toto.io/Statement/v1", "https://in-toto.io/Statement/v0.1")), [keys.ed25519]);
    await refused(() => verifyEnvelope({ envelope, publicKeys }), "INVALID_STATEMENT", "envelope.payload._type");
  });

  it("error: a subject without sha256 → INVALID_STATEMENT", async () => {
    const envelope = await signBytes(utf8(payloadText().replace(`{"sha256":"${MODEL}"}`, `{"sha512":"${"ab".repeat(64)}"}`)), [keys.ed25519]);
    await refused(() => verifyEnvelope({ envelope, publicKeys }), "INVALID_STATEMENT", "envelope.payload.subject[0].digest.sha256");
  });

  it("error: the envelope's own shape is checked first (wrong payload type)", async () => {
    const envelope = await signBytes(envelopePayloadOf(), [keys.ed25519], "application/json");
    await refused(() => verifyEnvelope({ envelope, publicKeys }), "WRONG_PAYLOAD_TYPE", "envelope.payloadType");
  });
});

describe("keys", () => {
  it("default: parseKeyFile accepts every generated key file and returns the same key", () => {
    for (const key of [keys.hardhat, keys.secp256k1, keys.ed25519, keys.p256]) assert.deepEqual(parseKeyFile(JSON.parse(JSON.stringify(key))), key);
  });

  it("error: parseKeyFile refuses a public half that belongs to another private key", async () => {
    for (const [a, b] of [
      [keys.ed25519, keys.ed25519Other],
      [keys.secp256k1, keys.hardhat],
      [keys.p256, generateKeyFile("p256")],
    ] as const) {
      await refused(() => parseKeyFile({ ...a, privateKey: b.privateKey }), "INVALID_KEY", "key.keyid");
      await refused(() => parseKeyFile({ ...a, keyid: b.keyid }), "INVALID_KEY", "key.keyid");
      await refused(() => parseKeyFile({ ...a, publicKey: b.publicKey }), "INVALID_KEY", "key.keyid");
    }
  });

  it("error: parseKeyFile refuses a PEM of another algorithm than declared", async () => {
    const p384 = generateKeyPairSync("ec", { namedCurve: "secp384r1" }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const secp256k1Pem = generateKeyPairSync("ec", { namedCurve: "secp256k1" }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const cases: [string, string, RegExp][] = [
      ["p256", keys.ed25519.privateKey, /is a ed25519 key, not p256/],
      ["ed25519", keys.p256.privateKey, /is a ec \(prime256v1\) key, not ed25519/],
      ["p256", p384, /secp384r1.*not p256/],
      ["p256", secp256k1Pem, /secp256k1.*not p256/],
      ["ed25519", rsa, /is a rsa key, not ed25519/],
      ["ed25519", HARDHAT_KEY, /is not a ed25519 private key/],
      ["secp256k1", keys.ed25519.privateKey, /./],
    ];
    for (const [algorithm, privateKey, message] of cases)
      await assert.rejects(
        async () => parseKeyFile({ format: KEY_FORMAT, algorithm, keyid: "x", publicKey: "x", privateKey }),
        (e: unknown) =>
          e instanceof InputError &&
          e.code === (algorithm === "secp256k1" ? "INVALID_HEX" : "INVALID_KEY") &&
          e.path === "key.privateKey" &&
          message.test(e.message),
        `${algorithm} declared for ${message}`,
      );
  });

  it("error: parseKeyFile refuses an unknown format or algorithm", async () => {
    await refused(() => parseKeyFile({ ...keys.ed25519, format: "provenance-key-v2" }), "UNSUPPORTED_FORMAT", "key.format");
    await refused(() => parseKeyFile({ ...keys.ed25519, algorithm: "rsa" }), "INVALID_KEY", "key.algorithm");
  });

  it("default: parsePublicKeyInfo accepts the public half of every key type", () => {
    for (const key of [keys.hardhat, keys.secp256k1, keys.ed25519, keys.p256]) assert.deepEqual(parsePublicKeyInfo(publicKeyInfo(key)), publicKeyInfo(key));
    assert.ok(parsePublicKeyInfo({ format: "provenance-public-key-v1", ...publicKeyInfo(keys.ed25519) }));
  });

  it("error: parsePublicKeyInfo refuses a keyid that is not the key's hash", async () => {
    const info = publicKeyInfo(keys.ed25519);
    await refused(() => parsePublicKeyInfo({ ...info, keyid: keys.ed25519Other.keyid }), "INVALID_KEY", "key.keyid");
    await refused(() => parsePublicKeyInfo({ ...info, keyid: info.keyid.toUpperCase().replace("SHA256", "sha256") }), "INVALID_KEY", "key.keyid");
    await refused(() => parsePublicKeyInfo({ ...info, keyid: `sha256:${sha256Hex(utf8(info.publicKey))}` }), "INVALID_KEY", "key.keyid");
    await refused(() => parsePublicKeyInfo({ ...info, publicKey: keys.ed25519Other.publicKey }), "INVALID_KEY", "key.keyid");
  });

  it("error: parsePublicKeyInfo refuses a secp256k1 keyid that is not a lower-case address equal to publicKey", async () => {
    const checksummed = computeAddress(new SigningKey(HARDHAT_KEY).publicKey);
    await refused(() => parsePublicKeyInfo({ algorithm: "secp256k1", keyid: checksummed, publicKey: checksummed }), "INVALID_KEY", "key.keyid");
    await refused(() => parsePublicKeyInfo({ algorithm: "secp256k1", keyid: HARDHAT_ADDRESS, publicKey: keys.secp256k1.keyid }), "INVALID_KEY", "key.keyid");
  });

  it("error: parsePublicKeyInfo refuses a key of another algorithm, a non-PEM, an unknown field or format", async () => {
    await refused(() => parsePublicKeyInfo({ ...publicKeyInfo(keys.p256), algorithm: "ed25519" }), "INVALID_KEY", "key.publicKey");
    await refused(() => parsePublicKeyInfo({ ...publicKeyInfo(keys.ed25519), publicKey: "not a key" }), "INVALID_KEY", "key.publicKey");
    await refused(() => parsePublicKeyInfo({ ...publicKeyInfo(keys.ed25519), privateKey: keys.ed25519.privateKey }), "INVALID_KEY", "key.privateKey");
    await refused(() => parsePublicKeyInfo({ ...publicKeyInfo(keys.ed25519), format: "provenance-key-v1" }), "UNSUPPORTED_FORMAT", "key.format");
  });

  it("error: verifySignature refuses a key whose type is not its declared algorithm (P-256 labelled ed25519, P-384 labelled p256)", async () => {
    const p256 = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const message = utf8("DSSEv1 …");
    const sig = nodeSign("sha256", message, { key: p256.privateKey, dsaEncoding: "der" });
    const pem = p256.publicKey.export({ type: "spki", format: "pem" }).toString();
    assert.equal(
      await verifySignature({ algorithm: "ed25519", keyid: keyidOfPublicKey(p256.publicKey), publicKey: pem }, message, sig),
      false,
      "P-256 as ed25519",
    );
    const p384 = generateKeyPairSync("ec", { namedCurve: "secp384r1" });
    const sig384 = nodeSign("sha256", message, { key: p384.privateKey, dsaEncoding: "der" });
    assert.equal(
      await verifySignature(
        { algorithm: "p256", keyid: keyidOfPublicKey(p384.publicKey), publicKey: p384.publicKey.export({ type: "spki", format: "pem" }).toString() },
        message,
        sig384,
      ),
      false,
      "P-384 as p256",
    );
  });

  it("behavior: onChainKeyId is SHA-256 of the UTF-8 keyid string (frozen values)", () => {
    assert.equal(onChainKeyId(HARDHAT_ADDRESS), "0xdffe1949d232f54161e6facdac629631725dcf4d144e0c3a3147319fcac8a5fb");
    assert.equal(onChainKeyId(`sha256:${"00".repeat(32)}`), "0xe191bc1aec7e9a1d2e95a24550e97dd2dd947b6d99ca244d85cae37f8d82c61b");
    assert.equal(onChainKeyId(keys.ed25519.keyid), `0x${sha256Hex(utf8(keys.ed25519.keyid))}`);
    assert.notEqual(
      onChainKeyId(HARDHAT_ADDRESS),
      onChainKeyId(HARDHAT_ADDRESS.toUpperCase()),
      "the keyid string is hashed as is: callers pass the canonical lower-case form",
    );
  });

  it("behavior: onChainRole is keccak256 of the UTF-8 role name, zero for none (frozen values, equal to ethers.id)", () => {
    const frozen: Record<string, string> = {
      approver: "0x4a9d31abc55f3fdb91e1e0b5851df6355a6e252020dfb613bfeaa3be8970aa3d",
      "ml-engineer": "0x7a4bbfc68fc4be3a9c24751b87bcf3166c9292e6ad1a65b96e3920620eefc943",
      "release-manager": "0xb22b381d1b433ffad49b89eaa836727906c90f8bfbdf97e9faac45fdaece8bb8",
    };
    for (const [role, value] of Object.entries(frozen)) {
      assert.equal(onChainRole(role), value, role);
      assert.equal(ethersId(role), value, `${role} (ethers)`);
    }
    assert.equal(onChainRole(undefined), `0x${"00".repeat(32)}`);
    assert.equal(onChainRole(""), `0x${"00".repeat(32)}`);
  });
});

describe("envelopeHash and the entry leaf", () => {
  it("default: envelopeHash is SHA-256 of the envelope's RFC 8785 canonical JSON, whatever the field order", async () => {
    const e = await signStatement(statement(), [signerFromKeyFile(keys.ed25519), signerFromKeyFile(keys.hardhat)]);
    assert.equal(envelopeHash(e), `0x${sha256Hex(utf8(canonicalize(e) as string))}`);
    const reordered = { signatures: e.signatures.map((s) => ({ sig: s.sig, keyid: s.keyid })), payload: e.payload, payloadType: e.payloadType };
    assert.equal(envelopeHash(reordered), envelopeHash(e));
  });

  it("behavior: changes when the payload, any signature, any keyid or the signature order changes", async () => {
    const e = await signStatement(statement(), [signerFromKeyFile(keys.ed25519), signerFromKeyFile(keys.hardhat), signerFromKeyFile(keys.p256)]);
    const hashes = new Set([envelopeHash(e)]);
    const other = await signStatement(statement("acme/other@1.0.0"), [signerFromKeyFile(keys.ed25519)]);
    hashes.add(envelopeHash({ ...e, payload: other.payload }));
    for (let i = 0; i < e.signatures.length; i++) {
      const sig = Buffer.from(e.signatures[i]!.sig, "base64");
      sig[0]! ^= 1;
      hashes.add(envelopeHash({ ...e, signatures: e.signatures.map((s, j) => (j === i ? { ...s, sig: sig.toString("base64") } : s)) }));
      hashes.add(envelopeHash({ ...e, signatures: e.signatures.map((s, j) => (j === i ? { ...s, keyid: `${s.keyid}0` } : s)) }));
    }
    hashes.add(envelopeHash({ ...e, signatures: [...e.signatures].reverse() }));
    hashes.add(envelopeHash({ ...e, signatures: e.signatures.slice(0, 2) }));
    assert.equal(hashes.size, 1 + 1 + 2 * e.signatures.length + 2, "every change gives a new hash");
  });

  it("behavior: the entry leaf is recordLeaf(subject[0] sha256, envelopeHash) and equals OpenZeppelin StandardMerkleTree's leaf", async () => {
    const e = await signStatement(
      {
        ...statement(),
        subject: [
          { name: "a", digest: { sha256: MODEL } },
          { name: "b", digest: { sha256: HOLDOUT } },
        ],
      },
      [signerFromKeyFile(keys.p256)],
    );
    const entry = attestationEntry(e);
    const hash = envelopeHash(e);
    assert.equal(entryHash(entry), hash);
    const subject = `0x${MODEL}` as const;
    assert.equal(leafOfEntry(entry), recordLeaf(subject, hash));
    const value: [string, string] = [subject, hash];
    assert.equal(leafOfEntry(entry), StandardMerkleTree.of([value], [...LEAF_ENCODING]).leafHash(value));
    assert.deepEqual(parseEntry(JSON.parse(JSON.stringify(e))), entry, "parseEntry reads an envelope as an attestation entry");
  });

  it("behavior: the leaf changes with any signature (it commits to the whole envelope)", async () => {
    const e = await signStatement(statement(), [signerFromKeyFile(keys.hardhat), signerFromKeyFile(keys.ed25519)]);
    const fewer = { ...e, signatures: e.signatures.slice(0, 1) };
    assert.notEqual(leafOfEntry(attestationEntry(e)), leafOfEntry(attestationEntry(fewer)));
  });
});

describe("frozen attestation vector (test/vectors/attestation-v1.json)", () => {
  const vector = JSON.parse(readFileSync(new URL("../vectors/attestation-v1.json", import.meta.url), "utf8"));
  const privateKey = readFileSync(new URL(`../../${vector.key.privateKeyFile}`, import.meta.url), "utf8");
  const keyFile = () => parseKeyFile({ format: KEY_FORMAT, algorithm: "ed25519", keyid: vector.key.keyid, publicKey: vector.key.publicKey, privateKey });

  it("default: the committed test-only key is the vector's key", () => {
    const key = keyFile();
    assert.equal(key.keyid, vector.key.keyid);
    assert.equal(createPublicKey(createPrivateKey(privateKey)).export({ type: "spki", format: "pem" }).toString(), vector.key.publicKey);
    assert.equal(onChainKeyId(key.keyid), vector.key.onChainKeyId);
  });

  it("default: signing the statement again gives the frozen payload, PAE, envelope (ed25519 is deterministic), hash and leaf", async () => {
    const envelope = await signStatement(vector.statement, [signerFromKeyFile(keyFile())]);
    assert.equal(envelope.payload, vector.expected.payload);
    assert.equal(Buffer.from(envelope.payload, "base64").toString("utf8"), vector.expected.payloadText);
    assert.equal(Buffer.from(preAuthEncoding(envelope.payloadType, envelopePayload(envelope))).toString("hex"), vector.expected.pae);
    assert.deepEqual(envelope, vector.expected.envelope);
    assert.equal(envelopeHash(envelope), vector.expected.envelopeHash);
    assert.equal(leafOfEntry(attestationEntry(envelope)), vector.expected.leaf);
  });

  it("default: the frozen envelope still verifies, and each frozen value checks with independent code", async () => {
    const {
      statement: s,
      entryHash: hash,
      signers,
    } = await verifyEnvelope({
      envelope: vector.expected.envelope,
      publicKeys: [parsePublicKeyInfo({ algorithm: vector.key.algorithm, keyid: vector.key.keyid, publicKey: vector.key.publicKey })],
    });
    assert.deepEqual(s, vector.statement);
    assert.equal(hash, vector.expected.envelopeHash);
    assert.deepEqual(
      signers.map((k) => k.keyid),
      [vector.key.keyid],
    );
    // Independent of our code: canonicalize for JCS, node:crypto for SHA-256 and ed25519, OZ for the leaf.
    assert.equal(vector.expected.payloadText, canonicalize(vector.statement));
    const payload = Buffer.from(vector.expected.payloadText, "utf8");
    assert.equal(paeByHand(IN_TOTO_PAYLOAD_TYPE, payload).toString("hex"), vector.expected.pae);
    assert.equal(
      nodeVerify(
        null,
        paeByHand(IN_TOTO_PAYLOAD_TYPE, payload),
        createPublicKey(vector.key.publicKey),
        Buffer.from(vector.expected.envelope.signatures[0].sig, "base64"),
      ),
      true,
    );
    assert.equal(`0x${sha256Hex(utf8(canonicalize(vector.expected.envelope) as string))}`, vector.expected.envelopeHash);
    const value = [`0x${vector.statement.subject[0].digest.sha256}`, vector.expected.envelopeHash];
    assert.equal(StandardMerkleTree.of([value], [...LEAF_ENCODING]).leafHash(value), vector.expected.leaf);
    assert.equal(vector.key.keyid, `sha256:${sha256Hex(createPublicKey(vector.key.publicKey).export({ type: "spki", format: "der" }))}`);
  });

  it("behavior: the payload has non-ASCII text, so the PAE length is in bytes (704), not UTF-16 units", () => {
    assert.equal(Buffer.byteLength(vector.expected.payloadText, "utf8"), 704);
    assert.equal(vector.expected.payloadText.length, 703);
    assert.ok(Buffer.from(vector.expected.pae, "hex").toString("utf8").startsWith("DSSEv1 28 application/vnd.in-toto+json 704 {"));
  });
});
