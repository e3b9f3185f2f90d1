import { describe, expect, it } from '@jest/globals';
import { Histogram, Registry } from 'prom-client';
import { DurationHistogram } from './duration-histogram.js';

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const LABELS = ['method', 'route', 'status_code'] as const;
const OBSERVED: Array<[string, string, string, number]> = [
  ['GET', '/api/registrations/:registration', '200', 0.0004],
  ['PUT', '/api/venues/:venue', '201', 0.012],
  ['GET', '/api/registrations/:registration', '200', 0.0031],
  ['GET', '/api/registrations/:registration', '404', 0.1],
  ['GET', 'unmatched', '404', 42],
  ['GET', '/api/registrations/:registration', '200', 0.0031],
];

/** The same observations through prom-client's Histogram and through ours, each in its own registry. */
function both() {
  const theirs = new Registry();
  const histogram = new Histogram({ name: 'http_request_duration_seconds', help: 'HTTP request duration', labelNames: LABELS, buckets: BUCKETS, registers: [theirs] });
  const ours = new Registry();
  const durations = new DurationHistogram('http_request_duration_seconds', 'HTTP request duration', LABELS, BUCKETS, ours);
  for (const [method, route, status_code, seconds] of OBSERVED) {
    histogram.observe({ method, route, status_code }, seconds);
    durations.seriesOf(method, route, status_code).observe(seconds);
  }
  return { theirs, ours };
}

describe('DurationHistogram', () => {
  it("is exposed exactly as prom-client's Histogram with the same observations", async () => {
    const { theirs, ours } = both();
    const text = await ours.metrics();
    expect(text).toBe(await theirs.metrics());
    expect(text).toContain('http_request_duration_seconds_bucket{le="0.005",method="GET",route="/api/registrations/:registration",status_code="200"} 3');
  });

  it('gives the same JSON form', async () => {
    const { theirs, ours } = both();
    expect(await ours.getMetricsAsJSON()).toEqual(await theirs.getMetricsAsJSON());
  });

  it('keeps one series per label set, and is emptied by a reset', async () => {
    const { ours } = both();
    const durations = ours.getSingleMetric('http_request_duration_seconds') as unknown as DurationHistogram;
    expect(durations.seriesOf('GET', 'unmatched', '404')).toBe(durations.seriesOf('GET', 'unmatched', '404'));
    ours.resetMetrics();
    expect(await ours.metrics()).not.toContain('_bucket');
  });
});
