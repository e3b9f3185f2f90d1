import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createEventStore } from '../../libs/event-store/src/index.js';
import { createReadStore } from '../../libs/read-model/src/index.js';
import { ProjectionRunner } from '../../libs/read-model/src/projection-runner.js';
import { allProjections } from '../../libs/read-model/src/projections.js';
import type { EventStore } from '../../libs/event-store/src/event-store.js';
import { EVENT_STORE, PROJECTOR } from '../../apps/api/src/infrastructure/tokens.js';
import type { Projector } from '../../libs/read-model/src/projector.js';
import { newId, TestApp } from '../support/test-app.js';
import { eventStore } from '../support/registration-fixtures.js';

/** Appends an event no projection handles: the read models are one event behind until a projector runs. */
async function appendProbe(app: TestApp, occurredAt = new Date()): Promise<void> {
  await app.app.get<EventStore>(EVENT_STORE).append(
    `probe-${newId()}`,
    [{ type: 'ProbeRecorded', data: {}, metadata: { organization: newId(), actor: 'test', occurredAt: occurredAt.toISOString(), correlationId: 'c', causationId: null, schemaVersion: 1 } }],
    'no_stream',
  );
}

/** The projector app on the API's stores, with connections of its own; started and stopped at will. */
async function openProjectorApp(app: TestApp) {
  const eventStore = await createEventStore({ dataDir: app.config.dataDir });
  const readStore = await createReadStore({ dataDir: app.config.dataDir });
  let runner: ProjectionRunner | null = null;
  const stop = async () => {
    await runner?.stop();
    runner = null;
  };
  return {
    /** Resolves once it has caught up with the log. */
    async start() {
      runner = new ProjectionRunner(eventStore, readStore, allProjections, { pollIntervalMs: 20 });
      await runner.start();
    },
    stop,
    async close() {
      await stop();
      await readStore.close();
      await eventStore.close();
    },
  };
}

describe('health and readiness', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await TestApp.start();
  });
  afterAll(() => app.close());

  it('answers liveness anonymously', async () => {
    const live = await app.request('GET', '/health');
    expect(live.status).toBe(200);
    expect(live.body).toEqual({ status: 'ok' });
  });

  it('is ready when both stores answer and the projections are caught up; the log\'s head is null while it is empty', async () => {
    const empty = await app.request('GET', '/health/ready');
    expect(empty.body.info.eventStore).toMatchObject({ status: 'up', head: null });
    await app.request('PUT', `/api/venues/${newId()}`, { token: await app.token(newId()), body: { Name: 'Hall' } });
    const ready = await app.request('GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('ok');
    expect(ready.body.info.eventStore).toMatchObject({ status: 'up', head: String(await eventStore(app).headPosition()) });
    expect(ready.body.info.readStore.status).toBe('up');
    expect(ready.body.info.projections).toMatchObject({ status: 'up', catalog: { lagEvents: 0, lagSeconds: 0 } });
  });
});

describe('an API replica without the in-process projector (BOOKING_RUN_PROJECTOR=false)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await TestApp.start({ BOOKING_RUN_PROJECTOR: 'false', READY_MAX_LAG_EVENTS: '0' });
  });
  afterAll(() => app.close());

  it('answers a read 503, not 500, while no projector has ever created the read models', async () => {
    const read = await app.request('GET', '/api/venues', { token: await app.token(newId()) });
    expect(read.status).toBe(503);
    expect(read.body.detail).toContain('The read models have not caught up');
  });

  it('is not ready while the read models are behind the log, and says which check fails', async () => {
    await appendProbe(app);
    const ready = await app.request('GET', '/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.headers.get('content-type')).toContain('application/problem+json');
    expect(ready.body).toMatchObject({ status: 503, detail: 'Not ready: projections' });
  });

  it('answers a command 503 with Retry-After when no projector applies it within 5 s, and the change is kept', async () => {
    const token = await app.token(newId());
    const venue = newId();
    const put = await app.request('PUT', `/api/venues/${venue}`, { token, body: { Name: 'Unprojected Hall' } });
    expect(put.status).toBe(503);
    expect(put.headers.get('retry-after')).toBe('1');
    expect(put.body).toMatchObject({ status: 503, detail: expect.stringContaining('The change is saved') });
    const projector = await openProjectorApp(app);
    try {
      await projector.start();
      const got = await app.request('GET', `/api/venues/${venue}`, { token });
      expect(got.status).toBe(200);
      expect(got.body).toMatchObject({ VenueIdentifier: venue, Name: 'Unprojected Hall' });
    } finally {
      await projector.close();
    }
  });

  it('answers a command once the projector app has stored its checkpoints (read-your-writes across processes)', async () => {
    const projector = await openProjectorApp(app);
    try {
      await projector.start();
      const token = await app.token(newId());
      const venue = newId();
      const put = await app.request('PUT', `/api/venues/${venue}`, { token, body: { Name: 'Replica Hall' } });
      expect(put.status).toBe(201);
      expect(put.body).toMatchObject({ VenueIdentifier: venue, Name: 'Replica Hall' });
      expect((await app.request('GET', '/health/ready')).status).toBe(200);
    } finally {
      await projector.close();
    }
  });
});

describe('readiness while the projector stalls a few events behind', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await TestApp.start({ BOOKING_RUN_PROJECTOR: 'false', READY_MAX_LAG_SECONDS: '1' });
  });
  afterAll(() => app.close());

  it('fails once an event has waited longer than READY_MAX_LAG_SECONDS, and recovers when the projector moves', async () => {
    const projector = await openProjectorApp(app);
    try {
      // It creates the read models, then stops: a stall.
      await projector.start();
      await projector.stop();
      const occurredAt = new Date();
      await appendProbe(app, occurredAt);
      const fresh = await app.request('GET', '/health/ready');
      expect(fresh.status).toBe(200);
      expect(fresh.body.info.projections.catalog.lagEvents).toBe(1);

      await new Promise((resolve) => setTimeout(resolve, occurredAt.getTime() + 1_100 - Date.now()));
      const stalled = await app.request('GET', '/health/ready');
      expect(stalled.status).toBe(503);
      expect(stalled.body).toMatchObject({ status: 503, detail: 'Not ready: projections' });

      await projector.start();
      expect((await app.request('GET', '/health/ready')).status).toBe(200);
    } finally {
      await projector.close();
    }
  });
});

describe('readiness while the in-process projector has died', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await TestApp.start();
  });
  afterAll(() => app.close());

  it('fails while its thread is dead and restarting, though no event is unapplied, and recovers once it is back', async () => {
    const projector = app.app.get<Projector>(PROJECTOR);
    expect((await app.request('GET', '/health/ready')).status).toBe(200);
    // Killed as running out of memory would: it is started again after a pause of 1 s.
    await (projector as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    for (let attempt = 0; !projector.failing; attempt++) {
      if (attempt === 50) throw new Error('the dead projector thread was never reported');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const dead = await app.request('GET', '/health/ready');
    expect(dead.status).toBe(503);
    expect(dead.body).toMatchObject({ status: 503, detail: 'Not ready: projections' });
    expect(dead.body).not.toHaveProperty('info');

    for (let attempt = 0; (await app.request('GET', '/health/ready')).status !== 200; attempt++) {
      if (attempt === 100) throw new Error('not ready again 10 s after the projector thread died');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(projector.failing).toBeNull();
  });
});
