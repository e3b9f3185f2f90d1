import type { Decider, DomainEvent } from '../shared/decider.js';

/**
 * Catalog entries are replaced as a whole (PUT semantics), so every kind shares one decider:
 * the state is the current definition; defining it again with identical content records nothing,
 * which makes PUT idempotent in the history as well as in the read model.
 */
export interface Define<Definition> {
  definition: Definition;
}

export function definitionDecider<Type extends string, Definition extends object>(
  eventType: Type,
): Decider<Define<Definition>, Definition | null, DomainEvent<Type, Definition>> {
  return {
    initialState: null,
    decide: ({ definition }, current) =>
      current !== null && sameDefinition(current, definition) ? [] : [{ type: eventType, data: definition }],
    evolve: (_state, event) => event.data,
  };
}

function sameDefinition(a: object, b: object): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

/** Key order must not make two equal definitions look different. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}
