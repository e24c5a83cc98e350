import type { ErrorCode } from '../../src-shared/errors';

/** A failure with a machine-readable code; the API turns it into `{error, code, details}`. */
export class RuntimeError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'RuntimeError';
  }
}
