import { BadRequestException, UnsupportedMediaTypeException } from '@nestjs/common';
import { isUtf8 } from 'node:buffer';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/**
 * How deeply a body may nest objects and arrays. The deepest body the API takes (register-lax's
 * `Accommodations`) has three levels; class-transformer walks every value recursively, unknown
 * properties included, and about a thousand levels (2.6 KB of `[`) overflowed its stack: a 500.
 */
const MAX_BODY_DEPTH = 32;

/**
 * How many values (objects, arrays and everything in them) a body may hold. The widest body the
 * API takes (register-lax with 100 accommodations) has about 320; validation visits every value,
 * unknown properties included, at about 5 µs each on the event loop: a 1 MiB body of 350,000 empty
 * objects took 1.3–2 s (session 21's security review).
 */
export const MAX_BODY_VALUES = 2_000;

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
 * - a body nested deeper than MAX_BODY_DEPTH, or holding more than MAX_BODY_VALUES values, is a 400.
 */
export function parseJsonBodies(fastify: FastifyInstance): void {
  const parse = fastify.getDefaultJsonParser('remove', 'remove');
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, bytes: Buffer, done) => {
    if (bytes.length === 0) return done(null, undefined);
    if (declaresOtherCharset(request)) return done(new UnsupportedMediaTypeException('Request body must be JSON in UTF-8 (no other charset)'), undefined);
    if (!isUtf8(bytes)) return done(new BadRequestException('Request body is not valid UTF-8'), undefined);
    parse(request, bytes.toString('utf8'), (error: Error | null, value?: unknown) => {
      if (error) return done(error, undefined);
      const problem = shapeProblem(value);
      done(problem === null ? null : new BadRequestException(problem), problem === null ? value : undefined);
    });
  });
}

/** A `charset` parameter other than UTF-8's name (JSON has no other encoding: RFC 8259 §8.1). */
function declaresOtherCharset(request: FastifyRequest): boolean {
  const charset = CHARSET.exec(request.headers['content-type'] ?? '')?.[1];
  return charset !== undefined && !UTF8.test(charset);
}

export const UNSTORABLE_TEXT = 'Request body holds text with a NUL character or an unpaired surrogate (\\u0000, \\ud800–\\udfff): it cannot be stored as sent';

/**
 * Why a parsed body is refused for its shape, or null. Without recursion: it may be as deep as the
 * size limit allows. Text must be Unicode text: SQLite's columns store an unpaired surrogate (valid
 * in a JSON escape) as U+FFFD, and C code (SQLite's text functions, the PDF fonts) ends a string at
 * a NUL, so either would be answered back otherwise than it was acknowledged.
 */
export function shapeProblem(value: unknown, maxDepth = MAX_BODY_DEPTH, maxValues = MAX_BODY_VALUES): string | null {
  const pending: Array<{ value: unknown; depth: number }> = [{ value, depth: 1 }];
  let values = 1;
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (typeof next.value === 'string' && !isStorableText(next.value)) return UNSTORABLE_TEXT;
    if (typeof next.value !== 'object' || next.value === null) continue;
    if (next.depth > maxDepth) return `Request body nests objects or arrays more than ${maxDepth} levels deep`;
    for (const child of Object.values(next.value)) {
      if (++values > maxValues) return `Request body holds more than ${maxValues} values`;
      if (typeof child === 'string' && !isStorableText(child)) return UNSTORABLE_TEXT;
      if (typeof child === 'object' && child !== null) pending.push({ value: child, depth: next.depth + 1 });
    }
  }
  return null;
}

/** A NUL, a high surrogate not followed by a low one, or a low one not after a high one (UTF-16 code units). */
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const isStorableText = (text: string): boolean => !UNSTORABLE.test(text);
