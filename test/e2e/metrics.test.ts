import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { statfs } from 'node:fs/promises';
import { newId, TestApp } from '../support/test-app.js';

/** The value of the sample `name{labels}` in Prometheus text output (labels in any order). */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`${name}{`) && wanted.every((pair) => l.slice(name.length).split('}')[0].includes(pair)));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
}

describe('GET /metrics', () => {
  let app: TestApp;
  const venue = newId();
  let text: string;

  beforeAll(async () => {
    app = await TestApp.start();
    const token = await app.token(newId());
    expect((await app.request('PUT', `/api/venues/${venue}`, { token, body: { Name: 'North Hall' } })).status).toBe(201);
    expect((await app.request('PUT', `/api/venues/${venue}`, { token, body: { Name: 'South Hall' } })).status).toBe(200);
    expect((await app.request('GET', `/api/venues/${newId()}`, { token })).status).toBe(404);
    expect((await app.request('GET', `/api/nowhere/${venue}`, { token })).status).toBe(404);
    const scrape = await app.request('GET', '/metrics');
    expect(scrape.status).toBe(200);
    expect(scrape.headers.get('content-type')).toContain('text/plain');
    text = scrape.text;
  });
  afterAll(() => app.close());

  it('times HTTP requests by route pattern and status, never by raw URL', () => {
    expect(sample(text, 'http_request_duration_seconds_count', { method: 'PUT', route: '/api/venues/:venue', status_code: '201' })).toBe(1);
    expect(sample(text, 'http_request_duration_seconds_count', { method: 'PUT', route: '/api/venues/:venue', status_code: '200' })).toBe(1);
    expect(sample(text, 'http_request_duration_seconds_count', { method: 'GET', route: '/api/venues/:venue', status_code: '404' })).toBe(1);
    expect(sample(text, 'http_request_duration_seconds_count', { method: 'GET', route: 'unmatched', status_code: '404' })).toBe(1);
    expect(text).not.toContain(venue);
  });

  it('counts commands by type and outcome and times event store appends', () => {
    expect(sample(text, 'booking_commands_total', { type: 'DefineCatalogEntryCommand', outcome: 'ok' })).toBe(2);
    expect(sample(text, 'booking_event_store_append_duration_seconds_count', { result: 'ok' })).toBe(2);
  });

  it('reports the space left on the data folder’s file system, where a full disk refuses every command', async () => {
    const line = text.split('\n').find((l) => l.startsWith('booking_data_folder_free_bytes '));
    const { bavail, bsize } = await statfs(app.config.dataDir);
    // Other writers on the machine move it between the scrape and now; a wrong unit or file system would not be this close.
    expect(Math.abs(Number(line?.split(' ')[1]) / (bavail * bsize) - 1)).toBeLessThan(0.01);
  });

  it('reports each projection caught up', () => {
    expect(sample(text, 'booking_projection_lag_events', { projection: 'catalog' })).toBe(0);
    expect(sample(text, 'booking_projection_lag_seconds', { projection: 'catalog' })).toBe(0);
  });
});

describe('GET /metrics on an API replica whose read models no projector has made yet (BOOKING_RUN_PROJECTOR=false)', () => {
  it('times the 503s too, by route pattern: an error rate is alerted on from these series', async () => {
    const app = await TestApp.start({ BOOKING_RUN_PROJECTOR: 'false' });
    try {
      const token = await app.token(newId());
      expect((await app.request('GET', '/api/venues', { token })).status).toBe(503);
      expect((await app.request('GET', `/api/venues/${newId()}`, { token })).status).toBe(503);
      const text = (await app.request('GET', '/metrics')).text;
      expect(sample(text, 'http_request_duration_seconds_count', { method: 'GET', route: '/api/venues', status_code: '503' })).toBe(1);
      expect(sample(text, 'http_request_duration_seconds_count', { method: 'GET', route: '/api/venues/:venue', status_code: '503' })).toBe(1);
    } finally {
      await app.close();
    }
  });
});
