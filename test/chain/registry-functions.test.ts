import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type Abi, type AbiFunction, toFunctionSelector } from "viem";
import { provenanceRegistryAbi } from "../../src/chain/registryArtifact.js";
import { registryFunctionNamed, registryFunctionOf } from "../../src/chain/registryFunctions.js";

const functions = (provenanceRegistryAbi as Abi).filter((item): item is AbiFunction => item.type === "function");

describe("ProvenanceRegistry's functions by name and by selector (src/chain/registryFunctions.ts)", () => {
  it("default: the ABI has no overloads, so a name decides; each function is found by its name and by its selector, as viem computes it", () => {
    assert.equal(new Set(functions.map((f) => f.name)).size, functions.length);
    for (const f of functions) {
      const selector = toFunctionSelector(f);
      assert.equal(registryFunctionNamed(f.name).item, f);
      assert.equal(registryFunctionNamed(f.name).selector, selector);
      assert.equal(registryFunctionOf(`${selector}${"00".repeat(32)}`)?.item, f);
      assert.equal(registryFunctionOf(selector.toUpperCase().replace("0X", "0x"))?.item, f, "call data in upper case");
    }
  });

  it("error: an unknown selector, short or non-string call data finds nothing; an unknown name throws", () => {
    for (const data of ["0xdeadbeef", "0x", "", "0x1234", 42, null, undefined, { data: "0x" }]) assert.equal(registryFunctionOf(data), undefined, String(data));
    assert.throws(() => registryFunctionNamed("transferOwnership"), /no function transferOwnership/);
  });
});
