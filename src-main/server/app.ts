import express, { type Express, type Router } from 'express';
import { API_PREFIX } from '../../src-shared/api';
import type { ServerContext } from './context';
import { errorHandler, notFoundHandler } from './errors';
import { accessLog, announcedSizeGuard, apiKeyGuard, hostAndOriginGuard, jsonDepthGuard } from './http-guards';
import { keyFormParser, keySessionRoutes } from './key-page';
import { buildOpenApi, type OpenApiDocument } from './openapi';
import { defineRoute, type MountedRoute } from './route';
import { agentRoutes } from './routes/agents';
import { controlRoutes } from './routes/control';
import { observeRoutes } from './routes/observe';
import { ravenRoutes } from './routes/raven';
import { serviceRoutes } from './routes/service';
import { threadRoutes } from './routes/threads';
import type { SecurityPolicy } from './security';
import { rootRoute, uiAssets } from './static-ui';

/**
 * The express application. Order matters: security checks first, then the public UI, then the
 * API key, then body parsing, then the API (mounted at `/api` and at the root), then JSON 404 and
 * the JSON error handler.
 */

/** Both path families: `/api/agents` (Parallax, Raven) and `/agents` (the local-runtime docs). */
export const API_MOUNTS: readonly string[] = [API_PREFIX, ''];

export interface BuiltApp {
  app: Express;
  apiRouter: Router;
  apiRoutes: MountedRoute[];
  rootRoutes: MountedRoute[];
}

export function buildApp(ctx: ServerContext, policy: SecurityPolicy, options: { bodyLimitBytes: number }): BuiltApp {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.set('etag', false);

  app.use(accessLog(ctx.logger, () => ctx.metrics.httpRequests++));
  app.use(hostAndOriginGuard(policy, ctx.logger));
  // Where a browser trades the key for a session cookie: these check the key themselves.
  const sessionRoutes = keySessionRoutes(policy);
  for (const route of sessionRoutes) app[route.doc.method](route.doc.path, keyFormParser, (req, res) => route.handle(req, res));
  app.use(apiKeyGuard(policy, ctx.logger));

  // The UI is behind the key too: its bundle and source maps describe the whole API surface.
  const uiRoutes = [rootRoute(ctx)];
  for (const route of uiRoutes) app[route.doc.method](route.doc.path, (req, res) => route.handle(req, res));
  const rootRoutes = [...uiRoutes, ...sessionRoutes];
  app.use(uiAssets(ctx.uiDir));

  app.use(announcedSizeGuard(options.bodyLimitBytes));
  // Any content type is read as JSON: `curl -d` sends form encoding by default. Only objects and arrays parse.
  app.use(express.json({ limit: options.bodyLimitBytes, type: () => true, strict: true }));
  app.use(jsonDepthGuard());

  let document: OpenApiDocument | undefined;
  const openApiRoute = defineRoute({
    method: 'get',
    path: '/openapi.json',
    operationId: 'getOpenApi',
    summary: 'This OpenAPI 3.1 document.',
    tag: 'service',
    responses: { 200: { description: 'The document' } },
    handler: () => {
      document ??= buildOpenApi({ version: ctx.version, prefixes: API_MOUNTS, routes: apiRoutes.map((r) => r.doc), rootRoutes: rootRoutes.map((r) => r.doc) });
      return { status: 200, body: document };
    },
  });
  const apiRoutes: MountedRoute[] = [
    ...serviceRoutes(ctx),
    ...agentRoutes(ctx),
    ...controlRoutes(ctx),
    ...observeRoutes(ctx),
    ...ravenRoutes(ctx),
    ...threadRoutes(ctx),
    openApiRoute,
  ];
  const apiRouter = express.Router();
  for (const route of apiRoutes) apiRouter[route.doc.method](route.doc.path, (req, res) => route.handle(req, res));
  for (const mount of API_MOUNTS) {
    if (mount === '') app.use(apiRouter);
    else app.use(mount, apiRouter);
  }

  app.use(notFoundHandler);
  app.use(errorHandler(ctx.logger));
  return { app, apiRouter, apiRoutes, rootRoutes };
}
