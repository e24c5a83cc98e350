import type { Request, Response } from 'express';
import { z } from 'zod';
import { RuntimeError } from '../runtime/errors';
import { emptyObject } from './schemas/common';

/**
 * A route is its documentation plus a typed handler: `defineRoute` validates params, query and body
 * against the route's schemas before the handler runs, and the same description feeds the OpenAPI
 * document, so the two cannot drift apart.
 */

export type HttpMethod = 'get' | 'post' | 'delete';

export interface ResponseDoc {
  description: string;
  schema?: z.ZodType;
  /** Defaults to application/json. */
  contentType?: string;
}

export interface RouteDoc {
  method: HttpMethod;
  /** Express-style path (`/agents/:id`), relative to the API mount. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  bodyRequired?: boolean;
  /** Error codes this route may answer with (documented under their HTTP statuses). */
  errors?: readonly number[];
  responses: Readonly<Record<number, ResponseDoc>>;
}

export interface RouteContext<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  req: Request;
  res: Response;
  /** `http://<host the client used>`: what Raven stores as runtimeEndpoint. */
  endpoint: string;
}

/** `undefined`: the handler wrote the response itself (streams). */
export type RouteResult = { status: number; body?: unknown } | undefined;

export interface MountedRoute {
  doc: RouteDoc;
  handle(req: Request, res: Response): Promise<void>;
}

interface RouteSpec<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> extends Omit<RouteDoc, 'params' | 'query' | 'body'> {
  params?: P;
  query?: Q;
  body?: B;
  handler(ctx: RouteContext<z.output<P>, z.output<Q>, z.output<B>>): Promise<RouteResult> | RouteResult;
}

/** Readable paths for issue locations: `config.contextFiles[0].path`. */
function issuePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

export function validationError(location: 'body' | 'query' | 'path', error: z.ZodError): RuntimeError {
  const issues = error.issues.map((issue) => {
    const at = issuePath(issue.path);
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : undefined;
    return { path: at, code: issue.code, message: issue.message, ...(keys ? { keys } : {}) };
  });
  const first = issues[0];
  const where = first.path === '' ? location : `${location} field "${first.path}"`;
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  return new RuntimeError('VALIDATION_ERROR', `Invalid ${where}: ${first.message}${more}.`, { location, issues });
}

function parse<S extends z.ZodType>(schema: S, value: unknown, location: 'body' | 'query' | 'path'): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(location, result.error);
  return result.data;
}

/** The query as validated: `token` belongs to authentication, not to the route. */
function routeQuery(req: Request): Record<string, unknown> {
  const query: Record<string, unknown> = { ...(req.query as Record<string, unknown>) };
  delete query.token;
  return query;
}

export function defineRoute<P extends z.ZodType = typeof emptyObject, Q extends z.ZodType = typeof emptyObject, B extends z.ZodType = typeof emptyObject>(
  spec: RouteSpec<P, Q, B>,
): MountedRoute {
  const params: z.ZodType = spec.params ?? emptyObject;
  const query: z.ZodType = spec.query ?? emptyObject;
  const body: z.ZodType = spec.body ?? emptyObject;
  const { handler, ...rest } = spec;
  const doc: RouteDoc = { ...rest, params: spec.params, query: spec.query, body: spec.body };
  return {
    doc,
    async handle(req, res) {
      const ctx = {
        params: parse(params, { ...req.params }, 'path') as z.output<P>,
        query: parse(query, routeQuery(req), 'query') as z.output<Q>,
        // Raven posts stop/pause/resume without a body; an absent body is an empty object.
        body: parse(body, req.body ?? {}, 'body') as z.output<B>,
        req,
        res,
        endpoint: `${req.protocol}://${req.host}`,
      };
      const result = await handler(ctx);
      if (result === undefined || res.headersSent) return;
      if (result.body === undefined) res.status(result.status).end();
      else res.status(result.status).json(result.body);
    },
  };
}
