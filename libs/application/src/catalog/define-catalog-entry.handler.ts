import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import {
  assessmentFormDecider,
  billingCodeDecider,
  learnerDecider,
  venueDecider,
} from '../../../domain/src/catalog/catalog.deciders.js';
import { catalogStreams } from '../../../domain/src/catalog/catalog.events.js';
import type { Decider, DomainEvent } from '../../../domain/src/shared/decider.js';
import type { Define } from '../../../domain/src/catalog/definition.decider.js';
import { EventSourcedStreams } from '../event-sourcing/event-sourced-streams.js';
import { ReadYourWrites } from '../read-your-writes.js';
import { CatalogDefinition, DefineCatalogEntryCommand, DefineCatalogEntryResult } from './define-catalog-entry.command.js';

type AnyDefinitionDecider = Decider<Define<object>, object | null, DomainEvent>;

function streamAndDecider(entry: CatalogDefinition): [string, AnyDefinitionDecider] {
  const org = entry.definition.Organization;
  switch (entry.kind) {
    case 'venue':
      return [catalogStreams.venue(org, entry.definition.VenueId), venueDecider as AnyDefinitionDecider];
    case 'learner':
      return [catalogStreams.learner(org, entry.definition.LearnerId), learnerDecider as AnyDefinitionDecider];
    case 'assessmentForm':
      return [catalogStreams.assessmentForm(org, entry.definition.FormId), assessmentFormDecider as AnyDefinitionDecider];
    case 'billingCode':
      return [catalogStreams.billingCode(org, entry.definition.Code), billingCodeDecider as AnyDefinitionDecider];
  }
}

@CommandHandler(DefineCatalogEntryCommand)
export class DefineCatalogEntryHandler implements ICommandHandler<DefineCatalogEntryCommand, DefineCatalogEntryResult> {
  constructor(
    private readonly streams: EventSourcedStreams,
    private readonly readYourWrites: ReadYourWrites,
  ) {}

  async execute({ entry, context }: DefineCatalogEntryCommand): Promise<DefineCatalogEntryResult> {
    const [streamId, decider] = streamAndDecider(entry);
    const result = await this.streams.update(
      streamId,
      decider,
      (state) => decider.decide({ definition: entry.definition }, state),
      context,
    );
    await this.readYourWrites.waitFor(result.position, context.organization);
    return { created: result.before === null };
  }
}
