import { BadRequestException, UnsupportedMediaTypeException } from '@nestjs/common';
import { isUtf8 } from 'node:buffer';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/**
 * How deeply a body may nest objects and arrays. The deepest body the API takes (register-lax's
 * `Accommodations`) has three levels; class-transformer walks every value recursively, unknown
 * properties included, and about a thousand levels (2.6 KB of `[`) overflowed its stack: a 500.
 */
export const MAX_BODY_DEPTH = 32;

const CHARSET = /;\s*charset\s*=\s*"?([^";\s]*)/i;
const UTF8 = /^utf-?8$/i;

/**
 * The JSON body parser, in place of the one Nest registers at init (call after `app.init()`):
 * - an empty body, even one labelled JSON, is no body, as for every other content type (a client
 *   that sets `Content-Type: application/json` on every request can still DELETE or cancel);
 * - JSON is UTF-8 (RFC 8259 §8.1): a body declared in another charset is a 415, and bytes that
 *   are not UTF-8 a 400 (decoded anyway, they were stored as U+FFFD);
 * - a `__proto__` or `constructor.prototype` key is dropped like any unknown property (spec §1),
 *   never applied to the parsed object (Fastify's parser refused the body as "not valid JSON");
 * - a body nested deeper than MAX_BODY_DEPTH is a 400.
 */
export function parseJsonBodies(fastify: FastifyInstance): void {
  const parse = fastify.getDefaultJsonParser('remove', 'remove');
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, bytes: Buffer, done) => {
    if (bytes.length === 0) return done(null, undefined);
    if (declaresOtherCharset(request)) return done(new UnsupportedMediaTypeException('Request body must be JSON in UTF-8 (no other charset)'), undefined);
    if (!isUtf8(bytes)) return done(new BadRequestException('Request body is not valid UTF-8'), undefined);
    parse(request, bytes.toString('utf8'), (error: Error | null, value?: unknown) => {
      if (error) done(error, undefined);
      else if (nestedDeeperThan(value, MAX_BODY_DEPTH)) done(new BadRequestException(`Request body nests objects or arrays more than ${MAX_BODY_DEPTH} levels deep`), undefined);
      else done(null, value);
    });
  });
}

/** A `charset` parameter other than UTF-8's name (JSON has no other encoding: RFC 8259 §8.1). */
function declaresOtherCharset(request: FastifyRequest): boolean {
  const charset = CHARSET.exec(request.headers['content-type'] ?? '')?.[1];
  return charset !== undefined && !UTF8.test(charset);
}

/** Without recursion: the value checked may be as deep as the body limit allows. */
export function nestedDeeperThan(value: unknown, limit: number): boolean {
  const pending: Array<{ value: unknown; depth: number }> = [{ value, depth: 1 }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (typeof next.value !== 'object' || next.value === null) continue;
    if (next.depth > limit) return true;
    for (const child of Object.values(next.value)) {
      if (typeof child === 'object' && child !== null) pending.push({ value: child, depth: next.depth + 1 });
    }
  }
  return false;
}
