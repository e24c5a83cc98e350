import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AgentHandle } from '../../src-shared/agent';
import { isAlive } from '../../src-main/runtime/process/process-tree';
import { httpRequest, TEST_KEY, until } from './support';

/** `bin/raven-runtime.js` as a user runs it: a child process, no build step. */

const BIN = path.resolve(__dirname, '..', '..', 'bin', 'raven-runtime.js');
const children: ChildProcess[] = [];
const dirs: string[] = [];

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function run(args: string[], env: NodeJS.ProcessEnv = {}): Run {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, SHELL: '/bin/bash', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited: new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal }))),
  };
}

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raven-cli-'));
  dirs.push(dir);
  return dir;
}

async function urlOf(r: Run): Promise<string> {
  await until(() => /listening on (http:\/\/\S+)/.test(r.stdout()) || r.child.exitCode !== null, 20_000, 'the URL on stdout');
  const match = /listening on (http:\/\/\S+)/.exec(r.stdout());
  if (!match) throw new Error(`no URL; stderr: ${r.stderr()}`);
  return match[1];
}

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe('raven-runtime (headless CLI)', () => {
  it('prints its version and help; rejects bad options with exit 2', async () => {
    // Started together: each is a Node + tsx start-up.
    const version = run(['--version']);
    const word = run(['version']);
    const help = run(['--help']);
    const bad = run(['start', '--port', 'eighty']);
    const unknown = run(['start', '--frobnicate']);
    const none = run([]);
    expect(await version.exited).toEqual({ code: 0, signal: null });
    expect(version.stdout().trim()).toMatch(/^\d+\.\d+\.\d+/);
    expect((await word.exited).code).toBe(0);
    expect(word.stdout()).toBe(version.stdout());
    expect((await help.exited).code).toBe(0);
    for (const flag of ['--port', '--host', '--api-key', '--anthropic-key', '--openai-key', '--google-key', '--max-agents', '--data-dir', '--log-level', '--allow-origin']) {
      expect(help.stdout()).toContain(flag);
    }
    expect((await bad.exited).code).toBe(2);
    expect(bad.stderr()).toContain('--port');
    expect((await unknown.exited).code).toBe(2);
    expect(unknown.stderr()).toContain('frobnicate');
    expect((await none.exited).code).toBe(2);
  });

  it('starts, serves the API, and on SIGTERM stops every agent (none orphaned) and exits 0', async () => {
    const dir = tempDir();
    const work = path.join(dir, 'work');
    fs.mkdirSync(work);
    const r = run(['start', '--port', '0', '--data-dir', path.join(dir, 'data'), '--max-agents', '3', '--allow-origin', 'https://raven.example.com'], { HOME: dir });
    const url = await urlOf(r);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const health = await httpRequest(`${url}/api/health`, 'GET');
    expect(health.status).toBe(200);
    expect(health.json).toMatchObject({ healthy: true, maxAgents: 3 });
    expect((await httpRequest(`${url}/`, 'GET')).json).toMatchObject({ service: 'Raven Agent Runtime' });
    expect((await httpRequest(`${url}/api/agents`, 'GET', { headers: { Origin: 'https://raven.example.com' } })).headers['access-control-allow-origin']).toBe('https://raven.example.com');
    expect((await httpRequest(`${url}/api/agents`, 'GET', { headers: { Origin: 'https://evil.example' } })).status).toBe(403);

    const created = await httpRequest(`${url}/api/agents`, 'POST', { body: { type: 'shell', workdir: work } });
    expect(created.status).toBe(201);
    const agent = created.json as AgentHandle;
    await until(async () => ((await httpRequest(`${url}/api/agents/${agent.id}`, 'GET')).json as AgentHandle).status === 'ready', 10_000, 'ready');
    // A background child of the agent must go too.
    await httpRequest(`${url}/api/agents/${agent.id}/input`, 'POST', { body: { data: 'sleep 300 & echo "bgpid=$!"\r' } });
    let bgPid = 0;
    await until(async () => {
      const match = /bgpid=(\d+)/.exec(((await httpRequest(`${url}/api/agents/${agent.id}/output`, 'GET')).json as { output: string }).output);
      bgPid = match ? Number(match[1]) : 0;
      return bgPid > 0;
    }, 5_000, 'background pid');
    expect(isAlive(agent.pid!)).toBe(true);
    expect(isAlive(bgPid)).toBe(true);

    r.child.kill('SIGTERM');
    expect(await r.exited).toEqual({ code: 0, signal: null });
    expect(isAlive(agent.pid!)).toBe(false);
    expect(isAlive(bgPid)).toBe(false);
    await expect(httpRequest(`${url}/api/health`, 'GET')).rejects.toThrow();
    expect(fs.existsSync(path.join(dir, 'data', 'transcripts', agent.id))).toBe(true);
  });

  it('requires the key given with --api-key, and exits 0 on SIGINT', async () => {
    const dir = tempDir();
    const r = run(['start', '--port', '0', '--data-dir', dir, '--api-key', TEST_KEY]);
    const url = await urlOf(r);
    expect((await httpRequest(`${url}/api/agents`, 'GET')).status).toBe(401);
    expect((await httpRequest(`${url}/api/agents`, 'GET', { headers: { Authorization: `Bearer ${TEST_KEY}` } })).status).toBe(200);
    r.child.kill('SIGINT');
    expect((await r.exited).code).toBe(0);
    expect(r.stdout() + r.stderr()).not.toContain(TEST_KEY);
  });

  it('takes the key from --api-key-file or RAVEN_RUNTIME_API_KEY without a warning; --api-key warns that others can read it', async () => {
    const dir = tempDir();
    const keyFile = path.join(dir, 'key');
    fs.writeFileSync(keyFile, `${TEST_KEY}\n`, { mode: 0o600 });
    const fromFile = run(['start', '--port', '0', '--data-dir', path.join(dir, 'a'), '--api-key-file', keyFile]);
    const fileUrl = await urlOf(fromFile);
    expect((await httpRequest(`${fileUrl}/api/agents`, 'GET')).status).toBe(401);
    expect((await httpRequest(`${fileUrl}/api/agents`, 'GET', { headers: { Authorization: `Bearer ${TEST_KEY}` } })).status).toBe(200);
    // Key mode: only a bare liveness answer without the key.
    expect((await httpRequest(`${fileUrl}/health`, 'GET')).json).toEqual({ healthy: true });
    expect(fromFile.stderr()).not.toMatch(/warning/);
    fromFile.child.kill('SIGTERM');
    expect((await fromFile.exited).code).toBe(0);

    const fromEnv = run(['start', '--port', '0', '--data-dir', path.join(dir, 'b')], { RAVEN_RUNTIME_API_KEY: TEST_KEY });
    const envUrl = await urlOf(fromEnv);
    expect((await httpRequest(`${envUrl}/api/agents`, 'GET', { headers: { 'X-API-Key': TEST_KEY } })).status).toBe(200);
    expect(fromEnv.stderr()).not.toMatch(/warning/);
    fromEnv.child.kill('SIGTERM');
    expect((await fromEnv.exited).code).toBe(0);

    const fromArgv = run(['start', '--port', '0', '--data-dir', path.join(dir, 'c'), '--api-key', TEST_KEY]);
    await urlOf(fromArgv);
    expect(fromArgv.stderr()).toMatch(/warning: --api-key is readable by every local process/);
    expect(fromArgv.stderr()).not.toContain(TEST_KEY);
    fromArgv.child.kill('SIGTERM');
    expect((await fromArgv.exited).code).toBe(0);

    const missing = run(['start', '--port', '0', '--data-dir', path.join(dir, 'd'), '--api-key-file', path.join(dir, 'nope')]);
    expect((await missing.exited).code).toBe(2);
    expect(missing.stderr()).toMatch(/Cannot read the API key file .*nope: ENOENT/);
  });

  it('says which folder is wrong when the data folder cannot be made or holds a file, without a stack trace', async () => {
    const dir = tempDir();
    const blocker = path.join(dir, 'blocker');
    fs.writeFileSync(blocker, 'a file');
    const bad = run(['start', '--port', '0', '--data-dir', path.join(blocker, 'data')]);
    expect((await bad.exited).code).toBe(1);
    expect(bad.stderr()).toMatch(/^raven-runtime: Cannot create the data folder .*blocker\/data: a part of the path is a file, not a folder\. \[ENOTDIR\]\n$/);
    expect(bad.stderr()).not.toMatch(/\n\s+at /);

    const data = path.join(dir, 'data');
    fs.mkdirSync(data);
    fs.writeFileSync(path.join(data, 'transcripts'), 'not a folder');
    const fileInTheWay = run(['start', '--port', '0', '--data-dir', data]);
    expect((await fileInTheWay.exited).code).toBe(1);
    expect(fileInTheWay.stderr()).toMatch(/The transcripts folder .*data\/transcripts is a file, not a folder/);
  });

  it('refuses a non-loopback bind without a key, and reports a port in use, with exit 1', async () => {
    const dir = tempDir();
    const open = run(['start', '--host', '0.0.0.0', '--port', '0', '--data-dir', dir]);
    expect((await open.exited).code).toBe(1);
    expect(open.stderr()).toMatch(/Refusing to listen on 0\.0\.0\.0 without an API key.*\[INSECURE_BIND\]/);

    const first = run(['start', '--port', '0', '--data-dir', dir]);
    const port = new URL(await urlOf(first)).port;
    const second = run(['start', '--port', port, '--data-dir', dir]);
    expect((await second.exited).code).toBe(1);
    expect(second.stderr()).toContain('[EADDRINUSE]');
    first.child.kill('SIGTERM');
    expect((await first.exited).code).toBe(0);
  });
});
