import type { PendingStats } from "./store/serviceStore.js";
import type { AnchorerEvents } from "./types.js";

// Prometheus text exposition format 0.0.4, written by hand: counters, gauges and histograms with
// labels are all the service needs. https://prometheus.io/docs/instrumenting/exposition_formats/

/** The Content-Type of {@link ServiceMetrics.render}'s output. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

type Labels = Readonly<Record<string, string | number>>;

/** Seconds: from sub-second anchoring on a dev chain to an hour on a congested one. */
export const LATENCY_BUCKETS = [0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600] as const;
/** Seconds: an HTTP request, from a cached lookup to a slow group commit. */
export const HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

class ValueFamily {
  private readonly values = new Map<string, { labels: Labels; value: number | bigint }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: "counter" | "gauge" = "counter",
    private readonly labelled = true,
  ) {}
  inc(labels: Labels = {}, by: number | bigint = 1): void {
    const key = labelKey(labels);
    const current = this.values.get(key);
    if (!current) this.values.set(key, { labels, value: by });
    else current.value = typeof current.value === "bigint" || typeof by === "bigint" ? BigInt(current.value) + BigInt(by) : current.value + by;
  }
  set(labels: Labels, value: number): void {
    this.values.set(labelKey(labels), { labels, value });
  }
  get(labels: Labels = {}): number | bigint {
    return this.values.get(labelKey(labels))?.value ?? 0;
  }
  render(): string {
    const lines = header(this.name, this.help, this.type);
    // A counter without labels is shown from the start (at 0), so a dashboard sees it exists.
    if (this.values.size === 0 && !this.labelled) lines.push(`${this.name} 0`);
    for (const { labels, value } of this.values.values()) lines.push(`${this.name}${formatLabels(labels)} ${formatNumber(value)}`);
    return lines.join("\n");
  }
}

class Histogram {
  private readonly series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[],
  ) {}
  observe(value: number, labels: Labels = {}): void {
    if (!Number.isFinite(value)) return;
    const key = labelKey(labels);
    let s = this.series.get(key);
    if (!s) this.series.set(key, (s = { labels, counts: this.buckets.map(() => 0), sum: 0, count: 0 }));
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) s.counts[i]!++;
    s.sum += value;
    s.count++;
  }
  count(labels: Labels = {}): number {
    return this.series.get(labelKey(labels))?.count ?? 0;
  }
  render(): string {
    const lines = header(this.name, this.help, "histogram");
    const all = this.series.size === 0 ? [{ labels: {}, counts: this.buckets.map(() => 0), sum: 0, count: 0 }] : [...this.series.values()];
    for (const s of all) {
      this.buckets.forEach((le, i) => lines.push(`${this.name}_bucket${formatLabels({ ...s.labels, le: formatNumber(le) })} ${s.counts[i]}`));
      lines.push(`${this.name}_bucket${formatLabels({ ...s.labels, le: "+Inf" })} ${s.count}`);
      lines.push(`${this.name}_sum${formatLabels(s.labels)} ${formatNumber(s.sum)}`);
      lines.push(`${this.name}_count${formatLabels(s.labels)} ${s.count}`);
    }
    return lines.join("\n");
  }
}

/** What a scrape reads from the store and the anchorer at that moment. */
export type MetricsSnapshot = {
  /** `store.pendingStats()`, or null when the store did not answer (then `provenance_store_up` is 0). */
  readonly pending: readonly PendingStats[] | null;
  /** Organisations this instance serves: each gets a pending series, 0 when nothing is pending. */
  readonly orgIds: readonly number[];
  /** Whether this instance holds the anchoring lease, when known. */
  readonly anchorerLeader?: boolean | undefined;
  readonly now: Date;
};

/**
 * The service's metrics. The anchorer feeds them through {@link ServiceMetrics.anchorerEvents},
 * the HTTP layer through `observeHttp`/`observeIngested`; `render` writes the Prometheus text,
 * with the pending gauges computed from a snapshot taken at scrape time.
 */
export type ServiceMetrics = {
  /** Counts anchorer events; pass as (part of) the anchorer's `events`. */
  readonly anchorerEvents: Required<AnchorerEvents>;
  observeHttp(route: string, code: number, seconds: number): void;
  observeIngested(orgId: number, status: "created" | "existing" | "conflict", count?: number): void;
  render(snapshot: MetricsSnapshot): string;
  /** A counter's or gauge's current value (tests, readiness). */
  value(name: string, labels?: Labels): number | bigint;
};

/**
 * Creates the metric families of the anchoring service (names in docs/service-api.md).
 *
 * @example
 * import { createServiceMetrics } from "./service/metrics.js";
 * const metrics = createServiceMetrics();
 * metrics.observeHttp("/v1/entries", 201, 0.004);
 * const text = metrics.render({ pending: await store.pendingStats(), orgIds: [1], now: new Date() });
 */
export function createServiceMetrics(): ServiceMetrics {
  const ingested = new ValueFamily("provenance_entries_ingested_total", "Entries submitted, by organisation and outcome (created, existing, conflict).");
  const sealed = new ValueFamily("provenance_batches_sealed_total", "Batches sealed from pending entries, by organisation.");
  const anchored = new ValueFamily("provenance_batches_anchored_total", "Batches whose anchoring transaction was mined, by organisation.");
  const confirmed = new ValueFamily("provenance_batches_confirmed_total", "Batches that reached the confirmation depth (receipts issued), by organisation.");
  const txSent = new ValueFamily("provenance_transactions_sent_total", "Anchoring transactions broadcast (replacement: fee-bumped or re-signed).");
  const gasUsed = new ValueFamily("provenance_gas_used_total", "Gas used by mined anchoring transactions.", "counter", false);
  const rpcErrors = new ValueFamily("provenance_rpc_errors_total", "Failed JSON-RPC calls of the anchorer, by operation (retried with backoff).");
  const reorgs = new ValueFamily("provenance_reorgs_total", "Anchors removed by a chain reorganisation (their batches are anchored again).", "counter", false);
  const httpRequests = new ValueFamily("provenance_http_requests_total", "HTTP requests answered, by route template and status code.");
  const anchorLatency = new Histogram(
    "provenance_anchor_latency_seconds",
    "From a batch's oldest entry's acceptance to the block that anchored it.",
    LATENCY_BUCKETS,
  );
  const acceptToConfirm = new Histogram(
    "provenance_accept_to_confirm_seconds",
    "Per entry, from acceptance to its batch's confirmation (receipt available).",
    LATENCY_BUCKETS,
  );
  const httpDuration = new Histogram("provenance_http_request_duration_seconds", "HTTP request duration, by route template.", HTTP_BUCKETS);
  const counters = new Map([ingested, sealed, anchored, confirmed, txSent, gasUsed, rpcErrors, reorgs, httpRequests].map((c) => [c.name, c]));

  const anchorerEvents: Required<AnchorerEvents> = {
    onRpcError: (operation) => rpcErrors.inc({ operation }),
    onBatchSealed: (b) => sealed.inc({ org: b.orgId }),
    onTransactionSent: (tx) => txSent.inc({ replacement: String(tx.replacement) }),
    onBatchAnchored: (b) => {
      anchored.inc({ org: b.orgId });
      gasUsed.inc({}, b.gasUsed);
      anchorLatency.observe(b.latencySeconds);
    },
    onBatchConfirmed: (b) => {
      confirmed.inc({ org: b.orgId });
      for (const delay of b.delaysSeconds) acceptToConfirm.observe(delay);
    },
    onReorg: () => reorgs.inc(),
  };

  return {
    anchorerEvents,
    observeHttp(route, code, seconds) {
      httpRequests.inc({ route, code });
      httpDuration.observe(seconds, { route });
    },
    observeIngested(orgId, status, count = 1) {
      if (count > 0) ingested.inc({ org: orgId, status }, count);
    },
    value(name, labels = {}) {
      return counters.get(name)?.get(labels) ?? 0;
    },
    render(snapshot) {
      const pending = new ValueFamily("provenance_pending_entries", "Entries accepted but not yet sealed into a batch, by organisation.", "gauge");
      const oldest = new ValueFamily("provenance_oldest_pending_age_seconds", "Age of the oldest pending entry, by organisation (0 when none).", "gauge");
      const storeUp = new ValueFamily("provenance_store_up", "1 when the store answered this scrape, else 0.", "gauge", false);
      storeUp.set({}, snapshot.pending === null ? 0 : 1);
      if (snapshot.pending !== null) {
        const byOrg = new Map(snapshot.pending.map((s) => [s.orgId, s]));
        for (const orgId of [...new Set([...snapshot.orgIds, ...byOrg.keys()])].sort((a, b) => a - b)) {
          const s = byOrg.get(orgId);
          pending.set({ org: orgId }, s?.pending ?? 0);
          const age = s?.oldestReceivedAt ? Math.max(0, (snapshot.now.getTime() - Date.parse(s.oldestReceivedAt)) / 1000) : 0;
          oldest.set({ org: orgId }, age);
        }
      }
      const families: { render(): string }[] = [pending, oldest, storeUp, ...counters.values(), anchorLatency, acceptToConfirm, httpDuration];
      if (snapshot.anchorerLeader !== undefined) {
        const leader = new ValueFamily("provenance_anchorer_leader", "1 when this instance holds the anchoring lease.", "gauge", false);
        leader.set({}, snapshot.anchorerLeader ? 1 : 0);
        families.push(leader);
      }
      return `${families.map((f) => f.render()).join("\n")}\n`;
    },
  };
}

function header(name: string, help: string, type: string): string[] {
  return [`# HELP ${name} ${help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}`, `# TYPE ${name} ${type}`];
}

function labelKey(labels: Labels): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function formatLabels(labels: Labels): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return "";
  return `{${entries.map(([k, v]) => `${k}="${String(v).replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"')}"`).join(",")}}`;
}

function formatNumber(value: number | bigint): string {
  if (typeof value === "bigint") return value.toString();
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}
