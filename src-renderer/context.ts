import type { AgentHandle } from '../src-shared/agent';
import type { RavenBridge, SettingsView } from '../src-shared/desktop';
import type { ApiClient } from './api/client';
import type { Toasts } from './components/toasts';
import type { Route } from './lib/router';
import type { Store } from './lib/store';

/** What every view gets: the API, the live state, and the few app-wide services. */
export interface AppContext {
  api: ApiClient;
  store: Store;
  toasts: Toasts;
  /** The desktop app's bridge; undefined in a plain browser. */
  bridge: RavenBridge | undefined;
  /** The desktop settings, when running in the desktop app. */
  desktopSettings(): SettingsView | undefined;
  navigate(route: Route): void;
  /** Opens a URL from the UI or a terminal in the browser (through the bridge's guard in the app). */
  openLink(url: string): void;
  isAppShortcut(event: KeyboardEvent): boolean;
  /** Stops an agent (if running) and starts the same thing again; resolves with the new agent. */
  restart(agent: AgentHandle, credentials?: Record<string, string>): Promise<AgentHandle | undefined>;
}
