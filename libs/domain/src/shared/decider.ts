/**
 * A decider (in the style of Jérémie Chassaing's functional event sourcing): pure functions, no I/O,
 * no clock. `decide` either returns the events that record the command's outcome or throws a
 * DomainError; `evolve` folds events into state. The application layer loads, decides and appends.
 */
export interface DomainEvent<Type extends string = string, Data extends object = object> {
  readonly type: Type;
  readonly data: Data;
}

export interface Decider<Command, State, Event extends DomainEvent> {
  readonly initialState: State;
  decide(command: Command, state: State): Event[];
  evolve(state: State, event: Event): State;
}

/** Folds a history into state. */
export function replay<State, Event extends DomainEvent>(
  decider: Pick<Decider<unknown, State, Event>, 'initialState' | 'evolve'>,
  events: readonly Event[],
): State {
  return events.reduce(decider.evolve, decider.initialState);
}

/**
 * A stored event of a type this version's `evolve` does not know: written by a newer version of
 * the service (or not by the service). Folding on without it would decide on a state the stream
 * does not have, so the fold stops here, naming the type.
 */
export class UnknownEventTypeError extends Error {
  constructor(readonly eventType: string) {
    super(`Event type ${eventType} is not known to this version of the service (written by a newer version?): its stream cannot be folded`);
    this.name = 'UnknownEventTypeError';
  }
}

/** For the `default` of an `evolve` switch that handles every type of its event union. */
export function unknownEventType(event: never): never {
  throw new UnknownEventTypeError((event as DomainEvent).type);
}
