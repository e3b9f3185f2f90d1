import pino, { type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from '../config/app-config.js';

/**
 * Anything that could carry a credential, wherever it appears. Request and response bodies and
 * headers are never logged (bodies hold learners' personal data); redaction is a second line of
 * defence against a future log call that passes a whole request.
 */
const REDACT = ['authorization', 'cookie', '*.authorization', '*.cookie', '*.headers.authorization', '*.headers.cookie', 'token', '*.token'];

/** The processes that log: the API and the standalone projector, told apart by `service`. */
export type Service = 'booking-api' | 'booking-projector';

/** One JSON object per line on stdout (docs/operations.md, "Logs"), for the API and the projector app alike. */
export function createRootLogger(level: LogLevel, destination?: DestinationStream, service: Service = 'booking-api'): Logger {
  return pino(
    {
      level,
      base: { service },
      redact: { paths: REDACT, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      // A request object must never be serialized whole (headers, query strings).
      serializers: { req: () => '[request]', request: () => '[request]' },
    },
    destination ?? pino.destination({ fd: 1, sync: true }),
  );
}
