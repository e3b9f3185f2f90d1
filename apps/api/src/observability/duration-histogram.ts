import type { Registry } from 'prom-client';

type Labels = Readonly<Record<string, string>>;

/** One label set's counts: per bucket (not cumulative), then the sum and count of all observations. */
export class HistogramSeries {
  private readonly counts: number[];
  private sum = 0;
  private count = 0;

  constructor(
    readonly labels: Labels,
    private readonly bounds: readonly number[],
  ) {
    this.counts = bounds.map(() => 0);
  }

  observe(value: number): void {
    this.sum += value;
    this.count += 1;
    const { bounds } = this;
    for (let i = 0; i < bounds.length; i++) {
      if (value <= bounds[i]) {
        this.counts[i] += 1;
        return;
      }
    }
  }

  /** The samples in prom-client's order and shape (buckets, +Inf, sum, count). */
  samples(name: string): Sample[] {
    let cumulative = 0;
    const buckets = this.bounds.map((le, i): Sample => {
      cumulative += this.counts[i];
      return { labels: { le }, sharedLabels: this.labels, value: cumulative, metricName: `${name}_bucket`, exemplar: null };
    });
    return [
      ...buckets,
      { labels: { le: '+Inf' }, sharedLabels: this.labels, value: this.count, metricName: `${name}_bucket`, exemplar: null },
      { labels: {}, sharedLabels: this.labels, value: this.sum, metricName: `${name}_sum`, exemplar: undefined },
      { labels: {}, sharedLabels: this.labels, value: this.count, metricName: `${name}_count`, exemplar: undefined },
    ];
  }
}

interface Sample {
  labels: Record<string, string | number>;
  sharedLabels: Labels;
  value: number;
  metricName: string;
  exemplar: null | undefined;
}

/**
 * A histogram whose callers hold their label set's series and observe it directly. prom-client's
 * `observe(labels, value)` validates the labels, builds a hash string from them and looks it up on
 * every call (about 5 µs of a retrieve's CPU in the API's process, session 12), although a route
 * and status have the same series for the process's whole life. The registry formats it exactly as
 * prom-client's own Histogram (same sample order and shape, series in order of first observation):
 * a test compares the two.
 */
export class DurationHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly series = new Map<string, HistogramSeries>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly string[],
    private readonly bounds: readonly number[],
    registry: Registry,
  ) {
    registry.registerMetric(this as never);
  }

  /** The series of one label set (values in `labelNames` order), made on first use and kept. */
  seriesOf(...values: string[]): HistogramSeries {
    const key = values.join('\0');
    let found = this.series.get(key);
    if (!found) {
      const labels = Object.fromEntries(this.labelNames.map((name, i) => [name, values[i]]));
      found = new HistogramSeries(labels, this.bounds);
      this.series.set(key, found);
    }
    return found;
  }

  /** What the registry formats as text (prom-client's `getForPromString` contract). */
  async getForPromString(): Promise<{ name: string; help: string; type: string; values: Sample[]; aggregator: string }> {
    const values = [...this.series.values()].flatMap((series) => series.samples(this.name));
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  /** The JSON form (`registry.getMetricsAsJSON`): each sample's labels with the series' own. */
  async get(): Promise<{ name: string; help: string; type: string; values: object[]; aggregator: string }> {
    const data = await this.getForPromString();
    const values = data.values.map(({ labels, sharedLabels, ...sample }) => ({ ...sample, labels: { ...labels, ...sharedLabels } }));
    return { ...data, values };
  }

  reset(): void {
    this.series.clear();
  }
}
