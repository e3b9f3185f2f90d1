import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ReadinessController } from './readiness.controller.js';

/** Readiness (`GET /health/ready`); liveness (`GET /health`) is answered by the HealthController. */
@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [ReadinessController],
})
export class HealthModule {}
