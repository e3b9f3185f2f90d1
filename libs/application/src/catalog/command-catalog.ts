import type { Unsubscribe } from '../../../event-store/src/event-store.js';
import { CatalogQueries } from '../../../read-model/src/catalog/catalog.queries.js';
import { formCodeKey } from '../../../read-model/src/catalog/catalog.projection.js';
import type { Doc } from '../../../read-model/src/read-store.js';
import type { ReadYourWrites } from '../read-your-writes.js';

/** Enough for a busy tenant's active learners; beyond it the oldest are looked up again (memory stays bounded). */
const LEARNERS_REMEMBERED = 20_000;
/** Form codes are few; the bound only stops made-up codes from growing the map. */
const FORM_CODES_REMEMBERED = 1_000;

/**
 * How the catalog learns that assessment forms changed: `watch` calls back with the position of
 * every committed append to a form's stream. Only given where those appends are all this
 * process's (the embedded stores, whose projector is this process's thread).
 */
export interface FormChanges {
  watch(onAppended: (position: bigint, organization: string) => void): Unsubscribe;
}

/**
 * The catalog lookups every register-lax makes, answered from memory where that cannot differ
 * from the read model: each read-model lookup after a projector commit starts on an emptied page
 * cache, which made them the largest read cost of a command.
 *
 * - A learner, once found, stays: learners are defined or redefined, never removed. Not found
 *   is always asked again (it may be defined meanwhile).
 * - A form lookup by code is remembered only with `FormChanges`. From a form change's append
 *   until the read model has applied it, lookups go to the read model (which is then as fresh as
 *   ever) and nothing is remembered; once applied, everything remembered is dropped. A lookup that
 *   was under way when a change arrived is not remembered either.
 *
 * Documents handed out may be shared between commands: callers must not modify them.
 */
export class CommandCatalog {
  private readonly knownLearners = new Set<string>();
  private readonly formsByCode = new Map<string, Doc | null>();
  /** Form changes appended and not yet applied by the read model (or never known to be: see `formChanged`). */
  private unappliedFormChanges = 0;
  /** Bumped by every form change, so that a lookup under way across one is not remembered. */
  private formGeneration = 0;
  private readonly remembersForms: boolean;

  constructor(
    private readonly queries: CatalogQueries,
    private readonly readYourWrites: ReadYourWrites,
    formChanges: FormChanges | null,
  ) {
    this.remembersForms = formChanges !== null;
    formChanges?.watch((position, organization) => this.formChanged(position, organization));
  }

  async learnerExists(organization: string, learnerId: string): Promise<boolean> {
    const key = `${organization}\n${learnerId}`;
    if (this.knownLearners.has(key)) return true;
    const found = (await this.queries.get('learners', organization, learnerId)) !== null;
    if (found) remember(this.knownLearners, key, LEARNERS_REMEMBERED);
    return found;
  }

  /** CatalogQueries.formByCode (spec §2's choice among the forms sharing the code). */
  async formByCode(organization: string, code: string): Promise<Doc | null> {
    if (!this.remembersForms || this.unappliedFormChanges > 0) return this.queries.formByCode(organization, code);
    // The choice depends on the code only through this key (catalog.rules.ts selectAssessmentForm).
    const key = `${organization}\n${formCodeKey(code)}`;
    const remembered = this.formsByCode.get(key);
    if (remembered !== undefined) return remembered;
    const generation = this.formGeneration;
    const doc = await this.queries.formByCode(organization, code);
    if (generation === this.formGeneration && this.unappliedFormChanges === 0) {
      if (this.formsByCode.size >= FORM_CODES_REMEMBERED) this.formsByCode.clear();
      this.formsByCode.set(key, doc);
    }
    return doc;
  }

  private formChanged(position: bigint, organization: string): void {
    this.unappliedFormChanges++;
    this.forgetForms();
    this.readYourWrites.waitFor(position, organization).then(
      () => {
        this.unappliedFormChanges--;
        this.forgetForms();
      },
      // The read model did not apply it in time (projector failing): forms are no longer
      // remembered, until a restart, rather than guessed about.
      () => undefined,
    );
  }

  private forgetForms(): void {
    this.formGeneration++;
    this.formsByCode.clear();
  }
}

/** Adds `key`, dropping the oldest entry when the set is full. */
function remember(set: Set<string>, key: string, limit: number): void {
  if (set.size >= limit) set.delete(set.values().next().value as string);
  set.add(key);
}
