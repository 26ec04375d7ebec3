// The light-mode chain reader: a ChainReader whose every answer is proven against QBFT headers it
// verified from a pinned validator set, never taken from the node. The node is reached only through
// one JSON-RPC transport function (a live node, or recorded answers replayed offline).
//
// Why a ChainReader and not a narrower port: the verifiers (verifyReceipt, verifyAttestation,
// verifyBundle) stay exactly as they are, so every check they make runs the same in every trust mode,
// and no second verification path can drift. The reader answers only what the verifiers ask and
// refuses the rest by name (`unprovable`): `call` of the registry's four view functions a verdict
// uses (anchorOf, organisation, signingKey, revocationOf: storage proofs at the verified head), and
// `getLogs` of a single block (complete: the block's whole receipts trie is rebuilt and must match
// its verified receiptsRoot). The proving itself is pure and lives beside this file in
// src/verify/lightclient/ (walk.ts, stateProof.ts's verifyGetProof, registryFacts.ts,
// receiptProof.ts's verifyReceiptProof); this file only fetches and assembles.
//
// Not proven: a receipt's `from`, `to` and `contractAddress` (read by no verifier), and the
// transaction hash at an index (the transactions trie is not rebuilt): the anchoring transaction's
// hash a verdict prints is as the node (or the offline kit) reported it, and the CLI says so
// (`txHashTrust` in src/cli/pins.ts). What is proven is the receipt at that index of the verified
// block: status, gas and every log. The block's hash list is only checked for consistency: no hash
// twice, and one receipt per hash at the hash's own index (so its length is the proven receipt count).
import { type Abi, decodeAbiParameters, encodeAbiParameters, encodeErrorResult } from "viem";
import { ChainError } from "../../core/errors/chain.js";
import { LightClientError } from "../../core/errors/lightClient.js";
import type { Hex } from "../../core/hex.js";
import { bytesEqual, bytesToHex, hexToBytes, keccak256 } from "./bytes.js";
import { type BlockHeader as QbftHeader, headerFromRpc, parseQuantity } from "./header.js";
import { qbftBlockHash } from "./qbft.js";
import { type ProvenReceipt, buildReceiptsTrie, receiptFromRpc, receiptKey, verifyReceiptProof } from "./receiptProof.js";
import * as facts from "./registryFacts.js";
import { type ProvenAccount, verifyGetProof } from "./stateProof.js";
import { type JsonRpcRequest, syncQbftHeaders } from "./syncQbft.js";
import type { TrustedBlockRoots } from "./walk.js";
import type { QbftTrust } from "./trustFile.js";
import { provenanceRegistryAbi, provenanceRegistryDeployedBytecode } from "../../chain/registryArtifact.js";
import { registryFunctionOf } from "../../chain/registryFunctions.js";
import type { JsonRpcTransport, TrustReport, TrustedChainReader } from "../../chain/trustMode.js";
import type { BlockHeader, LogEntry, LogFilter, TransactionReceipt } from "../../chain/types.js";

const abi = provenanceRegistryAbi as Abi;
/** The storage layout the proofs read is ProvenanceRegistry's: the pinned address must hold exactly its code. */
export const REGISTRY_CODE_HASH: Hex = bytesToHex(
  keccak256(hexToBytes(provenanceRegistryDeployedBytecode, "registry-code", "provenanceRegistryDeployedBytecode")),
);

/**
 * Every released build of ProvenanceRegistry with this storage layout, by runtime code hash: this
 * build's, and earlier builds of the same source whose bytecode differs only in the compiler's
 * metadata (the Solidity files were reformatted, which changes the metadata hash). A registry
 * deployed from an earlier release stays provable; a new entry needs the same layout.
 */
export const REGISTRY_CODE_HASHES: ReadonlySet<Hex> = new Set([
  REGISTRY_CODE_HASH,
  // Before the Solidity sources were formatted with Prettier (same source, same layout).
  "0x278a95a594b528f93da1f707b002a37d0e3d55bf3ab4e93deec2d9cf983a7779",
]);

/** The verifier's own pins for a light reader, online or offline (never taken from the node or a bundle). */
export type LightTrustParameters = {
  /** The pinned starting point (`provenance-qbft-trust-v1`): chain ID, registry, validators, the block they apply from. */
  readonly trust: QbftTrust;
  /** A saved checkpoint of the same trust to resume from (skips re-walking the headers before it). */
  readonly checkpoint?: QbftTrust | undefined;
  /** Where the validator set came from, for the verdict (a file path, "embedded in trust file …"). */
  readonly validatorsSource?: string | undefined;
};

export type LightChainReaderParameters = LightTrustParameters & {
  /** The only way to the node. */
  readonly transport: JsonRpcTransport;
  /** What the transport is, for the verdict (a redacted URL, "recorded proofs"): used only as a transport. */
  readonly node?: string | undefined;
  /** The head to verify (default: the node's latest block). An offline kit replays up to its recorded head. */
  readonly toBlock?: bigint | undefined;
};

/** A light reader, with the verified head and the checkpoint after it. */
export interface LightChainReader extends TrustedChainReader {
  readonly trustMode: "light";
  /** Walks and verifies the headers from the checkpoint to the head (once); resolves to the head. */
  verifiedHead(): Promise<{ readonly number: bigint; readonly hash: Hex; readonly timestamp: bigint }>;
  /** The checkpoint after the verified head (save it with `serializeQbftTrust` to resume next time). */
  checkpoint(): Promise<QbftTrust>;
}

/** A header the reader trusts: seal-verified by the walk, or hash-linked back from a verified one. */
type KnownBlock = TrustedBlockRoots & { readonly parentHash: Hex };
type Synced = { readonly head: KnownBlock; readonly checkpoint: QbftTrust; readonly headValidators: readonly Hex[]; readonly walked: number };
type ProvenBlockReceipts = { readonly receipts: readonly ProvenReceipt[]; readonly hashes: readonly Hex[] };

const quantity = (n: bigint): Hex => `0x${n.toString(16)}`;

/**
 * A block's transaction hashes as the node listed them, against the receipts it gave for each: no
 * hash twice (case-insensitive), and the receipt given for the hash at position i says it is
 * transaction i. Consistency, not proof: which hash labels which (proven) receipt is still the
 * node's word, since the transactions trie is not rebuilt. The list's length needs no check of its
 * own: the receipts trie is rebuilt from one receipt per listed hash and must match the verified
 * receiptsRoot, so the length is the proven receipt count.
 */
function checkTransactionList(hashes: readonly string[], receipts: readonly { readonly transactionIndex: number }[], field: string): void {
  const seen = new Map<string, number>();
  hashes.forEach((h, i) => {
    const first = seen.get(h.toLowerCase());
    if (first !== undefined) throw new LightClientError("receipt-proof", `lists transaction ${h} twice (at ${first} and ${i})`, { field });
    seen.set(h.toLowerCase(), i);
    if (receipts[i]!.transactionIndex !== i)
      throw new LightClientError("receipt-proof", `lists transaction ${h} at index ${i}, but its receipt says index ${receipts[i]!.transactionIndex}`, {
        field,
      });
  });
}

/**
 * A `ChainReader` for light mode: proves every answer against QBFT headers verified from `trust`.
 * Refusals are `LightClientError`s naming the check (`commit-seal`, `storage-proof`, `receipt-proof`,
 * `parent-hash`, `registry-code`, `unprovable`, …); a transport failure propagates as it is.
 *
 * @example
 * import { createLightChainReader, httpTransport, parseQbftTrust, verifyBundle } from "provenance-ledger";
 * const chain = createLightChainReader({ transport: httpTransport(url, 10_000), trust: parseQbftTrust(json) });
 * const result = await verifyBundle({ bundle, chain, chainId: trust.chainId, registry: trust.registry });
 * console.log((await chain.trustReport()).head);
 */
export function createLightChainReader(parameters: LightChainReaderParameters): LightChainReader {
  const { transport, trust } = parameters;
  const registry = trust.registry.toLowerCase() as Hex;
  const request: JsonRpcRequest = (method, params) => transport({ method, params });
  const known = new Map<bigint, KnownBlock>();
  const blockReceipts = new Map<bigint, Promise<ProvenBlockReceipts>>();
  let lowest: KnownBlock | undefined;
  let synced: Promise<Synced> | undefined;
  let backward: Promise<unknown> = Promise.resolve();

  async function fetchHeader(n: bigint, field: string): Promise<QbftHeader> {
    const json = await request("eth_getBlockByNumber", [quantity(n), false]);
    if (json === null || json === undefined) throw new LightClientError("header", `the node has no block ${n}`, { field });
    return headerFromRpc(json, field);
  }
  const knownOf = (header: QbftHeader, hash: Hex): KnownBlock => ({
    number: header.number,
    hash,
    parentHash: bytesToHex(header.parentHash),
    timestamp: header.timestamp,
    stateRoot: header.stateRoot,
    receiptsRoot: header.receiptsRoot,
  });

  function sync(): Promise<Synced> {
    synced ??= (async () => {
      const start = parameters.checkpoint ?? trust;
      if (parameters.checkpoint !== undefined) checkCheckpoint(trust, parameters.checkpoint);
      const startNumber = BigInt(start.block.number);
      if (parameters.toBlock !== undefined && parameters.toBlock < startNumber)
        throw new LightClientError("checkpoint", `the head to verify (${parameters.toBlock}) is before the checkpoint (${startNumber})`, { field: "toBlock" });
      // The starting block is pinned by its hash: its header (and so its roots) is trusted once it hashes to it.
      const startHeader = await fetchHeader(startNumber, `block ${startNumber}`);
      const startHash = bytesToHex(qbftBlockHash(startHeader));
      if (startHash !== start.block.hash)
        throw new LightClientError("checkpoint", `block ${startNumber} hashes to ${startHash}, not the pinned ${start.block.hash}`, {
          field: "trust.block.hash",
        });
      lowest = knownOf(startHeader, startHash);
      known.set(startNumber, lowest);
      const { checkpoint, blocks } = await syncQbftHeaders(start, request, { toBlock: parameters.toBlock });
      let head = lowest;
      let headValidators = start.validators;
      for (const b of blocks) {
        const previous = known.get(b.number - 1n)!;
        head = { number: b.number, hash: b.hash, parentHash: previous.hash, timestamp: b.timestamp, stateRoot: b.stateRoot, receiptsRoot: b.receiptsRoot };
        headValidators = b.validators;
        known.set(b.number, head);
      }
      return { head, checkpoint, headValidators, walked: blocks.length };
    })();
    return synced;
  }

  /** A trusted header of block `n` (null beyond the verified head); blocks before the checkpoint are followed back by parent hash. */
  async function blockAt(n: bigint): Promise<KnownBlock | null> {
    const { head } = await sync();
    if (n < 0n || n > head.number) return null;
    const run = backward.then(async () => {
      while (!known.has(n)) {
        const child = lowest!;
        const header = await fetchHeader(child.number - 1n, `block ${child.number - 1n}`);
        const hash = bytesToHex(qbftBlockHash(header));
        if (hash !== child.parentHash)
          throw new LightClientError(
            "parent-hash",
            `block ${header.number} hashes to ${hash}, but the verified block ${child.number} names parent ${child.parentHash}`,
            { field: `block ${header.number}` },
          );
        if (header.number !== child.number - 1n)
          throw new LightClientError("block-number", `is ${header.number}, expected ${child.number - 1n}`, { field: `block ${child.number - 1n}.number` });
        lowest = knownOf(header, hash);
        known.set(lowest.number, lowest);
      }
    });
    backward = run.catch(() => undefined);
    await run;
    return known.get(n)!;
  }

  /** The registry's storage words at the verified head, proven. */
  async function proveSlots(slots: readonly Hex[]): Promise<ReadonlyMap<Hex, Uint8Array>> {
    const { head } = await sync();
    const unique = [...new Set(slots)];
    const answer = await request("eth_getProof", [registry, unique, quantity(head.number)]);
    const field = `eth_getProof(registry, block ${head.number})`;
    // The account first: storage is only read once the code (and so the layout) is ProvenanceRegistry's.
    // The account proof is checked once, by verifyGetProof, which hands the proven account to this check.
    const checkCode = (account: ProvenAccount): void => {
      if (!REGISTRY_CODE_HASHES.has(bytesToHex(account.codeHash)))
        throw new LightClientError(
          "registry-code",
          `the pinned registry ${registry} holds code ${bytesToHex(account.codeHash)} at block ${head.number}, not a known build of ProvenanceRegistry (this one: ${REGISTRY_CODE_HASH}): its storage layout is unknown`,
          { field: "registry" },
        );
    };
    return verifyGetProof(head.stateRoot, registry, unique, answer, field, checkCode).storage;
  }

  /** Every receipt of a verified block, proven: the node's receipts must rebuild the block's receiptsRoot. */
  function receiptsOf(block: KnownBlock): Promise<ProvenBlockReceipts> {
    let cached = blockReceipts.get(block.number);
    if (cached === undefined) {
      cached = (async () => {
        const json = (await request("eth_getBlockByNumber", [quantity(block.number), false])) as { transactions?: unknown } | null;
        const hashes = json?.transactions;
        if (!Array.isArray(hashes) || hashes.some((h) => typeof h !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(h)))
          throw new LightClientError("receipt-proof", "expected the block's transaction hashes (32-byte hex each)", {
            field: `block ${block.number}.transactions`,
          });
        const fromNode = await Promise.all(
          hashes.map(async (h, i) => receiptFromRpc(await request("eth_getTransactionReceipt", [h]), `block ${block.number} receipts[${i}]`)),
        );
        checkTransactionList(hashes as string[], fromNode, `block ${block.number}.transactions`);
        const trie = buildReceiptsTrie(fromNode);
        if (!bytesEqual(trie.root, block.receiptsRoot))
          throw new LightClientError(
            "receipt-proof",
            `the node's receipts of block ${block.number} rebuild root ${bytesToHex(trie.root)}, but the verified header's receiptsRoot is ${bytesToHex(block.receiptsRoot)}`,
            {
              field: `block ${block.number}.receipts`,
            },
          );
        // Each receipt is then read back through the verifier, from its proof against the verified root.
        const receipts = fromNode.map((_, i) =>
          verifyReceiptProof(block.receiptsRoot, { transactionIndex: i, proof: trie.proof(receiptKey(i)) }, `block ${block.number} receipts[${i}]`),
        );
        return { receipts, hashes: hashes.map((h) => (h as string).toLowerCase() as Hex) };
      })();
      blockReceipts.set(block.number, cached);
    }
    return cached;
  }

  const logsOf = (block: KnownBlock, receipt: ProvenReceipt, transactionHash: Hex): LogEntry[] =>
    receipt.logs.map((log) => ({
      address: log.address,
      topics: log.topics,
      data: log.data,
      blockNumber: block.number,
      blockHash: block.hash,
      transactionHash,
    }));

  // The head is verified once per reader, so a call has one proven answer: prove each call once (a
  // bundle asks anchorOf, organisation and signingKey once per entry, mostly the same questions).
  const calls = new Map<string, Promise<Hex>>();
  function call(args: { readonly to: Hex; readonly data: Hex }): Promise<Hex> {
    const key = `${args.to.toLowerCase()} ${args.data.toLowerCase()}`;
    let cached = calls.get(key);
    if (cached === undefined) {
      cached = proveCall(args);
      calls.set(key, cached);
      // A refusal is not remembered: asking again asks the node again.
      cached.catch(() => calls.delete(key));
    }
    return cached;
  }

  async function proveCall({ to, data }: { readonly to: Hex; readonly data: Hex }): Promise<Hex> {
    if (to.toLowerCase() !== registry)
      throw new LightClientError("unprovable", `light mode proves the pinned registry's storage only, not a call to ${to}`, { field: "call.to" });
    const fn = registryFunctionOf(data)?.item;
    let args: readonly unknown[];
    try {
      if (fn === undefined) throw new Error(`no function of the registry has selector ${String(data).slice(0, 10)}`);
      args = decodeAbiParameters(fn.inputs, `0x${data.slice(10)}`);
    } catch (cause) {
      throw new LightClientError("unprovable", "not a call of the registry's ABI", { field: "call.data", cause });
    }
    const encodeFunctionResult = (result: unknown): Hex => encodeAbiParameters(fn.outputs, (fn.outputs.length === 1 ? [result] : result) as never);
    switch (fn.name) {
      case "anchorOf": {
        const [orgId, root] = args as [number, Hex];
        const a = facts.provenAnchor(await proveSlots(facts.anchorSlots(orgId, root)), orgId, root);
        return encodeFunctionResult({
          orgId: a.orgId,
          sequence: a.sequence,
          blockNumber: Number(a.blockNumber),
          timestamp: Number(a.timestamp),
          leafCount: a.leafCount,
        });
      }
      case "signingKey": {
        const [orgId, keyId] = args as [number, Hex];
        const k = facts.provenSigningKey(await proveSlots(facts.signingKeySlots(orgId, keyId)), orgId, keyId);
        return encodeFunctionResult([k.role, k.algorithm, k.registeredAt, k.revokedAt, k.possessionHash]);
      }
      case "revocationOf": {
        const [orgId, subject] = args as [number, Hex];
        const r = facts.provenRevocation(await proveSlots(facts.revocationSlots(orgId, subject)), orgId, subject);
        return encodeFunctionResult([r.revoked, r.changedAt, r.entryHash]);
      }
      case "organisation": {
        const [orgId] = args as [number];
        const first = await proveSlots(facts.organisationSlots(orgId));
        const more = facts.organisationDataSlots(first, orgId);
        const words = more.length ? await proveSlots([...facts.organisationSlots(orgId), ...more]) : first;
        const org = facts.provenOrganisation(words, orgId);
        if (org === null)
          throw new ChainError("CONTRACT_REVERTED", `organisation ${orgId} is not registered (proven)`, {
            revertName: "ProvenanceRegistryUnknownOrganisation",
            revertData: encodeErrorResult({ abi, errorName: "ProvenanceRegistryUnknownOrganisation", args: [orgId] } as never),
          });
        return encodeFunctionResult([org.name, org.headRoot, org.batchCount]);
      }
      default:
        throw new LightClientError("unprovable", `light mode does not prove ${fn.name}()`, { field: "call.data" });
    }
  }

  async function getLogs(filter: LogFilter): Promise<readonly LogEntry[]> {
    // Only one block's logs can be proven complete (its whole receipts trie); a range could hide logs.
    if (filter.toBlock === "latest" || filter.fromBlock !== filter.toBlock)
      throw new LightClientError("unprovable", "light mode proves the logs of a single block (fromBlock = toBlock), not a range", { field: "getLogs" });
    const block = await blockAt(filter.fromBlock);
    if (block === null) return [];
    const { receipts, hashes } = await receiptsOf(block);
    return receipts
      .flatMap((r, i) => logsOf(block, r, hashes[i]!))
      .filter(
        (log) => log.address === filter.address.toLowerCase() && filter.topics.every((t, i) => t === null || log.topics[i]?.toLowerCase() === t.toLowerCase()),
      );
  }

  async function getTransactionReceipt(hash: Hex): Promise<TransactionReceipt | null> {
    const json = (await request("eth_getTransactionReceipt", [hash])) as Record<string, unknown> | null;
    if (json === null || json === undefined || json.blockNumber === null || json.blockNumber === undefined) return null;
    // Where the node says the transaction is; then only what the verified block proves is returned.
    const at = receiptFromRpc(json, "eth_getTransactionReceipt");
    const block = await blockAt(parseQuantity(json.blockNumber, "eth_getTransactionReceipt.blockNumber", "receipt-proof"));
    if (block === null) return null;
    const { receipts, hashes } = await receiptsOf(block);
    if (hashes[at.transactionIndex] !== hash.toLowerCase())
      throw new LightClientError(
        "receipt-proof",
        `the node places transaction ${hash} at index ${at.transactionIndex} of block ${block.number}, whose transaction there is ${hashes[at.transactionIndex] ?? "missing"}`,
        {
          field: "eth_getTransactionReceipt.transactionIndex",
        },
      );
    const proven = receipts[at.transactionIndex]!;
    const previous = at.transactionIndex > 0 ? receipts[at.transactionIndex - 1]!.cumulativeGasUsed : 0n;
    const address = (v: unknown): Hex | null => (typeof v === "string" && /^0x[0-9a-fA-F]{40}$/.test(v) ? (v.toLowerCase() as Hex) : null);
    return {
      transactionHash: hash.toLowerCase() as Hex,
      status: proven.status === 1 ? "success" : "reverted",
      blockNumber: block.number,
      blockHash: block.hash,
      // Not proven (no verifier reads them): as the node reported them.
      from: address(json.from) ?? (`0x${"0".repeat(40)}` as Hex),
      to: address(json.to),
      contractAddress: address(json.contractAddress),
      gasUsed: proven.cumulativeGasUsed - previous,
      logs: logsOf(block, proven, hash.toLowerCase() as Hex),
    };
  }

  return {
    trustMode: "light",
    getChainId: async () => trust.chainId,
    getBlockNumber: async () => (await sync()).head.number,
    getBlock: async (n): Promise<BlockHeader | null> => {
      const b = await blockAt(n);
      return b && { number: b.number, hash: b.hash, timestamp: b.timestamp };
    },
    getTransactionReceipt,
    call,
    getLogs,
    verifiedHead: async () => {
      const { head } = await sync();
      return { number: head.number, hash: head.hash, timestamp: head.timestamp };
    },
    checkpoint: async () => (await sync()).checkpoint,
    trustReport: async (): Promise<TrustReport> => {
      const { head, headValidators, walked } = await sync();
      const start = parameters.checkpoint ?? trust;
      return {
        trustMode: "light",
        node: parameters.node ?? "a JSON-RPC transport",
        chainId: trust.chainId,
        registry,
        validatorSelection: trust.validatorSelection,
        validators: trust.validators,
        validatorsSource: parameters.validatorsSource ?? "given by the caller",
        pinnedBlock: { number: trust.block.number, hash: trust.block.hash },
        checkpoint: {
          number: start.block.number,
          hash: start.block.hash,
          validators: start.validators,
          from: parameters.checkpoint === undefined ? "trust-file" : "checkpoint",
        },
        head: { number: Number(head.number), hash: head.hash, timestamp: Number(head.timestamp), validators: headValidators },
        headersVerified: walked,
      };
    },
  };
}

/** Pending votes in one order (by recipient), to compare two states' votes as sets. */
const votesInOrder = (votes: QbftTrust["votes"]) => [...votes].sort((a, b) => (a.recipient < b.recipient ? -1 : a.recipient > b.recipient ? 1 : 0));

/**
 * A checkpoint must continue the pinned trust: same chain, registry and selection, not before the
 * pinned block, and at the pinned block itself the pinned state exactly (its hash, validators and
 * pending votes: one block has one hash and one set after it, so a checkpoint there that differs is
 * not a continuation but a replacement of the pin). Refused with `checkpoint`, naming the field.
 */
export function checkCheckpoint(trust: QbftTrust, checkpoint: QbftTrust): void {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  if (checkpoint.chainId !== trust.chainId)
    throw new LightClientError("checkpoint", `is for chain ${checkpoint.chainId}, the trust file for ${trust.chainId}`, { field: "checkpoint.chainId" });
  if (checkpoint.registry !== trust.registry)
    throw new LightClientError("checkpoint", `is for registry ${checkpoint.registry}, the trust file for ${trust.registry}`, { field: "checkpoint.registry" });
  if (!same(checkpoint.validatorSelection, trust.validatorSelection))
    throw new LightClientError("checkpoint", "has another validator selection than the trust file", { field: "checkpoint.validatorSelection" });
  if (checkpoint.block.number < trust.block.number)
    throw new LightClientError("checkpoint", `block ${checkpoint.block.number} is before the pinned block ${trust.block.number}`, {
      field: "checkpoint.block.number",
    });
  if (checkpoint.block.number === trust.block.number) {
    const at = `is at the pinned block ${trust.block.number}, so it must be the trust file's state there`;
    if (checkpoint.block.hash !== trust.block.hash)
      throw new LightClientError("checkpoint", `${at}: it names hash ${checkpoint.block.hash}, the trust file ${trust.block.hash}`, {
        field: "checkpoint.block.hash",
      });
    if (!same(checkpoint.validators, trust.validators))
      throw new LightClientError(
        "checkpoint",
        `${at}: it names ${checkpoint.validators.length} validator(s) (${checkpoint.validators.join(", ")}), the trust file ${trust.validators.length} (${trust.validators.join(", ")})`,
        { field: "checkpoint.validators" },
      );
    if (!same(votesInOrder(checkpoint.votes), votesInOrder(trust.votes)))
      throw new LightClientError("checkpoint", `${at}: its pending votes are not the trust file's`, { field: "checkpoint.votes" });
  }
}
