// A load generator for the service's ingest API, as a client that must not lose anything would
// be written: every entry carries an idempotency key, and a request that got no answer (the
// connection refused or reset: the service died) or a 503 is sent again, with the same key and
// the same entry, until it is acknowledged (2xx). Every acknowledgement is kept.
//
// As a module (tests): startEntryLoad(). As a process (benchmarks, a client apart from the
// service): node --import tsx test/helpers/entryLoad.ts '<EntryLoadParameters & { durationMs }> as JSON'
// runs for durationMs, then prints an EntryLoadSummary as one JSON line on stdout.
import { randomBytes } from "node:crypto";
import { Agent, request } from "node:http";
import { pathToFileURL } from "node:url";
import type { Hex } from "../../src/core/hex.js";
import { type ProvenanceRecord, RECORD_FORMAT, recordHash } from "../../src/formats/record.js";

export type EntryLoadParameters = {
  /** The service, `http://host:port`. */
  readonly url: string;
  readonly token: string;
  /** Requests in flight (one worker each, on keep-alive connections). */
  readonly concurrency: number;
  /** 1: `POST /v1/entries` with an Idempotency-Key header; more: `POST /v1/entries:batch` with a key per entry. */
  readonly entriesPerRequest?: number | undefined;
  /** Each worker waits about this long (±50 %, so workers do not move in step) after an acknowledged request (default 0: as fast as answers come). */
  readonly pauseMs?: number | undefined;
  /** Wait about this long (±50 %) before sending an unanswered or 503 request again (default 50 ms). */
  readonly retryDelayMs?: number | undefined;
  /** Compute each entry's id here and check the service answered it (default true). */
  readonly checkIds?: boolean | undefined;
  /** Keep every acknowledgement in `acknowledged` (default true). */
  readonly keepAcknowledged?: boolean | undefined;
  /** Subject name of the records (default `load/<random>`). */
  readonly name?: string | undefined;
};

/** One acknowledged entry: what the service answered, and after how many sends. */
export type Acknowledgement = {
  readonly key: string;
  readonly id: Hex;
  /** 201 created, 200 already stored (a retry whose first answer was lost). */
  readonly status: 200 | 201;
  readonly receivedAt: string;
  readonly attempts: number;
  /** Date.now() when the acknowledgement arrived. */
  readonly ackedAt: number;
};

export type EntryLoadStats = {
  /** HTTP requests sent (retries included). */
  requests: number;
  /** Requests answered 2xx. */
  acknowledgedRequests: number;
  acknowledgedEntries: number;
  /** Sends that got no answer: connection refused, reset, or closed before the answer. */
  connectionErrors: number;
  /** 503 answers (retried), by error code. */
  unavailable: Record<string, number>;
  /** Anything else: a wrong id, a 4xx, a 500, a conflict on a retry. Must stay empty. */
  errors: string[];
  /** Milliseconds from sending to the 2xx answer, per acknowledged request (the last attempt). */
  latenciesMs: number[];
};

export type EntryLoad = {
  readonly acknowledged: readonly Acknowledgement[];
  readonly stats: EntryLoadStats;
  /** Entries started but not acknowledged yet. */
  readonly outstanding: number;
  /** Idempotency keys of the entries started but not acknowledged yet. */
  readonly outstandingKeys: ReadonlySet<string>;
  /** Requests sent and not answered yet. */
  readonly inFlightRequests: number;
  /** Starts no new entries, then resolves once every started one is acknowledged or failed. */
  stop(): Promise<void>;
  /** Stops at once: nothing more is sent, and what is unacknowledged stays so (a test that failed). */
  abort(): void;
};

export type EntryLoadSummary = {
  readonly seconds: number;
  /** CPU time of the client process meanwhile (user + system). */
  readonly cpuSeconds: number;
  readonly entriesPerSecond: number;
  readonly requestsPerSecond: number;
  readonly latencyMs: { readonly p50: number; readonly p99: number; readonly max: number };
} & Omit<EntryLoadStats, "latenciesMs">;

type Item = { readonly key: string; readonly record: ProvenanceRecord; readonly expectedId: Hex | undefined };
type Answer = { status: number; body: any };

/**
 * Starts `concurrency` workers that submit new records until `stop()`.
 *
 * @example
 * import { startEntryLoad } from "./entryLoad.js";
 * const load = startEntryLoad({ url, token, concurrency: 8 });
 * await sleep(5_000);
 * await load.stop();
 * console.log(load.acknowledged.length, load.stats.errors);
 */
export function startEntryLoad(parameters: EntryLoadParameters): EntryLoad {
  const perRequest = parameters.entriesPerRequest ?? 1;
  const retryDelayMs = parameters.retryDelayMs ?? 50;
  const checkIds = parameters.checkIds ?? true;
  const keep = parameters.keepAcknowledged ?? true;
  const run = randomBytes(6).toString("hex");
  const name = parameters.name ?? `load/${run}`;
  // Unique subjects without a random draw per entry: a random 48-hex prefix and a counter.
  const digestPrefix = randomBytes(24).toString("hex");
  const agent = new Agent({ keepAlive: true, maxSockets: parameters.concurrency });
  const target = new URL(parameters.url);
  const acknowledged: Acknowledgement[] = [];
  const stats: EntryLoadStats = {
    requests: 0,
    acknowledgedRequests: 0,
    acknowledgedEntries: 0,
    connectionErrors: 0,
    unavailable: {},
    errors: [],
    latenciesMs: [],
  };
  let counter = 0;
  let stopping = false;
  let aborted = false;
  let outstanding = 0;
  let inFlightRequests = 0;
  const outstandingKeys = new Set<string>();

  const newItem = (): Item => {
    const n = counter++;
    const record: ProvenanceRecord = {
      format: RECORD_FORMAT,
      type: "model-registered",
      subject: {
        name,
        version: String(n),
        digest: { sha256: digestPrefix + n.toString(16).padStart(16, "0") },
        artifact: { kind: "file", hashing: "sha256", size: 1024, files: 1 },
      },
      createdAt: new Date().toISOString(),
    };
    return { key: `${run}-${n}`, record, expectedId: checkIds ? recordHash(record) : undefined };
  };

  const post = (path: string, body: string, headers: Record<string, string>): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const req = request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          method: "POST",
          path,
          headers: { authorization: `Bearer ${parameters.token}`, "content-type": "application/json", "content-length": Buffer.byteLength(body), ...headers },
        },
        (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => (text += chunk));
          res.on("end", () => {
            let parsed: unknown;
            try {
              parsed = JSON.parse(text);
            } catch {
              parsed = { unparsed: text };
            }
            resolve({ status: res.statusCode ?? 0, body: parsed });
          });
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(body);
    });

  const acknowledge = (item: Item, view: { id: Hex; receivedAt: string }, status: 200 | 201, attempts: number): void => {
    if (item.expectedId !== undefined && view.id !== item.expectedId) stats.errors.push(`key ${item.key}: answered id ${view.id}, expected ${item.expectedId}`);
    stats.acknowledgedEntries++;
    if (keep) acknowledged.push({ key: item.key, id: view.id, status, receivedAt: view.receivedAt, attempts, ackedAt: Date.now() });
  };

  /** Sends `items` until acknowledged; false if it failed for good (an error was recorded). */
  const submit = async (items: readonly Item[]): Promise<void> => {
    const single = items.length === 1 && perRequest === 1;
    const path = single ? "/v1/entries" : "/v1/entries:batch";
    const body = single
      ? JSON.stringify({ record: items[0]!.record })
      : JSON.stringify({ entries: items.map((i) => ({ record: i.record, idempotencyKey: i.key })) });
    const headers: Record<string, string> = single ? { "idempotency-key": items[0]!.key } : {};
    for (let attempts = 1; !aborted; attempts++) {
      stats.requests++;
      const sent = performance.now();
      let answer: Answer;
      inFlightRequests++;
      try {
        answer = await post(path, body, headers);
      } catch {
        stats.connectionErrors++;
        await sleep(jitter(retryDelayMs));
        continue;
      } finally {
        inFlightRequests--;
      }
      if (answer.status === 503) {
        const code = String(answer.body?.error?.code ?? "unknown");
        stats.unavailable[code] = (stats.unavailable[code] ?? 0) + 1;
        await sleep(jitter(retryDelayMs));
        continue;
      }
      if (single && (answer.status === 200 || answer.status === 201)) {
        stats.acknowledgedRequests++;
        stats.latenciesMs.push(performance.now() - sent);
        acknowledge(items[0]!, answer.body, answer.status, attempts);
        return;
      }
      if (!single && answer.status === 200) {
        stats.acknowledgedRequests++;
        stats.latenciesMs.push(performance.now() - sent);
        (answer.body.entries as { result: string; id: Hex; receivedAt: string; error?: unknown }[]).forEach((r, i) => {
          if (r.result === "created" || r.result === "existing") acknowledge(items[i]!, r, r.result === "created" ? 201 : 200, attempts);
          else stats.errors.push(`key ${items[i]!.key}: ${JSON.stringify(r)}`);
        });
        return;
      }
      stats.errors.push(
        `key ${items[0]!.key}${items.length > 1 ? ` (+${items.length - 1})` : ""}: HTTP ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`,
      );
      return;
    }
  };

  const worker = async (): Promise<void> => {
    while (!stopping) {
      const items = Array.from({ length: perRequest }, newItem);
      outstanding += items.length;
      for (const item of items) outstandingKeys.add(item.key);
      try {
        await submit(items);
      } finally {
        outstanding -= items.length;
        for (const item of items) outstandingKeys.delete(item.key);
      }
      if (parameters.pauseMs) await sleep(jitter(parameters.pauseMs));
    }
  };
  const workers = Array.from({ length: parameters.concurrency }, worker);

  return {
    acknowledged,
    stats,
    get outstanding() {
      return outstanding;
    },
    outstandingKeys,
    get inFlightRequests() {
      return inFlightRequests;
    },
    async stop() {
      stopping = true;
      await Promise.all(workers);
      agent.destroy();
    },
    abort() {
      stopping = true;
      aborted = true;
      agent.destroy();
    },
  };
}

/** Percentile (0–100) of `values` (sorted here), nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function jitter(ms: number): number {
  return ms * (0.5 + Math.random());
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs a load for `durationMs` and summarises it. */
export async function runEntryLoad(parameters: EntryLoadParameters & { readonly durationMs: number }): Promise<EntryLoadSummary> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const load = startEntryLoad({ ...parameters, keepAcknowledged: false });
  await sleep(parameters.durationMs);
  await load.stop();
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const { latenciesMs, ...rest } = load.stats;
  return {
    seconds,
    cpuSeconds: (used.user + used.system) / 1e6,
    entriesPerSecond: rest.acknowledgedEntries / seconds,
    requestsPerSecond: rest.acknowledgedRequests / seconds,
    latencyMs: { p50: percentile(latenciesMs, 50), p99: percentile(latenciesMs, 99), max: percentile(latenciesMs, 100) },
    ...rest,
  };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const summary = await runEntryLoad(JSON.parse(process.argv[2]!) as EntryLoadParameters & { durationMs: number });
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}
