import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HELP, parseCommand, UsageError, type StartOptions } from '../../src-main/headless/cli';
import { httpRequest, until } from './support';

/** `raven-runtime start --isolation …` and its RAVEN_ISOLATION… twins → the runtime's default isolation. */

function startOptions(argv: string[], env: NodeJS.ProcessEnv = {}): StartOptions {
  const command = parseCommand(['start', ...argv], env);
  if (command.kind !== 'start') throw new Error(`expected start, got ${command.kind}`);
  return command.options;
}

function usageError(argv: string[], env: NodeJS.ProcessEnv = {}): string {
  try {
    parseCommand(['start', ...argv], env);
  } catch (error) {
    if (error instanceof UsageError) return error.message;
    throw error;
  }
  throw new Error(`expected a usage error for ${argv.join(' ')}`);
}

describe('parsing the isolation flags', () => {
  it('leaves the runtime default alone when nothing is said', () => {
    expect(startOptions([]).isolation).toBeUndefined();
  });

  it('builds the policy from the flags', () => {
    expect(startOptions(['--isolation', 'none']).isolation).toEqual({ mode: 'none' });
    expect(startOptions(['--isolation', 'Sandbox']).isolation).toEqual({ mode: 'sandbox' });
    expect(
      startOptions([
        '--isolation', 'sandbox',
        '--isolation-network', 'allowlist',
        '--isolation-allow', 'registry.npmjs.org',
        '--isolation-allow', '*.example.com:8443',
        '--isolation-memory', '512',
        '--isolation-cpu', '150',
        '--isolation-processes', '256',
      ]).isolation,
    ).toEqual({ mode: 'sandbox', network: 'allowlist', allow: ['registry.npmjs.org', '*.example.com:8443'], limits: { memoryMb: 512, cpuPercent: 150, maxProcesses: 256 } });
  });

  it('reads the environment twins, and each flag wins over its own variable', () => {
    const env = {
      RAVEN_ISOLATION: 'container',
      RAVEN_ISOLATION_NETWORK: 'none',
      RAVEN_ISOLATION_MEMORY: '1024',
      RAVEN_ISOLATION_CPU: '100',
      RAVEN_ISOLATION_PROCESSES: '64',
      RAVEN_ISOLATION_ALLOW: '',
    };
    expect(startOptions([], env).isolation).toEqual({ mode: 'container', network: 'none', limits: { memoryMb: 1024, cpuPercent: 100, maxProcesses: 64 } });
    expect(startOptions(['--isolation', 'sandbox', '--isolation-memory', '256'], env).isolation).toEqual({
      mode: 'sandbox',
      network: 'none',
      limits: { memoryMb: 256, cpuPercent: 100, maxProcesses: 64 },
    });
    expect(startOptions([], { RAVEN_ISOLATION: 'sandbox', RAVEN_ISOLATION_ALLOW: 'a.example, b.example:444 ,' }).isolation).toEqual({
      mode: 'sandbox',
      allow: ['a.example', 'b.example:444'],
    });
    expect(startOptions(['--isolation-allow', 'c.example'], { RAVEN_ISOLATION: 'sandbox', RAVEN_ISOLATION_ALLOW: 'a.example' }).isolation?.allow).toEqual(['c.example']);
  });

  it('explains a wrong mode, suggesting the likely one', () => {
    expect(usageError(['--isolation', 'sandbx'])).toBe('--isolation must be one of none, sandbox, container, got "sandbx". Did you mean "sandbox"?');
    expect(usageError(['--isolation', 'jail'])).toBe('--isolation must be one of none, sandbox, container, got "jail".');
    expect(usageError(['--isolation', 'sandbox', '--isolation-network', 'allowlst'])).toContain('Did you mean "allowlist"?');
    expect(usageError([], { RAVEN_ISOLATION: 'docker' })).toContain('RAVEN_ISOLATION must be one of none, sandbox, container, got "docker".');
  });

  it('refuses network, hosts and limits that would do nothing without an isolated mode', () => {
    expect(usageError(['--isolation-network', 'none'])).toBe('--isolation-network needs --isolation sandbox or --isolation container.');
    expect(usageError(['--isolation', 'none', '--isolation-memory', '512'])).toBe(
      '--isolation-memory needs --isolation sandbox or --isolation container (agents are not isolated with "none").',
    );
    expect(usageError(['--isolation-allow', 'example.com'])).toContain('--isolation-allow needs --isolation sandbox');
    expect(usageError(['--isolation', 'sandbox', '--isolation-network', 'full', '--isolation-allow', 'example.com'])).toBe(
      '--isolation-allow adds hosts to the allowlist; it means nothing with --isolation-network full.',
    );
  });

  it('refuses numbers that are not whole or out of the range a spawn accepts', () => {
    expect(usageError(['--isolation', 'sandbox', '--isolation-memory', '512Mi'])).toBe('--isolation-memory needs a whole number (MiB), got "512Mi".');
    expect(usageError(['--isolation', 'sandbox', '--isolation-cpu', '0.5'])).toContain('--isolation-cpu needs a whole number (percent of one core)');
    expect(usageError(['--isolation', 'sandbox', '--isolation-memory', '8'])).toBe('--isolation-memory must be at least 16.');
    expect(usageError(['--isolation', 'sandbox', '--isolation-processes', '2'])).toBe('--isolation-processes must be at least 4.');
    expect(usageError(['--isolation', 'sandbox', '--isolation-cpu', '0'])).toBe('--isolation-cpu must be at least 1.');
    expect(usageError([], { RAVEN_ISOLATION: 'sandbox', RAVEN_ISOLATION_PROCESSES: 'many' })).toContain('RAVEN_ISOLATION_PROCESSES needs a whole number');
  });

  it('refuses a host with a scheme or a path', () => {
    expect(usageError(['--isolation', 'sandbox', '--isolation-allow', 'https://example.com'])).toBe(
      '--isolation-allow: "https://example.com" is not a host; give host, host:port or *.domain (no scheme, no path).',
    );
    expect(usageError(['--isolation', 'sandbox', '--isolation-allow', 'example.com/api'])).toContain('is not a host');
    expect(startOptions(['--isolation', 'sandbox', '--isolation-allow', '[::1]:8080', '--isolation-allow', '10.0.0.7']).isolation?.allow).toEqual(['[::1]:8080', '10.0.0.7']);
  });

  it('lists every isolation flag and variable in the help', () => {
    for (const word of ['--isolation <mode>', '--isolation-network', '--isolation-allow', '--isolation-memory', '--isolation-cpu', '--isolation-processes', 'RAVEN_ISOLATION']) {
      expect(HELP).toContain(word);
    }
  });
});

describe('raven-runtime start --isolation (a real process)', () => {
  const BIN = path.resolve(__dirname, '..', '..', 'bin', 'raven-runtime.js');
  const children: ChildProcess[] = [];
  const dirs: string[] = [];
  afterEach(() => {
    for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  function run(args: string[]) {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    return { child, stdout: () => out, stderr: () => err, exited };
  }

  it('says the default it runs with, and exits 2 with the reason on a bad value', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raven-cli-iso-'));
    dirs.push(dir);
    const good = run(['start', '--port', '0', '--data-dir', dir, '--isolation', 'sandbox', '--isolation-network', 'none', '--isolation-memory', '512']);
    const bad = run(['start', '--port', '0', '--isolation', 'sandbx']);
    expect(await bad.exited).toBe(2);
    expect(bad.stderr()).toContain('--isolation must be one of none, sandbox, container, got "sandbx". Did you mean "sandbox"?');
    expect(bad.stderr()).toContain('raven-runtime --help');

    await until(() => /listening on (http:\/\/\S+)/.test(good.stdout()) || good.child.exitCode !== null, 20_000, 'the URL on stdout');
    const url = /listening on (http:\/\/\S+)/.exec(good.stdout())?.[1];
    expect(url, good.stderr()).toBeDefined();
    expect(good.stdout()).toContain('Agents are isolated unless a spawn says otherwise: sandbox (network none, memory 512 MiB)');
    expect((await httpRequest(`${url}/api/health`, 'GET')).status).toBe(200);
    good.child.kill('SIGTERM');
    expect(await good.exited).toBe(0);
  });
});
