import type { PublicKeyInfo } from "./publicKeys.js";

/**
 * Something that signs DSSE PAE bytes with one key: a key file held by this process
 * (`signerFromKeyFile`), a hardware token, a remote KMS. Formats and checks only need this
 * shape; making one from a private key is local/keys/keys.ts's job.
 */
export type Signer = PublicKeyInfo & { sign(message: Uint8Array): Promise<Uint8Array> };
