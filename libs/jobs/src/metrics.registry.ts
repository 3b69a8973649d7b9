/**
 * A small in-process Prometheus registry (text format 0.0.4). One per process: when api and worker run in
 * one process (`npm start`) the api's GET /metrics shows what the worker measured; a worker on its own
 * serves its figures on JOBS_METRICS_PORT. Figures kept in PostgreSQL (job runs, backlog) are rendered
 * at scrape time by `renderJobMetrics`, so they are the same whichever process answers.
 */
export type Labels = Record<string, string>;

/** Label sets one metric may hold; beyond this new ones are dropped rather than grow without end. */
const SERIES_PER_METRIC_MAX = 1000;

abstract class Metric {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'gauge' | 'histogram',
  ) {}
  abstract samples(): string[];
}

function key(labels: Labels): string {
  return JSON.stringify(Object.keys(labels).sort().map((k) => [k, labels[k]]));
}

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

export function formatLabels(labels: Labels): string {
  const names = Object.keys(labels).sort();
  if (names.length === 0) return '';
  return `{${names.map((n) => `${n}="${escapeLabelValue(labels[n])}"`).join(',')}}`;
}

function formatNumber(value: number): string {
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  if (Number.isNaN(value)) return 'NaN';
  return String(value);
}

export class Counter extends Metric {
  private readonly values = new Map<string, { labels: Labels; value: number }>();
  constructor(name: string, help: string) {
    super(name, help, 'counter');
  }
  inc(labels: Labels = {}, by = 1): void {
    const k = key(labels);
    const entry = this.values.get(k);
    if (entry) entry.value += by;
    else if (this.values.size < SERIES_PER_METRIC_MAX) this.values.set(k, { labels, value: by });
  }
  get(labels: Labels = {}): number {
    return this.values.get(key(labels))?.value ?? 0;
  }
  samples(): string[] {
    return [...this.values.values()].map((e) => `${this.name}${formatLabels(e.labels)} ${formatNumber(e.value)}`);
  }
}

export class Histogram extends Metric {
  private readonly series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
  constructor(
    name: string,
    help: string,
    readonly buckets: readonly number[],
  ) {
    super(name, help, 'histogram');
  }
  observe(labels: Labels, value: number): void {
    if (!Number.isFinite(value)) return;
    const k = key(labels);
    let entry = this.series.get(k);
    if (!entry) {
      if (this.series.size >= SERIES_PER_METRIC_MAX) return;
      entry = { labels, counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.series.set(k, entry);
    }
    this.buckets.forEach((bound, i) => {
      if (value <= bound) entry!.counts[i] += 1;
    });
    entry.sum += value;
    entry.count += 1;
  }
  snapshot(labels: Labels): { count: number; sum: number } {
    const entry = this.series.get(key(labels));
    return { count: entry?.count ?? 0, sum: entry?.sum ?? 0 };
  }
  samples(): string[] {
    const lines: string[] = [];
    for (const e of this.series.values()) {
      this.buckets.forEach((bound, i) => lines.push(`${this.name}_bucket${formatLabels({ ...e.labels, le: formatNumber(bound) })} ${e.counts[i]}`));
      lines.push(`${this.name}_bucket${formatLabels({ ...e.labels, le: '+Inf' })} ${e.count}`);
      lines.push(`${this.name}_sum${formatLabels(e.labels)} ${formatNumber(e.sum)}`);
      lines.push(`${this.name}_count${formatLabels(e.labels)} ${e.count}`);
    }
    return lines;
  }
}

export class MetricsRegistry {
  private readonly metrics = new Map<string, Metric>();

  counter(name: string, help: string): Counter {
    return this.register(name, () => new Counter(name, help)) as Counter;
  }

  histogram(name: string, help: string, buckets: readonly number[]): Histogram {
    return this.register(name, () => new Histogram(name, help, buckets)) as Histogram;
  }

  /** Every metric held here, in the Prometheus text format. */
  render(): string {
    const lines: string[] = [];
    for (const metric of this.metrics.values()) {
      const samples = metric.samples();
      if (samples.length === 0) continue;
      lines.push(`# HELP ${metric.name} ${metric.help}`, `# TYPE ${metric.name} ${metric.type}`, ...samples);
    }
    return lines.length ? `${lines.join('\n')}\n` : '';
  }

  private register(name: string, create: () => Metric): Metric {
    const existing = this.metrics.get(name);
    if (existing) return existing;
    const metric = create();
    this.metrics.set(name, metric);
    return metric;
  }
}

/** The process's registry. */
export const METRICS = new MetricsRegistry();

const LATENCY_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/** Seconds left before Jibit's 15-minute verify window closed, when a verify went out. */
const MARGIN_BUCKETS_S = [0, 30, 60, 120, 180, 300, 420, 600, 780, 840, 870, 900];

/** The jobs' in-process metrics (names are part of the README's contract). */
export const JOB_METRICS = {
  runs: METRICS.counter('payledger_job_runs_total', 'Job runs started by this process, by job and result (ok, failed, skipped).'),
  tasks: METRICS.counter('payledger_job_tasks_total', 'Tasks this process worked on, by job and result (done, failed, deferred).'),
  runDuration: METRICS.histogram('payledger_job_run_duration_seconds', 'Duration of one job run in this process.', LATENCY_BUCKETS_S),
  gatewayCall: METRICS.histogram('payledger_gateway_call_duration_seconds', 'Latency of gateway calls the jobs made, as recorded on the interaction events, by gateway, operation and result.', LATENCY_BUCKETS_S),
  verifyMargin: METRICS.histogram('payledger_jibit_verify_margin_seconds', 'How long before the end of the 15-minute window each Jibit verify was sent (negative: after it), by what triggered it.', MARGIN_BUCKETS_S),
  tokenRenewals: METRICS.counter('payledger_jibit_token_renewals_total', 'Jibit token pairs the refresh job renewed in this process.'),
};
