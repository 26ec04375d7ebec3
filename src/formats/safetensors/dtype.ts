// Element types of safetensors tensors, and lossless/rounding conversions of the float types to
// and from float32 (what the watermark computes in). Pure: bytes in, numbers out, little-endian
// as the format requires, whatever the host's byte order.

/** Every dtype the safetensors format defines, with its element size in bytes. */
export const SAFETENSORS_DTYPES = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  F8_E4M3: 1,
  F8_E5M2: 1,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U64: 8,
  U32: 4,
  U16: 2,
  U8: 1,
  BOOL: 1,
} as const;

/** A safetensors dtype name. */
export type SafetensorsDtype = keyof typeof SAFETENSORS_DTYPES;

/** The dtypes whose values the watermark reads and writes (written back in their own dtype). */
export const FLOAT_DTYPES = ["F32", "F16", "BF16"] as const;
export type FloatDtype = (typeof FLOAT_DTYPES)[number];

export function isFloatDtype(dtype: string): dtype is FloatDtype {
  return (FLOAT_DTYPES as readonly string[]).includes(dtype);
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

let halfTable: Float32Array | undefined;
/** float32 of every binary16 bit pattern (256 KiB, built once). */
function halfToFloatTable(): Float32Array {
  if (halfTable) return halfTable;
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >>> 10) & 0x1f;
    const frac = h & 0x3ff;
    if (exp === 0) t[h] = sign * frac * 2 ** -24;
    else if (exp === 31) t[h] = frac ? Number.NaN : sign * Number.POSITIVE_INFINITY;
    else t[h] = sign * (1 + frac / 1024) * 2 ** (exp - 15);
  }
  return (halfTable = t);
}

/** binary16 bits of a float32 value, rounded to nearest even (as numpy's astype(float16)). */
export function floatToHalfBits(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // inf / NaN
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00; // overflow to infinity
  if (e <= 0) {
    if (e < -10) return sign; // underflow to zero
    mant |= 0x800000;
    const shift = 14 - e;
    const half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    return sign | (rem > mid || (rem === mid && half & 1) ? half + 1 : half);
  }
  const half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  // A carry out of the mantissa correctly bumps the exponent (and may reach infinity).
  return sign | (rem > 0x1000 || (rem === 0x1000 && half & 1) ? half + 1 : half);
}

/** bfloat16 bits of a float32 value, rounded to nearest even (as PyTorch's .to(torch.bfloat16)). */
export function floatToBfloat16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  if ((x & 0x7f800000) === 0x7f800000 && x & 0x7fffff) return ((x >>> 16) | 0x40) & 0xffff; // quiet NaN
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
}

/** The value of binary16 bits. */
export function halfBitsToFloat(bits: number): number {
  return halfToFloatTable()[bits & 0xffff]!;
}

/** The value of bfloat16 bits. */
export function bfloat16BitsToFloat(bits: number): number {
  u32[0] = (bits & 0xffff) << 16;
  return f32[0]!;
}

/**
 * Decodes `bytes` (whole elements of `dtype`, little-endian) into `out` (or a new array).
 *
 * @example
 * const values = decodeFloats(chunk, "BF16");
 */
export function decodeFloats(bytes: Uint8Array, dtype: FloatDtype, out?: Float32Array): Float32Array {
  const size = SAFETENSORS_DTYPES[dtype];
  const n = Math.floor(bytes.byteLength / size);
  const values = out && out.length >= n ? out.subarray(0, n) : new Float32Array(n);
  if (dtype === "F32") {
    if (LITTLE_ENDIAN && bytes.byteOffset % 4 === 0) values.set(new Float32Array(bytes.buffer, bytes.byteOffset, n));
    else {
      const view = new DataView(bytes.buffer, bytes.byteOffset, n * 4);
      for (let i = 0; i < n; i++) values[i] = view.getFloat32(i * 4, true);
    }
  } else if (dtype === "F16") {
    const table = halfToFloatTable();
    for (let i = 0; i < n; i++) values[i] = table[bytes[2 * i]! | (bytes[2 * i + 1]! << 8)]!;
  } else {
    for (let i = 0; i < n; i++) {
      u32[0] = (bytes[2 * i]! | (bytes[2 * i + 1]! << 8)) << 16;
      values[i] = f32[0]!;
    }
  }
  return values;
}

/** Encodes `values` into `bytes` in `dtype` (little-endian), rounding to nearest even for F16/BF16. */
export function encodeFloats(values: Float32Array, dtype: FloatDtype, bytes: Uint8Array): void {
  const n = values.length;
  if (dtype === "F32") {
    if (LITTLE_ENDIAN && bytes.byteOffset % 4 === 0) new Float32Array(bytes.buffer, bytes.byteOffset, n).set(values);
    else {
      const view = new DataView(bytes.buffer, bytes.byteOffset, n * 4);
      for (let i = 0; i < n; i++) view.setFloat32(i * 4, values[i]!, true);
    }
    return;
  }
  const encode = dtype === "F16" ? floatToHalfBits : floatToBfloat16Bits;
  for (let i = 0; i < n; i++) {
    const bits = encode(values[i]!);
    bytes[2 * i] = bits & 0xff;
    bytes[2 * i + 1] = bits >>> 8;
  }
}
