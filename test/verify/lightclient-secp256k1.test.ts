import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import fc from "fast-check";
import { recoverPublicKey, secp256k1FastField } from "../../src/verify/lightclient/secp256k1Recovery.js";

const { Fp, n } = secp256k1.CURVE;
const p = Fp.ORDER;
const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 });
const scalar = fc.bigInt({ min: 1n, max: n - 1n });

/** noble's answer for the same seal, or "refused" where it throws. */
function nobleRecovery(rs: Uint8Array, recovery: 0 | 1, digest: Uint8Array): string {
  try {
    return bytesToHex(secp256k1.Signature.fromCompact(rs).addRecoveryBit(recovery).recoverPublicKey(digest).toRawBytes(false));
  } catch {
    return "refused";
  }
}
function ourRecovery(rs: Uint8Array, recovery: 0 | 1, digest: Uint8Array): string {
  try {
    return bytesToHex(recoverPublicKey(rs, recovery, digest));
  } catch {
    return "refused";
  }
}

describe("light client: secp256k1 seal recovery", () => {
  it("default: property: a signature recovers to its signer's key, as noble's recoverPublicKey does", () => {
    fc.assert(
      fc.property(scalar, bytes32, (key, digest) => {
        const signature = secp256k1.sign(digest, key);
        const recovered = ourRecovery(signature.toCompactRawBytes(), signature.recovery as 0 | 1, digest);
        assert.equal(recovered, bytesToHex(secp256k1.getPublicKey(key, false)));
        assert.equal(recovered, nobleRecovery(signature.toCompactRawBytes(), signature.recovery as 0 | 1, digest));
      }),
      { numRuns: 150 },
    );
  });

  it("behavior: property: any 64 bytes, recovery id and digest give noble's key, or are refused where noble refuses", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 64, maxLength: 64 }), fc.constantFrom<0 | 1>(0, 1), bytes32, (rs, recovery, digest) => {
        assert.equal(ourRecovery(rs, recovery, digest), nobleRecovery(rs, recovery, digest));
      }),
      { numRuns: 150 },
    );
  });

  it("behavior: edge scalars agree with noble: digest 0 (no G term), digest n and 2^256 - 1 (reduced mod n), r and s at 1 and n - 1", () => {
    const word = (v: bigint) => hexToBytes(v.toString(16).padStart(64, "0"));
    const signature = secp256k1.sign(word(5n), 7n);
    const digests = [0n, 1n, n, n - 1n, 2n ** 256n - 1n].map(word);
    const rss = [
      signature.toCompactRawBytes(),
      ...[1n, n - 1n].flatMap((r) => [1n, n - 1n, signature.s].map((s) => new Uint8Array([...word(r), ...word(s)]))),
      new Uint8Array([...word(0n), ...word(signature.s)]),
      new Uint8Array([...word(n), ...word(signature.s)]),
    ];
    let recovered = 0;
    for (const digest of digests)
      for (const rs of rss)
        for (const recovery of [0, 1] as const) {
          const ours = ourRecovery(rs, recovery, digest);
          assert.equal(ours, nobleRecovery(rs, recovery, digest));
          if (ours !== "refused") recovered++;
        }
    assert.ok(recovered > 20, `the edge cases include recoverable seals (${recovered})`);
  });

  it("behavior: property: the folding field agrees with noble's field on every operation point arithmetic uses", () => {
    const element = fc.oneof(fc.bigInt({ min: 0n, max: p - 1n }), fc.constantFrom(0n, 1n, p - 1n, p - 2n, 2n ** 255n, 2n ** 256n - 2n ** 32n - 978n));
    fc.assert(
      fc.property(element, element, (a, b) => {
        for (const op of ["mul", "add", "sub"] as const) assert.equal(secp256k1FastField[op](a, b), Fp[op](a, b), `${op}(${a}, ${b})`);
        assert.equal(secp256k1FastField.sqr(a), Fp.sqr(a));
        assert.equal(secp256k1FastField.neg(a), Fp.neg(a));
      }),
      { numRuns: 2000 },
    );
  });

  it("error: a signature or digest of the wrong length is refused", () => {
    assert.throws(() => recoverPublicKey(new Uint8Array(63), 0, new Uint8Array(32)), /64-byte signature/);
    assert.throws(() => recoverPublicKey(new Uint8Array(64), 0, new Uint8Array(31)), /32-byte digest/);
  });
});
