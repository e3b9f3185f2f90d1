/**
 * Given/when/then for decider specs: `given(decider, history).when(command).then(events)` or
 * `.then(DomainError.conflict('…'))`. The history is folded with the decider's own evolve, so a
 * spec exercises decide and evolve together, exactly as the application does.
 */
import { type Decider, type DomainEvent, replay } from './decider.js';
import { DomainError } from './domain-error.js';

export function given<Command, State, Event extends DomainEvent>(
  decider: Decider<Command, State, Event>,
  history: readonly Event[] = [],
) {
  const state = replay(decider, history);
  return {
    state,
    when: (command: Command) => ({
      then(expected: readonly Event[] | DomainError): void {
        if (!(expected instanceof DomainError)) {
          expect(decider.decide(command, state)).toEqual(expected);
          return;
        }
        const refusal = refusalOf(() => decider.decide(command, state));
        expect(refusal).toEqual({ kind: expected.kind, message: expected.message });
      },
    }),
  };
}

function refusalOf(decide: () => unknown): { kind: string; message: string } | { decided: unknown } {
  try {
    return { decided: decide() };
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return { kind: error.kind, message: error.message };
  }
}
