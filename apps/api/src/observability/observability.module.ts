import { Global, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { CommandMetrics } from './command-metrics.js';
import { RequestLogContextInterceptor } from './logging.js';
import { MetricsController } from './metrics.controller.js';
import { Metrics } from './metrics.js';
import { ProjectionLagProbe } from './projection-lag.js';

/** Prometheus metrics, the projection lag probe and per-request log context, shared by the whole app. */
@Global()
@Module({
  controllers: [MetricsController],
  providers: [Metrics, ProjectionLagProbe, CommandMetrics, { provide: APP_INTERCEPTOR, useClass: RequestLogContextInterceptor }],
  exports: [Metrics, ProjectionLagProbe],
})
export class ObservabilityModule {}
