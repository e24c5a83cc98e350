import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MacSandbox, movedIntoPrivateHome } from '../../../src-main/runtime/isolation/macos-sandbox';
import { SANDBOX_EXEC_PATH } from '../../../src-main/runtime/isolation/macos-profile';
import type { IsolationContext, LaunchSpec, ResolvedIsolation } from '../../../src-main/runtime/isolation/types';
import { createLogger } from '../../../src-main/runtime/logger';

/**
 * The macOS sandbox backend cannot run here (no sandbox-exec on Linux): what it hands the PTY, the
 * profile it renders, the private home and the egress proxy it starts are checked instead. The
 * proxy is real (it runs on any platform).
 */

let root: string;
let home: string;
let context: IsolationContext;
let launch: LaunchSpec;
const policy: ResolvedIsolation = { mode: 'sandbox', network: 'none', allow: [], writable: [], readOnly: [], limits: {} };
const onMac = () => new MacSandbox({ platform: 'darwin', exists: (file) => file === SANDBOX_EXEC_PATH, realHome: home });

beforeEach(() => {
  root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'raven-mac-unit-')));
  home = path.join(root, 'Users/someone');
  fs.mkdirSync(path.join(home, '.claude'), { recursive: true });
  fs.writeFileSync(path.join(home, '.claude.json'), '{"hasCompletedOnboarding":true}');
  fs.writeFileSync(path.join(home, 'secret.txt'), 'not for agents');
  fs.mkdirSync(path.join(root, 'work'));
  context = { agentId: 'agent-mac', type: 'claude-code', stateDir: path.join(root, 'data/sandboxes/agent-mac'), runtimePaths: ['/Applications/Raven.app/Contents/Resources'], log: createLogger('silent') };
  launch = {
    executable: '/usr/local/bin/claude',
    args: ['--settings', '/x.json'],
    env: { HOME: home, PATH: '/usr/bin:/bin', XDG_CONFIG_HOME: path.join(home, '.config'), RAVEN_AGENT_SESSION: 'agent-mac' },
    cwd: path.join(root, 'work'),
  };
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

describe('MacSandbox', () => {
  it('is refused off macOS, without sandbox-exec, and with limits (no cgroups there)', async () => {
    await expect(new MacSandbox({ platform: 'linux' }).prepare(launch, policy, context)).rejects.toMatchObject({ code: 'ISOLATION_UNAVAILABLE' });
    await expect(new MacSandbox({ platform: 'darwin', exists: () => false }).prepare(launch, policy, context)).rejects.toMatchObject({ code: 'ISOLATION_UNAVAILABLE' });
    await expect(onMac().prepare(launch, { ...policy, limits: { memoryMb: 256 } }, context)).rejects.toMatchObject({
      code: 'ISOLATION_UNAVAILABLE',
      message: expect.stringContaining('limits'),
    });
    expect(fs.existsSync(context.stateDir)).toBe(false);
  });

  it('runs the program under sandbox-exec with the rendered profile, a private home and tmp, and removes them on dispose', async () => {
    const isolated = await onMac().prepare(launch, policy, context);
    expect(isolated.executable).toBe(SANDBOX_EXEC_PATH);
    const [flag, profile, program, ...args] = isolated.args;
    expect(flag).toBe('-p');
    expect([program, ...args]).toEqual(['/usr/local/bin/claude', '--settings', '/x.json']);
    const privateHome = path.join(context.stateDir, 'home');
    expect(profile).toContain('(deny default)');
    expect(profile).toContain(`(subpath "${launch.cwd}")`);
    expect(profile).toContain(`(subpath "${privateHome}")`);
    expect(profile).toContain('(subpath "/Applications/Raven.app/Contents/Resources")');
    // The real home is named nowhere: (deny default) keeps it unreadable.
    expect(profile).not.toContain(`"${home}"`);
    expect(profile).not.toContain('network-outbound (remote');
    expect(isolated.env).toMatchObject({ HOME: privateHome, TMPDIR: path.join(context.stateDir, 'tmp'), XDG_CONFIG_HOME: path.join(privateHome, '.config'), RAVEN_AGENT_SESSION: 'agent-mac' });
    expect(fs.readFileSync(path.join(privateHome, '.claude.json'), 'utf8')).toBe('{"hasCompletedOnboarding":true}');
    expect(fs.existsSync(path.join(privateHome, 'secret.txt'))).toBe(false);
    expect(isolated.describe()).toEqual({ mode: 'sandbox', network: 'none', limitsEnforcedBy: 'none' });
    await isolated.dispose();
    expect(fs.existsSync(context.stateDir)).toBe(false);
  });

  it('allowlist: its own egress proxy on a loopback port, the only way out besides an allowlisted loopback base URL; refusals are counted', async () => {
    launch.env.ANTHROPIC_BASE_URL = 'http://127.0.0.1:18080';
    const isolated = await onMac().prepare(launch, { ...policy, network: 'allowlist' }, context);
    const proxyUrl = new URL(isolated.env.HTTPS_PROXY!);
    expect(proxyUrl.hostname).toBe('127.0.0.1');
    const port = Number(proxyUrl.port);
    const profile = isolated.args[1]!;
    expect(profile).toContain(`(allow network-outbound (remote ip "localhost:${port}"))`);
    expect(profile).toContain('(allow network-outbound (remote ip "localhost:18080"))');
    expect(isolated.describe()).toMatchObject({ network: 'allowlist', refusedConnections: 0 });
    expect(isolated.describe().allowedHosts).toEqual(expect.arrayContaining(['api.anthropic.com:443', '127.0.0.1:18080']));
    // A host that is not on the list, asked of the real proxy.
    const answer = await connectThrough(port, 'example.org:443');
    expect(answer).toMatch(/^HTTP\/1\.1 403/);
    expect(isolated.describe().refusedConnections).toBe(1);
    await isolated.dispose();
    await expect(connectThrough(port, 'example.org:443')).rejects.toThrow(/ECONNREFUSED/);
  });

  it('points variables that name folders in the home at the private home', () => {
    expect(movedIntoPrivateHome({ CODEX_HOME: '/Users/a/.codex', OTHER: '/Users/ab/x', HOME_ITSELF: '/Users/a', PLAIN: 'text' }, '/Users/a', '/priv')).toEqual({
      CODEX_HOME: '/priv/.codex',
      OTHER: '/Users/ab/x',
      HOME_ITSELF: '/priv',
      PLAIN: 'text',
    });
  });
});

function connectThrough(port: number, target: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`));
    socket.once('data', (data) => {
      resolve(data.toString().split('\r\n')[0]!);
      socket.destroy();
    });
    socket.once('error', reject);
  });
}
