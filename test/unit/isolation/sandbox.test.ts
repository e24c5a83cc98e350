import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Emitter } from '../../../src-shared/emitter';
import { BubblewrapSandbox, BWRAP_MISSING, type EgressHook } from '../../../src-main/runtime/isolation/sandbox';
import { sandboxInitPath } from '../../../src-main/runtime/isolation/sandbox-init-command';
import { ignoreTerminalSignalsPrefix } from '../../../src-main/runtime/isolation/terminal-signals';
import type { IsolationContext, LaunchSpec, LimitHit, LimitsHandle, ResolvedIsolation } from '../../../src-main/runtime/isolation/types';
import { createLogger } from '../../../src-main/runtime/logger';

let root: string;
let context: IsolationContext;
let launch: LaunchSpec;
const policy: ResolvedIsolation = { mode: 'sandbox', network: 'none', allow: [], writable: [], readOnly: [], limits: {} };

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'raven-bwrap-unit-'));
  const home = path.join(root, 'home');
  fs.mkdirSync(path.join(home, '.claude'), { recursive: true });
  fs.writeFileSync(path.join(home, '.claude.json'), '{}');
  context = { agentId: 'agent-1', type: 'claude-code', stateDir: path.join(root, 'data/sandboxes/agent-1'), runtimePaths: ['/opt/raven'], log: createLogger('silent') };
  launch = { executable: '/bin/sh', args: ['-c', 'true'], env: { HOME: home, PATH: '/usr/bin:/bin', RAVEN_AGENT_SESSION: 'agent-1' }, cwd: path.join(root, 'work') };
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

function sandbox(searchPath = '/usr/bin:/bin', platform: NodeJS.Platform = 'linux'): BubblewrapSandbox {
  return new BubblewrapSandbox({ dataDir: path.join(root, 'data'), realHome: '/root', searchPath, platform });
}

describe('BubblewrapSandbox', () => {
  it('says how to install bwrap when it is missing, and refuses other platforms', async () => {
    await expect(sandbox(path.join(root, 'empty-bin')).prepare(launch, policy, context)).rejects.toMatchObject({ code: 'ISOLATION_UNAVAILABLE', message: BWRAP_MISSING });
    await expect(sandbox('/usr/bin', 'darwin').prepare(launch, policy, context)).rejects.toMatchObject({ code: 'ISOLATION_UNAVAILABLE' });
    expect(fs.existsSync(context.stateDir)).toBe(false);
  });

  it('refuses allowlist until an egress hook is given', async () => {
    await expect(sandbox().prepare(launch, { ...policy, network: 'allowlist' }, context)).rejects.toMatchObject({
      code: 'ISOLATION_UNAVAILABLE',
      message: expect.stringContaining('egress proxy'),
    });
    expect(fs.existsSync(context.stateDir)).toBe(false);
  });

  it('seeds the private home, runs bwrap, describes itself and removes its folder on dispose', async () => {
    const isolated = await sandbox().prepare(launch, policy, context);
    // bwrap starts with the terminal's job signals ignored (terminal-signals.ts)…
    expect([isolated.executable, ...isolated.args.slice(0, 4)]).toEqual([...ignoreTerminalSignalsPrefix(), '/usr/bin/bwrap']);
    // …and the program under sandbox-init, which gives it the default dispositions back. /bin/sh
    // is readable inside as it is: it runs under its own name.
    expect(isolated.args.slice(-7)).toEqual(['--', process.execPath, sandboxInitPath(), '--', '/bin/sh', '-c', 'true']);
    expect(isolated.args.join(' ')).toContain(`--ro-bind-try ${sandboxInitPath()} ${sandboxInitPath()}`);
    expect(isolated.args.join(' ')).toContain(`--bind ${context.stateDir}/home ${launch.env.HOME}`);
    expect(isolated.args.join(' ')).toContain('--ro-bind-try /opt/raven /opt/raven');
    expect(isolated.env).toMatchObject({ HOME: launch.env.HOME, TMPDIR: '/tmp', RAVEN_AGENT_SESSION: 'agent-1' });
    expect(fs.readFileSync(path.join(context.stateDir, 'home/.claude.json'), 'utf8')).toBe('{}');
    expect(isolated.describe()).toEqual({ mode: 'sandbox', network: 'none', limitsEnforcedBy: 'none' });
    // The real home is emptied; the data folder is under /tmp here, which covers it.
    expect(isolated.args.join(' ')).toContain('--tmpfs /root --tmpfs /tmp ');
    await isolated.dispose();
    await isolated.dispose();
    expect(fs.existsSync(context.stateDir)).toBe(false);
  });

  it('puts the limits prefix in front of bwrap and the egress wrap inside it', async () => {
    const hits = new Emitter<[hit: LimitHit]>();
    const released: string[] = [];
    const attached: number[] = [];
    const limits: LimitsHandle = {
      mechanism: 'rlimit',
      prefix: ['/usr/bin/prlimit', '--nproc=100', '--'],
      attach: (pid) => attached.push(pid),
      onHit: (listener) => hits.on(listener),
      dispose: async () => void released.push('limits'),
    };
    const network: EgressHook = {
      wrap: async (inner) => ({
        launch: { ...inner, executable: '/usr/bin/node', args: ['/opt/raven/bridge.cjs', '--', inner.executable, ...inner.args], env: { ...inner.env, HTTPS_PROXY: 'http://127.0.0.1:3128' } },
        readPaths: ['/run/raven/proxy'],
        allowedHosts: ['api.anthropic.com'],
        refusedConnections: () => 3,
        dispose: async () => void released.push('egress'),
      }),
    };
    const isolated = await sandbox().prepare(launch, { ...policy, network: 'allowlist', limits: { maxProcesses: 100 } }, context, { limits, network });
    expect([isolated.executable, ...isolated.args.slice(0, 7)]).toEqual(['/usr/bin/prlimit', '--nproc=100', '--', ...ignoreTerminalSignalsPrefix(), '/usr/bin/bwrap']);
    expect(isolated.args).toContain('--unshare-net');
    expect(isolated.args.join(' ')).toContain('--ro-bind-try /run/raven/proxy /run/raven/proxy');
    expect(isolated.args.slice(isolated.args.indexOf('--', 7))).toEqual(['--', '/usr/bin/node', '/opt/raven/bridge.cjs', '--', '/bin/sh', '-c', 'true']);
    expect(isolated.env.HTTPS_PROXY).toBe('http://127.0.0.1:3128');
    expect(isolated.describe()).toEqual({ mode: 'sandbox', network: 'allowlist', limits: { maxProcesses: 100 }, limitsEnforcedBy: 'rlimit', allowedHosts: ['api.anthropic.com'], refusedConnections: 3 });
    const heard: LimitHit[] = [];
    isolated.onLimit((hit) => heard.push(hit));
    isolated.attach(4242);
    expect(attached).toEqual([4242]);
    hits.emit({ limit: 'processes', detail: 'process limit of 100 reached' });
    expect(heard).toEqual([{ limit: 'processes', detail: 'process limit of 100 reached' }]);
    await isolated.dispose();
    expect(released).toEqual(['egress', 'limits']);
  });
});

describe('BubblewrapSandbox wired once for every agent', () => {
  it('asks limitsFor per agent, uses the wired egress hook, and releases both when preparing fails', async () => {
    const released: string[] = [];
    const asked: string[] = [];
    const wired = new BubblewrapSandbox({
      dataDir: path.join(root, 'data'),
      realHome: '/root',
      searchPath: '/usr/bin:/bin',
      platform: 'linux',
      limitsFor: async (_policy, ctx) => {
        asked.push(ctx.agentId);
        return { mechanism: 'cgroup-v1', prefix: [], attach: () => undefined, onHit: () => ({ dispose: () => undefined }), dispose: async () => void released.push('limits') };
      },
      network: {
        wrap: async () => {
          released.push('wrap-called');
          throw new Error('proxy down');
        },
      },
    });
    await expect(wired.prepare(launch, { ...policy, network: 'allowlist' }, context)).rejects.toThrow('proxy down');
    expect(asked).toEqual(['agent-1']);
    expect(released).toEqual(['wrap-called', 'limits']);
    expect(fs.existsSync(context.stateDir)).toBe(false);
    const fine = await wired.prepare(launch, policy, context);
    expect(fine.describe().limitsEnforcedBy).toBe('cgroup-v1');
    await fine.dispose();
  });
});

describe('hidden roots that do not exist', () => {
  it('are left out (a tmpfs needs a mount point), and a missing HOME falls back to the real home path', async () => {
    const isolated = await sandbox().prepare({ ...launch, env: { ...launch.env, HOME: path.join(root, 'no-home'), XDG_RUNTIME_DIR: path.join(root, 'no-run') } }, policy, context);
    expect(isolated.args.join(' ')).not.toContain('no-run');
    expect(isolated.args.join(' ')).toContain(`--bind ${context.stateDir}/home /root `);
    expect(isolated.env.HOME).toBe('/root');
    await isolated.dispose();
  });
});

describe('the data folder stays hidden', () => {
  it('refuses a workdir, writable or readOnly entry that contains it', async () => {
    const dataDir = path.join(root, 'data');
    await expect(sandbox().prepare({ ...launch, cwd: root }, policy, context)).rejects.toMatchObject({ code: 'VALIDATION_ERROR', details: { field: 'workdir' } });
    await expect(sandbox().prepare(launch, { ...policy, writable: [dataDir] }, context)).rejects.toMatchObject({ details: { field: 'isolation.writable' } });
    await expect(sandbox().prepare(launch, { ...policy, readOnly: ['/'] }, context)).rejects.toMatchObject({ details: { field: 'isolation.readOnly' } });
    expect(fs.existsSync(context.stateDir)).toBe(false);
    // A folder beside it is fine.
    const fine = await sandbox().prepare(launch, { ...policy, readOnly: [path.join(root, 'elsewhere')] }, context);
    await fine.dispose();
  });
});
