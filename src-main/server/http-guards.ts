import type { RequestHandler } from 'express';
import type { Logger } from '../runtime/logger';
import { SERVICE_NAME } from '../../src-shared/api';
import { MAX_JSON_DEPTH } from '../../src-shared/limits';
import { nestsDeeperThan } from './json-depth';
import { keyPage, wantsPage } from './key-page';
import { errorBody, sendError } from './errors';
import { keyCandidates, type SecurityPolicy } from './security';

/**
 * Express middleware that applies the {@link SecurityPolicy} before any route runs: Host, then
 * Origin, then CORS (preflights are answered here), then the API key.
 */

/** How long a browser may cache a preflight answer: short, so an allowlist change applies soon. */
const PREFLIGHT_MAX_AGE_S = 600;
const ALLOWED_METHODS = 'GET, POST, DELETE, OPTIONS';
const ALLOWED_HEADERS = 'Authorization, Content-Type, X-API-Key, X-Workspace-Id, X-Request-Id';

/** `GET /health`: the one answer given without the key in key mode, reduced to `{healthy:true}`. */
const LIVENESS_PATH = /^(?:\/api)?\/health\/?$/;

/** GET endpoints an EventSource may open: it cannot set headers, so `?token=` is accepted there. */
const TOKEN_IN_QUERY_PATHS = [/^(?:\/api)?\/events\/?$/, /^(?:\/api)?\/agents\/[^/]+\/stream\/?$/];

export function hostAndOriginGuard(policy: SecurityPolicy, logger: Logger): RequestHandler {
  return (req, res, next) => {
    res.setHeader('Vary', 'Origin');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    if (!policy.hostAllowed(req.headers.host)) {
      logger.warn('rejected request: Host not allowed', { method: req.method, path: req.path, host: req.headers.host ?? '' });
      sendError(res, 'FORBIDDEN', 'Host header not allowed. Use localhost, 127.0.0.1 or [::1] with the server port, or configure the name.');
      return;
    }
    const origin = req.headers.origin;
    if (!policy.originAllowed(origin)) {
      logger.warn('rejected request: Origin not allowed', { method: req.method, path: req.path, origin: origin ?? '' });
      sendError(res, 'FORBIDDEN', 'Origin not allowed. Add it with --allow-origin (or the allowedOrigins setting).');
      return;
    }
    const corsOrigin = policy.corsOrigin(origin);
    if (corsOrigin) {
      res.setHeader('Access-Control-Allow-Origin', corsOrigin);
      res.setHeader('Access-Control-Expose-Headers', 'Content-Type');
    }
    if (req.method === 'OPTIONS') {
      res.setHeader('Allow', ALLOWED_METHODS);
      if (corsOrigin && req.headers['access-control-request-method']) {
        res.setHeader('Access-Control-Allow-Methods', ALLOWED_METHODS);
        res.setHeader('Access-Control-Allow-Headers', ALLOWED_HEADERS);
        res.setHeader('Access-Control-Max-Age', String(PREFLIGHT_MAX_AGE_S));
        // Chrome's retired Private Network Access preflight; harmless for browsers that no longer send it.
        if (req.headers['access-control-request-private-network'] === 'true') res.setHeader('Access-Control-Allow-Private-Network', 'true');
      }
      res.status(204).end();
      return;
    }
    next();
  };
}

export function apiKeyGuard(policy: SecurityPolicy, logger: Logger): RequestHandler {
  return (req, res, next) => {
    if (!policy.requiresKey) {
      next();
      return;
    }
    const token = req.method === 'GET' && TOKEN_IN_QUERY_PATHS.some((p) => p.test(req.path)) && typeof req.query.token === 'string' ? req.query.token : undefined;
    const candidates = keyCandidates(req.headers, token);
    if (policy.keyAccepted(candidates)) {
      next();
      return;
    }
    // Liveness stays public so supervisors can tell "up" from "down"; it says nothing else.
    if (req.method === 'GET' && LIVENESS_PATH.test(req.path)) {
      res.status(200).json({ healthy: true });
      return;
    }
    // Never the key itself: only which forms were tried.
    logger.warn('rejected request: API key missing or wrong', { method: req.method, path: req.path, tried: candidates.map((c) => c.scheme), remote: req.socket.remoteAddress ?? '' });
    res.setHeader('WWW-Authenticate', 'Bearer realm="raven-runtime"');
    if (req.method === 'GET' && wantsPage(req.headers.accept)) {
      keyPage(res, 401, candidates.length === 0 ? undefined : 'Wrong API key.');
      return;
    }
    const message = candidates.length === 0 ? 'API key required (Authorization: Bearer <key> or X-API-Key).' : 'Wrong API key.';
    // `service` lets the desktop app recognise its own runtime behind a port conflict.
    res.status(401).json({ ...errorBody('UNAUTHORIZED', message), service: SERVICE_NAME });
  };
}

/** Debug-level access log, without query strings (a `?token=` must not reach a log line). */
export function accessLog(logger: Logger, onRequest: () => void): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    onRequest();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      logger.debug('http', { method: req.method, path: req.path, status: res.statusCode, ms: Math.round(ms * 10) / 10 });
    });
    next();
  };
}

/**
 * 413 as soon as the headers announce a body over the limit, before a byte of it is read, and the
 * connection is closed after the answer: otherwise keep-alive waits for (and drains) a body the
 * server will never use, and a client can hold the socket by trickling it.
 */
export function announcedSizeGuard(limitBytes: number): RequestHandler {
  return (req, res, next) => {
    const announced = req.headers['content-length'];
    if (announced !== undefined && /^\d+$/.test(announced) && Number(announced) > limitBytes) {
      res.setHeader('Connection', 'close');
      sendError(res, 'PAYLOAD_TOO_LARGE', `The request body is too large (at most ${limitBytes} bytes).`, { limitBytes });
      return;
    }
    next();
  };
}

/**
 * Refuses bodies nested deeper than {@link MAX_JSON_DEPTH} before any route sees them: schemas,
 * handlers and every later JSON.stringify (answers, snapshots, events) recurse over the value.
 */
export function jsonDepthGuard(maxDepth = MAX_JSON_DEPTH): RequestHandler {
  return (req, res, next) => {
    if (nestsDeeperThan(req.body, maxDepth)) {
      sendError(res, 'VALIDATION_ERROR', `The request body nests deeper than ${maxDepth} levels.`, { maxDepth });
      return;
    }
    next();
  };
}
