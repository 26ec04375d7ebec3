import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GENERATED, staleFiles } from "../scripts/generate.js";

// The JSON Schemas in schemas/ and the field tables in docs/ are generated from the format specs
// (src/core/spec/); a hand edit to either, or a spec change without `npm run generate`, fails here.
describe("generated schemas and docs tables", () => {
  it("default: every generated file is what its spec generates", () => {
    assert.ok(GENERATED.length > 0);
    assert.deepEqual(staleFiles(), [], "stale: run npm run generate");
  });
});
