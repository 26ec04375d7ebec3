// Importing this module makes the secp256k1 recovery of the light client's commit seals and of DSSE
// signatures libsecp256k1's (Bitcoin Core's library): its native build from the `secp256k1` package
// (secp256k1-node's prebuilt N-API addon) where one is shipped for this platform (Linux x64 glibc
// and musl, macOS arm64, Windows x64), otherwise its WebAssembly build from tiny-secp256k1. The same
// keys as @noble/curves; the native build is about 30 times as fast and the WebAssembly one about
// six, which is most of a light or offline verification's CPU time. The platform-neutral layers keep
// @noble/curves wherever this is not loaded (a browser).
import { createRequire } from "node:module";
import { installSecp256k1Recovery } from "../formats/attestation/publicKeys.js";
import { installSecp256k1Recover, type Secp256k1Recover } from "../verify/lightclient/secp256k1.js";

type TinySecp256k1 = typeof import("tiny-secp256k1");
/** The part of secp256k1-node's API used here (`secp256k1/bindings`: its checked wrapper around the native addon, never the `elliptic` fallback of its main entry). */
type NativeSecp256k1 = {
  ecdsaRecover(signature: Uint8Array, recovery: number, message: Uint8Array, compressed: boolean): Uint8Array;
};

const require = createRequire(import.meta.url);

/** What `secp256k1RecoverName()` says with the WebAssembly build. */
export const WASM_LIBSECP256K1_NAME = "libsecp256k1 (tiny-secp256k1, WebAssembly)";
/** What `secp256k1RecoverName()` says with the native build. */
export const NATIVE_LIBSECP256K1_NAME = "libsecp256k1 (secp256k1-node, native)";

// Both are loaded on the first recovery, not at import: loading the addon (about 15 ms) or compiling
// the WebAssembly (tens of milliseconds) is not for a CLI command that checks no signature.
let tiny: TinySecp256k1 | undefined;
let native: NativeSecp256k1 | null | undefined;

/** secp256k1-node's native addon, or null where none loads (no prebuilt binary for this platform, or a broken install). */
export function nativeSecp256k1(): NativeSecp256k1 | null {
  if (native === undefined) {
    try {
      native = require("secp256k1/bindings") as NativeSecp256k1;
    } catch {
      native = null;
    }
  }
  return native;
}

/**
 * libsecp256k1's `secp256k1_ecdsa_recover` through tiny-secp256k1 (WebAssembly), as the light
 * client's `Secp256k1Recover`: the 65-byte uncompressed key, or null when no key recovers.
 * tiny-secp256k1 throws on inputs the light client refuses before asking (r or s zero or not below
 * n), and never sees them.
 */
export const wasmLibsecp256k1Recover: Secp256k1Recover = (digest, signature, recovery) => {
  tiny ??= require("tiny-secp256k1") as TinySecp256k1;
  return tiny.recover(digest, signature, recovery, false);
};

/** secp256k1-node's message when libsecp256k1 parses the signature and recovers no key (the point at infinity, or r no x-coordinate). */
const NO_KEY = "Public key could not be recover";

/**
 * libsecp256k1's `secp256k1_ecdsa_recover` through secp256k1-node's native addon: the 65-byte
 * uncompressed key, or null when no key recovers. secp256k1-node checks every length and the
 * recovery id before the addon sees them, and throws on r or s not below n (refused before asking).
 * Throws where no native addon loads.
 */
export const nativeLibsecp256k1Recover: Secp256k1Recover = (digest, signature, recovery) => {
  const addon = nativeSecp256k1();
  if (addon === null) throw new Error("secp256k1-node's native addon does not load on this platform");
  try {
    return addon.ecdsaRecover(signature, recovery, digest, false);
  } catch (error) {
    if (error instanceof Error && error.message === NO_KEY) return null;
    throw error;
  }
};

const useNative = nativeSecp256k1Available();

function nativeSecp256k1Available(): boolean {
  // Whether a prebuilt binary exists is known without loading it: node-gyp-build's own lookup.
  try {
    const nodeGypBuild = require("node-gyp-build") as { resolve(dir: string): string };
    nodeGypBuild.resolve(require.resolve("secp256k1/package.json").replace(/package\.json$/, ""));
    return true;
  } catch {
    return false;
  }
}

/** The recovery this module installs: the native build where it exists, the WebAssembly one otherwise. */
export const libsecp256k1Recover: Secp256k1Recover = useNative
  ? (digest, signature, recovery) => {
      // A binary that exists but does not load (a broken install) falls back to WebAssembly, for good.
      if (nativeSecp256k1() === null) return wasmLibsecp256k1Recover(digest, signature, recovery);
      return nativeLibsecp256k1Recover(digest, signature, recovery);
    }
  : wasmLibsecp256k1Recover;

/** The build this platform ships: what `secp256k1RecoverName()` says once this module is loaded, unless that binary fails to load. */
export const LIBSECP256K1_NAME = useNative ? NATIVE_LIBSECP256K1_NAME : WASM_LIBSECP256K1_NAME;

/** The build `libsecp256k1Recover` runs (loading the native addon to find out, if no recovery has yet): WebAssembly where the binary exists but does not load. */
export function libsecp256k1Name(): string {
  return useNative && nativeSecp256k1() !== null ? NATIVE_LIBSECP256K1_NAME : WASM_LIBSECP256K1_NAME;
}

installSecp256k1Recover(libsecp256k1Recover, libsecp256k1Name);
// And behind secp256k1 DSSE signatures (an envelope's signer is the address its signature recovers).
installSecp256k1Recovery(libsecp256k1Recover);
