import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { execFile } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, it } from "node:test";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { forgetMemos } from "../../src/core/memo.js";
import {
  type PublicKeyInfo,
  type Secp256k1Recovery,
  installSecp256k1Recovery,
  nobleSecp256k1Recovery,
  secp256k1Recovery,
  verifySignature,
} from "../../src/formats/attestation/publicKeys.js";
import {
  LIBSECP256K1_NAME,
  libsecp256k1Name,
  NATIVE_LIBSECP256K1_NAME,
  libsecp256k1Recover,
  nativeLibsecp256k1Recover,
  nativeSecp256k1,
  WASM_LIBSECP256K1_NAME,
  wasmLibsecp256k1Recover,
} from "../../src/local/nodeSecp256k1.js";
import { bytesToHex, hexToBytes, keccak256, type Hex } from "../../src/verify/lightclient/bytes.js";
import { decodeHeader } from "../../src/verify/lightclient/header.js";
import { decodeQbftExtraData, qbftCommitSealDigest, recoverSealer, verifyQbftHeader } from "../../src/verify/lightclient/qbft.js";
import {
  type Secp256k1Recover,
  type SealRecovery,
  installSecp256k1Recover,
  nobleSecp256k1Recover,
  recoverSealPublicKey,
  secp256k1RecoverName,
} from "../../src/verify/lightclient/secp256k1.js";

const vectors = JSON.parse(readFileSync(new URL("../vectors/qbft-v1.json", import.meta.url), "utf8")) as {
  besuBlock7528: { sealedHeader: Hex; validators: Hex[]; commitSealHash: Hex; sealers: Hex[] };
};
const bytes = (hex: string): Uint8Array => hexToBytes(hex, "rlp", "test");
/** r = the generator's x-coordinate, s = 1: a signature whose key recovers (r ‖ s, hex). */
const RECOVERABLE_SIGNATURE = `79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798${"00".repeat(31)}01`;
const block7528 = decodeHeader(bytes(vectors.besuBlock7528.sealedHeader));

const N = secp256k1.CURVE.n;
const P = secp256k1.CURVE.Fp.ORDER;
const be32 = (value: bigint): Uint8Array => bytes(`0x${value.toString(16).padStart(64, "0")}`);
const seal = (r: bigint, s: bigint, recovery: number): Uint8Array => Uint8Array.from([...be32(r), ...be32(s), recovery]);
const scalarOf = (b: Uint8Array): bigint => BigInt(bytesToHex(b));
const random32 = (): Uint8Array => new Uint8Array(randomBytes(32));

/** An x below n that is not the x-coordinate of a curve point (x³ + 7 has no square root mod p). */
function notOnCurveX(): bigint {
  for (let x = 5n; ; x++) {
    try {
      secp256k1.ProjectivePoint.fromHex(Uint8Array.from([2, ...be32(x)]));
    } catch {
      return x;
    }
  }
}

/** A seal and digest whose recovery is the point at infinity: R = kG with e/s = k makes r⁻¹(sR − eG) = 0. */
function infinitySeal(): { seal: Uint8Array; digest: Uint8Array } {
  const k = 7n;
  const R = secp256k1.ProjectivePoint.BASE.multiply(k).toAffine();
  const s = 12345n;
  return { seal: seal(R.x % N, s, Number(R.y & 1n)), digest: be32((k * s) % N) };
}

type Case = { readonly name: string; readonly seal: Uint8Array; readonly digest: Uint8Array };

/** The Besu vector's seals, honest random seals (both recovery ids: the honest key and its twin), random r (about half are no x-coordinate) and hostile seals. */
function cases(): Case[] {
  const out: Case[] = [];
  const extra = decodeQbftExtraData(block7528.extraData);
  const besuDigest = qbftCommitSealDigest(block7528, extra);
  extra.seals.forEach((s, i) => out.push({ name: `Besu block 7528 seal ${i}`, seal: s, digest: besuDigest }));
  for (let i = 0; i < 24; i++) {
    const digest = random32();
    const signature = secp256k1.sign(digest, secp256k1.utils.randomPrivateKey());
    const compact = signature.toCompactRawBytes();
    out.push({ name: `random honest seal ${i}`, seal: Uint8Array.from([...compact, signature.recovery]), digest });
    out.push({ name: `random honest seal ${i}, other recovery id`, seal: Uint8Array.from([...compact, signature.recovery ^ 1]), digest });
  }
  for (let i = 0; i < 24; i++) {
    const r = (scalarOf(random32()) % (N - 1n)) + 1n;
    const s = (scalarOf(random32()) % (N >> 1n)) + 1n;
    out.push({ name: `random r ${i}`, seal: seal(r, s, i & 1), digest: random32() });
  }
  const honest = out[3]!;
  const [r, s] = [scalarOf(honest.seal.subarray(0, 32)), scalarOf(honest.seal.subarray(32, 64))];
  const recovery = honest.seal[64]!;
  const digest = honest.digest;
  const infinity = infinitySeal();
  out.push(
    { name: "r = 0", seal: seal(0n, s, recovery), digest },
    { name: "s = 0", seal: seal(r, 0n, recovery), digest },
    { name: "r = n", seal: seal(N, s, recovery), digest },
    { name: "r = n + 1 (an x-coordinate below p)", seal: seal(N + 1n, s, recovery), digest },
    { name: "r = 2^256 - 1", seal: seal(2n ** 256n - 1n, s, recovery), digest },
    { name: "r = p", seal: seal(P, s, recovery), digest },
    { name: "s = n", seal: seal(r, N, recovery), digest },
    { name: "s = n + 1", seal: seal(r, N + 1n, recovery), digest },
    { name: "high s (the malleated twin)", seal: seal(r, N - s, recovery ^ 1), digest },
    { name: "s = n/2 + 1, the lowest high s", seal: seal(r, (N >> 1n) + 1n, recovery), digest },
    { name: "s = n/2, the highest low s", seal: seal(r, N >> 1n, recovery), digest },
    { name: "recovery id 2", seal: seal(r, s, 2), digest },
    { name: "recovery id 3", seal: seal(r, s, 3), digest },
    { name: "recovery id 4", seal: seal(r, s, 4), digest },
    { name: "recovery id 27", seal: seal(r, s, 27), digest },
    { name: "recovery id 255", seal: seal(r, s, 255), digest },
    { name: "r not an x-coordinate", seal: seal(notOnCurveX(), s, 0), digest },
    { name: "the point at infinity", ...infinity },
    { name: "a 64-byte seal", seal: honest.seal.subarray(0, 64), digest },
    { name: "a 66-byte seal", seal: Uint8Array.from([...honest.seal, 0]), digest },
    { name: "an empty seal", seal: new Uint8Array(0), digest },
    { name: "a 31-byte digest", seal: honest.seal, digest: digest.subarray(0, 31) },
    { name: "a 33-byte digest", seal: honest.seal, digest: Uint8Array.from([...digest, 0]) },
    { name: "digest 0", seal: honest.seal, digest: new Uint8Array(32) },
    { name: "digest n (reduced to 0 by both)", seal: honest.seal, digest: be32(N) },
    { name: "digest 2^256 - 1", seal: honest.seal, digest: be32(2n ** 256n - 1n) },
  );
  return out;
}

/** Both builds of libsecp256k1 this module can install: each must agree with noble wherever it is asked. */
const backends: [string, Secp256k1Recover][] = [
  ["native (secp256k1-node)", nativeLibsecp256k1Recover],
  ["WebAssembly (tiny-secp256k1)", wasmLibsecp256k1Recover],
];

const verdict = (outcome: SealRecovery): string => ("refused" in outcome ? `refused: ${outcome.refused}` : `key ${bytesToHex(outcome.publicKey)}`);

/** The cases where `candidate`'s verdict (through the light client's checks) differs from @noble/curves'. */
function differences(candidate: Secp256k1Recover, all: readonly Case[]): string[] {
  const found: string[] = [];
  try {
    for (const c of all) {
      installSecp256k1Recover(undefined);
      const noble = verdict(recoverSealPublicKey(c.seal, c.digest));
      installSecp256k1Recover(candidate, "candidate");
      const other = verdict(recoverSealPublicKey(c.seal, c.digest));
      if (noble !== other) found.push(`${c.name}: noble ${noble}, candidate ${other}`);
    }
  } finally {
    installSecp256k1Recover(libsecp256k1Recover, libsecp256k1Name);
  }
  return found;
}

/** What a library does when asked directly (no checks before it): a key, null, or a throw. */
function raw(recover: Secp256k1Recover, c: Case): string {
  try {
    const key = recover(c.digest, c.seal.subarray(0, 64), c.seal[64] as 0 | 1);
    return key === null ? "null" : `key ${bytesToHex(key)}`;
  } catch {
    return "throws";
  }
}

describe("light client seal recovery on libsecp256k1 (src/local/nodeSecp256k1.ts)", () => {
  it("default: on Linux x64 (these machines, CI) the native build loads and is the one installed", {
    skip: !(process.platform === "linux" && process.arch === "x64") && "secp256k1-node ships no binary checked here for this platform",
  }, () => {
    assert.notEqual(nativeSecp256k1(), null, "secp256k1-node's prebuilt addon loads");
    assert.equal(LIBSECP256K1_NAME, NATIVE_LIBSECP256K1_NAME);
    assert.equal(secp256k1RecoverName(), NATIVE_LIBSECP256K1_NAME);
    assert.equal(libsecp256k1Name(), NATIVE_LIBSECP256K1_NAME, "the name of the build that runs");
    // secp256k1-node's main entry falls back to `elliptic` (pure JavaScript, with advisories of its
    // own) when the addon does not load; this module imports `secp256k1/bindings`, which never does.
    const extra = decodeQbftExtraData(block7528.extraData);
    assert.ok(libsecp256k1Recover(qbftCommitSealDigest(block7528, extra), extra.seals[0]!.subarray(0, 64), extra.seals[0]![64] as 0 | 1));
    const loaded = Object.keys(createRequire(import.meta.url).cache);
    assert.ok(
      loaded.some((file) => file.includes("/secp256k1/lib/index.js")),
      "secp256k1-node's checked wrapper is what runs",
    );
    assert.deepEqual(
      loaded.filter((file) => file.includes("/elliptic/")),
      [],
      "elliptic is never loaded",
    );
  });

  it("behavior: where the native binary exists but does not load (a broken install), recovery runs in WebAssembly and is named so", {
    skip: !(process.platform === "linux" && process.arch === "x64") && "secp256k1-node ships no binary checked here for this platform",
  }, async () => {
    // A process whose require of secp256k1-node's addon fails, as a corrupt or foreign binary would.
    const work = await mkdtemp(join(tmpdir(), "provenance-secp256k1-"));
    const hook = join(work, "broken-addon.cjs");
    await writeFile(
      hook,
      `const Module = require("node:module");
const load = Module._load;
Module._load = function (request, ...rest) {
  if (request === "secp256k1/bindings") throw new Error("invalid ELF header");
  return load.call(this, request, ...rest);
};
`,
    );
    const module = new URL("../../dist/src/local/nodeSecp256k1.js", import.meta.url).href;
    const lightClient = new URL("../../dist/src/verify/lightclient/secp256k1.js", import.meta.url).href;
    const script = `
      const { libsecp256k1Name, libsecp256k1Recover, nativeSecp256k1, LIBSECP256K1_NAME } = await import(${JSON.stringify(module)});
      const { secp256k1RecoverName } = await import(${JSON.stringify(lightClient)});
      const digest = new Uint8Array(32).fill(7);
      const key = libsecp256k1Recover(digest, Uint8Array.from(Buffer.from(${JSON.stringify(RECOVERABLE_SIGNATURE)}, "hex")), 0);
      console.log(JSON.stringify({ expected: LIBSECP256K1_NAME, name: libsecp256k1Name(), installed: secp256k1RecoverName(), addon: nativeSecp256k1(), key: key && Buffer.from(key).toString("hex") }));
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ["--require", hook, "--input-type=module", "-e", script], { cwd: work });
    const report = JSON.parse(stdout) as { expected: string; name: string; installed: string; addon: unknown; key: string | null };
    assert.equal(report.expected, NATIVE_LIBSECP256K1_NAME, "the platform ships a binary");
    assert.equal(report.addon, null, "which does not load here");
    assert.equal(report.name, WASM_LIBSECP256K1_NAME);
    assert.equal(report.installed, WASM_LIBSECP256K1_NAME, "what the light client says it runs");
    const expectedKey = wasmLibsecp256k1Recover(new Uint8Array(32).fill(7), hexToBytes(`0x${RECOVERABLE_SIGNATURE}`, "rlp", "test"), 0);
    assert.ok(expectedKey);
    assert.equal(report.key, Buffer.from(expectedKey).toString("hex"), "and recovers the WebAssembly build's key");
  });

  it("default: importing it installs libsecp256k1 behind the light client's seal recovery; both builds give Besu's sealers", () => {
    assert.equal(secp256k1RecoverName(), LIBSECP256K1_NAME);
    for (const [name, recover] of backends) {
      const extra = decodeQbftExtraData(block7528.extraData);
      const digest = qbftCommitSealDigest(block7528, extra);
      const keys = extra.seals.map((s) => recover(digest, s.subarray(0, 64), s[64] as 0 | 1)!);
      assert.deepEqual(
        keys.map((key) => bytesToHex(keccak256(key.subarray(1)).subarray(12))),
        vectors.besuBlock7528.sealers,
        name,
      );
    }
    const extra = decodeQbftExtraData(block7528.extraData);
    assert.equal(bytesToHex(qbftCommitSealDigest(block7528, extra)), vectors.besuBlock7528.commitSealHash);
    const sealers = extra.seals.map((s) => recoverSealer(s, qbftCommitSealDigest(block7528, extra)));
    assert.deepEqual(sealers, vectors.besuBlock7528.sealers);
    assert.deepEqual(verifyQbftHeader(block7528, { validators: vectors.besuBlock7528.validators, mode: "header" }).sealers, vectors.besuBlock7528.sealers);
  });

  it("default: both builds give the same verdict as @noble/curves on every seal: Besu's, honest random ones, random r, and hostile ones (r, s = 0, ≥ n, high s, recovery ids 2 to 255, no x-coordinate, infinity, wrong lengths)", () => {
    const all = cases();
    for (const [name, recover] of backends) assert.deepEqual(differences(recover, all), [], name);
    // The cases reach every refusal and both outcomes of random r (the comparison is not vacuous).
    installSecp256k1Recover(undefined);
    try {
      const outcomes = all.map((c) => [c.name, verdict(recoverSealPublicKey(c.seal, c.digest))] as const);
      const refusals = new Set(outcomes.filter(([, v]) => v.startsWith("refused")).map(([, v]) => v));
      assert.deepEqual([...refusals].sort(), ["length", "high-s", "no-key", "r-range", "recovery-id", "s-range"].map((r) => `refused: ${r}`).sort());
      const randomR = outcomes.filter(([name]) => name.startsWith("random r"));
      assert.ok(randomR.some(([, v]) => v.startsWith("key")) && randomR.some(([, v]) => v === "refused: no-key"), "random r: some recover, some do not");
      const named = new Map(outcomes);
      assert.equal(named.get("r not an x-coordinate"), "refused: no-key");
      assert.equal(named.get("the point at infinity"), "refused: no-key");
      assert.equal(named.get("s = n/2 + 1, the lowest high s"), "refused: high-s");
      assert.ok(named.get("s = n/2, the highest low s")!.startsWith("key"));
    } finally {
      installSecp256k1Recover(libsecp256k1Recover, libsecp256k1Name);
    }
  });

  it("behavior: asked directly, the three differ only where the light client refuses before asking; none gives a key where no key recovers", () => {
    const byName = new Map(cases().map((c) => [c.name, c]));
    /** noble, libsecp256k1 native, libsecp256k1 WebAssembly. */
    const all = (name: string) => [nobleSecp256k1Recover, nativeLibsecp256k1Recover, wasmLibsecp256k1Recover].map((recover) => raw(recover, byName.get(name)!));
    // Not below n: all throw (noble: "r must be 0 < r < CURVE.n"; secp256k1-node: "Signature could not
    // be parsed"; tiny-secp256k1: "Expected Signature"). Zero: libsecp256k1 parses it and recovers no
    // key, which secp256k1-node reports as null and tiny-secp256k1's range check throws on.
    for (const name of ["r = n", "s = n", "r = 2^256 - 1"]) assert.deepEqual(all(name), ["throws", "throws", "throws"], name);
    for (const name of ["r = 0", "s = 0"]) assert.deepEqual(all(name), ["throws", "null", "throws"], name);
    // No x-coordinate: noble and tiny-secp256k1 (which checks r as an x-only point first) throw;
    // libsecp256k1 itself recovers nothing. The point at infinity: noble throws, libsecp256k1 gives
    // nothing. The light client refuses all of these as no-key.
    assert.deepEqual(all("r not an x-coordinate"), ["throws", "null", "throws"]);
    assert.deepEqual(all("the point at infinity"), ["throws", "null", "null"]);
    // High s: all three recover the signer's key (libsecp256k1's recovery does not normalise s); the light client refuses it first.
    const high = all("high s (the malleated twin)");
    assert.ok(high[0]!.startsWith("key") && high.every((k) => k === high[0]));
    // Recovery ids 2 and 3 (r + n as the x-coordinate, here above p): noble and tiny-secp256k1 throw,
    // libsecp256k1 recovers nothing; the light client refuses any id above 1.
    assert.deepEqual(all("recovery id 2"), ["throws", "null", "throws"]);
  });

  it("error: the comparison fails for a recovery that is not secp256k1's (a stub, a flipped recovery id, a compressed key, one that throws on honest seals)", () => {
    const all = cases();
    const stubKey = Uint8Array.from([4, ...new Uint8Array(64).fill(1)]);
    const stubs: [string, Secp256k1Recover][] = [
      ["a stub giving one key", () => stubKey],
      ["a flipped recovery id", (digest, signature, recovery) => nobleSecp256k1Recover(digest, signature, (recovery ^ 1) as 0 | 1)],
      [
        "a compressed key",
        (digest, signature, recovery) => secp256k1.Signature.fromCompact(signature).addRecoveryBit(recovery).recoverPublicKey(digest).toRawBytes(true),
      ],
      [
        "one that refuses every seal",
        () => {
          throw new Error("no");
        },
      ],
    ];
    for (const [name, stub] of stubs) assert.notDeepEqual(differences(stub, all), [], name);
    assert.equal(secp256k1RecoverName(), LIBSECP256K1_NAME, "libsecp256k1 installed again");
    // A stub behind the light client changes the verdict on Besu's block: the header no longer verifies.
    try {
      installSecp256k1Recover(() => stubKey, "stub");
      assert.throws(() => verifyQbftHeader(block7528, { validators: vectors.besuBlock7528.validators, mode: "header" }), /not a validator in force/);
    } finally {
      installSecp256k1Recover(libsecp256k1Recover, libsecp256k1Name);
    }
  });

  it("behavior: installSecp256k1Recover(undefined) goes back to @noble/curves with the same addresses; keccak of the key gives Besu's sealers", () => {
    const extra = decodeQbftExtraData(block7528.extraData);
    const digest = qbftCommitSealDigest(block7528, extra);
    try {
      installSecp256k1Recover(undefined);
      assert.equal(secp256k1RecoverName(), "@noble/curves (JavaScript)");
      assert.deepEqual(
        extra.seals.map((s) => recoverSealer(s, digest)),
        vectors.besuBlock7528.sealers,
      );
      const key = libsecp256k1Recover(digest, extra.seals[0]!.subarray(0, 64), extra.seals[0]![64] as 0 | 1)!;
      assert.equal(bytesToHex(keccak256(key.subarray(1)).subarray(12)), vectors.besuBlock7528.sealers[0]);
    } finally {
      installSecp256k1Recover(libsecp256k1Recover, libsecp256k1Name);
    }
  });
});

describe("DSSE secp256k1 signatures on libsecp256k1 (src/local/nodeSecp256k1.ts)", () => {
  /** An envelope signer's address (the keyid) and a signature over `message` as DSSE carries it: r ‖ s ‖ v (27 or 28) over SHA-256. */
  const signer = () => {
    const secret = secp256k1.utils.randomPrivateKey();
    const address = bytesToHex(keccak256(secp256k1.getPublicKey(secret, false).subarray(1)).subarray(12));
    const key: PublicKeyInfo = { algorithm: "secp256k1", keyid: address, publicKey: address };
    return { key, sign: (message: Uint8Array) => secp256k1.sign(new Uint8Array(createHash("sha256").update(message).digest()), secret) };
  };
  const dsse = (r: bigint, s: bigint, v: number): Uint8Array => Uint8Array.from([...be32(r), ...be32(s), v]);

  /** Honest signatures, their other recovery id, and the hostile variants of the light client's cases, each with its key and message. */
  function signatures(): { name: string; key: PublicKeyInfo; message: Uint8Array; signature: Uint8Array }[] {
    const out: { name: string; key: PublicKeyInfo; message: Uint8Array; signature: Uint8Array }[] = [];
    for (let i = 0; i < 16; i++) {
      const { key, sign } = signer();
      const message = new Uint8Array(randomBytes(40 + i));
      const sig = sign(message);
      const [r, s, v] = [sig.r, sig.s, 27 + sig.recovery];
      out.push(
        { name: `honest ${i}`, key, message, signature: dsse(r, s, v) },
        { name: `honest ${i}, other v`, key, message, signature: dsse(r, s, v ^ 7) },
        { name: `honest ${i}, another message`, key, message: Uint8Array.from([...message, 0]), signature: dsse(r, s, v) },
      );
      if (i > 0) continue;
      const P = secp256k1.CURVE.Fp.ORDER;
      for (const [name, rr, ss, vv] of [
        ["r = 0", 0n, s, v],
        ["s = 0", r, 0n, v],
        ["r = n", N, s, v],
        ["r = n + 1", N + 1n, s, v],
        ["r = p", P, s, v],
        ["r = 2^256 - 1", 2n ** 256n - 1n, s, v],
        ["s = n", r, N, v],
        ["high s (the malleated twin)", r, N - s, v ^ 7],
        ["v = 0", r, s, 0],
        ["v = 1", r, s, 1],
        ["v = 29", r, s, 29],
        ["v = 255", r, s, 255],
        ["r not an x-coordinate", notOnCurveX(), s, 27],
      ] as const)
        out.push({ name, key, message, signature: dsse(rr, ss, vv) });
      out.push({ name: "64 bytes", key, message, signature: dsse(r, s, v).subarray(0, 64) });
    }
    return out;
  }

  /** Each case's verdict under `recovery` (memos forgotten first: a remembered address is the other library's). */
  async function verdicts(recovery: Secp256k1Recovery | undefined, all: ReturnType<typeof signatures>): Promise<string[]> {
    installSecp256k1Recovery(recovery);
    forgetMemos();
    try {
      return await Promise.all(all.map(async (c) => `${c.name}: ${await verifySignature(c.key, c.message, c.signature)}`));
    } finally {
      installSecp256k1Recovery(libsecp256k1Recover);
      forgetMemos();
    }
  }

  it("default: importing it installs libsecp256k1 behind DSSE secp256k1 signatures too", () => {
    assert.equal(secp256k1Recovery, libsecp256k1Recover);
  });

  it("default: both builds give the same verdict as @noble/curves on honest signatures (each verifies), their other v, another message, and hostile r, s and v", async () => {
    const all = signatures();
    const noble = await verdicts(undefined, all);
    for (const [name, recover] of backends) assert.deepEqual(await verdicts(recover, all), noble, name);
    assert.deepEqual(
      noble.filter((v) => v.endsWith("true")),
      all.filter((c) => /^honest \d+$/.test(c.name)).map((c) => `${c.name}: true`),
    );
  });

  it("error: the comparison fails for a recovery that is not secp256k1's (a stub, a flipped recovery id, one that throws)", async () => {
    const all = signatures();
    const noble = await verdicts(undefined, all);
    const stubs: Secp256k1Recovery[] = [
      () => Uint8Array.from([4, ...new Uint8Array(64)]),
      (digest, signature, recovery) => nobleSecp256k1Recovery(digest, signature, (recovery ^ 1) as 0 | 1),
      () => {
        throw new Error("no");
      },
    ];
    for (const stub of stubs) assert.notDeepEqual(await verdicts(stub, all), noble);
  });
});
