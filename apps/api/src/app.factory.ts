import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import type { AppConfig } from '../../../libs/application/src/config/app-config.js';
import { AppModule } from './app.module.js';
import { fromFastifyError } from './http/problem-details.filter.js';
import { PROBLEM_CONTENT_TYPE, problem } from './http/problem-details.js';
import { BodyValidationPipe } from './http/validation.js';

const ONE_MIB = 1024 * 1024;
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Builds the API (used by `main` and by the end-to-end tests, so both run the same app). */
export async function createApp(config: AppConfig, options: { logger?: boolean } = {}): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: ONE_MIB,
    // Keep a caller's request id when it is sane, so a trace can cross services; else make one.
    genReqId: (request: { headers: Record<string, string | string[] | undefined> }) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    logger: options.logger === false ? false : ['error', 'warn', 'log'],
  });
  const fastify = app.getHttpAdapter().getInstance();

  // JSON only: the built-in text/plain parser would let non-JSON bodies through.
  fastify.removeContentTypeParser('text/plain');
  fastify.addHook('onRequest', async (request, reply) => {
    void reply.header('X-Request-Id', request.id);
  });
  // Errors raised before a route runs (body parsing, size) bypass Nest's filters.
  fastify.setErrorHandler((error, _request, reply) => {
    const body = fromFastifyError(error) ?? problem(500, 'An unexpected error occurred');
    void reply.status(body.status).header('Content-Type', PROBLEM_CONTENT_TYPE).send(body);
  });

  app.useGlobalPipes(new BodyValidationPipe());
  app.enableShutdownHooks();
  await app.init();
  return app;
}
