/**
 * The one renderer of the Prometheus text exposition format (version 0.0.4): counter, gauge and histogram
 * families, and the two accumulating series types the agent observes into. Modules name their own
 * families (agent/runtime/metrics.ts, bus/bus-counters.ts) and render them through here.
 *
 * A tiny exporter of our own rather than prom-client: a few counters and histograms rendered on scrape do
 * not need a dependency, nor its global default registry (module-level state).
 *
 * @module
 */

/** Label pairs of one series. */
export type Labels = Readonly<Record<string, string>>;

/** Buckets (seconds) for latencies and durations. */
export const DEFAULT_BUCKETS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** `{a="x",b="y"}` from label pairs (empty string when none). */
export function labelText(labels: Labels): string {
  const parts = Object.entries(labels).map(([name, value]) => `${name}="${escapeLabel(value)}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

function header(name: string, help: string, type: 'counter' | 'gauge' | 'histogram'): string[] {
  return [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`];
}

/** A counter or gauge family: one line per series, `labels` as rendered by {@link labelText}. */
export function scalarFamily(
  type: 'counter' | 'gauge',
  name: string,
  help: string,
  series: Iterable<readonly [labels: string, value: number]>,
): string[] {
  const lines = header(name, help, type);
  for (const [labels, value] of series) lines.push(`${name}${labels} ${value}`);
  return lines;
}

/** One histogram series: cumulative counts per upper bound (ascending), sum and count of observations. */
export interface HistogramSeries {
  /** As rendered by {@link labelText}. */
  readonly labels: string;
  readonly buckets: ReadonlyArray<readonly [bound: number, count: number]>;
  readonly sum: number;
  readonly count: number;
}

/** A histogram family: `_bucket` lines (with `le`, `+Inf` last), `_sum` and `_count` per series. */
export function histogramFamily(name: string, help: string, series: Iterable<HistogramSeries>): string[] {
  const lines = header(name, help, 'histogram');
  for (const entry of series) {
    const inner = entry.labels.slice(1, -1);
    const withLe = (le: string) => `{${inner === '' ? '' : `${inner},`}le="${le}"}`;
    for (const [bound, count] of entry.buckets) lines.push(`${name}_bucket${withLe(String(bound))} ${count}`);
    lines.push(`${name}_bucket${withLe('+Inf')} ${entry.count}`);
    lines.push(`${name}_sum${entry.labels} ${entry.sum}`);
    lines.push(`${name}_count${entry.labels} ${entry.count}`);
  }
  return lines;
}

/** A histogram with fixed buckets, one series per label set. */
export class Histogram {
  private readonly series = new Map<string, { counts: number[]; sum: number; count: number }>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly buckets: readonly number[] = DEFAULT_BUCKETS,
  ) {}

  observe(labels: Labels, value: number): void {
    const text = labelText(labels);
    let entry = this.series.get(text);
    if (entry === undefined) {
      entry = { counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.series.set(text, entry);
    }
    for (const [index, bound] of this.buckets.entries()) if (value <= bound) entry.counts[index]!++;
    entry.sum += value;
    entry.count++;
  }

  render(): string[] {
    return histogramFamily(
      this.name,
      this.help,
      [...this.series].map(([labels, { counts, sum, count }]) => ({
        labels,
        buckets: this.buckets.map((bound, index) => [bound, counts[index]!] as const),
        sum,
        count,
      })),
    );
  }
}

/** A counter, one series per label set. */
export class Counter {
  private readonly series = new Map<string, number>();

  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  inc(labels: Labels, by = 1): void {
    const text = labelText(labels);
    this.series.set(text, (this.series.get(text) ?? 0) + by);
  }

  render(): string[] {
    return scalarFamily('counter', this.name, this.help, this.series);
  }
}
