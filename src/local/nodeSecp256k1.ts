// Importing this module makes the secp256k1 recovery of the light client's commit seals and of DSSE
// signatures libsecp256k1's (Bitcoin Core's library, compiled to WebAssembly by tiny-secp256k1): the
// same keys as @noble/curves, about six times as fast, which is most of a light verification's CPU
// time. The platform-neutral layers keep @noble/curves wherever this is not loaded (a browser).
import { createRequire } from "node:module";
import { installSecp256k1Recovery } from "../formats/attestation/publicKeys.js";
import { installSecp256k1Recover, type Secp256k1Recover } from "../verify/lightclient/secp256k1.js";

type TinySecp256k1 = typeof import("tiny-secp256k1");

/** What `secp256k1RecoverName()` says once this module is loaded. */
export const LIBSECP256K1_NAME = "libsecp256k1 (tiny-secp256k1, WebAssembly)";

// Loaded on the first seal, not at import: compiling the WebAssembly takes tens of milliseconds,
// which a CLI command that checks no seal should not pay.
let tiny: TinySecp256k1 | undefined;

/**
 * libsecp256k1's `secp256k1_ecdsa_recover` through tiny-secp256k1, as the light client's
 * `Secp256k1Recover`: the 65-byte uncompressed key, or null when no key recovers. tiny-secp256k1
 * throws on inputs the light client refuses before asking (r or s zero or not below n), and never
 * sees them.
 */
export const libsecp256k1Recover: Secp256k1Recover = (digest, signature, recovery) => {
  tiny ??= createRequire(import.meta.url)("tiny-secp256k1") as TinySecp256k1;
  return tiny.recover(digest, signature, recovery, false);
};

installSecp256k1Recover(libsecp256k1Recover, LIBSECP256K1_NAME);
// And behind secp256k1 DSSE signatures (an envelope's signer is the address its signature recovers).
installSecp256k1Recovery(libsecp256k1Recover);
