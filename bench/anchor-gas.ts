/**
 * Gas benchmark of ProvenanceRegistry on the in-process EDR network.
 *
 * Deploys the registry, registers two organisations, anchors 20 batches (10 per organisation, interleaved)
 * and prints the gas used per transaction (receipt `gasUsed`, which includes the 21,000 base cost) beside
 * the Ethereum Attestation Service figures we compare against. Runs once on the `cancun` hardfork (the
 * contracts' EVM target, what the Besu network runs) and once on EDR's default hardfork.
 *
 * Run: `npx hardhat run bench/anchor-gas.ts` (exits non-zero if an anchor exceeds the 60,000 gas budget).
 */
import { network } from "hardhat";
import { getContract, keccak256, toHex, type Hex } from "viem";
import { provenanceRegistryAbi } from "../src/chain/registryArtifact.js";

const BATCHES = 20;
const ORGS = 2;
const ANCHOR_GAS_BUDGET = 60_000n;

/** EAS reference figures (one item per transaction). */
const EAS_TIMESTAMP_GAS = 45_869n;
const EAS_ATTEST_GAS = "146,000-180,000";

type Measurement = {
  readonly hardfork: string;
  readonly deployment: bigint;
  readonly register: readonly bigint[];
  readonly firstAnchor: readonly bigint[];
  readonly steadyAnchor: readonly bigint[];
};

async function measure(hardfork: string | undefined): Promise<Measurement> {
  const connection = await network.create(hardfork === undefined ? undefined : { override: { hardfork } });
  const { viem } = connection;
  const publicClient = await viem.getPublicClient();
  const [admin, orgAdmin, anchorer] = await viem.getWalletClients();
  if (admin === undefined || orgAdmin === undefined || anchorer === undefined) throw new Error("need 3 accounts");

  const gasOf = async (hash: Hex): Promise<bigint> => {
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`transaction ${hash} reverted`);
    return receipt.gasUsed;
  };

  const { contract, deploymentTransaction } = await viem.sendDeploymentTransaction("ProvenanceRegistry", [admin.account.address]);
  const deployment = await gasOf(deploymentTransaction.hash);
  // Typed through the committed ABI (src/chain/registryArtifact.ts), checked against the build by a test.
  const registry = getContract({ address: contract.address, abi: provenanceRegistryAbi, client: { public: publicClient, wallet: admin } });

  const register: bigint[] = [];
  for (let i = 0; i < ORGS; i++) {
    register.push(await gasOf(await registry.write.registerOrganisation([`Organisation ${i + 1}`, orgAdmin.account.address, [anchorer.account.address]])));
  }

  const firstAnchor: bigint[] = [];
  const steadyAnchor: bigint[] = [];
  for (let i = 0; i < BATCHES; i++) {
    const orgId = (i % ORGS) + 1;
    const root = keccak256(toHex(`bench root ${i}`));
    const metadataHash = keccak256(toHex(`bench metadata ${i}`));
    const leafCount = 1 + ((i * 37) % 1000);
    const gas = await gasOf(await registry.write.anchor([orgId, root, leafCount, metadataHash], { account: anchorer.account }));
    (i < ORGS ? firstAnchor : steadyAnchor).push(gas);
  }
  await connection.close();
  return { hardfork: hardfork ?? `${connection.networkConfig.type === "edr-simulated" ? String(connection.networkConfig.hardfork) : "?"} (EDR default)`, deployment, register, firstAnchor, steadyAnchor };
}

const fmt = (n: bigint): string => n.toLocaleString("en-US");
const min = (xs: readonly bigint[]): bigint => xs.reduce((a, b) => (a < b ? a : b));
const max = (xs: readonly bigint[]): bigint => xs.reduce((a, b) => (a > b ? a : b));
const median = (xs: readonly bigint[]): bigint => {
  const sorted = [...xs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2n;
};

let overBudget = false;
for (const hardfork of ["cancun", undefined]) {
  const m = await measure(hardfork);
  const all = [...m.firstAnchor, ...m.steadyAnchor];
  overBudget ||= max(all) > ANCHOR_GAS_BUDGET;
  const rows: Array<[string, string]> = [
    ["deployment (ProvenanceRegistry)", fmt(m.deployment)],
    ["registerOrganisation (1 admin, 1 anchorer): first / second", m.register.map(fmt).join(" / ")],
    ["anchor: first batch of each organisation", m.firstAnchor.map(fmt).join(" / ")],
    [`anchor: steady state (batches ${ORGS + 1}..${BATCHES}) min / max`, `${fmt(min(m.steadyAnchor))} / ${fmt(max(m.steadyAnchor))}`],
    [`anchor: all ${BATCHES} median / max`, `${fmt(median(all))} / ${fmt(max(all))}`],
    ["anchor budget", fmt(ANCHOR_GAS_BUDGET)],
    ["EAS timestamp(bytes32), for comparison", fmt(EAS_TIMESTAMP_GAS)],
    ["EAS attest(), one item, for comparison", EAS_ATTEST_GAS],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  console.log(`\nProvenanceRegistry gas, hardfork ${m.hardfork} (receipt gasUsed incl. 21,000 base; solc 0.8.28, runs 10000)`);
  for (const [label, value] of rows) console.log(`  ${label.padEnd(width)}  ${value}`);
}
console.log("");
if (overBudget) {
  console.error(`an anchor exceeded the ${fmt(ANCHOR_GAS_BUDGET)} gas budget`);
  process.exitCode = 1;
}
