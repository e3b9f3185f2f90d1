import { Controller, Get, Header, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../http/auth.js';
import { Metrics } from './metrics.js';
import { ProjectionLagProbe } from './projection-lag.js';

/** A backlog this large is "very behind" already; counting further would cost a big read per scrape. */
const LAG_COUNT_CAP = 10_000;

@ApiTags('operations')
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: Metrics,
    private readonly lag: ProjectionLagProbe,
  ) {}

  @Get()
  @Public()
  @ApiOperation({ summary: 'Prometheus metrics (text exposition format)' })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'HTTP durations by route, commands by type and outcome, append latency, projection lag', schema: { type: 'string' } })
  @Header('Cache-Control', 'no-store')
  async scrape(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    for (const { projection, events, seconds } of await this.lag.measure(LAG_COUNT_CAP)) {
      this.metrics.projectionLagEvents.set({ projection }, events);
      this.metrics.projectionLagSeconds.set({ projection }, seconds);
    }
    void reply.header('Content-Type', this.metrics.registry.contentType);
    return this.metrics.registry.metrics();
  }
}
