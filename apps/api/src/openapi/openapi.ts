import type { INestApplication } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, getSchemaPath, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { PROBLEM_CONTENT_TYPE, problem, READ_MODELS_BEHIND } from '../http/problem-details.js';
import { serveDocs } from './docs-ui.js';
import { FieldProblemSchema, ProblemDetailsSchema } from './problem.schema.js';
import { RATE_LIMIT_EXEMPT } from '../http/rate-limit.js';
import { AppRoute, listRoutes } from './routes.js';

export const DOCS_PATH = '/api/docs';
/** Version of the contract (BOOKING-SPEC.md), not of the package. */
const API_VERSION = '1.0';
const BEARER = 'bearer';

type Operation = {
  tags?: string[];
  description?: string;
  security?: Array<Record<string, string[]>>;
  parameters?: unknown[];
  requestBody?: unknown;
  responses: Record<string, unknown>;
};

/** Example problems, so a client developer sees what each status carries. */
const ERRORS: Record<number, { description: string; example: object }> = {
  400: {
    description: 'Invalid input, or a referenced learner, venue, form or billing code that does not exist',
    example: problem(400, 'The request is invalid', [{ field: 'Name', message: 'must not be blank' }]),
  },
  401: { description: 'No, invalid or expired bearer token', example: problem(401, 'Missing bearer token') },
  403: { description: 'The token lacks the scope this endpoint needs', example: problem(403, 'This endpoint requires the booking:write scope') },
  404: { description: 'The resource named in the URL does not exist (or belongs to another organization)', example: problem(404, 'Not found') },
  413: { description: 'Body over 1 MiB', example: problem(413, 'Request body is larger than 1 MiB') },
  415: { description: 'Body is not JSON, is declared in a charset other than UTF-8, or has a Content-Encoding', example: problem(415, 'Request body must be JSON (Content-Type: application/json)') },
  429: {
    description: 'Rate limit reached (per token, or per client IP when anonymous); see Retry-After',
    example: problem(429, 'Too many requests: slow down and retry after the time in Retry-After'),
  },
  500: { description: 'A bug: never an answer to bad input', example: problem(500, 'An unexpected error occurred') },
  503: {
    description:
      'The read models did not catch up within 5 s (projector down or far behind); see Retry-After. A command answered ' +
      'with this is stored when the detail says "The change is saved"; otherwise nothing was changed',
    example: problem(503, READ_MODELS_BEHIND),
  },
};

/** `scope`: the route's, named in its 403 example. */
function problemResponse(status: number, scope?: string) {
  const { description } = ERRORS[status];
  const example = status === 403 && scope ? problem(403, `This endpoint requires the ${scope} scope`) : ERRORS[status].example;
  return { description, content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: getSchemaPath(ProblemDetailsSchema) }, example } } };
}

/** The statuses every operation of this kind can answer with, whatever its controller says. */
function commonErrors(route: AppRoute, operation: Operation): number[] {
  const statuses = [500];
  if (!route.isPublic) statuses.push(401, 403);
  if (!RATE_LIMIT_EXEMPT.test(route.path)) statuses.push(429);
  if (route.path.includes('{') || operation.parameters?.length || operation.requestBody) statuses.push(400);
  if (route.answersNotFound) statuses.push(404);
  if (operation.requestBody) statuses.push(413, 415);
  // Every /api route reads the read models or is a command: reads wait for this process's latest
  // appends, commands for read-your-writes (bounded). Health and metrics read neither.
  if (route.path.startsWith('/api/')) statuses.push(503);
  return statuses;
}

/**
 * Auth, tags and the problem responses follow from the same metadata the auth guard reads, so
 * every operation documents them without each controller repeating it.
 */
function addConventions(document: OpenAPIObject, routes: AppRoute[]): void {
  for (const route of routes) {
    const operation = (document.paths[route.path] as Record<string, Operation> | undefined)?.[route.method];
    if (!operation) continue;
    if (!operation.tags?.length) operation.tags = [route.path.split('/').filter((p) => p !== '' && p !== 'api')[0] ?? 'operations'];
    if (route.isPublic) operation.security = [];
    else {
      operation.security = [{ [BEARER]: [] }];
      if (route.scope) {
        const needs = `Requires a bearer token with the \`${route.scope}\` scope.`;
        operation.description = operation.description ? `${operation.description}\n\n${needs}` : needs;
      }
    }
    for (const status of commonErrors(route, operation)) operation.responses[status] ??= problemResponse(status, route.scope);
    addResponseHeaders(operation);
  }
}

/** The headers the API sends, on the responses that carry them (components.headers). */
const HEADERS = {
  'X-Request-Id': {
    description: 'On every response: the id sent by the client (letters, digits, `._:-`, up to 128) or a generated one; events record it as their correlation id',
    schema: { type: 'string' },
  },
  'WWW-Authenticate': {
    description: 'The bearer challenge (RFC 6750): `Bearer`, `Bearer error="invalid_token"` or `Bearer error="insufficient_scope", scope="…"`',
    schema: { type: 'string' },
  },
  'Retry-After': { description: 'Seconds to wait before trying again', schema: { type: 'integer' } },
};
const ref = (name: keyof typeof HEADERS) => ({ $ref: `#/components/headers/${name}` });

function addResponseHeaders(operation: Operation): void {
  for (const [status, response] of Object.entries(operation.responses) as Array<[string, { headers?: Record<string, unknown> }]>) {
    const headers: Record<string, unknown> = { ...response.headers, 'X-Request-Id': ref('X-Request-Id') };
    if (status === '401' || status === '403') headers['WWW-Authenticate'] = ref('WWW-Authenticate');
    if (status === '429' || status === '503') headers['Retry-After'] = ref('Retry-After');
    response.headers = headers;
  }
}

function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Exam booking API')
    .setDescription(
      'Schedules exam events at venues and registers learners into them. JSON in and out, PascalCase fields. ' +
        'Errors are RFC 9457 problem details (`application/problem+json`). Every response carries `X-Request-Id`; ' +
        'send your own (letters, digits, `._:-`, up to 128) to trace a call. Commands answer after the read ' +
        'models have applied them (read-your-writes). A method a path does not list here answers 405 with `Allow` ' +
        'naming the ones it does; an unknown path answers 404.',
    )
    .setVersion(API_VERSION)
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'HS256 JWT with claims `org`, `sub` and `scope`.' },
      BEARER,
    )
    .addTag('venues', 'Catalog: venues of the organization')
    .addTag('learners', 'Catalog: learners of the organization')
    .addTag('assessment-forms', 'Catalog: assessment forms')
    .addTag('billing-codes', 'Catalog: billing codes and the exam duration they imply')
    .addTag('ExamEvents', 'Exam events: schedule, cancel, list-events, classes (anonymous), scrap paper')
    .addTag('RegistrationCommands', 'Registration commands: register-lax, transfer-lax, cancel, change-assessment, accommodations, delete')
    .addTag('RegistrationRetrieve', 'One registration, now or as it was at an instant (asOf)')
    .addTag('RegistrationQueries', 'Search and count registrations')
    .addTag('AuditHistory', 'The domain events of a registration or an exam event, in order (audit:read)')
    .addTag('operations', 'Health, readiness and metrics (anonymous)')
    .build();
  const document = SwaggerModule.createDocument(app, config, { extraModels: [ProblemDetailsSchema, FieldProblemSchema] });
  addConventions(document, listRoutes(app));
  document.components = { ...document.components, headers: HEADERS };
  return document;
}

/** Serves the UI at /api/docs and the document at /api/docs-json, both anonymous. */
export function setupOpenApi(app: NestFastifyApplication): void {
  serveDocs(app.getHttpAdapter().getInstance(), DOCS_PATH, buildOpenApiDocument(app));
}
