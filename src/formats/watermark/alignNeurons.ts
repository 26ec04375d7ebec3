// Non-blind alignment: undoes a permutation of neurons, which moves whole rows and columns of
// weight matrices and so scrambles every keyed position. The owner holds the unmarked original;
// each row of the suspect matrix is matched to the original row it came from by a signature that
// does not depend on the order of the row's elements (its sorted values, sampled at fixed
// quantiles), so the rows match even when the columns were permuted too; then the columns are
// matched the same way. Small changes (noise, quantisation, the watermark itself) do not move a
// row's signature far from its own original. Sorted values tell rows drawn from one distribution
// apart only weakly, so once both axes are roughly aligned the match is refined with the rows' and
// columns' actual values (projected on a few fixed random directions to keep it fast).

/** Quantiles sampled per signature. */
const SIGNATURE_POINTS = 32;

function signatures(values: Float32Array, rows: number, cols: number, byRow: boolean): Float32Array[] {
  const count = byRow ? rows : cols;
  const length = byRow ? cols : rows;
  const points = Math.min(SIGNATURE_POINTS, length);
  const out: Float32Array[] = [];
  const line = new Float32Array(length);
  for (let k = 0; k < count; k++) {
    for (let i = 0; i < length; i++) line[i] = byRow ? values[k * cols + i]! : values[i * cols + k]!;
    line.sort();
    const sig = new Float32Array(points);
    for (let p = 0; p < points; p++) sig[p] = line[Math.floor(((p + 0.5) * length) / points)]!;
    out.push(sig);
  }
  return out;
}

/** Each row's (or column's) projection on `PROJECTIONS` fixed pseudo-random ±1 directions. */
const PROJECTIONS = 48;
function projections(values: Float32Array, rows: number, cols: number, byRow: boolean): Float32Array[] {
  const count = byRow ? rows : cols;
  const length = byRow ? cols : rows;
  const directions = new Float32Array(PROJECTIONS * length);
  let x = 0x9e3779b9;
  for (let i = 0; i < directions.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    directions[i] = x & 1 ? 1 : -1;
  }
  const out: Float32Array[] = [];
  for (let k = 0; k < count; k++) {
    const sig = new Float32Array(PROJECTIONS);
    for (let p = 0; p < PROJECTIONS; p++) {
      let sum = 0;
      const d = p * length;
      if (byRow) for (let i = 0; i < length; i++) sum += values[k * cols + i]! * directions[d + i]!;
      else for (let i = 0; i < length; i++) sum += values[i * cols + k]! * directions[d + i]!;
      sig[p] = sum;
    }
    out.push(sig);
  }
  return out;
}

function permuteRows(values: Float32Array, rows: number, cols: number, perm: Int32Array): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) out.set(values.subarray(perm[i]! * cols, perm[i]! * cols + cols), i * cols);
  return out;
}

function permuteCols(values: Float32Array, rows: number, cols: number, perm: Int32Array): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let k = 0; k < cols; k++) out[i * cols + k] = values[i * cols + perm[k]!]!;
  return out;
}

/** A permutation π with suspect[π[i]] ≈ original[i]: nearest signatures, assigned greedily by distance. */
function matchSignatures(original: Float32Array[], suspect: Float32Array[]): Int32Array {
  const n = original.length;
  const pairs: { d: number; i: number; j: number }[] = [];
  // Each original keeps its 4 nearest suspects; enough for a permutation with small changes.
  const keep = Math.min(4, n);
  for (let i = 0; i < n; i++) {
    const best: { d: number; j: number }[] = [];
    const a = original[i]!;
    for (let j = 0; j < n; j++) {
      const b = suspect[j]!;
      let d = 0;
      for (let p = 0; p < a.length; p++) d += (a[p]! - b[p]!) ** 2;
      if (best.length < keep || d < best[best.length - 1]!.d) {
        best.push({ d, j });
        best.sort((x, y) => x.d - y.d);
        if (best.length > keep) best.pop();
      }
    }
    for (const { d, j } of best) pairs.push({ d, i, j });
  }
  pairs.sort((x, y) => x.d - y.d);
  const perm = new Int32Array(n).fill(-1);
  const used = new Uint8Array(n);
  for (const { i, j } of pairs)
    if (perm[i] === -1 && !used[j]) {
      perm[i] = j;
      used[j] = 1;
    }
  // Anything left (ties of identical rows): the unused suspects in order.
  let next = 0;
  for (let i = 0; i < n; i++)
    if (perm[i] === -1) {
      while (used[next]) next++;
      perm[i] = next;
      used[next] = 1;
    }
  return perm;
}

/**
 * Reorders the rows and columns of `suspect` (a rows × cols matrix, row-major; further dimensions
 * folded into the columns) to line up with `original`. Returns the aligned copy and the
 * permutations found (`rows[i]` is the suspect row that became row i).
 *
 * @example
 * const { aligned } = alignToOriginal(original, suspect, 512, 256);
 */
export function alignToOriginal(
  original: Float32Array,
  suspect: Float32Array,
  rows: number,
  cols: number,
): { aligned: Float32Array; rows: Int32Array; cols: Int32Array } {
  // Rough: order-free signatures, rows then columns.
  let rowPerm = matchSignatures(signatures(original, rows, cols, true), signatures(suspect, rows, cols, true));
  let colPerm = matchSignatures(signatures(original, rows, cols, false), signatures(permuteRows(suspect, rows, cols, rowPerm), rows, cols, false));
  // Refined: rows against the column-aligned suspect, then columns against the row-aligned one.
  rowPerm = matchSignatures(projections(original, rows, cols, true), projections(permuteCols(suspect, rows, cols, colPerm), rows, cols, true));
  colPerm = matchSignatures(projections(original, rows, cols, false), projections(permuteRows(suspect, rows, cols, rowPerm), rows, cols, false));
  return { aligned: permuteCols(permuteRows(suspect, rows, cols, rowPerm), rows, cols, colPerm), rows: rowPerm, cols: colPerm };
}
