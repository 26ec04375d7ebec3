// ProvenanceRegistry's functions with their selectors, worked out once from the ABI: viem's
// encodeFunctionData, decodeFunctionData and decodeFunctionResult search and format the whole ABI,
// and hash signatures, on every call, and a verification reads the registry a few times per bundle
// entry (src/chain/registry.ts encodes the reads, the light reader decodes the calls it proves).
import { type Abi, type AbiFunction, type Hex, toFunctionSelector } from "viem";
import { provenanceRegistryAbi } from "./registryArtifact.js";

export type RegistryFunction = { readonly item: AbiFunction; readonly selector: Hex };

let table: { readonly byName: ReadonlyMap<string, RegistryFunction>; readonly bySelector: ReadonlyMap<string, RegistryFunction> } | undefined;

function functions(): NonNullable<typeof table> {
  if (table === undefined) {
    const all = (provenanceRegistryAbi as Abi)
      .filter((item): item is AbiFunction => item.type === "function")
      .map((item): RegistryFunction => ({ item, selector: toFunctionSelector(item) }));
    // The ABI has no overloads, so a name decides (test/chain/registry-functions.test.ts).
    table = { byName: new Map(all.map((f) => [f.item.name, f])), bySelector: new Map(all.map((f) => [f.selector, f])) };
  }
  return table;
}

/** The registry function named `name` (a name the code chose: throws for one the ABI lacks). */
export function registryFunctionNamed(name: string): RegistryFunction {
  const found = functions().byName.get(name);
  if (found === undefined) throw new Error(`ProvenanceRegistry has no function ${name}`);
  return found;
}

/** The registry function whose selector starts `data` (call data, hostile), or undefined. */
export function registryFunctionOf(data: unknown): RegistryFunction | undefined {
  return typeof data === "string" ? functions().bySelector.get(data.slice(0, 10).toLowerCase()) : undefined;
}
