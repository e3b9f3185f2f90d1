import { describe, expect, it } from '@jest/globals';
import { LeftEventsReactor } from '../../libs/application/src/registrations/left-events.reactor.js';
import type { StoredEvent } from '../../libs/event-store/src/event-store.js';
import { TestApp } from '../support/test-app.js';
import { command, defineTenant, expectProblem, failAppendsOf, nextSlot, registered, storedEvents, type Tenant } from '../support/registration-fixtures.js';

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
    return Number(new RegExp(`^booking_left_events_reactor_total\\{outcome="${outcome}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
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

      await reactor(app).catchUp();
      const leaving = [
        { event: cancelled.event, type: 'RegistrationCancelled', registration: cancelled.registration },
        { event: deleted.event, type: 'RegistrationDeleted', registration: deleted.registration },
        { event: transferred.event, type: 'RegistrationTransferred', registration: transferred.registration },
      ];
      for (const { event, type, registration } of leaving) {
        expect(await statusOf(app, tenant, event)).toBe('Cancelled');
        // Written as the stopped command would have: its actor, request id and time.
        const cause = (await stored(app, tenant, type, registration)).metadata;
        expect((await stored(app, tenant, 'ExamEventCancelled', event)).metadata).toMatchObject({
          actor: cause.actor,
          correlationId: cause.correlationId,
          causationId: cause.correlationId,
          occurredAt: cause.occurredAt,
        });
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
