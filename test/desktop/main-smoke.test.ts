import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { IPC } from '../../src-shared/desktop';
import type { AgentHandle } from '../../src-shared/agent';
import { isAlive } from '../../src-main/runtime/process/process-tree';
import { findItem, lastTrayMenu, repoRoot, state, waitForQuit } from './fake-electron';
import { freePort } from '../support/net';
import { until } from '../support/until';

/**
 * Boots the real Electron entry (src-main/desktop/main.ts) under Node against a fake `electron`
 * module: real settings store (conf + the JSON schema), real runtime, real API server. Checks the
 * server comes up, the tray and its menu, the window loading the UI URL, the bridge handlers and
 * security guards, and that Quit stops every agent and leaves no process behind.
 */

vi.mock('electron', async () => (await import('./fake-electron')).electronModule);
vi.mock('electron-store', async () => (await import('./fake-electron')).fakeElectronStore());



let scratch = '';
let port = 0;
const savedEnv = { RAVEN_DATA_DIR: process.env.RAVEN_DATA_DIR, SHELL: process.env.SHELL, HOME: process.env.HOME };

beforeAll(async () => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'raven-smoke-'));
  state.root = repoRoot();
  state.userData = path.join(scratch, 'userData');
  state.home = path.join(scratch, 'home');
  fs.mkdirSync(state.userData, { recursive: true });
  fs.mkdirSync(state.home, { recursive: true });
  port = await freePort();
  // A first-run settings file (unversioned): the app migrates it and listens on this port.
  fs.writeFileSync(path.join(state.userData, 'settings.json'), JSON.stringify({ port }));
  process.env.RAVEN_DATA_DIR = path.join(scratch, 'data');
  process.env.SHELL = '/bin/bash';
  // The shell agent must not read this machine's ~/.bashrc (pyenv and the like can keep it silent for seconds).
  process.env.HOME = state.home;
  await import('../../src-main/desktop/main');
});

afterAll(() => {
  for (const [k, v] of Object.entries(savedEnv)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  fs.rmSync(scratch, { recursive: true, force: true });
});

describe('the desktop main process under Node with a fake electron', () => {
  it('starts the API server on the settings port, migrating the settings file', async () => {
    const health = await until(async () => {
      try {
        const response = await fetch(`http://127.0.0.1:${port}/health`);
        return response.ok ? ((await response.json()) as { healthy: boolean; version: string; runtime: { name: string } }) : undefined;
      } catch {
        return undefined;
      }
    }, 15_000, 'the API server');
    expect(health).toMatchObject({ healthy: true, version: '0.1.0-smoke', runtime: { name: 'Raven Agent Runtime' } });
    const settings = JSON.parse(fs.readFileSync(path.join(state.userData, 'settings.json'), 'utf8')) as Record<string, unknown>;
    expect(settings).toMatchObject({ schemaVersion: 1, port, bindHost: '127.0.0.1' });
  });

  it('creates the tray with its icon and the expected menu', async () => {
    const tray = await until(() => state.trays[0], 15_000, 'the tray');
    const labels = await until(() => (lastTrayMenu().length > 0 ? lastTrayMenu().map((i) => (i.type === 'separator' ? '---' : i.label)) : undefined), 15_000, 'the menu');
    expect(labels).toEqual([
      'Open Raven Agent Runtime',
      '---',
      'Spawn',
      '---',
      'No agents running',
      'Stop all',
      '---',
      'Copy API address',
      'Settings…',
      'Open at login',
      '---',
      'Quit',
    ]);
    expect(findItem(lastTrayMenu(), 'Spawn')?.submenu?.map((i) => i.label)).toEqual(['Claude Code…', 'Codex…', 'Gemini CLI…', 'Aider…', undefined, 'Custom…']);
    expect(tray.tooltip).toBe('Raven Agent Runtime — no agents running');
    // The tray image is a real file of the Linux set.
    expect(state.images[0]).toMatchObject({ file: path.join(repoRoot(), 'assets', 'tray', 'tray-idle.png'), exists: true });
  });

  it('shows the window, loading the UI from the in-process server, with a locked-down webPreferences', async () => {
    const win = await until(() => state.windows[0], 15_000, 'the main window');
    expect(win.options.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, webviewTag: false });
    const load = await until(() => state.loads[0], 15_000, 'the page load');
    expect(load.url).toBe(`http://127.0.0.1:${port}/`);
    expect(load.status).toBe(200);
    expect(load.contentType).toMatch(/text\/html/);
    expect(load.body).toContain('Raven Agent Runtime');
    await until(() => win.visible, 15_000, 'the window to show');
  });

  it('installs the guards: navigation, window.open, permissions, CSP', async () => {
    const win = state.windows[0];
    const nav = { defaultPrevented: false, preventDefault() { this.defaultPrevented = true; } };
    win.webContents.emit('will-navigate', nav, 'https://evil.example/');
    expect(nav.defaultPrevented).toBe(true);
    const ownNav = { defaultPrevented: false, preventDefault() { this.defaultPrevented = true; } };
    win.webContents.emit('will-navigate', ownNav, `http://127.0.0.1:${port}/#/settings`);
    expect(ownNav.defaultPrevented).toBe(false);

    expect(win.webContents.windowOpenHandler?.({ url: 'https://example.test/docs' })).toEqual({ action: 'deny' });
    expect(win.webContents.windowOpenHandler?.({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    await until(() => state.openedExternal.length > 0, 15_000, 'openExternal');
    expect(state.openedExternal).toEqual(['https://example.test/docs']);

    const decisions: boolean[] = [];
    state.permissionRequest?.({}, 'media', (ok) => decisions.push(ok), { requestingUrl: `http://127.0.0.1:${port}/` });
    state.permissionRequest?.({}, 'clipboard-sanitized-write', (ok) => decisions.push(ok), { requestingUrl: `http://127.0.0.1:${port}/` });
    state.permissionRequest?.({}, 'clipboard-sanitized-write', (ok) => decisions.push(ok), { requestingUrl: 'https://evil.example/' });
    expect(decisions).toEqual([false, true, false]);

    let headers: Record<string, string[]> | undefined;
    state.headersReceived?.({ url: `http://127.0.0.1:${port}/`, resourceType: 'mainFrame', responseHeaders: {} }, (r) => (headers = r.responseHeaders));
    expect(headers?.['Content-Security-Policy']?.[0]).toContain("script-src 'self'");
  });

  it('answers the preload bridge only for its own pages', async () => {
    const handler = state.ipcHandlers.get(IPC.getConnection);
    expect(handler).toBeDefined();
    const ours = { senderFrame: { url: `http://127.0.0.1:${port}/` }, sender: { id: state.windows[0].webContents.id } };
    expect(await handler?.(ours)).toEqual({ baseUrl: `http://127.0.0.1:${port}`, token: undefined });
    expect(() => handler?.({ senderFrame: { url: 'https://evil.example/' }, sender: { id: 99 } })).toThrow(/not a Raven Agent Runtime page/);
    const view = (await state.ipcHandlers.get(IPC.settingsGet)?.(ours)) as { port: number; secretStorage: { available: boolean } };
    expect(view).toMatchObject({ port, secretStorage: { available: true, backend: 'gnome_libsecret' } });
  });

  it('puts a spawned agent in the tray, then Quit stops it and leaves no process', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/api/agents`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ type: 'shell', name: 'smoke-shell', workdir: scratch }),
    });
    expect(response.status).toBe(201);
    const agent = (await response.json()) as AgentHandle;
    await until(() => findItem(lastTrayMenu(), '○ smoke-shell — Ready'), 20_000, 'the agent in the tray');
    expect(state.trays[0].tooltip).toBe('Raven Agent Runtime — 1 agent');
    const pid = agent.pid as number;
    expect(isAlive(pid)).toBe(true);

    findItem(lastTrayMenu(), 'Quit')?.click?.();
    await waitForQuit(20_000);
    expect(state.exitCode).toBeUndefined(); // a clean quit, not the shutdown deadline
    expect(isAlive(pid)).toBe(false);
    expect(state.trays[0].destroyed).toBe(true);
    expect(state.windows.every((w) => w.destroyed)).toBe(true);
    await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
    // Nothing the app started is left: no child of this process is still running.
    const children = fs
      .readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .filter((d) => {
        try {
          return fs.readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1]?.split(' ')[1] === String(process.pid);
        } catch {
          return false;
        }
      });
    expect(children).toEqual([]);
  }, 60_000);
});
