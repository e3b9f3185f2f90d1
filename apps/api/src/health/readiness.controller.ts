import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import type { AppConfig } from '../../../../libs/application/src/config/app-config.js';
import type { EventStore } from '../../../../libs/event-store/src/event-store.js';
import type { Projector } from '../../../../libs/read-model/src/projector.js';
import type { QueryStore } from '../../../../libs/read-model/src/read-store.js';
import { Public } from '../http/auth.js';
import { PROBLEM_CONTENT_TYPE } from '../http/problem-details.js';
import { ProblemDetailsSchema } from '../openapi/problem.schema.js';
import { APP_CONFIG, EVENT_STORE, PROJECTOR, READ_STORE } from '../infrastructure/tokens.js';
import { ProjectionLagProbe } from '../observability/projection-lag.js';

/** A store that does not answer within this is as good as down for a load balancer. */
const CHECK_TIMEOUT_MS = 2000;

/**
 * Readiness: send traffic here only if both stores answer and the read models are close enough
 * to the log that queries are not stale (the lag bounds are READY_MAX_LAG_EVENTS and
 * READY_MAX_LAG_SECONDS).
 */
@ApiTags('operations')
@Controller('health')
export class ReadinessController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(PROJECTOR) private readonly projector: Projector,
    private readonly lag: ProjectionLagProbe,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(READ_STORE) private readonly readStore: QueryStore,
  ) {}

  @Get('ready')
  @Public()
  @ApiOperation({ summary: 'Readiness: event store, read store and projection lag' })
  @ApiOkResponse({
    description: 'Ready for traffic',
    schema: {
      type: 'object',
      properties: {
        status: { type: 'string', enum: ['ok'] },
        info: { type: 'object', additionalProperties: true, description: 'Each check and what it found' },
        error: { type: 'object', additionalProperties: true, description: 'Empty when ready' },
        details: { type: 'object', additionalProperties: true, description: 'Every check, up or down: info and error together' },
      },
      example: {
        status: 'ok',
        info: {
          eventStore: { status: 'up', head: '42' },
          readStore: { status: 'up' },
          projections: { status: 'up', catalog: { lagEvents: 0, lagSeconds: 0 } },
        },
        error: {},
        details: {
          eventStore: { status: 'up', head: '42' },
          readStore: { status: 'up' },
          projections: { status: 'up', catalog: { lagEvents: 0, lagSeconds: 0 } },
        },
      },
    },
  })
  @ApiServiceUnavailableResponse({
    description: 'A store does not answer or a projection is too far behind (problem+json naming the checks)',
    content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: getSchemaPath(ProblemDetailsSchema) } } },
  })
  async ready() {
    try {
      return await this.health.check([
        () =>
          this.indicators
            .check('eventStore')
            .attempt(async () => ({ head: (await this.eventStore.headPosition())?.toString() ?? null }))
            .withTimeout(CHECK_TIMEOUT_MS),
        () =>
          this.indicators
            .check('readStore')
            .attempt(async () => {
              await this.readStore.getCheckpoint(this.projector.projectionNames[0] ?? 'catalog');
            })
            .withTimeout(CHECK_TIMEOUT_MS),
        () => this.projections(),
      ]);
    } catch (error) {
      // Terminus reports failures as a 503 with a JSON body; answer with a problem naming the checks.
      if (error instanceof ServiceUnavailableException) throw notReady(error);
      throw error;
    }
  }

  private async projections() {
    const check = this.indicators.check('projections');
    const max = this.config.readyMaxLagEvents;
    const lags = await this.lag.measure(max + 1);
    const behind = Object.fromEntries(lags.map((l) => [l.projection, { lagEvents: l.events, lagSeconds: l.seconds }]));
    if (this.projector.failing) {
      return check.down({ message: `Projector failing: ${String(this.projector.failing)}`, ...behind });
    }
    const tooFar = lags.filter((l) => l.events > max).map((l) => l.projection);
    if (tooFar.length > 0) return check.down({ message: `More than ${max} events behind: ${tooFar.join(', ')}`, ...behind });
    // A stalled projector leaves few events unapplied, but reads wait for them, then answer 503.
    const maxSeconds = this.config.readyMaxLagSeconds;
    const stale = lags.filter((l) => l.seconds > maxSeconds).map((l) => l.projection);
    if (stale.length > 0) return check.down({ message: `An event unapplied for more than ${maxSeconds} s: ${stale.join(', ')}`, ...behind });
    return check.up(behind);
  }
}

function notReady(error: ServiceUnavailableException): ServiceUnavailableException {
  const result = error.getResponse() as { error?: Record<string, unknown> };
  return new ServiceUnavailableException(`Not ready: ${Object.keys(result.error ?? {}).join(', ')}`);
}
