import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import fc from "fast-check";
import { keccak256 as viemKeccak256, toRlp, type Hex as ViemHex } from "viem";
import { LightClientError } from "../../src/core/errors/lightClient.js";
import { bytesToHex, hexToBytes, keccak256, type Hex } from "../../src/verify/lightclient/bytes.js";
import { type BlockHeader, decodeHeader, encodeHeader } from "../../src/verify/lightclient/header.js";
import {
  QBFT_MIX_HASH,
  decodeQbftExtraData,
  encodeQbftExtraData,
  qbftBlockHash,
  qbftCommitSealDigest,
  qbftQuorum,
  recoverSealer,
  verifyQbftHeader,
} from "../../src/verify/lightclient/qbft.js";
import { decodeRlp, encodeRlp } from "../../src/verify/lightclient/rlp.js";
import { sealQbftHeader, testValidators } from "../helpers/qbftSealer.js";
import { assertLightClientRefusal as refuses } from "../helpers/refusals.js";

type Vectors = {
  besuExtraDataCodec: {
    extraData: Hex;
    decoded: { vanity: Hex; validators: Hex[]; vote: { recipient: Hex; add: boolean }; round: number; seals: Hex[] };
  };
  besuBlock7528: {
    sealedHeader: Hex;
    unsealedHeader: Hex;
    number: number;
    timestamp: number;
    round: number;
    stateRoot: Hex;
    validators: Hex[];
    commitSealHash: Hex;
    sealers: Hex[];
    onChainHash: Hex;
  };
};
const vectors = JSON.parse(readFileSync(new URL("../vectors/qbft-v1.json", import.meta.url), "utf8")) as Vectors;
const bytes = (hex: string): Uint8Array => hexToBytes(hex, "rlp", "test");
const block7528 = decodeHeader(bytes(vectors.besuBlock7528.sealedHeader));

/** The extraData of block 7528 with one RLP item replaced. */
function withExtraItems(mutate: (items: unknown[]) => void): Uint8Array {
  const items = [...(decodeRlp(block7528.extraData) as unknown[])];
  mutate(items);
  return encodeRlp(items as never);
}

const validators4 = testValidators(4);
const addresses4 = validators4.map((v) => v.address);
const outsider = testValidators(1, "outsider")[0]!;
/** A synthetic parent-less header to seal with test keys (block 5, London fields). */
const template: BlockHeader = { ...block7528, number: 5n, baseFeePerGas: 7n };

describe("light client: QBFT headers", () => {
  describe("Besu vectors", () => {
    it("default: decodes Besu's QbftExtraDataCodecTest encoding to the values that test expects, and re-encodes it byte for byte", () => {
      const { extraData, decoded } = vectors.besuExtraDataCodec;
      const extra = decodeQbftExtraData(bytes(extraData));
      assert.equal(bytesToHex(extra.vanity), decoded.vanity);
      assert.deepEqual(extra.validators, decoded.validators);
      assert.deepEqual(extra.vote, decoded.vote);
      assert.equal(extra.round, decoded.round);
      assert.deepEqual(extra.seals.map(bytesToHex), decoded.seals);
      assert.equal(bytesToHex(encodeQbftExtraData(extra, "all")), extraData);
    });

    it("default: without seals keeps the round; without seals and round writes round 0 (Besu's extraDataCanBeEncodedWithoutCommitSeals[OrRoundNumber])", () => {
      const extra = decodeQbftExtraData(bytes(vectors.besuExtraDataCodec.extraData));
      const vote: ViemHex[] = [extra.vote!.recipient, "0xff"];
      const common = [bytesToHex(extra.vanity), extra.validators, vote];
      assert.equal(bytesToHex(encodeQbftExtraData(extra, "commit-seal")), toRlp([...common, "0xfedcba", []] as never));
      assert.equal(bytesToHex(encodeQbftExtraData(extra, "on-chain")), toRlp([...common, "0x", []] as never));
    });

    it("default: block 7528 (round 1, four validators, three seals) verifies; its commit-seal digest is the besu-qbft-elc hash and the keccak256 of the unsealed header", () => {
      const v = vectors.besuBlock7528;
      assert.equal(block7528.number, BigInt(v.number));
      assert.equal(block7528.timestamp, BigInt(v.timestamp));
      assert.equal(bytesToHex(block7528.stateRoot), v.stateRoot);
      assert.equal(bytesToHex(encodeHeader(block7528)), v.sealedHeader, "the header re-encodes byte for byte");
      assert.equal(bytesToHex(qbftCommitSealDigest(block7528)), v.commitSealHash);
      assert.equal(bytesToHex(keccak256(bytes(v.unsealedHeader))), v.commitSealHash);
      const verified = verifyQbftHeader(block7528, { validators: v.validators, mode: "header" });
      assert.equal(verified.extra.round, v.round);
      assert.deepEqual(verified.sealers, v.sealers);
      assert.equal(verified.hash, v.onChainHash);
    });

    it("default: block 7528's on-chain hash (seals emptied, round 0) is frozen, and viem's RLP of the same fields agrees", () => {
      const v = vectors.besuBlock7528;
      assert.equal(bytesToHex(qbftBlockHash(block7528)), v.onChainHash);
      assert.equal(bytesToHex(qbftBlockHash(decodeHeader(bytes(v.unsealedHeader)))), v.onChainHash, "the unsealed header has the same block hash");
      const fields = decodeRlp(bytes(v.sealedHeader)) as Uint8Array[];
      const extra = decodeQbftExtraData(fields[12]!);
      const onChainExtra = toRlp([bytesToHex(extra.vanity), extra.validators, [], "0x", []] as never);
      const viemFields = fields.map((field, i) => (i === 12 ? onChainExtra : bytesToHex(field)));
      assert.equal(viemKeccak256(toRlp(viemFields)), v.onChainHash);
      assert.notEqual(v.onChainHash, v.commitSealHash, "round 1 makes the two digests differ");
    });

    it("behavior: the quorum is ceil(2n/3), as Besu's calculateRequiredValidatorQuorum", () => {
      assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 10].map(qbftQuorum), [1, 2, 2, 3, 4, 4, 5, 7]);
    });

    it("behavior: the genesis header is hashed as it is", () => {
      const genesis = { ...block7528, number: 0n };
      assert.equal(bytesToHex(qbftBlockHash(genesis)), bytesToHex(keccak256(encodeHeader(genesis))));
      refuses(() => verifyQbftHeader(genesis, { validators: vectors.besuBlock7528.validators, mode: "header" }), "block-number", "header.number");
    });
  });

  describe("sealed by test keys", () => {
    it("default: a header sealed by 3 of 4 validators verifies, in either mode", () => {
      const header = sealQbftHeader(template, { listedValidators: addresses4, sealers: validators4.slice(1), proposer: addresses4[2]!, round: 2 });
      const verified = verifyQbftHeader(header, { validators: addresses4, mode: "header" });
      assert.deepEqual(verified.sealers, addresses4.slice(1));
      const contract = sealQbftHeader(template, { listedValidators: [], sealers: validators4.slice(0, 3), proposer: addresses4[0]!, round: 0 });
      verifyQbftHeader(contract, { validators: addresses4, mode: "contract" });
    });

    it("error: too few seals, a duplicate seal, a seal by a non-validator, a forged seal", () => {
      const base = { listedValidators: addresses4, proposer: addresses4[0]! };
      refuses(
        () => verifyQbftHeader(sealQbftHeader(template, { ...base, sealers: validators4.slice(0, 2) }), { validators: addresses4, mode: "header" }),
        "seal-quorum",
        "header.extraData.seals",
      );
      refuses(
        () =>
          verifyQbftHeader(sealQbftHeader(template, { ...base, sealers: [validators4[0]!, validators4[1]!, validators4[1]!] }), {
            validators: addresses4,
            mode: "header",
          }),
        "commit-seal",
        "header.extraData.seals[2]",
      );
      refuses(
        () =>
          verifyQbftHeader(sealQbftHeader(template, { ...base, sealers: [validators4[0]!, outsider, validators4[1]!, validators4[2]!] }), {
            validators: addresses4,
            mode: "header",
          }),
        "commit-seal",
        "header.extraData.seals[1]",
      );
      // A seal copied from another block (a valid signature over another digest) recovers to some other address.
      const other = sealQbftHeader({ ...template, number: 6n }, { ...base, sealers: validators4.slice(0, 3) });
      const honest = sealQbftHeader(template, { ...base, sealers: validators4.slice(0, 3) });
      const forged = {
        ...honest,
        extraData: encodeQbftExtraData({ ...decodeQbftExtraData(honest.extraData), seals: decodeQbftExtraData(other.extraData).seals }),
      };
      refuses(() => verifyQbftHeader(forged, { validators: addresses4, mode: "header" }), "commit-seal", "header.extraData.seals[0]");
    });

    it("error: a proposer that is not a validator; a listed set that is not the set in force; validators or a vote in contract mode", () => {
      refuses(
        () =>
          verifyQbftHeader(sealQbftHeader(template, { listedValidators: addresses4, sealers: validators4, proposer: outsider.address }), {
            validators: addresses4,
            mode: "header",
          }),
        "coinbase",
        "header.miner",
      );
      const listsFive = sealQbftHeader(template, { listedValidators: [...addresses4, outsider.address], sealers: validators4, proposer: addresses4[0]! });
      refuses(() => verifyQbftHeader(listsFive, { validators: addresses4, mode: "header" }), "validators", "header.extraData.validators");
      refuses(() => verifyQbftHeader(listsFive, { validators: addresses4, mode: "contract" }), "validators", "header.extraData.validators");
      const votes = sealQbftHeader(template, {
        listedValidators: [],
        vote: { recipient: outsider.address, add: true },
        sealers: validators4,
        proposer: addresses4[0]!,
      });
      refuses(() => verifyQbftHeader(votes, { validators: addresses4, mode: "contract" }), "vote", "header.extraData.vote");
      // Unsorted listing: Besu requires ascending order.
      const sorted = [...addresses4].sort();
      const unsorted = {
        ...template,
        extraData: encodeQbftExtraData({
          vanity: new Uint8Array(32),
          validators: [sorted[1]!, sorted[0]!, sorted[2]!, sorted[3]!],
          vote: undefined,
          round: 0,
          seals: [],
        }),
      };
      refuses(
        () =>
          verifyQbftHeader(
            { ...unsorted, mixHash: bytes(QBFT_MIX_HASH), difficulty: 1n, coinbase: bytes(sorted[0]!) },
            { validators: addresses4, mode: "header" },
          ),
        "validators",
      );
    });

    it("error: a high-s seal (the malleated twin of a valid one) and a recovery id above 1", () => {
      const header = sealQbftHeader(template, { listedValidators: addresses4, sealers: validators4.slice(0, 3), proposer: addresses4[0]! });
      const extra = decodeQbftExtraData(header.extraData);
      const digest = qbftCommitSealDigest(header, extra);
      const seal = extra.seals[0]!;
      assert.equal(recoverSealer(seal, digest), addresses4[0], "the honest seal recovers to its validator");
      const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
      const s = BigInt(bytesToHex(seal.subarray(32, 64)));
      const highS = new Uint8Array(seal);
      highS.set(bytes(`0x${(n - s).toString(16).padStart(64, "0")}`), 32);
      highS[64] = seal[64]! ^ 1;
      refuses(() => recoverSealer(highS, digest, "seal"), "commit-seal", "seal");
      const badRecovery = new Uint8Array(seal);
      badRecovery[64] = 27;
      refuses(() => recoverSealer(badRecovery, digest, "seal"), "commit-seal", "seal");
    });
  });

  describe("hostile extraData and headers", () => {
    const cases: [string, Uint8Array, string][] = [
      ["empty", new Uint8Array(0), "extraData"],
      ["not RLP", Uint8Array.of(0xf9, 0x01), "extraData"],
      ["a sixth item", withExtraItems((items) => items.push(new Uint8Array(0))), "extraData"],
      ["31-byte vanity", withExtraItems((items) => (items[0] = new Uint8Array(31))), "extraData.vanity"],
      ["validators as a byte string", withExtraItems((items) => (items[1] = new Uint8Array(20))), "extraData.validators"],
      ["a 19-byte validator", withExtraItems((items) => ((items[1] as Uint8Array[])[2] = new Uint8Array(19))), "extraData.validators[2]"],
      ["a vote of one item", withExtraItems((items) => (items[2] = [new Uint8Array(20)])), "extraData.vote"],
      ["a vote type 0xaa", withExtraItems((items) => (items[2] = [new Uint8Array(20), Uint8Array.of(0xaa)])), "extraData.vote.type"],
      ["a round with a leading zero", withExtraItems((items) => (items[3] = Uint8Array.of(0, 1))), "extraData.round"],
      ["a 5-byte round", withExtraItems((items) => (items[3] = Uint8Array.of(1, 0, 0, 0, 0))), "extraData.round"],
      ["a round as a list", withExtraItems((items) => (items[3] = [])), "extraData.round"],
      ["a 64-byte seal", withExtraItems((items) => ((items[4] as Uint8Array[])[1] = new Uint8Array(64))), "extraData.seals[1]"],
    ];
    for (const [name, extraData, field] of cases) {
      it(`error: ${name} is refused, naming ${field}`, () => {
        refuses(() => decodeQbftExtraData(extraData), "extra-data", field);
      });
    }

    it("error: QBFT's constant mixHash and difficulty", () => {
      const validators = vectors.besuBlock7528.validators;
      refuses(() => verifyQbftHeader({ ...block7528, mixHash: new Uint8Array(32) }, { validators, mode: "header" }), "mix-hash", "header.mixHash");
      refuses(() => verifyQbftHeader({ ...block7528, difficulty: 2n }, { validators, mode: "header" }), "difficulty", "header.difficulty");
    });

    it("error: non-canonical RLP (a long form for a short string, trailing bytes) and headers of the wrong shape", () => {
      refuses(() => decodeRlp(Uint8Array.of(0xb8, 0x01, 0x05)), "rlp");
      refuses(() => decodeRlp(Uint8Array.of(0x81, 0x05)), "rlp");
      refuses(() => decodeRlp(Uint8Array.of(0x80, 0x80)), "rlp");
      refuses(() => decodeHeader(encodeRlp([new Uint8Array(32)])), "header", "header");
      const fields = decodeRlp(bytes(vectors.besuBlock7528.sealedHeader)) as Uint8Array[];
      refuses(() => decodeHeader(encodeRlp(fields.map((f, i) => (i === 3 ? f.subarray(1) : f)))), "header", "header.stateRoot");
      refuses(() => decodeHeader(encodeRlp(fields.map((f, i) => (i === 8 ? Uint8Array.of(0, ...f) : f)))), "header", "header.number");
    });

    it("error: property: every single-byte change of the sealed block 7528 is refused with a LightClientError", () => {
      const sealed = bytes(vectors.besuBlock7528.sealedHeader);
      fc.assert(
        fc.property(fc.nat(sealed.length - 1), fc.integer({ min: 1, max: 255 }), (index, delta) => {
          const mutated = new Uint8Array(sealed);
          mutated[index] = (mutated[index]! + delta) % 256;
          assert.throws(
            () => verifyQbftHeader(decodeHeader(mutated), { validators: vectors.besuBlock7528.validators, mode: "header" }),
            (error: unknown) => error instanceof LightClientError,
          );
        }),
        { numRuns: 150 },
      );
    });

    it("behavior: property: any extraData round-trips through decode and encode", () => {
      const address = fc.uint8Array({ minLength: 20, maxLength: 20 }).map(bytesToHex);
      fc.assert(
        fc.property(
          fc.uint8Array({ minLength: 32, maxLength: 32 }),
          fc.array(address, { maxLength: 8 }),
          fc.option(fc.record({ recipient: address, add: fc.boolean() }), { nil: undefined }),
          fc.integer({ min: 0, max: 0x7fffffff }),
          fc.array(fc.uint8Array({ minLength: 65, maxLength: 65 }), { maxLength: 8 }),
          (vanity, validators, vote, round, seals) => {
            const encoded = encodeQbftExtraData({ vanity, validators, vote, round, seals });
            assert.deepEqual(encodeQbftExtraData(decodeQbftExtraData(encoded)), encoded);
          },
        ),
      );
    });
  });
});
