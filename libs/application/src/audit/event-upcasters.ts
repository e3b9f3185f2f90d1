import type { Upcaster } from '../../../event-store/src/upcasting-event-store.js';

const ADDRESS_FIELDS = ['Street', 'City', 'Province', 'PostalCode', 'Country'] as const;

/**
 * VenueDefined v1 → v2: v1 stored the address as five top-level fields (`Street`, `City`, …);
 * v2 groups them under `Address`, which is null when none is set. Events stored before the
 * versioning existed were stamped v1 but already carry `Address`; those are left as they are.
 */
const venueAddressGrouped: Upcaster = {
  type: 'VenueDefined',
  fromVersion: 1,
  upcast(data) {
    if ('Address' in data) return data;
    const rest: Record<string, unknown> = { ...data };
    const address: Record<string, unknown> = {};
    for (const field of ADDRESS_FIELDS) {
      const value = rest[field];
      delete rest[field];
      address[field] = typeof value === 'string' && value.trim() !== '' ? value : null;
    }
    const any = Object.values(address).some((value) => value !== null);
    return { ...rest, Address: any ? address : null };
  },
};

/** Every schema change of the domain events, oldest first. Add one per version bump. */
export const eventUpcasters: readonly Upcaster[] = [venueAddressGrouped];
