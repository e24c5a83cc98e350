/**
 * Security decisions for the desktop shell, as pure functions (docs/desktop-security.md "Electron's checklist, applied"): which URLs may
 * be opened in the browser, where a window may navigate, which permissions a page gets, which IPC
 * sender is ours, and the Content-Security-Policy of our pages.
 */

/**
 * Exactly these names count as this computer. Not `*.localhost` (a name the OS resolver may send
 * elsewhere, and a browser treats as its own site) and not the rest of 127.0.0.0/8: a plain-http
 * page opened from a terminal line should be the local OAuth callback a CLI runs, nothing more.
 */
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname.toLowerCase());
}

export type ExternalUrlVerdict = { ok: true; url: string } | { ok: false; reason: string };

/**
 * `shell.openExternal` hands the URL to the OS, which will happily run `file:`, `smb:` or a custom
 * scheme handler (Electron's checklist item 15). Only `https:` goes out, plus `http:` to loopback
 * for the local OAuth callbacks CLIs run (Codex listens on 127.0.0.1:1455).
 */
export function checkExternalUrl(raw: unknown): ExternalUrlVerdict {
  if (typeof raw !== 'string' || raw.length === 0) return { ok: false, reason: 'not a URL' };
  // A terminal-sourced URL this long is garbage or an attack; real OAuth URLs stay well under 4 KB.
  if (raw.length > 8192) return { ok: false, reason: 'URL too long' };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'not a valid URL' };
  }
  if (url.username !== '' || url.password !== '') return { ok: false, reason: 'URLs with credentials are not opened' };
  if (url.protocol === 'https:') return { ok: true, url: url.href };
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return { ok: true, url: url.href };
  if (url.protocol === 'http:') return { ok: false, reason: 'plain http is only opened for this computer (localhost)' };
  return { ok: false, reason: `the ${url.protocol} scheme is not opened` };
}

/** A window of ours may only navigate within the app's own origin (the in-process server). */
export function isAllowedNavigation(target: string, appOrigin: string): boolean {
  try {
    return new URL(target).origin === appOrigin;
  } catch {
    return false;
  }
}

/** An IPC call is trusted only from a frame showing our own origin (checklist item 17). */
export function isTrustedSender(frameUrl: string | undefined | null, appOrigin: string): boolean {
  if (!frameUrl) return false;
  return isAllowedNavigation(frameUrl, appOrigin);
}

/**
 * Permissions our pages may have. Everything else (camera, geolocation, notifications via the web
 * API, HID, …) is denied: the UI never asks for them, so a request means something is wrong.
 * Clipboard writing backs the Copy buttons (device codes, API address).
 */
export const ALLOWED_PERMISSIONS: ReadonlySet<string> = new Set(['clipboard-sanitized-write']);

export function isPermissionAllowed(permission: string, requestingUrl: string | undefined, appOrigin: string): boolean {
  if (!ALLOWED_PERMISSIONS.has(permission)) return false;
  return requestingUrl !== undefined && isAllowedNavigation(requestingUrl, appOrigin);
}

/** Directives shared by the header and the page's `<meta>` copy (see contentSecurityPolicy). */
const PAGE_DIRECTIVES = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
] as const;
const CLOSING_DIRECTIVES = ["base-uri 'none'", "form-action 'none'", "object-src 'none'"] as const;

/**
 * The CSP of our windows, set as a response header for the app's origin; the page carries a
 * `<meta>` copy (metaContentSecurityPolicy) so it holds even where no header is set. `style-src
 * 'unsafe-inline'`: xterm.js writes `<style>` elements for its themes and cell colours, checked
 * against the production build; scripts stay 'self' only.
 */
export function contentSecurityPolicy(appOrigin: string): string {
  const ws = appOrigin.replace(/^http/, 'ws');
  return [...PAGE_DIRECTIVES, `connect-src 'self' ${ws}`, ...CLOSING_DIRECTIVES, "frame-ancestors 'none'"].join('; ');
}

/**
 * The copy in src-renderer/index.html (a test keeps them equal). A `<meta>` policy cannot name
 * the port, which changes at run time, so sockets are allowed through 'self' (CSP 3 matches ws: to
 * the page's own host and port); `frame-ancestors` is ignored in `<meta>`, so it is left out.
 */
export function metaContentSecurityPolicy(): string {
  return [...PAGE_DIRECTIVES, "connect-src 'self'", ...CLOSING_DIRECTIVES].join('; ');
}
