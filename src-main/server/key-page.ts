import express, { type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import { defineRoute, type MountedRoute } from './route';
import { SESSION_COOKIE, sessionToken, type SecurityPolicy } from './security';

/**
 * In key mode even the UI page needs the key, yet a browser cannot attach a header to a page load.
 * So a browser asking for a page without the key gets this small form instead; posting the right
 * key sets an HttpOnly, SameSite=Strict session cookie that every route (and the WebSocket
 * upgrades) accept, and sends the browser back to the UI. The page has no script at all.
 */

export const KEY_SESSION_PATH = '/auth/session';
/** The form posts one short field; nothing bigger belongs here. */
const FORM_LIMIT = '4kb';

const KEY_PAGE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

export function keyPage(res: Response, status: number, message?: string): void {
  res.setHeader('Content-Security-Policy', KEY_PAGE_POLICY);
  res.setHeader('X-Frame-Options', 'DENY');
  // Not no-referrer: under it Chromium posts the form with `Origin: null`, which the Origin guard refuses.
  res.setHeader('Referrer-Policy', 'same-origin');
  res.setHeader('Cache-Control', 'no-store');
  res.status(status).type('html').send(
    [
      '<!doctype html>',
      '<html lang="en"><head><meta charset="utf-8"><title>Raven Agent Runtime: API key</title>',
      '<style>body{font:15px system-ui,sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem}input,button{font:inherit;padding:.4rem}input{width:100%;box-sizing:border-box;margin:.5rem 0}</style>',
      '</head><body>',
      '<h1>Raven Agent Runtime</h1>',
      '<p>This runtime requires its API key.</p>',
      message ? `<p role="alert"><strong>${message}</strong></p>` : '',
      `<form method="post" action="${KEY_SESSION_PATH}">`,
      '<label for="key">API key</label>',
      '<input id="key" name="key" type="password" autocomplete="current-password" required autofocus>',
      '<button type="submit">Unlock</button>',
      '</form></body></html>',
    ].join('\n'),
  );
}

/** True for a page load by a browser (as opposed to a fetch or a script asking for JSON). */
export function wantsPage(accept: string | undefined): boolean {
  return /\btext\/html\b/.test(accept ?? '');
}

/** Longer than any real key; a bigger field is a mistake. */
const MAX_KEY_CHARS = 4096;

/** Sets the cookie and sends the browser to `/` for the right key; the key page again otherwise. */
function openSession(policy: SecurityPolicy, key: string | undefined, res: Response): undefined {
  if (!policy.requiresKey) {
    res.redirect(303, '/');
    return undefined;
  }
  if (key === undefined || key === '' || !policy.keyAccepted([{ scheme: 'bearer', value: key }])) {
    keyPage(res, 401, 'Wrong API key.');
    return undefined;
  }
  res.cookie(SESSION_COOKIE, sessionToken(key), { httpOnly: true, sameSite: 'strict', path: '/' });
  res.redirect(303, '/');
  return undefined;
}

/**
 * `POST /auth/session` (form field `key`, from the key-entry page) and `GET /auth/session?key=`
 * (the desktop app's windows, which know the key). Mounted before the key guard: they check the
 * key themselves. The browser keeps a `#route` across the redirect.
 */
export function keySessionRoutes(policy: SecurityPolicy): MountedRoute[] {
  const responses = {
    303: { description: 'The right key: the session cookie is set, and the browser goes to `/`.' },
    401: { description: 'A wrong key: the key-entry page again.', contentType: 'text/html' },
  };
  return [
    defineRoute({
      method: 'post',
      path: KEY_SESSION_PATH,
      operationId: 'openKeySession',
      summary: 'Key mode: trade the API key (form field `key`) for an HttpOnly, SameSite=Strict session cookie.',
      tag: 'service',
      body: z.strictObject({ key: z.string().max(MAX_KEY_CHARS) }),
      bodyRequired: true,
      responses,
      handler: ({ body, res }) => openSession(policy, body.key, res),
    }),
    defineRoute({
      method: 'get',
      path: KEY_SESSION_PATH,
      operationId: 'openKeySessionFromUrl',
      summary: 'Key mode: the same, with the key in the query (how the desktop app opens its windows).',
      tag: 'service',
      query: z.strictObject({ key: z.string().max(MAX_KEY_CHARS).optional() }),
      responses,
      handler: ({ query, res }) => openSession(policy, query.key, res),
    }),
  ];
}

/** The form body parser for the key-entry form: one short field. */
export const keyFormParser: RequestHandler = express.urlencoded({ extended: false, limit: FORM_LIMIT, parameterLimit: 4 });
