import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { IPC } from '../../src-shared/desktop';

/**
 * The preload bridge exposes exactly the functions the README's desktop-security section lists
 * (issue 9, finding 13), and each one only invokes its own IPC channel.
 */

const exposed: Record<string, unknown> = {};
const invoked: { channel: string; args: unknown[] }[] = [];
const listened: string[] = [];

vi.mock('electron', () => ({
  contextBridge: {
    exposeInMainWorld: (name: string, api: unknown) => {
      exposed[name] = api;
    },
  },
  ipcRenderer: {
    invoke: async (channel: string, ...args: unknown[]) => void invoked.push({ channel, args }),
    on: (channel: string) => void listened.push(channel),
    removeListener: () => undefined,
  },
}));

/** "a.b.c" paths of every function in the bridge, plus its plain values. */
function surface(value: unknown, prefix = ''): string[] {
  if (typeof value === 'function') return [prefix];
  if (typeof value !== 'object' || value === null) return [prefix];
  return Object.entries(value).flatMap(([key, child]) => surface(child, prefix ? `${prefix}.${key}` : key));
}

const EXPECTED = [
  'bridgeVersion',
  'platform',
  'getConnection',
  'openExternal',
  'pickFolder',
  'notify',
  'window.minimize',
  'window.toggleMaximize',
  'window.close',
  'window.openAgentWindow',
  'settings.get',
  'settings.set',
  'settings.generateApiKey',
  'onNavigate',
  'onSettingsChanged',
];

describe('window.raven', () => {
  it('exposes exactly the documented functions, and only under that one name', async () => {
    await import('../../src-main/desktop/preload');
    expect(Object.keys(exposed)).toEqual(['raven']);
    expect(surface(exposed.raven).sort()).toEqual([...EXPECTED].sort());
  });

  it('is listed in the README, function by function', () => {
    const readme = fs.readFileSync(path.resolve(__dirname, '../../README.md'), 'utf8');
    const start = readme.indexOf('### Desktop bridge');
    expect(start).toBeGreaterThanOrEqual(0);
    const section = readme.slice(start, readme.indexOf('\n## ', start));
    for (const name of EXPECTED.filter((n) => n !== 'bridgeVersion' && n !== 'platform')) expect(section, name).toContain(`\`${name}`);
  });

  it('reaches only its own channels and never hands out ipcRenderer', async () => {
    await import('../../src-main/desktop/preload');
    const raven = exposed.raven as { settings: { set(p: unknown): Promise<unknown> }; openExternal(u: unknown): Promise<unknown>; onNavigate(l: () => void): () => void };
    await raven.settings.set({ port: 9000 });
    await raven.openExternal({ toString: () => 'https://x.test' });
    raven.onNavigate(() => undefined);
    expect(invoked).toEqual([
      { channel: IPC.settingsSet, args: [{ port: 9000 }] },
      { channel: IPC.openExternal, args: ['https://x.test'] },
    ]);
    expect(listened).toEqual([IPC.navigate]);
    expect(JSON.stringify(surface(exposed.raven))).not.toMatch(/ipcRenderer|invoke|send/);
  });
});
