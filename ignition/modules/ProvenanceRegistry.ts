import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/**
 * Deploys ProvenanceRegistry. The registry admin (`DEFAULT_ADMIN_ROLE`, who registers organisations) is the
 * deploying account unless the `admin` parameter overrides it.
 *
 * @example
 * // local, in-process chain
 * npx hardhat ignition deploy ignition/modules/ProvenanceRegistry.ts
 * // Besu, with a separate admin (e.g. a multisig or an offline key):
 * // ignition/parameters.json: { "ProvenanceRegistryModule": { "admin": "0x…" } }
 * npx hardhat ignition deploy ignition/modules/ProvenanceRegistry.ts --network besu --parameters ignition/parameters.json
 */
export default buildModule("ProvenanceRegistryModule", (m) => {
  const admin = m.getParameter("admin", m.getAccount(0));
  const registry = m.contract("ProvenanceRegistry", [admin]);
  return { registry };
});
