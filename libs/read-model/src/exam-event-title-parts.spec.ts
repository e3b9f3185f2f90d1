import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { scheduledTitle, titleWithForm, titleWithFormTitle, titleWithVenueName } from './exam-event-title-parts.js';
import { ExamEventCollections } from './exam-events/exam-events.projection.js';
import { normalizeFilter, normalizeFind } from './normalized-query.js';
import type { Doc, Filter } from './read-store.js';
import { RegistrationCollections } from './registrations/registrations.projection.js';
import { findSql } from './sqlite-query.js';
import { SqliteReadStore } from './sqlite-read-store.js';
import { readLayout } from './sqlite-schema.js';

const event = (fields: object): Doc => ({ _id: 'e', ...scheduledTitle('North Hall'), ...fields });

describe('an exam event title’s parts', () => {
  it('goes from no form to one and to several, and a form attached again or past several changes nothing', () => {
    const none = event({});
    expect(none.EventTitle).toBe('North Hall / No Exam');
    const one = { ...none, ...titleWithForm(none, 'f1', 'Chemistry') };
    expect(one).toMatchObject({ EventTitle: 'North Hall / Chemistry', TitleForms: 1, TitleFormId: 'f1' });
    expect(titleWithForm(one, 'f1', 'Chemistry')).toBeNull();
    const several = { ...one, ...titleWithForm(one, 'f2', 'Physics') };
    expect(several).toMatchObject({ EventTitle: 'North Hall / Various', TitleForms: 2, TitleFormId: null });
    expect(titleWithForm(several, 'f3', 'Biology')).toBeNull();
  });

  it('renders a new venue name or form title, and nothing when the title shows it already', () => {
    const one = event({ TitlePart: 'Chemistry', TitleForms: 1, TitleFormId: 'f1', EventTitle: 'North Hall / Chemistry' });
    expect(titleWithVenueName(one, 'South Hall')).toEqual({ VenueName: 'South Hall', EventTitle: 'South Hall / Chemistry' });
    expect(titleWithVenueName(one, 'North Hall')).toBeNull();
    expect(titleWithFormTitle(one, 'Chem')).toEqual({ TitlePart: 'Chem', EventTitle: 'North Hall / Chem' });
    expect(titleWithFormTitle(one, 'Chemistry')).toBeNull();
  });

  it('is found by index when a venue or a form changes, in both projections’ event collections', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'title-parts-'));
    const store = new SqliteReadStore(join(dir, 'read.sqlite'));
    const specs = [ExamEventCollections.events, RegistrationCollections.events];
    await store.ensureCollections(specs);
    const db = new Database(join(dir, 'read.sqlite'), { readonly: true });
    const plan = (collection: string, filter: Filter) => {
      const query = findSql(readLayout(db, collection)!, normalizeFilter(filter), normalizeFind({}));
      return (db.prepare(`EXPLAIN QUERY PLAN ${query.sql}`).all(...query.params) as Array<{ detail: string }>).map((row) => row.detail).join('\n');
    };
    try {
      for (const { name } of specs) {
        expect(plan(name, { Organization: 'o', EventVenue: 'v', VenueName: { $ne: 'South Hall' } })).toMatch(/USING INDEX .*\(Organization,EventVenue\)/);
        expect(plan(name, { Organization: 'o', TitleFormId: 'f', TitlePart: { $ne: 'Chem' } })).toMatch(/USING INDEX .*\(Organization,TitleFormId\)/);
      }
    } finally {
      db.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
