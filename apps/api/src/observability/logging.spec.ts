import { describe, expect, it, jest } from '@jest/globals';
import type { FastifyBaseLogger } from 'fastify';
import { createRootLogger } from '../../../../libs/application/src/observability/root-logger.js';
import { requestLogger } from './logging.js';

/** A root logger writing into `lines`, with `child` counted. */
function capturedRoot(level: 'info' | 'warn') {
  const lines: Record<string, unknown>[] = [];
  const root = createRootLogger(level, { write: (line: string) => void lines.push(JSON.parse(line)) });
  const child = jest.spyOn(root, 'child');
  return { root, lines, child };
}

describe("a request's logger", () => {
  it('makes no pino child while nothing is logged', () => {
    const { root, child } = capturedRoot('info');
    requestLogger(root as unknown as FastifyBaseLogger, { reqId: 'r-1' }, {});
    expect(child).not.toHaveBeenCalled();
  });

  it('writes with the request id bound once something is logged, and makes the child once', () => {
    const { root, lines, child } = capturedRoot('info');
    const log = requestLogger(root as unknown as FastifyBaseLogger, { reqId: 'r-2' }, {});
    log.warn({ detail: 'x' }, 'first');
    log.info('second');
    expect(lines).toMatchObject([
      { level: 40, reqId: 'r-2', detail: 'x', msg: 'first' },
      { level: 30, reqId: 'r-2', msg: 'second' },
    ]);
    expect(child).toHaveBeenCalledTimes(1);
  });

  it('drops a line below the level without making a child', () => {
    const { root, lines, child } = capturedRoot('warn');
    const log = requestLogger(root as unknown as FastifyBaseLogger, { reqId: 'r-3' }, {});
    log.info('hidden');
    log.debug('hidden too');
    expect(lines).toEqual([]);
    expect(child).not.toHaveBeenCalled();
    expect(log.level).toBe('warn');
  });

  it("honours a route's own log level, which the child is made with", () => {
    const { root, lines } = capturedRoot('warn');
    const log = requestLogger(root as unknown as FastifyBaseLogger, { reqId: 'r-4' }, { level: 'debug' });
    expect(log.level).toBe('debug');
    log.debug('shown');
    expect(lines).toMatchObject([{ level: 20, reqId: 'r-4', msg: 'shown' }]);
  });
});
