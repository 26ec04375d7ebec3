// Keccak-256 of 64-byte messages and the OpenZeppelin-compatible Merkle tree hashing loop, and
// the keccak256 sponge over messages of any length (src/local/nodeKeccak.ts), compiled to
// WebAssembly by scripts/build-keccak-wasm.ts (AssemblyScript, see docs/merkle.md).
//
// The tree hashes fixed-size 64-byte messages (two 32-byte nodes), so its sponge is a single
// Keccak-f[1600] call with the padding folded into constant lanes. The module has no data
// segment, no globals and no allocator: it reads and writes only the addresses it is given,
// so the same shared memory can be used by several threads at once.

/** The 24 round constants of Keccak-f[1600] (a switch, not a table: no data segment). */
@inline function roundConstant(round: i32): u64 {
  switch (round) {
    case 0: return 0x0000000000000001;
    case 1: return 0x0000000000008082;
    case 2: return 0x800000000000808a;
    case 3: return 0x8000000080008000;
    case 4: return 0x000000000000808b;
    case 5: return 0x0000000080000001;
    case 6: return 0x8000000080008081;
    case 7: return 0x8000000000008009;
    case 8: return 0x000000000000008a;
    case 9: return 0x0000000000000088;
    case 10: return 0x0000000080008009;
    case 11: return 0x000000008000000a;
    case 12: return 0x000000008000808b;
    case 13: return 0x800000000000008b;
    case 14: return 0x8000000000008089;
    case 15: return 0x8000000000008003;
    case 16: return 0x8000000000008002;
    case 17: return 0x8000000000000080;
    case 18: return 0x000000000000800a;
    case 19: return 0x800000008000000a;
    case 20: return 0x8000000080008081;
    case 21: return 0x8000000000008080;
    case 22: return 0x0000000080000001;
    default: return 0x8000000080008008;
  }
}

/**
 * Keccak-f[1600] on the 25 lanes m0..m24 (little-endian 64-bit words, as in memory). With `full`
 * false, stores the first 4 lanes of the result at `out` (the 32-byte digest); with `full` true,
 * all 25 (the 200-byte state, for the next block of the sponge). Inlined into each caller with
 * constant `full` and, for the tree's one-block messages, constant lanes (the padding: the 0x01
 * byte in the lane after the message, the final 0x80 of the 136-byte rate in lane 16, zero
 * capacity), so `hash64` and `hash32` compile to the code they had when this took 9 lanes.
 */
@inline function keccakF(
  m0: u64, m1: u64, m2: u64, m3: u64, m4: u64, m5: u64, m6: u64, m7: u64, m8: u64, m9: u64,
  m10: u64, m11: u64, m12: u64, m13: u64, m14: u64, m15: u64, m16: u64, m17: u64, m18: u64, m19: u64,
  m20: u64, m21: u64, m22: u64, m23: u64, m24: u64, full: bool, out: usize,
): void {
  let a0 = m0, a1 = m1, a2 = m2, a3 = m3, a4 = m4, a5 = m5, a6 = m6, a7 = m7, a8 = m8, a9 = m9;
  let a10 = m10, a11 = m11, a12 = m12, a13 = m13, a14 = m14, a15 = m15, a16 = m16, a17 = m17, a18 = m18, a19 = m19;
  let a20 = m20, a21 = m21, a22 = m22, a23 = m23, a24 = m24;
  let c0: u64, c1: u64, c2: u64, c3: u64, c4: u64, d0: u64, d1: u64, d2: u64, d3: u64, d4: u64;
  let b0: u64, b1: u64, b2: u64, b3: u64, b4: u64, b5: u64, b6: u64, b7: u64, b8: u64, b9: u64;
  let b10: u64, b11: u64, b12: u64, b13: u64, b14: u64, b15: u64, b16: u64, b17: u64, b18: u64, b19: u64;
  let b20: u64, b21: u64, b22: u64, b23: u64, b24: u64;
  for (let round = 0; round < 24; round++) {
    // theta
    c0 = a0 ^ a5 ^ a10 ^ a15 ^ a20;
    c1 = a1 ^ a6 ^ a11 ^ a16 ^ a21;
    c2 = a2 ^ a7 ^ a12 ^ a17 ^ a22;
    c3 = a3 ^ a8 ^ a13 ^ a18 ^ a23;
    c4 = a4 ^ a9 ^ a14 ^ a19 ^ a24;
    d0 = c4 ^ rotl<u64>(c1, 1);
    d1 = c0 ^ rotl<u64>(c2, 1);
    d2 = c1 ^ rotl<u64>(c3, 1);
    d3 = c2 ^ rotl<u64>(c4, 1);
    d4 = c3 ^ rotl<u64>(c0, 1);
    // rho and pi (b[y, 2x+3y] = rotl(a[x, y] ^ d[x], r[x, y]))
    b0 = a0 ^ d0;
    b10 = rotl<u64>(a1 ^ d1, 1);
    b20 = rotl<u64>(a2 ^ d2, 62);
    b5 = rotl<u64>(a3 ^ d3, 28);
    b15 = rotl<u64>(a4 ^ d4, 27);
    b16 = rotl<u64>(a5 ^ d0, 36);
    b1 = rotl<u64>(a6 ^ d1, 44);
    b11 = rotl<u64>(a7 ^ d2, 6);
    b21 = rotl<u64>(a8 ^ d3, 55);
    b6 = rotl<u64>(a9 ^ d4, 20);
    b7 = rotl<u64>(a10 ^ d0, 3);
    b17 = rotl<u64>(a11 ^ d1, 10);
    b2 = rotl<u64>(a12 ^ d2, 43);
    b12 = rotl<u64>(a13 ^ d3, 25);
    b22 = rotl<u64>(a14 ^ d4, 39);
    b23 = rotl<u64>(a15 ^ d0, 41);
    b8 = rotl<u64>(a16 ^ d1, 45);
    b18 = rotl<u64>(a17 ^ d2, 15);
    b3 = rotl<u64>(a18 ^ d3, 21);
    b13 = rotl<u64>(a19 ^ d4, 8);
    b14 = rotl<u64>(a20 ^ d0, 18);
    b24 = rotl<u64>(a21 ^ d1, 2);
    b9 = rotl<u64>(a22 ^ d2, 61);
    b19 = rotl<u64>(a23 ^ d3, 56);
    b4 = rotl<u64>(a24 ^ d4, 14);
    // chi
    a0 = b0 ^ (~b1 & b2);
    a1 = b1 ^ (~b2 & b3);
    a2 = b2 ^ (~b3 & b4);
    a3 = b3 ^ (~b4 & b0);
    a4 = b4 ^ (~b0 & b1);
    a5 = b5 ^ (~b6 & b7);
    a6 = b6 ^ (~b7 & b8);
    a7 = b7 ^ (~b8 & b9);
    a8 = b8 ^ (~b9 & b5);
    a9 = b9 ^ (~b5 & b6);
    a10 = b10 ^ (~b11 & b12);
    a11 = b11 ^ (~b12 & b13);
    a12 = b12 ^ (~b13 & b14);
    a13 = b13 ^ (~b14 & b10);
    a14 = b14 ^ (~b10 & b11);
    a15 = b15 ^ (~b16 & b17);
    a16 = b16 ^ (~b17 & b18);
    a17 = b17 ^ (~b18 & b19);
    a18 = b18 ^ (~b19 & b15);
    a19 = b19 ^ (~b15 & b16);
    a20 = b20 ^ (~b21 & b22);
    a21 = b21 ^ (~b22 & b23);
    a22 = b22 ^ (~b23 & b24);
    a23 = b23 ^ (~b24 & b20);
    a24 = b24 ^ (~b20 & b21);
    // iota
    a0 ^= roundConstant(round);
  }
  // Squeeze: the digest is the first 32 bytes of the state.
  store<u64>(out, a0, 0);
  store<u64>(out, a1, 8);
  store<u64>(out, a2, 16);
  store<u64>(out, a3, 24);
  if (full) {
    store<u64>(out, a4, 32);
    store<u64>(out, a5, 40);
    store<u64>(out, a6, 48);
    store<u64>(out, a7, 56);
    store<u64>(out, a8, 64);
    store<u64>(out, a9, 72);
    store<u64>(out, a10, 80);
    store<u64>(out, a11, 88);
    store<u64>(out, a12, 96);
    store<u64>(out, a13, 104);
    store<u64>(out, a14, 112);
    store<u64>(out, a15, 120);
    store<u64>(out, a16, 128);
    store<u64>(out, a17, 136);
    store<u64>(out, a18, 144);
    store<u64>(out, a19, 152);
    store<u64>(out, a20, 160);
    store<u64>(out, a21, 168);
    store<u64>(out, a22, 176);
    store<u64>(out, a23, 184);
    store<u64>(out, a24, 192);
  }
}

/**
 * out = keccak256 of one message of at most 64 bytes, already padded into lanes 0..8: the
 * message lanes, then the 0x01 pad byte in the lane after the message (lane 16 always holds the
 * final 0x80 of the 136-byte rate, the other lanes are zero).
 */
@inline function keccakBlock(
  m0: u64, m1: u64, m2: u64, m3: u64, m4: u64, m5: u64, m6: u64, m7: u64, m8: u64, out: usize,
): void {
  keccakF(m0, m1, m2, m3, m4, m5, m6, m7, m8, 0, 0, 0, 0, 0, 0, 0, 0x8000000000000000, 0, 0, 0, 0, 0, 0, 0, 0, false, out);
}

/**
 * out = keccak256(32 bytes at p ++ 32 bytes at q). `out` may alias `p` or `q`: every input
 * lane is read before the first store.
 */
function hash64(p: usize, q: usize, out: usize): void {
  keccakBlock(
    load<u64>(p, 0), load<u64>(p, 8), load<u64>(p, 16), load<u64>(p, 24),
    load<u64>(q, 0), load<u64>(q, 8), load<u64>(q, 16), load<u64>(q, 24),
    1, out,
  );
}

/** out = keccak256(32 bytes at p). `out` may alias `p`. */
function hash32(p: usize, out: usize): void {
  keccakBlock(load<u64>(p, 0), load<u64>(p, 8), load<u64>(p, 16), load<u64>(p, 24), 1, 0, 0, 0, 0, out);
}

/** Whether the 32 bytes at p are greater than the 32 bytes at q, compared as big-endian numbers. */
@inline function greater(p: usize, q: usize): bool {
  let x = bswap<u64>(load<u64>(p, 0)), y = bswap<u64>(load<u64>(q, 0));
  if (x != y) return x > y;
  x = bswap<u64>(load<u64>(p, 8)); y = bswap<u64>(load<u64>(q, 8));
  if (x != y) return x > y;
  x = bswap<u64>(load<u64>(p, 16)); y = bswap<u64>(load<u64>(q, 16));
  if (x != y) return x > y;
  return bswap<u64>(load<u64>(p, 24)) > bswap<u64>(load<u64>(q, 24));
}

/** out = keccak256(min(a, b) ++ max(a, b)): OpenZeppelin's commutative node hash. */
@inline function hashSortedPair(p: usize, q: usize, out: usize): void {
  if (greater(p, q)) hash64(q, p, out);
  else hash64(p, q, out);
}

/**
 * keccak256 of `count` consecutive 64-byte messages at `input`; the 32-byte digests are
 * written consecutively at `output` (which may equal `input`).
 */
export function keccak64(input: usize, count: u32, output: usize): void {
  for (let i: u32 = 0; i < count; i++) {
    const p = input + (<usize>i << 6);
    hash64(p, p + 32, output + (<usize>i << 5));
  }
}

/**
 * The ledger's leaf, keccak256(keccak256(m)), of `count` consecutive 64-byte messages m at
 * `input` (m = subject digest ++ record hash: abi.encode of two bytes32); the 32-byte leaves are
 * written consecutively at `output` (which may equal `input`).
 */
export function recordLeaves(input: usize, count: u32, output: usize): void {
  for (let i: u32 = 0; i < count; i++) {
    const p = input + (<usize>i << 6);
    const out = output + (<usize>i << 5);
    hash64(p, p + 32, out);
    hash32(out, out);
  }
}

/**
 * In the array layout of @openzeppelin/merkle-tree (node i has children 2i+1 and 2i+2, 32 bytes
 * each, starting at `tree`), computes the nodes with index in [from, to).
 */
export function hashNodes(tree: usize, from: u32, to: u32): void {
  for (let i = from; i < to; i++) {
    const left = tree + ((<usize>i << 6) + 32);
    hashSortedPair(left, left + 32, tree + (<usize>i << 5));
  }
}

/**
 * Computes every inner node of a tree of `leafCount` leaves (already in place), level by level
 * from the bottom. With `threads` > 1, each thread calls this with its own `thread` number
 * (0 is the caller, which finishes alone): levels of at least `parallelMin` slots are split
 * into equal ranges, followed by a barrier on the 32-bit counter at `barrier` (zero at start).
 * Returns 0, or 1 if another thread did not reach a barrier in time (then the caller must
 * recompute the whole tree alone: every node is a pure function of its children).
 */
export function hashTree(tree: usize, leafCount: u32, thread: u32, threads: u32, barrier: usize, parallelMin: u32): i32 {
  if (leafCount < 2) return 0;
  let arrived: u32 = 0;
  // Node i sits on level floor(log2(i + 1)); the deepest inner node is leafCount - 2.
  for (let level = 31 - <i32>clz<u32>(leafCount - 1); level >= 0; level--) {
    const from: u32 = (1 << level) - 1;
    const to: u32 = min<u32>((2 << level) - 1, leafCount - 1);
    if (threads > 1 && (<u32>1 << level) >= parallelMin) {
      const count = <u64>(to - from);
      hashNodes(tree, from + <u32>(count * thread / threads), from + <u32>(count * (thread + 1) / threads));
      arrived += threads;
      if (!awaitBarrier(barrier, arrived)) return 1;
    } else {
      if (thread != 0) return 0;
      hashNodes(tree, from, to);
    }
  }
  return 0;
}

/** Arrives at the barrier and waits until `target` arrivals; false after ~10 s without it. */
function awaitBarrier(barrier: usize, target: u32): bool {
  if (atomic.add<u32>(barrier, 1) + 1 == target) {
    atomic.notify(barrier);
    return true;
  }
  for (let spin = 0; spin < 4096; spin++) {
    if (atomic.load<u32>(barrier) >= target) return true;
  }
  for (let waits = 0; waits < 1000; waits++) {
    const seen = atomic.load<u32>(barrier);
    if (seen >= target) return true;
    memory.atomic.wait32(barrier, seen, 10_000_000); // 10 ms
  }
  return atomic.load<u32>(barrier) >= target;
}

/**
 * Folds a Merkle proof: node = hashSortedPair(node, proof[i]) for each of the `length` 32-byte
 * elements at `proof`, in place on the 32 bytes at `node` (MerkleProof.processProof).
 */
export function processProof(node: usize, proof: usize, length: u32): void {
  for (let i: u32 = 0; i < length; i++) {
    hashSortedPair(node, proof + (<usize>i << 5), node);
  }
}

/**
 * keccak256 sponge over `blocks` 136-byte blocks at `input`, already padded by the caller
 * (the message, a 0x01 byte, zeros, and 0x80 ored into the block's last byte): absorbs them
 * into the 200-byte state at `state`, which this zeroes first. The digest is then the state's
 * first 32 bytes. `input` and `state` must not overlap.
 */
export function keccakSponge(input: usize, blocks: u32, state: usize): void {
  memory.fill(state, 0, 200);
  for (let i: u32 = 0; i < blocks; i++) {
    const p = input + <usize>i * 136;
    keccakF(
      load<u64>(state, 0) ^ load<u64>(p, 0), load<u64>(state, 8) ^ load<u64>(p, 8),
      load<u64>(state, 16) ^ load<u64>(p, 16), load<u64>(state, 24) ^ load<u64>(p, 24),
      load<u64>(state, 32) ^ load<u64>(p, 32), load<u64>(state, 40) ^ load<u64>(p, 40),
      load<u64>(state, 48) ^ load<u64>(p, 48), load<u64>(state, 56) ^ load<u64>(p, 56),
      load<u64>(state, 64) ^ load<u64>(p, 64), load<u64>(state, 72) ^ load<u64>(p, 72),
      load<u64>(state, 80) ^ load<u64>(p, 80), load<u64>(state, 88) ^ load<u64>(p, 88),
      load<u64>(state, 96) ^ load<u64>(p, 96), load<u64>(state, 104) ^ load<u64>(p, 104),
      load<u64>(state, 112) ^ load<u64>(p, 112), load<u64>(state, 120) ^ load<u64>(p, 120),
      load<u64>(state, 128) ^ load<u64>(p, 128), load<u64>(state, 136), load<u64>(state, 144),
      load<u64>(state, 152), load<u64>(state, 160), load<u64>(state, 168), load<u64>(state, 176),
      load<u64>(state, 184), load<u64>(state, 192), true, state,
    );
  }
}
