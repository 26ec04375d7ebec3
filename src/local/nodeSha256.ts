// Importing this module makes core/'s SHA-256 (record, entry and statement ids, batch metadata)
// node:crypto's: the same digests, about twice as fast as @noble/hashes on short inputs. The
// platform-neutral layers keep @noble/hashes wherever this is not loaded (a browser).
import { createHash } from "node:crypto";
import { installSha256 } from "../core/bytes.js";

/** node:crypto's SHA-256, as core/'s `Sha256`. */
export function nodeSha256(bytes: Uint8Array): Uint8Array {
  // A plain Uint8Array of its own (a Buffer may view a shared pool, and its slice() does not copy).
  return new Uint8Array(createHash("sha256").update(bytes).digest());
}

/** node:crypto's SHA-256 as hex digits, made natively (no bytes-to-hex pass in JavaScript). */
export function nodeSha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

installSha256(nodeSha256, nodeSha256Hex);
