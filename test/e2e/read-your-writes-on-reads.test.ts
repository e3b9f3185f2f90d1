import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { newId, TestApp, type HttpResponse } from '../support/test-app.js';
import { command, defineTenant, expectProblem, listEvents, registerBody, nextSlot, registered, retrieve, SLOT_DATE, storedEvents, type Tenant } from '../support/registration-fixtures.js';
import { ReadYourWrites } from '../../libs/application/src/read-your-writes.js';

/**
 * Spec §5's read-your-writes on the embedded stores, kept on the read side: a command answers once
 * its events are stored, and every read of the read models (queries, and a command's own lookups)
 * first waits until the projector thread has applied what this process had stored.
 */
describe('commands answer once stored; reads wait for the read models', () => {
  let app: TestApp;
  let tenant: Tenant;

  beforeAll(async () => {
    app = await TestApp.start();
    tenant = await defineTenant(app);
  });
  afterAll(() => app.close());

  /** Holds the read store's write lock (as a `projections rebuild` switch-over does): the projector thread cannot commit. */
  function holdProjector(): () => void {
    const db = new Database(join(app.config.dataDir, 'read.sqlite'));
    db.exec('BEGIN IMMEDIATE');
    return () => {
      db.exec('ROLLBACK');
      db.close();
    };
  }

  /** Whether `pending` is still unanswered after `ms`. */
  async function stillWaiting(pending: Promise<unknown>, ms = 300): Promise<boolean> {
    let settled = false;
    void pending.then(() => (settled = true));
    await sleep(ms);
    return !settled;
  }

  const grant = (registration: string, type: string) => command(app, tenant, registration, 'grant-accommodation', { Type: type });

  it('answers a command while the projector is held back; a query sent after it waits, then sees it', async () => {
    const { registration } = await registered(app, tenant);
    const release = holdProjector();
    let reading: Promise<HttpResponse>;
    try {
      expect((await grant(registration, 'Reader')).status).toBe(200);
      reading = retrieve(app, tenant, registration);
      expect(await stillWaiting(reading)).toBe(true);
    } finally {
      release();
    }
    const read = await reading!;
    expect(read.status).toBe(200);
    expect(read.body.Accommodations).toEqual([{ Type: 'Reader', Name: null, TimeExtension: null }]);
  });

  it('holds a read only for its own organization’s changes: another organization’s command does not hold it', async () => {
    const other = await defineTenant(app);
    const [own, others] = [await registered(app, tenant), await registered(app, other)];
    // Both organizations' registrations applied before the projector is held.
    expect((await retrieve(app, other, others.registration)).status).toBe(200);
    expect((await retrieve(app, tenant, own.registration)).status).toBe(200);
    const release = holdProjector();
    let waiting: Promise<HttpResponse>;
    try {
      expect((await grant(own.registration, 'Scribe')).status).toBe(200);
      // The other organization's retrieve, search, count and catalog read answer while the first one's change waits to be applied.
      const started = performance.now();
      const [retrieved, searched, counted, venue] = await Promise.all([
        retrieve(app, other, others.registration),
        app.request('POST', '/api/registrations/search', { token: other.token, body: {} }),
        app.request('POST', '/api/registrations/count', { token: other.token, body: {} }),
        app.request('GET', `/api/venues/${other.venue}`, { token: other.token }),
      ]);
      expect(performance.now() - started).toBeLessThan(1_000);
      expect([retrieved.status, searched.status, counted.status, venue.status]).toEqual([200, 200, 200, 200]);
      expect(retrieved.body.RegistrationIdentifier).toBe(others.registration);
      expect(searched.body).toHaveLength(1);
      waiting = retrieve(app, tenant, own.registration);
      expect(await stillWaiting(waiting)).toBe(true);
    } finally {
      release();
    }
    const read = await waiting!;
    expect(read.status).toBe(200);
    expect(read.body.Accommodations).toEqual([{ Type: 'Scribe', Name: null, TimeExtension: null }]);
  });

  it('shows every client its own change on its next read while many clients write and read at once', async () => {
    // Sixteen clients, each reading its own change and another client's registration right after
    // writing: many reads share each event-loop turn (and its read snapshot, see SqliteQueryStore).
    const clients = await Promise.all(Array.from({ length: 16 }, () => registered(app, tenant)));
    const stale: string[] = [];
    await Promise.all(
      clients.map(async ({ registration }, client) => {
        for (let round = 0; round < 12; round++) {
          const type = `Client ${client} round ${round}`;
          expect((await grant(registration, type)).status).toBe(200);
          const [own, other] = await Promise.all([retrieve(app, tenant, registration), retrieve(app, tenant, clients[(client + 1) % clients.length].registration)]);
          expect(other.status).toBe(200);
          const types = (own.body.Accommodations as Array<{ Type: string }>).map((accommodation) => accommodation.Type);
          if (!types.includes(type)) stale.push(type);
        }
      }),
    );
    expect(stale).toEqual([]);
  });

  it('gives a command that reads the read models what was stored before it (a form PUT just before register-lax)', async () => {
    const form = newId();
    const body = { Code: 'BIO-200', Name: 'Biology final', Title: 'Biology', Status: 'Published', Asset: 1, TimeLimit: 45 };
    expect((await app.request('PUT', `/api/assessment-forms/${form}`, { token: tenant.token, body })).status).toBe(201);
    const { registration: earlier } = await registered(app, tenant);
    const release = holdProjector();
    const id = newId();
    let registering: Promise<HttpResponse>;
    try {
      expect((await grant(earlier, 'Scribe')).status).toBe(200);
      // Its form's code was never looked up: the lookup waits for the grant to be applied.
      registering = command(app, tenant, id, 'register-lax', registerBody(tenant, { Assessment: 'bio-200' }));
      expect(await stillWaiting(registering)).toBe(true);
    } finally {
      release();
    }
    expect((await registering!).status).toBe(201);
    expect((await retrieve(app, tenant, id)).body).toMatchObject({ AssessmentFormIdentifier: form, AssessmentFormCode: 'BIO-200' });
  });

  it('has a cancel of an exam event count the registration stored just before it, while the projector is held back (409, spec §3)', async () => {
    // The organization's changes so far applied, so that register-lax need not wait for them.
    expect((await app.request('POST', '/api/registrations/count', { token: tenant.token, body: {} })).status).toBe(200);
    const release = holdProjector();
    let cancelling: Promise<HttpResponse>;
    let event: string;
    try {
      ({ event } = await registered(app, tenant));
      cancelling = app.request('POST', `/api/events/${event}/cancel`, { token: tenant.token, body: {} });
      // Its count of active registrations waits for the registration to be applied.
      expect(await stillWaiting(cancelling)).toBe(true);
    } finally {
      release();
    }
    expectProblem(await cancelling!, 409, 'The exam event cannot be cancelled because it contains active registrations');
    const listed = (await listEvents(app, tenant, SLOT_DATE.slice(0, 7))).find((e) => e.EventIdentifier === event!);
    expect(listed).toMatchObject({ EventStatus: 'Scheduled', RegistrationCount: 1 });
  });

  it('answers 503 after the bound while the projector stays stuck, to queries and to a command that must read first (which stores nothing)', async () => {
    const { registration } = await registered(app, tenant);
    const learner = newId();
    const learnerBody = { Name: 'Grace Hopper', Email: 'grace@example.org', Code: 'P-9' };
    expect((await app.request('PUT', `/api/learners/${learner}`, { token: tenant.token, body: learnerBody })).status).toBe(201);
    const release = holdProjector();
    const refusedId = newId();
    let read: HttpResponse;
    let refused: HttpResponse;
    try {
      expect((await grant(registration, 'Quiet room')).status).toBe(200);
      // A learner never looked up by a command: register-lax must ask the read models.
      [read, refused] = await Promise.all([
        retrieve(app, tenant, registration),
        command(app, tenant, refusedId, 'register-lax', registerBody(tenant, { Learner: learner })),
      ]);
    } finally {
      release();
    }
    for (const answer of [read!, refused!]) {
      expectProblem(answer, 503, 'The read models have not caught up with the latest changes yet: nothing was changed');
      expect(answer.headers.get('retry-after')).toBe('1');
    }
    const stored = await storedEvents(app, tenant.org);
    expect(stored.filter((event) => (event.data as { RegistrationId?: string }).RegistrationId === refusedId)).toEqual([]);
    // Once the projector moves again, the same requests are answered.
    expect((await retrieve(app, tenant, registration)).body.Accommodations).toEqual([{ Type: 'Quiet room', Name: null, TimeExtension: null }]);
    expect((await command(app, tenant, refusedId, 'register-lax', registerBody(tenant, { Learner: learner }))).status).toBe(201);
  }, 20_000);

  it('has every registration command wait for its own last append before answering (what the server stores wait on)', async () => {
    // On the embedded stores waitFor resolves at once (reads wait instead); on MongoDB or EventStoreDB
    // a command that waited for an earlier position would answer before the read models show it.
    const readYourWrites = app.app.get(ReadYourWrites);
    const waited: (bigint | null)[] = [];
    const original = readYourWrites.waitFor.bind(readYourWrites);
    readYourWrites.waitFor = (position, organization) => {
      if (organization === tenant.org) waited.push(position);
      return original(position, organization);
    };
    const head = async () => (await storedEvents(app, tenant.org)).reduce((max, e) => (e.position > max ? e.position : max), 0n);
    const expectWaitedForHead = async (response: HttpResponse, status: number) => {
      expect(response.status).toBe(status);
      expect(waited.at(-1)).toBe(await head());
      waited.length = 0;
    };
    try {
      const { registration } = await registered(app, tenant);
      const joiner = newId();
      // Joins the event, whose form is attached already: the registration's append is the last.
      await expectWaitedForHead(await command(app, tenant, joiner, 'register-lax', registerBody(tenant, { EventStart: (await retrieve(app, tenant, registration)).body.EventStart })), 200);
      await expectWaitedForHead(await command(app, tenant, registration, 'grant-accommodation', { Type: 'Reader' }), 200);
      // Leaving an Individual event cancels it after the move: that cancellation is the last append.
      const individual = (await registered(app, tenant, { EventExamType: 'Individual' })).registration;
      waited.length = 0;
      await expectWaitedForHead(
        await command(app, tenant, individual, 'transfer-lax', { EventVenue: tenant.venue, EventStart: nextSlot(), EventExamType: 'Individual', Learner: tenant.learner }),
        201,
      );
      await expectWaitedForHead(await command(app, tenant, registration, 'revoke-accommodation', { Type: 'Reader' }), 200);
      await expectWaitedForHead(await command(app, tenant, registration, 'change-assessment', { Assessment: 'PHYS-100' }), 200);
      await expectWaitedForHead(await command(app, tenant, joiner, 'cancel', {}), 200);
      await expectWaitedForHead(await app.request('DELETE', `/api/registrations/${registration}`, { token: tenant.token }), 204);
    } finally {
      readYourWrites.waitFor = original;
    }
  });
});
