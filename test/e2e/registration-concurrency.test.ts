import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { ExamEventScheduler } from '../../libs/application/src/exam-events/exam-event-scheduler.js';
import { replay } from '../../libs/domain/src/shared/decider.js';
import { registrationDecider } from '../../libs/domain/src/registration/registration.decider.js';
import type { RegistrationEvent } from '../../libs/domain/src/registration/registration.events.js';
import { newId, TestApp } from '../support/test-app.js';
import {
  command,
  defineTenant,
  eventStore,
  FORM_TIME_LIMIT,
  listEvents,
  nextSlot,
  registerBody,
  registered,
  retrieve,
  storedEvents,
  type Tenant,
} from '../support/registration-fixtures.js';

describe('registration commands under concurrency', () => {
  let app: TestApp;
  let tenant: Tenant;

  beforeAll(async () => {
    app = await TestApp.start();
    tenant = await defineTenant(app);
  });
  afterAll(() => app.close());

  it('24 concurrent register-lax for one new venue and minute make one exam event, answered 201 exactly once', async () => {
    const start = nextSlot();
    const ids = Array.from({ length: 24 }, () => newId());
    const responses = await Promise.all(
      ids.map((id) => command(app, tenant, id, 'register-lax', registerBody(tenant, { EventStart: start }))),
    );
    expect(responses.map((r) => r.status).sort()).toEqual([...Array<number>(23).fill(200), 201]);
    const exams = new Set(responses.map((r) => r.body.Exam));
    expect(exams.size).toBe(1);
    const [exam] = exams;

    const scheduled = (await storedEvents(app, tenant.org)).filter((e) => e.type === 'ExamScheduled');
    expect(scheduled.map((e) => e.data.EventId)).toEqual([exam]);
    expect((await listEvents(app, tenant)).find((e) => e.EventIdentifier === exam)).toMatchObject({
      RegistrationCount: 24,
      EventTitle: 'North Hall / Chemistry',
    });
    for (const id of ids) expect((await retrieve(app, tenant, id)).body.EventIdentifier).toBe(exam);
  });

  it('concurrent register-lax answer only once their exam event shows their form: a read right after each answer sees it', async () => {
    // Attaching the form slowed down, as under contention on the event's stream: an answer sent
    // before the attach is stored would be read with the event's title still lacking the form.
    const scheduler = app.app.get(ExamEventScheduler);
    const attach = scheduler.attachForm.bind(scheduler);
    const slowed = jest.spyOn(scheduler, 'attachForm').mockImplementation(async (...args) => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      return attach(...args);
    });
    try {
      const start = nextSlot();
      const seen = await Promise.all(
        Array.from({ length: 4 }, async () => {
          const response = await command(app, tenant, newId(), 'register-lax', registerBody(tenant, { EventStart: start }));
          const event = (await listEvents(app, tenant, start.slice(0, 10))).find((e) => e.EventIdentifier === response.body.Exam);
          return { status: response.status, title: event?.EventTitle };
        }),
      );
      expect(seen.map((s) => s.title)).toEqual(Array(4).fill('North Hall / Chemistry'));
      expect(seen.map((s) => s.status).sort()).toEqual([200, 200, 200, 201]);
    } finally {
      slowed.mockRestore();
    }
  });

  it('concurrent register-lax with one new id for different free slots: one is registered, the others refused create no exam event', async () => {
    // Four rounds: before the per-registration lock, about every other round left events behind.
    for (let round = 0; round < 4; round++) {
      const scheduledBefore = (await storedEvents(app, tenant.org)).filter((e) => e.type === 'ExamScheduled').length;
      const id = newId();
      const slots = Array.from({ length: 5 }, () => nextSlot());
      const responses = await Promise.all(slots.map((start) => command(app, tenant, id, 'register-lax', registerBody(tenant, { EventStart: start }))));
      expect(responses.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409]);
      const scheduled = (await storedEvents(app, tenant.org)).filter((e) => e.type === 'ExamScheduled');
      expect(scheduled.slice(scheduledBefore).map((e) => e.data.EventId)).toEqual([responses.find((r) => r.status === 201)!.body.Exam]);
    }
  });

  it.each(['cancel', 'delete'])('a transfer racing a %s of its registration creates an exam event only when it succeeds', async (racer) => {
    // Before every registration command took the per-registration lock, about every other round
    // left the refused transfer's new event behind.
    for (let round = 0; round < 9; round++) {
      const { registration } = await registered(app, tenant);
      const scheduledBefore = (await storedEvents(app, tenant.org)).filter((e) => e.type === 'ExamScheduled').length;
      const [transfer, raced] = await Promise.all([
        command(app, tenant, registration, 'transfer-lax', { EventVenue: tenant.venue, EventStart: nextSlot(), Learner: tenant.learner }),
        // The racer sent 0–2 ms after the transfer, to land between its checks and its append.
        new Promise((sent) => setTimeout(sent, round % 3)).then(() =>
          racer === 'cancel'
            ? command(app, tenant, registration, 'cancel')
            : app.request('DELETE', `/api/registrations/${registration}`, { token: tenant.token }),
        ),
      ]);
      expect(raced.status).toBe(racer === 'cancel' ? 200 : 204);
      expect([201, 404, 409]).toContain(transfer.status);
      const scheduled = (await storedEvents(app, tenant.org)).filter((e) => e.type === 'ExamScheduled').slice(scheduledBefore);
      expect(scheduled.map((e) => e.data.EventId)).toEqual(transfer.status === 201 ? [transfer.body.Exam] : []);
    }
  });

  it('concurrent grants and revokes on one registration lose no update and equal a replay of what was stored', async () => {
    const held = ['Reader', 'Scribe', 'Rest breaks', 'Large print', 'Quiet room', 'Computer'];
    const { registration } = await registered(app, tenant, {
      Accommodations: held.map((Type, i) => ({ Type, TimeExtension: i + 1 })),
    });
    const grants = Array.from({ length: 12 }, (_, i) => ({ Type: `Extra ${i}`, TimeExtension: 10 * (i + 1) }));
    // Five identical grants of one more type: only one of them changes anything.
    const repeated = { Type: 'Separate room', Name: 'Room 4', TimeExtension: 5 };
    const responses = await Promise.all([
      ...grants.map((body) => command(app, tenant, registration, 'grant-accommodation', body)),
      ...held.map((Type) => command(app, tenant, registration, 'revoke-accommodation', { Type })),
      ...Array.from({ length: 5 }, () => command(app, tenant, registration, 'grant-accommodation', repeated)),
    ]);
    expect(responses.every((r) => r.status === 200)).toBe(true);

    const stored = await eventStore(app).readStream(`registration-${registration}`);
    const history = stored.map((e) => ({ type: e.type, data: e.data }) as RegistrationEvent);
    const folded = replay(registrationDecider, history)!;
    const expected = [...grants, repeated];
    expect([...folded.accommodations].sort((a, b) => a.Type.localeCompare(b.Type))).toEqual(
      expected.map((a) => ({ Name: null, ...a })).sort((a, b) => a.Type.localeCompare(b.Type)),
    );
    const limit = FORM_TIME_LIMIT + expected.reduce((sum, a) => sum + a.TimeExtension, 0);
    expect(folded.examTimeLimit).toBe(limit);

    // Every command that changed something recorded exactly one change and one new time limit.
    const count = (type: string) => stored.filter((e) => e.type === type).length;
    expect(count('AccommodationGranted')).toBe(held.length + grants.length + 1);
    expect(count('AccommodationRevoked')).toBe(held.length);
    expect(count('ExamTimeLimited')).toBe(1 + held.length + grants.length + 1);

    const read = (await retrieve(app, tenant, registration)).body;
    expect(read.Accommodations).toEqual(folded.accommodations);
    expect(read.ExamTimeLimit).toBe(limit);
  });
});
