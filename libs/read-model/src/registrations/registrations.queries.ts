import type { ReadStore } from '../read-store.js';
import { REGISTRATION_DETAIL_VIEW, RegistrationCollections } from './registrations.projection.js';

export class RegistrationQueries {
  constructor(private readonly store: Pick<ReadStore, 'getView'>) {}

  /**
   * The registration as retrieve shows it, as JSON text (kept rendered with the row), or null when
   * missing, deleted or another organization's.
   */
  retrieve(organization: string, registrationId: string): Promise<string | null> {
    return this.store.getView(RegistrationCollections.registrations.name, registrationId, REGISTRATION_DETAIL_VIEW, {
      Organization: organization,
    });
  }
}
