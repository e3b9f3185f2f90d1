import type { FastifyRequest } from 'fastify';

/** Every method a route of the API answers (HEAD with each GET). */
const SERVED_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'] as const;

/**
 * The methods other routes serve on the path of a request no route matched (`PATCH
 * /api/venues/{id}`: GET, HEAD, PUT), none for a path no route serves. The problem filter answers
 * such a request 405 with `Allow`, as HTTP requires, not the 404 that would say the venue does not
 * exist (spec §1: 404 is for a resource that does not exist). Asked only of requests that reached
 * the not-found handler, so no other request pays for it; like the 404, before any token check:
 * which methods a path takes is public (the OpenAPI document).
 */
export function methodsServingPathOf(request: FastifyRequest): string[] {
  if (!request.is404) return [];
  const path = request.url.split('?', 1)[0];
  // A route matched with an empty segment (`/api/venues/` as `/api/venues/{venue}`) answers not
  // found itself, whatever the method: such a path is a 404 for all of them, not a 405.
  const serves = (method: string) => {
    const route = request.server.findRoute({ method, url: path });
    return route !== null && Object.values(route.params as Record<string, string>).every((value) => value !== '');
  };
  return SERVED_METHODS.filter((method) => method !== request.method && serves(method));
}
