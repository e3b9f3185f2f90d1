/**
 * Races the existing concurrency suites (test/e2e/registration-concurrency, exam-events-concurrency)
 * do not cover: every kind of command at once on one registration, and cancelling an exam event
 * while registrations pour into its slot.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { RegistrationSupport } from '../../libs/application/src/registrations/registration-support.js';
import { replay } from '../../libs/domain/src/shared/decider.js';
import { registrationDecider } from '../../libs/domain/src/registration/registration.decider.js';
import type { RegistrationEvent } from '../../libs/domain/src/registration/registration.events.js';
import { depth } from '../support/depth.js';
import { newId, TestApp } from '../support/test-app.js';
import {
  command,
  defineTenant,
  eventStore,
  expectStatusIn,
  listEvents,
  nextSlot,
  registerBody,
  registered,
  retrieve,
  type Tenant,
} from '../support/registration-fixtures.js';

/** Rounds of each race (`RACE_ROUNDS`). */
const ROUNDS = depth('RACE_ROUNDS', 5);
const TIMEOUT_MS = 30_000 + ROUNDS * 1_000;

describe('races on one registration and on one slot', () => {
  let app: TestApp;
  let tenant: Tenant;

  beforeAll(async () => {
    app = await TestApp.start();
    tenant = await defineTenant(app);
  });
  afterAll(() => app.close());

  it('mixed transfers, grants, revokes, assessment changes and a cancel on one registration end equal to a replay of its stream', async () => {
    for (let round = 0; round < ROUNDS; round++) await raceOnOneRegistration();
  }, TIMEOUT_MS);

  /** Every kind of command at once on a new registration, then its stream, read model and counts checked. */
  async function raceOnOneRegistration(): Promise<void> {
    const start = nextSlot();
    const { registration } = await registered(app, tenant, { EventStart: start, Accommodations: [{ Type: 'Reader', TimeExtension: 5 }] });
    const targets = Array.from({ length: 4 }, () => nextSlot());
    const requests = [
      ...targets.map((EventStart) => command(app, tenant, registration, 'transfer-lax', { EventVenue: tenant.venue, EventStart, Learner: tenant.learner })),
      ...Array.from({ length: 5 }, (_, i) => command(app, tenant, registration, 'grant-accommodation', { Type: `Extra ${i}`, TimeExtension: i + 1 })),
      command(app, tenant, registration, 'revoke-accommodation', { Type: 'Reader' }),
      command(app, tenant, registration, 'change-assessment', { Assessment: 'PHYS-100' }),
      command(app, tenant, registration, 'change-assessment', { Assessment: 'CHEM-110' }),
      command(app, tenant, registration, 'cancel', { Reason: 'race' }),
    ];
    const responses = await Promise.all(requests);
    for (const response of responses) await expectStatusIn(app, response, [200, 201, 409]);
    expect(responses.at(-1)!.status).toBe(200);

    const stored = await eventStore(app).readStream(`registration-${registration}`);
    const folded = replay(registrationDecider, stored.map((e) => ({ type: e.type, data: e.data }) as RegistrationEvent))!;
    // Nothing changes a cancelled registration.
    expect(stored.at(-1)!.type).toBe('RegistrationCancelled');
    expect(folded.status).toBe('Cancelled');

    // Every acknowledged command left its fact in the stream.
    const types = (type: string) => stored.filter((e) => e.type === type);
    for (const response of responses.slice(0, targets.length)) {
      if (response.status < 300) expect(types('RegistrationTransferred').map((e) => e.data.ToEventId)).toContain(response.body.Exam);
      else expect(response.body.detail).toMatch(/Registration is cancelled|Registration already assigned to event/);
    }
    for (const [i, response] of responses.slice(targets.length, targets.length + 5).entries()) {
      if (response.status === 200) expect(types('AccommodationGranted').map((e) => e.data.Type)).toContain(`Extra ${i}`);
      else expect(response.body.detail).toContain('Registration is cancelled');
    }

    const read = (await retrieve(app, tenant, registration)).body;
    expect({
      event: read.EventIdentifier,
      status: read.RegistrationStatus,
      form: read.AssessmentFormIdentifier,
      accommodations: read.Accommodations,
      limit: read.ExamTimeLimit,
    }).toEqual({
      event: folded.eventId,
      status: folded.status,
      form: folded.form!.id,
      accommodations: folded.accommodations,
      limit: folded.examTimeLimit,
    });
    // A cancelled registration counts nowhere. The round's events start on its slots' days (one, or two
    // when the slots cross midnight): those days list them all, however many rounds came before.
    const days = new Set([start, ...targets].map((slot) => slot.slice(0, 10)));
    const events = (await Promise.all([...days].map((day) => listEvents(app, tenant, day)))).flat();
    for (const id of new Set([...types('RegistrationTransferred').map((e) => e.data.ToEventId as string), folded.eventId])) {
      expect(events.find((e) => e.EventIdentifier === id)?.RegistrationCount).toBe(0);
    }
  }

  it('cancelling an exam event while registrations race into its slot never leaves an active registration on a cancelled event', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const start = nextSlot();
      // An event with no active registration, so that it may be cancelled.
      const first = await registered(app, tenant, { EventStart: start });
      expect((await command(app, tenant, first.registration, 'cancel')).status).toBe(200);
      const ids = Array.from({ length: 6 }, () => newId());
      const [cancel, ...registrations] = await Promise.all([
        app.request('POST', `/api/events/${first.event}/cancel`, { token: tenant.token, body: {} }),
        ...ids.map((id) => command(app, tenant, id, 'register-lax', registerBody(tenant, { EventStart: start }))),
      ]);
      await expectStatusIn(app, cancel, [200, 409]);
      for (const response of registrations) await expectStatusIn(app, response, [200, 201]);

      // Every event of the round starts at `start`: its day lists them all.
      const events = await listEvents(app, tenant, start.slice(0, 10));
      for (const response of registrations) {
        const event = events.find((e) => e.EventIdentifier === response.body.Exam);
        expect({ round, registration: response.body.Registration, status: event?.EventStatus }).toEqual({ round, registration: response.body.Registration, status: 'Scheduled' });
      }
      const cancelledEvent = events.find((e) => e.EventIdentifier === first.event)!;
      if (cancel.status === 200) expect(cancelledEvent).toMatchObject({ EventStatus: 'Cancelled', RegistrationCount: 0 });
      // The slot holds at most one open event: the old one, or the one that replaced it.
      expect(new Set(registrations.map((r) => r.body.Exam)).size).toBe(1);
    }
  }, TIMEOUT_MS);

  it('a cancel that arrives while a registration that joined the event has not stored it yet counts that registration', async () => {
    // The race above, with the registration held at its worst moment every time instead of now and then:
    // it has found the event (and holds it) but not yet appended its RegistrationRequested.
    const start = nextSlot();
    const first = await registered(app, tenant, { EventStart: start });
    expect((await command(app, tenant, first.registration, 'cancel')).status).toBe(200);
    const support = app.app.get(RegistrationSupport);
    const update = support.update.bind(support);
    let joined!: () => void;
    const decided = new Promise<void>((resolve) => (joined = resolve));
    let proceed!: () => void;
    const go = new Promise<void>((resolve) => (proceed = resolve));
    const paused = jest.spyOn(support, 'update').mockImplementationOnce(async (...args) => {
      joined();
      await go;
      return update(...args);
    });
    try {
      const id = newId();
      const registering = command(app, tenant, id, 'register-lax', registerBody(tenant, { EventStart: start }));
      await decided;
      const cancelling = app.request('POST', `/api/events/${first.event}/cancel`, { token: tenant.token, body: {} });
      // The cancel should wait for the registration; let the registration go on once the cancel has
      // answered anyway, or after 300 ms.
      await Promise.race([cancelling, new Promise((resolve) => setTimeout(resolve, 300))]);
      proceed();
      const [registration, cancel] = await Promise.all([registering, cancelling]);
      await expectStatusIn(app, registration, [200, 201]);
      await expectStatusIn(app, cancel, [200, 409]);

      const events = await listEvents(app, tenant, start.slice(0, 10));
      expect(events.find((e) => e.EventIdentifier === registration.body.Exam)).toMatchObject({ EventStatus: 'Scheduled', RegistrationCount: 1 });
      if (cancel.status === 200) expect(registration.body.Exam).not.toBe(first.event);
    } finally {
      proceed();
      paused.mockRestore();
    }
  }, TIMEOUT_MS);
});
