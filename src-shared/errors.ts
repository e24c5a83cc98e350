/** Machine-readable error codes. Every failure the runtime or the API reports carries one. */
export const ERROR_CODES = [
  'VALIDATION_ERROR',
  'CLI_NOT_FOUND',
  'SPAWN_FAILED',
  'AGENT_NOT_FOUND',
  'THREAD_NOT_FOUND',
  'AGENT_NOT_READY',
  'AUTH_REQUIRED',
  'TIMEOUT',
  'MAX_AGENTS',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'PAYLOAD_TOO_LARGE',
  'NOT_FOUND',
  /** A server-wide cap (connections, terminal viewers, event subscribers) is full; retry later. */
  'LIMIT_REACHED',
  /** A file or folder the runtime needs could not be read or written; `details.path` names it. */
  'FILESYSTEM_ERROR',
  /** The isolation a spawn asked for cannot be given on this machine; the message says why. */
  'ISOLATION_UNAVAILABLE',
  /** An isolated agent hit a resource limit and was ended; `details.limit` says which. */
  'RESOURCE_LIMIT',
  'INTERNAL',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * HTTP status per code. Parallax's own scripts expect 500 for an unknown agent on send/logs/delete;
 * we answer 404 on purpose (the README says so).
 */
export const HTTP_STATUS_BY_CODE: Readonly<Record<ErrorCode, number>> = {
  VALIDATION_ERROR: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  AGENT_NOT_FOUND: 404,
  THREAD_NOT_FOUND: 404,
  NOT_FOUND: 404,
  AGENT_NOT_READY: 409,
  AUTH_REQUIRED: 409,
  PAYLOAD_TOO_LARGE: 413,
  CLI_NOT_FOUND: 422,
  ISOLATION_UNAVAILABLE: 422,
  MAX_AGENTS: 429,
  LIMIT_REACHED: 503,
  SPAWN_FAILED: 500,
  FILESYSTEM_ERROR: 500,
  RESOURCE_LIMIT: 500,
  INTERNAL: 500,
  TIMEOUT: 504,
};

/** The JSON body of every error response: `{error, code, details?}`. */
export interface ErrorBody {
  error: string;
  code: ErrorCode;
  details?: Record<string, unknown>;
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}
