/**
 * Gas benchmark of ProvenanceRegistry on the in-process EDR network.
 *
 * Deploys the registry, registers two organisations, anchors 20 batches (10 per organisation, interleaved),
 * revokes and reinstates a subject, and prints the gas used per transaction (receipt `gasUsed`, which includes
 * the 21,000 base cost) beside the figures of the previous registry (anchors keyed by root alone, no revocation
 * state; measured with this script on the same settings) and the Ethereum Attestation Service figures we compare
 * against. Runs once on the `cancun` hardfork (the
 * contracts' EVM target, what the Besu network runs) and once on EDR's default hardfork.
 *
 * Run: `npx hardhat run bench/anchor-gas.ts` (exits non-zero if an anchor exceeds the 60,000 gas budget).
 */
import { network } from "hardhat";
import { getContract, keccak256, toHex, type Hex } from "viem";
import { KEY_ALGORITHM_CODES, proveKeyPossession } from "../src/formats/attestation/keyPossession.js";
import { type KeyAlgorithm, generateKeyFile, onChainKeyId, onChainRole, signerFromKeyFile } from "../src/local/keys/keys.js";
import { provenanceRegistryAbi } from "../src/chain/registryArtifact.js";

const BATCHES = 20;
const ORGS = 2;
const ANCHOR_GAS_BUDGET = 60_000n;

/**
 * The registry before anchors were keyed by (organisation, root) (commit 53088fe, cancun, same script): the old
 * figure printed beside the new one.
 */
const BEFORE: Readonly<Record<string, string>> = {
  deployment: "1,777,105",
  register: "169,179 / 152,079",
  first: "56,190 / 56,190",
  steady: "58,448 / 58,472",
  all: "58,466 / 58,472",
};

/** EAS reference figures (one item per transaction). */
const EAS_TIMESTAMP_GAS = 45_869n;
const EAS_ATTEST_GAS = "146,000-180,000";

type Measurement = {
  readonly hardfork: string;
  readonly deployment: bigint;
  readonly register: readonly bigint[];
  readonly firstAnchor: readonly bigint[];
  readonly steadyAnchor: readonly bigint[];
  readonly revoke: bigint;
  readonly reinstate: bigint;
  readonly revokeAgain: bigint;
  /** Anchoring a root another organisation anchored first (keyed by organisation, so a fresh slot as usual). */
  readonly preAnchored: bigint;
  /** registerSigningKey with a role and its proof of possession, per algorithm; then revokeSigningKey. */
  readonly registerKey: Readonly<Record<KeyAlgorithm, bigint>>;
  readonly revokeKey: bigint;
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
  const subject = keccak256(toHex("bench subject"));
  const entry = keccak256(toHex("bench revocation entry"));
  const revoke = await gasOf(await registry.write.revokeSubject([1, subject, entry], { account: orgAdmin.account }));
  const reinstate = await gasOf(await registry.write.reinstateSubject([1, subject, entry], { account: orgAdmin.account }));
  const revokeAgain = await gasOf(await registry.write.revokeSubject([1, subject, entry], { account: orgAdmin.account }));
  // Organisation 2 anchors a root organisation 1 anchored first (the squatting case): a steady-state anchor.
  const preAnchored = await gasOf(await registry.write.anchor([2, keccak256(toHex("bench root 0")), 1, keccak256(toHex("m"))], { account: anchorer.account }));
  const chainId = await publicClient.getChainId();
  const registerKey = {} as Record<KeyAlgorithm, bigint>;
  for (const algorithm of ["secp256k1", "ed25519", "p256"] as const) {
    const key = generateKeyFile(algorithm);
    const role = onChainRole("approver");
    const p = await proveKeyPossession(signerFromKeyFile(key), { chainId, registry: contract.address, orgId: 1, role });
    registerKey[algorithm] = await gasOf(
      await registry.write.registerSigningKey([1, onChainKeyId(key.keyid), role, KEY_ALGORITHM_CODES[algorithm], p.publicKey, p.proof], {
        account: orgAdmin.account,
      }),
    );
  }
  const lastKey = generateKeyFile("ed25519");
  const lastProof = await proveKeyPossession(signerFromKeyFile(lastKey), { chainId, registry: contract.address, orgId: 1, role: onChainRole("approver") });
  await gasOf(
    await registry.write.registerSigningKey([1, onChainKeyId(lastKey.keyid), onChainRole("approver"), 2, lastProof.publicKey, lastProof.proof], {
      account: orgAdmin.account,
    }),
  );
  const revokeKey = await gasOf(await registry.write.revokeSigningKey([1, onChainKeyId(lastKey.keyid)], { account: orgAdmin.account }));
  await connection.close();
  return {
    registerKey,
    revokeKey,
    hardfork: hardfork ?? `${connection.networkConfig.type === "edr-simulated" ? String(connection.networkConfig.hardfork) : "?"} (EDR default)`,
    deployment,
    register,
    firstAnchor,
    steadyAnchor,
    revoke,
    reinstate,
    revokeAgain,
    preAnchored,
  };
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
  overBudget ||= max([...all, m.preAnchored]) > ANCHOR_GAS_BUDGET;
  const rows: Array<[string, string, string]> = [
    ["deployment (ProvenanceRegistry)", fmt(m.deployment), BEFORE.deployment!],
    ["registerOrganisation (1 admin, 1 anchorer): first / second", m.register.map(fmt).join(" / "), BEFORE.register!],
    ["anchor: first batch of each organisation", m.firstAnchor.map(fmt).join(" / "), BEFORE.first!],
    [`anchor: steady state (batches ${ORGS + 1}..${BATCHES}) min / max`, `${fmt(min(m.steadyAnchor))} / ${fmt(max(m.steadyAnchor))}`, BEFORE.steady!],
    [`anchor: all ${BATCHES} median / max`, `${fmt(median(all))} / ${fmt(max(all))}`, BEFORE.all!],
    ["anchor of a root another organisation anchored first", fmt(m.preAnchored), "reverted (RootAlreadyAnchored)"],
    ["revokeSubject: first / again after reinstateSubject", `${fmt(m.revoke)} / ${fmt(m.revokeAgain)}`, "-"],
    ["reinstateSubject", fmt(m.reinstate), "-"],
    [
      "registerSigningKey with a role and proof: secp256k1 / ed25519 / P-256",
      `${fmt(m.registerKey.secp256k1)} / ${fmt(m.registerKey.ed25519)} / ${fmt(m.registerKey.p256)}`,
      "73,878 (no proof)",
    ],
    ["revokeSigningKey", fmt(m.revokeKey), "31,526"],
    ["anchor budget", fmt(ANCHOR_GAS_BUDGET), fmt(ANCHOR_GAS_BUDGET)],
    ["EAS timestamp(bytes32), for comparison", fmt(EAS_TIMESTAMP_GAS), ""],
    ["EAS attest(), one item, for comparison", EAS_ATTEST_GAS, ""],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  const nowWidth = Math.max(...rows.map(([, now]) => now.length), 3);
  console.log(`\nProvenanceRegistry gas, hardfork ${m.hardfork} (receipt gasUsed incl. 21,000 base; solc 0.8.28, runs 10000)`);
  console.log(`  ${"".padEnd(width)}  ${"now".padStart(nowWidth)}  before (anchors keyed by root alone${hardfork === "cancun" ? "" : ", cancun"})`);
  for (const [label, now, before] of rows) console.log(`  ${label.padEnd(width)}  ${now.padStart(nowWidth)}  ${before}`);
}
console.log("");
if (overBudget) {
  console.error(`an anchor exceeded the ${fmt(ANCHOR_GAS_BUDGET)} gas budget`);
  process.exitCode = 1;
}
