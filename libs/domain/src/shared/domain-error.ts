/**
 * Why a command was refused. The kind decides the HTTP status (400/404/409) at the edge; the
 * message is the exact text of the spec, with the offending value appended where useful.
 */
export type DomainErrorKind = 'invalid' | 'not_found' | 'conflict';

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
