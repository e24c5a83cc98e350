import { expect, type Page } from '@playwright/test';
import * as path from 'node:path';
import type { AgentHandle } from '../src-shared/agent';
import type { AgentListResponse } from '../src-shared/api';
import { DEFAULT_SETTINGS } from '../src-main/desktop/settings/schema';

export function runtimeEnv(): { url: string; dataDir: string; workdir: string } {
  const url = process.env.RAVEN_E2E_URL;
  const dataDir = process.env.RAVEN_E2E_DATA_DIR;
  const workdir = process.env.RAVEN_E2E_WORKDIR;
  if (!url || !dataDir || !workdir) throw new Error('globalSetup did not start the runtime');
  return { url, dataDir, workdir };
}

export const ARTIFACTS = path.resolve(__dirname, 'artifacts');

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
}

export async function apiAgents(): Promise<AgentHandle[]> {
  const response = await fetch(`${runtimeEnv().url}/api/agents`);
  return ((await response.json()) as AgentListResponse).agents;
}

export async function apiAgent(id: string): Promise<AgentHandle> {
  return (await (await fetch(`${runtimeEnv().url}/api/agents/${encodeURIComponent(id)}`)).json()) as AgentHandle;
}

/** Stops every live agent (between tests). */
export async function stopAllAgents(): Promise<void> {
  const live = (await apiAgents()).filter((a) => a.status !== 'stopped' && a.status !== 'error');
  await Promise.all(live.map((a) => fetch(`${runtimeEnv().url}/api/agents/${encodeURIComponent(a.id)}`, { method: 'DELETE' })));
}

/** The agent id of the agent view on screen (from the route). */
export async function currentAgentId(page: Page): Promise<string> {
  await expect(page).toHaveURL(/#\/(agents|popout)\/[^/]+$/);
  const match = /#\/(?:agents|popout)\/([^/?]+)/.exec(page.url());
  if (!match) throw new Error(`not on an agent page: ${page.url()}`);
  return decodeURIComponent(match[1]);
}

export async function terminalLines(page: Page, agentId: string): Promise<string[]> {
  return page.evaluate((id) => window.ravenDiagnostics?.terminalLines(id) ?? [], agentId);
}

export async function terminalSize(page: Page, agentId: string): Promise<{ cols: number; rows: number } | undefined> {
  return page.evaluate((id) => window.ravenDiagnostics?.terminalSize(id), agentId);
}

/** Fills the spawn form for a custom command and starts it; returns the new agent's id. */
export async function spawnCustom(page: Page, name: string, command: string, args: string): Promise<string> {
  await page.goto(`${runtimeEnv().url}/#/new?type=custom`);
  await page.locator('input[name=command]').fill(command);
  await page.locator('input[name=args]').fill(args);
  await page.locator('input[name=workdir]').fill(runtimeEnv().workdir);
  await page.locator('input[name=name]').fill(name);
  await page.getByRole('button', { name: 'Start agent' }).click();
  return currentAgentId(page);
}

/** What the fake bridge reports as settings: the app's real defaults, as the settings view shows them. */
const { schemaVersion: _version, providerKeys: _keys, lastWorkdir: _lastWorkdir, ...EDITABLE_DEFAULTS } = DEFAULT_SETTINGS;
export const FAKE_BRIDGE_SETTINGS = {
  ...EDITABLE_DEFAULTS,
  providerKeys: { anthropic: { set: false }, openai: { set: false }, google: { set: false } },
  secretStorage: { available: true, backend: 'fake' },
};

/**
 * A stand-in for the desktop app's preload bridge, installed before the page's scripts run: it
 * records every call in `window.__bridgeCalls` so a test can check what the UI asked of it.
 */
export function fakeBridgeInit(defaults: typeof FAKE_BRIDGE_SETTINGS): void {
  const calls: { method: string; args: unknown[] }[] = [];
  const record = (method: string, args: unknown[]) => calls.push({ method, args });
  const settings = { ...defaults, port: Number(location.port || 80) };
  const w = window as unknown as Record<string, unknown>;
  w.__bridgeCalls = calls;
  w.raven = {
    bridgeVersion: 1,
    platform: 'linux',
    getConnection: async () => (record('getConnection', []), { baseUrl: location.origin }),
    openExternal: async (url: string) => (record('openExternal', [url]), true),
    pickFolder: async (p?: string) => (record('pickFolder', [p]), null),
    notify: async (n: unknown) => void record('notify', [n]),
    window: {
      minimize: async () => void record('window.minimize', []),
      toggleMaximize: async () => void record('window.toggleMaximize', []),
      close: async () => void record('window.close', []),
      openAgentWindow: async (id: string) => void record('window.openAgentWindow', [id]),
    },
    settings: {
      get: async () => (record('settings.get', []), settings),
      set: async (patch: unknown) => (record('settings.set', [patch]), { ok: true, settings }),
      generateApiKey: async () => 'generated-key-0123456789',
    },
    onNavigate: () => () => undefined,
    onSettingsChanged: () => () => undefined,
  };
}

export async function bridgeCalls(page: Page): Promise<{ method: string; args: unknown[] }[]> {
  return page.evaluate(() => (window as unknown as { __bridgeCalls: { method: string; args: unknown[] }[] }).__bridgeCalls);
}
