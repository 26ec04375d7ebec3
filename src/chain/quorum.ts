// Quorum mode, for chains without QBFT validators to pin: every question goes to n independent
// nodes and an answer counts only when at least k of them gave it, the same JSON (keys sorted).
// The verifier then trusts that k of its n nodes do not lie together, not any one node. It is a
// transport combinator: the rpc reader and the light reader run over it unchanged.
import { LightClientError } from "../core/errors/lightClient.js";
import { BLOCK_TAG_POSITION, type Eip1193Request, READ_METHODS, pinBlockTags, sortedJson } from "./transport.js";

/** One of the independent nodes. `name` appears in errors and reports (give a redacted URL). */
export type QuorumEndpoint = { readonly name: string; readonly request: Eip1193Request };

export type QuorumRequestParameters = {
  readonly endpoints: readonly QuorumEndpoint[];
  /** k: how many endpoints must give the same answer (1 ≤ k ≤ n). */
  readonly quorum: number;
};

/** What the quorum saw so far: the pinned head and, per endpoint, how often it answered apart from the quorum or not at all. */
export type QuorumReport = {
  readonly quorum: number;
  readonly endpoints: readonly { readonly name: string; readonly dissents: number; readonly failures: number }[];
  /** The head every moving block tag was pinned to (`undefined` before the first question that needed it). */
  readonly head: bigint | undefined;
};

export type QuorumRequest = Eip1193Request & { report(): QuorumReport };

type Outcome = { readonly ok: true; readonly key: string; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

/**
 * A `request` that asks every endpoint and returns the answer at least `quorum` of them gave
 * identically. Refused with a `LightClientError`: `quorum-unavailable` when fewer than `quorum`
 * endpoints answered at all, `quorum-disagreement` when they answered but no single answer
 * reached `quorum` (or two different answers did). Moving block tags ("latest", …) are pinned to
 * one head, the highest block at least `quorum` endpoints report, fixed at the first question that
 * needs it: nodes a block apart still agree, and every later answer is about the same state.
 * Only reading methods pass.
 *
 * @example
 * import { http } from "viem";
 * import { quorumRequest } from "provenance-ledger/lightclient";
 * const request = quorumRequest({ quorum: 2, endpoints: urls.map((url) => ({ name: url, request: http(url)({}).request })) });
 * await request({ method: "eth_blockNumber" });
 */
export function quorumRequest(parameters: QuorumRequestParameters): QuorumRequest {
  const { endpoints, quorum } = parameters;
  if (endpoints.length === 0) throw new LightClientError("quorum-unavailable", "no endpoints given", { field: "quorum.endpoints" });
  if (!Number.isInteger(quorum) || quorum < 1 || quorum > endpoints.length)
    throw new LightClientError("quorum-unavailable", `must be an integer from 1 to the ${endpoints.length} endpoint(s) given, got ${quorum}`, {
      field: "quorum.quorum",
    });
  const dissents = endpoints.map(() => 0);
  const failures = endpoints.map(() => 0);
  let head: Promise<bigint> | undefined;
  let headValue: bigint | undefined;

  async function ask(method: string, params: readonly unknown[]): Promise<Outcome[]> {
    return Promise.all(
      endpoints.map(async (endpoint): Promise<Outcome> => {
        try {
          const value = await endpoint.request({ method, params });
          return { ok: true, key: sortedJson(value ?? null), value: value ?? null };
        } catch (error) {
          return { ok: false, error };
        }
      }),
    );
  }

  function decide(method: string, outcomes: readonly Outcome[]): unknown {
    const field = `quorum.${method}`;
    const answered = outcomes.filter((o) => o.ok).length;
    outcomes.forEach((o, i) => !o.ok && failures[i]!++);
    if (answered < quorum) {
      const why = outcomes.flatMap((o, i) => (o.ok ? [] : [`${endpoints[i]!.name}: ${messageOf(o.error)}`]));
      throw new LightClientError("quorum-unavailable", `${answered} of ${endpoints.length} endpoints answered, ${quorum} must agree`, {
        field,
        metaMessages: why,
      });
    }
    const counts = new Map<string, number>();
    for (const o of outcomes) if (o.ok) counts.set(o.key, (counts.get(o.key) ?? 0) + 1);
    const winners = [...counts].filter(([, count]) => count >= quorum);
    if (winners.length !== 1) {
      const tally = [...counts.values()].sort((a, b) => b - a).join(", ");
      const what =
        winners.length === 0
          ? `no answer was given by ${quorum} endpoints (answers grouped: ${tally})`
          : `${winners.length} different answers each reached ${quorum}`;
      throw new LightClientError("quorum-disagreement", `the endpoints disagree: ${what}`, {
        field,
        metaMessages: outcomes.map((o, i) => `${endpoints[i]!.name}: ${o.ok ? `answer ${[...counts.keys()].indexOf(o.key) + 1}` : "no answer"}`),
      });
    }
    const [key] = winners[0]!;
    outcomes.forEach((o, i) => o.ok && o.key !== key && dissents[i]!++);
    return outcomes.find((o): o is Extract<Outcome, { ok: true }> => o.ok && o.key === key)!.value;
  }

  /** The highest block at least `quorum` endpoints have: the k-th highest answer. */
  function pinnedHead(): Promise<bigint> {
    head ??= (async () => {
      const outcomes = await ask("eth_blockNumber", []);
      const numbers: bigint[] = [];
      outcomes.forEach((o, i) => {
        if (o.ok && typeof o.value === "string" && /^0x[0-9a-fA-F]{1,16}$/.test(o.value)) numbers.push(BigInt(o.value));
        else failures[i]!++;
      });
      if (numbers.length < quorum)
        throw new LightClientError("quorum-unavailable", `${numbers.length} of ${endpoints.length} endpoints reported a head, ${quorum} must`, {
          field: "quorum.eth_blockNumber",
        });
      headValue = numbers.sort((a, b) => (a > b ? -1 : a < b ? 1 : 0))[quorum - 1]!;
      return headValue;
    })();
    return head;
  }

  const request = async ({ method, params = [] }: { readonly method: string; readonly params?: readonly unknown[] | undefined }): Promise<unknown> => {
    if (!READ_METHODS.has(method)) throw new LightClientError("quorum-unavailable", "quorum mode only reads the chain", { field: `quorum.${method}` });
    if (method === "eth_blockNumber") return `0x${(await pinnedHead()).toString(16)}`;
    const pinned = BLOCK_TAG_POSITION[method] === undefined ? params : pinBlockTags(method, params, await pinnedHead());
    return decide(method, await ask(method, pinned));
  };
  return Object.assign(request, {
    report: (): QuorumReport => ({
      quorum,
      head: headValue,
      endpoints: endpoints.map((e, i) => ({ name: e.name, dissents: dissents[i]!, failures: failures[i]! })),
    }),
  });
}

function messageOf(error: unknown): string {
  const message = error instanceof Error ? ((error as { shortMessage?: string }).shortMessage ?? error.message) : String(error);
  return message.split("\n")[0]!.slice(0, 200);
}
