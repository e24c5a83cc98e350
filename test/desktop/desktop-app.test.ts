import { describe, expect, it } from 'vitest';
import { IPC } from '../../src-shared/desktop';
import { DesktopApp } from '../../src-main/desktop/app/desktop-app';
import { RuntimeError } from '../../src-main/runtime/errors';
import type { TrayMenuItem } from '../../src-main/desktop/tray-model';
import { agent, reply } from './agents';
import { until } from '../support/until';
import { fakeWorld, type FakeWorld } from './fake-electron-ports';

const ORIGIN = 'http://127.0.0.1:8765';

function item(menu: TrayMenuItem[], id: string): TrayMenuItem {
  const stack = [...menu];
  while (stack.length > 0) {
    const next = stack.shift()!;
    if (next.id === id) return next;
    if (next.submenu) stack.push(...next.submenu);
  }
  throw new Error(`no menu item ${id}; have ${menu.map((m) => m.id ?? m.label).join(', ')}`);
}

async function started(world: FakeWorld = fakeWorld()): Promise<{ world: FakeWorld; desktop: DesktopApp<ReturnType<FakeWorld['runtime']>> }> {
  const desktop = new DesktopApp(world.deps);
  expect(await desktop.start()).toBe('primary');
  return { world, desktop };
}

describe('single instance', () => {
  it('a second copy hands over and quits without starting anything', async () => {
    const world = fakeWorld();
    world.app.lock = false;
    const desktop = new DesktopApp(world.deps);
    expect(await desktop.start()).toBe('secondary');
    expect(world.app.quitted).toBe(true);
    expect(world.servers.started).toHaveLength(0);
    expect(world.windows).toHaveLength(0);
    expect(() => world.tray()).toThrow();
  });

  it('the first copy shows and focuses its window when a second one starts', async () => {
    const { world } = await started(fakeWorld({ argv: ['--hidden'] }));
    expect(world.windows).toHaveLength(0);
    world.app.secondInstance.emit();
    await until(() => world.windows[0]?.focused, 5_000, 'the window to be focused');
    expect(world.windows).toHaveLength(1);
    expect(world.windows[0].loads).toEqual([`${ORIGIN}/`]);
    expect(world.windows[0].visible).toBe(true);
    expect(world.windows[0].focused).toBe(true);
  });
});

describe('start-up', () => {
  it('starts the server on the settings port, with the app origin and the configured origins allowed', async () => {
    const { world, desktop } = await started(fakeWorld({ settings: { allowedOrigins: ['https://docs.example.com'], apiKey: 'k'.repeat(24) } }));
    expect(world.servers.started).toHaveLength(1);
    expect(world.servers.started[0]).toMatchObject({
      host: '127.0.0.1',
      port: 8765,
      apiKey: 'k'.repeat(24),
      allowedOrigins: [ORIGIN, 'https://docs.example.com'],
      uiDir: '/app/dist/renderer',
      version: '0.1.0-test',
    });
    expect(world.servers.started[0].manager).toBe(desktop.runtimeInstance);
    // Key mode: the page itself needs the key, so the window opens it through the session route.
    expect(world.windows[0].loads).toEqual([`${ORIGIN}/auth/session?key=${'k'.repeat(24)}`]);
    expect(world.windows[0].options).toMatchObject({ kind: 'main', show: false });
    expect(world.tray().state).toBe('idle');
    expect(world.tray().tooltip).toBe('Raven Agent Runtime — no agents running');
  });

  it('stays in the tray when started at login', async () => {
    const { world } = await started(fakeWorld({ argv: ['/opt/raven', '--hidden'] }));
    expect(world.windows).toHaveLength(0);
    expect(world.servers.started).toHaveLength(1);
  });

  it('takes "open at login" from the OS, which the person may have changed there', async () => {
    const world = fakeWorld({ settings: { openAtLogin: false } });
    world.autostart.enabled = true;
    await started(world);
    await until(() => world.settings.get().openAtLogin, 5_000, 'the OS setting to be taken');
    await until(() => item(world.tray().menu, 'open-at-login').checked, 5_000, 'the menu to show it');
    expect(world.settings.get().openAtLogin).toBe(true);
    expect(item(world.tray().menu, 'open-at-login').checked).toBe(true);
  });
});

describe('port conflict', () => {
  it('an older copy of us: says so, offers the next free port, and runs there when accepted', async () => {
    const world = fakeWorld();
    world.servers.taken.add(8765);
    world.healthBody = { healthy: true, version: '0.0.9', runtime: { name: 'Raven Agent Runtime' } };
    world.dialog.answers = [0]; // "Use port 8766"
    await started(world);
    expect(world.dialog.boxes[0]).toMatchObject({
      type: 'warning',
      message: 'Another copy of Raven Agent Runtime (version 0.0.9) is already using port 8765.',
      buttons: ['Use port 8766', 'Retry', 'Not now', 'Quit'],
      cancelId: 2,
    });
    expect(world.notifications.shown[0]).toMatchObject({ title: 'Port in use', body: 'Port 8765 is taken by another Raven Agent Runtime.' });
    expect(world.settings.get().port).toBe(8766);
    expect(world.servers.started.map((s) => s.port)).toEqual([8765, 8766]);
    expect(world.windows[0].loads).toEqual(['http://127.0.0.1:8766/']);
    await until(() => world.tray().state === 'idle', 5_000, 'the tray to show the running server');
  });

  it('another program, dismissed: the tray shows the error and retries from its menu', async () => {
    const world = fakeWorld();
    world.servers.taken.add(8765);
    world.dialog.answers = [2]; // "Not now"
    await started(world);
    expect(world.dialog.boxes[0].message).toBe('Port 8765 is used by another program.');
    expect(world.windows).toHaveLength(0);
    expect(world.tray().state).toBe('error');
    expect(world.tray().tooltip).toBe('Raven Agent Runtime — Port 8765 is taken by another program.');
    expect(item(world.tray().menu, 'copy-address').enabled).toBe(false);

    // The other program went away; Retry from the tray starts the server and opens the window.
    world.servers.taken.delete(8765);
    item(world.tray().menu, 'retry-server').click?.();
    await until(() => world.tray().state === 'idle' && world.windows.length > 0, 5_000, 'the server to run after Retry');
    expect(world.servers.started.map((s) => s.port)).toEqual([8765, 8765]);
    expect(world.tray().state).toBe('idle');
    expect(world.windows[0].loads).toEqual([`${ORIGIN}/`]);
  });

  it('Quit in the conflict dialog quits', async () => {
    const world = fakeWorld();
    world.servers.taken.add(8765);
    world.dialog.answers = [3];
    await started(world);
    await world.app.waitForQuit();
    expect(world.app.quitted).toBe(true);
  });

  it('any other start failure is an error box, not a port dialog', async () => {
    const world = fakeWorld();
    world.servers.failWith = Object.assign(new Error('listen EACCES'), { code: 'EACCES' });
    await started(world);
    expect(world.dialog.boxes).toHaveLength(0);
    expect(world.dialog.errors[0]).toEqual({ title: 'Raven Agent Runtime could not start', content: 'The API server failed: listen EACCES' });
    expect(world.tray().state).toBe('error');
  });
});

describe('windows', () => {
  it('closing the main window hides it; agents keep running', async () => {
    const { world } = await started();
    const main = world.windows[0];
    main.show();
    main.close();
    expect(main.destroyed).toBe(false);
    expect(main.visible).toBe(false);
    expect(world.runtime().stopAllCalls).toHaveLength(0);
  });

  it('"Open in window" makes one pop-out per agent; closing it leaves the agent alone', async () => {
    const { world, desktop } = await started();
    const a = agent({ id: 'a1', name: 'builder' });
    world.runtime().agents.push(a);
    desktop.openAgentWindow('a1');
    desktop.openAgentWindow('a1');
    const popouts = world.windows.filter((w) => w.options.kind === 'agent');
    expect(popouts).toHaveLength(1);
    expect(popouts[0].options.title).toBe('builder — Raven Agent Runtime');
    expect(popouts[0].loads).toEqual([`${ORIGIN}/#/popout/a1`]);
    popouts[0].close();
    expect(popouts[0].destroyed).toBe(true);
    expect(world.runtime().stopped).toEqual([]);
    desktop.openAgentWindow('a1');
    expect(world.windows.filter((w) => w.options.kind === 'agent')).toHaveLength(2);
  });

  it('navigates an open main window by message instead of reloading it', async () => {
    const { world, desktop } = await started();
    desktop.openAgent('a7');
    expect(world.windows[0].loads).toEqual([`${ORIGIN}/`]);
    expect(world.windows[0].sent).toContainEqual({ channel: IPC.navigate, payload: '#/agents/a7' });
  });
});

describe('preload bridge handlers', () => {
  it('refuse any sender that is not our page', async () => {
    const { world } = await started();
    await expect(world.ipc.invoke(IPC.getConnection, 'https://evil.example/', 1)).rejects.toThrow(/not a Raven Agent Runtime page/);
    await expect(world.ipc.invoke(IPC.openExternal, 'http://127.0.0.1:9999/', 1, 'https://x.test')).rejects.toThrow();
  });

  it('give our page the API base and token', async () => {
    const { world } = await started(fakeWorld({ settings: { apiKey: 'k'.repeat(24) } }));
    expect(await world.ipc.invoke(IPC.getConnection, `${ORIGIN}/`, 1)).toEqual({ baseUrl: ORIGIN, token: 'k'.repeat(24) });
  });

  it('openExternal: https yes, loopback http yes, others no', async () => {
    const { world } = await started();
    expect(await world.ipc.invoke(IPC.openExternal, `${ORIGIN}/`, 1, 'https://example.test/device')).toBe(true);
    expect(await world.ipc.invoke(IPC.openExternal, `${ORIGIN}/`, 1, 'http://localhost:1455/cb')).toBe(true);
    expect(await world.ipc.invoke(IPC.openExternal, `${ORIGIN}/`, 1, 'file:///etc/passwd')).toBe(false);
    expect(await world.ipc.invoke(IPC.openExternal, `${ORIGIN}/`, 1, 'http://example.test/')).toBe(false);
    expect(world.opened).toEqual(['https://example.test/device', 'http://localhost:1455/cb']);
  });

  it('pickFolder defaults to the last folder and remembers the choice', async () => {
    const { world } = await started(fakeWorld({ settings: { lastWorkdir: '/home/tester/api' } }));
    world.dialog.folders = ['/home/tester/web'];
    expect(await world.ipc.invoke(IPC.pickFolder, `${ORIGIN}/`, 1)).toBe('/home/tester/web');
    expect(world.dialog.folderRequests[0].defaultPath).toBe('/home/tester/api');
    expect(world.settings.get().lastWorkdir).toBe('/home/tester/web');
  });

  it('settings: set validates, and a port change restarts the server and moves the windows', async () => {
    const { world } = await started();
    const bad = await world.ipc.invoke(IPC.settingsSet, `${ORIGIN}/`, 1, { port: 22 });
    expect(bad).toMatchObject({ ok: false, field: 'port' });
    world.windows[0].loads.push(`${ORIGIN}/#/settings`); // the page navigated to settings
    await world.windows[0].loadURL(`${ORIGIN}/#/settings`);
    const ok = await world.ipc.invoke(IPC.settingsSet, `${ORIGIN}/`, 1, { port: 9100 });
    expect(ok).toMatchObject({ ok: true, settings: { port: 9100, restartRequired: true } });
    await until(() => world.windows[0].currentURL() === 'http://127.0.0.1:9100/#/settings', 5_000, 'the window to move to the new port');
    expect(world.servers.closed).toEqual([8765]);
    expect(world.servers.started.map((s) => s.port)).toEqual([8765, 9100]);
    expect(world.windows[0].currentURL()).toBe('http://127.0.0.1:9100/#/settings');
    expect(world.windows[0].sent.some((m) => m.channel === IPC.settingsChanged)).toBe(true);
  });

  it('settings: runtime fields apply to the live runtime for the next spawn', async () => {
    const { world } = await started();
    await world.ipc.invoke(IPC.settingsSet, `${ORIGIN}/`, 1, { maxAgents: 3, terminalCols: 100, providerKeys: { anthropic: 'sk-ant-test-1234' } });
    await until(() => world.runtime().config.maxAgents === 3, 5_000, 'the runtime to take the settings');
    expect(world.runtime().config).toMatchObject({ maxAgents: 3, cols: 100, credentials: { anthropicKey: 'sk-ant-test-1234' } });
    expect(world.servers.started).toHaveLength(1);
  });
});

describe('runtime events', () => {
  it('a login opens its page once (when the setting is on) and notifies; clicking opens the agent', async () => {
    const { world } = await started();
    const a = agent({ id: 'l1', name: 'claude', status: 'authenticating' });
    const login = { type: 'login_required' as const, agentId: 'l1', agent: a, loginUrl: 'https://example.test/device', trusted: true, deviceCode: 'ABCD-EFGH', instructions: 'Open and enter the code.', method: 'device_code' as const };
    world.runtime().emit(login);
    world.runtime().emit(login);
    expect(world.opened).toEqual(['https://example.test/device']);
    expect(world.notifications.shown).toHaveLength(1);
    expect(world.notifications.shown[0]).toMatchObject({ title: 'claude needs you to sign in', body: 'Code ABCD-EFGH — Open and enter the code.' });
    await until(() => world.tray().state === 'attention', 5_000, 'the tray to ask for attention');
    expect(world.tray().tooltip).toBe('Raven Agent Runtime — 1 agent: 1 needs you');
    world.notifications.shown[0].onClick?.();
    expect(world.windows[0].sent).toContainEqual({ channel: IPC.navigate, payload: '#/agents/l1' });
  });

  it('does not open login pages when the setting is off, and refuses unsafe URLs', async () => {
    const { world } = await started(fakeWorld({ settings: { openLoginPagesAutomatically: false } }));
    const a = agent({ id: 'l2', status: 'authenticating' });
    world.runtime().emit({ type: 'login_required', agentId: 'l2', agent: a, loginUrl: 'https://example.test/x', instructions: '', method: 'oauth_browser' });
    expect(world.opened).toEqual([]);
    await world.settings.update({ openLoginPagesAutomatically: true });
    world.runtime().emit({ type: 'login_required', agentId: 'l2', agent: a, loginUrl: 'file:///etc/passwd', instructions: '', method: 'oauth_browser' });
    expect(world.opened).toEqual([]);
  });

  it('a finished turn is notified only while the person is not looking at the app', async () => {
    const { world } = await started();
    const a = agent({ id: 't1', name: 'codex', status: 'ready' });
    const main = world.windows[0];
    main.show();
    main.focus();
    world.runtime().emit({ type: 'message', agentId: 't1', agent: a, content: 'Refactor done.', message: reply('t1', 'Refactor done.') });
    expect(world.notifications.shown).toHaveLength(0);
    main.hide(); // the window went to the tray
    world.runtime().emit({ type: 'message', agentId: 't1', agent: a, content: 'Tests pass.', message: reply('t1', 'Tests pass.') });
    expect(world.notifications.shown.map((n) => [n.title, n.body])).toEqual([['codex finished', 'Tests pass.']]);
  });

  it('a crash turns the tray red until the person opens that agent', async () => {
    const { world, desktop } = await started();
    const a = agent({ id: 'c1', name: 'aider', status: 'stopped' });
    world.runtime().emit({ type: 'agent_stopped', agentId: 'c1', agent: a, reason: 'exit code 2', exitCode: 2 });
    await until(() => world.tray().state === 'error', 5_000, 'the tray to turn red');
    expect(world.notifications.shown.map((n) => n.title)).toEqual(['aider crashed']);
    desktop.openAgent('c1');
    await until(() => world.tray().state === 'idle', 5_000, 'the tray to calm down');
  });

  it('rebuilds the menu as agents change', async () => {
    const { world } = await started();
    const a = agent({ id: 'm1', name: 'shell', status: 'starting' });
    world.runtime().emit({ type: 'agent_started', agentId: 'm1', agent: a });
    await until(() => world.tray().menu.some((m) => m.id === 'agent:m1' || m.submenu?.some((sub) => sub.id === 'agent:m1')), 5_000, 'the agent in the menu');
    expect(item(world.tray().menu, 'agent:m1').label).toBe('◐ shell — Starting…');
    expect(world.tray().state).toBe('working');
    world.runtime().emit({ type: 'status_changed', agentId: 'm1', agent: { ...a, status: 'ready' }, status: 'ready', previous: 'starting' });
    await until(() => item(world.tray().menu, 'agent:m1').label === '○ shell — Ready', 5_000, 'the menu to show the new status');
    expect(world.tray().state).toBe('idle');
  });
});

describe('tray actions', () => {
  it('Spawn ▸ Claude Code asks for the folder (last one by default), spawns there and opens the agent', async () => {
    const { world } = await started(fakeWorld({ settings: { lastWorkdir: '/home/tester/api' } }));
    world.dialog.folders = ['/home/tester/web'];
    item(world.tray().menu, 'spawn:claude-code').click?.();
    await until(() => world.windows[0].sent.some((m) => m.channel === IPC.navigate), 5_000, 'the spawned agent to be opened');
    expect(world.dialog.folderRequests[0]).toEqual({ title: 'Choose the working folder for Claude Code', defaultPath: '/home/tester/api' });
    expect(world.runtime().spawned).toEqual([{ type: 'claude-code', workdir: '/home/tester/web' }]);
    const id = world.runtime().agents[0].id;
    expect(world.windows[0].sent).toContainEqual({ channel: IPC.navigate, payload: `#/agents/${id}` });
  });

  it('a cancelled folder dialog spawns nothing', async () => {
    const { world } = await started();
    world.dialog.folders = [null];
    item(world.tray().menu, 'spawn:codex').click?.();
    // Then a second spawn, whose folder is chosen. Both take the same steps and the cancelled one
    // started first, so once the second has spawned, the first has decided (and spawned nothing).
    await until(() => world.dialog.folderRequests.length === 1, 5_000, 'the folder dialog');
    world.dialog.folders = ['/tmp/second'];
    item(world.tray().menu, 'spawn:codex').click?.();
    await until(() => world.runtime().spawned.length > 0, 5_000, 'the second spawn');
    expect(world.runtime().spawned).toEqual([{ type: 'codex', workdir: '/tmp/second' }]);
  });

  it('a missing CLI shows its install command with the error code', async () => {
    const { world } = await started();
    world.dialog.folders = ['/tmp'];
    world.runtime().spawnError = new RuntimeError('CLI_NOT_FOUND', 'Aider ("aider") is not installed or not on the PATH.', { installHint: 'pipx install aider-chat' });
    item(world.tray().menu, 'spawn:aider').click?.();
    await until(() => world.dialog.boxes.length > 0, 5_000, 'the error dialog');
    expect(world.dialog.boxes[0]).toMatchObject({
      type: 'error',
      message: 'Aider could not start (CLI_NOT_FOUND)',
      detail: 'Aider ("aider") is not installed or not on the PATH.\n\nInstall it with:\npipx install aider-chat',
    });
  });

  it('Custom… asks for the folder and opens the form there', async () => {
    const { world } = await started();
    world.dialog.folders = ['/home/tester/my proj'];
    item(world.tray().menu, 'spawn:custom').click?.();
    await until(() => world.windows[0].sent.some((m) => m.channel === IPC.navigate), 5_000, 'the form to open');
    expect(world.windows[0].sent).toContainEqual({ channel: IPC.navigate, payload: '#/new?type=custom&workdir=%2Fhome%2Ftester%2Fmy%20proj' });
  });

  it('Copy API address, Open at login, Settings…', async () => {
    const { world } = await started();
    item(world.tray().menu, 'copy-address').click?.();
    expect(world.clipboard).toEqual([ORIGIN]);
    item(world.tray().menu, 'open-at-login').click?.();
    await until(() => item(world.tray().menu, 'open-at-login').checked, 5_000, 'the menu to show open at login');
    expect(world.autostart.enabled).toBe(true);
    expect(item(world.tray().menu, 'open-at-login').checked).toBe(true);
    item(world.tray().menu, 'settings').click?.();
    expect(world.windows[0].sent).toContainEqual({ channel: IPC.navigate, payload: '#/settings' });
  });
});

describe('quit', () => {
  it('stops every agent, closes the server and the tray, then quits', async () => {
    const { world } = await started();
    world.runtime().agents.push(agent({ id: 'q1', status: 'busy' }));
    item(world.tray().menu, 'quit').click?.();
    expect(world.app.quitted).toBe(false); // held until the agents are down
    await world.app.waitForQuit();
    expect(world.runtime().stopAllCalls).toEqual([{ timeoutMs: 5_000 }]);
    expect(world.runtime().agents[0].status).toBe('stopped');
    expect(world.servers.closed).toEqual([8765]);
    expect(world.tray().destroyed).toBe(true);
    expect(world.windows.every((w) => w.destroyed)).toBe(true);
    expect(world.runtime().listenerCount()).toBe(0);
  });
});
