import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { SimpleMerkleTree, StandardMerkleTree } from "@openzeppelin/merkle-tree";
import fc from "fast-check";
import { MerkleTree as MerkleTreeJs } from "merkletreejs";
import { keccak256, toHex, type Hex } from "viem";
import type { BaseError } from "../../src/core/errors/base.js";
import { InputError } from "../../src/core/errors/input.js";
import { MerkleError } from "../../src/core/errors/merkle.js";
import { LEAF_ENCODING, recordLeaf } from "../../src/merkle/leaf.js";
import { MAX_PROOF_LENGTH, processProof, verifyMerkleProof } from "../../src/merkle/proof.js";
import { buildMerkleTree, loadMerkleTree, TREE_FORMAT_VERSION } from "../../src/merkle/tree.js";
// Importing it installs the worker-thread hasher (a Node.js process does), so threads: 2 runs on two threads.
import { hashTreeNodesThreaded } from "../../src/local/merkleThreads.js";
import { installParallelTreeHasher } from "../../src/merkle/hashTreeNodes.js";

type Case = { size: number; values: [Hex, Hex][]; leaves: Hex[]; root: Hex; tree: Hex[]; proofs: Hex[][]; serialized: Hex };
const vectors = JSON.parse(readFileSync(new URL("../vectors/merkle-v1.json", import.meta.url), "utf8")) as { cases: Case[] };

const random32 = (): Hex => toHex(randomBytes(32));
const randomValues = (size: number): [Hex, Hex][] => Array.from({ length: size }, () => [random32(), random32()]);
const keccakBuffer = (data: Buffer): Buffer => Buffer.from(keccak256(data).slice(2), "hex");
const bytesOf = (hex: string): Uint8Array => new Uint8Array(Buffer.from(hex.slice(2), "hex"));

/** Asserts our tree equals OZ's StandardMerkleTree of the same values: root, every proof, every node. */
function assertSameAsOpenZeppelin(values: [Hex, Hex][]): void {
  const oz = StandardMerkleTree.of(values, [...LEAF_ENCODING]);
  const leaves = values.map(([subject, record]) => recordLeaf(subject, record));
  const tree = buildMerkleTree(leaves);
  assert.equal(tree.root, oz.root, `root of ${values.length} leaves`);
  assert.equal(tree.leafCount, values.length);
  assert.equal(
    toHex(tree.nodes),
    `0x${oz
      .dump()
      .tree.map((node) => node.slice(2))
      .join("")}`,
    `nodes of ${values.length} leaves`,
  );
  leaves.forEach((leaf, i) => assert.deepEqual(tree.getProof(leaf), oz.getProof(i), `proof ${i} of ${values.length}`));
}

/** What a thrown BaseError must look like. */
const coded =
  (ErrorClass: typeof BaseError<string>, code: string, extra: Record<string, unknown> = {}) =>
  (error: unknown) => {
    assert.ok(error instanceof ErrorClass, `expected ${ErrorClass.name}, got ${String(error)}`);
    assert.equal(error.code, code);
    for (const [key, value] of Object.entries(extra)) assert.equal((error as unknown as Record<string, unknown>)[key], value, key);
    return true;
  };

describe("merkle tree", () => {
  it("default: root, nodes and every proof equal StandardMerkleTree's, sizes 1..130 and every 7th to 300", () => {
    for (let size = 1; size <= 300; size += size < 130 ? 1 : 7) assertSameAsOpenZeppelin(randomValues(size));
  });

  it("default: frozen vectors (merkle-v1.json, made with OpenZeppelin) still hold", () => {
    for (const c of vectors.cases) {
      assert.deepEqual(
        c.values.map(([subject, record]) => recordLeaf(subject, record)),
        c.leaves,
        `leaves of ${c.size}`,
      );
      const tree = buildMerkleTree(c.leaves);
      assert.equal(tree.root, c.root, `root of ${c.size}`);
      assert.equal(toHex(tree.nodes), `0x${c.tree.map((node) => node.slice(2)).join("")}`);
      c.leaves.forEach((leaf, i) => assert.deepEqual(tree.getProof(leaf), c.proofs[i], `proof ${i} of ${c.size}`));
      assert.equal(toHex(tree.toBytes()), c.serialized, `serialised ${c.size}`);
      // Old blobs keep loading.
      const loaded = loadMerkleTree(bytesOf(c.serialized), { expectedRoot: c.root, verifyNodes: true });
      c.leaves.forEach((leaf, i) => assert.deepEqual(loaded.getProof(leaf), c.proofs[i]));
      c.leaves.forEach((leaf, i) => assert.equal(processProof(leaf, c.proofs[i] ?? []), c.root));
    }
  });

  it("behavior: property — any set of distinct leaves gives OZ's root and proofs, in any input order", () => {
    const leafSet = fc.uniqueArray(fc.uint8Array({ minLength: 32, maxLength: 32 }), {
      minLength: 1,
      maxLength: 700,
      selector: (bytes) => Buffer.from(bytes).toString("hex"),
    });
    fc.assert(
      fc.property(leafSet, fc.nat(), (set, pick) => {
        const leaves = set.map((bytes) => toHex(bytes));
        // SimpleMerkleTree hashes nothing for bytes32 values: its tree over our leaves is the
        // StandardMerkleTree over the values those leaves come from.
        const oz = SimpleMerkleTree.of(leaves);
        const tree = buildMerkleTree(leaves);
        assert.equal(tree.root, oz.root);
        const packed = new Uint8Array(Buffer.concat(set.map((bytes) => Buffer.from(bytes))));
        assert.equal(buildMerkleTree(packed).root, oz.root, "packed input");
        assert.equal(buildMerkleTree([...leaves].reverse()).root, oz.root, "input order does not matter");
        const i = pick % leaves.length;
        assert.deepEqual(tree.getProof(leaves[i] as Hex), oz.getProof(i));
        assert.equal(tree.leafAt(tree.indexOf(leaves[i] as Hex)), leaves[i]);
      }),
      { numRuns: 60 },
    );
  });

  it("behavior: leaves sharing their first bytes are sorted by the full 32 bytes", () => {
    const base = randomBytes(32);
    const leaves = Array.from({ length: 300 }, (_, i) => {
      const leaf = Buffer.from(base);
      leaf.writeUInt16BE(i % 5, 4); // only 5 distinct 6-byte prefixes
      leaf.writeUInt32BE((i * 2654435761) % 2 ** 32, 28);
      return toHex(leaf);
    });
    assert.equal(buildMerkleTree(leaves).root, SimpleMerkleTree.of(leaves).root);
  });

  it("behavior: every proof verifies with merkletreejs (sortPairs) and OpenZeppelin", () => {
    for (const size of [1, 2, 3, 5, 8, 13, 64, 100, 257]) {
      const values = randomValues(size);
      const leaves = values.map(([subject, record]) => recordLeaf(subject, record));
      const tree = buildMerkleTree(leaves);
      const js = new MerkleTreeJs([], keccakBuffer, { sortPairs: true });
      leaves.forEach((leaf, i) => {
        const proof = tree.getProof(leaf);
        assert.ok(js.verify(proof, leaf, tree.root), `merkletreejs, leaf ${i} of ${size}`);
        assert.ok(StandardMerkleTree.verify(tree.root, [...LEAF_ENCODING], values[i] as [Hex, Hex], proof), `OZ, leaf ${i} of ${size}`);
        assert.ok(verifyMerkleProof(tree.root, leaf, proof));
      });
    }
  });

  it("behavior: threads > 1 goes to the installed worker-thread hasher (local/merkleThreads.ts); without one, the calling thread builds the same tree", () => {
    const packed = new Uint8Array(randomBytes(70_001 * 32));
    const calls: number[] = [];
    installParallelTreeHasher((parameters) => {
      calls.push(parameters.threads);
      hashTreeNodesThreaded(parameters);
    });
    try {
      const threaded = buildMerkleTree(packed, { threads: 2 });
      buildMerkleTree(packed, { threads: 1 });
      assert.deepEqual(calls, [2], "only the two-thread build reaches the parallel hasher");
      installParallelTreeHasher(undefined);
      assert.equal(buildMerkleTree(packed, { threads: 2 }).root, threaded.root);
    } finally {
      installParallelTreeHasher(hashTreeNodesThreaded);
    }
  });

  it("behavior: a tree built on two threads equals the one built on one (70,001 leaves) and OZ's", () => {
    const packed = new Uint8Array(randomBytes(70_001 * 32));
    const single = buildMerkleTree(packed, { threads: 1 });
    const parallel = buildMerkleTree(packed, { threads: 2 });
    assert.equal(parallel.root, single.root);
    assert.ok(Buffer.from(parallel.nodes).equals(Buffer.from(single.nodes)), "all nodes equal");
    const leaves = Array.from({ length: 70_001 }, (_, i) => toHex(packed.subarray(i * 32, i * 32 + 32)));
    assert.equal(parallel.root, SimpleMerkleTree.of(leaves).root);
    for (const i of [0, 1, 35_000, 70_000]) assert.ok(verifyMerkleProof(parallel.root, parallel.leafAt(i), parallel.getProof(i)));
  });

  it("behavior: serialisation round-trip — toBytes() and nodes both load, with and without verifyNodes", () => {
    const leaves = Array.from({ length: 1000 }, random32);
    const tree = buildMerkleTree(leaves);
    const blob = tree.toBytes();
    assert.equal(blob.length, 32 + (2 * 1000 - 1) * 32);
    assert.equal(Buffer.from(blob.subarray(0, 5)).toString("latin1"), `PLMT${String.fromCharCode(TREE_FORMAT_VERSION)}`);
    for (const bytes of [blob, tree.nodes, new Uint8Array(blob), new Uint8Array(tree.nodes)]) {
      for (const verifyNodes of [false, true]) {
        const loaded = loadMerkleTree(bytes, { verifyNodes, expectedRoot: tree.root });
        assert.equal(loaded.root, tree.root);
        assert.equal(loaded.leafCount, 1000);
        for (const leaf of leaves.slice(0, 50)) assert.deepEqual(loaded.getProof(leaf), tree.getProof(leaf));
        assert.deepEqual(Buffer.from(loaded.toBytes()), Buffer.from(blob));
      }
    }
  });

  it("behavior: a tampered leaf, proof element or root fails verification", () => {
    const leaves = Array.from({ length: 37 }, random32);
    const tree = buildMerkleTree(leaves);
    const leaf = leaves[11] as Hex;
    const proof = tree.getProof(leaf);
    const flip = (hex: Hex, at = 20): Hex => `0x${hex.slice(2, 2 + at)}${(Number.parseInt(hex[2 + at] as string, 16) ^ 1).toString(16)}${hex.slice(3 + at)}`;
    assert.equal(verifyMerkleProof(tree.root, leaf, proof), true);
    assert.equal(verifyMerkleProof(tree.root, flip(leaf), proof), false, "leaf");
    assert.equal(verifyMerkleProof(flip(tree.root, 63), leaf, proof), false, "root");
    proof.forEach((_, i) =>
      assert.equal(
        verifyMerkleProof(
          tree.root,
          leaf,
          proof.map((p, j) => (i === j ? flip(p) : p)),
        ),
        false,
        `proof[${i}]`,
      ),
    );
    assert.equal(verifyMerkleProof(tree.root, leaf, proof.slice(1)), false, "shortened");
    assert.equal(verifyMerkleProof(tree.root, leaf, [...proof, proof[0] as Hex]), false, "extended");
    assert.equal(verifyMerkleProof(tree.root, leaf, [...proof].reverse()), false, "reordered");
    assert.equal(verifyMerkleProof(tree.root.toUpperCase().replace("0X", "0x") as Hex, leaf, proof), true, "case of hex does not matter");
  });

  it("behavior: indexOf / leafAt / getProof by index", () => {
    const leaves = Array.from({ length: 9 }, random32);
    const tree = buildMerkleTree(leaves);
    const sorted = [...leaves].sort();
    sorted.forEach((leaf, i) => {
      assert.equal(tree.indexOf(leaf), i);
      assert.equal(tree.leafAt(i), leaf);
      assert.deepEqual(tree.getProof(i), tree.getProof(leaf));
    });
    assert.equal(tree.indexOf(random32()), -1);
  });

  it("error: an empty batch is refused (EMPTY_TREE)", () => {
    assert.throws(() => buildMerkleTree([]), coded(MerkleError, "EMPTY_TREE"));
    assert.throws(() => buildMerkleTree(new Uint8Array(0)), coded(MerkleError, "EMPTY_TREE"));
  });

  it("error: a duplicate leaf is refused (DUPLICATE_LEAF), naming it — hex and packed input", () => {
    const leaves = Array.from({ length: 500 }, random32);
    const twice = leaves[123] as Hex;
    leaves.push(twice.toUpperCase().replace("0X", "0x") as Hex);
    assert.throws(() => buildMerkleTree(leaves), coded(MerkleError, "DUPLICATE_LEAF", { leaf: twice }));
    const packed = new Uint8Array(Buffer.concat(leaves.map((leaf) => Buffer.from(leaf.slice(2), "hex"))));
    assert.throws(() => buildMerkleTree(packed), coded(MerkleError, "DUPLICATE_LEAF", { leaf: twice }));
    assert.throws(() => buildMerkleTree([twice, twice]), coded(MerkleError, "DUPLICATE_LEAF", { leaf: twice }));
  });

  it("error: malformed leaves are refused with the field named", () => {
    assert.throws(() => buildMerkleTree([random32(), "0x1234"]), coded(InputError, "INVALID_HEX", { path: "leaves[1]" }));
    assert.throws(() => buildMerkleTree([random32(), `0x${"zz".repeat(32)}`]), coded(InputError, "INVALID_HEX", { path: "leaves[1]" }));
    assert.throws(() => buildMerkleTree([random32().slice(2) as Hex]), coded(InputError, "INVALID_HEX", { path: "leaves[0]" }));
    assert.throws(() => buildMerkleTree([42 as unknown as Hex]), coded(InputError, "INVALID_HEX", { path: "leaves[0]" }));
    assert.throws(() => buildMerkleTree(new Uint8Array(33)), coded(InputError, "INVALID_ARGUMENT", { path: "leaves" }));
  });

  it("error: a proof longer than MAX_PROOF_LENGTH is refused (PROOF_TOO_LONG) before it is hashed", () => {
    const leaf = random32();
    const long = Array.from({ length: MAX_PROOF_LENGTH + 1 }, () => "not even hex" as Hex);
    assert.throws(() => processProof(leaf, long), coded(MerkleError, "PROOF_TOO_LONG"));
    assert.throws(() => verifyMerkleProof(random32(), leaf, long), coded(MerkleError, "PROOF_TOO_LONG"));
    assert.equal(verifyMerkleProof(random32(), leaf, Array.from({ length: MAX_PROOF_LENGTH }, random32)), false, "64 is fine");
  });

  it("error: a malformed proof, leaf or root is refused with the field named", () => {
    const leaf = random32();
    assert.throws(() => processProof(leaf, [random32(), "0x12"]), coded(InputError, "INVALID_HEX", { path: "proof[1]" }));
    assert.throws(() => processProof(leaf, [random32(), random32(), `0x${"g".repeat(64)}`]), coded(InputError, "INVALID_HEX", { path: "proof[2]" }));
    assert.throws(() => processProof(leaf, [null as unknown as Hex]), coded(InputError, "INVALID_HEX", { path: "proof[0]" }));
    assert.throws(() => processProof(leaf, "0x" as unknown as Hex[]), coded(InputError, "INVALID_ARGUMENT", { path: "proof" }));
    assert.throws(() => processProof("0x00", []), coded(InputError, "INVALID_HEX", { path: "leaf" }));
    assert.throws(() => verifyMerkleProof("0x00", leaf, []), coded(InputError, "INVALID_HEX", { path: "root" }));
  });

  it("error: a leaf not in the tree or an index out of range is refused", () => {
    const tree = buildMerkleTree(Array.from({ length: 5 }, random32));
    assert.throws(() => tree.getProof(random32()), coded(MerkleError, "LEAF_NOT_FOUND"));
    for (const index of [-1, 5, 1.5, Number.NaN]) assert.throws(() => tree.getProof(index), coded(MerkleError, "INDEX_OUT_OF_RANGE"));
    assert.throws(() => tree.leafAt(5), coded(MerkleError, "INDEX_OUT_OF_RANGE"));
    assert.throws(() => tree.getProof("0x1234"), coded(InputError, "INVALID_HEX", { path: "leaf" }));
  });

  it("error: corrupted serialised trees are refused (INVALID_TREE_BYTES, ROOT_MISMATCH)", () => {
    const leaves = Array.from({ length: 100 }, random32);
    const tree = buildMerkleTree(leaves);
    const blob = tree.toBytes();
    const changed = (at: number, bytes: Uint8Array = blob) => {
      const copy = new Uint8Array(bytes);
      copy[at] = (copy[at] as number) ^ 0x01;
      return copy;
    };
    const invalid = coded(MerkleError, "INVALID_TREE_BYTES");
    assert.throws(() => loadMerkleTree(blob.subarray(0, blob.length - 32)), invalid, "truncated by one node");
    assert.throws(() => loadMerkleTree(blob.subarray(0, blob.length - 1)), invalid, "truncated by one byte");
    // Cut by an odd number of nodes, the length is that of bare nodes: the header still refuses it
    // (before, the leaf-order check did, except when the node shifted into the leaves sorted first).
    for (const cut of [1, 3, 99])
      assert.throws(
        () => loadMerkleTree(blob.subarray(0, blob.length - 32 * cut)),
        (e: unknown) => e instanceof MerkleError && e.code === "INVALID_TREE_BYTES" && /after a tree header, expected 6400 for its 100 leaves/.test(e.message),
        `truncated by ${cut} node(s)`,
      );
    assert.throws(() => loadMerkleTree(new Uint8Array(0)), invalid, "empty");
    assert.throws(() => loadMerkleTree(changed(0)), invalid, "magic");
    assert.throws(() => loadMerkleTree(changed(4)), invalid, "version 0");
    assert.throws(() => loadMerkleTree(changed(20)), invalid, "reserved byte");
    assert.throws(() => loadMerkleTree(changed(11)), invalid, "leaf count");
    // Swap two leaves: no longer sorted.
    const swapped = new Uint8Array(blob);
    const a = 32 + 150 * 32;
    const b = a + 32;
    swapped.set(blob.subarray(b, b + 32), a);
    swapped.set(blob.subarray(a, a + 32), b);
    assert.throws(() => loadMerkleTree(swapped), invalid, "unsorted leaves");
    const repeated = new Uint8Array(blob);
    repeated.set(blob.subarray(a, a + 32), b);
    assert.throws(() => loadMerkleTree(repeated), invalid, "duplicate leaves");
    // An inner node changed: caught by verifyNodes; without it, proofs through it are refused.
    const inner = changed(32 + 5 * 32 + 7);
    assert.throws(() => loadMerkleTree(inner, { verifyNodes: true }), invalid, "inner node");
    const lazy = loadMerkleTree(inner);
    assert.throws(() => leaves.forEach((leaf) => lazy.getProof(leaf)), invalid, "no false proof");
    // A changed leaf that stays sorted: the root no longer matches.
    const leafChanged = changed(blob.length - 1);
    assert.throws(() => loadMerkleTree(leafChanged, { verifyNodes: true }), invalid);
    assert.throws(() => loadMerkleTree(changed(33), { expectedRoot: tree.root }), coded(MerkleError, "ROOT_MISMATCH"));
    assert.throws(() => loadMerkleTree(blob, { expectedRoot: random32() }), coded(MerkleError, "ROOT_MISMATCH"));
    assert.throws(() => loadMerkleTree("0x00" as unknown as Uint8Array), coded(InputError, "INVALID_ARGUMENT"));
  });
});
