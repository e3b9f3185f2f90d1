import { pickFields, type ReadView } from '../read-store.js';
import { REGISTRATION_DETAIL_FIELDS } from './registration-fields.js';
import { RegistrationCollections } from './registrations.projection.js';

export class RegistrationQueries {
  constructor(private readonly view: ReadView) {}

  /** The registration as retrieve shows it, or null when missing, deleted or another organization's. */
  async retrieve(organization: string, registrationId: string): Promise<Record<string, unknown> | null> {
    const doc = await this.view.get(RegistrationCollections.registrations.name, registrationId);
    if (doc === null || doc.Organization !== organization) return null;
    return pickFields(doc, REGISTRATION_DETAIL_FIELDS);
  }
}
