/**
 * Why a command was refused. The kind decides the HTTP status (400/404/409) at the edge; the
 * message is the exact text of the spec, with the offending value appended where useful.
 */
export type DomainErrorKind = 'invalid' | 'not_found' | 'conflict';

/**
 * `<What> not found`, naming what the request asked for (`Learner not found: 3f2c…`, as the spec's
 * example): the client's own value, never another organization's data. Nothing to name (a field
 * left out) leaves the bare message.
 */
export function notFoundMessage(what: string, requested: string | null): string {
  return requested === null || requested.trim() === '' ? `${what} not found` : `${what} not found: ${requested}`;
}

export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }

  static invalid(message: string): DomainError {
    return new DomainError('invalid', message);
  }
  static notFound(message: string): DomainError {
    return new DomainError('not_found', message);
  }
  static conflict(message: string): DomainError {
    return new DomainError('conflict', message);
  }
}
