import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { HTTP_STATUS_BY_CODE, type ErrorBody, type ErrorCode } from '../../src-shared/errors';
import { RuntimeError } from '../runtime/errors';
import type { Logger } from '../runtime/logger';

/**
 * Every failure leaves the server as JSON `{error, code, details?}` with the status its code maps
 * to. Express's own HTML error page never reaches a client.
 */

export function errorBody(code: ErrorCode, message: string, details?: Record<string, unknown>): ErrorBody {
  return details && Object.keys(details).length > 0 ? { error: message, code, details } : { error: message, code };
}

export function sendError(res: Response, code: ErrorCode, message: string, details?: Record<string, unknown>): void {
  res.status(HTTP_STATUS_BY_CODE[code]).json(errorBody(code, message, details));
}

/** Errors raised by body-parser and the router carry `type`/`status` instead of a code. */
interface HttpLikeError {
  type?: unknown;
  status?: unknown;
  statusCode?: unknown;
  expose?: unknown;
  message?: unknown;
}

function asHttpLike(error: unknown): HttpLikeError | undefined {
  return typeof error === 'object' && error !== null ? (error as HttpLikeError) : undefined;
}

/** Maps anything thrown by a handler to an error response; unknown errors become 500 INTERNAL. */
export function toErrorResponse(error: unknown): { status: number; body: ErrorBody; internal: boolean } {
  if (error instanceof RuntimeError) {
    return { status: HTTP_STATUS_BY_CODE[error.code], body: errorBody(error.code, error.message, error.details), internal: false };
  }
  const http = asHttpLike(error);
  const type = http?.type;
  if (type === 'entity.too.large') {
    const limit = typeof (error as { limit?: unknown }).limit === 'number' ? (error as { limit: number }).limit : undefined;
    return { status: 413, body: errorBody('PAYLOAD_TOO_LARGE', 'The request body is too large.', limit ? { limitBytes: limit } : undefined), internal: false };
  }
  if (type === 'entity.parse.failed') {
    return { status: 400, body: errorBody('VALIDATION_ERROR', 'The request body is not valid JSON.'), internal: false };
  }
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
    return { status: 400, body: errorBody('VALIDATION_ERROR', 'Send the body as UTF-8 JSON.'), internal: false };
  }
  const status = typeof http?.status === 'number' ? http.status : typeof http?.statusCode === 'number' ? http.statusCode : undefined;
  if (status !== undefined && status >= 400 && status < 500) {
    // The router's own 4xx errors (a malformed %-escape in the path, for one).
    const code: ErrorCode = status === 404 ? 'NOT_FOUND' : status === 413 ? 'PAYLOAD_TOO_LARGE' : 'VALIDATION_ERROR';
    const message = http?.expose === true && typeof http.message === 'string' ? http.message : 'Bad request.';
    return { status: HTTP_STATUS_BY_CODE[code], body: errorBody(code, message), internal: false };
  }
  return { status: 500, body: errorBody('INTERNAL', 'Internal server error.'), internal: true };
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const { status, body, internal } = toErrorResponse(error);
    if (internal) {
      logger.error('request failed', { method: req.method, path: req.path, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    }
    if (res.headersSent) {
      // A stream already started: the status line is gone, so all we can do is cut it.
      res.destroy();
      return;
    }
    // A request aborted by the client has nobody to answer.
    if ((asHttpLike(error)?.type ?? '') === 'request.aborted') return;
    res.status(status).json(body);
  };
}

export const notFoundHandler: RequestHandler = (req, res) => {
  sendError(res, 'NOT_FOUND', `No route for ${req.method} ${req.path}. See /openapi.json.`);
};
