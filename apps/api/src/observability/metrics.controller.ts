import { Controller, Get, Header, Inject, Res } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { statfs } from 'node:fs/promises';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { AppConfig } from '../../../../libs/application/src/config/app-config.js';
import { Public } from '../http/auth.js';
import { APP_CONFIG } from '../infrastructure/tokens.js';
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
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    if (!config.eventStoreUrl || !config.mongodbUrl) reportFreeSpace(metrics, config.dataDir);
  }

  @Get()
  @Public()
  @ApiOperation({ summary: 'Prometheus metrics (text exposition format)' })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'HTTP durations by route, commands by type and outcome, append latency, projection lag, free space for the embedded stores', schema: { type: 'string' } })
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

/**
 * On the embedded stores, the space left where they write, read at each scrape: a full disk
 * refuses every command (503) while reads and readiness stay up, so this is what to alert on.
 * Not registered with both servers, where 0 would be read as a full disk.
 */
function reportFreeSpace(metrics: Metrics, dataDir: string): void {
  new Gauge({
    name: 'booking_data_folder_free_bytes',
    help: "Bytes available to the API on the data folder's file system (embedded stores)",
    registers: [metrics.registry],
    async collect() {
      const { bavail, bsize } = await statfs(dataDir);
      this.set(bavail * bsize);
    },
  });
}
