/**
 * The contract between the desktop app's preload script and the renderer: `window.raven`.
 *
 * The renderer is an ordinary web app that talks to the runtime through the public HTTP/WS API; in
 * the desktop app the preload bridge adds only what a web page cannot do (open a browser, pick a
 * folder, show a native notification, store settings in the OS keychain). In a plain browser the
 * bridge is absent and the UI degrades: settings become read-only, "Open in browser" uses a link.
 *
 * Everything here crosses a process boundary by structured clone, so it is plain data.
 */

import type { AutoRespondConfig } from './agent';
import type { IsolationLimits, IsolationMode, NetworkMode } from './isolation';

export const THEME_PREFERENCES = ['system', 'light', 'dark'] as const;
export type ThemePreference = (typeof THEME_PREFERENCES)[number];

export const PROVIDERS = ['anthropic', 'openai', 'google'] as const;
export type Provider = (typeof PROVIDERS)[number];

export const PROVIDER_LABELS: Readonly<Record<Provider, string>> = {
  anthropic: 'Anthropic (Claude Code)',
  openai: 'OpenAI (Codex)',
  google: 'Google (Gemini CLI)',
};

/** The settings a person edits. Provider keys are not here: they never travel back to a renderer. */
export interface EditableSettings {
  port: number;
  bindHost: string;
  /** Empty: the API answers without a key (loopback-only use). */
  apiKey: string;
  /** Web apps allowed to call the API from a browser, e.g. the Raven Docs URL. */
  allowedOrigins: string[];
  defaultWorkdir: string;
  maxAgents: number;
  terminalCols: number;
  terminalRows: number;
  fontSize: number;
  scrollback: number;
  autoRespond: AutoRespondConfig;
  notifications: boolean;
  openLoginPagesAutomatically: boolean;
  theme: ThemePreference;
  openAtLogin: boolean;
  /** Where agents run when a spawn does not say: the runtime's default isolation. */
  isolation: IsolationSetting;
}

/**
 * The app's default isolation, every field present so the settings page can show each one. It
 * becomes `RuntimeConfig.isolation` (network, hosts and limits only when the mode isolates).
 */
export interface IsolationSetting {
  mode: IsolationMode;
  network: NetworkMode;
  /** Extra hosts agents may reach under `allowlist`: host, host:port or *.domain. */
  allow: string[];
  limits: IsolationLimits;
}

/** What the renderer learns about a stored provider key: whether it is set, and its last characters. */
export interface ProviderKeyStatus {
  set: boolean;
  /** e.g. `…a1b2`, so a person can tell keys apart without seeing them. */
  hint?: string;
}

export interface SecretStorageStatus {
  /** False when the OS offers no real secret store (Linux `basic_text`); keys are then refused. */
  available: boolean;
  backend: string;
  /** Why keys cannot be stored, in words for the settings page. */
  reason?: string;
}

export interface SettingsView extends EditableSettings {
  providerKeys: Record<Provider, ProviderKeyStatus>;
  secretStorage: SecretStorageStatus;
  /** Settings whose change needs the API server to restart (the app does it, and reloads its windows). */
  restartRequired?: boolean;
}

/** A change from the settings page. `providerKeys[p] = null` removes a key; a string stores it. */
export interface SettingsPatch extends Partial<EditableSettings> {
  providerKeys?: Partial<Record<Provider, string | null>>;
}

export type SettingsResult = { ok: true; settings: SettingsView } | { ok: false; error: string; field?: string };

export interface ApiConnection {
  /** e.g. `http://127.0.0.1:8765`; the window's own origin in the desktop app. */
  baseUrl: string;
  /** The API key, when one is configured. */
  token?: string;
}

export interface NotifyRequest {
  title: string;
  body?: string;
  /** Clicking the notification opens this agent. */
  agentId?: string;
}

export type BridgePlatform = 'darwin' | 'win32' | 'linux';

/**
 * `window.raven`, present only inside the desktop app. Exactly these members, as the README's
 * "Desktop bridge" section lists them (a test compares the preload's object with that list).
 */
export interface RavenBridge {
  readonly bridgeVersion: 1;
  readonly platform: BridgePlatform;
  getConnection(): Promise<ApiConnection>;
  /** Opens `https:` URLs (and `http:` ones on localhost, 127.0.0.1 or [::1]) in the default browser; false when refused. */
  openExternal(url: string): Promise<boolean>;
  /** A native folder picker; null when cancelled. */
  pickFolder(defaultPath?: string): Promise<string | null>;
  notify(request: NotifyRequest): Promise<void>;
  window: {
    minimize(): Promise<void>;
    toggleMaximize(): Promise<void>;
    close(): Promise<void>;
    /** Shows one agent's terminal alone in its own window. */
    openAgentWindow(agentId: string): Promise<void>;
  };
  settings: {
    get(): Promise<SettingsView>;
    /**
     * Checked in the main process against the settings schema. Adding an allowed origin or removing
     * the API key also needs a yes in a native dialog; without it the result is `ok: false`.
     */
    set(patch: SettingsPatch): Promise<SettingsResult>;
    /** A fresh random API key (not saved until `set`). */
    generateApiKey(): Promise<string>;
  };
  /** The main process asks the UI to show a route (a tray item or a notification was clicked). */
  onNavigate(listener: (route: string) => void): () => void;
  onSettingsChanged(listener: (settings: SettingsView) => void): () => void;
}

/** IPC channel names shared by the preload script and the main process. */
export const IPC = {
  getConnection: 'raven:get-connection',
  openExternal: 'raven:open-external',
  pickFolder: 'raven:pick-folder',
  notify: 'raven:notify',
  windowMinimize: 'raven:window-minimize',
  windowToggleMaximize: 'raven:window-toggle-maximize',
  windowClose: 'raven:window-close',
  openAgentWindow: 'raven:open-agent-window',
  settingsGet: 'raven:settings-get',
  settingsSet: 'raven:settings-set',
  generateApiKey: 'raven:generate-api-key',
  navigate: 'raven:navigate',
  settingsChanged: 'raven:settings-changed',
} as const;

/** The UI's hash routes that the main process may ask for. */
export const ROUTES = {
  agents: '#/agents',
  agent: (id: string) => `#/agents/${encodeURIComponent(id)}`,
  popout: (id: string) => `#/popout/${encodeURIComponent(id)}`,
  spawn: (type?: string, workdir?: string) => {
    // Built by hand: this file compiles without DOM or Node, so URLSearchParams is not available.
    const parts: string[] = [];
    if (type) parts.push(`type=${encodeURIComponent(type)}`);
    if (workdir) parts.push(`workdir=${encodeURIComponent(workdir)}`);
    return parts.length > 0 ? `#/new?${parts.join('&')}` : '#/new';
  },
  settings: '#/settings',
} as const;
