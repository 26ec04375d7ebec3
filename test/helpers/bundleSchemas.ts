/** schemas/bundle-v1.schema.json in Ajv (JSON Schema 2020-12, strict), with the record and receipt schemas it refers to. */
import { readFileSync } from "node:fs";
import Ajv2020 from "ajv/dist/2020.js";

/** A schema of schemas/ by file name, parsed. */
export const schema = (name: string) => JSON.parse(readFileSync(new URL(`../../schemas/${name}`, import.meta.url), "utf8"));

/** Validators of an evidence bundle and of one of its receipts (each with `.errors` after a failed call). */
export function bundleSchemaValidators() {
  const ajv = new Ajv2020.default({ strict: true, allErrors: true });
  ajv.addSchema(schema("record-v1.schema.json"));
  ajv.addSchema(schema("record-v2.schema.json"));
  ajv.addSchema(schema("receipt-v1.schema.json"));
  return {
    validateBundle: ajv.compile(schema("bundle-v1.schema.json")),
    validateReceipt: ajv.getSchema("https://provenance-ledger.dev/schemas/receipt-v1.schema.json")!,
  };
}

/** A receipt's `anchor` as the schema and parser tests use it: every field well-formed, nothing anchored anywhere. */
export const exampleAnchor = () => ({
  chainId: 31337,
  registry: `0x${"5f".repeat(20)}`,
  orgId: 1,
  sequence: 1,
  txHash: `0x${"66".repeat(32)}`,
  blockNumber: 7,
  blockHash: `0x${"77".repeat(32)}`,
  timestamp: 1_764_000_000,
});
