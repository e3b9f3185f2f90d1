/** RFC 9457 problem details: the one error shape of the API. */
export interface FieldProblem {
  field: string;
  message: string;
}

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldProblem[];
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  417: 'Expectation Failed',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
};

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export function problem(status: number, detail: string, errors?: FieldProblem[]): ProblemDetails {
  const title = TITLES[status] ?? 'Error';
  return {
    type: `https://httpstatuses.io/${status}`,
    title,
    status,
    detail,
    ...(errors && errors.length > 0 ? { errors } : {}),
  };
}

/** Thrown by request validation: every shape problem of the request, listed per field. */
export class RequestValidationError extends Error {
  constructor(readonly errors: FieldProblem[]) {
    super(`Request validation failed: ${errors.map((e) => `${e.field} ${e.message}`).join('; ')}`);
    this.name = 'RequestValidationError';
  }
}

/**
 * A command whose read models did not catch up in time (the projector stopped or fell far behind):
 * its events are stored, so this is neither the client's error nor a lost change. 503, as
 * readiness says at the same moment, with a hint to read again rather than to send it again.
 */
export const READ_MODELS_BEHIND = 'The change is saved, but the read models have not caught up with it yet: read it again shortly';

/**
 * A read (a query, or a command's lookup before it stored anything) that waited for the read
 * models to apply this process's latest changes, and they did not in time: nothing was changed,
 * so sending the same request again later is safe. 503, with the same Retry-After.
 */
export const READ_MODELS_NOT_CAUGHT_UP = 'The read models have not caught up with the latest changes yet: nothing was changed, try again shortly';
