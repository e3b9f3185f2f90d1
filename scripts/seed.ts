/**
 * Fills the embedded stores with registrations through the real event path: the deciders decide
 * the events (catalog, exam events, the organization's schedule, registrations), they are appended
 * in batches through the event store every process uses (schema version stamped, hash chained, so
 * `audit verify` passes), and the projection runner projects them into the read store.
 *
 *   npm run seed -- --registrations 1000000 [--data-dir ./data] [--organization <uuid>]
 *
 * The data folder must hold no events yet. Writes `seed.json` (organization, counts) beside the
 * stores for the benchmark. Registrations change one every 30 seconds, going back from now.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { auditedEventStore } from '../libs/application/src/audit/audited-event-store.js';
import { EventSourcedStreams } from '../libs/application/src/event-sourcing/event-sourced-streams.js';
import { examScheduleDecider, examScheduleStreamId, type ExamScheduleState } from '../libs/domain/src/exam-schedule/exam-schedule.decider.js';
import type { ExamScheduledData } from '../libs/domain/src/exam-event/exam-event.events.js';
import type { ExpectedRevision } from '../libs/event-store/src/event-store.js';
import { SqliteEventStore } from '../libs/event-store/src/sqlite-event-store.js';
import { ProjectionRunner } from '../libs/read-model/src/projection-runner.js';
import { allProjections } from '../libs/read-model/src/projections.js';
import { SqliteReadStore } from '../libs/read-model/src/sqlite-read-store.js';
import { inBatch } from './seed/event-store-batch.js';
import { type FormSeed, type LearnerSeed, RegistrationHistory, type StreamAppend } from './seed/registration-history.js';
import { learnerFor } from './seed/people.js';

/** A wrong option or value: the message and exit code 2, not a stack. */
function usage(message: string): never {
  console.error(`${message}\nUsage: npm run seed -- [--registrations N] [--data-dir DIR] [--organization UUID]`);
  process.exit(2);
}

function options() {
  try {
    return parseArgs({
      options: {
        registrations: { type: 'string', default: '1000' },
        'data-dir': { type: 'string', default: './data' },
        organization: { type: 'string' },
      },
    }).values;
  } catch (error) {
    return usage((error as Error).message);
  }
}
const values = options();
const total = Number(values.registrations);
if (!Number.isSafeInteger(total) || total < 1) usage('--registrations must be a positive integer');
const dataDir = resolve(values['data-dir']!);
const organization = values.organization ?? randomUUID();

/** Streams appended per SQLite transaction. */
const BATCH = 2_000;
/** Each learner holds a few registrations; each exam event seats a hundred. */
const REGISTRATIONS_PER_LEARNER = 4;
const REGISTRATIONS_PER_EVENT = 100;
const CHANGE_INTERVAL_MS = 30_000;

async function main(): Promise<void> {
  mkdirSync(dataDir, { recursive: true });
  const eventStore = auditedEventStore(new SqliteEventStore(join(dataDir, 'events.sqlite')));
  const readStore = new SqliteReadStore(join(dataDir, 'read.sqlite'));
  if ((await eventStore.headPosition()) !== null) throw new Error(`${dataDir} already holds events; seed an empty folder`);
  const runner = new ProjectionRunner(eventStore, readStore, allProjections, { batchSize: 5_000 });
  await runner.start();

  const history = new RegistrationHistory(new EventSourcedStreams(eventStore), organization);
  const now = Date.now();
  const setUpAt = new Date(now - total * CHANGE_INTERVAL_MS - 3_600_000);
  const startedAt = performance.now();
  let position: bigint | null = null;

  /** Appends in batches, then lets the runner project them before the next batch. */
  const flush = async (appends: StreamAppend[], label: string, done: number, of: number) => {
    for (let i = 0; i < appends.length; i += BATCH) {
      position = (await inBatch(eventStore, appends.slice(i, i + BATCH))) ?? position;
      if (position !== null) await runner.waitFor(position, 3_600_000);
    }
    const seconds = (performance.now() - startedAt) / 1000;
    console.log(`${label}: ${done}/${of} appended and projected (${seconds.toFixed(0)} s)`);
  };

  const venues = Array.from({ length: 10 }, (_, i) => ({ id: randomUUID(), name: `Hall ${i + 1}`, timeZone: i % 2 ? 'America/Vancouver' : 'America/Toronto' }));
  const forms: FormSeed[] = Array.from({ length: 20 }, (_, i) => ({ id: randomUUID(), code: `FORM-${i + 1}`, title: `Assessment ${i + 1}` }));
  await flush([...venues.map((v) => history.venue(v, setUpAt)), ...forms.map((f) => history.form(f, setUpAt))], 'catalog', 1, 1);

  const learnerCount = Math.ceil(total / REGISTRATIONS_PER_LEARNER);
  const learners: LearnerSeed[] = [];
  for (let i = 0; i < learnerCount; i += BATCH) {
    const chunk = Array.from({ length: Math.min(BATCH, learnerCount - i) }, (_, k) => learnerFor(i + k));
    learners.push(...chunk);
    await flush(chunk.map((learner) => history.learner(learner, setUpAt)), 'learners', i + chunk.length, learnerCount);
  }

  // Exam events in the future, recorded in the organization's schedule as the API would.
  const eventCount = Math.ceil(total / REGISTRATIONS_PER_EVENT);
  const eventIds: string[] = [];
  let schedule: ExamScheduleState = examScheduleDecider.initialState;
  let scheduleRevision: ExpectedRevision = 'no_stream';
  for (let i = 0; i < eventCount; i += BATCH) {
    const appends: StreamAppend[] = [];
    const assigned = [];
    for (let n = i; n < Math.min(i + BATCH, eventCount); n++) {
      const venue = venues[n % venues.length];
      const start = new Date(Date.UTC(2030, 0, 1) + n * 3_600_000).toISOString();
      // Registration r joins event r % eventCount with form r % forms.length (below): the forms
      // register-lax would have attached to this event, in the order its registrations bring them.
      const eventForms = new Set<FormSeed>();
      for (let r = n; r < total && eventForms.size < forms.length; r += eventCount) eventForms.add(forms[r % forms.length]);
      const scheduled = history.examEvent({ id: randomUUID(), number: n + 1, venue, start }, setUpAt, [...eventForms]);
      const details = scheduled.events[0].data as unknown as ExamScheduledData;
      const numbered = examScheduleDecider.decide({ type: 'AssignEventNumber', details }, schedule);
      schedule = numbered.reduce(examScheduleDecider.evolve, schedule);
      assigned.push(...numbered);
      eventIds.push(details.EventId);
      appends.push(scheduled);
    }
    // The schedule is the commit point of a new event: its numbers go first.
    const numbers = history.append(examScheduleStreamId(organization), assigned, setUpAt);
    const appended = await eventStore.append(numbers.streamId, numbers.events, scheduleRevision);
    scheduleRevision = appended.nextExpectedRevision;
    await flush(appends, 'exam events', eventIds.length, eventCount);
  }

  for (let i = 0; i < total; i += BATCH) {
    const appends: StreamAppend[] = [];
    for (let r = i; r < Math.min(i + BATCH, total); r++) {
      const changedAt = new Date(now - (total - r) * CHANGE_INTERVAL_MS);
      const learner = learners[r % learners.length];
      appends.push(history.registration(randomUUID(), eventIds[r % eventIds.length], learner.id, forms[r % forms.length], changedAt));
    }
    await flush(appends, 'registrations', i + appends.length, total);
  }

  await runner.stop();
  await readStore.close();
  await eventStore.close();
  writeFileSync(join(dataDir, 'seed.json'), JSON.stringify({ organization, registrations: total, learners: learnerCount, examEvents: eventCount }, null, 2));
  console.log(`Seeded ${total} registrations for organization ${organization} in ${dataDir}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
