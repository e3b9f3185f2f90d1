import type { StoredEvent } from '../../../event-store/src/event-store.js';
import type {
  AssessmentFormDefinition,
  BillingCodeDefinition,
  LearnerDefinition,
  VenueDefinition,
} from '../../../domain/src/catalog/catalog.events.js';
import { examDurationMinutes } from '../../../domain/src/catalog/catalog.rules.js';
import type { Projection } from '../projection.js';
import type { Change, CollectionSpec } from '../read-store.js';

/** Catalog documents are keyed by organization and id: two tenants may use the same id. */
export const catalogKey = (organization: string, id: string) => `${organization}:${id}`;

export const CatalogCollections = {
  venues: { name: 'catalog_venues', indexes: [['Organization', 'Name']] },
  learners: { name: 'catalog_learners', indexes: [['Organization', 'Name']] },
  assessmentForms: { name: 'catalog_assessment_forms', indexes: [['Organization', 'CodeKey']] },
  billingCodes: { name: 'catalog_billing_codes', indexes: [['Organization', 'Code']] },
} satisfies Record<string, CollectionSpec>;

/** Form codes are looked up case-insensitively; the key is stored so the lookup can use an index. */
export const formCodeKey = (code: string) => code.trim().toLowerCase();

export const catalogProjection: Projection = {
  name: 'catalog',
  collections: Object.values(CatalogCollections),
  eventTypes: ['VenueDefined', 'LearnerDefined', 'AssessmentFormDefined', 'BillingCodeDefined'],
  project(event: StoredEvent): Change[] {
    switch (event.type) {
      case 'VenueDefined': {
        const v = event.data as unknown as VenueDefinition;
        return [
          upsert(CatalogCollections.venues.name, v.Organization, v.VenueId, {
            VenueIdentifier: v.VenueId,
            Name: v.Name,
            TimeZone: v.TimeZone,
            Address: v.Address,
          }),
        ];
      }
      case 'LearnerDefined': {
        const l = event.data as unknown as LearnerDefinition;
        return [
          upsert(CatalogCollections.learners.name, l.Organization, l.LearnerId, {
            LearnerIdentifier: l.LearnerId,
            Name: l.Name,
            Email: l.Email,
            Code: l.Code,
          }),
        ];
      }
      case 'AssessmentFormDefined': {
        const f = event.data as unknown as AssessmentFormDefinition;
        return [
          upsert(CatalogCollections.assessmentForms.name, f.Organization, f.FormId, {
            AssessmentFormIdentifier: f.FormId,
            Code: f.Code,
            CodeKey: formCodeKey(f.Code),
            Name: f.Name,
            Title: f.Title,
            Status: f.Status,
            Asset: f.Asset,
            TimeLimit: f.TimeLimit,
          }),
        ];
      }
      case 'BillingCodeDefined': {
        const b = event.data as unknown as BillingCodeDefinition;
        return [
          upsert(CatalogCollections.billingCodes.name, b.Organization, b.Code, {
            Code: b.Code,
            Duration: b.Duration,
            ExamDuration: examDurationMinutes(b),
          }),
        ];
      }
      default:
        return [];
    }
  },
};

function upsert(collection: string, organization: string, id: string, fields: Record<string, unknown>): Change {
  return { kind: 'upsert', collection, doc: { _id: catalogKey(organization, id), Organization: organization, ...fields } };
}
