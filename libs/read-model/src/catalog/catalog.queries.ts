import type { AssessmentFormDefinition, FormStatus } from '../../../domain/src/catalog/catalog.events.js';
import { selectAssessmentForm } from '../../../domain/src/catalog/catalog.rules.js';
import type { Doc, ReadView } from '../read-store.js';
import { CatalogCollections, catalogKey, formCodeKey } from './catalog.projection.js';

export type CatalogKind = keyof typeof CatalogCollections;

/** The API shape of a catalog document: internal keys removed. */
const INTERNAL_FIELDS = new Set(['_id', 'Organization', 'CodeKey']);

export function catalogView(doc: Doc): Record<string, unknown> {
  return Object.fromEntries(Object.entries(doc).filter(([field]) => !INTERNAL_FIELDS.has(field)));
}

export class CatalogQueries {
  constructor(private readonly view: ReadView) {}

  get(kind: CatalogKind, organization: string, id: string): Promise<Doc | null> {
    return this.view.get(CatalogCollections[kind].name, catalogKey(organization, id), organization);
  }

  list(kind: CatalogKind, organization: string): Promise<Doc[]> {
    const sortField = kind === 'billingCodes' ? 'Code' : kind === 'assessmentForms' ? 'CodeKey' : 'Name';
    return this.view.find(
      CatalogCollections[kind].name,
      { Organization: organization },
      { sort: [[sortField, 1], ['_id', 1]] },
    );
  }

  /** The form register-lax and change-assessment use for a code (spec §2), or null. */
  async formByCode(organization: string, code: string): Promise<Doc | null> {
    const docs = await this.view.find(CatalogCollections.assessmentForms.name, {
      Organization: organization,
      CodeKey: formCodeKey(code),
    });
    const chosen = selectAssessmentForm(docs.map(toFormDefinition), code);
    return chosen ? (docs.find((d) => d.AssessmentFormIdentifier === chosen.FormId) ?? null) : null;
  }
}

function toFormDefinition(doc: Doc): AssessmentFormDefinition {
  return {
    Organization: doc.Organization as string,
    FormId: doc.AssessmentFormIdentifier as string,
    Code: doc.Code as string,
    Name: (doc.Name as string | null) ?? null,
    Title: (doc.Title as string | null) ?? null,
    Status: (doc.Status as FormStatus | null) ?? null,
    Asset: (doc.Asset as number | null) ?? null,
    TimeLimit: (doc.TimeLimit as number | null) ?? null,
  };
}
