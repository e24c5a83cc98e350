import './styles/app.css';
import { ApiClient, ApiError, type Connection } from './api/client';
import { EventsConnection } from './api/events';
import { App } from './app';
import { promptApiKey } from './components/dialog';
import { preferences } from './lib/preferences';
import { storedKey, storeKey } from './lib/session-key';
import { Store } from './lib/store';

/**
 * Start-up: find the runtime (the page's own origin; the desktop bridge adds the API key), check
 * the key (asking for it on 401 in a browser), then follow /ws/events.
 */

/** /health also carries which CLIs are installed; the server caches it for 30 s. */
const HEALTH_REFRESH_MS = 30_000;
/** Failed socket opens before we suspect the key (a browser hides a WebSocket's 401). */
const SUSPECT_KEY_AFTER = 2;

async function boot(): Promise<void> {
  const root = document.getElementById('app');
  if (!root) return;
  const bridge = window.raven;
  const connection: Connection = bridge ? await bridge.getConnection() : { baseUrl: location.origin, token: storedKey() };
  const api = new ApiClient(connection);
  const store = new Store();
  const app = new App(root, api, store, bridge);

  if (bridge) {
    const settings = await bridge.settings.get();
    app.setDesktopSettings(settings);
    preferences.fromSettings(settings);
    bridge.onSettingsChanged((next) => {
      app.setDesktopSettings(next);
      preferences.fromSettings(next);
    });
  }

  api.onUnauthorized(async (message) => {
    if (bridge) {
      // The desktop app's key changed under us (settings): take the new one.
      const fresh = await bridge.getConnection();
      return fresh.token !== api.token ? fresh.token : undefined;
    }
    const key = await promptApiKey(message === 'API key required (header, or ?token=).' ? '' : message);
    if (key) storeKey(key);
    return key;
  });

  app.start();

  let snapshots = 0;
  const events = new EventsConnection(api, {
    // A later snapshot is a reconnect: agents the runtime no longer has disappear with it, and
    // toasts about the old connection (failed stops of agents that are gone) are cleared.
    snapshot: (agents) => {
      if (snapshots++ > 0) app.toasts.clear();
      store.setSnapshot(agents);
    },
    stopping: () => store.setConnection('reconnecting', 'The runtime is shutting down; waiting for it to come back…'),
    event: (event) => store.applyEvent(event),
    state: (state, detail) => {
      if (store.connection !== 'unauthorized' || state === 'open') store.setConnection(state, detail);
    },
    failing: (attempts) => {
      if (attempts === SUSPECT_KEY_AFTER) void checkKey();
    },
  });

  async function checkKey(): Promise<boolean> {
    try {
      store.setHealth(await api.health());
      return true;
    } catch (error) {
      if (error instanceof ApiError && error.code === 'UNAUTHORIZED') {
        store.setConnection('unauthorized');
        events.close();
        return false;
      }
      return true; // Unreachable for now: the socket's reconnect loop keeps trying.
    }
  }

  // The first request settles the key (a prompt in a browser), so the socket connects with it.
  if (await checkKey()) events.start();
  window.setInterval(() => {
    if (store.connection === 'open') void api.health().then((h) => store.setHealth(h), () => undefined);
  }, HEALTH_REFRESH_MS);
}

void boot();
