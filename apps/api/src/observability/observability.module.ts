import { Global, Module } from '@nestjs/common';
import { CommandMetrics } from './command-metrics.js';
import { MetricsController } from './metrics.controller.js';
import { Metrics } from './metrics.js';
import { ProjectionLagProbe } from './projection-lag.js';

/** Prometheus metrics, the projection lag probe and command metrics, shared by the whole app. */
@Global()
@Module({
  controllers: [MetricsController],
  providers: [Metrics, ProjectionLagProbe, CommandMetrics],
  exports: [Metrics, ProjectionLagProbe],
})
export class ObservabilityModule {}
