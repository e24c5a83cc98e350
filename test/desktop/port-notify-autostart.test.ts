import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RuntimeEvent } from '../../src-shared/events';
import { HIDDEN_FLAG, loginItemAutostart, quoteExecArg, xdgAutostart, xdgDesktopEntry } from '../../src-main/desktop/autostart';
import { notificationFor, NotificationThrottle } from '../../src-main/desktop/notifications';
import { findFreePort, identifyPortOwner, isPortFree, portConflictMessage, ravenHealth } from '../../src-main/desktop/port-conflict';
import { agent, reply } from './agents';

const servers: (http.Server | net.Server)[] = [];
const sockets = new Set<net.Socket>();
afterEach(async () => {
  // fetch keeps connections alive; close() alone would wait for them.
  for (const socket of sockets) socket.destroy();
  sockets.clear();
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

function listen(server: http.Server | net.Server): Promise<number> {
  servers.push(server);
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
}

describe('port conflicts', () => {
  it('recognises our /health body', () => {
    expect(ravenHealth({ healthy: true, version: '0.1.0', activeAgents: 2, runtime: { name: 'Raven Agent Runtime', type: 'local' } })).toEqual({ version: '0.1.0', agents: 2 });
    expect(ravenHealth({ service: 'raven-agent-runtime' })).toEqual({ version: undefined, agents: undefined });
    expect(ravenHealth({ healthy: true, message: 'Parallax Local Runtime' })).toBeUndefined();
    expect(ravenHealth('ok')).toBeUndefined();
  });

  it('tells an older copy of us from another HTTP program and from a non-HTTP one', async () => {
    const ours = await listen(
      http.createServer((req, res) => {
        if (req.url === '/health') res.end(JSON.stringify({ healthy: true, version: '0.0.9', runtime: { name: 'Raven Agent Runtime' } }));
        else res.writeHead(404).end();
      }),
    );
    const theirs = await listen(http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>dev server</h1>')));
    const raw = await listen(net.createServer((socket) => socket.end('SSH-2.0-OpenSSH\r\n')));
    expect(await identifyPortOwner('127.0.0.1', ours, fetch)).toEqual({ kind: 'raven', version: '0.0.9', agents: undefined });
    expect(await identifyPortOwner('127.0.0.1', theirs, fetch)).toEqual({ kind: 'other', detail: 'it answers HTTP 200 but is not Raven Agent Runtime' });
    expect(await identifyPortOwner('127.0.0.1', raw, fetch)).toEqual({ kind: 'other', detail: 'it does not answer HTTP' });
  });

  it('finds the next free port', async () => {
    const taken = await listen(net.createServer());
    expect(await isPortFree('127.0.0.1', taken)).toBe(false);
    const free = await findFreePort(taken, (p) => isPortFree('127.0.0.1', p));
    expect(free).toBeGreaterThan(taken);
    expect(await findFreePort(8765, async (p) => p === 8768)).toBe(8768);
    expect(await findFreePort(8765, async () => false, 5)).toBeUndefined();
  });

  it('words the dialog for each owner and maps buttons back to choices', () => {
    const ours = portConflictMessage(8765, { kind: 'raven', version: '0.0.9' }, 8766);
    expect(ours.message).toBe('Another copy of Raven Agent Runtime (version 0.0.9) is already using port 8765.');
    expect(ours.buttons).toEqual(['Use port 8766', 'Retry', 'Not now', 'Quit']);
    expect(ours.choices).toEqual(['use-suggested', 'retry', 'dismiss', 'quit']);
    expect(ours.buttons[ours.cancelId]).toBe('Not now');
    const other = portConflictMessage(8765, { kind: 'other', detail: 'it does not answer HTTP' }, undefined);
    expect(other.message).toBe('Port 8765 is used by another program.');
    expect(other.detail).toContain('it does not answer HTTP');
    expect(other.buttons).toEqual(['Retry', 'Not now', 'Quit']);
    expect(other.notice).toBe('Port 8765 is taken by another program.');
  });
});

describe('notifications', () => {
  const a = agent({ id: 'n1', name: 'reviewer' });
  const base = { agentId: a.id, agent: a };
  const on = { enabled: true, appFocused: false };

  it('notifies questions and logins even while the app is focused', () => {
    const q: RuntimeEvent = { ...base, type: 'question', question: 'Continue? [y/N]', options: [], kind: 'unknown' };
    expect(notificationFor(q, { enabled: true, appFocused: true })).toEqual({ title: 'reviewer needs your answer', body: 'Continue? [y/N]', agentId: 'n1' });
    const login: RuntimeEvent = { ...base, type: 'login_required', loginUrl: 'https://example.test/device', deviceCode: 'ABCD-EFGH', instructions: 'Open the page and enter the code.', method: 'device_code' };
    expect(notificationFor(login, { enabled: true, appFocused: true })).toEqual({
      title: 'reviewer needs you to sign in',
      body: 'Code ABCD-EFGH — Open the page and enter the code.',
      agentId: 'n1',
    });
  });

  it('notifies a finished turn only when no window has focus', () => {
    const msg: RuntimeEvent = { ...base, type: 'message', content: '\n  All tests pass.\nDetails…', message: reply('n1', '\n  All tests pass.\nDetails…') };
    expect(notificationFor(msg, on)).toEqual({ title: 'reviewer finished', body: 'All tests pass.', agentId: 'n1' });
    expect(notificationFor(msg, { enabled: true, appFocused: true })).toBeUndefined();
  });

  it('notifies crashes but not requested stops or clean exits', () => {
    const stopped = (reason: string, exitCode: number | null): RuntimeEvent => ({ ...base, type: 'agent_stopped', reason, exitCode });
    expect(notificationFor(stopped('exit code 1', 1), on)).toEqual({ title: 'reviewer crashed', body: 'It exited with code 1.', agentId: 'n1' });
    expect(notificationFor(stopped('killed by signal 9', null), on)?.body).toBe('It was killed by signal 9.');
    expect(notificationFor(stopped('stopped', null), on)).toBeUndefined();
    expect(notificationFor(stopped('normal exit', 0), on)).toBeUndefined();
    const err: RuntimeEvent = { ...base, type: 'agent_error', error: 'Claude Code exited during start-up (exit code 1).', code: 'SPAWN_FAILED' };
    expect(notificationFor(err, on)?.body).toBe('Claude Code exited during start-up (exit code 1). (SPAWN_FAILED)');
  });

  it('stays quiet when notifications are off, and for routine events', () => {
    const q: RuntimeEvent = { ...base, type: 'question', question: 'Continue?', options: [], kind: 'unknown' };
    expect(notificationFor(q, { enabled: false, appFocused: false })).toBeUndefined();
    expect(notificationFor({ ...base, type: 'status_changed', status: 'busy', previous: 'ready' }, on)).toBeUndefined();
    expect(notificationFor({ ...base, type: 'agent_ready', runtimeSessionId: 'n1' }, on)).toBeUndefined();
  });

  it('throttles repeats per agent, counting a failure and the crash after it as one', () => {
    let now = 0;
    const t = new NotificationThrottle(5_000, () => now);
    expect(t.admit({ title: 'x failed', agentId: 'a' })).toBe(true);
    expect(t.admit({ title: 'x crashed', agentId: 'a' })).toBe(false);
    expect(t.admit({ title: 'x crashed', agentId: 'b' })).toBe(true);
    expect(t.admit({ title: 'x needs your answer', agentId: 'a' })).toBe(true);
    now = 6_000;
    expect(t.admit({ title: 'x crashed', agentId: 'a' })).toBe(true);
  });
});

describe('open at login', () => {
  it('uses the login item API on macOS and Windows (Windows with the --hidden argument)', () => {
    const state = { openAtLogin: false, args: undefined as string[] | undefined };
    const api = {
      getLoginItemSettings: vi.fn(() => ({ openAtLogin: state.openAtLogin })),
      setLoginItemSettings: vi.fn((s: { openAtLogin: boolean; args?: string[] }) => Object.assign(state, s)),
    };
    const win = loginItemAutostart(api, 'win32');
    win.setEnabled(true);
    expect(api.setLoginItemSettings).toHaveBeenCalledWith({ openAtLogin: true, args: [HIDDEN_FLAG] });
    expect(win.isEnabled()).toBe(true);
    expect(api.getLoginItemSettings).toHaveBeenCalledWith({ args: [HIDDEN_FLAG] });
    const mac = loginItemAutostart(api, 'darwin');
    mac.setEnabled(false);
    expect(api.setLoginItemSettings).toHaveBeenLastCalledWith({ openAtLogin: false });
  });

  it('writes and removes an XDG autostart entry on Linux', () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'raven-home-'));
    try {
      const auto = xdgAutostart({ env: {}, homeDir: home, command: ['/opt/Raven Agent Runtime/raven-agent-runtime'] });
      const file = path.join(home, '.config', 'autostart', 'raven-agent-runtime.desktop');
      expect(auto.isEnabled()).toBe(false);
      auto.setEnabled(true);
      expect(auto.isEnabled()).toBe(true);
      const entry = fs.readFileSync(file, 'utf8');
      expect(entry).toContain('[Desktop Entry]\nType=Application\nName=Raven Agent Runtime\n');
      expect(entry).toContain('Exec="/opt/Raven Agent Runtime/raven-agent-runtime" --hidden\n');
      auto.setEnabled(false);
      expect(fs.existsSync(file)).toBe(false);
      auto.setEnabled(false); // idempotent
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });

  it('honours XDG_CONFIG_HOME and points an AppImage at the AppImage file', () => {
    const writes: [string, string][] = [];
    const fakeFs = {
      existsSync: () => false,
      mkdirSync: () => undefined,
      writeFileSync: (file: fs.PathOrFileDescriptor, data: string | NodeJS.ArrayBufferView) => void writes.push([String(file), String(data)]),
      rmSync: () => undefined,
    };
    const auto = xdgAutostart({
      env: { XDG_CONFIG_HOME: '/cfg', APPIMAGE: '/home/u/Apps/Raven.AppImage' },
      homeDir: '/home/u',
      command: ['/tmp/.mount_RavenXYZ/raven'],
      fs: fakeFs as unknown as Parameters<typeof xdgAutostart>[0]['fs'],
    });
    auto.setEnabled(true);
    expect(writes[0][0]).toBe('/cfg/autostart/raven-agent-runtime.desktop');
    expect(writes[0][1]).toContain('Exec=/home/u/Apps/Raven.AppImage --hidden');
  });

  it('quotes Exec arguments per the Desktop Entry spec', () => {
    expect(quoteExecArg('/usr/bin/raven')).toBe('/usr/bin/raven');
    expect(quoteExecArg('/a b/$x"y`z\\')).toBe('"/a b/\\$x\\"y\\`z\\\\"');
    expect(xdgDesktopEntry(['/x']).endsWith('\n')).toBe(true);
  });
});
