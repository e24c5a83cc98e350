/**
 * In key mode the runtime serves even its UI page only with the key, and a page load cannot carry a
 * header. So the window first opens `/auth/session?key=…`, which sets the HttpOnly session cookie
 * and redirects to `/`; the browser keeps the `#route` across the redirect.
 */
export function withKeySession(url: string, apiKey: string): string {
  if (apiKey === '') return url;
  const target = new URL(url);
  return `${target.origin}/auth/session?key=${encodeURIComponent(apiKey)}${target.hash}`;
}
