import { describe, expect, it } from '@jest/globals';
import { LeftEventsReactor } from '../../libs/application/src/registrations/left-events.reactor.js';
import type { StoredEvent } from '../../libs/event-store/src/event-store.js';
import { newId, TestApp } from '../support/test-app.js';
import {
  command,
  defineTenant,
  expectProblem,
  failAppendsOf,
  keepReactorOut,
  nextSlot,
  registerBody,
  registered,
  storedEvents,
  type Tenant,
} from '../support/registration-fixtures.js';

/**
 * The reactor that completes a left Individual event's automatic cancellation when the command
 * that moved its registration stopped before it (here: its append failing as on a full disk).
 */
describe('a left Individual event is cancelled even when its command stopped before it', () => {
  /** An app of its own with one tenant: each test fails its appends, and one restarts it. */
  async function started(): Promise<{ app: TestApp; tenant: Tenant }> {
    const app = await TestApp.start();
    return { app, tenant: await defineTenant(app) };
  }

  const statusOf = async (on: TestApp, tenant: Tenant, event: string) => (await on.request('GET', `/api/events/${event}`, { token: tenant.token })).body.EventStatus;
  const reactor = (on: TestApp) => on.app.get(LeftEventsReactor);

  /** The reactor's counter of `outcome` on /metrics (0 before its first count). */
  async function reactorCount(on: TestApp, outcome: string): Promise<number> {
    const text = (await on.request('GET', '/metrics')).text;
    const sample = new RegExp(`^booking_left_events_reactor_total\\{outcome="${outcome}"\\} (\\d+)$`, 'm').exec(text);
    // Shown from the start, at 0.
    expect(sample).not.toBeNull();
    return Number(sample![1]);
  }

  /** The stored event of `type` about `id` (a registration's or an exam event's). */
  async function stored(on: TestApp, tenant: Tenant, type: string, id: string): Promise<StoredEvent> {
    const found = (await storedEvents(on, tenant.org)).filter((e) => e.type === type && (e.data.RegistrationId === id || e.data.EventId === id));
    expect(found).toHaveLength(1);
    return found[0];
  }

  it('after a cancel, a delete and a transfer-lax that were never retried, on the requests’ behalf', async () => {
    const { app, tenant } = await started();
    try {
      const cancelled = await registered(app, tenant, { EventExamType: 'Individual' });
      const deleted = await registered(app, tenant, { EventExamType: 'Individual' });
      const transferred = await registered(app, tenant, { EventExamType: 'Individual' });
      const moveTo = { EventVenue: tenant.venue, EventStart: nextSlot(), EventExamType: 'Sitting', Learner: tenant.learner };

      const restore = failAppendsOf(app, 'ExamEventCancelled', { every: true });
      expect((await command(app, tenant, cancelled.registration, 'cancel')).status).toBe(503);
      expect((await app.request('DELETE', `/api/registrations/${deleted.registration}`, { token: tenant.token })).status).toBe(503);
      expect((await command(app, tenant, transferred.registration, 'transfer-lax', moveTo)).status).toBe(503);
      restore();
      // A retried transfer cannot finish it: the registration is already on the event it asks for.
      expectProblem(await command(app, tenant, transferred.registration, 'transfer-lax', moveTo), 409, 'Registration already assigned to event');

      const actedFrom = new Date().toISOString();
      await reactor(app).catchUp();
      const actedTo = new Date().toISOString();
      const auditor = await app.token(tenant.org, ['audit:read'], 'auditor');
      const leaving = [
        { event: cancelled.event, type: 'RegistrationCancelled', registration: cancelled.registration },
        { event: deleted.event, type: 'RegistrationDeleted', registration: deleted.registration },
        { event: transferred.event, type: 'RegistrationTransferred', registration: transferred.registration },
      ];
      for (const { event, type, registration } of leaving) {
        expect(await statusOf(app, tenant, event)).toBe('Cancelled');
        // Written as the stopped command would have: its actor, request id and time.
        const cause = (await stored(app, tenant, type, registration)).metadata;
        const completion = (await stored(app, tenant, 'ExamEventCancelled', event)).metadata;
        expect(completion).toMatchObject({
          actor: cause.actor,
          correlationId: cause.correlationId,
          causationId: cause.correlationId,
          occurredAt: cause.occurredAt,
        });
        // And when the reactor wrote it, which the history shows beside the stopped request's time.
        expect(completion.completedAt! >= actedFrom && completion.completedAt! <= actedTo).toBe(true);
        expect(cause.completedAt).toBeUndefined();
        const history = await app.request('GET', `/api/events/${event}/history`, { token: auditor });
        expect(history.body.at(-1)).toMatchObject({ Type: 'ExamEventCancelled', Time: new Date(cause.occurredAt).toISOString(), CompletedAt: completion.completedAt });
      }
      expect(await reactorCount(app, 'completed')).toBe(3);
      // Acting again records nothing.
      const count = (await storedEvents(app, tenant.org)).length;
      await reactor(app).catchUp();
      expect((await storedEvents(app, tenant.org)).length).toBe(count);
      expect(await reactorCount(app, 'completed')).toBe(3);
    } finally {
      await app.close();
    }
  });

  it('after a register-lax and a transfer-lax that stopped once their Individual event was created, retried or not', async () => {
    const { app, tenant } = await started();
    try {
      const retried = newId();
      const abandoned = newId();
      const moved = await registered(app, tenant);
      const individually = { EventVenue: tenant.venue, EventStart: nextSlot(), EventExamType: 'Individual', Learner: tenant.learner };
      const keptOut = keepReactorOut(app);
      // Each stores its exam event, then its registration's append fails, and so does its own undo.
      const restore = failAppendsOf(app, ['RegistrationRequested', 'RegistrationTransferred', 'ExamEventCancelled'], { every: true });
      for (const registration of [retried, abandoned]) {
        expect((await command(app, tenant, registration, 'register-lax', registerBody(tenant, { EventExamType: 'Individual' }))).status).toBe(503);
      }
      expect((await command(app, tenant, moved.registration, 'transfer-lax', individually)).status).toBe(503);
      restore();
      const createdFor = (e: StoredEvent) => (e.data.Details as { ForRegistration?: string }).ForRegistration;
      const created = (await storedEvents(app, tenant.org)).filter((e) => e.type === 'ExamEventNumberAssigned' && createdFor(e) !== undefined);
      expect(created.map(createdFor)).toEqual([retried, abandoned, moved.registration]);
      const left = created.map((e) => e.data.EventId as string);
      for (const event of left) expect(await statusOf(app, tenant, event)).toBe('Scheduled');

      // The retries make events of their own (an Individual event is never joined) and store the registrations.
      const again = await command(app, tenant, retried, 'register-lax', registerBody(tenant, { EventExamType: 'Individual' }));
      expect(again.status).toBe(201);
      const transfer = await command(app, tenant, moved.registration, 'transfer-lax', individually);
      expect(transfer.status).toBe(201);
      keptOut();

      await reactor(app).catchUp();
      for (const [i, event] of left.entries()) {
        expect(await statusOf(app, tenant, event)).toBe('Cancelled');
        // Written on behalf of the request that created it.
        expect((await stored(app, tenant, 'ExamEventCancelled', event)).metadata).toMatchObject({
          actor: created[i].metadata.actor,
          correlationId: created[i].metadata.correlationId,
          occurredAt: created[i].metadata.occurredAt,
          completedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        });
      }
      expect(await statusOf(app, tenant, again.body.Exam)).toBe('Scheduled');
      expect(await statusOf(app, tenant, transfer.body.Exam)).toBe('Scheduled');
      // The transfer's retry also left the shared event, which stays.
      expect(await statusOf(app, tenant, moved.event)).toBe('Scheduled');
      expect(await reactorCount(app, 'completed')).toBe(3);
    } finally {
      await app.close();
    }
  });

  it('after a restart, when the reactor too could not store it before the stop', async () => {
    const first = await started();
    const tenant = first.tenant;
    let app = first.app;
    try {
      const { registration, event } = await registered(app, tenant, { EventExamType: 'Individual' });
      const restore = failAppendsOf(app, 'ExamEventCancelled', { every: true });
      expect((await command(app, tenant, registration, 'cancel')).status).toBe(503);
      await reactor(app).catchUp();
      restore();
      expect(await statusOf(app, tenant, event)).toBe('Scheduled');
      expect(app.recentLogs().join('')).toContain('Could not complete the automatic cancellations of left Individual events');
      expect(await reactorCount(app, 'failed_pass')).toBeGreaterThanOrEqual(1);
      expect(await reactorCount(app, 'completed')).toBe(0);

      app = await app.restart();
      await reactor(app).catchUp();
      expect(await statusOf(app, tenant, event)).toBe('Cancelled');
      expect(await reactorCount(app, 'completed')).toBe(1);
    } finally {
      await app.close();
    }
  });
});
