import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { HashChainedEventStore, verifyHashChains } from '../../libs/event-store/src/hash-chain.js';
import { SqliteEventStore } from '../../libs/event-store/src/sqlite-event-store.js';
import { newId, TestApp } from '../support/test-app.js';
import { command, defineTenant, eventStore, expectProblem, registered, retrieve, type Tenant } from '../support/registration-fixtures.js';

describe('auditing over HTTP: history, metadata, asOf, upcasting', () => {
  let app: TestApp;
  let tenant: Tenant;
  let auditor: string;

  beforeAll(async () => {
    app = await TestApp.start();
    tenant = await defineTenant(app);
    auditor = await app.token(tenant.org, ['audit:read'], 'auditor');
  });
  afterAll(() => app.close());

  const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

  it('lists a registration’s domain events in order, with who, when and which request', async () => {
    const { registration, response } = await registered(app, tenant, { Accommodations: [{ Type: 'Reader', TimeExtension: 15 }] });
    const cancel = await command(app, tenant, registration, 'cancel', { Reason: 'ill' });
    expect(cancel.status).toBe(200);

    const history = await app.request('GET', `/api/registrations/${registration}/history`, { token: auditor });
    expect(history.status).toBe(200);
    expect(history.body.map((e: any) => e.Type)).toEqual([
      'RegistrationRequested',
      'ExamFormAssigned',
      'EligibilityChanged',
      'ApprovalChanged',
      'AccommodationGranted',
      'ExamTimeLimited',
      'RegistrationCancelled',
    ]);
    const [first] = history.body;
    expect(Object.keys(first).sort()).toEqual(['Actor', 'CausationId', 'CompletedAt', 'CorrelationId', 'Data', 'Hash', 'Position', 'Revision', 'SchemaVersion', 'Time', 'Type']);
    // Every one decided and written by its own request: none is a completion.
    expect(history.body.map((e: any) => e.CompletedAt)).toEqual(history.body.map(() => null));
    expect(history.body.map((e: any) => e.Revision)).toEqual(['0', '1', '2', '3', '4', '5', '6']);
    expect(first).toMatchObject({
      Actor: 'tester',
      CorrelationId: response.headers.get('x-request-id'),
      Time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      Data: { RegistrationId: registration, Organization: tenant.org, LearnerId: tenant.learner },
    });
    expect(history.body.at(-1)).toMatchObject({ CorrelationId: cancel.headers.get('x-request-id'), Data: { Reason: 'ill' } });
    const positions = history.body.map((e: any) => BigInt(e.Position));
    expect(positions).toEqual([...positions].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));

    // The stored metadata behind it: tenant, causation, schema version and the hash chain.
    const stored = await eventStore(app).readStream(`registration-${registration}`);
    expect(stored[0].metadata).toMatchObject({
      organization: tenant.org,
      actor: 'tester',
      correlationId: response.headers.get('x-request-id'),
      causationId: response.headers.get('x-request-id'),
      schemaVersion: 1,
      hash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    // The history shows the same causation, schema version and hash, event by event.
    expect(history.body.map((e: any) => [e.CausationId, e.SchemaVersion, e.Hash])).toEqual(
      stored.map((e) => [e.metadata.causationId, e.metadata.schemaVersion, e.metadata.hash]),
    );
    // And when and by whom each happened, as stored (not the time of the audit request).
    expect(history.body.map((e: any) => [e.Time, e.Actor, e.CorrelationId])).toEqual(
      stored.map((e) => [new Date(e.metadata.occurredAt).toISOString(), e.metadata.actor, e.metadata.correlationId]),
    );
  });

  it('lists an exam event’s history; deleted registrations keep theirs', async () => {
    const { registration, event } = await registered(app, tenant);
    await tick();
    const beforeDeleting = new Date().toISOString();
    await tick();
    expect((await app.request('DELETE', `/api/registrations/${registration}`, { token: tenant.token })).status).toBe(204);
    // As of an instant after the deletion it is missing; before it, it is as it was.
    const asOf = (at: string) => app.request('GET', `/api/registrations/${registration}?asOf=${encodeURIComponent(at)}`, { token: tenant.token });
    expectProblem(await asOf(new Date().toISOString()), 404, 'Registration not found');
    expect((await asOf(beforeDeleting)).body).toMatchObject({ RegistrationIdentifier: registration, RegistrationStatus: 'Registered' });
    const events = await app.request('GET', `/api/events/${event}/history`, { token: auditor });
    expect(events.status).toBe(200);
    expect(events.body[0]).toMatchObject({ Type: 'ExamScheduled', Revision: '0', Data: { EventId: event, Organization: tenant.org } });
    const history = await app.request('GET', `/api/registrations/${registration}/history`, { token: auditor });
    expect(history.body.at(-1)).toMatchObject({ Type: 'RegistrationDeleted' });
  });

  it('needs a token (401) with the audit:read scope (403); another organization’s stream is missing (404)', async () => {
    const { registration, event } = await registered(app, tenant);
    const path = `/api/registrations/${registration}/history`;
    expect((await app.request('GET', path)).status).toBe(401);
    const noScope = await app.request('GET', path, { token: await app.token(tenant.org, ['booking:read', 'booking:write']) });
    expect(noScope.status).toBe(403);
    expect(noScope.headers.get('content-type')).toContain('application/problem+json');

    const stranger = await app.token(newId(), ['audit:read']);
    const missing = newId();
    const theirs = await app.request('GET', path, { token: stranger });
    const none = await app.request('GET', `/api/registrations/${missing}/history`, { token: stranger });
    expectProblem(theirs, 404, 'Registration not found');
    expectProblem(none, 404, 'Registration not found');
    expect(theirs.body.detail).toBe(`Registration not found: ${registration}`);
    expect(none.body.detail).toBe(`Registration not found: ${missing}`);

    const theirEvent = await app.request('GET', `/api/events/${event}/history`, { token: stranger });
    const noEvent = await app.request('GET', `/api/events/${missing}/history`, { token: stranger });
    expectProblem(theirEvent, 404, 'Exam event not found');
    // Alike but for the id each asked for.
    expect(theirEvent.body).toEqual({ ...noEvent.body, detail: `Exam event not found: ${event}`, instance: theirEvent.body.instance });
    expect(noEvent.body.detail).toBe(`Exam event not found: ${missing}`);
    expect((await app.request('GET', '/api/events/not-a-uuid/history', { token: auditor })).status).toBe(400);
  });

  it('lists a catalog entry’s definitions: who renamed a venue or changed a form, when, in which request', async () => {
    const renamed = await app.request('PUT', `/api/venues/${tenant.venue}`, {
      token: await app.token(tenant.org, ['catalog:write'], 'carol'),
      body: { Name: 'North Hall (east wing)', TimeZone: 'America/Vancouver' },
    });
    expect(renamed.status).toBe(200);
    const venue = await app.request('GET', `/api/venues/${tenant.venue.toUpperCase()}/history`, { token: auditor });
    expect(venue.status).toBe(200);
    expect(venue.body.map((e: any) => [e.Type, e.Revision, e.Actor, e.Data.Name])).toEqual([
      ['VenueDefined', '0', 'tester', 'North Hall'],
      ['VenueDefined', '1', 'carol', 'North Hall (east wing)'],
    ]);
    expect(venue.body[1].CorrelationId).toBe(renamed.headers.get('x-request-id'));

    for (const [path, type] of [
      [`/api/learners/${tenant.learner}/history`, 'LearnerDefined'],
      [`/api/assessment-forms/${tenant.chemistry}/history`, 'AssessmentFormDefined'],
      [`/api/billing-codes/${encodeURIComponent('Exam Fee (2h)')}/history`, 'BillingCodeDefined'],
    ]) {
      const history = await app.request('GET', path, { token: auditor });
      expect([path, history.status, history.body.map((e: any) => e.Type)]).toEqual([path, 200, [type]]);
    }

    // Another organization's entry of the same id is missing, worded as the catalog's GET words it.
    const stranger = await app.token(newId(), ['audit:read']);
    const theirs = await app.request('GET', `/api/venues/${tenant.venue}/history`, { token: stranger });
    expectProblem(theirs, 404, 'Venue not found');
    expect(theirs.body.detail).toBe(`Venue not found: ${tenant.venue}`);
    expectProblem(await app.request('GET', `/api/billing-codes/${encodeURIComponent('Exam Fee (2h)')}/history`, { token: stranger }), 404, 'Billing code not found');
    const reader = await app.token(tenant.org, ['booking:read']);
    expect((await app.request('GET', `/api/learners/${tenant.learner}/history`, { token: reader })).status).toBe(403);
    // Every history endpoint needs audit:read: every other scope together is not enough.
    const { registration, event } = await registered(app, tenant);
    const everythingElse = await app.token(tenant.org, ['booking:read', 'booking:write', 'catalog:write']);
    for (const path of [
      `/api/registrations/${registration}/history`,
      `/api/events/${event}/history`,
      `/api/venues/${tenant.venue}/history`,
      `/api/learners/${tenant.learner}/history`,
      `/api/assessment-forms/${tenant.chemistry}/history`,
      `/api/billing-codes/${encodeURIComponent('Exam Fee (2h)')}/history`,
    ]) {
      const denied = await app.request('GET', path, { token: everythingElse });
      expect([path, denied.status, denied.body.detail]).toEqual([path, 403, 'This endpoint requires the audit:read scope']);
    }
    expect((await app.request('GET', '/api/assessment-forms/not-a-uuid/history', { token: auditor })).status).toBe(400);
  });

  it('retrieves a registration as it was at an instant (asOf), folded from the history', async () => {
    const { registration } = await registered(app, tenant);
    await tick();
    const afterRegistering = new Date().toISOString();
    await tick();
    expect((await command(app, tenant, registration, 'grant-accommodation', { Type: 'Scribe', TimeExtension: 30 })).status).toBe(200);
    const rename = await app.request('PUT', `/api/learners/${tenant.learner}`, {
      token: tenant.token,
      body: { Name: 'Ada King', Email: 'ada@example.org', Code: 'P-1' },
    });
    expect(rename.status).toBe(200);

    const now = await retrieve(app, tenant, registration);
    const asOfNow = await app.request('GET', `/api/registrations/${registration}?asOf=${encodeURIComponent(new Date().toISOString())}`, {
      token: tenant.token,
    });
    // The fold of the streams agrees with the read model, field for field.
    expect(asOfNow.status).toBe(200);
    expect(asOfNow.body).toEqual(now.body);
    expect(now.body).toMatchObject({ LearnerName: 'Ada King', ExamTimeLimit: 120 });

    const before = await app.request('GET', `/api/registrations/${registration}?asOf=${encodeURIComponent(afterRegistering)}`, {
      token: tenant.token,
    });
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({
      RegistrationIdentifier: registration,
      LearnerName: 'Ada Lovelace',
      Accommodations: [],
      ExamTimeLimit: 90,
      LastChangeType: 'ExamTimeLimited',
    });
    expect(Object.keys(before.body)).toEqual(Object.keys(now.body));

    // asOf is inclusive: at the very instant an event happened (its Time in the history), it has happened.
    const history = (await app.request('GET', `/api/registrations/${registration}/history`, { token: auditor })).body;
    const atInstant = (type: string) => {
      const at = history.find((e: any) => e.Type === type).Time;
      return app.request('GET', `/api/registrations/${registration}?asOf=${encodeURIComponent(at)}`, { token: tenant.token });
    };
    const requested = await atInstant('RegistrationRequested');
    expect([requested.status, requested.body.RegistrationIdentifier]).toEqual([200, registration]);
    expect((await atInstant('AccommodationGranted')).body).toMatchObject({
      Accommodations: [{ Type: 'Scribe', TimeExtension: 30 }],
      ExamTimeLimit: 120,
      LastChangeType: 'ExamTimeLimited',
    });
  });

  it('answers asOf before the registration existed with 404, and a time without offset with 400', async () => {
    const earlier = '2020-01-01T00:00:00Z';
    const { registration } = await registered(app, tenant);
    const path = `/api/registrations/${registration}`;
    expectProblem(await app.request('GET', `${path}?asOf=${earlier}`, { token: tenant.token }), 404, 'Registration not found');
    const stranger = await app.token(newId());
    const now = encodeURIComponent(new Date().toISOString());
    expectProblem(await app.request('GET', `${path}?asOf=${now}`, { token: stranger }), 404, 'Registration not found');
    const noOffset = await app.request('GET', `${path}?asOf=2030-01-01T00:00:00`, { token: tenant.token });
    expect(noOffset.status).toBe(400);
    expect(noOffset.body.errors).toEqual([{ field: 'asOf', message: expect.any(String) }]);
    expect((await app.request('GET', `${path}?asOf=${now}`)).status).toBe(401);
  });

  it('still loads an event stored in an old schema version (VenueDefined v1 → v2)', async () => {
    const venue = newId();
    // Written the way the old code did: flat address fields, schema version 1, hash chained.
    const old = new HashChainedEventStore(new SqliteEventStore(join(app.config.dataDir, 'events.sqlite')));
    await old.append(
      `venue-${tenant.org}-${venue}`,
      [
        {
          type: 'VenueDefined',
          data: { Organization: tenant.org, VenueId: venue, Name: 'Old Hall', TimeZone: 'UTC', Street: null, City: 'Victoria', Province: '', PostalCode: null, Country: null },
          metadata: { organization: tenant.org, actor: 'legacy', occurredAt: '2026-01-01T00:00:00.000Z', correlationId: 'migration', causationId: null, schemaVersion: 1 },
        },
      ],
      'no_stream',
    );
    await old.close();

    // The command side reads it as v2: the same content in the current shape changes nothing.
    const put = await app.request('PUT', `/api/venues/${venue}`, {
      token: tenant.token,
      body: { Name: 'Old Hall', TimeZone: 'UTC', Address: { City: 'Victoria' } },
    });
    expect(put.status).toBe(200);
    expect(put.body.Address).toEqual({ Street: null, City: 'Victoria', Province: null, PostalCode: null, Country: null });
    const stream = await eventStore(app).readStream(`venue-${tenant.org}-${venue}`);
    expect(stream).toHaveLength(1);
    expect(stream[0].metadata.schemaVersion).toBe(2);
    const raw = new SqliteEventStore(join(app.config.dataDir, 'events.sqlite'));
    expect(await verifyHashChains(raw)).toMatchObject({ broken: null });
    await raw.close();
  });
});
