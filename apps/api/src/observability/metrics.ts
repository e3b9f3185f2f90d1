import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { REACTOR_OUTCOMES } from '../../../../libs/application/src/registrations/left-events.reactor.js';
import { DurationHistogram } from './duration-histogram.js';

const SECONDS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The service's Prometheus metrics. One registry per app (not prom-client's global one), so
 * several apps in one process (the test suites) never collide on metric names.
 */
@Injectable()
export class Metrics {
  readonly registry = new Registry();

  readonly httpDuration = new DurationHistogram(
    'http_request_duration_seconds',
    'HTTP request duration by method, route pattern and status code',
    ['method', 'route', 'status_code'],
    SECONDS_BUCKETS,
    this.registry,
  );

  readonly commands = new Counter({
    name: 'booking_commands_total',
    help: 'Commands executed, by command type and outcome (ok, invalid, not_found, conflict, error)',
    labelNames: ['type', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly commandDuration = new Histogram({
    name: 'booking_command_duration_seconds',
    help: 'Command execution time (load, decide, append, read-your-writes), by command type',
    labelNames: ['type'] as const,
    buckets: SECONDS_BUCKETS,
    registers: [this.registry],
  });

  readonly appendDuration = new Histogram({
    name: 'booking_event_store_append_duration_seconds',
    help: 'Event store append latency, by result (ok, conflict, error)',
    labelNames: ['result'] as const,
    buckets: SECONDS_BUCKETS,
    registers: [this.registry],
  });

  readonly leftEventsReactor = new Counter({
    name: 'booking_left_events_reactor_total',
    help: "The left-events reactor's work: Individual events it cancelled for a command that stopped first (completed), events it passed over (passed_over), passes that failed and are tried again (failed_pass)",
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  /** Set on each scrape by the projection lag collector. */
  readonly projectionLagEvents = new Gauge({
    name: 'booking_projection_lag_events',
    help: 'Events in the log that a projection has not applied yet (capped)',
    labelNames: ['projection'] as const,
    registers: [this.registry],
  });

  readonly projectionLagSeconds = new Gauge({
    name: 'booking_projection_lag_seconds',
    help: 'Age of the oldest event a projection has not applied yet (0 when caught up)',
    labelNames: ['projection'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    // Each outcome shown from the start, at 0: a query for one answers 0, not nothing.
    for (const outcome of REACTOR_OUTCOMES) this.leftEventsReactor.inc({ outcome }, 0);
  }
}
