import type { FastifyInstance } from 'fastify';

/**
 * Closing, the server closes the keep-alive connections that are idle then (Fastify's default);
 * one busy then stayed open after its answer until the keep-alive timeout (72 s), and the process
 * with it, past a SIGTERM's usual grace of 30 s. So each is closed as soon as it is idle.
 */
export function closeConnectionsOnceIdle(fastify: FastifyInstance): void {
  fastify.addHook('preClose', (done) => {
    const server = fastify.server;
    const timer = setInterval(() => server.closeIdleConnections(), 50);
    timer.unref();
    server.once('close', () => clearInterval(timer));
    done();
  });
}
