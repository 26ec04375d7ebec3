/**
 * Gas benchmark of ProvenanceRegistry on the in-process EDR network.
 *
 * Deploys the registry, registers two organisations, anchors 20 batches (10 per organisation, interleaved)
 * and prints the gas used per transaction (receipt `gasUsed`, which includes the 21,000 base cost) beside
 * the Ethereum Attestation Service figures we compare against.
 *
 * Run: `npx hardhat run bench/anchor-gas.ts`
 */
import { network } from "hardhat";
import { getContract, keccak256, toHex, type Hex } from "viem";
import { provenanceRegistryAbi } from "../src/chain/registryArtifact.js";

const BATCHES = 20;
const ORGS = 2;

/** EAS reference figures (mainnet EAS, one item per transaction). */
const EAS_TIMESTAMP_GAS = 45_869n;
const EAS_ATTEST_GAS = "146,000-180,000";

const { viem } = await network.create();
const publicClient = await viem.getPublicClient();
const [admin, orgAdmin, anchorer] = await viem.getWalletClients();
if (admin === undefined || orgAdmin === undefined || anchorer === undefined) throw new Error("need 3 accounts");

const { contract, deploymentTransaction } = await viem.sendDeploymentTransaction("ProvenanceRegistry", [admin.account.address]);
const deployment = await publicClient.waitForTransactionReceipt({ hash: deploymentTransaction.hash });
// Typed through the committed ABI (src/chain/registryArtifact.ts), checked against the build by a test.
const registry = getContract({ address: contract.address, abi: provenanceRegistryAbi, client: { public: publicClient, wallet: admin } });

async function gasOf(hash: Hex): Promise<bigint> {
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`transaction ${hash} reverted`);
  return receipt.gasUsed;
}

const registerGas: bigint[] = [];
for (let i = 0; i < ORGS; i++) {
  registerGas.push(
    await gasOf(await registry.write.registerOrganisation([`Organisation ${i + 1}`, orgAdmin.account.address, [anchorer.account.address]])),
  );
}

const firstAnchorGas: bigint[] = [];
const steadyAnchorGas: bigint[] = [];
for (let i = 0; i < BATCHES; i++) {
  const orgId = (i % ORGS) + 1;
  const root = keccak256(toHex(`bench root ${i}`));
  const metadataHash = keccak256(toHex(`bench metadata ${i}`));
  const leafCount = 1 + ((i * 37) % 1000);
  const gas = await gasOf(await registry.write.anchor([orgId, root, leafCount, metadataHash], { account: anchorer.account }));
  (i < ORGS ? firstAnchorGas : steadyAnchorGas).push(gas);
}

const all = [...firstAnchorGas, ...steadyAnchorGas];
const sorted = [...all].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
const median = sorted[Math.floor((sorted.length - 1) / 2)] ?? 0n;
const max = sorted[sorted.length - 1] ?? 0n;
const fmt = (n: bigint): string => n.toLocaleString("en-US");

const rows: Array<[string, string]> = [
  ["deployment (ProvenanceRegistry)", fmt(deployment.gasUsed)],
  ["registerOrganisation (1 admin, 1 anchorer), first", fmt(registerGas[0] ?? 0n)],
  ["registerOrganisation (1 admin, 1 anchorer), second", fmt(registerGas[1] ?? 0n)],
  ["anchor, first batch of an organisation", firstAnchorGas.map(fmt).join(" / ")],
  [`anchor, steady state (batches ${ORGS + 1}..${BATCHES})`, `min ${fmt(steadyAnchorGas.reduce((a, b) => (a < b ? a : b)))}, max ${fmt(steadyAnchorGas.reduce((a, b) => (a > b ? a : b)))}`],
  [`anchor, all ${BATCHES}: median`, fmt(median)],
  [`anchor, all ${BATCHES}: max`, fmt(max)],
  ["anchor budget", "60,000"],
  ["EAS timestamp(bytes32), for comparison", fmt(EAS_TIMESTAMP_GAS)],
  ["EAS attest(), per item, for comparison", EAS_ATTEST_GAS],
];
const width = Math.max(...rows.map(([label]) => label.length));
console.log(`\nProvenanceRegistry gas (transaction gasUsed, incl. 21,000 base; EDR, solc optimizer runs 10000)\n`);
for (const [label, value] of rows) console.log(`${label.padEnd(width)}  ${value}`);
console.log("");

if (max > 60_000n) {
  console.error(`anchor exceeded the 60,000 gas budget: ${fmt(max)}`);
  process.exitCode = 1;
}
