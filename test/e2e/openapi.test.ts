import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { listRoutes } from '../../apps/api/src/openapi/routes.js';
import { TestApp } from '../support/test-app.js';
import { defineTenant, registered } from '../support/registration-fixtures.js';

describe('OpenAPI document and UI', () => {
  let app: TestApp;
  let doc: any;

  beforeAll(async () => {
    app = await TestApp.start();
    const json = await app.request('GET', '/api/docs-json');
    expect(json.status).toBe(200);
    doc = json.body;
  });
  afterAll(() => app.close());

  it('is OpenAPI 3 and serves the UI anonymously', async () => {
    expect(doc.openapi).toMatch(/^3\./);
    const ui = await app.request('GET', '/api/docs');
    expect(ui.status).toBe(200);
    expect(ui.text).toContain('swagger-ui');
    // The page loads its own scripts and styles: the API's `default-src 'none'` would leave it blank.
    const csp = ui.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).not.toContain("default-src 'none'");
  });

  it('documents every route the app serves', () => {
    const routes = listRoutes(app.app);
    expect(routes.length).toBeGreaterThan(10);
    const undocumented = routes.filter((r) => !doc.paths[r.path]?.[r.method]).map((r) => `${r.method.toUpperCase()} ${r.path}`);
    expect(undocumented).toEqual([]);
    // Nothing documented that the app does not serve.
    const served = new Set(routes.map((r) => `${r.method} ${r.path}`));
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops as object).map((m) => `${m} ${path}`));
    expect(documented.filter((d) => !served.has(d))).toEqual([]);
  });

  it('answers every documented path, called with a method it does not list, 405 with the methods its URL can take in Allow', async () => {
    expect(doc.info.description).toContain('405 with `Allow`');
    const templates = Object.entries(doc.paths as Record<string, object>).map(([path, operations]) => ({
      path,
      matches: new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+')}$`),
      methods: Object.keys(operations).map((method) => method.toUpperCase()),
    }));
    for (const { path } of templates) {
      const url = path.replace(/\{[^}]+\}/g, '0b0e3c52-0000-4000-8000-00000000dead');
      // A fixed path such as /api/events/list-events is also a value of /api/events/{event}.
      const methods = new Set(templates.filter((t) => t.matches.test(url)).flatMap((t) => t.methods));
      if (methods.has('GET')) methods.add('HEAD');
      const answer = await app.request('PATCH', url);
      const allow = (answer.headers.get('allow') ?? '').split(', ').sort();
      expect({ path, status: answer.status, allow }).toEqual({ path, status: 405, allow: [...methods].sort() });
    }
  });

  it('declares the bearer scheme, and marks exactly the anonymous endpoints as such', () => {
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
    for (const route of listRoutes(app.app)) {
      const operation = doc.paths[route.path][route.method];
      expect({ route: `${route.method} ${route.path}`, security: operation.security }).toEqual({
        route: `${route.method} ${route.path}`,
        security: route.isPublic ? [] : [{ bearer: [] }],
      });
      if (!route.isPublic) expect(operation.responses['401'].content['application/problem+json']).toBeDefined();
    }
    expect(doc.paths['/health'].get.security).toEqual([]);
    expect(doc.paths['/api/venues/{venue}'].put.description).toContain('`catalog:write`');
  });

  it('describes the problem+json error model with examples', () => {
    const schema = doc.components.schemas.ProblemDetailsSchema;
    expect(schema.required).toEqual(expect.arrayContaining(['type', 'title', 'status', 'detail']));
    const notFound = doc.paths['/api/venues/{venue}'].get.responses['404'].content['application/problem+json'];
    expect(notFound.schema.$ref).toBe('#/components/schemas/ProblemDetailsSchema');
    expect(notFound.example).toMatchObject({ status: 404, title: 'Not Found' });
  });

  it('documents the 503 of read models that lag, on commands and queries (both may wait for them), anonymous ones too, not on health or metrics', () => {
    const behind = doc.paths['/api/registrations/{registration}/commands/register-lax'].post.responses['503'];
    expect(behind.content['application/problem+json'].example.detail).toContain('The change is saved');
    expect(behind.description).toContain('otherwise nothing was changed');
    expect(doc.paths['/api/venues/{venue}'].put.responses['503']).toBeDefined();
    expect(doc.paths['/api/registrations/search'].post.responses['503']).toBeDefined();
    expect(doc.paths['/api/venues/{venue}'].get.responses['503']).toBeDefined();
    // Anonymous, but read from the read models like any query.
    expect(doc.paths['/api/events/classes'].get.responses['503']).toBeDefined();
    expect(doc.paths['/health'].get.responses['503']).toBeUndefined();
    expect(doc.paths['/metrics'].get.responses['503']).toBeUndefined();
  });

  it('documents request bodies and responses with examples', () => {
    const put = doc.paths['/api/venues/{venue}'].put;
    expect(put.requestBody.content['application/json'].schema.$ref).toBe('#/components/schemas/PutVenueBody');
    expect(Object.keys(put.responses)).toEqual(expect.arrayContaining(['200', '201', '400', '401', '403', '413', '415', '429']));
    const body = doc.components.schemas.PutVenueBody;
    expect(body.required).toEqual(['Name']);
    expect(body.properties.Name.example).toBe('North Hall');
    expect(doc.components.schemas.VenueView.properties.VenueIdentifier).toMatchObject({ format: 'uuid' });
  });

  it('documents search and count as a client generator needs them: criteria, rows, X-Total-Count, a bare integer', async () => {
    const search = doc.paths['/api/registrations/search'].post;
    expect(search.requestBody.required).toBe(false);
    const criteria = doc.components.schemas.SearchRegistrationsBody.properties;
    expect(Object.keys(criteria).sort()).toEqual(['Code', 'Email', 'LastChangeTimeBefore', 'LastChangeTimeSince', 'Name', 'Skip', 'Take']);
    expect(criteria.Take).toMatchObject({ minimum: 1, maximum: 1000, default: 100 });
    expect(search.responses['200'].content['application/json'].schema.items.$ref).toBe('#/components/schemas/RegistrationRowView');
    expect(search.responses['200'].headers['X-Total-Count'].schema.type).toBe('integer');
    expect(doc.paths['/api/registrations/count'].post.responses['200'].content['application/json'].schema.type).toBe('integer');
    // The documented row is what search answers: the spec's 18 fields (§5), and the detail adds to them.
    const rowFields = Object.keys(doc.components.schemas.RegistrationRowView.properties).sort();
    expect(rowFields).toHaveLength(18);
    const tenant = await defineTenant(app);
    const { registration } = await registered(app, tenant);
    const [row] = (await app.request('POST', '/api/registrations/search', { token: tenant.token, body: {} })).body;
    expect(Object.keys(row).sort()).toEqual(rowFields);
    const retrieved = (await app.request('GET', `/api/registrations/${registration}`, { token: tenant.token })).body;
    expect(Object.keys(retrieved).sort()).toEqual(Object.keys(doc.components.schemas.RegistrationDetailView.properties).sort());
    const history = doc.paths['/api/registrations/{registration}/history'].get.responses['200'].content['application/json'].schema;
    expect(doc.components.schemas[history.items.$ref.split('/').pop()].required).toEqual(
      expect.arrayContaining(['Position', 'Revision', 'Type', 'Time', 'Actor', 'CorrelationId', 'Data']),
    );
  });

  it('lists 404 only where it can happen, and the headers every client sees', () => {
    const statuses = (path: string, method: string) => Object.keys(doc.paths[path][method].responses);
    // Create-or-replace, schedule, register-lax and the idempotent delete never answer 404; scrap paper's query id does.
    for (const [path, method] of [
      ['/api/venues/{venue}', 'put'],
      ['/api/events/{event}', 'post'],
      ['/api/registrations/{registration}/commands/register-lax', 'post'],
      ['/api/registrations/{registration}', 'delete'],
    ]) {
      expect([path, method, statuses(path, method)]).toEqual([path, method, expect.not.arrayContaining(['404'])]);
    }
    expect(statuses('/api/events/scrap-paper', 'get')).toContain('404');
    expect(statuses('/api/registrations/{registration}/commands/cancel', 'post')).toContain('404');
    // Anonymous, and rate limited per client IP all the same; health and metrics are exempt.
    expect(statuses('/api/events/classes', 'get')).toContain('429');
    expect(statuses('/health', 'get')).not.toContain('429');
    for (const route of listRoutes(app.app)) {
      for (const [status, response] of Object.entries(doc.paths[route.path][route.method].responses) as Array<[string, any]>) {
        expect([route.path, status, response.headers?.['X-Request-Id']]).toEqual([route.path, status, { $ref: '#/components/headers/X-Request-Id' }]);
        if (status === '401') expect(response.headers['WWW-Authenticate']).toBeDefined();
        if (status === '403') expect(response.content['application/problem+json'].example.detail).toBe(`This endpoint requires the ${route.scope} scope`);
      }
    }
    expect(doc.components.schemas.ProblemDetailsSchema.properties.status.type).toBe('integer');
    expect(doc.paths['/api/venues/{venue}'].get.parameters[0].schema).toEqual({ type: 'string', format: 'uuid' });
  });

  it('documents the 409 of every command that can conflict, with the spec’s messages, and no other', () => {
    const conflicts = Object.entries(doc.paths).flatMap(([path, operations]) =>
      Object.entries(operations as Record<string, any>)
        .filter(([, operation]) => operation.responses['409'])
        .map(([method, operation]) => [`${method} ${path}`, operation.responses['409'].content['application/problem+json'].example.detail]),
    );
    const commands = '/api/registrations/{registration}/commands';
    expect(Object.fromEntries(conflicts)).toEqual({
      'post /api/events/{event}': 'Event already exists',
      'post /api/events/{event}/cancel': 'Exam event is already cancelled',
      [`post ${commands}/register-lax`]: 'Registration already exists',
      [`post ${commands}/transfer-lax`]: 'Registration is cancelled',
      [`post ${commands}/change-assessment`]: 'Registration is cancelled',
      [`post ${commands}/grant-accommodation`]: 'Registration is cancelled',
    });
    expect(doc.paths['/api/events/{event}/cancel'].post.responses['409'].description).toContain(
      '`The exam event cannot be cancelled because it contains active registrations`',
    );
  });

  it('declares every tag its operations use, and lets each nullable enum be null (OpenAPI 3.0 validators check enum first)', () => {
    const used = new Set(Object.values(doc.paths as Record<string, Record<string, { tags?: string[] }>>).flatMap((ops) => Object.values(ops).flatMap((op) => op.tags ?? [])));
    const declared = new Set((doc.tags as Array<{ name: string; description?: string }>).filter((tag) => tag.description).map((tag) => tag.name));
    expect([...used].filter((tag) => !declared.has(tag))).toEqual([]);
    const nullableEnums = Object.entries(doc.components.schemas as Record<string, { properties?: Record<string, { nullable?: boolean; enum?: unknown[] }> }>).flatMap(
      ([schema, { properties = {} }]) => Object.entries(properties).filter(([, p]) => p.nullable && p.enum).map(([name, p]) => [`${schema}.${name}`, p.enum!.includes(null)]),
    );
    expect(nullableEnums.length).toBeGreaterThan(5);
    expect(nullableEnums.filter(([, withNull]) => !withNull)).toEqual([]);
    // A billing code's exam duration falls back to 0 (spec §2), never null.
    expect(doc.components.schemas.BillingCodeView.properties.ExamDuration.nullable).toBeUndefined();
  });

  it('lists the required fields of the exam event and register-lax bodies (spec §3, §4)', () => {
    const required = (path: string) => {
      const ref: string = doc.paths[path].post.requestBody.content['application/json'].schema.$ref;
      return doc.components.schemas[ref.split('/').pop()!].required;
    };
    expect(required('/api/events/{event}')).toEqual(
      expect.arrayContaining(['EventVenue', 'EventStart', 'EventExamType', 'EventExamFormat', 'EventBillingCode']),
    );
    expect(required('/api/events/{event}')).not.toContain('RegistrationLimit');
    expect(required('/api/registrations/{registration}/commands/register-lax')).toEqual(
      expect.arrayContaining(['EventVenue', 'EventStart', 'Learner', 'Assessment']),
    );
  });
});
