import { Injectable, OnModuleInit } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { DomainError } from '../../../../libs/domain/src/shared/domain-error.js';
import { Metrics } from './metrics.js';

function outcomeOf(error: unknown): string {
  return error instanceof DomainError ? error.kind : 'error';
}

/**
 * Counts every command by type and outcome. @nestjs/cqrs has no execution hook, so this wraps
 * the bus's `execute` once at start; handlers and controllers stay unaware of metrics.
 */
@Injectable()
export class CommandMetrics implements OnModuleInit {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly metrics: Metrics,
  ) {}

  onModuleInit(): void {
    const execute = this.commandBus.execute.bind(this.commandBus) as (command: object, ...rest: unknown[]) => Promise<unknown>;
    const { commands, commandDuration } = this.metrics;
    const instrumented = async (command: object, ...rest: unknown[]) => {
      const type = command.constructor.name;
      const end = commandDuration.startTimer({ type });
      try {
        const result = await execute(command, ...rest);
        commands.inc({ type, outcome: 'ok' });
        return result;
      } catch (error) {
        commands.inc({ type, outcome: outcomeOf(error) });
        throw error;
      } finally {
        end();
      }
    };
    this.commandBus.execute = instrumented as CommandBus['execute'];
  }
}
