import express, { type RequestHandler, type Response } from 'express';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { SERVICE_NAME, type ServiceDescription } from '../../src-shared/api';
import type { ServerContext } from './context';
import { defineRoute, type MountedRoute } from './route';
import { serviceDescriptionSchema } from './schemas/responses';

/**
 * `GET /`: the app's UI (the vite build in `uiDir`) for browsers, the JSON service description for
 * everything else (Parallax's scripts only check for 200). In key mode these sit behind the key
 * like every route (a browser gets the key-entry page first, see key-page.ts).
 */

/** The UI loads only its own scripts and styles and talks only to this server (HTTP and WS). */
function uiPolicy(host: string | undefined): string {
  const sockets = host ? ` ws://${host}` : '';
  return [
    "default-src 'self'",
    "script-src 'self'",
    // xterm.js injects <style> elements for its themes.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src 'self'${sockets}`,
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'none'",
  ].join('; ');
}

const NOT_BUILT_POLICY = "default-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

function setPageHeaders(res: Response, policy: string): void {
  res.setHeader('Content-Security-Policy', policy);
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
}

function indexFile(uiDir: string | undefined): string | undefined {
  if (!uiDir) return undefined;
  const file = path.join(uiDir, 'index.html');
  return fs.existsSync(file) ? file : undefined;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function notBuiltPage(version: string): string {
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8"><title>Raven Agent Runtime</title></head><body>',
    `<h1>Raven Agent Runtime ${escapeHtml(version)} is running</h1>`,
    '<p>The web UI is not built. Run <code>npm run build:renderer</code>, then reload this page.</p>',
    '<p>The API works meanwhile: see <a href="/openapi.json">/openapi.json</a> and <a href="/health">/health</a>.</p>',
    '</body></html>',
  ].join('\n');
}

export function serviceDescription(version: string, uiBuilt: boolean): ServiceDescription {
  return {
    service: SERVICE_NAME,
    version,
    ui: { built: uiBuilt, path: '/' },
    endpoints: {
      health: '/api/health',
      agents: '/api/agents',
      threads: '/api/threads',
      spawn: '/api/spawn',
      events: '/events',
      metrics: '/api/metrics',
      openapi: '/openapi.json',
      websocket: { general: '/ws', events: '/ws/events', terminal: '/ws/agents/:id/terminal' },
    },
  };
}

export function rootRoute(ctx: ServerContext): MountedRoute {
  return defineRoute({
    method: 'get',
    path: '/',
    operationId: 'getRoot',
    summary: 'The UI for browsers (Accept: text/html); the JSON service description otherwise.',
    tag: 'service',
    // Browsers may add anything to the page URL; nothing here reads it.
    query: z.object({}),
    responses: {
      200: { description: 'Service description (or the UI page for browsers)', schema: serviceDescriptionSchema },
    },
    handler: ({ req, res }) => {
      res.setHeader('Vary', 'Origin, Accept');
      const index = indexFile(ctx.uiDir);
      if (!/\btext\/html\b/.test(req.headers.accept ?? '')) return { status: 200, body: serviceDescription(ctx.version, index !== undefined) };
      if (index) {
        setPageHeaders(res, uiPolicy(req.headers.host));
        res.setHeader('Cache-Control', 'no-cache');
        res.sendFile(index);
        return undefined;
      }
      setPageHeaders(res, NOT_BUILT_POLICY);
      res.status(200).type('html').send(notBuiltPage(ctx.version));
      return undefined;
    },
  });
}

/** The UI's assets (`/assets/…`), when built. Unknown files fall through to the JSON 404. */
export function uiAssets(uiDir: string | undefined): RequestHandler {
  if (!uiDir) return (_req, _res, next) => next();
  return express.static(uiDir, {
    index: false,
    redirect: false,
    dotfiles: 'ignore',
    fallthrough: true,
    setHeaders: (res, file) => {
      if (file.endsWith('.html')) setPageHeaders(res, uiPolicy(res.req.headers.host));
    },
  });
}
