import { catalogProjection } from './catalog/catalog.projection.js';
import { examEventsProjection } from './exam-events/exam-events.projection.js';
import type { Projection } from './projection.js';
import { registrationsProjection } from './registrations/registrations.projection.js';

/** Every read model of the service, in the order the runner applies them. */
export const allProjections: readonly Projection[] = [catalogProjection, examEventsProjection, registrationsProjection];
