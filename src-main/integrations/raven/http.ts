/**
 * How the runtime reaches Raven Docs (docs/compatibility.md "Calling Raven"): Raven's base URL comes from a
 * spawn's `callbackUrl`, and every call is a JSON POST that is best effort (the outcome is reported,
 * never thrown).
 */

/** The path Raven builds callbackUrl with: `${APP_URL}/api/parallax-agents/spawn-callback`. */
export const SPAWN_CALLBACK_PATH = '/api/parallax-agents/spawn-callback';

/**
 * Raven's base URL: `callbackUrl` without its trailing spawn-callback path (and without query,
 * fragment or credentials). Undefined when the URL does not end that way: then it is not Raven's
 * and there is no base to call other routes on.
 */
export function ravenBaseUrl(callbackUrl: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(callbackUrl);
  } catch {
    return undefined;
  }
  const pathname = parsed.pathname.replace(/\/+$/, '');
  if (!pathname.endsWith(SPAWN_CALLBACK_PATH)) return undefined;
  return `${parsed.protocol}//${parsed.host}${pathname.slice(0, -SPAWN_CALLBACK_PATH.length)}`;
}

/** The URL without its query or credentials, for logs. */
export function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return '(invalid url)';
  }
}

export type PostOutcome = { ok: true; status: number } | { ok: false; status?: number; reason: string };

/** One JSON POST. Redirects are refused: a callback must not be bounced to another host. */
export async function postJson(url: string, body: unknown, signal: AbortSignal): Promise<PostOutcome> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      signal,
      redirect: 'error',
    });
    // Drain the body so the connection can be reused or closed.
    await response.arrayBuffer().catch(() => undefined);
    return response.ok ? { ok: true, status: response.status } : { ok: false, status: response.status, reason: `HTTP ${response.status}` };
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return { ok: false, reason: `${error instanceof Error ? error.message : String(error)}${cause}` };
  }
}
