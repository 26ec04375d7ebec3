// Development and test only: a JSON-RPC front that presents a local chain (EDR or anvil) as a Besu
// QBFT chain, sealed by publicly known test keys (never a real chain's: anyone can seal with them).
// `provenance demo --trust-mode light` and the light-client tests run on it.
// Every header is rewritten into QBFT form (extraData [vanity, validators, vote, round, seals],
// QBFT mixHash and difficulty, a validator as coinbase) and sealed by test validator keys, and every
// block hash the front serves is the QBFT hash: in headers (hash, parentHash), receipts, logs,
// transactions, and as a block reference in eth_getProof, eth_call and friends. State, transactions,
// receipts and their roots are the upstream chain's, untouched, so state and receipt proofs verify
// against the rewritten headers. Validator sets: block-header mode with votes cast by the proposers
// of chosen blocks, or contract mode reading the set from a contract's storage at the parent block.
import { createServer, type Server } from "node:http";
import { bytesToHex, type Hex } from "../../verify/lightclient/bytes.js";
import { type BlockHeader, headerFromRpc, headerToRpc } from "../../verify/lightclient/header.js";
import { QBFT_MIX_HASH, qbftBlockHash, qbftQuorum } from "../../verify/lightclient/qbft.js";
import { QBFT_TRUST_FORMAT, type QbftTrust } from "../../verify/lightclient/trustFile.js";
import { type VoteTally, tallyAfterBlock, validatorContractSlots } from "../../verify/lightclient/validatorSet.js";
import { type TestValidator, qbftGenesisExtraData, sealQbftHeader } from "./sealer.js";

export type Upstream = (method: string, params: readonly unknown[]) => Promise<unknown>;

export type QbftTestNodeParameters = {
  readonly upstream: Upstream;
  readonly chainId: number;
  /** Recorded in the trust file the node hands out (the node itself does not care). */
  readonly registry: Hex;
  /** The genesis validator set (block-header mode), or the keys of whoever the contract lists (contract mode). */
  readonly validators: readonly TestValidator[];
  /** Every key the node may have to seal with (validators added later included). */
  readonly keyPool?: readonly TestValidator[] | undefined;
  readonly selection:
    | {
        readonly mode: "header";
        readonly epochLength?: number | undefined;
        readonly votes?: Readonly<Record<number, { readonly recipient: Hex; readonly add: boolean }>> | undefined;
      }
    | { readonly mode: "contract"; readonly contract: Hex; readonly validatorsSlot: Hex };
};

export type QbftTestNode = {
  /** One JSON-RPC call through the front (what a light client sees). */
  request: Upstream;
  /** The sealed header of block `n` (computing every earlier one first). */
  header(n: bigint): Promise<BlockHeader>;
  /** The set in force for block `n`, sorted. */
  validatorsFor(n: bigint): Promise<Hex[]>;
  /** A trust file pinning block `n` (default genesis), the set in force after it and the pending votes. */
  trustAt(n?: bigint): Promise<QbftTrust>;
  /** Serves the front over HTTP on a free loopback port; returns its URL. */
  listen(): Promise<string>;
  close(): Promise<void>;
};

type Computed = { header: BlockHeader; hash: Hex; upstreamHash: Hex; after: VoteTally };

/**
 * A QBFT front over `upstream`.
 *
 * @example
 * import { network } from "hardhat";
 * import { startQbftTestNode } from "./testNode.js";
 * const { provider } = await network.create();
 * const node = startQbftTestNode({ upstream: (method, params) => provider.request({ method, params: [...params] }), chainId: 31337, registry, validators, selection: { mode: "header" } });
 */
export function startQbftTestNode(parameters: QbftTestNodeParameters): QbftTestNode {
  const { upstream, selection } = parameters;
  const keys = new Map([...(parameters.keyPool ?? []), ...parameters.validators].map((v) => [v.address, v]));
  const genesisSet = parameters.validators.map((v) => v.address).sort();
  const computed: Computed[] = [];
  const numberByHash = new Map<Hex, number>();
  const numberByUpstreamHash = new Map<Hex, number>();
  let server: Server | undefined;
  let lock: Promise<unknown> = Promise.resolve();

  async function contractSet(n: bigint): Promise<Hex[]> {
    if (selection.mode !== "contract") throw new Error("not contract mode");
    const tag = `0x${n.toString(16)}`;
    const length = Number(BigInt((await upstream("eth_getStorageAt", [selection.contract, selection.validatorsSlot, tag])) as string));
    const slots = validatorContractSlots(selection.validatorsSlot, length).slice(1);
    const words = await Promise.all(slots.map((slot) => upstream("eth_getStorageAt", [selection.contract, slot, tag]) as Promise<string>));
    const set = words.map((w) => `0x${BigInt(w).toString(16).padStart(40, "0")}` as Hex).sort();
    // Before the contract holds a set (blocks before the one a verifier pins), the genesis keys seal.
    return set.length > 0 ? set : genesisSet;
  }

  async function compute(n: number): Promise<Computed> {
    const existing = computed[n];
    if (existing) return existing;
    if (n > 0 && !computed[n - 1]) await compute(n - 1);
    const raw = (await upstream("eth_getBlockByNumber", [`0x${n.toString(16)}`, false])) as Record<string, unknown> | null;
    if (raw === null) throw new Error(`upstream has no block ${n}`);
    const base = headerFromRpc(raw, `upstream block ${n}`);
    let header: BlockHeader;
    let after: VoteTally;
    if (n === 0) {
      const listed = selection.mode === "header" ? genesisSet : [];
      header = {
        ...base,
        coinbase: new Uint8Array(20),
        difficulty: 1n,
        nonce: new Uint8Array(8),
        mixHash: hexBytes(QBFT_MIX_HASH),
        extraData: qbftGenesisExtraData(listed),
      };
      after = { validators: selection.mode === "header" ? genesisSet : await contractSet(0n), votes: [] };
    } else {
      const parent = computed[n - 1]!;
      const inForce = parent.after.validators;
      const proposer = inForce[n % inForce.length]!;
      const vote = selection.mode === "header" ? selection.votes?.[n] : undefined;
      const quorum = qbftQuorum(inForce.length);
      const sealers = Array.from({ length: quorum }, (_, i) => inForce[(n + i) % inForce.length]!).map((address) => {
        const key = keys.get(address);
        if (!key) throw new Error(`the test node has no key for validator ${address}`);
        return key;
      });
      header = sealQbftHeader(
        { ...base, parentHash: hexBytes(parent.hash) },
        { listedValidators: selection.mode === "header" ? inForce : [], vote, round: n % 3 === 0 ? 1 : 0, sealers, proposer },
      );
      after =
        selection.mode === "header"
          ? tallyAfterBlock(parent.after, { number: BigInt(n), proposer, vote, epochLength: BigInt(selection.epochLength ?? 30000) })
          : { validators: await contractSet(BigInt(n)), votes: [] };
    }
    const entry: Computed = { header, hash: bytesToHex(qbftBlockHash(header)), upstreamHash: raw.hash as Hex, after };
    computed[n] = entry;
    numberByHash.set(entry.hash, n);
    numberByUpstreamHash.set(entry.upstreamHash.toLowerCase() as Hex, n);
    return entry;
  }

  /** Serialises header computation (it is sequential by nature). */
  function computeLocked(n: number): Promise<Computed> {
    const run = lock.then(() => compute(n));
    lock = run.catch(() => undefined);
    return run;
  }

  async function latestNumber(): Promise<number> {
    return Number(BigInt((await upstream("eth_blockNumber", [])) as string));
  }

  /** A block reference from the client (number, tag, QBFT hash or {blockHash}) as an upstream reference. */
  async function translateBlockRef(ref: unknown): Promise<unknown> {
    const hash =
      typeof ref === "string" && ref.length === 66
        ? ref
        : typeof ref === "object" && ref !== null && "blockHash" in ref
          ? (ref as { blockHash: string }).blockHash
          : undefined;
    if (hash === undefined) return ref;
    const n = await numberOfHash(hash.toLowerCase() as Hex);
    if (n === undefined) throw new Error(`unknown block hash ${hash}`);
    return `0x${n.toString(16)}`;
  }

  async function numberOfHash(hash: Hex): Promise<number | undefined> {
    if (!numberByHash.has(hash)) await computeLocked(await latestNumber());
    return numberByHash.get(hash);
  }

  /** Rewrites the blockHash of a receipt, log or transaction to the QBFT hash. */
  async function rewriteBlockHash<T>(value: T): Promise<T> {
    if (value === null || typeof value !== "object") return value;
    const record = { ...(value as Record<string, unknown>) };
    if (typeof record.blockNumber === "string") {
      const entry = await computeLocked(Number(BigInt(record.blockNumber)));
      if (typeof record.blockHash === "string") record.blockHash = entry.hash;
    }
    if (Array.isArray(record.logs)) record.logs = await Promise.all(record.logs.map(rewriteBlockHash));
    return record as T;
  }

  async function blockJson(entry: Computed, full: boolean): Promise<unknown> {
    const n = Number(entry.header.number);
    const raw = (await upstream("eth_getBlockByNumber", [`0x${n.toString(16)}`, full])) as Record<string, unknown>;
    const transactions = full ? await Promise.all((raw.transactions as unknown[]).map(rewriteBlockHash)) : raw.transactions;
    return { ...raw, ...headerToRpc(entry.header), hash: entry.hash, transactions };
  }

  const request: Upstream = async (method, params) => {
    switch (method) {
      case "eth_getBlockByNumber": {
        const [tag, full] = params as [string, boolean];
        const n = tag === "latest" || tag === "safe" || tag === "finalized" ? await latestNumber() : tag === "earliest" ? 0 : Number(BigInt(tag));
        if (n > (await latestNumber())) return null;
        return blockJson(await computeLocked(n), full);
      }
      case "eth_getBlockByHash": {
        const [hash, full] = params as [string, boolean];
        const n = await numberOfHash(hash.toLowerCase() as Hex);
        return n === undefined ? null : blockJson(await computeLocked(n), full);
      }
      case "eth_getTransactionReceipt":
      case "eth_getTransactionByHash":
        return rewriteBlockHash(await upstream(method, params));
      case "eth_getLogs": {
        const [filter] = params as [Record<string, unknown>];
        const upstreamFilter = { ...filter };
        if (typeof filter.blockHash === "string") {
          const n = await numberOfHash(filter.blockHash.toLowerCase() as Hex);
          if (n === undefined) return [];
          upstreamFilter.blockHash = computed[n]!.upstreamHash;
        }
        return Promise.all(((await upstream(method, [upstreamFilter])) as unknown[]).map(rewriteBlockHash));
      }
      case "eth_getProof":
        return upstream(method, [params[0], params[1], await translateBlockRef(params[2])]);
      case "eth_call":
      case "eth_getBalance":
      case "eth_getCode":
      case "eth_getTransactionCount":
        return upstream(method, [params[0], await translateBlockRef(params[1])]);
      case "eth_getStorageAt":
        return upstream(method, [params[0], params[1], await translateBlockRef(params[2])]);
      default:
        return upstream(method, params);
    }
  };

  return {
    request,
    header: async (n) => (await computeLocked(Number(n))).header,
    validatorsFor: async (n) => (n === 0n ? [...genesisSet] : [...(await computeLocked(Number(n) - 1)).after.validators]),
    trustAt: async (n = 0n) => {
      const genesis = await computeLocked(Number(n));
      return {
        format: QBFT_TRUST_FORMAT,
        chainId: parameters.chainId,
        registry: parameters.registry.toLowerCase() as Hex,
        validatorSelection:
          selection.mode === "header"
            ? { mode: "header", epochLength: selection.epochLength ?? 30000 }
            : { mode: "contract", contract: selection.contract.toLowerCase() as Hex, validatorsSlot: selection.validatorsSlot },
        block: { number: Number(n), hash: genesis.hash, timestamp: Number(genesis.header.timestamp) },
        validators: genesis.after.validators,
        votes: genesis.after.votes,
      };
    },
    listen: () =>
      new Promise((resolve, reject) => {
        server = createServer((req, res) => {
          const chunks: Buffer[] = [];
          req.on("data", (c: Buffer) => chunks.push(c));
          req.on("end", () => {
            void (async () => {
              let id: unknown = null;
              try {
                const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { id: unknown; method: string; params?: unknown[] };
                id = body.id;
                const result = await request(body.method, body.params ?? []);
                res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ jsonrpc: "2.0", id, result }));
              } catch (error) {
                res
                  .writeHead(200, { "content-type": "application/json" })
                  .end(JSON.stringify({ jsonrpc: "2.0", id, error: { code: -32000, message: error instanceof Error ? error.message : String(error) } }));
              }
            })();
          });
        });
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
          const address = server!.address();
          if (typeof address === "object" && address !== null) resolve(`http://127.0.0.1:${address.port}`);
          else reject(new Error("no port"));
        });
      }),
    close: () => new Promise((resolve) => (server ? server.close(() => resolve()) : resolve())),
  };
}

function hexBytes(hex: string): Uint8Array {
  const out = new Uint8Array((hex.length - 2) / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 + 2 * i, 4 + 2 * i), 16);
  return out;
}
