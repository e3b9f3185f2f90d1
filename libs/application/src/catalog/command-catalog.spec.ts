import { describe, expect, it } from '@jest/globals';
import { CatalogQueries, type CatalogKind } from '../../../read-model/src/catalog/catalog.queries.js';
import type { Doc } from '../../../read-model/src/read-store.js';
import { ReadYourWrites } from '../read-your-writes.js';
import { CommandCatalog } from './command-catalog.js';

const ORG = 'org-1';

/** A read model whose answers the test sets, counting the lookups that reach it. */
class FakeCatalog extends CatalogQueries {
  learners = new Set<string>();
  forms = new Map<string, Doc>();
  lookups = 0;
  /** When set, a form lookup waits for it (a lookup under way). */
  hold: Promise<void> | null = null;

  constructor() {
    super(null as never);
  }
  override async get(kind: CatalogKind, organization: string, id: string): Promise<Doc | null> {
    this.lookups++;
    return kind === 'learners' && this.learners.has(`${organization}:${id}`) ? { _id: id } : null;
  }
  override async formByCode(organization: string, code: string): Promise<Doc | null> {
    this.lookups++;
    const answer = this.forms.get(`${organization}:${code.trim().toLowerCase()}`) ?? null;
    if (this.hold) await this.hold;
    return answer;
  }
}

/** Read-your-writes the test completes by hand, position by position. */
class ManualReadYourWrites extends ReadYourWrites {
  readonly waiting = new Map<bigint, { resolve: () => void; reject: (error: Error) => void }>();
  waitFor(position: bigint | null): Promise<void> {
    return new Promise((resolve, reject) => this.waiting.set(position!, { resolve, reject }));
  }
}

function setup(options: { formChanges: boolean } = { formChanges: true }) {
  const catalog = new FakeCatalog();
  const readYourWrites = new ManualReadYourWrites();
  let appended: (position: bigint, organization: string) => void = () => undefined;
  const formChanges = { watch: (onAppended: (position: bigint, organization: string) => void) => ((appended = onAppended), () => undefined) };
  const lookups = new CommandCatalog(catalog, readYourWrites, options.formChanges ? formChanges : null);
  return { catalog, readYourWrites, lookups, formAppended: (position: bigint) => appended(position, ORG) };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('CommandCatalog', () => {
  it('remembers a learner once found, and asks again about one not found', async () => {
    const { catalog, lookups } = setup();
    expect(await lookups.learnerExists(ORG, 'ada')).toBe(false);
    catalog.learners.add(`${ORG}:ada`);
    expect(await lookups.learnerExists(ORG, 'ada')).toBe(true);
    expect(await lookups.learnerExists(ORG, 'ada')).toBe(true);
    expect(await lookups.learnerExists('org-2', 'ada')).toBe(false);
    expect(catalog.lookups).toBe(3);
  });

  it('remembers a form lookup by its code key, a miss included', async () => {
    const { catalog, lookups } = setup();
    catalog.forms.set(`${ORG}:chem-110`, { _id: 'chem' });
    expect(await lookups.formByCode(ORG, 'CHEM-110')).toEqual({ _id: 'chem' });
    expect(await lookups.formByCode(ORG, ' chem-110 ')).toEqual({ _id: 'chem' });
    expect(await lookups.formByCode(ORG, 'PHYS-100')).toBeNull();
    expect(await lookups.formByCode(ORG, 'PHYS-100')).toBeNull();
    expect(catalog.lookups).toBe(2);
  });

  it('asks the read model while a form change is unapplied, then forgets what it remembered', async () => {
    const { catalog, readYourWrites, lookups, formAppended } = setup();
    expect(await lookups.formByCode(ORG, 'PHYS-100')).toBeNull();
    formAppended(7n);
    // Applied by the read model before its checkpoint arrives: seen at once, and not remembered.
    catalog.forms.set(`${ORG}:phys-100`, { _id: 'phys' });
    expect(await lookups.formByCode(ORG, 'PHYS-100')).toEqual({ _id: 'phys' });
    catalog.forms.delete(`${ORG}:phys-100`);
    expect(await lookups.formByCode(ORG, 'PHYS-100')).toBeNull();
    expect(catalog.lookups).toBe(3);

    catalog.forms.set(`${ORG}:phys-100`, { _id: 'phys 2' });
    readYourWrites.waiting.get(7n)!.resolve();
    await flush();
    expect(await lookups.formByCode(ORG, 'PHYS-100')).toEqual({ _id: 'phys 2' });
    expect(await lookups.formByCode(ORG, 'PHYS-100')).toEqual({ _id: 'phys 2' });
    expect(catalog.lookups).toBe(4);
  });

  it('does not remember a lookup that was under way when a form changed', async () => {
    const { catalog, readYourWrites, lookups, formAppended } = setup();
    let release!: () => void;
    catalog.hold = new Promise((resolve) => (release = resolve));
    const underWay = lookups.formByCode(ORG, 'CHEM-110');
    formAppended(3n);
    readYourWrites.waiting.get(3n)!.resolve();
    await flush();
    release();
    expect(await underWay).toBeNull();
    catalog.hold = null;
    catalog.forms.set(`${ORG}:chem-110`, { _id: 'chem' });
    expect(await lookups.formByCode(ORG, 'CHEM-110')).toEqual({ _id: 'chem' });
  });

  it('stops remembering forms when the read model does not apply a change in time', async () => {
    const { catalog, readYourWrites, lookups, formAppended } = setup();
    formAppended(5n);
    readYourWrites.waiting.get(5n)!.reject(new Error('timed out'));
    await flush();
    await lookups.formByCode(ORG, 'CHEM-110');
    await lookups.formByCode(ORG, 'CHEM-110');
    expect(catalog.lookups).toBe(2);
  });

  it('never remembers forms without a feed of form changes', async () => {
    const { catalog, lookups } = setup({ formChanges: false });
    await lookups.formByCode(ORG, 'CHEM-110');
    await lookups.formByCode(ORG, 'CHEM-110');
    expect(catalog.lookups).toBe(2);
  });
});
