import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction, RouteOptions } from 'fastify';
import type { DurationHistogram, HistogramSeries } from './duration-histogram.js';
import type { Metrics } from './metrics.js';

type OnResponse = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void;

const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/**
 * Times every request by its route pattern (`/api/venues/:venue`), never the raw URL: ids in
 * paths would make one time series per resource. Requests matching no route count as `unmatched`.
 * Each route gets its own onResponse hook, which knows its pattern and keeps its series by method
 * and status: `request.routeOptions` builds a new object on every read, and the label set would
 * otherwise be built, checked and hashed per request. Call before the routes are registered.
 */
export function instrumentHttp(fastify: FastifyInstance, metrics: Metrics): void {
  fastify.addHook('onRoute', (route: RouteOptions) => {
    route.onResponse = [...asArray(route.onResponse), timerOf(metrics.httpDuration, route.url)] as RouteOptions['onResponse'];
  });
  // The not-found handler's requests run no route's hooks.
  const unmatched = timerOf(metrics.httpDuration, 'unmatched');
  fastify.addHook('onResponse', (request, reply, done) => (request.is404 ? unmatched(request, reply, done) : done()));
}

function timerOf(durations: DurationHistogram, route: string): OnResponse {
  // Sparse, by status code: a route answers a handful of them.
  const byMethod = new Map<string, HistogramSeries[]>();
  return (request, reply, done) => {
    const { method } = request;
    const status = reply.statusCode;
    let byStatus = byMethod.get(method);
    if (byStatus === undefined) byMethod.set(method, (byStatus = []));
    const series = (byStatus[status] ??= durations.seriesOf(method, route, String(status)));
    series.observe(reply.elapsedTime / 1000);
    done();
  };
}
