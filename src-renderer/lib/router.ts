/** Hash routes: they survive reloads, need no server support, and the desktop app can set them. */

export type Route =
  | { name: 'home' }
  | { name: 'agent'; id: string }
  | { name: 'new'; type?: string; workdir?: string }
  | { name: 'settings' }
  | { name: 'history'; id?: string }
  | { name: 'popout'; id: string };

function decode(part: string | undefined): string | undefined {
  if (part === undefined || part === '') return undefined;
  try {
    return decodeURIComponent(part);
  } catch {
    return undefined;
  }
}

export function parseRoute(hash: string): Route {
  const [pathPart, queryPart = ''] = hash.replace(/^#/, '').split('?');
  const parts = pathPart.split('/').filter(Boolean);
  const query = new URLSearchParams(queryPart);
  const id = decode(parts[1]);
  switch (parts[0]) {
    case 'agents':
      return id ? { name: 'agent', id } : { name: 'home' };
    case 'popout':
      return id ? { name: 'popout', id } : { name: 'home' };
    case 'new':
      return { name: 'new', type: query.get('type') ?? undefined, workdir: query.get('workdir') ?? undefined };
    case 'settings':
      return { name: 'settings' };
    case 'history':
      return { name: 'history', id };
    default:
      return { name: 'home' };
  }
}

export function href(route: Route): string {
  switch (route.name) {
    case 'home':
      return '#/agents';
    case 'agent':
      return `#/agents/${encodeURIComponent(route.id)}`;
    case 'popout':
      return `#/popout/${encodeURIComponent(route.id)}`;
    case 'new': {
      const q = new URLSearchParams();
      if (route.type) q.set('type', route.type);
      if (route.workdir) q.set('workdir', route.workdir);
      const qs = q.toString();
      return qs ? `#/new?${qs}` : '#/new';
    }
    case 'settings':
      return '#/settings';
    case 'history':
      return route.id ? `#/history/${encodeURIComponent(route.id)}` : '#/history';
  }
}

export function navigate(route: Route | string): void {
  const target = typeof route === 'string' ? route : href(route);
  if (location.hash === target) window.dispatchEvent(new HashChangeEvent('hashchange'));
  else location.hash = target;
}
