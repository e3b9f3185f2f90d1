import type { FastifyInstance } from 'fastify';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** swagger-ui-dist as @nestjs/swagger resolves it (it is that package's dependency). */
function swaggerUiDir(): string {
  const fromSwagger = createRequire(createRequire(import.meta.url).resolve('@nestjs/swagger'));
  return dirname(fromSwagger.resolve('swagger-ui-dist/package.json'));
}

const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'application/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'application/javascript; charset=utf-8',
};

/**
 * Serves the Swagger UI and the document itself, straight from Fastify (anonymous, outside the
 * auth guard). Not SwaggerModule.setup: its static file serving needs @fastify/static, which
 * cannot be loaded under the test runner, and the page here needs no inline script (strict CSP).
 */
export function serveDocs(fastify: FastifyInstance, path: string, document: object): void {
  const dir = swaggerUiDir();
  const json = JSON.stringify(document);
  const html = `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Exam booking API</title>
  <link rel="stylesheet" href="${path}/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="${path}/swagger-ui-bundle.js"></script>
  <script src="${path}/swagger-ui-standalone-preset.js"></script>
  <script src="${path}/swagger-ui-init.js"></script>
</body>
</html>
`;
  const init = `window.ui = SwaggerUIBundle({ url: ${JSON.stringify(`${path}-json`)}, dom_id: '#swagger-ui', deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset], layout: 'StandaloneLayout', persistAuthorization: false });
`;
  fastify.get(path, async (_request, reply) => reply.type('text/html; charset=utf-8').send(html));
  fastify.get(`${path}-json`, async (_request, reply) => reply.type('application/json; charset=utf-8').send(json));
  fastify.get(`${path}/swagger-ui-init.js`, async (_request, reply) => reply.type('application/javascript; charset=utf-8').send(init));
  for (const [file, type] of Object.entries(ASSETS)) {
    const content = readFileSync(join(dir, file));
    fastify.get(`${path}/${file}`, async (_request, reply) => reply.type(type).header('Cache-Control', 'public, max-age=86400').send(content));
  }
}
