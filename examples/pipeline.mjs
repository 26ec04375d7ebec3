#!/usr/bin/env node
// Example: what a training job calls at each stage of its pipeline. Each call signs an in-toto
// attestation with the stage's key and stores it in the organisation's ledger; `anchor` seals and
// anchors what is pending. Settings come from the environment (or .env), like the CLI:
//   PROVENANCE_DATA_DIR, PROVENANCE_SIGNING_KEY (key file), PROVENANCE_RPC_URL, PROVENANCE_REGISTRY,
//   PROVENANCE_ORG, PROVENANCE_PRIVATE_KEY (anchorer account, for `anchor` only).
//
//   node examples/pipeline.mjs dataset  --params dataset.json    # { path, name, source, licence, personalData, accessEvents[] }
//   node examples/pipeline.mjs train    --params train.json      # { modelPath, name, datasets[], baseModel?, hyperparameters, builder, startedOn, finishedOn }
//                                                               # datasets[] and baseModel as the earlier stages printed them ({ name, sha256, entry }):
//                                                               # with `entry` the training run names each input's attestation (training-run v2)
//   node examples/pipeline.mjs evaluate --params eval.json       # { model, dataset, metrics[] }
//   node examples/pipeline.mjs approve  --params approval.json   # { model, approverName, role, policyId, decision? }  (signed with --key)
//   node examples/pipeline.mjs deploy   --params deploy.json     # { model, environment, target, deployer, approvalPolicy }
//   node examples/pipeline.mjs anchor
//   node examples/pipeline.mjs revoke   --params revoke.json     # { model, reason, description }: attest, anchor, and set on chain
//                                                               # (PROVENANCE_PRIVATE_KEY: the organisation admin), so every verifier sees it
//
// Each stage prints one JSON line: the entry ids it stored and, for dataset/train, the artifact
// ({ name, sha256, entry }) that later stages refer to.
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import "dotenv/config";
import { createPublicClient, createWalletClient, defineChain, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import {
  LedgerStore,
  anchorBatches,
  approveModel,
  collectDataset,
  fromViem,
  parseJson,
  parseKeyFile,
  publishRevocation,
  recordDeployment,
  recordEvaluation,
  recordTraining,
  revokeModel,
  sealBatch,
} from "provenance-ledger";

const { positionals, values } = parseArgs({ allowPositionals: true, options: { params: { type: "string" }, key: { type: "string" } } });
const stage = positionals[0];
const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`set ${name}`);
  return value;
};
const params = values.params ? parseJson(await readFile(values.params, "utf8"), values.params) : {};
const dates = (o, ...keys) => ({ ...o, ...Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, new Date(o[k])])) });
async function chainWriter() {
  const url = env("PROVENANCE_RPC_URL");
  const transport = http(url);
  const id = await createPublicClient({ transport }).getChainId();
  const chain = defineChain({ id, name: `chain ${id}`, nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [url] } } });
  return fromViem({
    publicClient: createPublicClient({ chain, transport }),
    walletClient: createWalletClient({ chain, transport, account: privateKeyToAccount(env("PROVENANCE_PRIVATE_KEY")) }),
  });
}
const store = LedgerStore.open(process.env.PROVENANCE_DATA_DIR ?? ".provenance");
try {
  const keyFile = async (file) => parseKeyFile(parseJson(await readFile(file, "utf8"), file), file);
  const context = stage === "anchor" ? undefined : { store, key: await keyFile(values.key ?? env("PROVENANCE_SIGNING_KEY")) };
  let result;
  switch (stage) {
    case "dataset":
      result = await collectDataset(context, { ...params, accessEvents: (params.accessEvents ?? []).map((e) => dates(e, "at")) });
      break;
    case "train":
      result = await recordTraining(context, dates(params, "startedOn", "finishedOn"));
      break;
    case "evaluate": {
      const { model, ...evaluation } = params;
      result = { entry: await recordEvaluation(context, model, dates(evaluation, "evaluatedAt")) };
      break;
    }
    case "approve": {
      // The approver signs with the key given by --key: theirs, not the pipeline's.
      const { model, ...approval } = params;
      result = { entry: await approveModel(context, model, { ...approval, key: context.key }) };
      break;
    }
    case "deploy": {
      const { model, ...deployment } = params;
      result = { entry: await recordDeployment(context, model, deployment) };
      break;
    }
    case "anchor": {
      const writer = await chainWriter();
      const sealed = sealBatch(store);
      const anchored = await anchorBatches(store, writer, { registry: env("PROVENANCE_REGISTRY"), orgId: Number(env("PROVENANCE_ORG")), confirmations: 1 });
      result = {
        sealed: sealed?.leafCount ?? 0,
        anchored: anchored.map((b) => ({ root: b.root, leafCount: b.leafCount, blockNumber: b.anchor?.blockNumber })),
      };
      break;
    }
    case "revoke": {
      const { model, ...revocation } = params;
      const entryHash = await revokeModel(context, model, dates(revocation, "revokedAt"));
      const published = await publishRevocation(store, await chainWriter(), {
        registry: env("PROVENANCE_REGISTRY"),
        orgId: Number(env("PROVENANCE_ORG")),
        entryHash,
        confirmations: 1,
      });
      result = {
        entry: entryHash,
        anchoredAt: published.anchoredAt,
        revokedOnChain: published.receipts.map((r) => ({ txHash: r.transactionHash, blockNumber: Number(r.blockNumber) })),
      };
      break;
    }
    default:
      throw new Error(`unknown stage "${stage}": dataset, train, evaluate, approve, deploy, anchor or revoke`);
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  store.close();
}
