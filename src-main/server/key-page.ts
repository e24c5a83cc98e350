import express, { type RequestHandler, type Response } from 'express';
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

/**
 * `POST /auth/session` (form field `key`, the key-entry page) or `GET /auth/session?key=` (the
 * desktop app's windows, which know the key): sets the session cookie and sends the browser to `/`.
 */
export function keySessionRoute(policy: SecurityPolicy): RequestHandler[] {
  return [
    express.urlencoded({ extended: false, limit: FORM_LIMIT, parameterLimit: 4 }),
    (req, res) => {
      const source: unknown = req.method === 'GET' ? req.query : req.body;
      const key = typeof source === 'object' && source !== null && typeof (source as Record<string, unknown>).key === 'string' ? (source as Record<string, string>).key : '';
      if (!policy.requiresKey) {
        res.redirect(303, '/');
        return;
      }
      if (key === '' || !policy.keyAccepted([{ scheme: 'bearer', value: key }])) {
        keyPage(res, 401, 'Wrong API key.');
        return;
      }
      res.cookie(SESSION_COOKIE, sessionToken(key), { httpOnly: true, sameSite: 'strict', path: '/' });
      res.redirect(303, '/');
    },
  ];
}
