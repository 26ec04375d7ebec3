// Merkle-Patricia trie proofs (Ethereum Yellow Paper, appendix D), verified by a small verifier of our
// own rather than @ethereumjs/mpt: about a hundred lines a reviewer can read against the spec, no
// dependencies beyond keccak256, Uint8Array only (browser-ready), and strict: proof nodes must be
// used in order, every one of them, each hashed node must hash to its reference, embedded nodes
// must be under 32 bytes, and the hex-prefix flags must be well formed. Also builds a trie (for the
// receipts of one block) and a proof from it: the prover side, checked against real chains' roots.
import { LightClientError, type LightClientCheck } from "../../core/errors/lightClient.js";
import { bytesEqual, bytesToHex, keccak256 } from "./bytes.js";
import { decodeRlp, encodeRlp, type RlpItem } from "./rlp.js";

/** The root of the empty trie: keccak256(RLP("")). */
export const EMPTY_TRIE_ROOT = keccak256(Uint8Array.of(0x80));
/** Proofs longer than this are refused (a 2^64-entry secure trie is about 17 levels deep). */
export const MAX_PROOF_NODES = 64;

function toNibbles(key: Uint8Array): number[] {
  const nibbles: number[] = [];
  for (const byte of key) nibbles.push(byte >> 4, byte & 15);
  return nibbles;
}

/** Decodes a hex-prefix (compact) path: [isLeaf, nibbles]. */
function decodeHexPrefix(path: Uint8Array, check: LightClientCheck, field: string): [boolean, number[]] {
  if (path.length === 0) throw new LightClientError(check, "empty hex-prefix path", { field });
  const flag = path[0]! >> 4;
  if (flag > 3) throw new LightClientError(check, `hex-prefix flag ${flag} is not 0 to 3`, { field });
  const nibbles = toNibbles(path);
  if ((flag & 1) === 0 && nibbles[1] !== 0) throw new LightClientError(check, "even hex-prefix path with a non-zero pad nibble", { field });
  return [flag >= 2, nibbles.slice(flag & 1 ? 1 : 2)];
}

function encodeHexPrefix(nibbles: readonly number[], leaf: boolean): Uint8Array {
  const odd = nibbles.length % 2 === 1;
  const all = odd ? [(leaf ? 2 : 0) + 1, ...nibbles] : [leaf ? 2 : 0, 0, ...nibbles];
  const out = new Uint8Array(all.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = (all[2 * i]! << 4) | all[2 * i + 1]!;
  return out;
}

/**
 * Verifies a Merkle-Patricia proof that `key` maps to a value in the trie of `root`, or to nothing.
 * Returns the value, or `undefined` for a valid proof of absence. `proof` is the list of RLP nodes
 * from the root down, as `eth_getProof` returns them. Errors carry `check` and name `field[i]`.
 *
 * @example
 * import { verifyMptProof } from "provenance-ledger/lightclient";
 * const account = verifyMptProof(stateRoot, keccak256(address), proof, "account-proof", "accountProof");
 */
export function verifyMptProof(
  root: Uint8Array,
  key: Uint8Array,
  proof: readonly Uint8Array[],
  check: LightClientCheck,
  field: string,
): Uint8Array | undefined {
  if (proof.length > MAX_PROOF_NODES) throw new LightClientError(check, `more than ${MAX_PROOF_NODES} nodes`, { field });
  const path = toNibbles(key);
  let position = 0;
  let used = 0;
  // The reference to follow: a 32-byte hash, an embedded node (a list), or empty (nothing there).
  let reference: RlpItem = root;
  const finish = (value: Uint8Array | undefined): Uint8Array | undefined => {
    if (used !== proof.length)
      throw new LightClientError(check, `${proof.length - used} proof nodes after the end of the path`, { field: `${field}[${used}]` });
    return value;
  };
  for (;;) {
    let node: readonly RlpItem[];
    const nodeField = `${field}[${used}]`;
    if (reference instanceof Uint8Array) {
      if (reference.length === 0) return finish(undefined);
      if (reference.length !== 32)
        throw new LightClientError(check, `a child reference of ${reference.length} bytes (expected a 32-byte hash or an embedded node)`, { field: nodeField });
      if (bytesEqual(reference, EMPTY_TRIE_ROOT) && used === 0) return finish(undefined);
      const encoded = proof[used];
      if (encoded === undefined) throw new LightClientError(check, `missing the node with hash ${bytesToHex(reference)}`, { field: nodeField });
      if (!bytesEqual(keccak256(encoded), reference))
        throw new LightClientError(check, `node does not hash to ${bytesToHex(reference)} (its parent's reference)`, { field: nodeField });
      used++;
      const decoded = decodeRlp(encoded, check, nodeField);
      if (decoded instanceof Uint8Array) throw new LightClientError(check, "a trie node must be an RLP list", { field: nodeField });
      node = decoded;
    } else {
      if (encodeRlp(reference).length >= 32)
        throw new LightClientError(check, "an embedded node of 32 bytes or more (must be referenced by hash)", { field: nodeField });
      node = reference;
    }

    if (node.length === 17) {
      if (position === path.length) {
        const value = node[16]!;
        if (!(value instanceof Uint8Array)) throw new LightClientError(check, "a branch value must be a byte string", { field: nodeField });
        return finish(value.length === 0 ? undefined : value);
      }
      reference = node[path[position]!]!;
      position++;
      continue;
    }
    if (node.length !== 2) throw new LightClientError(check, `a trie node has 2 or 17 items, not ${node.length}`, { field: nodeField });
    const [encodedPath, next] = node as [RlpItem, RlpItem];
    if (!(encodedPath instanceof Uint8Array)) throw new LightClientError(check, "a node path must be a byte string", { field: nodeField });
    const [isLeaf, nibbles] = decodeHexPrefix(encodedPath, check, nodeField);
    const rest = path.slice(position);
    if (isLeaf) {
      if (!(next instanceof Uint8Array)) throw new LightClientError(check, "a leaf value must be a byte string", { field: nodeField });
      const matches = nibbles.length === rest.length && nibbles.every((n, i) => n === rest[i]);
      return finish(matches ? next : undefined);
    }
    if (nibbles.length === 0) throw new LightClientError(check, "an extension with an empty path", { field: nodeField });
    if (nibbles.length > rest.length || nibbles.some((n, i) => n !== rest[i])) return finish(undefined);
    position += nibbles.length;
    reference = next;
  }
}

/** A trie built in memory: its root and a proof for each of its keys. */
export type BuiltTrie = {
  readonly root: Uint8Array;
  /** The proof (RLP nodes from the root down) for `key`, which must be in the trie. */
  proof(key: Uint8Array): Uint8Array[];
};

type Entry = { readonly nibbles: readonly number[]; readonly value: Uint8Array };

/**
 * Builds the trie of `entries` (distinct keys, non-empty values), as the receipts trie of a block is
 * built (keys RLP(index), values the encoded receipts). Prover side: a verifier checks the root
 * against a verified header and the proofs with `verifyMptProof`.
 */
export function buildMpt(entries: readonly (readonly [Uint8Array, Uint8Array])[]): BuiltTrie {
  // Nodes of 32 bytes or more, by hash, for the proof walk.
  const hashed = new Map<string, RlpItem>();
  const reference = (node: RlpItem): RlpItem => {
    const encoded = encodeRlp(node);
    if (encoded.length < 32) return node;
    const hash = keccak256(encoded);
    hashed.set(bytesToHex(hash), node);
    return hash;
  };
  const all: Entry[] = entries.map(([key, value]) => ({ nibbles: toNibbles(key), value }));
  const rootNode = all.length === 0 ? new Uint8Array(0) : buildNode(all, 0);
  const rootEncoded = encodeRlp(rootNode);
  return {
    root: keccak256(rootEncoded),
    proof(key) {
      const target = toNibbles(key);
      const nodes: Uint8Array[] = [rootEncoded];
      let node: RlpItem = rootNode;
      let position = 0;
      for (;;) {
        if (node instanceof Uint8Array) throw new RangeError("key not in trie");
        let child: RlpItem;
        if (node.length === 17) {
          if (position === target.length) return nodes;
          child = node[target[position]!]!;
          position++;
        } else {
          const [isLeaf, nibbles] = decodeHexPrefix(node[0] as Uint8Array, "receipt-proof", "trie");
          if (isLeaf) return nodes;
          position += nibbles.length;
          child = node[1]!;
        }
        if (child instanceof Uint8Array) {
          if (child.length === 0) throw new RangeError("key not in trie");
          const found = hashed.get(bytesToHex(child));
          if (found === undefined) throw new RangeError("unknown node");
          nodes.push(encodeRlp(found));
          node = found;
        } else node = child;
      }
    },
  };

  function buildNode(group: readonly Entry[], depth: number): RlpItem {
    if (group.length === 1) return [encodeHexPrefix(group[0]!.nibbles.slice(depth), true), group[0]!.value];
    let common = 0;
    for (;;) {
      const nibble = group[0]!.nibbles[depth + common];
      if (nibble === undefined || group.some((e) => e.nibbles[depth + common] !== nibble)) break;
      common++;
    }
    if (common > 0) return [encodeHexPrefix(group[0]!.nibbles.slice(depth, depth + common), false), reference(buildNode(group, depth + common))];
    const branch: RlpItem[] = Array.from({ length: 16 }, () => new Uint8Array(0));
    let value: Uint8Array = new Uint8Array(0);
    for (let nibble = 0; nibble < 16; nibble++) {
      const children = group.filter((e) => e.nibbles[depth] === nibble);
      if (children.length > 0) branch[nibble] = reference(buildNode(children, depth + 1));
    }
    const ending = group.find((e) => e.nibbles.length === depth);
    if (ending) value = ending.value;
    branch.push(value);
    return branch;
  }
}
